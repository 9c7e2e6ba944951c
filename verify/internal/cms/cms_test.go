package cms

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"testing"

	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpki"
)

var asn1OIDMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}

// signed builds a detached CMS with digitorus/pkcs7 over data.
func signed(t testing.TB, p *testpki.PKI, opts testpki.Options) []byte {
	t.Helper()
	signer := p.NewSigner(t, "", opts)
	sd, err := pkcs7.NewSignedData([]byte("content"))
	require.NoError(t, err)
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	chain := signer.Chain()
	require.NoError(t, sd.AddSignerChain(signer.Cert, signer.Key, chain[1:len(chain)-1], pkcs7.SignerInfoConfig{}))
	sd.Detach()
	der, err := sd.Finish()
	require.NoError(t, err)
	return der
}

// indefinite re-encodes the outer ContentInfo and its [0] of a DER
// ContentInfo with indefinite lengths (as BER producers do).
func indefinite(t testing.TB, der []byte) []byte {
	t.Helper()
	hdr, _, length, _, err := Header(der)
	require.NoError(t, err)
	body := der[hdr : hdr+length]
	oidHdr, _, oidLen, _, err := Header(body)
	require.NoError(t, err)
	oid := body[:oidHdr+oidLen]
	h0, _, l0, _, err := Header(body[len(oid):])
	require.NoError(t, err)
	content := body[len(oid)+h0 : len(oid)+h0+l0]
	out := append([]byte{0x30, 0x80}, oid...)
	out = append(out, 0xa0, 0x80)
	out = append(out, content...)
	return append(out, 0, 0, 0, 0)
}

func TestParse(t *testing.T) {
	p := testpki.New(t)
	der := signed(t, p, testpki.Options{})
	sd, err := Parse(der, x509.ParseCertificate)
	require.NoError(t, err)
	require.Len(t, sd.Signers, 1)
	require.NotEmpty(t, sd.Certs)
	require.False(t, sd.HasEContent)
	require.Zero(t, sd.Trailing)
	si := &sd.Signers[0]
	require.NotNil(t, si.SignedAttrsDER)
	require.Equal(t, byte(0x31), si.SignedAttrsDER[0], "signed attributes as the SET OF the signature covers")
	require.NotNil(t, si.Attr(asn1OIDMessageDigest, true))
	require.Nil(t, si.Attr(asn1OIDMessageDigest, false))

	// BER with indefinite lengths reads the same, zero padding and other
	// trailing bytes are counted, not parsed.
	ber := indefinite(t, der)
	norm, n, err := ToDER(ber)
	require.NoError(t, err)
	require.Equal(t, der, norm)
	require.Equal(t, len(ber), n)
	sd2, err := Parse(append(bytes.Clone(ber), 0, 0, 0), x509.ParseCertificate)
	require.NoError(t, err)
	require.Zero(t, sd2.Trailing)
	sd3, err := Parse(append(bytes.Clone(der), 1, 2, 0, 0), x509.ParseCertificate)
	require.NoError(t, err)
	require.Equal(t, 2, sd3.Trailing)

	for _, bad := range [][]byte{nil, {0, 0, 0}, {0x04, 0x30, 0x30}, {0x30, 0x80, 0x30, 0x80}} {
		_, err := Parse(bad, x509.ParseCertificate)
		require.Error(t, err, "%x", bad)
	}
	// Nesting deeper than MaxDepth is refused before any parser recurses.
	deep := bytes.Repeat([]byte{0x30, 0x80}, MaxDepth+2)
	deep = append(deep, make([]byte, 2*(MaxDepth+2))...)
	_, _, err = ToDER(deep)
	require.ErrorContains(t, err, "nesting too deep")
}

// FuzzParse feeds arbitrary bytes to the BER-to-DER pass and the
// SignedData parser: they must never panic, and what ToDER returns is DER
// (converting it again changes nothing).
func FuzzParse(f *testing.F) {
	p := testpki.New(f)
	der := signed(f, p, testpki.Options{})
	f.Add(der)
	f.Add(signed(f, p, testpki.Options{KeyType: testpki.ECDSAP256}))
	f.Add(indefinite(f, der))
	f.Add(append(bytes.Clone(der), 1, 2, 3))
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x30, 0x80, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x24, 0x80, 0x04, 0x01, 0x41, 0x00, 0x00})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if norm, n, err := ToDER(b); err == nil {
			if n > len(b) {
				t.Fatalf("ToDER consumed %d of %d bytes", n, len(b))
			}
			again, m, err := ToDER(norm)
			if err != nil || m != len(norm) || !bytes.Equal(again, norm) {
				t.Fatalf("ToDER output is not DER: %x -> %x (%v)", norm, again, err)
			}
		}
		sd, err := Parse(b, x509.ParseCertificate)
		if err == nil && len(sd.Signers) > MaxSigners {
			t.Fatalf("%d signers", len(sd.Signers))
		}
	})
}
