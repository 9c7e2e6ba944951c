package verify

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
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
