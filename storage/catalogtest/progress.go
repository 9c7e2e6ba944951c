package catalogtest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// progressFixture is a hand-built data set for 2026-Q1 (15 Dec 2025 –
// 14 Mar 2026 in Vietnam, so [2025-12-14T17:00Z, 2026-03-14T17:00Z)):
//
//	OSS1  P-A1 received at Q1's first instant, digitized
//	      P-A2 received a second before Q1 (14 Dec 23:59:59 in Vietnam), digitized — not counted
//	      P-A3 received at Q1's last microsecond, incomplete
//	      P-A4 received at Q2's first instant, incomplete — not counted
//	      P-A5 received and resolved in Q1, digitized
//	      P-A6 received in Q4 2025, resolved in Q1, incomplete — resolved only
//	      P-A7 received in Q1, resolved at Q2's first instant, digitized — received only
//	      P-A8 received in Q1, processing, incomplete
//	      P-A9 received in Q1, resolved with no resolved_at, incomplete — received only
//	OSS2  P-B1 received in Q1, digitized; P-B2 received in Q1, incomplete
//	OSS3  P-C1 received and resolved in Q1, digitized
//	MIN   P-R  received in 2025 (holds the reports' files) — not counted
//
// Reports for 2026-Q1: DEP1 one signed on 1 Mar; OSS1 one on 20 Mar whose
// latest verification failed and one signed at 23:59:59 on the 25th in
// Vietnam; OSS2 one signed at 00:00 on the 26th; OSS3 one never verified
// (and one for Q2, not counted).
func (s *suite) progressFixture(t *testing.T) sohoa.Catalog {
	t.Helper()
	c := s.fixture(t)
	ctx := t.Context()
	utc := func(y int, m time.Month, d, h, min, sec, us int) time.Time {
		return time.Date(y, m, d, h, min, sec, us*1000, time.UTC)
	}
	resolved := func(at time.Time) *time.Time { return &at }
	for _, d := range []sohoa.Dossier{
		{Code: "P-A1", UnitCode: "OSS1", ReceivedAt: utc(2025, 12, 14, 17, 0, 0, 0), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "P-A2", UnitCode: "OSS1", ReceivedAt: utc(2025, 12, 14, 16, 59, 59, 0), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "P-A3", UnitCode: "OSS1", ReceivedAt: utc(2026, 3, 14, 16, 59, 59, 999999), ScanState: sohoa.ScanChecked},
		{Code: "P-A4", UnitCode: "OSS1", ReceivedAt: utc(2026, 3, 14, 17, 0, 0, 0)},
		{Code: "P-A5", UnitCode: "OSS1", ReceivedAt: utc(2026, 1, 10, 2, 0, 0, 0), Status: sohoa.StatusResolved,
			ResolvedAt: resolved(utc(2026, 2, 1, 2, 0, 0, 0)), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "P-A6", UnitCode: "OSS1", ReceivedAt: utc(2025, 11, 1, 2, 0, 0, 0), Status: sohoa.StatusResolved,
			ResolvedAt: resolved(utc(2026, 1, 5, 2, 0, 0, 0)), ScanState: sohoa.ScanChecked},
		{Code: "P-A7", UnitCode: "OSS1", ReceivedAt: utc(2026, 2, 1, 2, 0, 0, 0), Status: sohoa.StatusResolved,
			ResolvedAt: resolved(utc(2026, 3, 14, 17, 0, 0, 0)), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "P-A8", UnitCode: "OSS1", ReceivedAt: utc(2026, 2, 2, 2, 0, 0, 0), Status: sohoa.StatusProcessing, ScanState: sohoa.ScanChecked},
		{Code: "P-A9", UnitCode: "OSS1", ReceivedAt: utc(2026, 2, 3, 2, 0, 0, 0), Status: sohoa.StatusResolved},
		{Code: "P-B1", UnitCode: "OSS2", ReceivedAt: utc(2026, 1, 1, 2, 0, 0, 0), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "P-B2", UnitCode: "OSS2", ReceivedAt: utc(2026, 1, 2, 2, 0, 0, 0)},
		{Code: "P-C1", UnitCode: "OSS3", ReceivedAt: utc(2026, 3, 1, 2, 0, 0, 0), Status: sohoa.StatusResolved,
			ResolvedAt: resolved(utc(2026, 3, 2, 2, 0, 0, 0)), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "P-R", UnitCode: "MIN", ReceivedAt: utc(2025, 6, 1, 2, 0, 0, 0)},
	} {
		d := d
		d.ProcedureCode = "1.001"
		require.NoError(t, c.CreateDossier(ctx, &d), d.Code)
	}
	report := func(n int, unit, period string, at time.Time, verdicts ...string) {
		t.Helper()
		doc := s.document(t, c, "P-R", n)
		for _, v := range verdicts {
			require.NoError(t, c.CreateVerification(ctx, &sohoa.Verification{DocumentID: doc.ID, Indication: v,
				ReportJSON: json.RawMessage(`{}`), VerifierVersion: "test"}))
		}
		require.NoError(t, c.CreatePeriodicReport(ctx, &sohoa.PeriodicReport{UnitCode: unit, Period: period, DocumentID: doc.ID, SubmittedAt: at}))
	}
	report(1, "DEP1", "2026-Q1", utc(2026, 3, 1, 2, 0, 0, 0), sohoa.IndicationIndeterminate, sohoa.IndicationTotalPassed)
	report(2, "OSS1", "2026-Q1", utc(2026, 3, 20, 2, 0, 0, 0), sohoa.IndicationTotalPassed, sohoa.IndicationTotalFailed)
	report(3, "OSS1", "2026-Q1", utc(2026, 3, 25, 16, 59, 59, 0), sohoa.IndicationTotalPassed)
	report(4, "OSS2", "2026-Q1", utc(2026, 3, 25, 17, 0, 0, 0), sohoa.IndicationTotalPassed)
	report(5, "OSS3", "2026-Q1", utc(2026, 3, 10, 2, 0, 0, 0))
	report(6, "OSS3", "2026-Q2", utc(2026, 6, 10, 2, 0, 0, 0), sohoa.IndicationTotalPassed)
	return c
}

func (s *suite) testProgress(t *testing.T) {
	c := s.progressFixture(t)
	ctx := t.Context()
	q1, err := sohoa.ParsePeriod("2026-Q1")
	require.NoError(t, err)
	at := func(y int, m time.Month, d, h, min, sec int) *time.Time {
		v := time.Date(y, m, d, h, min, sec, 0, time.UTC)
		return &v
	}

	got, err := c.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: q1})
	require.NoError(t, err)
	want := []sohoa.UnitCounts{
		{UnitCode: "DEP1", Name: "Cục Một", ParentCode: "MIN",
			Reports: 1, FirstReportAt: at(2026, 3, 1, 2, 0, 0), FirstSignedReportAt: at(2026, 3, 1, 2, 0, 0)},
		{UnitCode: "DEP2", Name: "Cục Hai", ParentCode: "MIN"},
		{UnitCode: "MIN", Name: "Bộ Ví dụ"},
		{UnitCode: "OSS1", Name: "Bộ phận Một cửa 1", ParentCode: "DEP1",
			Received: 6, ReceivedDigitized: 3, ReceivedScannedChecked: 5, Resolved: 2, ResolvedDigitized: 1, ResolvedScannedChecked: 2,
			Reports: 2, FirstReportAt: at(2026, 3, 20, 2, 0, 0), FirstSignedReportAt: at(2026, 3, 25, 16, 59, 59)},
		{UnitCode: "OSS2", Name: "Bộ phận Một cửa 2", ParentCode: "DEP1", Received: 2, ReceivedDigitized: 1, ReceivedScannedChecked: 1,
			Reports: 1, FirstReportAt: at(2026, 3, 25, 17, 0, 0), FirstSignedReportAt: at(2026, 3, 25, 17, 0, 0)},
		{UnitCode: "OSS3", Name: "Bộ phận Một cửa 3", ParentCode: "DEP2",
			Received: 1, ReceivedDigitized: 1, ReceivedScannedChecked: 1, Resolved: 1, ResolvedDigitized: 1, ResolvedScannedChecked: 1,
			Reports: 1, FirstReportAt: at(2026, 3, 10, 2, 0, 0)},
	}
	assert.Equal(t, want, got)

	// The figures built from them.
	p := sohoa.BuildProgress(sohoa.ProgressInput{Period: q1, Counts: got, Now: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)})
	assert.Equal(t, int64(9), p.Total.Received)
	assert.Equal(t, int64(5), p.Total.Digitized.Count)
	assert.Equal(t, int64(4), p.Total.Digitized.Gap)
	assert.Equal(t, int64(7), p.Total.ScannedChecked.Count) // the 5 digitized + P-A3, P-A8
	assert.Equal(t, int64(2), p.Total.ScannedChecked.Gap)
	assert.Equal(t, int64(3), p.Total.Resolved)
	assert.Equal(t, int64(2), p.Total.ResultsDigitized.Count)
	assert.Equal(t, int64(6), p.Total.ReportsDue)
	assert.Equal(t, int64(3), p.Total.ReportsSigned.Count) // DEP1, OSS1, OSS2
	assert.Equal(t, int64(2), p.Total.ReportsOnTime.Count) // DEP1, OSS1
	assert.Equal(t, "MIN", p.Units[0].Code)

	// Another period counts other dossiers: P-A4 received, P-A7 resolved in Q2.
	q2, _ := sohoa.ParsePeriod("2026-Q2")
	got, err = c.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: "OSS1", Period: q2})
	require.NoError(t, err)
	assert.Equal(t, []sohoa.UnitCounts{{UnitCode: "OSS1", Name: "Bộ phận Một cửa 1", ParentCode: "DEP1",
		Received: 1, Resolved: 1, ResolvedDigitized: 1, ResolvedScannedChecked: 1}}, got)
	// A month inside Q1: 15 Jan – 14 Feb holds P-A5, P-A7, P-A8, P-A9 (received) and P-A5 (resolved).
	feb, _ := sohoa.ParsePeriod("2026-02")
	got, err = c.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: "OSS1", Period: feb})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, int64(3), got[0].Received, "P-A7, P-A8, P-A9 (P-A5 came on 10 Jan)")
	assert.Equal(t, int64(1), got[0].ReceivedDigitized)
	assert.Equal(t, int64(2), got[0].ReceivedScannedChecked, "P-A7 digitized, P-A8 scanned and checked")
	assert.Equal(t, int64(1), got[0].Resolved, "P-A5, resolved on 1 Feb")

	// Units: a subtree, a scope, both, none.
	codesOf := func(rows []sohoa.UnitCounts) []string {
		out := []string{}
		for _, r := range rows {
			out = append(out, r.UnitCode)
		}
		return out
	}
	for _, tc := range []struct {
		scope sohoa.Scope
		unit  string
		want  []string
	}{
		{sohoa.AllUnits, "DEP1", []string{"DEP1", "OSS1", "OSS2"}},
		{sohoa.ScopeOf("DEP1"), "", []string{"DEP1", "OSS1", "OSS2"}},
		{sohoa.ScopeOf("OSS1", "OSS3"), "", []string{"OSS1", "OSS3"}},
		{sohoa.ScopeOf("DEP1"), "OSS2", []string{"OSS2"}},
		{sohoa.ScopeOf("OSS3"), "DEP1", []string{}},
		{sohoa.AllUnits, "NOPE", []string{}},
	} {
		rows, err := c.CountProgress(ctx, sohoa.ProgressFilter{Scope: tc.scope, UnitCode: tc.unit, Period: q1})
		require.NoError(t, err)
		assert.Equal(t, tc.want, codesOf(rows), "%v %s", tc.scope, tc.unit)
		for _, r := range rows {
			if r.UnitCode == "OSS1" {
				assert.Equal(t, int64(6), r.Received, "a scope does not change a unit's own counts")
				assert.Equal(t, int64(2), r.Reports)
			}
		}
	}
	_, err = c.CountProgress(ctx, sohoa.ProgressFilter{Period: q1})
	requireCode(t, sohoa.EFORBIDDEN, err)
	_, err = c.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits})
	requireCode(t, sohoa.EINVALID, err, "no period")

	// Inside a transaction it reads the transaction's writes.
	require.NoError(t, c.WithTx(ctx, func(tx sohoa.Catalog) error {
		require.NoError(t, tx.CreateDossier(ctx, &sohoa.Dossier{Code: "P-TX", UnitCode: "OSS2", ProcedureCode: "1.001", ReceivedAt: *at(2026, 1, 3, 2, 0, 0)}))
		rows, err := tx.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: "OSS2", Period: q1})
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, int64(3), rows[0].Received)
		return nil
	}))

	// The dossiers making up the gaps, paged, oldest received first.
	f := sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: "DEP1", Period: q1}
	df, err := f.GapFilter(sohoa.GapDigitized, "", 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"P-B2", "P-TX", "P-A8", "P-A9", "P-A3"}, pageAll(t, c, df))
	counts, err := c.CountDossiers(ctx, df)
	require.NoError(t, err)
	assert.Equal(t, []sohoa.DossierCount{
		{UnitCode: "OSS1", DigitizationState: sohoa.DigitizationIncomplete, Count: 3},
		{UnitCode: "OSS2", DigitizationState: sohoa.DigitizationIncomplete, Count: 2},
	}, counts)
	df, err = f.GapFilter(sohoa.GapResultsDigitized, "", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"P-A6"}, pageAll(t, c, df))
	df, err = sohoa.ProgressFilter{Scope: sohoa.ScopeOf("DEP2"), Period: q1}.GapFilter(sohoa.GapResultsDigitized, "", 10)
	require.NoError(t, err)
	assert.Empty(t, pageAll(t, c, df), "OSS3's resolved dossier is digitized")
}
