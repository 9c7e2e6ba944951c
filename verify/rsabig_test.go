package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"io"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"
)

func hashOf(h crypto.Hash, msg []byte) []byte {
	w := h.New()
	w.Write(msg)
	return w.Sum(nil)
}

// The math/big verifiers agree with crypto/rsa on keys both can use:
// signatures crypto/rsa makes verify, and every kind of damage fails.
func TestBigRSAAgreesWithCryptoRSA(t *testing.T) {
	for _, bits := range []int{2048, 2049} {
		key, err := rsa.GenerateKey(rand.Reader, bits)
		require.NoError(t, err)
		pub := &key.PublicKey
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			digest := hashOf(h, []byte("a dossier"))
			other := hashOf(h, []byte("another dossier"))

			sig, err := rsa.SignPKCS1v15(rand.Reader, key, h, digest)
			require.NoError(t, err)
			require.NoError(t, bigVerifyPKCS1v15(pub, h, digest, sig), "%d bits %s", bits, hashName(h))
			require.Error(t, bigVerifyPKCS1v15(pub, h, other, sig))
			require.Error(t, bigVerifyPKCS1v15(pub, crypto.SHA512_256, hashOf(crypto.SHA512_256, []byte("a dossier")), sig), "another hash in the DigestInfo")
			bad := append([]byte{}, sig...)
			bad[len(bad)/2] ^= 1
			require.Error(t, bigVerifyPKCS1v15(pub, h, digest, bad))
			require.Error(t, bigVerifyPKCS1v15(pub, h, digest, sig[1:]), "too short")
			require.Error(t, bigVerifyPKCS1v15(pub, h, digest, append([]byte{0}, sig...)), "too long")
			require.Error(t, bigVerifyPKCS1v15(pub, h, digest, pub.N.FillBytes(make([]byte, len(sig)))), "not below the modulus")

			for _, salt := range []int{0, 20, h.Size(), rsa.PSSSaltLengthAuto} {
				sig, err := rsa.SignPSS(rand.Reader, key, h, digest, &rsa.PSSOptions{SaltLength: salt, Hash: h})
				require.NoError(t, err)
				require.NoError(t, bigVerifyPSS(pub, h, digest, sig, rsa.PSSSaltLengthAuto), "%d bits %s salt %d", bits, hashName(h), salt)
				if salt > 0 {
					require.NoError(t, bigVerifyPSS(pub, h, digest, sig, salt))
					require.Error(t, bigVerifyPSS(pub, h, digest, sig, salt+1), "salt length differs")
				}
				require.Error(t, bigVerifyPSS(pub, h, other, sig, rsa.PSSSaltLengthAuto))
				bad := append([]byte{}, sig...)
				bad[3] ^= 0x80
				require.Error(t, bigVerifyPSS(pub, h, digest, bad, rsa.PSSSaltLengthAuto))
				require.Error(t, bigVerifyPSS(pub, h, digest, sig[1:], rsa.PSSSaltLengthAuto))
				// A PKCS#1 v1.5 signature is not a PSS signature, nor the reverse.
				require.Error(t, bigVerifyPKCS1v15(pub, h, digest, sig))
			}
			require.Error(t, bigVerifyPSS(pub, h, digest, sig, rsa.PSSSaltLengthAuto))
		}
	}
}

// testRSAKey is an RSA key with any public exponent and size, built with
// math/big because crypto/rsa makes neither exponents above 2^31-1 nor
// keys under 1024 bits. It signs PKCS#1 v1.5 (crypto.Signer, so cmsBuild
// and x509.CreateCertificate can use it).
type testRSAKey struct {
	pub *rsa.PublicKey
	d   *big.Int
}

func newTestRSAKey(t testing.TB, bits int, e *big.Int) *testRSAKey {
	one := big.NewInt(1)
	for {
		p, err := rand.Prime(rand.Reader, bits/2)
		require.NoError(t, err)
		q, err := rand.Prime(rand.Reader, bits-bits/2)
		require.NoError(t, err)
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(e, phi)
		n := new(big.Int).Mul(p, q)
		if d == nil || p.Cmp(q) == 0 || n.BitLen() != bits {
			continue
		}
		return &testRSAKey{pub: &rsa.PublicKey{N: n, E: int(e.Int64())}, d: d}
	}
}

func (k *testRSAKey) Public() crypto.PublicKey { return k.pub }

func (k *testRSAKey) raw(em []byte) []byte {
	return new(big.Int).Exp(new(big.Int).SetBytes(em), k.d, k.pub.N).FillBytes(make([]byte, len(em)))
}

// pkcs1EM is EMSA-PKCS1-v1_5 with padLen bytes of 0xff.
func (k *testRSAKey) pkcs1EM(h crypto.Hash, digest []byte, padLen int) []byte {
	di, err := digestInfo(h, digest)
	if err != nil {
		panic(err)
	}
	em := make([]byte, (k.pub.N.BitLen()+7)/8)
	em[1] = 1
	if padLen < 0 {
		padLen = len(em) - len(di) - 3
	}
	for i := 2; i < 2+padLen; i++ {
		em[i] = 0xff
	}
	copy(em[len(em)-len(di):], di)
	return em
}

func (k *testRSAKey) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if _, ok := opts.(*rsa.PSSOptions); ok {
		return nil, errors.New("testRSAKey signs PKCS#1 v1.5 only")
	}
	return k.raw(k.pkcs1EM(opts.HashFunc(), digest, -1)), nil
}

var bigE = new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 32), big.NewInt(1)) // 2^32+1

func TestRSABigExponent(t *testing.T) {
	key := newTestRSAKey(t, 2048, bigE)
	pub := key.pub
	require.False(t, goRSAAccepts(pub))
	digest := hashOf(crypto.SHA256, []byte("a dossier"))
	sig, err := key.Sign(nil, digest, crypto.SHA256)
	require.NoError(t, err)
	require.Error(t, rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest, sig), "crypto/rsa refuses the key")
	require.NoError(t, rsaVerifyPKCS1v15(pub, crypto.SHA256, digest, sig))
	require.Error(t, rsaVerifyPKCS1v15(pub, crypto.SHA256, hashOf(crypto.SHA256, []byte("x")), sig))
	require.Error(t, rsaVerifyPKCS1v15(pub, crypto.SHA384, hashOf(crypto.SHA384, []byte("a dossier")), sig))

	// RFC 8017 wants at least eight bytes of 0xff padding.
	require.Error(t, rsaVerifyPKCS1v15(pub, crypto.SHA256, digest, key.raw(key.pkcs1EM(crypto.SHA256, digest, 7))))

	// A 512-bit key, refused by crypto/rsa since Go 1.24, verifies with
	// math/big: the policy calls it too weak; the signature is not bad.
	small := newTestRSAKey(t, 512, big.NewInt(65537))
	require.False(t, goRSAAccepts(small.pub))
	sig, err = small.Sign(nil, digest, crypto.SHA256)
	require.NoError(t, err)
	require.Error(t, rsa.VerifyPKCS1v15(small.pub, crypto.SHA256, digest, sig))
	require.NoError(t, rsaVerifyPKCS1v15(small.pub, crypto.SHA256, digest, sig))
	sig[10] ^= 1
	require.Error(t, rsaVerifyPKCS1v15(small.pub, crypto.SHA256, digest, sig))
}

// Signatures made by OpenSSL with an RSA key whose public exponent is
// 2^32+1, in PKCS#1 v1.5 and PSS, and a path through a CA with such a key.
func TestRSABigExponentOpenSSL(t *testing.T) {
	data := opensslFile(t, "data.txt")
	for _, name := range []string{"bigexp-pkcs1-sha256.p7s", "bigexp-pss-sha256.p7s", "underbigexp-sha256.p7s"} {
		t.Run(name, func(t *testing.T) {
			rep := opensslVerify(t, name, data)
			s := rep.Signatures[0]
			require.Equal(t, TotalPassed, s.Indication, "problems: %q", s.Problems)
			require.True(t, s.SignatureValid)
			require.True(t, s.ChainTrusted)

			bad := append([]byte{}, opensslFile(t, name)...)
			// The signature value is the SignerInfo's last OCTET STRING,
			// the last 256 bytes of the DER.
			bad[len(bad)-40] ^= 1
			cfg := Config{TrustAnchors: []*x509.Certificate{opensslCert(t, "root.pem")}}
			v, err := New(cfg)
			require.NoError(t, err)
			rep, err = v.VerifyDetached(context.Background(), bad, bytes.NewReader(data), int64(len(data)))
			require.NoError(t, err)
			require.Equal(t, TotalFailed, rep.Signatures[0].Indication)
			require.Equal(t, SigCryptoFailure, rep.Signatures[0].SubIndication)
		})
	}
	require.Equal(t, 4294967297, opensslCert(t, "bigexpca.pem").PublicKey.(*rsa.PublicKey).E)
}
