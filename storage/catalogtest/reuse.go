package catalogtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// testReuse: a dossier's applicant_id and a document's reused_from are
// stored and read back, and the reused count of CountProgress counts the
// dossiers received in the period with a component document attached by
// reuse, once each.
func (s *suite) testReuse(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	q1 := time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC)
	mk := func(code, unit, applicant string, at time.Time) *sohoa.Dossier {
		t.Helper()
		d := &sohoa.Dossier{Code: code, UnitCode: unit, ProcedureCode: "1.001", ReceivedAt: at, ApplicantID: applicant}
		require.NoError(t, c.CreateDossier(ctx, d), code)
		return d
	}
	mk("R-E", "OSS1", " 001099012345 ", q1.AddDate(0, -3, 0)) // Q4 2025: the earlier dossier
	mk("R-D1", "OSS1", "001099012345", q1)                    // reuses one file
	mk("R-D2", "OSS1", "0100109106-001", q1)                  // reuses two files: counted once
	mk("R-D3", "OSS2", "", q1)                                // nothing reused
	mk("R-D4", "OSS1", "0100109106", q1.AddDate(0, 3, 0))     // Q2: not counted

	got, err := c.FindDossierByCode(ctx, "R-E")
	require.NoError(t, err)
	assert.Equal(t, "001099012345", got.ApplicantID, "trimmed and stored")
	got, err = c.FindDossierByCode(ctx, "R-D3")
	require.NoError(t, err)
	assert.Equal(t, "", got.ApplicantID)
	for _, bad := range []string{"12345", "00109901234X", "0100109106001", "0100109106-01", "001099012345678"} {
		err := c.CreateDossier(ctx, &sohoa.Dossier{UnitCode: "OSS1", ProcedureCode: "1.001", ReceivedAt: q1, ApplicantID: bad})
		requireCode(t, sohoa.EINVALID, err, bad)
	}

	orig1, orig2 := s.document(t, c, "R-E", 1), s.document(t, c, "R-E", 2)
	reuse := func(dossier string, orig *sohoa.Document, role sohoa.DocumentRole) *sohoa.Document {
		t.Helper()
		d := *orig
		d.ID, d.DossierCode, d.Role, d.ReusedFrom = 0, dossier, role, orig.ID
		require.NoError(t, c.CreateDocument(ctx, &d))
		return &d
	}
	r1 := reuse("R-D1", orig1, sohoa.RoleComponent)
	reuse("R-D2", orig1, sohoa.RoleComponent)
	reuse("R-D2", orig2, sohoa.RoleComponent)
	reuse("R-D3", orig1, sohoa.RoleResult) // a result is not a component: not counted
	reuse("R-D4", orig1, sohoa.RoleComponent)
	s.document(t, c, "R-D3", 3)

	back, err := c.FindDocumentByID(ctx, r1.ID)
	require.NoError(t, err)
	assert.Equal(t, orig1.ID, back.ReusedFrom)
	assert.Equal(t, orig1.BlobKey, back.BlobKey, "the same blob")
	back, err = c.FindDocumentByID(ctx, orig1.ID)
	require.NoError(t, err)
	assert.Zero(t, back.ReusedFrom)
	list, err := c.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: "R-D2"})
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, []int64{orig1.ID, orig2.ID}, []int64{list[0].ReusedFrom, list[1].ReusedFrom})
	err = c.CreateDocument(ctx, &sohoa.Document{DossierCode: "R-D1", BlobKey: key(9), FileName: "x.pdf", MediaType: "application/pdf",
		Role: sohoa.RoleComponent, Source: sohoa.SourceAPI, UploadedBy: "clerk1", ReusedFrom: -1})
	requireCode(t, sohoa.EINVALID, err)

	q, err := sohoa.ParsePeriod("2026-Q1")
	require.NoError(t, err)
	rows, err := c.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: q})
	require.NoError(t, err)
	reused := map[string]int64{}
	for _, r := range rows {
		reused[r.UnitCode] = r.ReceivedReused
	}
	assert.Equal(t, map[string]int64{"MIN": 0, "DEP1": 0, "DEP2": 0, "OSS1": 2, "OSS2": 0, "OSS3": 0}, reused)
	q2, err := sohoa.ParsePeriod("2026-Q2")
	require.NoError(t, err)
	rows, err = c.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: q2, UnitCode: "OSS1"})
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.Equal(t, int64(1), rows[0].ReceivedReused)

	// A close freezes the reused figure with the others.
	_, err = sohoa.CloseProgress(ctx, c, sohoa.CloseRequest{Period: q2, UnitCode: "OSS1", Actor: "test", Now: q2.LastDay().AddDate(0, 0, 1), Early: true})
	require.NoError(t, err)
	snap, err := c.FindProgressSnapshot(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: q2, UnitCode: "OSS1"})
	require.NoError(t, err)
	require.Len(t, snap, 1)
	assert.Equal(t, int64(1), snap[0].Own.Reused)
	assert.Equal(t, int64(1), snap[0].Total.Reused)
}
