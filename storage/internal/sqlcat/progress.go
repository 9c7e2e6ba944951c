package sqlcat

import (
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
)

// ProgressUnits restricts the unit column col to units (nothing when all).
func ProgressUnits(col string, units []string, all bool, a *Args) string {
	if all {
		return ""
	}
	return a.In(col, units)
}

// ProgressDossiersQuery counts the dossiers of units (every unit when
// all) received in p (resolved false) or resolved in p (resolved true),
// per unit, digitization state and scan state. The status is a literal, not a
// parameter, so both databases match the partial index on resolved
// dossiers (migration 00008) to it.
func ProgressDossiersQuery(p sohoa.Period, resolved bool, units []string, all bool, a *Args) string {
	var conds []string
	col := "d.received_at"
	if resolved {
		conds = append(conds, "d.status = 'resolved'")
		col = "d.resolved_at"
	}
	conds = append(conds, ProgressUnits("d.unit_code", units, all, a),
		col+" >= "+a.Time(p.Start()), col+" < "+a.Time(p.End()),
		// The dossiers holding units' periodic reports are not
		// procedure dossiers (sohoa.ReportProcedureCode).
		"d.procedure_code <> "+a.Add(sohoa.ReportProcedureCode))
	return `SELECT d.unit_code, d.digitization_state, d.scan_state, count(*) FROM dossiers d` + JoinConds(conds) +
		` GROUP BY d.unit_code, d.digitization_state, d.scan_state`
}

// ProgressReportsQuery is, per unit of units (every unit when all) with a
// report for p: how many were submitted, the first submission and the
// first whose document's latest verification passed.
func ProgressReportsQuery(p sohoa.Period, units []string, all bool, a *Args) string {
	conds := []string{"r.period = " + a.Add(p.String()), ProgressUnits("r.unit_code", units, all, a)}
	return `SELECT r.unit_code, count(*), min(r.submitted_at),
		min(CASE WHEN (SELECT v.indication FROM verifications v WHERE v.document_id = r.document_id
			ORDER BY v.id DESC LIMIT 1) = 'TOTAL_PASSED' THEN r.submitted_at END)
		FROM periodic_reports r` + JoinConds(conds) + ` GROUP BY r.unit_code`
}

// ProgressCounts gathers CountProgress' rows: one per unit, in the order
// given (by code), with the queries' counts added in.
type ProgressCounts struct {
	rows  []sohoa.UnitCounts
	index map[string]int
}

// NewProgressCounts starts the rows of units.
func NewProgressCounts(units []*sohoa.Unit) *ProgressCounts {
	pc := &ProgressCounts{rows: make([]sohoa.UnitCounts, len(units)), index: make(map[string]int, len(units))}
	for i, u := range units {
		pc.rows[i] = sohoa.UnitCounts{UnitCode: u.Code, Name: u.Name, ParentCode: u.ParentCode}
		pc.index[u.Code] = i
	}
	return pc
}

// Codes lists the units' codes.
func (pc *ProgressCounts) Codes() []string {
	out := make([]string, len(pc.rows))
	for i, r := range pc.rows {
		out[i] = r.UnitCode
	}
	return out
}

// AddDossiers adds a row of ProgressDossiersQuery.
func (pc *ProgressCounts) AddDossiers(resolved bool, unit string, state sohoa.DigitizationState, scan sohoa.ScanState, n int64) {
	i, ok := pc.index[unit]
	if !ok {
		return // a unit created after the units were read
	}
	r := &pc.rows[i]
	var digitized, checked int64
	if state == sohoa.DigitizationDigitized {
		digitized = n
	}
	// Digitized implies scanned and checked (the rule keeps the two in
	// order; a row written otherwise is counted as the rule would).
	if scan == sohoa.ScanChecked || state == sohoa.DigitizationDigitized {
		checked = n
	}
	if resolved {
		r.Resolved += n
		r.ResolvedDigitized += digitized
		r.ResolvedScannedChecked += checked
	} else {
		r.Received += n
		r.ReceivedDigitized += digitized
		r.ReceivedScannedChecked += checked
	}
}

// AddReports adds a row of ProgressReportsQuery.
func (pc *ProgressCounts) AddReports(unit string, n int64, first, firstSigned *time.Time) {
	i, ok := pc.index[unit]
	if !ok {
		return
	}
	r := &pc.rows[i]
	r.Reports, r.FirstReportAt, r.FirstSignedReportAt = n, utc(first), utc(firstSigned)
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Rows returns the rows gathered.
func (pc *ProgressCounts) Rows() []sohoa.UnitCounts { return pc.rows }

// SnapshotColumns are progress_snapshots' columns in the order
// SnapshotValues gives and the adapters scan them: the columns whose
// types differ between the databases first (period … report_submitted_at:
// times, the early flag, a nullable parent), then SnapshotInts' integers.
const SnapshotColumns = `period, unit_code, unit_name, parent_code, closed_at, closed_by, early,
	report_status, report_submitted_at,
	target_digitized, target_results, target_reports,
	own_received, own_digitized, own_resolved, own_results_digitized, own_reports_due, own_reports_signed, own_reports_on_time,
	total_received, total_digitized, total_resolved, total_results_digitized, total_reports_due, total_reports_signed, total_reports_on_time,
	own_scanned_checked, total_scanned_checked, own_reused, total_reused`

// snapshotSelect is SnapshotColumns as read: rows closed before migration
// 00013 have no scanned-and-checked counts (NULL) and read as their
// digitized counts, which counted exactly that when they were closed.
const snapshotSelect = `period, unit_code, unit_name, parent_code, closed_at, closed_by, early,
	report_status, report_submitted_at,
	target_digitized, target_results, target_reports,
	own_received, own_digitized, own_resolved, own_results_digitized, own_reports_due, own_reports_signed, own_reports_on_time,
	total_received, total_digitized, total_resolved, total_results_digitized, total_reports_due, total_reports_signed, total_reports_on_time,
	COALESCE(own_scanned_checked, own_digitized), COALESCE(total_scanned_checked, total_digitized),
	COALESCE(own_reused, 0), COALESCE(total_reused, 0)`

// SnapshotInts are pointers to a row's integer columns, in
// SnapshotColumns' order, for scanning.
func SnapshotInts(r *sohoa.ProgressSnapshotRow) []any {
	return []any{&r.Targets.Digitized, &r.Targets.Results, &r.Targets.Reports,
		&r.Own.Received, &r.Own.Digitized, &r.Own.Resolved, &r.Own.ResultsDigitized, &r.Own.ReportsDue, &r.Own.ReportsSigned, &r.Own.ReportsOnTime,
		&r.Total.Received, &r.Total.Digitized, &r.Total.Resolved, &r.Total.ResultsDigitized, &r.Total.ReportsDue, &r.Total.ReportsSigned, &r.Total.ReportsOnTime,
		&r.Own.ScannedChecked, &r.Total.ScannedChecked, &r.Own.Reused, &r.Total.Reused}
}

// SnapshotInsert is the INSERT of rows (validated), with their values in a.
func SnapshotInsert(rows []sohoa.ProgressSnapshotRow, a *Args) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO progress_snapshots (` + SnapshotColumns + `) VALUES `)
	for i := range rows {
		r := &rows[i]
		if i > 0 {
			b.WriteString(", ")
		}
		var parent, submitted, early any
		if r.ParentCode != "" {
			parent = r.ParentCode
		}
		if r.ReportSubmittedAt != nil {
			submitted = a.d.Time(*r.ReportSubmittedAt)
		}
		early = r.Early
		if !a.d.Postgres {
			early = 0
			if r.Early {
				early = 1
			}
		}
		vals := []any{r.Period, r.UnitCode, r.Name, parent, a.d.Time(r.ClosedAt), r.ClosedBy, early, string(r.Report), submitted}
		for _, p := range SnapshotInts(r) {
			switch x := p.(type) {
			case *int:
				vals = append(vals, int64(*x))
			case *int64:
				vals = append(vals, *x)
			}
		}
		b.WriteByte('(')
		for j, v := range vals {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.Add(v))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// SnapshotBatch is how many rows one INSERT writes (30 parameters each,
// well under SQLite's limit of 32766).
const SnapshotBatch = 500

// SnapshotQuery selects the rows of f's units for f.Period, by unit code.
func SnapshotQuery(f sohoa.ProgressFilter, a *Args) string {
	conds := []string{"period = " + a.Add(f.Period.String()), ScopeCond(f.Scope, "unit_code", a)}
	if f.UnitCode != "" {
		conds = append(conds, "unit_code IN "+SubtreeSQL([]string{f.UnitCode}, a))
	}
	return `SELECT ` + snapshotSelect + ` FROM progress_snapshots` + JoinConds(conds) + ` ORDER BY unit_code`
}

// SnapshotTaken is a query finding one of units already closed for
// period (its code), to refuse a second close with a clear message.
func SnapshotTaken(period string, units []string, a *Args) string {
	return `SELECT unit_code FROM progress_snapshots WHERE period = ` + a.Add(period) + ` AND ` +
		a.In("unit_code", units) + ` ORDER BY unit_code LIMIT 1`
}

// SnapshotUnits validates rows for one close: one period, each unit
// once. It returns the period and the units' codes.
func SnapshotUnits(rows []sohoa.ProgressSnapshotRow) (string, []string, error) {
	if len(rows) == 0 {
		return "", nil, sohoa.Errorf(sohoa.EINVALID, "a snapshot needs at least one unit")
	}
	seen := make(map[string]bool, len(rows))
	codes := make([]string, 0, len(rows))
	for i := range rows {
		if err := rows[i].Validate(); err != nil {
			return "", nil, err
		}
		if rows[i].Period != rows[0].Period {
			return "", nil, sohoa.Errorf(sohoa.EINVALID, "a snapshot covers one period, not %s and %s", rows[0].Period, rows[i].Period)
		}
		if seen[rows[i].UnitCode] {
			return "", nil, sohoa.Errorf(sohoa.EINVALID, "unit %s appears twice in the snapshot", rows[i].UnitCode)
		}
		seen[rows[i].UnitCode] = true
		codes = append(codes, rows[i].UnitCode)
	}
	return rows[0].Period, codes, nil
}

// TargetsQuery selects the targets of units (unit_code, digitized,
// results, reports, updated_at), by unit code.
func TargetsQuery(units []string, a *Args) string {
	return `SELECT unit_code, digitized, results, reports, updated_at FROM unit_targets WHERE ` +
		a.In("unit_code", units) + ` ORDER BY unit_code`
}

// AddTargets sets a unit's targets (a row of TargetsQuery).
func (pc *ProgressCounts) AddTargets(unit string, t sohoa.Targets) {
	if i, ok := pc.index[unit]; ok {
		pc.rows[i].Targets = &t
	}
}

// ValidateSeries checks CountProgressSeries' periods: at least one, at
// most sohoa.MaxSeriesPeriods, each valid, oldest first, none overlapping
// the next.
func ValidateSeries(periods []sohoa.Period) error {
	if len(periods) == 0 || len(periods) > sohoa.MaxSeriesPeriods {
		return sohoa.Errorf(sohoa.EINVALID, "a series counts 1 to %d periods, not %d", sohoa.MaxSeriesPeriods, len(periods))
	}
	for i, p := range periods {
		if _, err := sohoa.ParsePeriod(p.String()); err != nil {
			return err
		}
		if i > 0 && p.Start().Before(periods[i-1].End()) {
			return sohoa.Errorf(sohoa.EINVALID, "a series' periods go oldest first without overlapping: %s after %s", p, periods[i-1])
		}
	}
	return nil
}

// ProgressSeriesQuery counts, in one statement, what ProgressDossiersQuery
// counts for each of periods (validated by ValidateSeries): per unit,
// bucket (the period's index), digitization state and scan state. Each
// period is a branch of a UNION ALL shaped as ProgressDossiersQuery, so
// each is the same index-only scan of its period's range: one pass over
// the whole span with the bucket computed per row (a CASE over the
// boundaries) measured 20 % slower for every unit at 1,000,000 dossiers
// (BENCHMARKS.md, issue 11), the per-entry aggregation being the cost.
func ProgressSeriesQuery(periods []sohoa.Period, resolved bool, units []string, all bool, a *Args) string {
	branches := make([]string, len(periods))
	for i, p := range periods {
		q := ProgressDossiersQuery(p, resolved, units, all, a)
		branches[i] = strings.Replace(q, "SELECT d.unit_code, ", "SELECT d.unit_code, "+strconv.Itoa(i)+", ", 1)
	}
	return strings.Join(branches, " UNION ALL ")
}

// ProgressSeriesReportsQuery is ProgressReportsQuery for every period of
// a series at once, with the period first.
func ProgressSeriesReportsQuery(periods []sohoa.Period, units []string, all bool, a *Args) string {
	names := make([]string, len(periods))
	for i, p := range periods {
		names[i] = p.String()
	}
	conds := []string{a.In("r.period", names), ProgressUnits("r.unit_code", units, all, a)}
	return `SELECT r.period, r.unit_code, count(*), min(r.submitted_at),
		min(CASE WHEN (SELECT v.indication FROM verifications v WHERE v.document_id = r.document_id
			ORDER BY v.id DESC LIMIT 1) = 'TOTAL_PASSED' THEN r.submitted_at END)
		FROM periodic_reports r` + JoinConds(conds) + ` GROUP BY r.period, r.unit_code`
}

// ProgressSeries gathers CountProgressSeries' rows: one ProgressCounts a
// period.
type ProgressSeries struct {
	Periods []*ProgressCounts
	index   map[string]int
}

// NewProgressSeries starts the rows of units for each of periods.
func NewProgressSeries(units []*sohoa.Unit, periods []sohoa.Period) *ProgressSeries {
	ps := &ProgressSeries{index: make(map[string]int, len(periods))}
	for i, p := range periods {
		ps.Periods = append(ps.Periods, NewProgressCounts(units))
		ps.index[p.String()] = i
	}
	return ps
}

// AddDossiers adds a row of ProgressSeriesQuery.
func (ps *ProgressSeries) AddDossiers(resolved bool, unit string, bucket int, state sohoa.DigitizationState, scan sohoa.ScanState, n int64) {
	if bucket >= 0 && bucket < len(ps.Periods) {
		ps.Periods[bucket].AddDossiers(resolved, unit, state, scan, n)
	}
}

// AddReports adds a row of ProgressSeriesReportsQuery.
func (ps *ProgressSeries) AddReports(period, unit string, n int64, first, firstSigned *time.Time) {
	if i, ok := ps.index[period]; ok {
		ps.Periods[i].AddReports(unit, n, first, firstSigned)
	}
}

// AddTargets sets a unit's targets in every period.
func (ps *ProgressSeries) AddTargets(unit string, t sohoa.Targets) {
	for _, pc := range ps.Periods {
		pc.AddTargets(unit, t)
	}
}

// Rows returns the rows gathered, a slice a period.
func (ps *ProgressSeries) Rows() [][]sohoa.UnitCounts {
	out := make([][]sohoa.UnitCounts, len(ps.Periods))
	for i, pc := range ps.Periods {
		out[i] = pc.Rows()
	}
	return out
}
