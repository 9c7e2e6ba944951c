package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// RFC 3161 timestamp tokens: signature timestamps (the unsigned attribute
// id-aa-signatureTimeStampToken, over the SignerInfo's signature value)
// and document timestamps (ETSI.RFC3161, over a PDF's byte ranges).
//
// A token is a CMS SignedData and is verified by the same code as a
// signature (verifySignerInfo): content-type id-ct-TSTInfo, message digest
// over the TSTInfo, ESS signing-certificate(-v2) required (RFC 3161 2.4.1,
// RFC 5816), signature value, algorithm policy. The TSTInfo is then read
// here rather than with digitorus/timestamp.Parse, because Parse verifies
// the token again through digitorus/pkcs7, which cannot verify RSA-PSS or
// subjectKeyIdentifier tokens and re-sorts the signed attributes. The TSA
// certificate must carry the critical timeStamping EKU; its path must lead
// to a trust anchor and be valid (and not revoked) at the token's time,
// and still be valid now (or at --at): after the TSA certificate expires
// only a later archive timestamp keeps the token usable.

// tstInfo is TSTInfo (RFC 3161 section 2.4.2).
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	SerialNumber *big.Int
	GenTime      time.Time `asn1:"generalized"`
	Accuracy     struct {
		Seconds int64 `asn1:"optional"`
		Millis  int64 `asn1:"tag:0,optional"`
		Micros  int64 `asn1:"tag:1,optional"`
	} `asn1:"optional"`
	Ordering   bool             `asn1:"optional,default:false"`
	Nonce      *big.Int         `asn1:"optional"`
	TSA        asn1.RawValue    `asn1:"tag:0,optional"`
	Extensions []pkix.Extension `asn1:"tag:1,optional"`
}

// tsOutcome is the result of checking one timestamp token.
type tsOutcome struct {
	report         TimestampReport
	vd             *cmsVerdict
	genTime        time.Time
	passed         bool
	revocation     []RevocationReport
	chain          []*x509.Certificate
	sigName        string
	signatureValid bool
}

// checkTimestampToken verifies token, whose message imprint must be
// imprint(h) for the imprint's hash h. certs are further certificates the
// TSA's may be among; store is the revocation data available.
func (v *Verifier) checkTimestampToken(ctx context.Context, token []byte, imprint func(crypto.Hash) ([]byte, error), certs []*x509.Certificate, store *revStore, what string) *tsOutcome {
	vd := &cmsVerdict{}
	out := &tsOutcome{vd: vd}
	defer func() {
		// A token is not its own proof of existence: weak material in it
		// stays unproven here (a later document timestamp may cover a
		// document timestamp's, see coverWithDocTimestamps).
		vd.resolveWeak(time.Time{}, "")
		out.report.Indication, out.report.SubIndication = vd.result()
		out.report.Problems = vd.problems()
		out.passed = out.report.Indication == TotalPassed
	}()

	sd, err := parseCMS(token)
	if err != nil {
		vd.fail(TotalFailed, FormatFailure, "the %s is not a readable RFC 3161 token: %v", what, err)
		return out
	}
	if len(sd.Signers) != 1 {
		vd.fail(TotalFailed, FormatFailure, "the %s holds %d signers; exactly one is expected", what, len(sd.Signers))
		return out
	}
	if !sd.EContentType.Equal(oidTSTInfo) || !sd.HasEContent {
		vd.fail(TotalFailed, FormatFailure, "the %s is not an RFC 3161 timestamp token (its content is of type %s)", what, sd.EContentType)
		return out
	}
	var info tstInfo
	if rest, err := asn1.Unmarshal(sd.EContent, &info); err != nil || len(rest) > 0 {
		if err == nil {
			err = asn1.SyntaxError{Msg: "trailing data"}
		}
		vd.fail(TotalFailed, FormatFailure, "the %s's TSTInfo cannot be read: %v", what, err)
		return out
	}
	if info.Version != 1 {
		vd.fail(TotalFailed, FormatFailure, "the %s's TSTInfo has version %d; RFC 3161 defines version 1", what, info.Version)
		return out
	}
	out.genTime = info.GenTime
	out.report.Time = info.GenTime

	// The message imprint binds the token to the signature or document.
	ih, _, ok := digestHash(info.MessageImprint.HashAlgorithm.Algorithm)
	if ok && isMD5(ih) {
		vd.fail(Indeterminate, CryptoConstraintsFailureNoPOE, "the %s's message imprint uses %s, %s since %s (sohoa does not check MD5 at all)", what, hashName(ih), tooWeak, fmtDate(md5Sunset))
		return out
	}
	if !ok || !ih.Available() {
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s's message imprint uses the hash algorithm %s, which sohoa does not support", what, info.MessageImprint.HashAlgorithm.Algorithm)
		return out
	}
	out.report.HashAlgorithm = hashName(ih)
	sum, err := imprint(ih)
	if err != nil {
		vd.fail(Indeterminate, SignedDataNotFound, "cannot read the data the %s covers: %v", what, err)
		return out
	}
	if bytes.Equal(sum, info.MessageImprint.HashedMessage) {
		out.report.ImprintValid = true
	} else {
		vd.fail(TotalFailed, HashFailure, "the %s was issued for other data: its message imprint does not match the %s it is attached to", what, map[bool]string{true: "signature value", false: "signed bytes"}[what == "signature timestamp"])
	}
	if sunset, weak := v.policy.hashWeak(ih); weak {
		vd.weakAlg(fmt.Sprintf("the %s's message imprint uses %s", what, hashName(ih)), sunset)
	}

	si := &sd.Signers[0]
	tstDER := sd.EContent
	chk := &cmsSignerCheck{
		what:          what,
		standard:      "RFC 3161",
		contentDigest: func(h crypto.Hash) ([]byte, error) { return hashBytes(h, tstDER) },
		contentType:   oidTSTInfo,
		requireAttrs:  true,
		requireESS:    true,
		certs:         cmsCertPool(sd.Certs, certs),
	}
	for _, e := range sd.CertErrs {
		vd.warn("%s", e)
	}
	if sd.Trailing > 0 {
		vd.warn("%s", trailingWarning(sd, what))
	}
	v.verifySignerInfo(vd, sd, si, chk)
	out.sigName, out.signatureValid = chk.sigName, chk.signatureValid
	signer := chk.signer
	if signer == nil {
		if chk.shownSigner != nil {
			ci := certInfo(chk.shownSigner)
			out.report.TSA = &ci
		}
		return out
	}
	ci := certInfo(signer)
	out.report.TSA = &ci
	if info.TSA.FullBytes != nil && !tsaNameMatches(info.TSA.Bytes, signer) {
		vd.warn("the %s names a TSA other than the certificate that signed it (%s)", what, certName(signer))
	}
	now := v.cmsNow()
	if info.GenTime.After(now.Add(clockSkew)) {
		vd.fail(TotalFailed, FormatFailure, "the %s's time %s lies in the future", what, fmtTime(info.GenTime))
	}
	current, _ := v.defaultValidationTime()
	if store == nil {
		store = &revStore{}
	}
	store.add("cms", "crl", sd.CRLs...)
	store.add("cms", "ocsp", sd.OCSPs...)
	pc := &pathCheck{
		leaf:        signer,
		pool:        chk.certs,
		at:          info.GenTime,
		poe:         true,
		alsoValidAt: current,
		tsa:         true,
		who:         "TSA certificate",
		store:       store,
		online:      !vd.failed(),
	}
	v.checkPath(ctx, vd, pc)
	out.report.ChainTrusted = pc.trusted
	out.chain = pc.chain
	out.revocation = pc.revocation
	return out
}

// tsaNameMatches compares TSTInfo's tsa GeneralName (the [0] content)
// with the TSA certificate's subject; only directoryName is compared.
func tsaNameMatches(gn []byte, c *x509.Certificate) bool {
	var rv asn1.RawValue
	if rest, err := asn1.Unmarshal(gn, &rv); err != nil || len(rest) > 0 {
		return false
	}
	if rv.Class != asn1.ClassContextSpecific || rv.Tag != 4 {
		return true // another name form: nothing to compare
	}
	return bytes.Equal(rv.Bytes, c.RawSubject) || rawNameString(rv.Bytes) == rawNameString(c.RawSubject)
}

// checkDocTimestamp verifies an ETSI.RFC3161 document timestamp token
// over content. The TSA is reported as the signer; its certificate path is
// validated at the token's time and must still be valid now (or --at).
func (v *Verifier) checkDocTimestamp(ctx context.Context, sr *SignatureReport, der []byte, content signedContent, ev evidence) {
	dc := &digestCache{content: content}
	store := &revStore{}
	store.add("dss", "crl", ev.CRLs...)
	store.add("dss", "ocsp", ev.OCSPs...)
	out := v.checkTimestampToken(ctx, der, dc.digest, cmsCertPool(ev.Certs), store, "document timestamp")
	out.vd.applyTo(sr)
	rep := out.report
	sr.Timestamp = &rep
	sr.DigestAlgorithm = rep.HashAlgorithm
	sr.DigestMatches = rep.ImprintValid
	sr.SignatureAlgorithm = out.sigName
	sr.SignatureValid = out.signatureValid
	sr.Signer = rep.TSA
	for _, c := range out.chain {
		sr.Chain = append(sr.Chain, certInfo(c))
	}
	sr.ChainTrusted = rep.ChainTrusted
	if sr.ChainTrusted {
		sr.TrustInfrastructure = v.infrastructureOf(out.chain)
	}
	sr.Revocation = out.revocation
	sr.ValidationTime, sr.ValidationTimeSource = v.defaultValidationTime()
}
