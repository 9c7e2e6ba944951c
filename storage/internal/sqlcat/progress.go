package sqlcat

import (
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
// per unit and digitization state. The status is a literal, not a
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
	return `SELECT d.unit_code, d.digitization_state, count(*) FROM dossiers d` + JoinConds(conds) +
		` GROUP BY d.unit_code, d.digitization_state`
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
func (pc *ProgressCounts) AddDossiers(resolved bool, unit string, state sohoa.DigitizationState, n int64) {
	i, ok := pc.index[unit]
	if !ok {
		return // a unit created after the units were read
	}
	r := &pc.rows[i]
	digitized := int64(0)
	if state == sohoa.DigitizationDigitized {
		digitized = n
	}
	if resolved {
		r.Resolved += n
		r.ResolvedDigitized += digitized
	} else {
		r.Received += n
		r.ReceivedDigitized += digitized
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
