package verify

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"time"
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
