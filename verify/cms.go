package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/sohoa/sohoa/verify/internal/cms"
)

// evidence is validation data found outside the CMS: a PDF's /DSS and
// /VRI entries. None of it is trusted as such; every item is checked
// (signatures, issuers, freshness) before it counts.
type evidence struct {
	Certs []*x509.Certificate
	CRLs  [][]byte
	OCSPs [][]byte
}

// ETSI EN 319 102-1 mapping decisions made in this file and in chain.go,
// revocation.go and timestamp.go (one line each; the report's Problems say
// the same in words):
//   - unparseable or truncated, not SignedData, not exactly one
//     SignerInfo: TOTAL_FAILED/FORMAT_FAILURE. Bytes after the first
//     complete DER element (besides zero padding) are ignored with a
//     warning: they are outside the signed range and the CMS.
//   - signed attributes without content-type or message-digest, a repeated
//     content-type, message-digest, signing-time, ESS signing-certificate
//     (-v2) or CMSAlgorithmProtection attribute (a repeated attribute sohoa
//     does not interpret is only a warning), content-type not id-data (PDF)
//     or not matching the encapsulated type, encapsulated content in a
//     detached signature, CAdES or timestamp token without signed
//     attributes or without an ESS signing-certificate(-v2) attribute:
//     TOTAL_FAILED/FORMAT_FAILURE.
//   - a PDF /SubFilter sohoa does not implement, or none:
//     INDETERMINATE/SIG_CONSTRAINTS_FAILURE unless the value, read as a
//     detached CMS, shows a TOTAL_FAILED finding other than FORMAT_FAILURE
//     (checkUnsupportedSubFilter).
//   - message digest (or adbe.pkcs7.sha1 encapsulated digest, or a
//     timestamp's message imprint) differs: TOTAL_FAILED/HASH_FAILURE.
//   - signature value does not verify, or the signature algorithm does
//     not fit the key: TOTAL_FAILED/SIG_CRYPTO_FAILURE.
//   - CMSAlgorithmProtection disagrees with the SignerInfo's algorithms:
//     TOTAL_FAILED/SIG_CRYPTO_FAILURE, because RFC 6211 section 3 says the
//     signature validation fails (the attribute exists to catch algorithm
//     substitution).
//   - an algorithm sohoa does not implement (Ed448, DSA, unknown OIDs), or
//     a path through a CA key it cannot check signatures with:
//     INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE, because nothing shows the
//     signature is bad; sohoa just cannot evaluate it.
//   - SHA-1 (unless Policy.AllowSHA1) or a key below the policy's minimum,
//     in the signature, its timestamps, any certificate of the path or the
//     revocation data: accepted with a warning when a verified timestamp
//     proves the material existed before the algorithm's sunset
//     (Policy.Sunsets), otherwise
//     INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE (EN 319 102-1
//     5.2.8, as EU DSS does); see sunset.go. MD5 is never computed and
//     always INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE.
//   - no certificate matches the signer identifier, or an ESS
//     signing-certificate(-v2) attribute names a different certificate:
//     INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND (EN 319 102-1 5.2.3).
//   - signer key usage without digitalSignature/nonRepudiation, an
//     extended key usage outside the allow-list, a TSA certificate without
//     the critical timeStamping EKU, or a path rejected for a constraint
//     (path length, name constraints, critical extension):
//     INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE (EN 319 102-1 5.2.6).
//   - no path to a configured trust anchor:
//     INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND.
//   - a path certificate not valid at the validation time: with a proof
//     of existence (verified signature timestamp) TOTAL_FAILED/EXPIRED or
//     TOTAL_FAILED/NOT_YET_VALID; without one
//     INDETERMINATE/OUT_OF_BOUNDS_NO_POE or INDETERMINATE/NOT_YET_VALID.
//   - revoked: with a timestamp, revocation at or before its time is
//     TOTAL_FAILED/REVOKED and later revocation passes with a warning;
//     without one, revocation at or before the claimed signing time is
//     TOTAL_FAILED/REVOKED, otherwise INDETERMINATE/REVOKED_NO_POE
//     (EN 319 102-1 5.3.4); revocation after a requested (--at) time passes
//     with a warning.
//   - no usable revocation status for a certificate that names a CRL or
//     OCSP location, with Policy.RequireRevocation:
//     INDETERMINATE/TRY_LATER; without locations: a warning only.
//   - the signed bytes cannot be read: INDETERMINATE/SIGNED_DATA_NOT_FOUND.

// cmsFinding is one failed check.
type cmsFinding struct {
	ind Indication
	sub SubIndication
	msg string
	// weak marks a CRYPTO_CONSTRAINTS_FAILURE_NO_POE finding from weak
	// material (resolveWeak), which a later proof of existence may lift.
	weak bool
}

// cmsVerdict collects the findings of one signature or timestamp in the
// order the checks run (EN 319 102-1's order: format, signing certificate,
// cryptography, path, then the signature acceptance checks, where weak
// algorithms are judged against the proof of existence); the first finding
// of the worst severity decides the sub-indication.
type cmsVerdict struct {
	findings []cmsFinding
	warnings []string
	// weak is material using an algorithm the policy rejects, judged by
	// resolveWeak once the proof of existence is known; pending is what
	// no proof covered.
	weak    []weakAlg
	pending []weakPending
}

// weakPending is weak material no proof of existence covered, with the
// problem line reported for it.
type weakPending struct {
	weakAlg
	problem string
}

// weakAlg records material that uses an algorithm or key the policy
// rejects; what names it and ends with the algorithm ("the signature
// digests with SHA-1").
func (vd *cmsVerdict) weakAlg(what string, sunset time.Time) {
	vd.weak = append(vd.weak, weakAlg{what: what, sunset: sunset})
}

// resolveWeak judges the weak material against the earliest proof of
// existence poe (zero: none), given by by: covered material is a warning,
// the rest INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE.
func (vd *cmsVerdict) resolveWeak(poe time.Time, by string) {
	for _, w := range vd.weak {
		if w.coveredBy(poe) {
			vd.warn("%s", w.accepted(poe, by))
			continue
		}
		msg := w.rejected(poe, by)
		vd.findings = append(vd.findings, cmsFinding{Indeterminate, CryptoConstraintsFailureNoPOE, msg, true})
		vd.pending = append(vd.pending, weakPending{w, msg})
	}
	vd.weak = nil
}

func (vd *cmsVerdict) fail(ind Indication, sub SubIndication, format string, args ...any) {
	vd.findings = append(vd.findings, cmsFinding{ind: ind, sub: sub, msg: fmt.Sprintf(format, args...)})
}

func (vd *cmsVerdict) warn(format string, args ...any) {
	vd.warnings = append(vd.warnings, fmt.Sprintf(format, args...))
}

func cmsSeverity(i Indication) int {
	switch i {
	case TotalFailed:
		return 2
	case Indeterminate:
		return 1
	}
	return 0
}

// result is the verdict's indication: TOTAL_PASSED when nothing failed.
func (vd *cmsVerdict) result() (Indication, SubIndication) {
	ind, sub := TotalPassed, NoSubIndication
	for _, f := range vd.findings {
		if cmsSeverity(f.ind) > cmsSeverity(ind) {
			ind, sub = f.ind, f.sub
		}
	}
	return ind, sub
}

func (vd *cmsVerdict) failed() bool {
	ind, _ := vd.result()
	return ind == TotalFailed
}

func (vd *cmsVerdict) problems() []string {
	out := make([]string, 0, len(vd.findings))
	for _, f := range vd.findings {
		out = append(out, f.msg)
	}
	return out
}

// applyTo merges the verdict into a signature report without raising an
// indication the caller already lowered. Weak material no proof covered
// is kept in the report, with the verdict without it, for a document
// timestamp to cover later (coverWithDocTimestamps).
func (vd *cmsVerdict) applyTo(sr *SignatureReport) {
	base := sr.Indication
	if base == "" {
		base = TotalPassed
	}
	baseSub := sr.SubIndication
	for _, f := range vd.findings {
		sr.Problems = append(sr.Problems, f.msg)
		if cmsSeverity(f.ind) > cmsSeverity(sr.Indication) {
			sr.Indication, sr.SubIndication = f.ind, f.sub
		}
		if !f.weak && cmsSeverity(f.ind) > cmsSeverity(base) {
			base, baseSub = f.ind, f.sub
		}
	}
	sr.Warnings = append(sr.Warnings, vd.warnings...)
	if sr.Indication == "" {
		sr.Indication, sr.SubIndication = TotalPassed, NoSubIndication
	}
	if len(vd.pending) > 0 {
		sr.weak = append(sr.weak, vd.pending...)
		sr.weakBase, sr.weakBaseSub = base, baseSub
	}
}

// cmsNow is the verifier's clock (time.Now when none was configured).
func (v *Verifier) cmsNow() time.Time {
	if v.now == nil {
		return time.Now()
	}
	return v.now()
}

// defaultValidationTime is the validation time without a proof of
// existence: --at when given, else now.
func (v *Verifier) defaultValidationTime() (time.Time, string) {
	if !v.at.IsZero() {
		return v.at, "requested_time"
	}
	return v.cmsNow(), "current_time"
}

// digestCache computes each digest of the signed content once.
type digestCache struct {
	content signedContent
	sums    map[crypto.Hash][]byte
}

func (d *digestCache) digest(h crypto.Hash) ([]byte, error) {
	if s, ok := d.sums[h]; ok {
		return s, nil
	}
	s, err := d.content.digest(h)
	if err != nil {
		return nil, err
	}
	if d.sums == nil {
		d.sums = map[crypto.Hash][]byte{}
	}
	d.sums[h] = s
	return s, nil
}

func hashBytes(h crypto.Hash, b []byte) ([]byte, error) {
	if !h.Available() {
		return nil, fmt.Errorf("hash %s is not available", hashName(h))
	}
	w := h.New()
	w.Write(b)
	return w.Sum(nil), nil
}

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
	if subFilter == "adbe.pkcs7.sha1" {
		if !sd.HasEContent {
			vd.fail(TotalFailed, FormatFailure, "an adbe.pkcs7.sha1 signature must encapsulate the SHA-1 digest of the document, but the CMS holds no content")
			return
		}
		sum, err := dc.digest(crypto.SHA1)
		if err != nil {
			vd.fail(Indeterminate, SignedDataNotFound, "cannot read the signed bytes: %v", err)
			return
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
			return
		}
		chk.contentDigest = dc.digest
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

	store := &revStore{}
	store.addSigned("cms", "crl", chk.revCRLs...)
	store.addSigned("cms", "ocsp", chk.revOCSPs...)
	store.add("cms", "crl", sd.CRLs...)
	store.add("cms", "ocsp", sd.OCSPs...)
	store.add("dss", "crl", ev.CRLs...)
	store.add("dss", "ocsp", ev.OCSPs...)

	// Signature timestamps: the earliest one that verifies is the proof
	// of existence.
	var best, first *tsOutcome
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
	valTime, source := v.defaultValidationTime()
	hasPOE := false
	switch {
	case best != nil:
		valTime, source, hasPOE = best.genTime, "signature_timestamp", true
		poe = best.genTime
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
	v.checkPath(ctx, vd, pc)
	for _, c := range pc.chain {
		sr.Chain = append(sr.Chain, certInfo(c))
	}
	sr.ChainTrusted = pc.trusted
	sr.Revocation = append(pc.revocation, sr.Revocation...)
	return vd
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

// cmsSignerCheck says what verifySignerInfo checks and receives what it
// found.
type cmsSignerCheck struct {
	what          string // "signature", "signature timestamp", ... for messages
	standard      string // what demands signed attributes, for messages
	contentDigest func(crypto.Hash) ([]byte, error)
	contentType   asn1.ObjectIdentifier // the content-type attribute must say this
	requireAttrs  bool
	requireESS    bool
	certs         []*x509.Certificate // where the signer certificate is looked for

	digestName     string
	sigName        string
	digestMatches  bool
	signatureValid bool
	signer         *x509.Certificate // identified signer; nil when none
	shownSigner    *x509.Certificate // for display when identification failed
	signingTime    *time.Time
	essBound       bool // an ESS signing-certificate(-v2) attribute binds signer
	essV2          bool
	revCRLs        [][]byte // adbe-revocationInfoArchival
	revOCSPs       [][]byte
}

// verifySignerInfo runs the checks common to signatures and timestamp
// tokens: signed attributes, content digest, signer identification (sid
// and ESS), signature value and the algorithm policy.
func (v *Verifier) verifySignerInfo(vd *cmsVerdict, sd *cms.SignedData, si *cms.SignerInfo, c *cmsSignerCheck) {
	candidates := cmsSignerCandidates(si, c.certs)
	if len(candidates) > 0 {
		c.shownSigner = candidates[0]
	}
	if si.SigAlg.OID.Equal(oidEd448) {
		// Checked first: Ed448 signers digest with SHAKE256 (RFC 8419),
		// which would otherwise be reported as the reason.
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s is made with Ed448, and sohoa cannot verify Ed448 signatures: its validity is unknown, not disproved", c.what)
		return
	}

	h, sloppy, ok := digestHash(si.DigestAlg.OID)
	if !ok {
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s uses the digest algorithm %s, which sohoa does not support", c.what, si.DigestAlg.OID)
		return
	}
	c.digestName = hashName(h)
	if sloppy {
		vd.warn("the %s names a signature algorithm (%s) as its digest algorithm; %s is assumed", c.what, si.DigestAlg.OID, hashName(h))
	}
	if isMD5(h) {
		vd.fail(Indeterminate, CryptoConstraintsFailureNoPOE, "the %s digests with %s, %s since %s; sohoa does not check MD5 signatures at all, as no proof of existence from before then can be shown", c.what, hashName(h), tooWeak, fmtDate(md5Sunset))
		return
	}
	if !h.Available() {
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s uses %s, which sohoa cannot compute", c.what, hashName(h))
		return
	}

	// Signed attributes.
	var messageDigest []byte
	var essV1, essV2 *essCertID
	if si.SignedAttrsDER == nil {
		if c.requireAttrs {
			vd.fail(TotalFailed, FormatFailure, "the %s has no signed attributes, which %s requires", c.what, c.standard)
		}
	} else {
		seen := map[string]int{}
		for _, a := range si.SignedAttrs {
			k := a.OID.String()
			if seen[k]++; seen[k] != 2 {
				continue
			}
			if name, ok := singleInstanceAttrs[k]; ok {
				vd.fail(TotalFailed, FormatFailure, "the %s's signed attribute %s (%s) appears more than once, which RFC 5652 forbids: it would be ambiguous which one was meant", c.what, k, name)
			} else {
				vd.warn("the %s's signed attribute %s appears more than once; sohoa does not interpret it, so the repetition changes nothing it checks", c.what, k)
			}
		}
		single := func(oid asn1.ObjectIdentifier, name string) []byte {
			a := si.Attr(oid, true)
			if a == nil {
				return nil
			}
			if len(a.Values) != 1 {
				vd.fail(TotalFailed, FormatFailure, "the %s's %s attribute must hold exactly one value, not %d", c.what, name, len(a.Values))
				return nil
			}
			return a.Values[0]
		}
		if val := single(oidAttrContentType, "content-type"); val != nil {
			var ct asn1.ObjectIdentifier
			if rest, err := asn1.Unmarshal(val, &ct); err != nil || len(rest) > 0 {
				vd.fail(TotalFailed, FormatFailure, "the %s's content-type attribute cannot be read", c.what)
			} else if !ct.Equal(c.contentType) {
				vd.fail(TotalFailed, FormatFailure, "the %s's content-type attribute says %s, but the signed content is of type %s", c.what, ct, c.contentType)
			}
		} else if si.Attr(oidAttrContentType, true) == nil {
			vd.fail(TotalFailed, FormatFailure, "the %s has signed attributes but no content-type attribute (RFC 5652 section 5.3 requires it)", c.what)
		}
		if val := single(oidAttrMessageDigest, "message-digest"); val != nil {
			if rest, err := asn1.Unmarshal(val, &messageDigest); err != nil || len(rest) > 0 {
				vd.fail(TotalFailed, FormatFailure, "the %s's message-digest attribute cannot be read", c.what)
				messageDigest = nil
			}
		} else if si.Attr(oidAttrMessageDigest, true) == nil {
			vd.fail(TotalFailed, FormatFailure, "the %s has signed attributes but no message-digest attribute, so it does not bind the document", c.what)
		}
		if val := single(oidAttrSigningTime, "signing-time"); val != nil {
			var t time.Time
			if rest, err := asn1.Unmarshal(val, &t); err == nil && len(rest) == 0 {
				c.signingTime = &t
			} else {
				vd.warn("the %s's signing-time attribute cannot be read", c.what)
			}
		}
		if val := single(oidAttrSigningCertificate, "signing-certificate"); val != nil {
			e, err := parseESS(val, false)
			if err != nil {
				vd.fail(TotalFailed, FormatFailure, "the %s's ESS signing-certificate attribute cannot be read: %v", c.what, err)
			} else {
				essV1 = &e
			}
		}
		if val := single(oidAttrSigningCertV2, "signing-certificate-v2"); val != nil {
			e, err := parseESS(val, true)
			if err != nil {
				vd.fail(TotalFailed, FormatFailure, "the %s's ESS signing-certificate-v2 attribute cannot be read: %v", c.what, err)
			} else {
				essV2 = &e
			}
		}
		if val := single(oidAttrAlgorithmProtection, "CMS algorithm protection"); val != nil {
			if msg := checkAlgorithmProtection(val, si); msg != "" {
				vd.fail(TotalFailed, SigCryptoFailure, "the %s's CMSAlgorithmProtection attribute %s: the algorithm identifiers were altered", c.what, msg)
			}
		}
		// adbe-revocationInfoArchival is only evidence, each item checked
		// where it is used, so every instance and value is read.
		for _, a := range si.SignedAttrs {
			if !a.OID.Equal(oidAttrAdbeRevocation) {
				continue
			}
			for _, val := range a.Values {
				crls, ocsps, err := parseRevocationArchival(val)
				if err != nil {
					vd.warn("the %s's embedded revocation data (adbe-revocationInfoArchival) cannot be read: %v", c.what, err)
				}
				c.revCRLs = append(c.revCRLs, crls...)
				c.revOCSPs = append(c.revOCSPs, ocsps...)
			}
		}
		if si.Attr(oidAttrCounterSignature, true) != nil {
			vd.fail(TotalFailed, FormatFailure, "the %s has a countersignature among its signed attributes, which RFC 5652 forbids", c.what)
		}
	}

	// The content digest.
	contentSum, err := c.contentDigest(h)
	if err != nil {
		vd.fail(Indeterminate, SignedDataNotFound, "cannot read the signed bytes: %v", err)
		return
	}
	if si.SignedAttrsDER != nil && messageDigest != nil {
		if bytes.Equal(messageDigest, contentSum) {
			c.digestMatches = true
		} else {
			vd.fail(TotalFailed, HashFailure, "the signed content was changed after signing: its %s digest does not match the one in the %s", hashName(h), c.what)
		}
	}

	// The signing certificate: the sid names candidates; an ESS attribute,
	// when present, must bind one of them.
	if essV1 != nil || essV2 != nil {
		var bound []*x509.Certificate
		for _, cand := range candidates {
			if (essV1 == nil || essV1.matches(cand)) && (essV2 == nil || essV2.matches(cand)) {
				bound = append(bound, cand)
			}
		}
		if len(candidates) > 0 && len(bound) == 0 {
			vd.fail(Indeterminate, NoSigningCertificateFound, "the %s's ESS signing-certificate attribute names a different certificate than the one the signer identifier points to (%s): the certificate may have been substituted", c.what, certName(candidates[0]))
			return
		}
		candidates = bound
		if len(bound) > 0 {
			c.essBound = true
			c.essV2 = essV2 != nil
		}
	} else if c.requireESS {
		// Not evidence of tampering: the signer is still named by the
		// signer identifier and the signature verified with its key
		// (pyHanko and poppler accept such signatures; the PAdES level,
		// which needs the binding, is not given).
		vd.warn("the %s has no ESS signing-certificate-v2 attribute, which %s requires to bind the signer's certificate: the certificate is taken from the signer identifier alone", c.what, c.standard)
	}
	if len(candidates) == 0 {
		vd.fail(Indeterminate, NoSigningCertificateFound, "the %s's certificate (%s) is not in the signature or the document's validation data", c.what, sidString(si))
		return
	}
	c.signer = candidates[0]

	// The signature value.
	alg, err := parseSigAlg(si.SigAlg)
	if err != nil {
		if errors.Is(err, errUnsupportedAlg) {
			vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s uses a signature algorithm sohoa cannot verify (%v)", c.what, err)
		} else {
			vd.fail(TotalFailed, FormatFailure, "the %s's signature algorithm is malformed: %v", c.what, err)
		}
		return
	}
	sigHash := h
	if alg.hash != 0 && alg.kind != sigEd25519 {
		sigHash = alg.hash
		if sigHash != h {
			vd.warn("the %s's signature algorithm hashes with %s while its digest algorithm is %s", c.what, hashName(sigHash), hashName(h))
		}
	}
	c.sigName = alg.name(sigHash)
	if alg.kind == sigEd25519 {
		c.sigName = alg.name(0)
	}
	if isMD5(sigHash) {
		vd.fail(Indeterminate, CryptoConstraintsFailureNoPOE, "the %s's signature algorithm uses %s, %s since %s; sohoa does not check MD5 signatures at all, as no proof of existence from before then can be shown", c.what, hashName(sigHash), tooWeak, fmtDate(md5Sunset))
		return
	}
	if !sigHash.Available() {
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s's signature uses %s, which sohoa cannot compute", c.what, hashName(sigHash))
		return
	}
	var digest, msg []byte
	switch {
	case si.SignedAttrsDER != nil:
		msg = si.SignedAttrsDER
		if alg.kind != sigEd25519 {
			digest, _ = hashBytes(sigHash, msg)
		}
	case alg.kind == sigEd25519:
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s is a pure Ed25519 signature over the whole content without signed attributes, which sohoa does not verify (it would need the whole document in memory)", c.what)
		return
	default:
		if digest, err = c.contentDigest(sigHash); err != nil {
			vd.fail(Indeterminate, SignedDataNotFound, "cannot read the signed bytes: %v", err)
			return
		}
	}
	if c.signer.PublicKey == nil {
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the key of %s is of a type sohoa cannot use (%s)", certName(c.signer), c.signer.PublicKeyAlgorithm)
		return
	}
	if err := alg.verifyWithKey(c.signer.PublicKey, sigHash, digest, msg, si.Signature); err != nil {
		if si.SignedAttrsDER == nil {
			// Without signed attributes the signature covers the content
			// digest itself: a mismatch may just as well be a change.
			vd.fail(TotalFailed, SigCryptoFailure, "the %s value does not verify with the key of %s: the content was changed or the signature was not made with this key (%v)", c.what, certName(c.signer), err)
		} else {
			vd.fail(TotalFailed, SigCryptoFailure, "the %s value does not verify with the key of %s: the signed attributes were altered or the signature was not made with this key (%v)", c.what, certName(c.signer), err)
		}
	} else {
		c.signatureValid = true
		if si.SignedAttrsDER == nil {
			c.digestMatches = true
		}
	}

	// The algorithm policy, judged later against the proof of existence.
	if sunset, weak := v.policy.hashWeak(h); weak {
		vd.weakAlg(fmt.Sprintf("the %s digests with %s", c.what, hashName(h)), sunset)
	}
	if sigHash != h && alg.kind != sigEd25519 {
		if sunset, weak := v.policy.hashWeak(sigHash); weak {
			vd.weakAlg(fmt.Sprintf("the %s's signature algorithm hashes with %s", c.what, hashName(sigHash)), sunset)
		}
	}
	if desc, sunset, weak := v.policy.keyWeak(c.signer.PublicKey); weak {
		vd.weakAlg(fmt.Sprintf("the %s was made with %s", c.what, desc), sunset)
	} else if prob := keyUnsupported(c.signer.PublicKey); prob != "" {
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s cannot be checked: %s", c.what, prob)
	}
}

// singleInstanceAttrs are the signed attributes that must not appear more
// than once (RFC 5652 section 11: content-type, message-digest,
// signing-time, countersignature; RFC 5035 and RFC 2634 section 5.4: ESS
// signing-certificate(-v2); RFC 6211 section 2: CMSAlgorithmProtection).
// A repetition of any other attribute only earns a warning: sohoa reads
// none of them (adbe-revocationInfoArchival is read in every instance).
var singleInstanceAttrs = map[string]string{
	oidAttrContentType.String():         "content-type",
	oidAttrMessageDigest.String():       "message-digest",
	oidAttrSigningTime.String():         "signing-time",
	oidAttrCounterSignature.String():    "countersignature",
	oidAttrSigningCertificate.String():  "ESS signing-certificate",
	oidAttrSigningCertV2.String():       "ESS signing-certificate-v2",
	oidAttrAlgorithmProtection.String(): "CMSAlgorithmProtection",
}

// cmsSignerCandidates returns the certificates the SignerInfo's sid
// designates.
func cmsSignerCandidates(si *cms.SignerInfo, certs []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range certs {
		if si.SKI != nil {
			ski := c.SubjectKeyId
			if len(ski) == 0 {
				ski = keyIDOf(c)
			}
			if bytes.Equal(ski, si.SKI) {
				out = append(out, c)
			}
			continue
		}
		if si.Serial == nil || c.SerialNumber == nil || c.SerialNumber.Cmp(si.Serial) != 0 {
			continue
		}
		if bytes.Equal(c.RawIssuer, si.Issuer) || rawNameString(c.RawIssuer) == rawNameString(si.Issuer) {
			out = append(out, c)
		}
	}
	return out
}

// keyIDOf is RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
func keyIDOf(c *x509.Certificate) []byte {
	s := cryptobyte.String(c.RawSubjectPublicKeyInfo)
	var spki cryptobyte.String
	var algo cryptobyte.String
	var bits []byte
	if !s.ReadASN1(&spki, cbasn1.SEQUENCE) || !spki.ReadASN1(&algo, cbasn1.SEQUENCE) || !spki.ReadASN1BitStringAsBytes(&bits) {
		return nil
	}
	sum := sha1.Sum(bits)
	return sum[:]
}

// essCertID is the first ESSCertID(v2) of a signing-certificate(-v2)
// attribute: the one that identifies the signing certificate.
type essCertID struct {
	hash     crypto.Hash
	certHash []byte
	issuers  [][]byte // directoryName entries of IssuerSerial.issuer
	serial   *big.Int // nil when IssuerSerial is absent
}

// parseESS reads SigningCertificate (v1: ESSCertID with a SHA-1 hash) or
// SigningCertificateV2 (ESSCertIDv2 with hashAlgorithm DEFAULT sha256).
func parseESS(der []byte, v2 bool) (essCertID, error) {
	e := essCertID{hash: crypto.SHA1}
	s := cryptobyte.String(der)
	var sc, certs, id cryptobyte.String
	if !s.ReadASN1(&sc, cbasn1.SEQUENCE) || !s.Empty() || !sc.ReadASN1(&certs, cbasn1.SEQUENCE) ||
		!certs.ReadASN1(&id, cbasn1.SEQUENCE) {
		return e, errors.New("malformed")
	}
	if v2 {
		e.hash = crypto.SHA256
		if id.PeekASN1Tag(cbasn1.SEQUENCE) {
			a, err := cms.ReadAlgID(&id)
			if err != nil {
				return e, err
			}
			h, _, ok := digestHash(a.OID)
			if !ok || !h.Available() {
				return e, fmt.Errorf("unsupported certificate hash algorithm %s", a.OID)
			}
			e.hash = h
		}
	}
	var ch cryptobyte.String
	if !id.ReadASN1(&ch, cbasn1.OCTET_STRING) {
		return e, errors.New("malformed certHash")
	}
	e.certHash = ch
	if id.PeekASN1Tag(cbasn1.SEQUENCE) {
		var is, names cryptobyte.String
		e.serial = new(big.Int)
		if !id.ReadASN1(&is, cbasn1.SEQUENCE) || !is.ReadASN1(&names, cbasn1.SEQUENCE) || !is.ReadASN1Integer(e.serial) {
			return e, errors.New("malformed issuerSerial")
		}
		for !names.Empty() {
			var gn cryptobyte.String
			var tag cbasn1.Tag
			if !names.ReadAnyASN1(&gn, &tag) {
				return e, errors.New("malformed issuerSerial names")
			}
			if tag == cbasn1.Tag(4).Constructed().ContextSpecific() {
				var name cryptobyte.String
				if gn.ReadASN1Element(&name, cbasn1.SEQUENCE) {
					e.issuers = append(e.issuers, name)
				}
			}
		}
	}
	if !id.Empty() {
		return e, errors.New("trailing data in ESSCertID")
	}
	return e, nil
}

// matches reports whether e designates c: same certificate hash and, when
// issuerSerial is present, same serial and issuer.
func (e essCertID) matches(c *x509.Certificate) bool {
	sum, err := hashBytes(e.hash, c.Raw)
	if err != nil || !bytes.Equal(sum, e.certHash) {
		return false
	}
	if e.serial == nil {
		return true
	}
	if c.SerialNumber.Cmp(e.serial) != 0 {
		return false
	}
	for _, n := range e.issuers {
		if bytes.Equal(n, c.RawIssuer) || rawNameString(n) == rawNameString(c.RawIssuer) {
			return true
		}
	}
	return false
}

// checkAlgorithmProtection compares CMSAlgorithmProtection (RFC 6211)
// with the SignerInfo; it returns "" when they agree.
func checkAlgorithmProtection(der []byte, si *cms.SignerInfo) string {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return "cannot be read"
	}
	dig, err := cms.ReadAlgID(&seq)
	if err != nil {
		return "cannot be read"
	}
	if !dig.SameAs(si.DigestAlg) {
		return fmt.Sprintf("names digest algorithm %s but the signer used %s", dig.OID, si.DigestAlg.OID)
	}
	var sigAlg cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&sigAlg, &present, cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return "cannot be read"
	}
	if !present {
		return "names no signature algorithm"
	}
	var a cms.AlgID
	if !sigAlg.ReadASN1ObjectIdentifier(&a.OID) {
		return "cannot be read"
	}
	if !sigAlg.Empty() {
		var p cryptobyte.String
		var tag cbasn1.Tag
		if !sigAlg.ReadAnyASN1Element(&p, &tag) || !sigAlg.Empty() {
			return "cannot be read"
		}
		a.Params = p
	}
	if !a.SameAs(si.SigAlg) {
		return fmt.Sprintf("names signature algorithm %s but the signer used %s", a.OID, si.SigAlg.OID)
	}
	if !seq.Empty() {
		return "also names a MAC algorithm"
	}
	return ""
}

// parseRevocationArchival reads adbe-revocationInfoArchival:
//
//	SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRL OPTIONAL,
//	           ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse OPTIONAL,
//	           otherRevInfo [2] EXPLICIT SEQUENCE OF OtherRevInfo OPTIONAL }
func parseRevocationArchival(der []byte) (crls, ocsps [][]byte, err error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return nil, nil, errors.New("malformed")
	}
	read := func(tag int) ([][]byte, error) {
		var ex, list cryptobyte.String
		var present bool
		if !seq.ReadOptionalASN1(&ex, &present, cbasn1.Tag(tag).Constructed().ContextSpecific()) {
			return nil, errors.New("malformed")
		}
		if !present {
			return nil, nil
		}
		if !ex.ReadASN1(&list, cbasn1.SEQUENCE) {
			return nil, errors.New("malformed")
		}
		var out [][]byte
		for !list.Empty() {
			var el cryptobyte.String
			if !list.ReadASN1Element(&el, cbasn1.SEQUENCE) {
				return nil, errors.New("malformed entry")
			}
			if len(out) < cms.MaxRevInfo {
				out = append(out, el)
			}
		}
		return out, nil
	}
	if crls, err = read(0); err != nil {
		return nil, nil, err
	}
	if ocsps, err = read(1); err != nil {
		return crls, nil, err
	}
	return crls, ocsps, nil
}

// checkX509RSASHA1 verifies a legacy adbe.x509.rsa_sha1 signature:
// contents is a DER OCTET STRING holding a PKCS#1 v1.5 signature over the
// digest of content, certs the PDF's /Cert strings (the first is the
// signer's). The hash is read from the signature's DigestInfo, so the
// SHA-256 variants Acrobat writes under the same name verify too.
func (v *Verifier) checkX509RSASHA1(ctx context.Context, sr *SignatureReport, contents []byte, certs [][]byte, content signedContent, ev evidence) {
	vd := &cmsVerdict{}
	defer func() {
		// The format has no signature timestamp; a later document
		// timestamp may still prove existence (coverWithDocTimestamps).
		vd.resolveWeak(time.Time{}, "")
		vd.applyTo(sr)
	}()
	sr.ValidationTime, sr.ValidationTimeSource = v.defaultValidationTime()

	sig, err := readRSASHA1Contents(contents)
	if err != nil {
		vd.fail(TotalFailed, FormatFailure, "the adbe.x509.rsa_sha1 signature value is not a DER OCTET STRING: %v", err)
		return
	}
	var parsed []*x509.Certificate
	for i, der := range certs {
		if i == cms.MaxCerts {
			break
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			if i == 0 {
				vd.fail(Indeterminate, NoSigningCertificateFound, "the signer's certificate (first /Cert entry) cannot be read: %v", err)
				return
			}
			vd.warn("certificate %d of /Cert cannot be read: %v", i+1, err)
			continue
		}
		parsed = append(parsed, c)
	}
	if len(certs) == 0 || len(parsed) == 0 {
		vd.fail(Indeterminate, NoSigningCertificateFound, "the adbe.x509.rsa_sha1 signature carries no signer certificate (/Cert)")
		return
	}
	signer := parsed[0]
	ci := certInfo(signer)
	sr.Signer = &ci
	pub, ok := signer.PublicKey.(*rsa.PublicKey)
	if !ok {
		vd.fail(TotalFailed, SigCryptoFailure, "adbe.x509.rsa_sha1 needs an RSA key, but the signer's certificate holds a %s key", keyTypeName(signer.PublicKey))
		return
	}
	h := crypto.SHA1
	if dh, ok := rsaDigestInfoHash(pub, sig); ok {
		h = dh
	}
	sr.DigestAlgorithm = hashName(h)
	sr.SignatureAlgorithm = cmsSigAlg{kind: sigRSAPKCS1}.name(h)
	if isMD5(h) {
		vd.fail(Indeterminate, CryptoConstraintsFailureNoPOE, "the signature digests with %s, %s since %s; sohoa does not check MD5 signatures at all", hashName(h), tooWeak, fmtDate(md5Sunset))
		return
	}
	if !h.Available() {
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the signature digests with %s, which sohoa cannot compute", hashName(h))
		return
	}
	sum, err := content.digest(h)
	if err != nil {
		vd.fail(Indeterminate, SignedDataNotFound, "cannot read the signed bytes: %v", err)
		return
	}
	if err := rsaVerifyPKCS1v15(pub, h, sum, sig); err != nil {
		if rec, ok := rsaRecoveredDigest(pub, sig); ok && len(rec) == len(sum) {
			vd.fail(TotalFailed, HashFailure, "the document was changed after signing: the signed %s digest does not match the signed bytes", hashName(h))
		} else {
			vd.fail(TotalFailed, SigCryptoFailure, "the signature value does not verify with the key of %s", certName(signer))
		}
	} else {
		sr.DigestMatches, sr.SignatureValid = true, true
	}
	if sunset, weak := v.policy.hashWeak(h); weak {
		vd.weakAlg("the signature digests with "+hashName(h), sunset)
	}
	if desc, sunset, weak := v.policy.keyWeak(pub); weak {
		vd.weakAlg("the signature was made with "+desc, sunset)
	}

	valTime, _ := v.defaultValidationTime()
	store := &revStore{}
	store.add("dss", "crl", ev.CRLs...)
	store.add("dss", "ocsp", ev.OCSPs...)
	pc := &pathCheck{
		leaf:    signer,
		pool:    cmsCertPool(parsed, ev.Certs),
		at:      valTime,
		claimed: sr.ClaimedSigningTime,
		who:     "signer's certificate",
		store:   store,
		online:  !vd.failed(),
	}
	v.checkPath(ctx, vd, pc)
	for _, c := range pc.chain {
		sr.Chain = append(sr.Chain, certInfo(c))
	}
	sr.ChainTrusted = pc.trusted
	sr.Revocation = pc.revocation
}

// readRSASHA1Contents reads the OCTET STRING of an adbe.x509.rsa_sha1
// /Contents, allowing the zero padding after it.
func readRSASHA1Contents(b []byte) ([]byte, error) {
	if len(b) == 0 || cms.ZerosOnly(b) {
		return nil, errors.New("it is empty")
	}
	hdr, constructed, length, _, err := cms.Header(b)
	if err != nil {
		return nil, err
	}
	if constructed || b[0] != 0x04 || length < 0 {
		return nil, errors.New("not an OCTET STRING")
	}
	if !cms.ZerosOnly(b[hdr+length:]) {
		return nil, fmt.Errorf("%d bytes of other data follow it", len(b)-hdr-length)
	}
	if length == 0 {
		return nil, errors.New("it is empty")
	}
	return b[hdr : hdr+length], nil
}

// rsaRecoveredDigest undoes PKCS#1 v1.5 padding with the public key
// (a public operation) and returns the DigestInfo's digest.
func rsaRecoveredDigest(pub *rsa.PublicKey, sig []byte) ([]byte, bool) {
	_, d, ok := rsaDigestInfo(pub, sig)
	return d, ok
}

// rsaDigestInfoHash returns the hash named in the signature's DigestInfo.
func rsaDigestInfoHash(pub *rsa.PublicKey, sig []byte) (crypto.Hash, bool) {
	h, _, ok := rsaDigestInfo(pub, sig)
	return h, ok
}

func rsaDigestInfo(pub *rsa.PublicKey, sig []byte) (crypto.Hash, []byte, bool) {
	k := (pub.N.BitLen() + 7) / 8
	if len(sig) != k || pub.E <= 1 {
		return 0, nil, false
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return 0, nil, false
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, k))
	if len(m) < 11 || m[0] != 0 || m[1] != 1 {
		return 0, nil, false
	}
	i := 2
	for i < len(m) && m[i] == 0xff {
		i++
	}
	if i < 10 || i >= len(m) || m[i] != 0 {
		return 0, nil, false
	}
	di := cryptobyte.String(m[i+1:])
	var seq cryptobyte.String
	var digest []byte
	if !di.ReadASN1(&seq, cbasn1.SEQUENCE) || !di.Empty() {
		return 0, nil, false
	}
	a, err := cms.ReadAlgID(&seq)
	if err != nil || !seq.ReadASN1Bytes(&digest, cbasn1.OCTET_STRING) || !seq.Empty() {
		return 0, nil, false
	}
	h, _, ok := digestHash(a.OID)
	if !ok {
		return 0, nil, false
	}
	return h, digest, true
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
