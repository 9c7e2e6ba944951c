package verify

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/sohoa/sohoa/verify/internal/cms"
)

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
// tokens, in EN 319 102-1's order: the digest algorithm, the signed
// attributes, the content digest, the signer's identification (sid and
// ESS), the signature value and the algorithm policy. A check that leaves
// nothing for the next to stand on ends it.
func (v *Verifier) verifySignerInfo(vd *cmsVerdict, sd *cms.SignedData, si *cms.SignerInfo, c *cmsSignerCheck) {
	candidates := cmsSignerCandidates(si, c.certs)
	if len(candidates) > 0 {
		c.shownSigner = candidates[0]
	}
	h, ok := checkDigestAlgorithm(vd, si, c)
	if !ok {
		return
	}
	attrs := readSignedAttrs(vd, si, c)
	if !checkContentDigest(vd, si, c, h, attrs.messageDigest) {
		return
	}
	if !identifySigner(vd, si, c, candidates, attrs) {
		return
	}
	alg, sigHash, ok := verifySignatureValue(vd, si, c, h)
	if !ok {
		return
	}
	v.checkAlgorithmPolicy(vd, c, h, sigHash, alg)
}

// checkDigestAlgorithm returns the SignerInfo's digest algorithm when
// sohoa can compute it (and the signature algorithm is not Ed448, whose
// SHAKE256 digest would otherwise be reported as the reason).
func checkDigestAlgorithm(vd *cmsVerdict, si *cms.SignerInfo, c *cmsSignerCheck) (crypto.Hash, bool) {
	if si.SigAlg.OID.Equal(oidEd448) {
		// Checked first: Ed448 signers digest with SHAKE256 (RFC 8419),
		// which would otherwise be reported as the reason.
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s is made with Ed448, and sohoa cannot verify Ed448 signatures: its validity is unknown, not disproved", c.what)
		return 0, false
	}

	h, sloppy, ok := digestHash(si.DigestAlg.OID)
	if !ok {
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s uses the digest algorithm %s, which sohoa does not support", c.what, si.DigestAlg.OID)
		return 0, false
	}
	c.digestName = hashName(h)
	if sloppy {
		vd.warn("the %s names a signature algorithm (%s) as its digest algorithm; %s is assumed", c.what, si.DigestAlg.OID, hashName(h))
	}
	if isMD5(h) {
		vd.fail(Indeterminate, CryptoConstraintsFailureNoPOE, "the %s digests with %s, %s since %s; sohoa does not check MD5 signatures at all, as no proof of existence from before then can be shown", c.what, hashName(h), tooWeak, fmtDate(md5Sunset))
		return 0, false
	}
	if !h.Available() {
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s uses %s, which sohoa cannot compute", c.what, hashName(h))
		return 0, false
	}
	return h, true
}

// signedAttrs is what readSignedAttrs found that later checks use.
type signedAttrs struct {
	messageDigest []byte
	essV1, essV2  *essCertID
}

// readSignedAttrs checks the signed attributes (present when required,
// each single-valued attribute once, content-type, message-digest,
// CMSAlgorithmProtection, no countersignature) and reads the signing time,
// the ESS attributes and the embedded revocation data.
func readSignedAttrs(vd *cmsVerdict, si *cms.SignerInfo, c *cmsSignerCheck) signedAttrs {
	var out signedAttrs
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
			if rest, err := asn1.Unmarshal(val, &out.messageDigest); err != nil || len(rest) > 0 {
				vd.fail(TotalFailed, FormatFailure, "the %s's message-digest attribute cannot be read", c.what)
				out.messageDigest = nil
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
				out.essV1 = &e
			}
		}
		if val := single(oidAttrSigningCertV2, "signing-certificate-v2"); val != nil {
			e, err := parseESS(val, true)
			if err != nil {
				vd.fail(TotalFailed, FormatFailure, "the %s's ESS signing-certificate-v2 attribute cannot be read: %v", c.what, err)
			} else {
				out.essV2 = &e
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
	return out
}

// checkContentDigest compares the message-digest attribute with the
// digest of the signed content; false when the content cannot be read.
func checkContentDigest(vd *cmsVerdict, si *cms.SignerInfo, c *cmsSignerCheck, h crypto.Hash, messageDigest []byte) bool {
	contentSum, err := c.contentDigest(h)
	if err != nil {
		vd.fail(Indeterminate, SignedDataNotFound, "cannot read the signed bytes: %v", err)
		return false
	}
	if si.SignedAttrsDER != nil && messageDigest != nil {
		if bytes.Equal(messageDigest, contentSum) {
			c.digestMatches = true
		} else {
			vd.fail(TotalFailed, HashFailure, "the signed content was changed after signing: its %s digest does not match the one in the %s", hashName(h), c.what)
		}
	}
	return true
}

// identifySigner settles the signing certificate: the sid names
// candidates; an ESS attribute, when present, must bind one of them.
func identifySigner(vd *cmsVerdict, si *cms.SignerInfo, c *cmsSignerCheck, candidates []*x509.Certificate, a signedAttrs) bool {
	if a.essV1 != nil || a.essV2 != nil {
		var bound []*x509.Certificate
		for _, cand := range candidates {
			if (a.essV1 == nil || a.essV1.matches(cand)) && (a.essV2 == nil || a.essV2.matches(cand)) {
				bound = append(bound, cand)
			}
		}
		if len(candidates) > 0 && len(bound) == 0 {
			vd.fail(Indeterminate, NoSigningCertificateFound, "the %s's ESS signing-certificate attribute names a different certificate than the one the signer identifier points to (%s): the certificate may have been substituted", c.what, certName(candidates[0]))
			return false
		}
		candidates = bound
		if len(bound) > 0 {
			c.essBound = true
			c.essV2 = a.essV2 != nil
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
		return false
	}
	c.signer = candidates[0]
	return true
}

// verifySignatureValue verifies the signature value with the signer's key
// (over the signed attributes, or the content digest without them). It
// returns the signature algorithm and the hash it signs with; false when
// the signature cannot be checked at all.
func verifySignatureValue(vd *cmsVerdict, si *cms.SignerInfo, c *cmsSignerCheck, h crypto.Hash) (cmsSigAlg, crypto.Hash, bool) {
	alg, err := parseSigAlg(si.SigAlg)
	if err != nil {
		if errors.Is(err, errUnsupportedAlg) {
			vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s uses a signature algorithm sohoa cannot verify (%v)", c.what, err)
		} else {
			vd.fail(TotalFailed, FormatFailure, "the %s's signature algorithm is malformed: %v", c.what, err)
		}
		return cmsSigAlg{}, 0, false
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
		return cmsSigAlg{}, 0, false
	}
	if !sigHash.Available() {
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the %s's signature uses %s, which sohoa cannot compute", c.what, hashName(sigHash))
		return cmsSigAlg{}, 0, false
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
		return cmsSigAlg{}, 0, false
	default:
		if digest, err = c.contentDigest(sigHash); err != nil {
			vd.fail(Indeterminate, SignedDataNotFound, "cannot read the signed bytes: %v", err)
			return cmsSigAlg{}, 0, false
		}
	}
	if c.signer.PublicKey == nil {
		vd.fail(Indeterminate, CryptoConstraintsFailure, "the key of %s is of a type sohoa cannot use (%s)", certName(c.signer), c.signer.PublicKeyAlgorithm)
		return cmsSigAlg{}, 0, false
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
	return alg, sigHash, true
}

// checkAlgorithmPolicy records digests and keys the policy finds weak,
// judged later against the proof of existence, and keys sohoa cannot
// check.
func (v *Verifier) checkAlgorithmPolicy(vd *cmsVerdict, c *cmsSignerCheck, h, sigHash crypto.Hash, alg cmsSigAlg) {
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
