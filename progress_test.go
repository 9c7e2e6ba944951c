package sohoa_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func ptr[T any](v T) *T { return &v }

func q1(t *testing.T) sohoa.Period {
	t.Helper()
	p, err := sohoa.ParsePeriod("2026-Q1")
	require.NoError(t, err)
	return p
}

func TestNewFigure(t *testing.T) {
	for _, tc := range []struct {
		count, of int64
		target    int
		rate      *float64
		gap       int64
		points    *float64
	}{
		{7, 10, 100, ptr(70.0), 3, ptr(30.0)},
		{2, 3, 100, ptr(66.67), 1, ptr(33.33)},
		{10, 10, 100, ptr(100.0), 0, ptr(0.0)},
		{0, 4, 100, ptr(0.0), 4, ptr(100.0)},
		{0, 0, 100, nil, 0, nil}, // nothing to measure: no rate, no gap
		{8, 10, 90, ptr(80.0), 1, ptr(10.0)},
		{9, 10, 90, ptr(90.0), 0, ptr(0.0)},
		{1, 3, 90, ptr(33.33), 2, ptr(56.67)}, // 90% of 3 needs 3 (2.7 rounded up)
		{2, 3, 50, ptr(66.67), 0, ptr(0.0)},   // above the target: no gap
	} {
		f := sohoa.NewFigure(tc.count, tc.of, tc.target)
		assert.Equal(t, tc.rate, f.Rate, "%d/%d", tc.count, tc.of)
		assert.Equal(t, tc.gap, f.Gap, "%d/%d at %d%%", tc.count, tc.of, tc.target)
		assert.Equal(t, tc.points, f.GapPoints, "%d/%d at %d%%", tc.count, tc.of, tc.target)
		assert.Equal(t, tc.target, f.Target)
	}
}

// The boundaries the figures count with, on instants as the catalog
// stores them (UTC): the cut-off on the 14th, the year turn, and a time
// just before midnight in Vietnam, which is still the previous day there.
func TestProgressPeriodBoundaries(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min, s int) time.Time {
		return time.Date(y, m, d, h, min, s, 0, time.UTC)
	}
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{utc(2026, 3, 14, 16, 59, 59), "2026-Q1"},  // 14 Mar 23:59:59 in Vietnam: last second of Q1
		{utc(2026, 3, 14, 17, 0, 0), "2026-Q2"},    // 15 Mar 00:00 in Vietnam
		{utc(2026, 3, 14, 23, 0, 0), "2026-Q2"},    // still 14 Mar in UTC, already the 15th in Vietnam
		{utc(2025, 12, 14, 16, 59, 59), "2025-Q4"}, // year turn: 14 Dec 2025 ends Q4 2025
		{utc(2025, 12, 14, 17, 0, 0), "2026-Q1"},   // 15 Dec 2025 begins Q1 2026
		{utc(2025, 12, 31, 17, 30, 0), "2026-Q1"},  // New Year's morning in Vietnam
	} {
		got := sohoa.PeriodOf(sohoa.PeriodQuarter, tc.at)
		assert.Equal(t, tc.want, got.String(), "%s", tc.at)
		assert.True(t, got.Contains(tc.at))
	}

	// The report deadline is the end of the 25th in Vietnam.
	p := q1(t)
	assert.Equal(t, utc(2026, 3, 25, 17, 0, 0), sohoa.ReportDeadline(p).UTC())
	signedAt := func(at time.Time) sohoa.ReportStatus {
		return sohoa.ReportStatusOf(sohoa.UnitCounts{Reports: 1, FirstReportAt: &at, FirstSignedReportAt: &at}, p, at)
	}
	assert.Equal(t, sohoa.ReportOnTime, signedAt(utc(2026, 3, 25, 16, 59, 59))) // 25 Mar 23:59:59 in Vietnam
	assert.Equal(t, sohoa.ReportLate, signedAt(utc(2026, 3, 25, 17, 0, 0)))     // 26 Mar 00:00 in Vietnam
	assert.Equal(t, sohoa.ReportOnTime, signedAt(utc(2026, 1, 2, 3, 0, 0)), "early is on time")

	before, after := utc(2026, 3, 25, 16, 0, 0), utc(2026, 3, 25, 17, 0, 0)
	assert.Equal(t, sohoa.ReportPending, sohoa.ReportStatusOf(sohoa.UnitCounts{}, p, before))
	assert.Equal(t, sohoa.ReportMissing, sohoa.ReportStatusOf(sohoa.UnitCounts{}, p, after))
	assert.Equal(t, sohoa.ReportUnsigned, sohoa.ReportStatusOf(sohoa.UnitCounts{Reports: 2, FirstReportAt: &before}, p, after))
}

// The tree of the hand-built data set:
//
//	MIN
//	├── DEP1
//	│   ├── OSS1
//	│   └── OSS2
//	└── DEP2
//	    └── OSS3
func handCounts() []sohoa.UnitCounts {
	onTime := time.Date(2026, 3, 20, 3, 0, 0, 0, time.UTC)
	late := time.Date(2026, 3, 27, 3, 0, 0, 0, time.UTC)
	unsigned := time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)
	// Given out of order: BuildProgress orders them as a tree.
	return []sohoa.UnitCounts{
		{UnitCode: "OSS2", Name: "Một cửa 2", ParentCode: "DEP1", Received: 4, ReceivedDigitized: 1, ReceivedScannedChecked: 3, Resolved: 0,
			Reports: 1, FirstReportAt: &late, FirstSignedReportAt: &late},
		{UnitCode: "MIN", Name: "Bộ"},
		{UnitCode: "DEP2", Name: "Cục 2", ParentCode: "MIN", Reports: 1, FirstReportAt: &unsigned},
		{UnitCode: "OSS1", Name: "Một cửa 1", ParentCode: "DEP1", Received: 10, ReceivedDigitized: 7, ReceivedScannedChecked: 9, Resolved: 3, ResolvedDigitized: 2,
			Reports: 2, FirstReportAt: &unsigned, FirstSignedReportAt: &onTime},
		{UnitCode: "DEP1", Name: "Cục 1", ParentCode: "MIN", Received: 1, ReceivedDigitized: 1, ReceivedScannedChecked: 1, Resolved: 1, ResolvedDigitized: 1},
		{UnitCode: "OSS3", Name: "Một cửa 3", ParentCode: "DEP2", Received: 5, ReceivedDigitized: 5, ReceivedScannedChecked: 5, Resolved: 2, ResolvedDigitized: 1,
			Reports: 1, FirstReportAt: &onTime, FirstSignedReportAt: &onTime},
	}
}

func TestBuildProgress(t *testing.T) {
	now := time.Date(2026, 3, 30, 1, 0, 0, 0, time.UTC) // after the deadline
	got := sohoa.BuildProgress(sohoa.ProgressInput{Period: q1(t), Counts: handCounts(), Now: now})

	assert.Equal(t, "2026-Q1", got.Period)
	assert.Equal(t, "2025-12-15", got.FirstDay)
	assert.Equal(t, "2026-03-14", got.LastDay)
	assert.Equal(t, "2026-03-25", got.DueDate)
	assert.Equal(t, -5, got.DaysToDue)
	assert.Equal(t, 100, got.Target)

	var order []string
	for _, u := range got.Units {
		order = append(order, u.Code)
	}
	require.Equal(t, []string{"MIN", "DEP1", "OSS1", "OSS2", "DEP2", "OSS3"}, order, "tree order, children by code")
	row := map[string]sohoa.UnitProgress{}
	for _, u := range got.Units {
		row[u.Code] = u
	}
	assert.Equal(t, 0, row["MIN"].Depth)
	assert.Equal(t, 2, row["OSS1"].Depth)
	assert.Equal(t, 5, row["MIN"].Subunits)
	assert.Equal(t, 2, row["DEP1"].Subunits)
	assert.Equal(t, 0, row["OSS3"].Subunits)

	// Report status per unit, at now (after the 25th).
	assert.Equal(t, sohoa.ReportMissing, row["MIN"].Report)
	assert.Equal(t, sohoa.ReportMissing, row["DEP1"].Report)
	assert.Equal(t, sohoa.ReportOnTime, row["OSS1"].Report)
	assert.Equal(t, sohoa.ReportLate, row["OSS2"].Report)
	assert.Equal(t, sohoa.ReportUnsigned, row["DEP2"].Report)
	assert.Equal(t, sohoa.ReportOnTime, row["OSS3"].Report)
	assert.Equal(t, time.Date(2026, 3, 20, 3, 0, 0, 0, time.UTC), *row["OSS1"].ReportSubmittedAt, "the first signed one")
	assert.Equal(t, time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC), *row["DEP2"].ReportSubmittedAt)
	assert.Nil(t, row["MIN"].ReportSubmittedAt)

	type want struct {
		received, digitized, digitizedGap int64
		digitizedRate                     *float64
		resolved, results, resultsGap     int64
		resultsRate                       *float64
		due, signed, onTime               int64
		signedRate, onTimeRate            float64
		signedGap, onTimeGap              int64
	}
	check := func(name string, f sohoa.Figures, w want) {
		t.Helper()
		assert.Equal(t, w.received, f.Received, name+" received")
		assert.Equal(t, w.digitized, f.Digitized.Count, name+" digitized")
		assert.Equal(t, w.received, f.Digitized.Of, name+" digitized of")
		assert.Equal(t, w.digitizedRate, f.Digitized.Rate, name+" digitized rate")
		assert.Equal(t, w.digitizedGap, f.Digitized.Gap, name+" digitized gap")
		assert.Equal(t, w.resolved, f.Resolved, name+" resolved")
		assert.Equal(t, w.results, f.ResultsDigitized.Count, name+" results digitized")
		assert.Equal(t, w.resultsRate, f.ResultsDigitized.Rate, name+" results rate")
		assert.Equal(t, w.resultsGap, f.ResultsDigitized.Gap, name+" results gap")
		assert.Equal(t, w.due, f.ReportsDue, name+" reports due")
		assert.Equal(t, w.signed, f.ReportsSigned.Count, name+" reports signed")
		assert.Equal(t, w.signedRate, *f.ReportsSigned.Rate, name+" signed rate")
		assert.Equal(t, w.signedGap, f.ReportsSigned.Gap, name+" signed gap")
		assert.Equal(t, w.onTime, f.ReportsOnTime.Count, name+" on time")
		assert.Equal(t, w.onTimeRate, *f.ReportsOnTime.Rate, name+" on-time rate")
		assert.Equal(t, w.onTimeGap, f.ReportsOnTime.Gap, name+" on-time gap")
	}
	// Alone.
	check("OSS1 own", row["OSS1"].Own, want{10, 7, 3, ptr(70.0), 3, 2, 1, ptr(66.67), 1, 1, 1, 100, 100, 0, 0})
	check("OSS2 own", row["OSS2"].Own, want{4, 1, 3, ptr(25.0), 0, 0, 0, nil, 1, 1, 0, 100, 0, 0, 1})
	check("DEP1 own", row["DEP1"].Own, want{1, 1, 0, ptr(100.0), 1, 1, 0, ptr(100.0), 1, 0, 0, 0, 0, 1, 1})
	check("MIN own", row["MIN"].Own, want{0, 0, 0, nil, 0, 0, 0, nil, 1, 0, 0, 0, 0, 1, 1})
	// A unit without subunits: the total is its own.
	assert.Equal(t, row["OSS3"].Own, row["OSS3"].Total)
	// Rolled up: DEP1 = DEP1 + OSS1 + OSS2; DEP2 = DEP2 + OSS3; MIN = all six.
	check("DEP1 total", row["DEP1"].Total, want{15, 9, 6, ptr(60.0), 4, 3, 1, ptr(75.0), 3, 2, 1, 66.67, 33.33, 1, 2})
	check("DEP2 total", row["DEP2"].Total, want{5, 5, 0, ptr(100.0), 2, 1, 1, ptr(50.0), 2, 1, 1, 50, 50, 1, 1})
	check("MIN total", row["MIN"].Total, want{20, 14, 6, ptr(70.0), 6, 4, 2, ptr(66.67), 6, 3, 2, 50, 33.33, 3, 4})
	assert.Equal(t, row["MIN"].Total, got.Total, "one top: the total is its subtree")

	// Scanned and checked: of received, against the digitized target.
	assert.Equal(t, sohoa.Figure{Count: 9, Of: 10, Rate: ptr(90.0), Target: 100, Gap: 1, GapPoints: ptr(10.0)}, row["OSS1"].Own.ScannedChecked)
	assert.Equal(t, sohoa.Figure{Count: 13, Of: 15, Rate: ptr(86.67), Target: 100, Gap: 2, GapPoints: ptr(13.33)}, row["DEP1"].Total.ScannedChecked)
	assert.Equal(t, sohoa.Figure{Count: 18, Of: 20, Rate: ptr(90.0), Target: 100, Gap: 2, GapPoints: ptr(10.0)}, got.Total.ScannedChecked)
	assert.Nil(t, row["MIN"].Own.ScannedChecked.Rate)

	// The JSON shape: ISO dates beside the figures, rates as numbers or null.
	raw, err := json.Marshal(got)
	require.NoError(t, err)
	var shape map[string]any
	require.NoError(t, json.Unmarshal(raw, &shape))
	assert.Equal(t, "2025-12-15", shape["first_day"])
	assert.Equal(t, "2026-03-14", shape["last_day"])
	assert.Equal(t, "2026-03-25", shape["due_date"])
	units := shape["units"].([]any)
	oss2 := units[3].(map[string]any)["own"].(map[string]any)
	assert.Nil(t, oss2["results_digitized"].(map[string]any)["rate"], "no resolved dossier: rate null")
	assert.InDelta(t, 25.0, oss2["digitized"].(map[string]any)["rate"], 0)
	assert.InDelta(t, 75.0, oss2["scanned_checked"].(map[string]any)["rate"], 0)
}

func TestBuildProgressSubsetAndTarget(t *testing.T) {
	// Only DEP1's subtree (as the catalog returns it for --unit DEP1), a 90%
	// target, before the deadline.
	var counts []sohoa.UnitCounts
	for _, c := range handCounts() {
		if c.UnitCode == "DEP1" || c.ParentCode == "DEP1" {
			counts = append(counts, c)
		}
	}
	now := time.Date(2026, 3, 14, 17, 30, 0, 0, time.UTC) // 15 Mar in Vietnam
	got := sohoa.BuildProgress(sohoa.ProgressInput{Period: q1(t), Unit: "DEP1", Counts: counts, Now: now, Target: 90})
	require.Len(t, got.Units, 3)
	assert.Equal(t, "DEP1", got.Units[0].Code)
	assert.Equal(t, 0, got.Units[0].Depth, "the unit asked for is the top")
	assert.Equal(t, 10, got.DaysToDue)
	assert.Equal(t, sohoa.ReportPending, got.Units[0].Report, "before the deadline nothing is missing yet")
	// 9 of 15 digitized: 90% needs 14 (13.5 rounded up), so 5 more.
	assert.Equal(t, int64(5), got.Total.Digitized.Gap)
	assert.Equal(t, 90, got.Total.Digitized.Target)
	assert.Equal(t, ptr(30.0), got.Total.Digitized.GapPoints)

	empty := sohoa.BuildProgress(sohoa.ProgressInput{Period: q1(t), Now: now})
	assert.Empty(t, empty.Units)
	assert.NotNil(t, empty.Units, "an empty list, not null, in JSON")
	assert.Nil(t, empty.Total.Digitized.Rate)
}

func TestGapFilter(t *testing.T) {
	f := sohoa.ProgressFilter{Scope: sohoa.ScopeOf("MIN"), UnitCode: "DEP1", Period: q1(t)}
	df, err := f.GapFilter(sohoa.GapDigitized, "", 20)
	require.NoError(t, err)
	assert.Equal(t, []sohoa.DigitizationState{sohoa.DigitizationIncomplete}, df.States)
	assert.True(t, df.IncludeSubunits)
	assert.Equal(t, q1(t).Start().UTC(), df.ReceivedFrom)
	assert.Equal(t, q1(t).End().UTC(), df.ReceivedBefore)
	assert.True(t, df.ResolvedFrom.IsZero())
	assert.Equal(t, 20, df.Limit)

	df, err = f.GapFilter(sohoa.GapResultsDigitized, "", 0)
	require.NoError(t, err)
	assert.Equal(t, []sohoa.DossierStatus{sohoa.StatusResolved}, df.Statuses)
	assert.Equal(t, q1(t).Start().UTC(), df.ResolvedFrom)
	assert.True(t, df.ReceivedFrom.IsZero())

	_, err = f.GapFilter("reports", "", 0)
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
	_, err = sohoa.ProgressFilter{Period: q1(t)}.GapFilter(sohoa.GapDigitized, "", 0)
	assert.Equal(t, sohoa.EFORBIDDEN, sohoa.Code(err), "the zero scope")
	_, err = sohoa.ProgressFilter{Scope: sohoa.AllUnits}.GapFilter(sohoa.GapDigitized, "", 0)
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err), "no period")
}
