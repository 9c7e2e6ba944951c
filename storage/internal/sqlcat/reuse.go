package sqlcat

import "github.com/sohoa/sohoa"

// NullText stores "" as NULL (an optional text column: the dossier's
// applicant_id).
func NullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// NullID stores 0 as NULL (an optional reference: the document's
// reused_from).
func NullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Text reads an optional text column ("" for NULL).
func Text(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ID reads an optional reference (0 for NULL).
func ID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// ProgressReusedQuery counts, per unit of units (every unit when all), the
// dossiers received in p with at least one component document attached
// by reuse (documents.reused_from set), the "reused" progress figure.
func ProgressReusedQuery(p sohoa.Period, units []string, all bool, a *Args) string {
	conds := []string{ProgressUnits("d.unit_code", units, all, a),
		"d.received_at >= " + a.Time(p.Start()), "d.received_at < " + a.Time(p.End()),
		"d.procedure_code <> " + a.Add(sohoa.ReportProcedureCode),
		`EXISTS (SELECT 1 FROM documents doc WHERE doc.dossier_code = d.code
			AND doc.reused_from IS NOT NULL AND doc.role = 'component')`}
	return `SELECT d.unit_code, count(*) FROM dossiers d` + JoinConds(conds) + ` GROUP BY d.unit_code`
}

// AddReused adds a row of ProgressReusedQuery.
func (pc *ProgressCounts) AddReused(unit string, n int64) {
	if i, ok := pc.index[unit]; ok {
		pc.rows[i].ReceivedReused += n
	}
}
