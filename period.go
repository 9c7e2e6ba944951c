package sohoa

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Location is Asia/Ho_Chi_Minh, where dates are read and shown. Without a
// time-zone database it falls back to a fixed UTC+07:00 zone, which is
// exact: Vietnam has had no daylight saving since 1975.
func Location() *time.Location {
	locOnce.Do(func() {
		l, err := time.LoadLocation("Asia/Ho_Chi_Minh")
		if err != nil {
			l = time.FixedZone("ICT", 7*60*60)
		}
		loc = l
	})
	return loc
}

var (
	locOnce sync.Once
	loc     *time.Location
)

// PeriodKind is the length of a reporting period.
type PeriodKind int

const (
	PeriodMonth PeriodKind = iota + 1
	PeriodQuarter
	PeriodYear
)

// Period is a reporting period under Decree 09/2019 Art. 12 as the
// ministry applies it: data is cut off on the 14th, so
//
//   - a month M runs from the 15th of M-1 to the 14th of M,
//   - a quarter from the 15th of the month before it to the 14th of its
//     last month (Q1 = 15 Dec of the previous year – 14 Mar),
//   - a year from 15 Dec of the previous year to 14 Dec,
//
// and its report is due on the 25th of its last month (for a quarter, as
// the plan says; months and years follow the same rule).
type Period struct {
	Kind   PeriodKind
	Year   int
	Number int // month 1–12 or quarter 1–4; 0 for a year
}

// ParsePeriod reads "2026-Q1" (quarter), "2026-03" (month) or "2026"
// (year); anything else is EINVALID.
func ParsePeriod(s string) (Period, error) {
	bad := func() (Period, error) {
		return Period{}, invalidf("period %.20q is not YYYY, YYYY-Qn or YYYY-MM", s)
	}
	ys, rest, hasRest := strings.Cut(s, "-")
	if len(ys) != 4 {
		return bad()
	}
	year, err := strconv.Atoi(ys)
	if err != nil || year < 1900 || year > 9998 || strings.ContainsAny(ys, "+-") {
		return bad()
	}
	if !hasRest {
		return Period{Kind: PeriodYear, Year: year}, nil
	}
	if len(rest) == 2 && (rest[0] == 'Q' || rest[0] == 'q') && rest[1] >= '1' && rest[1] <= '4' {
		return Period{Kind: PeriodQuarter, Year: year, Number: int(rest[1] - '0')}, nil
	}
	if len(rest) == 2 && rest[0] >= '0' && rest[0] <= '1' && rest[1] >= '0' && rest[1] <= '9' {
		m := int(rest[0]-'0')*10 + int(rest[1]-'0')
		if m >= 1 && m <= 12 {
			return Period{Kind: PeriodMonth, Year: year, Number: m}, nil
		}
	}
	return bad()
}

// String is the canonical form ParsePeriod reads.
func (p Period) String() string {
	switch p.Kind {
	case PeriodQuarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.Number)
	case PeriodMonth:
		return fmt.Sprintf("%04d-%02d", p.Year, p.Number)
	case PeriodYear:
		return fmt.Sprintf("%04d", p.Year)
	}
	return "invalid-period"
}

// lastMonth is the calendar month the period ends in.
func (p Period) lastMonth() time.Month {
	switch p.Kind {
	case PeriodQuarter:
		return time.Month(p.Number * 3)
	case PeriodMonth:
		return time.Month(p.Number)
	}
	return time.December
}

// months is the period's length in months.
func (p Period) months() int {
	switch p.Kind {
	case PeriodQuarter:
		return 3
	case PeriodMonth:
		return 1
	}
	return 12
}

// FirstDay is the period's first day, at midnight in Asia/Ho_Chi_Minh.
func (p Period) FirstDay() time.Time {
	// time.Date normalises month 0 or negative months into the year before.
	return time.Date(p.Year, p.lastMonth()-time.Month(p.months()), 15, 0, 0, 0, 0, Location())
}

// LastDay is the period's last day (the 14th of its last month), at
// midnight in Asia/Ho_Chi_Minh.
func (p Period) LastDay() time.Time {
	return time.Date(p.Year, p.lastMonth(), 14, 0, 0, 0, 0, Location())
}

// DueDate is the day the period's report is due: the 25th of its last
// month, at midnight in Asia/Ho_Chi_Minh.
func (p Period) DueDate() time.Time {
	return time.Date(p.Year, p.lastMonth(), 25, 0, 0, 0, 0, Location())
}

// Start is the first instant of the period.
func (p Period) Start() time.Time { return p.FirstDay() }

// End is the first instant after the period (midnight starting the 15th
// of its last month), so [Start, End) covers it.
func (p Period) End() time.Time { return p.LastDay().AddDate(0, 0, 1) }

// Contains reports whether t falls in [Start, End).
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.Start()) && t.Before(p.End())
}

// PeriodOf returns the period of the given kind that t falls in.
func PeriodOf(kind PeriodKind, t time.Time) Period {
	lt := t.In(Location())
	y, m := lt.Year(), lt.Month()
	if lt.Day() >= 15 { // after the cut-off the next month's period has begun
		m++
		if m > time.December {
			m, y = time.January, y+1
		}
	}
	switch kind {
	case PeriodQuarter:
		return Period{Kind: PeriodQuarter, Year: y, Number: (int(m)-1)/3 + 1}
	case PeriodMonth:
		return Period{Kind: PeriodMonth, Year: y, Number: int(m)}
	}
	return Period{Kind: PeriodYear, Year: y}
}

// ParseTime reads an RFC 3339 timestamp, which must carry its zone (Z or
// an offset): a time without one is ambiguous (local or UTC?) and EINVALID.
// The result is in UTC.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		if _, err2 := time.Parse("2006-01-02T15:04:05.999999999", strings.TrimSpace(s)); err2 == nil {
			return time.Time{}, invalidf("time %q has no time zone; add Z or an offset like +07:00", s)
		}
		return time.Time{}, invalidf("time %.40q is not RFC 3339 (e.g. 2026-03-01T08:30:00+07:00)", s)
	}
	return t.UTC(), nil
}
