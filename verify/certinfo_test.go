package verify

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpki"
)

func TestCertInfo(t *testing.T) {
	p := testpki.New(t)
	c := p.NewSigner(t, "Trần Thị B", testpki.Options{
		KeyType:  testpki.ECDSAP384,
		Policies: []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 99999, 1, 2}},
	})
	ci := certInfo(c.Cert)
	require.Equal(t, "Trần Thị B", ci.CommonName)
	require.Equal(t, []string{"Sở Nội vụ tỉnh Mẫu"}, ci.Organization)
	require.Equal(t, []string{"MST:0101234567", "CCCD:001099012345"}, ci.UIDs)
	require.Equal(t, "CN=Trần Thị B, UID=CCCD:001099012345, UID=MST:0101234567, OU=Bộ phận Một cửa, O=Sở Nội vụ tỉnh Mẫu, L=Thành phố Mẫu, ST=Tỉnh Mẫu, C=VN", ci.Subject)
	require.Equal(t, "CN=Sohoa Test Issuing CA, O=Sohoa Test PKI, C=VN", ci.Issuer)
	require.Equal(t, serialHex(c.Cert.SerialNumber), ci.SerialNumber)
	require.Len(t, ci.SerialNumber, 32)
	require.Equal(t, []string{"1.3.6.1.4.1.99999.1.2"}, ci.PolicyOIDs)
	require.Equal(t, "ECDSA P-384", ci.KeyAlgorithm)
	require.Equal(t, 384, ci.KeyBits)
	require.Len(t, ci.SHA256, 64)
	require.Equal(t, c.Cert.NotAfter, ci.NotAfter)

	rsaInfo := certInfo(p.Root.Cert)
	require.Equal(t, "RSA", rsaInfo.KeyAlgorithm)
	require.Equal(t, 2048, rsaInfo.KeyBits)
	require.Empty(t, rsaInfo.UIDs)

	// A CMND in serialNumber, as some CAs write it.
	c2 := p.NewSigner(t, "", testpki.Options{Subject: pkix.Name{CommonName: "X, Y", SerialNumber: "CMND:012345678"}})
	ci2 := certInfo(c2.Cert)
	require.Equal(t, []string{"CMND:012345678"}, ci2.UIDs)
	require.Equal(t, `SERIALNUMBER=CMND:012345678, CN=X\, Y`, ci2.Subject)
}

func TestSerialHex(t *testing.T) {
	require.Equal(t, "00", serialHex(big.NewInt(0)))
	require.Equal(t, "0100", serialHex(big.NewInt(256)))
	require.Equal(t, "-01", serialHex(big.NewInt(-1)))
	require.Equal(t, "", serialHex(nil))
	require.Contains(t, rawNameString([]byte{1, 2, 3}), "unreadable")
}
