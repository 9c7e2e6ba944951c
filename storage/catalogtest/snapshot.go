package catalogtest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// audits lists the audit entries with action.
func audits(t *testing.T, c sohoa.Catalog, action string) []*sohoa.AuditEntry {
	t.Helper()
	all, err := c.FindAuditEntries(t.Context(), sohoa.AuditFilter{Limit: 1000})
	require.NoError(t, err)
	var out []*sohoa.AuditEntry
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func snapshotCodes(rows []sohoa.ProgressSnapshotRow) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.UnitCode)
	}
	return out
}

// A close freezes the figures; a later upload changes the live figures
// and never the snapshot; closing again is ECONFLICT.
func (s *suite) testProgressSnapshot(t *testing.T) {
	c := s.progressFixture(t)
	ctx := t.Context()
	q1, _ := sohoa.ParsePeriod("2026-Q1")
	all := sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: q1}
	before := time.Date(2026, 3, 20, 1, 0, 0, 0, time.UTC) // before the deadline (end of 25 Mar in Vietnam)
	after := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)

	// Before the deadline only on purpose.
	_, err := sohoa.CloseProgress(ctx, c, sohoa.CloseRequest{Period: q1, Actor: "head", Now: before})
	requireCode(t, sohoa.EINVALID, err)
	assert.Contains(t, err.Error(), "--early")
	q3, _ := sohoa.ParsePeriod("2026-Q3")
	_, err = sohoa.CloseProgress(ctx, c, sohoa.CloseRequest{Period: q3, Actor: "head", Now: before, Early: true})
	requireCode(t, sohoa.EINVALID, err, "a period not begun")
	_, err = sohoa.CloseProgress(ctx, c, sohoa.CloseRequest{Period: q1, UnitCode: "NOPE", Actor: "head", Now: after})
	requireCode(t, sohoa.ENOTFOUND, err)
	rows, err := c.FindProgressSnapshot(ctx, all)
	require.NoError(t, err)
	assert.Empty(t, rows)

	// DEP1's subtree early, then the rest after the deadline.
	res, err := sohoa.CloseProgress(ctx, c, sohoa.CloseRequest{Period: q1, UnitCode: "DEP1", Actor: "head", Now: before, Early: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"DEP1", "OSS1", "OSS2"}, res.Units)
	assert.True(t, res.Early)
	res, err = sohoa.CloseProgress(ctx, c, sohoa.CloseRequest{Period: q1, Actor: "system:close", Now: after})
	require.NoError(t, err)
	assert.Equal(t, []string{"MIN", "DEP2", "OSS3"}, res.Units, "tree order")
	assert.Equal(t, 3, res.AlreadyClosed)
	assert.False(t, res.Early)

	rows, err = c.FindProgressSnapshot(ctx, all)
	require.NoError(t, err)
	require.Equal(t, []string{"DEP1", "DEP2", "MIN", "OSS1", "OSS2", "OSS3"}, snapshotCodes(rows))
	oss1 := rows[3]
	assert.Equal(t, sohoa.ProgressSnapshotRow{Period: "2026-Q1", UnitCode: "OSS1", Name: "Bộ phận Một cửa 1", ParentCode: "DEP1",
		ClosedAt: before, ClosedBy: "head", Early: true, Targets: sohoa.DefaultTargets(),
		Own:    sohoa.FigureCounts{Received: 6, Digitized: 3, Resolved: 2, ResultsDigitized: 1, ReportsDue: 1, ReportsSigned: 1, ReportsOnTime: 1, ScannedChecked: 5},
		Total:  sohoa.FigureCounts{Received: 6, Digitized: 3, Resolved: 2, ResultsDigitized: 1, ReportsDue: 1, ReportsSigned: 1, ReportsOnTime: 1, ScannedChecked: 5},
		Report: sohoa.ReportOnTime, ReportSubmittedAt: ptrTime(time.Date(2026, 3, 25, 16, 59, 59, 0, time.UTC))}, oss1)
	min := rows[2]
	assert.Equal(t, "", min.ParentCode)
	assert.Equal(t, after, min.ClosedAt)
	assert.Equal(t, "system:close", min.ClosedBy)
	assert.Equal(t, sohoa.FigureCounts{Received: 9, Digitized: 5, Resolved: 3, ResultsDigitized: 2, ReportsDue: 6, ReportsSigned: 3, ReportsOnTime: 2, ScannedChecked: 7}, min.Total)
	assert.Equal(t, sohoa.ReportMissing, min.Report)
	assert.Nil(t, min.ReportSubmittedAt)

	// A row closed before migration 00013 has no scanned-and-checked
	// counts (NULL): it reads as its digitized counts, which counted that.
	if s.tamper != nil {
		s.tamper.Exec(t, c, `INSERT INTO progress_snapshots (period, unit_code, unit_name, parent_code, closed_at, closed_by, early,
			report_status, report_submitted_at, target_digitized, target_results, target_reports,
			own_received, own_digitized, own_resolved, own_results_digitized, own_reports_due, own_reports_signed, own_reports_on_time,
			total_received, total_digitized, total_resolved, total_results_digitized, total_reports_due, total_reports_signed, total_reports_on_time)
			SELECT '2025-Q4', unit_code, unit_name, parent_code, closed_at, closed_by, early,
			report_status, report_submitted_at, target_digitized, target_results, target_reports,
			own_received, own_digitized, own_resolved, own_results_digitized, own_reports_due, own_reports_signed, own_reports_on_time,
			total_received, total_digitized, total_resolved, total_results_digitized, total_reports_due, total_reports_signed, total_reports_on_time
			FROM progress_snapshots WHERE period = '2026-Q1' AND unit_code = 'OSS1'`)
		q4, err := sohoa.ParsePeriod("2025-Q4")
		require.NoError(t, err)
		legacy, err := c.FindProgressSnapshot(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: q4})
		require.NoError(t, err)
		require.Len(t, legacy, 1)
		assert.Equal(t, int64(3), legacy[0].Own.ScannedChecked)
		assert.Equal(t, int64(3), legacy[0].Total.ScannedChecked)
	}

	// Closing again, all or a part, is a conflict.
	_, err = sohoa.CloseProgress(ctx, c, sohoa.CloseRequest{Period: q1, Actor: "head", Now: after})
	requireCode(t, sohoa.ECONFLICT, err)
	assert.Contains(t, err.Error(), "by system:close")
	_, err = sohoa.CloseProgress(ctx, c, sohoa.CloseRequest{Period: q1, UnitCode: "OSS2", Actor: "head", Now: after})
	requireCode(t, sohoa.ECONFLICT, err)
	assert.Len(t, audits(t, c, sohoa.ActionProgressClose), 2)

	// A late upload: P-A3 becomes digitized, and a new dossier arrives
	// for Q1 at OSS2.
	digitized := sohoa.DigitizationDigitized
	_, err = c.UpdateDossier(ctx, "P-A3", sohoa.DossierUpdate{DigitizationState: &digitized})
	require.NoError(t, err)
	s.dossier(t, c, "P-LATE", "OSS2", time.Date(2026, 2, 1, 2, 0, 0, 0, time.UTC))

	rows2, err := c.FindProgressSnapshot(ctx, all)
	require.NoError(t, err)
	assert.Equal(t, rows, rows2, "the snapshot is never rewritten")
	counts, err := c.CountProgress(ctx, all)
	require.NoError(t, err)
	live := sohoa.BuildProgress(sohoa.ProgressInput{Period: q1, Counts: counts, Now: after.Add(time.Hour)})
	assert.Equal(t, int64(10), live.Total.Received)
	assert.Equal(t, int64(6), live.Total.Digitized.Count)
	official, info, changes := sohoa.ApplySnapshot(live, rows2)
	require.NotNil(t, official)
	assert.Equal(t, int64(9), official.Total.Received)
	assert.Equal(t, int64(5), official.Total.Digitized.Count)
	assert.Equal(t, int64(4), official.Total.Digitized.Gap)
	assert.Equal(t, after, info.ClosedAt)
	assert.Equal(t, "system:close", info.ClosedBy)
	assert.Empty(t, info.OpenUnits)
	var text []string
	for _, ch := range changes {
		text = append(text, ch.String())
	}
	assert.Equal(t, []string{
		"MIN: received 9 (snapshot) → 10 (now)", "MIN: digitized 5 (snapshot) → 6 (now)",
		"DEP1: received 8 (snapshot) → 9 (now)", "DEP1: digitized 4 (snapshot) → 5 (now)",
		"OSS1: digitized 3 (snapshot) → 4 (now)",
		"OSS2: received 2 (snapshot) → 3 (now)",
	}, text)

	// The rows of a subtree, within a scope.
	rows, err = c.FindProgressSnapshot(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: "DEP1", Period: q1})
	require.NoError(t, err)
	assert.Equal(t, []string{"DEP1", "OSS1", "OSS2"}, snapshotCodes(rows))
	rows, err = c.FindProgressSnapshot(ctx, sohoa.ProgressFilter{Scope: sohoa.ScopeOf("DEP2"), Period: q1})
	require.NoError(t, err)
	assert.Equal(t, []string{"DEP2", "OSS3"}, snapshotCodes(rows))
	q2, _ := sohoa.ParsePeriod("2026-Q2")
	rows, err = c.FindProgressSnapshot(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: q2})
	require.NoError(t, err)
	assert.Empty(t, rows)
	_, err = c.FindProgressSnapshot(ctx, sohoa.ProgressFilter{Period: q1})
	requireCode(t, sohoa.EFORBIDDEN, err)

	// The rows themselves: one period, known units, sane values.
	row := func(unit string) sohoa.ProgressSnapshotRow {
		return sohoa.ProgressSnapshotRow{Period: "2026-Q2", UnitCode: unit, Name: "x", ClosedAt: after, ClosedBy: "head",
			Targets: sohoa.DefaultTargets(), Report: sohoa.ReportPending}
	}
	require.NoError(t, c.CreateProgressSnapshot(ctx, []sohoa.ProgressSnapshotRow{row("OSS3")}))
	requireCode(t, sohoa.ECONFLICT, c.CreateProgressSnapshot(ctx, []sohoa.ProgressSnapshotRow{row("OSS2"), row("OSS3")}))
	requireCode(t, sohoa.EINVALID, c.CreateProgressSnapshot(ctx, []sohoa.ProgressSnapshotRow{row("NOPE")}))
	requireCode(t, sohoa.EINVALID, c.CreateProgressSnapshot(ctx, nil))
	bad := row("OSS2")
	bad.Own.Received = -1
	requireCode(t, sohoa.EINVALID, c.CreateProgressSnapshot(ctx, []sohoa.ProgressSnapshotRow{bad}))
	bad = row("OSS2")
	bad.Report = "lost"
	requireCode(t, sohoa.EINVALID, c.CreateProgressSnapshot(ctx, []sohoa.ProgressSnapshotRow{bad}))
	other := row("OSS1")
	other.Period = "2026-Q3"
	requireCode(t, sohoa.EINVALID, c.CreateProgressSnapshot(ctx, []sohoa.ProgressSnapshotRow{row("OSS2"), other}))
	rows, err = c.FindProgressSnapshot(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: q2})
	require.NoError(t, err)
	assert.Equal(t, []string{"OSS3"}, snapshotCodes(rows), "a failed write writes nothing")
}

func ptrTime(t time.Time) *time.Time { return &t }

// Per-unit targets change the gaps; a run's override replaces them all.
func (s *suite) testProgressTargets(t *testing.T) {
	c := s.progressFixture(t)
	ctx := t.Context()
	q1, _ := sohoa.ParsePeriod("2026-Q1")
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	build := func(override int) map[string]sohoa.UnitProgress {
		counts, err := c.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: q1})
		require.NoError(t, err)
		out := map[string]sohoa.UnitProgress{}
		for _, u := range sohoa.BuildProgress(sohoa.ProgressInput{Period: q1, Counts: counts, Now: now, Target: override}).Units {
			out[u.Code] = u
		}
		return out
	}
	u := build(0)
	assert.Equal(t, int64(3), u["OSS1"].Own.Digitized.Gap, "3 of 6 toward 100%")
	assert.Equal(t, int64(1), u["OSS1"].Own.ResultsDigitized.Gap)
	assert.Equal(t, sohoa.DefaultTargets(), u["OSS1"].Targets)

	tg := &sohoa.UnitTargets{UnitCode: "OSS1", Targets: sohoa.Targets{Digitized: 90, Results: 100, Reports: 100}}
	require.NoError(t, c.SetUnitTargets(ctx, tg))
	assert.False(t, tg.UpdatedAt.IsZero())
	tg = &sohoa.UnitTargets{UnitCode: "OSS1", Targets: sohoa.Targets{Digitized: 50, Results: 50, Reports: 80}}
	require.NoError(t, c.SetUnitTargets(ctx, tg), "replaces")
	require.NoError(t, c.SetUnitTargets(ctx, &sohoa.UnitTargets{UnitCode: "DEP2", Targets: sohoa.Targets{Digitized: 100, Results: 100, Reports: 50}}))

	counts, err := c.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: "DEP1", Period: q1})
	require.NoError(t, err)
	require.Len(t, counts, 3)
	assert.Nil(t, counts[0].Targets, "DEP1 has none")
	assert.Equal(t, &sohoa.Targets{Digitized: 50, Results: 50, Reports: 80}, counts[1].Targets)

	u = build(0)
	assert.Equal(t, int64(0), u["OSS1"].Own.Digitized.Gap, "3 of 6 meets 50%")
	assert.Equal(t, 50, u["OSS1"].Own.Digitized.Target)
	assert.Equal(t, int64(0), u["OSS1"].Own.ResultsDigitized.Gap)
	assert.Equal(t, int64(0), u["OSS1"].Total.Digitized.Gap, "the subtree uses the unit's targets")
	assert.Equal(t, int64(4), u["DEP1"].Total.Digitized.Gap, "DEP1's own targets are the defaults")
	assert.Equal(t, int64(1), u["DEP2"].Total.ReportsSigned.Gap, "0 of 2 signed, 50% needs 1")
	assert.Equal(t, 50, u["DEP2"].Total.ReportsOnTime.Target)
	u = build(100)
	assert.Equal(t, int64(3), u["OSS1"].Own.Digitized.Gap, "the override")

	got, err := c.FindUnitTargets(ctx, sohoa.UnitFilter{Scope: sohoa.AllUnits})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "DEP2", got[0].UnitCode)
	assert.Equal(t, "OSS1", got[1].UnitCode)
	assert.Equal(t, sohoa.Targets{Digitized: 50, Results: 50, Reports: 80}, got[1].Targets)
	assert.Equal(t, tg.UpdatedAt, got[1].UpdatedAt)
	got, err = c.FindUnitTargets(ctx, sohoa.UnitFilter{Scope: sohoa.ScopeOf("DEP1")})
	require.NoError(t, err)
	require.Len(t, got, 1)

	requireCode(t, sohoa.EINVALID, c.SetUnitTargets(ctx, &sohoa.UnitTargets{UnitCode: "NOPE", Targets: sohoa.DefaultTargets()}))
	requireCode(t, sohoa.EINVALID, c.SetUnitTargets(ctx, &sohoa.UnitTargets{UnitCode: "OSS2", Targets: sohoa.Targets{Digitized: 0, Results: 100, Reports: 100}}))
	requireCode(t, sohoa.EINVALID, c.SetUnitTargets(ctx, &sohoa.UnitTargets{UnitCode: "OSS2", Targets: sohoa.Targets{Digitized: 100, Results: 101, Reports: 100}}))
	require.NoError(t, c.DeleteUnitTargets(ctx, "OSS1"))
	requireCode(t, sohoa.ENOTFOUND, c.DeleteUnitTargets(ctx, "OSS1"))
	u = build(0)
	assert.Equal(t, int64(3), u["OSS1"].Own.Digitized.Gap, "back to 100%")
}

// The scheduled close run by several processes at once closes each due
// period once.
func (s *suite) testCloseDueConcurrent(t *testing.T) {
	c := s.progressFixture(t)
	ctx := t.Context()
	now := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	results := make([][]*sohoa.CloseResult, 3)
	errs := make([]error, 3)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = sohoa.CloseDuePeriods(ctx, c, now, "system:worker")
		}()
	}
	wg.Wait()
	closed := map[string]int{}
	for i := range results {
		require.NoError(t, errs[i])
		for _, r := range results[i] {
			closed[r.Period] += len(r.Units)
		}
	}
	// The latest month, quarter and year whose reports were due by 1 Apr.
	assert.Equal(t, map[string]int{"2026-03": 6, "2026-Q1": 6, "2025": 6}, closed)
	assert.Len(t, audits(t, c, sohoa.ActionProgressClose), 3)
	for _, p := range []string{"2026-03", "2026-Q1", "2025"} {
		period, _ := sohoa.ParsePeriod(p)
		rows, err := c.FindProgressSnapshot(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: period})
		require.NoError(t, err)
		assert.Len(t, rows, 6, p)
	}
	again, err := sohoa.CloseDuePeriods(ctx, c, now.Add(time.Hour), "system:worker")
	require.NoError(t, err)
	assert.Empty(t, again)
	assert.Len(t, audits(t, c, sohoa.ActionProgressClose), 3)
}
