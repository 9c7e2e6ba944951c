package sohoa

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Closing a period: the figures are live until a period closes; closing
// freezes them in a snapshot (one row per unit, its own figures and its
// subtree's, with the targets and the report status of the moment), which
// is never rewritten. A later upload changes the live figures only; the
// front ends show the snapshot's and, beside them, what changed since.
//
// A close covers a unit's subtree (or every unit) and writes a row for
// each unit in it that has none for the period yet; a unit already closed
// keeps its row, and its frozen figures roll up into the new rows. A close
// with nothing left to close is ECONFLICT.

// FigureCounts are Figures without the rates: what a snapshot stores.
type FigureCounts struct {
	Received         int64 `json:"received"`
	Digitized        int64 `json:"digitized"`
	Resolved         int64 `json:"resolved"`
	ResultsDigitized int64 `json:"results_digitized"`
	ReportsDue       int64 `json:"reports_due"`
	ReportsSigned    int64 `json:"reports_signed"`
	ReportsOnTime    int64 `json:"reports_on_time"`
	ScannedChecked   int64 `json:"scanned_checked"`
	// Reused: received dossiers with a component attached by reuse.
	Reused int64 `json:"reused"`
}

// Counts are f's counts.
func (f Figures) Counts() FigureCounts {
	return FigureCounts{Received: f.Received, Digitized: f.Digitized.Count, Resolved: f.Resolved,
		ResultsDigitized: f.ResultsDigitized.Count, ReportsDue: f.ReportsDue,
		ReportsSigned: f.ReportsSigned.Count, ReportsOnTime: f.ReportsOnTime.Count, ScannedChecked: f.ScannedChecked.Count, Reused: f.Reused.Count}
}

// Figures are the counts measured against t.
func (c FigureCounts) Figures(t Targets) Figures {
	f := Figures{Received: c.Received, Resolved: c.Resolved, ReportsDue: c.ReportsDue}
	f.Digitized.Count = c.Digitized
	f.ScannedChecked.Count = c.ScannedChecked
	f.Reused.Count = c.Reused
	f.ResultsDigitized.Count = c.ResultsDigitized
	f.ReportsSigned.Count = c.ReportsSigned
	f.ReportsOnTime.Count = c.ReportsOnTime
	f.finish(t)
	return f
}

func (c *FigureCounts) add(d FigureCounts) {
	c.Received += d.Received
	c.Digitized += d.Digitized
	c.Resolved += d.Resolved
	c.ResultsDigitized += d.ResultsDigitized
	c.ReportsDue += d.ReportsDue
	c.ReportsSigned += d.ReportsSigned
	c.ReportsOnTime += d.ReportsOnTime
	c.ScannedChecked += d.ScannedChecked
	c.Reused += d.Reused
}

// ProgressSnapshotRow is one unit's frozen figures for a period: the unit
// as it was (name, parent), its own and subtree counts, the targets they
// were measured against and its report's status at the close.
type ProgressSnapshotRow struct {
	Period            string       `json:"period"`
	UnitCode          string       `json:"unit_code"`
	Name              string       `json:"name"`
	ParentCode        string       `json:"parent_code,omitempty"`
	ClosedAt          time.Time    `json:"closed_at"`
	ClosedBy          string       `json:"closed_by"`
	Early             bool         `json:"early"`
	Targets           Targets      `json:"targets"`
	Own               FigureCounts `json:"own"`
	Total             FigureCounts `json:"total"`
	Report            ReportStatus `json:"report"`
	ReportSubmittedAt *time.Time   `json:"report_submitted_at,omitempty"`
}

// Validate checks a row before it is stored, normalising its times.
func (r *ProgressSnapshotRow) Validate() error {
	p, err := ParsePeriod(r.Period)
	if err != nil {
		return err
	}
	r.Period = p.String()
	if err := ValidateCode("unit", r.UnitCode); err != nil {
		return err
	}
	if r.Name, err = validateText("unit name", r.Name, MaxNameLen, true, false); err != nil {
		return err
	}
	if r.ParentCode != "" {
		if err := ValidateCode("parent unit", r.ParentCode); err != nil {
			return err
		}
	}
	if r.ClosedBy, err = validateText("closed by", r.ClosedBy, MaxNameLen, true, false); err != nil {
		return err
	}
	if r.ClosedAt, err = NormalizeTime("closed at", r.ClosedAt); err != nil {
		return err
	}
	if r.ReportSubmittedAt, err = normalizeOptionalTime("report submitted at", r.ReportSubmittedAt); err != nil {
		return err
	}
	if err := r.Targets.Validate(); err != nil {
		return err
	}
	switch r.Report {
	case ReportOnTime, ReportLate, ReportUnsigned, ReportPending, ReportMissing:
	default:
		return invalidf("report status %q unknown", r.Report)
	}
	for _, c := range []FigureCounts{r.Own, r.Total} {
		for _, n := range []int64{c.Received, c.Digitized, c.Resolved, c.ResultsDigitized, c.ReportsDue, c.ReportsSigned, c.ReportsOnTime, c.ScannedChecked, c.Reused} {
			if n < 0 {
				return invalidf("snapshot of %s has a negative count", r.UnitCode)
			}
		}
	}
	return nil
}

// ProgressSnapshotService stores the snapshots. There is no way to change
// or delete a row: the tables refuse it too.
type ProgressSnapshotService interface {
	// CreateProgressSnapshot writes the rows of one close, all or none:
	// ECONFLICT when a unit already has a row for the period, EINVALID for
	// a bad row or an unknown unit.
	CreateProgressSnapshot(ctx context.Context, rows []ProgressSnapshotRow) error
	// FindProgressSnapshot returns the rows of the units f selects (by
	// today's tree) for f.Period, ordered by unit code.
	FindProgressSnapshot(ctx context.Context, f ProgressFilter) ([]ProgressSnapshotRow, error)
}

// SnapshotInfo says when a listing's snapshot was taken. With several
// closes (a unit closed before the rest) it names the latest.
type SnapshotInfo struct {
	ClosedAt time.Time `json:"closed_at"`
	ClosedBy string    `json:"closed_by"`
	Early    bool      `json:"early"`
	// OpenUnits are listed units without a snapshot row (created after
	// the close, or outside the closed subtree): their figures are live.
	OpenUnits []string `json:"open_units,omitempty"`
}

// Change is a figure that differs between a unit's snapshot and now (its
// subtree's counts, or its own report's status).
type Change struct {
	Unit     string `json:"unit"`
	Figure   string `json:"figure"`
	Snapshot any    `json:"snapshot"`
	Now      any    `json:"now"`
}

// String is "OSS1: digitized 95 (snapshot) → 97 (now)".
func (c Change) String() string {
	return fmt.Sprintf("%s: %s %v (snapshot) → %v (now)", c.Unit, c.Figure, c.Snapshot, c.Now)
}

// ApplySnapshot returns the figures of live's listing as frozen by rows:
// a unit with a row shows the row's figures, one without shows its live
// own figures and a subtree total rolled up from its subunits' (frozen or
// live). It also lists the changes since. With no rows it returns nil.
// live is not modified.
func ApplySnapshot(live *Progress, rows []ProgressSnapshotRow) (*Progress, *SnapshotInfo, []Change) {
	if len(rows) == 0 {
		return nil, nil, nil
	}
	byCode := make(map[string]ProgressSnapshotRow, len(rows))
	info := &SnapshotInfo{}
	for _, r := range rows {
		byCode[r.UnitCode] = r
	}
	out := *live
	out.Units = make([]UnitProgress, len(live.Units))
	copy(out.Units, live.Units)
	totals := make([]FigureCounts, len(out.Units))
	var changes []Change
	// Bottom-up: a unit's subunits come after it in tree order.
	for i := len(out.Units) - 1; i >= 0; i-- {
		u := &out.Units[i]
		r, ok := byCode[u.Code]
		if !ok {
			total := u.Own.Counts()
			for j := i + 1; j <= i+u.Subunits; j++ {
				if out.Units[j].Depth == u.Depth+1 {
					total.add(totals[j])
				}
			}
			totals[i] = total
			u.Total = total.Figures(u.Targets)
			info.OpenUnits = append(info.OpenUnits, u.Code)
			continue
		}
		lu := live.Units[i]
		u.Name, u.Targets, u.Report, u.ReportSubmittedAt = r.Name, r.Targets, r.Report, r.ReportSubmittedAt
		u.Own = r.Own.Figures(r.Targets)
		u.Total = r.Total.Figures(r.Targets)
		totals[i] = r.Total
		if r.ClosedAt.After(info.ClosedAt) {
			info.ClosedAt, info.ClosedBy, info.Early = r.ClosedAt, r.ClosedBy, r.Early
		}
		changes = append(changes, diffCounts(u.Code, r.Total, lu.Total.Counts())...)
		if r.Report != lu.Report {
			changes = append(changes, Change{Unit: u.Code, Figure: "report", Snapshot: string(r.Report), Now: string(lu.Report)})
		}
	}
	if len(info.OpenUnits) == len(out.Units) {
		return nil, nil, nil // rows of units no longer listed
	}
	sort.Strings(info.OpenUnits)
	var total FigureCounts
	for i, u := range out.Units {
		if u.Depth == 0 {
			total.add(totals[i])
		}
	}
	t := live.Target
	out.Total = total.Figures(Targets{Digitized: t, Results: t, Reports: t})
	out.AsOf = info.ClosedAt
	// Changes in listing order.
	at := make(map[string]int, len(live.Units))
	for i, u := range live.Units {
		at[u.Code] = i
	}
	sort.SliceStable(changes, func(a, b int) bool { return at[changes[a].Unit] < at[changes[b].Unit] })
	return &out, info, changes
}

func diffCounts(unit string, snap, now FigureCounts) []Change {
	var out []Change
	for _, f := range []struct {
		name string
		a, b int64
	}{
		{"received", snap.Received, now.Received},
		{"digitized", snap.Digitized, now.Digitized},
		{"resolved", snap.Resolved, now.Resolved},
		{"results_digitized", snap.ResultsDigitized, now.ResultsDigitized},
		{"reports_signed", snap.ReportsSigned, now.ReportsSigned},
		{"reports_on_time", snap.ReportsOnTime, now.ReportsOnTime},
		{"scanned_checked", snap.ScannedChecked, now.ScannedChecked},
		{"reused", snap.Reused, now.Reused},
	} {
		if f.a != f.b {
			out = append(out, Change{Unit: unit, Figure: f.name, Snapshot: f.a, Now: f.b})
		}
	}
	return out
}

// ActionProgressClose is the audit action of a close.
const ActionProgressClose = "progress.close"

// CloseRequest asks CloseProgress to close a period.
type CloseRequest struct {
	Period Period
	// UnitCode closes that unit's subtree; "" every unit.
	UnitCode string
	// Actor is recorded as the snapshot's closed_by and in the audit log.
	Actor string
	Now   time.Time
	// Early allows closing before the report deadline has passed.
	Early bool
}

// CloseResult says what a close froze.
type CloseResult struct {
	Period   string    `json:"period"`
	Unit     string    `json:"unit,omitempty"`
	ClosedAt time.Time `json:"closed_at"`
	ClosedBy string    `json:"closed_by"`
	Early    bool      `json:"early"`
	// Units are the units closed now; AlreadyClosed counts those of the
	// selection that an earlier close had frozen.
	Units         []string `json:"units"`
	AlreadyClosed int      `json:"already_closed"`
}

// CloseProgress freezes the figures of req.Period for the selected units
// in one transaction of cat, with an audit entry (ActionProgressClose).
// Before the report deadline it is EINVALID unless req.Early: reports may
// still arrive on time, and uploads still change the figures. Before the
// period begins there is nothing to close (EINVALID). When every selected
// unit is already closed it is ECONFLICT, saying when and by whom.
func CloseProgress(ctx context.Context, cat Catalog, req CloseRequest) (*CloseResult, error) {
	p := req.Period
	if _, err := ParsePeriod(p.String()); err != nil {
		return nil, err
	}
	if req.Now.Before(p.Start()) {
		return nil, invalidf("period %s begins on %s: there is nothing to close yet", p, p.FirstDay().Format(time.DateOnly))
	}
	deadline := ReportDeadline(p)
	if req.Now.Before(deadline) && !req.Early {
		return nil, invalidf("period %s's reports are due on %s (Vietnam time): until then reports may still arrive on time and uploads still change the figures, so closing now would freeze them incomplete; wait, or close early on purpose with --early",
			p, p.DueDate().Format(time.DateOnly))
	}
	now, err := NormalizeTime("close time", req.Now)
	if err != nil {
		return nil, err
	}
	res := &CloseResult{Period: p.String(), Unit: req.UnitCode, ClosedAt: now, ClosedBy: req.Actor, Early: req.Now.Before(deadline)}
	err = cat.WithTx(ctx, func(tx Catalog) error {
		res.Units, res.AlreadyClosed = nil, 0
		if req.UnitCode != "" {
			if _, err := tx.FindUnitByCode(ctx, req.UnitCode); err != nil {
				return err
			}
		}
		f := ProgressFilter{Scope: AllUnits, UnitCode: req.UnitCode, Period: p}
		existing, err := tx.FindProgressSnapshot(ctx, f)
		if err != nil {
			return err
		}
		counts, err := tx.CountProgress(ctx, f)
		if err != nil {
			return err
		}
		live := BuildProgress(ProgressInput{Period: p, Unit: req.UnitCode, Counts: counts, Now: now})
		frozen, _, _ := ApplySnapshot(live, existing)
		if frozen == nil {
			frozen = live
		}
		closed := make(map[string]bool, len(existing))
		for _, r := range existing {
			closed[r.UnitCode] = true
		}
		var rows []ProgressSnapshotRow
		for _, u := range frozen.Units {
			if closed[u.Code] {
				res.AlreadyClosed++
				continue
			}
			rows = append(rows, ProgressSnapshotRow{Period: p.String(), UnitCode: u.Code, Name: u.Name, ParentCode: u.ParentCode,
				ClosedAt: now, ClosedBy: req.Actor, Early: res.Early, Targets: u.Targets,
				Own: u.Own.Counts(), Total: u.Total.Counts(), Report: u.Report, ReportSubmittedAt: u.ReportSubmittedAt})
			res.Units = append(res.Units, u.Code)
		}
		if len(rows) == 0 {
			what := "every unit"
			if req.UnitCode != "" {
				what = req.UnitCode + " and its subunits"
			}
			if len(existing) == 0 {
				return Errorf(ENOTFOUND, "no units to close")
			}
			last := existing[0]
			for _, r := range existing {
				if r.ClosedAt.After(last.ClosedAt) {
					last = r
				}
			}
			return Errorf(ECONFLICT, "period %s is already closed for %s (last closed at %s by %s); a snapshot is never rewritten",
				p, what, last.ClosedAt.In(Location()).Format("2006-01-02 15:04:05 -07:00"), last.ClosedBy)
		}
		if err := tx.CreateProgressSnapshot(ctx, rows); err != nil {
			return err
		}
		details, _ := json.Marshal(map[string]any{"period": p.String(), "unit": req.UnitCode, "units": len(rows),
			"already_closed": res.AlreadyClosed, "early": res.Early})
		return tx.AppendAudit(ctx, &AuditEntry{Actor: req.Actor, Action: ActionProgressClose, Object: "period:" + p.String(), Details: details})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ScheduledCloseKinds are the kinds of period CloseDuePeriods closes.
var ScheduledCloseKinds = []PeriodKind{PeriodMonth, PeriodQuarter, PeriodYear}

// LatestDuePeriod is the latest period of kind whose report deadline is
// not after now.
func LatestDuePeriod(kind PeriodKind, now time.Time) Period {
	p := PeriodOf(kind, now)
	for ReportDeadline(p).After(now) {
		p = p.Previous()
	}
	return p
}

// Previous is the period of the same kind before p.
func (p Period) Previous() Period {
	return PeriodOf(p.Kind, p.Start().Add(-time.Second))
}

// CloseDuePeriods is the scheduled close: for each of
// ScheduledCloseKinds it closes, for every unit not yet closed, the latest
// period whose report deadline has passed. A period already closed (by
// hand, or by another process running the same schedule) is skipped, so
// running it again, or in several processes at once, closes each period
// once. Periods whose deadline passed while no worker ran for longer than
// a period stay open and are closed by hand (`sohoa progress close`).
func CloseDuePeriods(ctx context.Context, cat Catalog, now time.Time, actor string) ([]*CloseResult, error) {
	var out []*CloseResult
	for _, kind := range ScheduledCloseKinds {
		p := LatestDuePeriod(kind, now)
		var res *CloseResult
		var err error
		// A concurrent close may commit between our read and our insert
		// (ECONFLICT from the unique key): the next try sees its rows.
		for try := 0; try < 3; try++ {
			res, err = CloseProgress(ctx, cat, CloseRequest{Period: p, Actor: actor, Now: now})
			if Code(err) != ECONFLICT {
				break
			}
		}
		switch {
		case err == nil:
			out = append(out, res)
		case Code(err) == ECONFLICT || Code(err) == ENOTFOUND:
			// already closed, or no units at all
		default:
			return out, fmt.Errorf("close %s: %w", p, err)
		}
	}
	return out, nil
}

// Countdown is the time from now to a deadline in whole days and hours
// (rounded down), or since it when Overdue.
type Countdown struct {
	Days    int  `json:"days"`
	Hours   int  `json:"hours"`
	Overdue bool `json:"overdue"`
}

// CountdownTo measures the time between now and deadline.
func CountdownTo(deadline, now time.Time) Countdown {
	d := deadline.Sub(now)
	c := Countdown{}
	if d <= 0 {
		c.Overdue, d = true, -d
	}
	h := int(d / time.Hour)
	c.Days, c.Hours = h/24, h%24
	return c
}

// String is "3 days 5 hours left" or "overdue by 1 day 2 hours".
func (c Countdown) String() string {
	plural := func(n int, w string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, w)
		}
		return fmt.Sprintf("%d %ss", n, w)
	}
	s := plural(c.Days, "day") + " " + plural(c.Hours, "hour")
	if c.Overdue {
		return "overdue by " + s
	}
	return s + " left"
}
