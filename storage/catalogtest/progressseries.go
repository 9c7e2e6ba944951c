package catalogtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/report"
)

// testProgressSeries: CountProgressSeries gives, for every period, what
// CountProgress gives for it alone — on the hand-built data set, for
// eight quarters, for periods with gaps between them and for months,
// over every unit, a subtree, a scope and none; and report.ReadTrend
// gives what ReadProgress gives, with one quarter closed and one closed
// for a part of the units.
func (s *suite) testProgressSeries(t *testing.T) {
	c := s.progressFixture(t)
	ctx := t.Context()
	utc := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	// More quarters with dossiers: one received a year earlier and
	// resolved two quarters later, one at the start of 2025-Q3.
	resolvedAt := utc(2025, 9, 1, 2)
	require.NoError(t, c.CreateDossier(ctx, &sohoa.Dossier{Code: "P-OLD", UnitCode: "OSS3", ProcedureCode: "1.001",
		ReceivedAt: utc(2025, 3, 1, 2), Status: sohoa.StatusResolved, ResolvedAt: &resolvedAt, DigitizationState: sohoa.DigitizationDigitized}))
	s.dossier(t, c, "P-Q3", "OSS2", time.Date(2025, 6, 14, 17, 0, 0, 0, time.UTC)) // 2025-Q3's first instant
	require.NoError(t, c.SetUnitTargets(ctx, &sohoa.UnitTargets{UnitCode: "OSS1", Targets: sohoa.Targets{Digitized: 80, Results: 70, Reports: 60}}))

	quarters := func(last string, n int) []sohoa.Period {
		p, err := sohoa.ParsePeriod(last)
		require.NoError(t, err)
		out := make([]sohoa.Period, n)
		for i := n - 1; i >= 0; i-- {
			out[i] = p
			p = p.Previous()
		}
		return out
	}
	parse := func(names ...string) []sohoa.Period {
		var out []sohoa.Period
		for _, n := range names {
			p, err := sohoa.ParsePeriod(n)
			require.NoError(t, err)
			out = append(out, p)
		}
		return out
	}
	filters := []sohoa.ProgressFilter{
		{Scope: sohoa.AllUnits},
		{Scope: sohoa.AllUnits, UnitCode: "DEP1"},
		{Scope: sohoa.ScopeOf("OSS1", "OSS3")},
		{Scope: sohoa.ScopeOf("DEP1"), UnitCode: "OSS2"},
		{Scope: sohoa.ScopeOf("OSS3"), UnitCode: "DEP1"},
		{Scope: sohoa.AllUnits, UnitCode: "NOPE"},
	}
	nonEmpty := 0
	for _, periods := range [][]sohoa.Period{
		quarters("2026-Q2", sohoa.MaxSeriesPeriods),
		quarters("2026-Q1", 8),
		parse("2025-Q1", "2025-Q3", "2026-Q1", "2026-Q2"), // gaps between
		parse("2026-01", "2026-02", "2026-03"),
		parse("2026-Q1"),
	} {
		for _, f := range filters {
			series, err := c.CountProgressSeries(ctx, f, periods)
			require.NoError(t, err)
			require.Len(t, series, len(periods))
			for i, p := range periods {
				one := f
				one.Period = p
				want, err := c.CountProgress(ctx, one)
				require.NoError(t, err)
				assert.Equal(t, want, series[i], "%s, %v %s", p, f.Scope, f.UnitCode)
				for _, r := range want {
					if r.Received+r.Resolved+r.Reports > 0 {
						nonEmpty++
					}
				}
			}
		}
	}
	assert.Greater(t, nonEmpty, 30, "the comparison has counts to compare")

	q1 := parse("2026-Q1")[0]
	_, err := c.CountProgressSeries(ctx, sohoa.ProgressFilter{}, []sohoa.Period{q1})
	requireCode(t, sohoa.EFORBIDDEN, err)
	for _, bad := range [][]sohoa.Period{nil, parse("2026-Q1", "2025-Q4"), parse("2026-Q1", "2026-02"), quarters("2026-Q1", sohoa.MaxSeriesPeriods+1), {{}}} {
		_, err = c.CountProgressSeries(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits}, bad)
		requireCode(t, sohoa.EINVALID, err, "%v", bad)
	}

	// Inside a transaction it reads the transaction's writes.
	require.NoError(t, c.WithTx(ctx, func(tx sohoa.Catalog) error {
		s.dossier(t, tx, "P-TX", "OSS2", utc(2026, 1, 3, 2))
		series, err := tx.CountProgressSeries(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: "OSS2"}, parse("2025-Q4", "2026-Q1"))
		require.NoError(t, err)
		assert.Equal(t, int64(3), series[1][0].Received)
		return nil
	}))

	// The trend: 2025-Q4 closed for every unit, 2026-Q1 for DEP1's
	// subtree, then changes the snapshots do not see.
	q4 := parse("2025-Q4")[0]
	after := utc(2026, 4, 1, 1)
	_, err = sohoa.CloseProgress(ctx, c, sohoa.CloseRequest{Period: q4, Actor: "head", Now: after})
	require.NoError(t, err)
	_, err = sohoa.CloseProgress(ctx, c, sohoa.CloseRequest{Period: q1, UnitCode: "DEP1", Actor: "head", Now: after})
	require.NoError(t, err)
	digitized := sohoa.DigitizationDigitized
	_, err = c.UpdateDossier(ctx, "P-A6", sohoa.DossierUpdate{DigitizationState: &digitized}) // received in 2025-Q4
	require.NoError(t, err)
	s.dossier(t, c, "P-LATE", "OSS1", utc(2026, 2, 1, 2))
	periods := quarters("2026-Q1", 8)
	now := utc(2026, 4, 2, 1)
	for _, f := range filters[:4] {
		var want []*sohoa.Progress
		for _, p := range periods {
			one := f
			one.Period = p
			out, err := report.ReadProgress(ctx, c, one, now, 0)
			require.NoError(t, err)
			want = append(want, out.Progress)
		}
		got, err := report.ReadTrend(ctx, c, f, periods, now, 0, nil)
		require.NoError(t, err)
		assert.Equal(t, want, got, "no period known: %v %s", f.Scope, f.UnitCode)
		// Known: the last; 2025-Q4 then comes from its snapshot alone.
		got, err = report.ReadTrend(ctx, c, f, periods, now, 0, map[sohoa.Period]*sohoa.Progress{q1: want[7]})
		require.NoError(t, err)
		assert.Equal(t, want, got, "2026-Q1 known: %v %s", f.Scope, f.UnitCode)
		assert.Same(t, want[7], got[7])
	}
	// The snapshot is what the trend shows for 2025-Q4, not today's count.
	got, err := report.ReadTrend(ctx, c, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: "OSS1"}, parse("2025-Q4"), now, 0, nil)
	require.NoError(t, err)
	counts, err := c.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: "OSS1", Period: q4})
	require.NoError(t, err)
	assert.Equal(t, after, got[0].AsOf)
	assert.Equal(t, counts[0].ReceivedDigitized-1, got[0].Total.Digitized.Count, "P-A6 digitized after the close")
}
