package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/pipeline"
)

// TestCertifiedCopyEndToEnd: after `sohoa unit cert set`, the workers
// openPipeline wires (as `sohoa work` and `serve` run them) turn a scan of
// the unit into a certified copy, which `sohoa verify` passes and which
// fails once a byte is changed.
func TestCertifiedCopyEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	pki := testpki.New(t)
	trust := t.TempDir()
	root := pki.WriteRootPEM(trust)
	vars := map[string]string{"SOHOA_DATA_DIR": dir, "SOHOA_TRUST_DIR": trust, "SOHOA_P12_PASSPHRASE": "bí mật", "SOHOA_LOG_LEVEL": "warn"}
	seedRefData(t, vars)
	p12, _ := writeP12(t, pki, "UBND xã Thanh Xuân", "bí mật")
	code, _, errOut := runCmd(t, vars, "unit", "cert", "set", "U1", p12)
	require.Equal(t, exitOK, code, errOut)

	e := testEnvFor(vars)
	cfg := &storeConfig{DataDir: dir}
	require.NoError(t, cfg.finish(e))
	st, p, err := openPipeline(t.Context(), e, cfg, "", pipeline.Config{ReverifyInterval: -1})
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, p.Start(context.WithoutCancel(t.Context())))
	defer p.Stop(context.Background())

	const dossier = "U1-260302-0001"
	scan := ingestSample(t, p, dossier, "Đơn đề nghị", "scan-300dpi.pdf")
	var c *sohoa.CertifiedCopy
	require.Eventually(t, func() bool {
		c, err = st.Catalog.FindCertifiedCopy(t.Context(), scan.ID)
		return err == nil
	}, 60*time.Second, 50*time.Millisecond, "the scan gets a certified copy")
	wctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	require.NoError(t, p.WaitDocuments(wctx, []int64{scan.ID, c.CopyDocumentID}))
	v, err := st.Catalog.LatestVerification(t.Context(), c.CopyDocumentID)
	require.NoError(t, err)
	assert.Equal(t, sohoa.IndicationTotalPassed, v.Indication, "the workers verify the copy under the trust dir")

	cp, err := st.Catalog.FindDocumentByID(t.Context(), c.CopyDocumentID)
	require.NoError(t, err)
	r, err := st.Blobs.Open(t.Context(), cp.BlobKey)
	require.NoError(t, err)
	pdf, err := io.ReadAll(r)
	r.Close()
	require.NoError(t, err)
	require.NoError(t, p.Stop(context.Background()))

	f := filepath.Join(t.TempDir(), "copy.pdf")
	require.NoError(t, os.WriteFile(f, pdf, 0o600))
	code, out, errOut := runCmd(t, vars, "verify", "--trust", root, f)
	assert.Equal(t, exitOK, code, "%s%s", out, errOut)
	assert.Contains(t, out, "TOTAL_PASSED")
	changed := append([]byte(nil), pdf...)
	changed[len(changed)/3] ^= 0x01 // inside the signed byte range
	require.NoError(t, os.WriteFile(f, changed, 0o600))
	code, out, _ = runCmd(t, vars, "verify", "--trust", root, f)
	assert.Equal(t, 1, code, "a changed copy fails: %s", out)

	code, out, errOut = runCmd(t, vars, "status", "--json", dossier)
	require.Contains(t, []int{exitOK, exitFailure}, code, errOut)
	var status struct {
		Documents []struct {
			FileName   string `json:"file_name"`
			UploadedBy string `json:"uploaded_by"`
		} `json:"documents"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &status), out)
	require.Len(t, status.Documents, 2)
	assert.Equal(t, "scan-300dpi (bản sao điện tử).pdf", status.Documents[1].FileName)
	assert.Equal(t, pipeline.ActorCertify, status.Documents[1].UploadedBy)

	code, out, _ = runCmd(t, vars, "audit", "verify")
	assert.Equal(t, exitOK, code, out)
}
