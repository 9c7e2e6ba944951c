package sohoa

import (
	"context"
	"math"
	"sort"
	"time"
)

// Progress figures: how far a unit is from the plan's targets in a
// reporting period, for the unit alone and rolled up over its subtree.
// The catalog counts (CountProgress, with SQL aggregates); the rules here
// turn the counts into rates and gaps, so every front end (CLI, exports,
// later the dashboard) computes them the same way.
//
// What the figures mean:
//
//   - received: dossiers whose received_at falls in the period.
//   - digitized (số hóa): of those, the ones whose stored digitization
//     state is digitized: the definition in digitization.go
//     (EvaluateDigitization): every required component has a document
//     that passed inspection and is a certified copy of the unit or a
//     born-digital file whose signatures passed; once resolved, the result
//     validly signed too.
//   - scanned and checked (đã quét và kiểm tra): of those, the ones whose
//     stored scan state is scanned_checked: every required component (and
//     once resolved the result) has a document that passed inspection and
//     no failed signature. Digitized dossiers are among them; a unit
//     without a signing key sees its progress here.
//   - resolved (đã giải quyết): dossiers whose status is resolved and whose
//     resolved_at falls in the period, whenever they were received.
//   - results digitized: of those, the ones stored as digitized. Once a
//     dossier is resolved its state requires the result as well as the
//     components, so this counts resolved dossiers with both in sohoa (a
//     resolved dossier whose result is in but a component is not counts
//     as missing; the gap list says which part is missing).
//   - reports due: one report per unit for the period.
//   - reports signed: units with a report for the period whose document's
//     latest verification is TOTAL_PASSED.
//   - reports on time: units whose first such signed report was submitted
//     before ReportDeadline (the end of the 25th, Vietnam time).
//
// Each rate has a target and a gap: how many more dossiers or reports
// would reach it. A unit's targets are its own (`sohoa unit target set`,
// UnitTargets), else DefaultTarget (100%) for every rate; they apply to
// the unit's own figures and to its subtree's. A run may override them all
// with one target (ProgressInput.Target, `sohoa progress --target`).

// DefaultTarget is the plan's target for every rate, in percent.
const DefaultTarget = 100

// ReportDeadline is the first instant after a period's report is due: the
// end of its due date (the 25th of its last month) in Asia/Ho_Chi_Minh. A
// report submitted before it is on time.
func ReportDeadline(p Period) time.Time { return p.DueDate().AddDate(0, 0, 1) }

// ProgressFilter selects the units CountProgress counts.
type ProgressFilter struct {
	Scope Scope
	// UnitCode, when set, selects that unit and its subtree (within
	// Scope); otherwise every unit in Scope.
	UnitCode string
	Period   Period
}

// Validate checks the filter.
func (f *ProgressFilter) Validate() error {
	if err := f.Scope.Validate(); err != nil {
		return err
	}
	if f.UnitCode != "" {
		if err := ValidateCode("unit", f.UnitCode); err != nil {
			return err
		}
	}
	if _, err := ParsePeriod(f.Period.String()); err != nil {
		return err
	}
	return nil
}

// UnitCounts is what the catalog counts for one unit in a period: its own
// dossiers and reports, not its subunits'.
type UnitCounts struct {
	UnitCode   string
	Name       string
	ParentCode string
	// Received dossiers in the period, and how many of them are digitized
	// and scanned and checked.
	Received               int64
	ReceivedDigitized      int64
	ReceivedScannedChecked int64
	// Resolved dossiers in the period, and how many of them are digitized
	// and scanned and checked.
	Resolved               int64
	ResolvedDigitized      int64
	ResolvedScannedChecked int64
	// ReceivedReused counts the received dossiers with a component
	// document attached by reuse (reuse.go).
	ReceivedReused int64
	// Reports submitted for the period; the first submission's time, and
	// the first whose latest verification is TOTAL_PASSED (nil: none).
	Reports             int64
	FirstReportAt       *time.Time
	FirstSignedReportAt *time.Time
	// Targets are the unit's own targets; nil when none are set (then
	// DefaultTarget applies).
	Targets *Targets
}

// ProgressService counts what the progress figures are made of.
type ProgressService interface {
	// CountProgress returns one row per unit f selects (also units with
	// nothing in the period, which still owe a report), ordered by code.
	// An unknown f.UnitCode gives no rows. It reads with aggregates, never
	// every dossier.
	CountProgress(ctx context.Context, f ProgressFilter) ([]UnitCounts, error)
	// CountProgressSeries counts as CountProgress for each of periods
	// (f.Period is not used) at one moment, one statement for all the
	// periods' dossiers: the i-th slice is CountProgress' rows for
	// periods[i]. The periods go oldest first and do not overlap; at most
	// MaxSeriesPeriods.
	CountProgressSeries(ctx context.Context, f ProgressFilter, periods []Period) ([][]UnitCounts, error)
}

// MaxSeriesPeriods is how many periods CountProgressSeries counts at most.
const MaxSeriesPeriods = 24

// Figure is a rate toward a target: Count of Of, in percent.
type Figure struct {
	Count int64 `json:"count"`
	Of    int64 `json:"of"`
	// Rate is Count/Of in percent, rounded to two decimals; nil when Of
	// is 0 (nothing to measure).
	Rate   *float64 `json:"rate"`
	Target int      `json:"target"`
	// Gap is how many more would reach the target (0 when met).
	Gap int64 `json:"gap"`
	// GapPoints is Target - Rate in percentage points (0 when met; nil
	// with Rate).
	GapPoints *float64 `json:"gap_points"`
}

// NewFigure computes a figure's rate and gaps.
func NewFigure(count, of int64, target int) Figure {
	f := Figure{Count: count, Of: of, Target: target}
	if of <= 0 {
		return f
	}
	rate := round2(float64(count) * 100 / float64(of))
	f.Rate = &rate
	// The smallest count reaching target% of of, in integers so 100%
	// means all of them, exactly.
	need := (int64(target)*of + 99) / 100
	if need > count {
		f.Gap = need - count
	}
	points := 0.0
	if f.Gap > 0 {
		points = round2(float64(target) - rate)
	}
	f.GapPoints = &points
	return f
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Figures are a unit's (or a subtree's) progress figures in a period.
type Figures struct {
	Received         int64  `json:"received"`
	Digitized        Figure `json:"digitized"` // of received
	Resolved         int64  `json:"resolved"`
	ResultsDigitized Figure `json:"results_digitized"` // of resolved
	ReportsDue       int64  `json:"reports_due"`
	ReportsSigned    Figure `json:"reports_signed"`  // of reports due
	ReportsOnTime    Figure `json:"reports_on_time"` // of reports due
	// ScannedChecked is of received, measured against the digitized
	// target: the weaker level, which digitized dossiers are part of.
	ScannedChecked Figure `json:"scanned_checked"`
	// Reused is of received: the dossiers with at least one component
	// satisfied by a document reused from an earlier dossier of the same
	// applicant (reuse.go). It has no target (Target and the gaps 0).
	Reused Figure `json:"reused"`
}

// add sums g's counts into f (rates are recomputed by finish).
func (f *Figures) add(g Figures) {
	f.Received += g.Received
	f.Digitized.Count += g.Digitized.Count
	f.ScannedChecked.Count += g.ScannedChecked.Count
	f.Reused.Count += g.Reused.Count
	f.Resolved += g.Resolved
	f.ResultsDigitized.Count += g.ResultsDigitized.Count
	f.ReportsDue += g.ReportsDue
	f.ReportsSigned.Count += g.ReportsSigned.Count
	f.ReportsOnTime.Count += g.ReportsOnTime.Count
}

// finish computes the rates and gaps from the counts.
func (f *Figures) finish(t Targets) {
	f.Digitized = NewFigure(f.Digitized.Count, f.Received, t.Digitized)
	f.ScannedChecked = NewFigure(f.ScannedChecked.Count, f.Received, t.Digitized)
	f.Reused = NewFigure(f.Reused.Count, f.Received, 0)
	f.ResultsDigitized = NewFigure(f.ResultsDigitized.Count, f.Resolved, t.Results)
	f.ReportsSigned = NewFigure(f.ReportsSigned.Count, f.ReportsDue, t.Reports)
	f.ReportsOnTime = NewFigure(f.ReportsOnTime.Count, f.ReportsDue, t.Reports)
}

// ReportStatus is where a unit's report for a period stands.
type ReportStatus string

const (
	ReportOnTime   ReportStatus = "on_time"  // signed, submitted before the deadline
	ReportLate     ReportStatus = "late"     // signed, submitted after the deadline
	ReportUnsigned ReportStatus = "unsigned" // submitted, but no report's signature passed (yet)
	ReportPending  ReportStatus = "pending"  // nothing yet; the deadline has not passed
	ReportMissing  ReportStatus = "missing"  // nothing, and the deadline has passed
)

// ReportStatusOf says where a unit's report stands at now.
func ReportStatusOf(c UnitCounts, p Period, now time.Time) ReportStatus {
	deadline := ReportDeadline(p)
	switch {
	case c.FirstSignedReportAt != nil && c.FirstSignedReportAt.Before(deadline):
		return ReportOnTime
	case c.FirstSignedReportAt != nil:
		return ReportLate
	case c.Reports > 0:
		return ReportUnsigned
	case now.Before(deadline):
		return ReportPending
	}
	return ReportMissing
}

// UnitProgress is one unit's figures.
type UnitProgress struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code,omitempty"`
	// Depth is the unit's level below the listing's top (0).
	Depth int `json:"depth"`
	// Subunits is how many units lie below it in the listing.
	Subunits int `json:"subunits"`
	// Report is the unit's own report; ReportSubmittedAt the time of the
	// first signed one, or else of the first one.
	Report            ReportStatus `json:"report"`
	ReportSubmittedAt *time.Time   `json:"report_submitted_at,omitempty"`
	// Targets are the ones the unit's figures are measured against.
	Targets Targets `json:"targets"`
	// Own counts the unit alone, Total the unit and its subtree.
	Own   Figures `json:"own"`
	Total Figures `json:"total"`
}

// Progress is the figures of a period for a set of units, in tree order
// (each unit followed by its subunits, by code).
type Progress struct {
	Period string `json:"period"`
	// FirstDay, LastDay and DueDate are ISO dates (2025-12-15,
	// 2026-03-14, 2026-03-25 for 2026-Q1) in Asia/Ho_Chi_Minh.
	FirstDay string `json:"first_day"`
	LastDay  string `json:"last_day"`
	DueDate  string `json:"due_date"`
	// DaysToDue counts Vietnam days from AsOf's date to DueDate: 0 on the
	// due date, negative after it.
	DaysToDue int       `json:"days_to_due"`
	AsOf      time.Time `json:"as_of"`
	// Unit is the unit asked for ("" for every unit in the caller's scope).
	Unit string `json:"unit,omitempty"`
	// Target is the run's override of every unit's targets, else
	// DefaultTarget; Total's figures are measured against it.
	Target int `json:"target"`
	// Total is every listed unit's figures together.
	Total Figures        `json:"total"`
	Units []UnitProgress `json:"units"`
}

// ProgressInput is what BuildProgress works from.
type ProgressInput struct {
	Period Period
	Unit   string
	Counts []UnitCounts
	Now    time.Time
	// Target, when above 0, overrides every unit's targets.
	Target int
}

// BuildProgress turns the catalog's counts into figures: each unit's own,
// rolled up over the subtree, and the total. A unit whose parent is not
// among the counts is a top of the listing.
func BuildProgress(in ProgressInput) *Progress {
	target := in.Target
	if target <= 0 {
		target = DefaultTarget
	}
	targetsOf := func(c UnitCounts) Targets {
		if in.Target <= 0 && c.Targets != nil {
			return *c.Targets
		}
		return Targets{Digitized: target, Results: target, Reports: target}
	}
	p := in.Period
	out := &Progress{
		Period:    p.String(),
		FirstDay:  p.FirstDay().Format(time.DateOnly),
		LastDay:   p.LastDay().Format(time.DateOnly),
		DueDate:   p.DueDate().Format(time.DateOnly),
		DaysToDue: daysBetween(in.Now, p.DueDate()),
		AsOf:      in.Now.UTC().Truncate(time.Second),
		Unit:      in.Unit,
		Target:    target,
		Units:     []UnitProgress{},
	}
	byCode := make(map[string]UnitCounts, len(in.Counts))
	for _, c := range in.Counts {
		byCode[c.UnitCode] = c
	}
	children := map[string][]string{}
	var tops []string
	for _, c := range in.Counts {
		if _, ok := byCode[c.ParentCode]; ok && c.ParentCode != c.UnitCode {
			children[c.ParentCode] = append(children[c.ParentCode], c.UnitCode)
		} else {
			tops = append(tops, c.UnitCode)
		}
	}
	sort.Strings(tops)
	for _, k := range children {
		sort.Strings(k)
	}
	visited := map[string]bool{}
	// walk appends code's row and its subtree's, returning the subtree's
	// figures (unfinished: counts only).
	var walk func(code string, depth int) Figures
	walk = func(code string, depth int) Figures {
		visited[code] = true
		c := byCode[code]
		row := UnitProgress{Code: code, Name: c.Name, ParentCode: c.ParentCode, Depth: depth,
			Report: ReportStatusOf(c, p, in.Now), Targets: targetsOf(c), Own: ownFigures(c, p)}
		switch {
		case c.FirstSignedReportAt != nil:
			row.ReportSubmittedAt = c.FirstSignedReportAt
		case c.FirstReportAt != nil:
			row.ReportSubmittedAt = c.FirstReportAt
		}
		i := len(out.Units)
		out.Units = append(out.Units, row)
		total := row.Own
		for _, k := range children[code] {
			if !visited[k] {
				total.add(walk(k, depth+1))
			}
		}
		r := &out.Units[i]
		r.Subunits = len(out.Units) - i - 1
		r.Own.finish(r.Targets)
		r.Total = total
		r.Total.finish(r.Targets)
		return total
	}
	for _, code := range tops {
		out.Total.add(walk(code, 0))
	}
	out.Total.finish(Targets{Digitized: target, Results: target, Reports: target})
	return out
}

// ownFigures are a unit's own counts as figures (unfinished).
func ownFigures(c UnitCounts, p Period) Figures {
	f := Figures{
		Received:   c.Received,
		Resolved:   c.Resolved,
		ReportsDue: 1,
	}
	f.Digitized.Count = c.ReceivedDigitized
	f.ScannedChecked.Count = c.ReceivedScannedChecked
	f.Reused.Count = c.ReceivedReused
	f.ResultsDigitized.Count = c.ResolvedDigitized
	if c.FirstSignedReportAt != nil {
		f.ReportsSigned.Count = 1
		if c.FirstSignedReportAt.Before(ReportDeadline(p)) {
			f.ReportsOnTime.Count = 1
		}
	}
	return f
}

// daysBetween counts calendar days in Asia/Ho_Chi_Minh from t's date to
// day's date.
func daysBetween(t, day time.Time) int {
	lt, ld := t.In(Location()), day.In(Location())
	a := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(ld.Year(), ld.Month(), ld.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// GapKind names the figure whose gap a dossier list makes up.
type GapKind string

const (
	// GapDigitized: dossiers received in the period and not digitized.
	GapDigitized GapKind = "digitized"
	// GapResultsDigitized: dossiers resolved in the period and not
	// digitized.
	GapResultsDigitized GapKind = "results_digitized"
)

// GapFilter is the DossierFilter listing the dossiers that make up a
// figure's gap for f's units, oldest received first, a page of limit
// from cursor. FindDossiers pages it; CountDossiers counts it.
func (f ProgressFilter) GapFilter(kind GapKind, cursor string, limit int) (DossierFilter, error) {
	if err := f.Validate(); err != nil {
		return DossierFilter{}, err
	}
	df := DossierFilter{
		Scope: f.Scope, UnitCode: f.UnitCode, IncludeSubunits: f.UnitCode != "",
		States: []DigitizationState{DigitizationIncomplete},
		Cursor: cursor, Limit: limit,
	}
	switch kind {
	case GapDigitized:
		df.ReceivedFrom, df.ReceivedBefore = f.Period.Start(), f.Period.End()
	case GapResultsDigitized:
		df.Statuses = []DossierStatus{StatusResolved}
		df.ResolvedFrom, df.ResolvedBefore = f.Period.Start(), f.Period.End()
	default:
		return DossierFilter{}, invalidf("unknown gap %q (want digitized or results_digitized)", kind)
	}
	if _, err := df.Validate(); err != nil {
		return DossierFilter{}, err
	}
	return df, nil
}

// GapDossier is one dossier of a gap and what it is missing (the
// digitization rule's requirements, with their reason codes).
type GapDossier struct {
	Dossier *Dossier      `json:"dossier"`
	Missing []Requirement `json:"missing"`
}
