package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

var samplesDir = filepath.Join("..", "..", "testdata", "samples")

// seedRefData adds the unit and procedure the status and work tests use.
func seedRefData(t *testing.T, vars map[string]string) {
	t.Helper()
	code, _, errOut := runCmd(t, vars, "unit", "add", "U1", "Bộ phận Một cửa")
	require.Equal(t, 0, code, errOut)
	code, _, errOut = runCmd(t, vars, "procedure", "add", "P1", "Cấp giấy phép", "--components", "Đơn đề nghị;Bản sao CCCD")
	require.Equal(t, 0, code, errOut)
}

func testEnvFor(vars map[string]string) *env {
	var sink bytes.Buffer
	return &env{stdout: &sink, stderr: &sink, getenv: func(k string) string { return vars[k] }, log: newLogger(&sink, "warn")}
}

func ingestSample(t *testing.T, p *pipeline.Pipeline, code, component, file string) *sohoa.Document {
	t.Helper()
	f, err := os.Open(filepath.Join(samplesDir, file))
	require.NoError(t, err)
	defer f.Close()
	res, err := p.Ingest(t.Context(), pipeline.IngestRequest{
		DossierCode: code,
		NewDossier:  &sohoa.Dossier{UnitCode: "U1", ProcedureCode: "P1", ReceivedAt: time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)},
		Role:        sohoa.RoleComponent, Component: component, FileName: file,
		Source: sohoa.SourceAPI, UploadedBy: "clerk1", Body: f,
	})
	require.NoError(t, err)
	return res.Document
}

func TestStatus(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := map[string]string{"SOHOA_DATA_DIR": dir, "SOHOA_TRUST_DIR": filepath.Join(samplesDir, "trust")}
	seedRefData(t, vars)

	// Ingest and process two files with the workers in this process.
	e := testEnvFor(vars)
	cfg := &storeConfig{DataDir: dir}
	require.NoError(t, cfg.finish(e))
	st, p, err := openPipeline(t.Context(), e, cfg, "", pipeline.Config{Workers: 2, ReverifyInterval: -1})
	require.NoError(t, err)
	const code = "U1-260302-0001"
	signed := ingestSample(t, p, code, "Đơn đề nghị", "signed-valid-blt.pdf")
	tampered := ingestSample(t, p, code, "Bản sao CCCD", "tampered-digest.pdf")
	require.NoError(t, p.Start(context.WithoutCancel(t.Context())))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	require.NoError(t, p.WaitDocuments(ctx, []int64{signed.ID, tampered.ID}))
	require.NoError(t, p.Stop(ctx))
	require.NoError(t, st.Close())

	code_, out, errOut := runCmd(t, vars, "status", "--json", code)
	require.Equal(t, 0, code_, errOut)
	var got struct {
		Dossier struct {
			Code string `json:"code"`
		} `json:"dossier"`
		Documents []struct {
			SHA256     string `json:"sha256"`
			Role       string `json:"role"`
			Inspection *struct {
				Outcome  string `json:"outcome"`
				Findings []struct {
					Rule    string `json:"rule"`
					Outcome string `json:"outcome"`
					Page    *int   `json:"page"`
					Message string `json:"message"`
				} `json:"findings"`
			} `json:"inspection"`
			Verification *struct {
				Indication string          `json:"indication"`
				Report     json.RawMessage `json:"report"`
			} `json:"verification"`
		} `json:"documents"`
		Missing []struct {
			Role      string       `json:"role"`
			Component string       `json:"component"`
			FileName  string       `json:"file_name"`
			Reason    sohoa.Reason `json:"reason"`
			Message   string       `json:"message"`
		} `json:"missing"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, code, got.Dossier.Code)
	require.Len(t, got.Documents, 2)
	assert.Equal(t, signed.BlobKey, got.Documents[0].SHA256)
	assert.Equal(t, "component", got.Documents[0].Role)
	require.NotNil(t, got.Documents[0].Inspection)
	assert.Contains(t, []string{"ok", "warn"}, got.Documents[0].Inspection.Outcome)
	require.NotEmpty(t, got.Documents[0].Inspection.Findings)
	for _, f := range got.Documents[0].Inspection.Findings {
		assert.NotEmpty(t, f.Rule)
		assert.NotEmpty(t, f.Message)
	}
	require.NotNil(t, got.Documents[0].Verification)
	assert.Equal(t, "TOTAL_PASSED", got.Documents[0].Verification.Indication)
	assert.Empty(t, got.Documents[0].Verification.Report, "the full report is left to sohoa verify")
	assert.Equal(t, "TOTAL_FAILED", got.Documents[1].Verification.Indication)
	require.Len(t, got.Missing, 1)
	assert.Equal(t, `component "Bản sao CCCD": "tampered-digest.pdf" has a failed signature (TOTAL_FAILED, HASH_FAILURE)`, got.Missing[0].Message)
	assert.Equal(t, "Bản sao CCCD", got.Missing[0].Component)
	assert.Equal(t, "tampered-digest.pdf", got.Missing[0].FileName)
	assert.Equal(t, sohoa.ReasonSignatureFailed, got.Missing[0].Reason.Code)
	assert.Equal(t, "HASH_FAILURE", got.Missing[0].Reason.Params["sub_indication"])

	// Flags may follow the code; the human form says the same.
	code_, out, errOut = runCmd(t, vars, "status", code)
	require.Equal(t, 0, code_, errOut)
	t.Logf("sohoa status %s:\n%s", code, out)
	for _, want := range []string{
		"Dossier " + code,
		"received 2026-03-02 08:30", // shown in Asia/Ho_Chi_Minh
		"digitization: not digitized yet",
		"signed-valid-blt.pdf — component \"Đơn đề nghị\"",
		"signatures: TOTAL_PASSED — 1 signature(s): 1 passed",
		"signatures: TOTAL_FAILED/HASH_FAILURE",
		"pdfa: does not claim PDF/A",
		"Missing before the dossier counts as digitized:",
		`- component "Bản sao CCCD": "tampered-digest.pdf" has a failed signature`,
	} {
		assert.Contains(t, out, want)
	}

	// --lang vi renders what is missing in Vietnamese.
	code_, out, errOut = runCmd(t, vars, "status", "--lang", "vi", code)
	require.Equal(t, 0, code_, errOut)
	assert.Contains(t, out, `- thành phần hồ sơ “Bản sao CCCD”: tệp “tampered-digest.pdf” có chữ ký số không hợp lệ (TOTAL_FAILED, HASH_FAILURE)`)

	code_, out, errOut = runCmd(t, vars, "status", "U1-260302-0404", "--json")
	assert.Equal(t, exitFailure, code_)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "not found")

	code_, _, _ = runCmd(t, vars, "status")
	assert.Equal(t, exitUsage, code_)
	code_, _, _ = runCmd(t, vars, "status", "a", "b")
	assert.Equal(t, exitUsage, code_)
}

// A read-only command on a wrong data directory says so and creates
// nothing (it used to create an empty catalog and report "not found").
func TestStatusWrongDataDir(t *testing.T) {
	for _, dir := range []string{filepath.Join(t.TempDir(), "no-such-dir"), t.TempDir()} {
		code, _, errOut := runCLI(t, map[string]string{"SOHOA_DATA_DIR": dir}, "status", "000.00.12.G05-261130-0001")
		require.NotEqual(t, exitOK, code)
		require.Contains(t, errOut, dir)
		_, err := os.Stat(filepath.Join(dir, "sohoa.db"))
		require.True(t, os.IsNotExist(err), "status created a catalog in %s", dir)
	}
}
