package pipeline

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// A periodic report is recorded by the ingest that stores it, whatever
// the path: SubmitReport (at the time it is given), a plain upload with
// role report into the unit's report dossier (at the pipeline's clock);
// the same bytes again record nothing, and a report filed in another
// dossier is only a document. The verification landing later changes
// nothing in the record.
func TestReportRecordedAtIngest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		q1, _ := sohoa.ParsePeriod("2026-Q1")
		submitted := time.Date(2026, 3, 20, 2, 0, 0, 0, time.UTC)
		pdf := sample(t, "signed-valid-blt.pdf")
		res, err := b.p.SubmitReport(ctx, ReportSubmission{Unit: testUnit, Period: q1, Body: bytes.NewReader(pdf),
			UploadedBy: "head1", SubmittedAt: submitted})
		require.NoError(t, err)
		assert.True(t, res.DossierCreated)
		assert.Equal(t, "U1-BC-2026-Q1", res.Document.DossierCode)
		assert.Equal(t, sohoa.RoleReport, res.Document.Role)
		d := b.dossier(t, "U1-BC-2026-Q1")
		assert.Equal(t, sohoa.ReportProcedureCode, d.ProcedureCode)
		unit, p, ok := ReportPeriodOf(d)
		assert.True(t, ok)
		assert.Equal(t, testUnit, unit)
		assert.Equal(t, q1, p)

		reports := func() []*sohoa.PeriodicReport {
			rs, err := b.cat.FindPeriodicReports(ctx, sohoa.ReportFilter{Scope: sohoa.AllUnits, UnitCode: testUnit, Period: "2026-Q1"})
			require.NoError(t, err)
			return rs
		}
		rs := reports()
		require.Len(t, rs, 1, "recorded without waiting for the workers")
		assert.Equal(t, res.Document.ID, rs[0].DocumentID)
		assert.True(t, submitted.Equal(rs[0].SubmittedAt), "%v", rs[0].SubmittedAt)

		// The same bytes again: a duplicate, nothing recorded.
		again, err := b.p.SubmitReport(ctx, ReportSubmission{Unit: testUnit, Period: q1, Body: bytes.NewReader(pdf), UploadedBy: "head1"})
		require.NoError(t, err)
		assert.True(t, again.Duplicate)
		assert.Len(t, reports(), 1)

		// An upload with role report into the report dossier (the API's
		// path) is a second submission, at the pipeline's clock.
		up := b.ingest(t, IngestRequest{DossierCode: "U1-BC-2026-Q1", Role: sohoa.RoleReport, FileName: "bc.pdf",
			Source: sohoa.SourceWeb, UploadedBy: "head1", Body: bytes.NewReader(sample(t, "two-signatures.pdf"))})
		require.Len(t, reports(), 2)
		assert.Equal(t, up.Document.ID, reports()[1].DocumentID)

		// A report filed in an ordinary dossier is not a periodic report.
		r := req("U1-260302-0001", "", "bc.pdf", sample(t, "certified-p2.pdf"))
		r.Role = sohoa.RoleReport
		b.ingest(t, r)
		all, err := b.cat.FindPeriodicReports(ctx, sohoa.ReportFilter{Scope: sohoa.AllUnits})
		require.NoError(t, err)
		assert.Len(t, all, 2)

		b.start(t)
		b.wait(t, res.Document.ID, up.Document.ID)
		assert.Len(t, reports(), 2)
		counts, err := b.cat.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: testUnit, Period: q1})
		require.NoError(t, err)
		require.Len(t, counts, 1)
		assert.Equal(t, sohoa.ReportOnTime, sohoa.ReportStatusOf(counts[0], q1, submitted))
		assert.Equal(t, int64(1), counts[0].Received, "the ordinary dossier; a report dossier is not a received dossier")

		entries, err := b.cat.FindAuditEntries(ctx, sohoa.AuditFilter{Limit: 1000})
		require.NoError(t, err)
		n := 0
		for _, e := range entries {
			if e.Action == ActionReportSubmit {
				n++
				assert.Equal(t, "unit:"+testUnit, e.Object)
			}
		}
		assert.Equal(t, 2, n)
	})
}
