package verify

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpki"
)

func TestCheckDetachedSignature(t *testing.T) {
	sig, err := os.ReadFile(filepath.Join("..", "testdata", "samples", "report.xml.p7s"))
	require.NoError(t, err)
	require.NoError(t, CheckDetachedSignature(sig), "DER")
	require.NoError(t, CheckDetachedSignature(pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: sig})), "PEM")

	assert.ErrorContains(t, CheckDetachedSignature([]byte("%PDF-1.7 not a signature")), "not a CMS signature")
	assert.ErrorContains(t, CheckDetachedSignature(nil), "not a CMS signature")

	// A CMS that carries its content is not a detached signature.
	signer := testpki.New(t).NewSigner(t, "", testpki.Options{})
	sd, err := pkcs7.NewSignedData([]byte("the signed content"))
	require.NoError(t, err)
	chain := signer.Chain()
	require.NoError(t, sd.AddSignerChain(signer.Cert, signer.Key, chain[1:len(chain)-1], pkcs7.SignerInfoConfig{}))
	attached, err := sd.Finish()
	require.NoError(t, err)
	assert.ErrorContains(t, CheckDetachedSignature(attached), "holds the signed content itself (18 bytes)")
}
