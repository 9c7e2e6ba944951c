package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/auditkey"
	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/report"
)

// writeP12 writes a PKCS#12 file for a new signer of pki.
func writeP12(t *testing.T, pki *testpki.PKI, name, pass string) (string, *testpki.Cert) {
	t.Helper()
	c := pki.NewSigner(t, name, testpki.Options{})
	b, err := report.EncodePKCS12(report.Signer{Key: c.Key, Certificate: c.Cert, Chain: c.Chain()[1:]}, pass)
	require.NoError(t, err)
	f := filepath.Join(t.TempDir(), "agency.p12")
	require.NoError(t, os.WriteFile(f, b, 0o600))
	return f, c
}

func TestUnitCertCommands(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"SOHOA_DATA_DIR": dir}
	code, _, errOut := runCmd(t, vars, "unit", "add", "G05", "Ủy ban nhân dân xã Thanh Xuân")
	require.Equal(t, exitOK, code, errOut)
	pki := testpki.New(t)
	p12, signer := writeP12(t, pki, "UBND xã Thanh Xuân", "bí mật")

	code, _, errOut = runWith(t, vars, "", []string{"sai"}, "unit", "cert", "set", "G05", p12)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "wrong passphrase")

	// From the prompt; then from standard input with a TSA.
	code, out, errOut := runWith(t, vars, "", []string{"bí mật"}, "unit", "cert", "set", "G05", p12)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "CN=UBND xã Thanh Xuân")
	assert.Contains(t, out, "PAdES B-B")
	code, out, errOut = runWith(t, vars, "bí mật\n", nil, "unit", "cert", "set", "G05", p12, "--tsa", pki.TSAURL())
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, pki.TSAURL())
	code, _, errOut = runWith(t, map[string]string{"SOHOA_DATA_DIR": dir, "SOHOA_P12_PASSPHRASE": "bí mật"}, "", nil, "unit", "cert", "set", "NOPE", p12)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "NOPE")

	code, out, errOut = runCmd(t, vars, "unit", "cert", "show", "G05")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "UBND xã Thanh Xuân")
	assert.Contains(t, out, pki.TSAURL())

	// The catalog holds the key sealed: it opens with the audit key only.
	db := openTestCatalog(t, dir)
	k, err := db.FindUnitSigningKey(t.Context(), "G05")
	require.NoError(t, err)
	assert.NotContains(t, string(k.Sealed), "UBND")
	ak, err := auditkey.Load(filepath.Join(dir, auditkey.FileName))
	require.NoError(t, err)
	s, err := report.OpenUnitKey(ak, k)
	require.NoError(t, err)
	assert.True(t, s.Certificate.Equal(signer.Cert))

	assert.Equal(t, 2, auditActions(t, db, "unit:G05")["unit.cert_set"])
	code, out, errOut = runCmd(t, vars, "unit", "cert", "remove", "G05")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "removed")
	assert.Equal(t, 1, auditActions(t, db, "unit:G05")["unit.cert_remove"])
	code, _, errOut = runCmd(t, vars, "unit", "cert", "show", "G05")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "no signing key")
	code, out, _ = runCmd(t, vars, "audit", "verify")
	require.Equal(t, exitOK, code, out)
}

func auditActions(t *testing.T, c sohoa.Catalog, object string) map[string]int {
	t.Helper()
	es, err := c.FindAuditEntries(t.Context(), sohoa.AuditFilter{Object: object, Limit: 1000})
	require.NoError(t, err)
	out := map[string]int{}
	for _, e := range es {
		out[e.Action]++
	}
	return out
}
