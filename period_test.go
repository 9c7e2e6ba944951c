package sohoa_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func TestParsePeriodDesignExamples(t *testing.T) {
	const day = "2006-01-02"
	for _, tc := range []struct {
		in, canon, first, last, due string
	}{
		{"2026-Q1", "2026-Q1", "2025-12-15", "2026-03-14", "2026-03-25"},
		{"2026-q2", "2026-Q2", "2026-03-15", "2026-06-14", "2026-06-25"},
		{"2026-Q3", "2026-Q3", "2026-06-15", "2026-09-14", "2026-09-25"},
		{"2026-Q4", "2026-Q4", "2026-09-15", "2026-12-14", "2026-12-25"},
		{"2026-03", "2026-03", "2026-02-15", "2026-03-14", "2026-03-25"},
		{"2026-01", "2026-01", "2025-12-15", "2026-01-14", "2026-01-25"},
		{"2026-12", "2026-12", "2026-11-15", "2026-12-14", "2026-12-25"},
		{"2026", "2026", "2025-12-15", "2026-12-14", "2026-12-25"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			p, err := sohoa.ParsePeriod(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.canon, p.String())
			assert.Equal(t, tc.first, p.FirstDay().Format(day))
			assert.Equal(t, tc.last, p.LastDay().Format(day))
			assert.Equal(t, tc.due, p.DueDate().Format(day))
			assert.Equal(t, sohoa.Location(), p.FirstDay().Location())
		})
	}
}

func TestParsePeriodRejects(t *testing.T) {
	for _, s := range []string{"", "26", "2026-Q0", "2026-Q5", "2026-13", "2026-00", "2026-1", "2026-Q1x", "+026", "２０２６", "2026-W01", "1899"} {
		_, err := sohoa.ParsePeriod(s)
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(err), "%q", s)
	}
}

func TestPeriodBoundsAndPeriodOf(t *testing.T) {
	p, _ := sohoa.ParsePeriod("2026-Q1")
	// Start/End are instants: midnight in Ho Chi Minh City is 17:00 UTC the day before.
	assert.Equal(t, time.Date(2025, 12, 14, 17, 0, 0, 0, time.UTC), p.Start().UTC())
	assert.Equal(t, time.Date(2026, 3, 14, 17, 0, 0, 0, time.UTC), p.End().UTC())
	assert.True(t, p.Contains(time.Date(2026, 3, 14, 16, 59, 59, 0, time.UTC))) // 14 Mar 23:59:59 local
	assert.False(t, p.Contains(time.Date(2026, 3, 14, 17, 0, 0, 0, time.UTC)))  // 15 Mar 00:00 local

	loc := sohoa.Location()
	for _, tc := range []struct {
		at   time.Time
		kind sohoa.PeriodKind
		want string
	}{
		{time.Date(2025, 12, 15, 0, 0, 0, 0, loc), sohoa.PeriodQuarter, "2026-Q1"},
		{time.Date(2025, 12, 14, 23, 59, 0, 0, loc), sohoa.PeriodQuarter, "2025-Q4"},
		{time.Date(2026, 3, 14, 12, 0, 0, 0, loc), sohoa.PeriodQuarter, "2026-Q1"},
		{time.Date(2026, 3, 15, 0, 0, 0, 0, loc), sohoa.PeriodQuarter, "2026-Q2"},
		{time.Date(2026, 2, 20, 0, 0, 0, 0, loc), sohoa.PeriodMonth, "2026-03"},
		{time.Date(2025, 12, 31, 0, 0, 0, 0, loc), sohoa.PeriodYear, "2026"},
		{time.Date(2026, 12, 14, 0, 0, 0, 0, loc), sohoa.PeriodYear, "2026"},
	} {
		got := sohoa.PeriodOf(tc.kind, tc.at)
		assert.Equal(t, tc.want, got.String(), "%s", tc.at)
		assert.True(t, got.Contains(tc.at))
	}
}

func TestLocationFixedOffset(t *testing.T) {
	_, off := time.Date(2026, 6, 1, 0, 0, 0, 0, sohoa.Location()).Zone()
	assert.Equal(t, 7*3600, off)
}

func TestParseTime(t *testing.T) {
	got, err := sohoa.ParseTime("2026-03-01T08:30:00+07:00")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 1, 1, 30, 0, 0, time.UTC), got)
	assert.Equal(t, time.UTC, got.Location())
	_, err = sohoa.ParseTime("2026-03-01T08:30:00")
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
	assert.Contains(t, sohoa.Message(err), "no time zone")
	_, err = sohoa.ParseTime("yesterday")
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
}
