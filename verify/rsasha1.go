package verify

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/sohoa/sohoa/verify/internal/cms"
)

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
	// sr holds no revocation entries yet (the format has no signature
	// timestamp): the path's are all there will be.
	v.checkSignerPath(ctx, vd, pc, sr)
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
