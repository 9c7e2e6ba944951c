package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpdf"
)

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, run(t, dir))

	b, err := os.ReadFile(filepath.Join(dir, "trust", "root.pem"))
	require.NoError(t, err)
	block, _ := pem.Decode(b)
	require.NotNil(t, block)
	root, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	roots.AddCert(root)

	wantSigs := map[string]int{
		"unsigned.pdf": 0, "report.pdf": 0,
		"signed-valid-blt.pdf": 1, "signed-valid-blta.pdf": 2, "certified-p2.pdf": 1, "certified-p2-filled.pdf": 1,
		"two-signatures.pdf": 2, "tampered-page-rewritten.pdf": 1, "tampered-digest.pdf": 1,
		"signed-untrusted.pdf": 1, "signed-sha1.pdf": 1,
	}
	for name, n := range wantSigs {
		pdf, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, name)
		require.Len(t, testpdf.Signatures(pdf), n, name)
		_, err = testpdf.ReadTrailer(pdf)
		require.NoError(t, err, name)
	}

	for _, name := range []string{"report.xml", "report.pdf"} {
		content, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		der, err := os.ReadFile(filepath.Join(dir, name+".p7s"))
		require.NoError(t, err)
		p7, err := pkcs7.Parse(der)
		require.NoError(t, err)
		p7.Content = content
		require.NoError(t, p7.VerifyWithChain(roots), name)
		require.Len(t, p7.CRLs, 2)
	}
}
