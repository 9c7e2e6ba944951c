package verify

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// RSA verification for keys crypto/rsa refuses to use: a public exponent
// above 2^31-1 (crypto/rsa wants it to fit 32 bits; a few CAs and smart
// cards use 2^32+1 or larger), an even or tiny exponent, or a modulus under
// 1024 bits (refused since Go 1.24; such keys are too weak under the policy
// anyway, but their signatures must still be told apart from forgeries).
// Verification is a public operation on public data, so math/big, which
// is not constant-time, is fine here. The checks follow RFC 8017: the
// signature is exactly as long as the modulus and smaller than it, and the
// recovered encoding must match byte for byte (PKCS#1 v1.5) or pass every
// step of EMSA-PSS-VERIFY.

// goRSAAccepts says whether crypto/rsa verifies signatures under k.
func goRSAAccepts(k *rsa.PublicKey) bool {
	return k.N != nil && k.N.Sign() > 0 && k.N.Bit(0) == 1 && k.N.BitLen() >= 1024 &&
		k.E >= 3 && k.E&1 == 1 && k.E <= 1<<31-1
}

// rsaVerifyPKCS1v15 is rsa.VerifyPKCS1v15 for every RSA key.
func rsaVerifyPKCS1v15(k *rsa.PublicKey, h crypto.Hash, digest, sig []byte) error {
	if goRSAAccepts(k) {
		return rsa.VerifyPKCS1v15(k, h, digest, sig)
	}
	return bigVerifyPKCS1v15(k, h, digest, sig)
}

// bigVerifyPKCS1v15 is RSASSA-PKCS1-v1_5-VERIFY (RFC 8017 8.2.2) with
// math/big.
func bigVerifyPKCS1v15(k *rsa.PublicKey, h crypto.Hash, digest, sig []byte) error {
	em, err := rsaPublicOp(k, sig)
	if err != nil {
		return err
	}
	if len(digest) != h.Size() {
		return errors.New("rsa: digest has the wrong length")
	}
	t, err := digestInfo(h, digest)
	if err != nil {
		return err
	}
	if len(em) < len(t)+11 {
		return errors.New("rsa: the modulus is too short for this hash")
	}
	// EM = 0x00 || 0x01 || PS (0xff, at least 8) || 0x00 || T
	want := make([]byte, len(em))
	want[1] = 1
	for i := 2; i < len(em)-len(t)-1; i++ {
		want[i] = 0xff
	}
	copy(want[len(em)-len(t):], t)
	if !bytes.Equal(em, want) {
		return errors.New("rsa: verification error")
	}
	return nil
}

// rsaVerifyPSS is rsa.VerifyPSS for every RSA key, with MGF1 over h.
// saltLen is the salt length in bytes, or rsa.PSSSaltLengthAuto.
func rsaVerifyPSS(k *rsa.PublicKey, h crypto.Hash, digest, sig []byte, saltLen int) error {
	if goRSAAccepts(k) {
		return rsa.VerifyPSS(k, h, digest, sig, &rsa.PSSOptions{SaltLength: saltLen, Hash: h})
	}
	return bigVerifyPSS(k, h, digest, sig, saltLen)
}

// bigVerifyPSS is RSASSA-PSS-VERIFY (RFC 8017 8.1.2 and 9.1.2) with
// math/big.
func bigVerifyPSS(k *rsa.PublicKey, h crypto.Hash, digest, sig []byte, saltLen int) error {
	m, err := rsaPublicOp(k, sig)
	if err != nil {
		return err
	}
	fail := errors.New("rsa: verification error")
	hLen := h.Size()
	if len(digest) != hLen {
		return errors.New("rsa: digest has the wrong length")
	}
	// RFC 8017 9.1.2: emBits = modBits - 1; EM = I2OSP(m, emLen).
	emBits := k.N.BitLen() - 1
	emLen := (emBits + 7) / 8
	em := m
	if emLen < len(m) {
		if m[0] != 0 {
			return fail
		}
		em = m[1:]
	}
	if saltLen == rsa.PSSSaltLengthEqualsHash {
		saltLen = hLen
	}
	minSalt := saltLen
	if saltLen == rsa.PSSSaltLengthAuto {
		minSalt = 0
	} else if saltLen < 0 {
		return errors.New("rsa: bad PSS salt length")
	}
	if emLen < hLen+minSalt+2 || em[emLen-1] != 0xbc {
		return fail
	}
	db := bytes.Clone(em[:emLen-hLen-1])
	hh := em[emLen-hLen-1 : emLen-1]
	unused := uint(8*emLen - emBits) // leftmost bits of EM that must be zero
	if unused > 0 && db[0]>>(8-unused) != 0 {
		return fail
	}
	mask := mgf1(h, hh, len(db))
	for i := range db {
		db[i] ^= mask[i]
	}
	db[0] &= byte(0xff >> unused)
	sep := 0
	for sep < len(db) && db[sep] == 0 {
		sep++
	}
	if sep == len(db) || db[sep] != 0x01 {
		return fail
	}
	salt := db[sep+1:]
	if saltLen != rsa.PSSSaltLengthAuto && len(salt) != saltLen {
		return fail
	}
	w := h.New()
	w.Write(make([]byte, 8))
	w.Write(digest)
	w.Write(salt)
	if !bytes.Equal(w.Sum(nil), hh) {
		return fail
	}
	return nil
}

// rsaPublicOp computes sig^e mod n as a byte string as long as n
// (RSAVP1 with the length checks of RFC 8017 8.2.2 and 5.2.2).
func rsaPublicOp(k *rsa.PublicKey, sig []byte) ([]byte, error) {
	if k.N == nil || k.N.Sign() <= 0 || k.E < 2 {
		return nil, errors.New("rsa: invalid public key")
	}
	size := (k.N.BitLen() + 7) / 8
	if len(sig) != size {
		return nil, fmt.Errorf("rsa: the signature is %d bytes, not the modulus's %d", len(sig), size)
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(k.N) >= 0 {
		return nil, errors.New("rsa: the signature is not smaller than the modulus")
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(k.E)), k.N)
	return m.FillBytes(make([]byte, size)), nil
}

// digestInfo is the DER DigestInfo of RFC 8017 9.2 (with NULL parameters,
// as crypto/rsa writes and expects them).
func digestInfo(h crypto.Hash, digest []byte) ([]byte, error) {
	oid := digestOIDFor(h)
	if oid == nil {
		return nil, fmt.Errorf("rsa: no DigestInfo for %s", hashName(h))
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1NULL()
		})
		b.AddASN1OctetString(digest)
	})
	return b.Bytes()
}

// mgf1 is MGF1 (RFC 8017 B.2.1) with h.
func mgf1(h crypto.Hash, seed []byte, n int) []byte {
	out := make([]byte, 0, n+h.Size())
	var ctr [4]byte
	for len(out) < n {
		w := h.New()
		w.Write(seed)
		w.Write(ctr[:])
		out = w.Sum(out)
		for i := 3; i >= 0; i-- {
			if ctr[i]++; ctr[i] != 0 {
				break
			}
		}
	}
	return out[:n]
}

// checkSignatureBy is issuer.CheckSignature(algo, signed, sig) (which
// accepts SHA-1; the policy judges it), extended to the RSA keys
// crypto/rsa refuses. It verifies certificates, CRLs and OCSP responses.
func checkSignatureBy(issuer *x509.Certificate, algo x509.SignatureAlgorithm, signed, sig []byte) error {
	err := issuer.CheckSignature(algo, signed, sig)
	k, ok := issuer.PublicKey.(*rsa.PublicKey)
	if err == nil || !ok || goRSAAccepts(k) {
		return err
	}
	var h crypto.Hash
	pss := false
	switch algo {
	case x509.SHA1WithRSA:
		h = crypto.SHA1
	case x509.SHA256WithRSA:
		h = crypto.SHA256
	case x509.SHA384WithRSA:
		h = crypto.SHA384
	case x509.SHA512WithRSA:
		h = crypto.SHA512
	case x509.SHA256WithRSAPSS:
		h, pss = crypto.SHA256, true
	case x509.SHA384WithRSAPSS:
		h, pss = crypto.SHA384, true
	case x509.SHA512WithRSAPSS:
		h, pss = crypto.SHA512, true
	default:
		return err
	}
	w := h.New()
	w.Write(signed)
	digest := w.Sum(nil)
	if pss {
		// crypto/x509 accepts only PSS parameters with a salt as long as
		// the hash, and maps them to these algorithms.
		return rsaVerifyPSS(k, h, digest, sig, h.Size())
	}
	return rsaVerifyPKCS1v15(k, h, digest, sig)
}
