package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

// `sohoa unit policy set --require-gov-ca` on a unit whose resolved
// dossier's result is signed under a configured anchor (the samples'
// root): the dossier stops being digitized at once, with the coded reason;
// clearing the policy digitizes it again.
func TestUnitPolicyGovCA(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := map[string]string{"SOHOA_DATA_DIR": dir, "SOHOA_TRUST_DIR": filepath.Join(samplesDir, "trust")}
	seedRefData(t, vars)

	e := testEnvFor(vars)
	cfg := &storeConfig{DataDir: dir}
	require.NoError(t, cfg.finish(e))
	st, p, err := openPipeline(t.Context(), e, cfg, "", pipeline.Config{Workers: 2, ReverifyInterval: -1})
	require.NoError(t, err)
	const code = "U1-260302-0009"
	received := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
	resolvedAt := received.AddDate(0, 0, 5)
	var ids []int64
	for _, f := range []struct {
		role      sohoa.DocumentRole
		component string
		file      string
	}{
		{sohoa.RoleComponent, "Đơn đề nghị", "signed-valid-blt.pdf"},
		{sohoa.RoleComponent, "Bản sao CCCD", "certified-p2.pdf"},
		{sohoa.RoleResult, "", "two-signatures.pdf"},
	} {
		body, err := os.Open(filepath.Join(samplesDir, f.file))
		require.NoError(t, err)
		res, err := p.Ingest(t.Context(), pipeline.IngestRequest{
			DossierCode: code,
			NewDossier: &sohoa.Dossier{UnitCode: "U1", ProcedureCode: "P1", ReceivedAt: received,
				Status: sohoa.StatusResolved, ResolvedAt: &resolvedAt},
			Role: f.role, Component: f.component, FileName: f.file,
			Source: sohoa.SourceAPI, UploadedBy: "clerk1", Body: body,
		})
		body.Close()
		require.NoError(t, err)
		ids = append(ids, res.Document.ID)
	}
	require.NoError(t, p.Start(context.WithoutCancel(t.Context())))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	require.NoError(t, p.WaitDocuments(ctx, ids))
	require.NoError(t, p.Stop(ctx))
	require.NoError(t, st.Close())

	db := openTestCatalog(t, dir)
	state := func() sohoa.DigitizationState {
		d, err := db.FindDossierByCode(t.Context(), code)
		require.NoError(t, err)
		return d.DigitizationState
	}
	require.Equal(t, sohoa.DigitizationDigitized, state(), "no policy: any trusted signature")

	rc, out, errOut := runCmd(t, vars, "unit", "policy", "set", "U1", "--require-gov-ca")
	require.Equal(t, exitOK, rc, errOut)
	assert.Contains(t, out, "unit U1: results and reports: Government CA required")
	assert.Contains(t, out, "1 resolved dossier(s) changed digitization state")
	assert.Equal(t, sohoa.DigitizationIncomplete, state())
	rc, out, errOut = runCmd(t, vars, "status", code)
	require.Equal(t, exitOK, rc, errOut)
	assert.Contains(t, out, `result: "two-signatures.pdf" is validly signed, but not under the Government CA as the unit requires`)

	rc, out, _ = runCmd(t, vars, "unit", "policy", "list")
	require.Equal(t, exitOK, rc)
	assert.Contains(t, out, "Government CA required")

	rc, out, errOut = runCmd(t, vars, "unit", "policy", "set", "U1", "--require-gov-ca=false")
	require.Equal(t, exitOK, rc, errOut)
	assert.Contains(t, out, "any trusted signature")
	assert.Contains(t, out, "1 resolved dossier(s) changed")
	rc, out, _ = runCmd(t, vars, "status", code)
	require.Equal(t, exitOK, rc)
	assert.NotContains(t, out, "Government CA")
	assert.Equal(t, sohoa.DigitizationDigitized, state())

	rc, _, errOut = runCmd(t, vars, "unit", "policy", "set", "U1")
	assert.Equal(t, exitUsage, rc, "the flag is required")
	assert.Contains(t, errOut, "--require-gov-ca")
	rc, _, _ = runCmd(t, vars, "unit", "policy", "set", "NOPE", "--require-gov-ca")
	assert.Equal(t, exitFailure, rc)

	es, err := db.FindAuditEntries(t.Context(), sohoa.AuditFilter{Action: "unit.policy_set", Limit: 10})
	require.NoError(t, err)
	assert.Len(t, es, 2)
}
