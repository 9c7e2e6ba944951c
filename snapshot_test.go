package sohoa_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/sohoa/sohoa"
)

// The scheduled close picks the latest period whose deadline (the end of
// the 25th in Vietnam, 17:00 UTC) has passed.
func TestLatestDuePeriod(t *testing.T) {
	for _, tc := range []struct {
		at                   time.Time
		month, quarter, year string
	}{
		{time.Date(2026, 3, 25, 16, 59, 59, 0, time.UTC), "2026-02", "2025-Q4", "2025"},
		{time.Date(2026, 3, 25, 17, 0, 0, 0, time.UTC), "2026-03", "2026-Q1", "2025"},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "2025-12", "2025-Q4", "2025"},
		{time.Date(2025, 12, 25, 16, 0, 0, 0, time.UTC), "2025-11", "2025-Q3", "2024"},
	} {
		assert.Equal(t, tc.month, sohoa.LatestDuePeriod(sohoa.PeriodMonth, tc.at).String(), "%s", tc.at)
		assert.Equal(t, tc.quarter, sohoa.LatestDuePeriod(sohoa.PeriodQuarter, tc.at).String(), "%s", tc.at)
		assert.Equal(t, tc.year, sohoa.LatestDuePeriod(sohoa.PeriodYear, tc.at).String(), "%s", tc.at)
	}
}

func TestCountdown(t *testing.T) {
	q1, _ := sohoa.ParsePeriod("2026-Q1")
	d := sohoa.ReportDeadline(q1)
	assert.Equal(t, "5 days 16 hours left", sohoa.CountdownTo(d, time.Date(2026, 3, 20, 1, 0, 0, 0, time.UTC)).String())
	assert.Equal(t, "0 days 1 hour left", sohoa.CountdownTo(d, d.Add(-time.Hour-time.Minute)).String())
	assert.Equal(t, sohoa.Countdown{Overdue: true}, sohoa.CountdownTo(d, d), "the deadline itself is late")
	assert.Equal(t, "overdue by 1 day 0 hours", sohoa.CountdownTo(d, d.Add(24*time.Hour+time.Minute)).String())
}
