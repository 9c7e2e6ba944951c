package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpki"
)

// Vectors made by OpenSSL (verify/testdata/openssl/gen.sh): certificates
// and detached CMS signatures over data.txt that sohoa's own code did not
// produce.

func opensslFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "openssl", name))
	require.NoError(t, err)
	return b
}

// opensslCert reads a PEM certificate with the verifier's own parser.
func opensslCert(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(opensslFile(t, name))
	require.NotNil(t, block, name)
	c, err := parseCertAny(block.Bytes)
	require.NoError(t, err, name)
	return c
}

// opensslVerify verifies the detached signature sig over data with the
// OpenSSL vectors' root as the only trust anchor.
func opensslVerify(t *testing.T, sig string, data []byte, mods ...func(*Config)) *Report {
	t.Helper()
	cfg := Config{TrustAnchors: []*x509.Certificate{opensslCert(t, "root.pem")}}
	for _, m := range mods {
		m(&cfg)
	}
	v, err := New(cfg)
	require.NoError(t, err)
	rep, err := v.VerifyDetached(context.Background(), opensslFile(t, sig), bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	require.Len(t, rep.Signatures, 1)
	return rep
}

// A certificate with a negative serial number verifies: go.mod's
// "godebug x509negativeserial=1" applies to the tests and the sohoa
// binary, and the serial is shown with its sign.
func TestNegativeSerialCertificate(t *testing.T) {
	block, _ := pem.Decode(opensslFile(t, "negserial.pem"))
	c, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err, "crypto/x509 must accept negative serials in this module (go.mod godebug)")
	require.Equal(t, int64(-12345), c.SerialNumber.Int64())

	data := opensslFile(t, "data.txt")
	rep := opensslVerify(t, "negserial-sha256.p7s", data)
	s := rep.Signatures[0]
	require.Equal(t, TotalPassed, s.Indication, "problems: %q", s.Problems)
	require.Equal(t, "-3039", s.Signer.SerialNumber, "-12345 is -0x3039")
	require.True(t, s.ChainTrusted)

	changed := append([]byte("x"), data...)
	rep = opensslVerify(t, "negserial-sha256.p7s", changed)
	require.Equal(t, TotalFailed, rep.Signatures[0].Indication)
	require.Equal(t, HashFailure, rep.Signatures[0].SubIndication)
}

// Ed448 cannot be verified: a signature made with it, or a path through
// an Ed448 CA, is INDETERMINATE with that reason, never a failure.
func TestEd448(t *testing.T) {
	e := newCMSEnv(t)
	ed := opensslCert(t, "ed448.pem")
	require.Nil(t, ed.PublicKey)
	require.Equal(t, "Ed448", certInfo(ed).KeyAlgorithm)
	// A CMS around the OpenSSL Ed448 certificate (OpenSSL 3.0 cannot make
	// an Ed448 CMS): the signature value is never looked at.
	signer := &testpki.Cert{Cert: ed, Key: e.pki.NewSigner(t, "", testpki.Options{}).Key}
	anchor := opensslCert(t, "root.pem")
	v, err := New(Config{TrustAnchors: []*x509.Certificate{anchor}})
	require.NoError(t, err)
	shake256 := asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 12}
	for name, b := range map[string]cmsBuild{
		"sha512":   {sigAlg: oidEd448, hash: crypto.SHA512},
		"shake256": {sigAlg: oidEd448, hash: crypto.SHA512, digestAlgOID: shake256},
	} {
		t.Run(name, func(t *testing.T) {
			b.signer, b.content, b.certs = signer, e.data, []*x509.Certificate{ed}
			sr := SignatureReport{Indication: TotalPassed}
			v.checkCMS(context.Background(), &sr, b.build(t), e.content(), evidence{}, "ETSI.CAdES.detached")
			requireResult(t, sr, Indeterminate, CryptoConstraintsFailure)
			problemsContain(t, sr, "sohoa cannot verify Ed448")
			require.Equal(t, "Ed448 signer", sr.Signer.CommonName)
		})
	}

	// An RSA signer under an Ed448 CA.
	data := opensslFile(t, "data.txt")
	rep := opensslVerify(t, "undered448-sha256.p7s", data)
	s := rep.Signatures[0]
	require.Equal(t, Indeterminate, s.Indication, "problems: %q", s.Problems)
	require.Equal(t, CryptoConstraintsFailure, s.SubIndication)
	require.True(t, s.SignatureValid, "the RSA signature itself verifies")
	require.Contains(t, s.Problems[0], `"Ed448 CA"`)
	require.Contains(t, s.Problems[0], "Ed448 key sohoa cannot verify signatures with")
}
