package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

// TestDossierReuse: `sohoa dossier reuse` attaches a digitized document
// of the applicant's earlier dossier; after the workers ran, the later
// dossier is digitized with no new scan of that component, and `sohoa
// progress` counts it as reused. Refusals exit 1 with their reason.
func TestDossierReuse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := map[string]string{"SOHOA_DATA_DIR": dir, "SOHOA_TRUST_DIR": filepath.Join(samplesDir, "trust")}
	seedRefData(t, vars)
	e := testEnvFor(vars)
	cfg := &storeConfig{DataDir: dir}
	require.NoError(t, cfg.finish(e))
	work := func(ingest func(p *pipeline.Pipeline) []int64) {
		t.Helper()
		st, p, err := openPipeline(t.Context(), e, cfg, "", pipeline.Config{Workers: 2, ReverifyInterval: -1})
		require.NoError(t, err)
		defer st.Close()
		ids := ingest(p)
		require.NoError(t, p.Start(context.WithoutCancel(t.Context())))
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		require.NoError(t, p.WaitDocuments(ctx, ids))
		require.NoError(t, p.Stop(ctx))
	}
	add := func(p *pipeline.Pipeline, code, applicant string, day int, component, file string) int64 {
		t.Helper()
		f, err := os.Open(filepath.Join(samplesDir, file))
		require.NoError(t, err)
		defer f.Close()
		res, err := p.Ingest(t.Context(), pipeline.IngestRequest{
			DossierCode: code,
			NewDossier: &sohoa.Dossier{UnitCode: "U1", ProcedureCode: "P1", ApplicantID: applicant,
				ReceivedAt: time.Date(2026, 2, day, 1, 30, 0, 0, time.UTC)},
			Role: sohoa.RoleComponent, Component: component, FileName: file, Source: sohoa.SourceAPI, UploadedBy: "clerk1", Body: f,
		})
		require.NoError(t, err)
		return res.Document.ID
	}
	var eID, scanID int64
	work(func(p *pipeline.Pipeline) []int64 {
		eForm := add(p, "E-1", "001099012345", 1, "Đơn đề nghị", "signed-valid-blt.pdf")
		eID = add(p, "E-1", "001099012345", 1, "Bản sao CCCD", "signed-valid-blta.pdf")
		scanID = add(p, "E-1", "001099012345", 1, "Bản sao CCCD", "scan-300dpi.pdf")
		dForm := add(p, "D-1", "001099012345", 2, "Đơn đề nghị", "two-signatures.pdf")
		xForm := add(p, "X-1", "0100109106", 3, "Đơn đề nghị", "signed-valid-blt.pdf")
		return []int64{eForm, eID, scanID, dForm, xForm}
	})
	from := strconv.FormatInt(eID, 10)

	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"X-1", "--component", "Bản sao CCCD", "--from", from}, "another applicant"},
		{[]string{"D-1", "--component", "Bản sao CCCD", "--from", strconv.FormatInt(scanID, 10)}, "not digitized"},
		{[]string{"D-1", "--component", "Ảnh", "--from", from}, "has no component"},
		{[]string{"D-1", "--component", "Bản sao CCCD", "--from", "x"}, "--from must be a document ID"},
	} {
		code, _, errOut := runCmd(t, vars, append([]string{"dossier", "reuse"}, c.args...)...)
		assert.Equal(t, exitFailure, code, "%v: %s", c.args, errOut)
		assert.Contains(t, errOut, c.msg, "%v", c.args)
	}
	code, out, errOut := runCmd(t, vars, "dossier", "reuse", "D-1", "--component", "Bản sao CCCD", "--from", from)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Reused document "+from)

	work(func(p *pipeline.Pipeline) []int64 {
		docs, err := p.Status(t.Context(), "D-1")
		require.NoError(t, err)
		var ids []int64
		for _, d := range docs.Documents {
			ids = append(ids, d.ID)
		}
		return ids
	})
	code, out, errOut = runCmd(t, vars, "status", "--json", "D-1")
	require.Equal(t, 0, code, errOut)
	var st struct {
		Dossier   sohoa.Dossier    `json:"dossier"`
		Documents []sohoa.Document `json:"documents"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	assert.Equal(t, sohoa.DigitizationDigitized, st.Dossier.DigitizationState)
	require.Len(t, st.Documents, 2)
	assert.Equal(t, eID, st.Documents[1].ReusedFrom)

	code, out, errOut = runCmd(t, vars, "progress", "--period", "2026-Q1", "--json")
	require.Equal(t, 0, code, errOut)
	var prog struct {
		Total sohoa.Figures `json:"total"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &prog))
	assert.Equal(t, int64(3), prog.Total.Received)
	assert.Equal(t, int64(1), prog.Total.Reused.Count)
	code, out, errOut = runCmd(t, vars, "progress", "--period", "2026-Q1")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "reused (tái sử dụng)")
	assert.Contains(t, out, "1/3 33.33%")
}
