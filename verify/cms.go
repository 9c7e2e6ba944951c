package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/sohoa/sohoa/verify/internal/cms"
)

// checkCMS verifies a CMS SignedData over content: a PDF signature with
// subFilter adbe.pkcs7.detached, ETSI.CAdES.detached or adbe.pkcs7.sha1
// (whose encapsulated SHA-1 digest must be that of content), or a detached
// .p7s file (subFilter ""). It fills sr and never returns an error: every
// problem becomes an indication, a sub-indication and a Problems line.
func (v *Verifier) checkCMS(ctx context.Context, sr *SignatureReport, der []byte, content signedContent, ev evidence, subFilter string) {
	v.runCMS(ctx, sr, der, content, ev, subFilter).applyTo(sr)
}

// runCMS is checkCMS without merging the verdict into sr (every other
// field is filled).
func (v *Verifier) runCMS(ctx context.Context, sr *SignatureReport, der []byte, content signedContent, ev evidence, subFilter string) (vd *cmsVerdict) {
	vd = &cmsVerdict{}
	sr.ValidationTime, sr.ValidationTimeSource = v.defaultValidationTime()
	// Weak algorithms are judged last, against the signature timestamp
	// that verified, if any.
	var poe time.Time
	defer func() { vd.resolveWeak(poe, "the signature timestamp") }()

	sd, err := parseCMS(der)
	if err != nil {
		vd.fail(TotalFailed, FormatFailure, "the signature value is not a readable CMS signature: %v", err)
		return
	}
	if len(sd.Signers) != 1 {
		vd.fail(TotalFailed, FormatFailure, "the CMS signature holds %d signers; exactly one is expected", len(sd.Signers))
		return
	}
	for _, e := range sd.CertErrs {
		vd.warn("%s", e)
	}
	if sd.Trailing > 0 {
		vd.warn("%s", trailingWarning(sd, "signature"))
	}
	si := &sd.Signers[0]
	dc := &digestCache{content: content}
	isPDF := subFilter != ""

	chk := &cmsSignerCheck{
		what:         "signature",
		contentType:  sd.EContentType,
		requireAttrs: subFilter == "ETSI.CAdES.detached",
		requireESS:   subFilter == "ETSI.CAdES.detached",
		certs:        cmsCertPool(sd.Certs, ev.Certs),
	}
	if chk.requireAttrs {
		chk.standard = "ETSI.CAdES.detached (PAdES)"
	}
	if isPDF && !sd.EContentType.Equal(oidData) {
		vd.fail(TotalFailed, FormatFailure, "the CMS signs content of type %s; a PDF signature must sign id-data", sd.EContentType)
	}
	if !v.setContentDigest(vd, sd, dc, chk, subFilter) {
		return
	}

	v.verifySignerInfo(vd, sd, si, chk)
	sr.DigestAlgorithm = chk.digestName
	sr.SignatureAlgorithm = chk.sigName
	sr.DigestMatches = chk.digestMatches
	sr.SignatureValid = chk.signatureValid
	sr.essBound = chk.essBound
	if chk.signingTime != nil && sr.ClaimedSigningTime == nil {
		t := *chk.signingTime
		sr.ClaimedSigningTime = &t
	}
	if chk.signingTime != nil && subFilter == "ETSI.CAdES.detached" {
		vd.warn("the signature carries a signing-time attribute, which PAdES says must not be used (the claimed time belongs in /M); it is shown, never trusted")
	}
	if chk.signer == nil {
		if chk.shownSigner != nil {
			ci := certInfo(chk.shownSigner)
			sr.Signer = &ci
		}
		return
	}
	ci := certInfo(chk.signer)
	sr.Signer = &ci

	store := cmsRevocationStore(chk, sd, ev)

	// Signature timestamps: the earliest one that verifies is the proof
	// of existence.
	best, first := v.checkSignatureTimestamps(ctx, vd, si, chk, store)
	valTime, source, hasPOE := v.signatureValidationTime(vd, sr, best, first)
	if hasPOE {
		poe = valTime
	}
	sr.ValidationTime, sr.ValidationTimeSource = valTime, source

	pc := &pathCheck{
		leaf:    chk.signer,
		pool:    chk.certs,
		at:      valTime,
		poe:     hasPOE,
		claimed: sr.ClaimedSigningTime,
		who:     "signer's certificate",
		store:   store,
		online:  !vd.failed(),
	}
	v.checkSignerPath(ctx, vd, pc, sr)
	return vd
}

// checkSignerPath runs checkPath on the signer's certificate path and
// reports it in sr: the chain, whether it is trusted, and the revocation
// status of its certificates, ahead of the entries sr already holds (a
// signature timestamp's).
func (v *Verifier) checkSignerPath(ctx context.Context, vd *cmsVerdict, pc *pathCheck, sr *SignatureReport) {
	v.checkPath(ctx, vd, pc)
	for _, c := range pc.chain {
		sr.Chain = append(sr.Chain, certInfo(c))
	}
	sr.ChainTrusted = pc.trusted
	if pc.trusted {
		sr.TrustInfrastructure = v.infrastructureOf(pc.chain)
	}
	if pc.reason != nil {
		sr.Reasons = append(sr.Reasons, *pc.reason)
	}
	sr.Revocation = append(pc.revocation, sr.Revocation...)
}

// setContentDigest gives chk the digest of what the CMS signs: the
// encapsulated SHA-1 digest of the document for adbe.pkcs7.sha1 (checked
// against the signed bytes here), else the signed bytes themselves, which
// must not be encapsulated. False when nothing more can be checked.
func (v *Verifier) setContentDigest(vd *cmsVerdict, sd *cms.SignedData, dc *digestCache, chk *cmsSignerCheck, subFilter string) bool {
	if subFilter == "adbe.pkcs7.sha1" {
		if !sd.HasEContent {
			vd.fail(TotalFailed, FormatFailure, "an adbe.pkcs7.sha1 signature must encapsulate the SHA-1 digest of the document, but the CMS holds no content")
			return false
		}
		sum, err := dc.digest(crypto.SHA1)
		if err != nil {
			vd.fail(Indeterminate, SignedDataNotFound, "cannot read the signed bytes: %v", err)
			return false
		}
		enc := sd.EContent
		if !bytes.Equal(enc, sum) {
			// Some writers wrap the digest in one more OCTET STRING.
			var inner []byte
			if rest, err := asn1.Unmarshal(enc, &inner); err == nil && len(rest) == 0 && bytes.Equal(inner, sum) {
				enc = inner
			}
		}
		if !bytes.Equal(enc, sum) {
			vd.fail(TotalFailed, HashFailure, "the document was changed after signing: the SHA-1 digest encapsulated in the adbe.pkcs7.sha1 signature does not match the signed bytes")
		}
		if sunset, weak := v.policy.hashWeak(crypto.SHA1); weak {
			vd.weakAlg("the adbe.pkcs7.sha1 format digests the document with SHA-1", sunset)
		}
		econtent := sd.EContent
		chk.contentDigest = func(h crypto.Hash) ([]byte, error) { return hashBytes(h, econtent) }
	} else {
		if sd.HasEContent {
			vd.fail(TotalFailed, FormatFailure, "the CMS encapsulates %d bytes of content, but a detached signature is expected", len(sd.EContent))
			return false
		}
		chk.contentDigest = dc.digest
	}
	return true
}

// cmsRevocationStore gathers the revocation data a signature brings: in
// its signed attributes, in the SignedData and in the document's /DSS.
func cmsRevocationStore(chk *cmsSignerCheck, sd *cms.SignedData, ev evidence) *revStore {
	store := &revStore{}
	store.addSigned("cms", "crl", chk.revCRLs...)
	store.addSigned("cms", "ocsp", chk.revOCSPs...)
	store.add("cms", "crl", sd.CRLs...)
	store.add("cms", "ocsp", sd.OCSPs...)
	store.add("dss", "crl", ev.CRLs...)
	store.add("dss", "ocsp", ev.OCSPs...)
	return store
}

// checkSignatureTimestamps checks the signature's timestamp tokens (the
// first cmsMaxTokens): best is the earliest that verified, first the first
// one looked at.
func (v *Verifier) checkSignatureTimestamps(ctx context.Context, vd *cmsVerdict, si *cms.SignerInfo, chk *cmsSignerCheck, store *revStore) (best, first *tsOutcome) {
	if a := si.Attr(oidAttrSigTimeStampToken, false); a != nil {
		sigValue := si.Signature
		imprint := func(h crypto.Hash) ([]byte, error) { return hashBytes(h, sigValue) }
		for i, tok := range a.Values {
			if i == cmsMaxTokens {
				vd.warn("only the first %d of %d signature timestamps were checked", cmsMaxTokens, len(a.Values))
				break
			}
			out := v.checkTimestampToken(ctx, tok, imprint, chk.certs, store, "signature timestamp")
			if first == nil {
				first = out
			}
			if out.passed && (best == nil || out.genTime.Before(best.genTime)) {
				best = out
			}
		}
	}
	return best, first
}

// signatureValidationTime is the time the signer's path is validated at:
// the verified signature timestamp's (a proof of existence), else --at or
// now, with a warning when a timestamp was there but did not verify.
func (v *Verifier) signatureValidationTime(vd *cmsVerdict, sr *SignatureReport, best, first *tsOutcome) (valTime time.Time, source string, hasPOE bool) {
	valTime, source = v.defaultValidationTime()
	switch {
	case best != nil:
		valTime, source, hasPOE = best.genTime, "signature_timestamp", true
		sr.Timestamp = &best.report
		sr.Revocation = append(sr.Revocation, best.revocation...)
		for _, w := range best.vd.warnings {
			vd.warn("signature timestamp: %s", w)
		}
		if st := sr.ClaimedSigningTime; st != nil && st.After(best.genTime.Add(5*time.Minute)) {
			vd.warn("the claimed signing time %s is after the signature timestamp %s", st.UTC().Format(time.RFC3339), best.genTime.UTC().Format(time.RFC3339))
		}
	case first != nil:
		sr.Timestamp = &first.report
		reason := "it did not verify"
		if len(first.report.Problems) > 0 {
			reason = first.report.Problems[0]
		}
		vd.warn("the signature timestamp is not valid (%s); the signature is validated at the %s instead", reason, map[bool]string{true: "requested time", false: "current time"}[source == "requested_time"])
	}
	return valTime, source, hasPOE
}

// checkUnsupportedSubFilter handles a PDF signature whose /SubFilter sohoa
// does not implement, or that has none. The format's own rules cannot be
// checked, so the verdict is INDETERMINATE, never TOTAL_FAILED for that
// alone. When the value is a CMS SignedData (as for PBAD.PAdES and most
// vendor formats) it is still checked as a detached signature over the
// byte range: evidence of tampering or a cryptographic failure found that
// way (anything TOTAL_FAILED but FORMAT_FAILURE, which may only mean the
// format differs) decides the verdict as usual, so renaming the
// /SubFilter of a tampered signature cannot turn TOTAL_FAILED into
// INDETERMINATE (the /SubFilter is inside the signed bytes anyway).
func (v *Verifier) checkUnsupportedSubFilter(ctx context.Context, sr *SignatureReport, der []byte, content signedContent, ev evidence, subFilter string) {
	reason := fmt.Sprintf("sohoa does not support the signature format /SubFilter /%s, so the format's own rules cannot be checked", subFilter)
	if subFilter == "" {
		reason = "the signature dictionary has no /SubFilter, so sohoa does not know how the signature value is encoded and cannot check the format's rules"
	}
	if _, err := parseCMS(der); err != nil {
		sr.degrade(Indeterminate, SigConstraintsFailure, reason+"; its value is not a CMS signature sohoa can read either, so nothing about it could be checked", false)
		return
	}
	tmp := *sr
	vd := v.runCMS(ctx, &tmp, der, content, ev, "adbe.pkcs7.detached")
	tampered := false
	for _, f := range vd.findings {
		if f.ind == TotalFailed && f.sub != FormatFailure {
			tampered = true
		}
	}
	*sr = tmp
	if tampered {
		vd.applyTo(sr)
		sr.Warnings = append(sr.Warnings, reason+"; the value was checked as a detached CMS signature (adbe.pkcs7.detached)")
		return
	}
	sr.degrade(Indeterminate, SigConstraintsFailure, reason+"; read as a detached CMS signature (adbe.pkcs7.detached), it shows no sign of tampering", false)
	for _, f := range vd.findings {
		sr.Warnings = append(sr.Warnings, "read as adbe.pkcs7.detached: "+f.msg)
	}
	sr.Warnings = append(sr.Warnings, vd.warnings...)
}

// cmsCertPool joins the CMS certificates and the document's, without
// duplicates, bounded so hostile evidence cannot blow up path building.
func cmsCertPool(lists ...[]*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	seen := map[string]bool{}
	for _, l := range lists {
		for _, c := range l {
			if c == nil || seen[string(c.Raw)] || len(out) >= cms.MaxCerts+evMaxCerts {
				continue
			}
			seen[string(c.Raw)] = true
			out = append(out, c)
		}
	}
	return out
}

// Bounds on hostile input beside the parser's (cms.MaxCerts...).
const (
	cmsMaxTokens = 4 // signature timestamp tokens looked at
	evMaxCerts   = 512
)

var (
	oidData                    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidAttrContentType         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrCounterSignature    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 6}
	oidAttrSigningCertificate  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidAttrSigningCertV2       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidAttrSigTimeStampToken   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidAttrAlgorithmProtection = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 52}
	oidAttrAdbeRevocation      = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}
	oidRIOCSPResponse          = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
)

// parseCMS reads a CMS SignedData (see verify/internal/cms) with sohoa's
// certificate parser.
func parseCMS(der []byte) (*cms.SignedData, error) {
	return cms.Parse(der, parseCertAny)
}

// sidString describes the signer identifier for messages.
func sidString(si *cms.SignerInfo) string {
	if si.SKI != nil {
		return fmt.Sprintf("subject key identifier %X", si.SKI)
	}
	return fmt.Sprintf("issuer %q, serial %s", rawNameString(si.Issuer), serialHex(si.Serial))
}

// trailingWarning is the report line for bytes after the CMS structure.
func trailingWarning(sd *cms.SignedData, what string) string {
	return fmt.Sprintf("%d bytes that are not zero padding follow the %s's CMS structure inside the signature value; they were ignored (they are outside the signed bytes and cannot change what was signed)", sd.Trailing, what)
}
