package sqlcat

import (
	"strings"

	"github.com/sohoa/sohoa"
)

// DocumentsFrom validates f and returns FindDocuments' query after its
// column list: FROM documents doc, WHERE, ORDER BY and LIMIT.
func DocumentsFrom(f *sohoa.DocumentFilter, a *Args) (string, error) {
	limit, err := f.Validate()
	if err != nil {
		return "", err
	}
	from := ` FROM documents doc`
	var conds []string
	if !f.Scope.All {
		from += ` JOIN dossiers d ON d.code = doc.dossier_code`
		conds = append(conds, ScopeCond(f.Scope, "d.unit_code", a))
	}
	if f.DossierCode != "" {
		conds = append(conds, "doc.dossier_code = "+a.Add(f.DossierCode))
	}
	if f.BlobKey != "" {
		conds = append(conds, "doc.blob_key = "+a.Add(f.BlobKey))
	}
	if f.Role != "" {
		conds = append(conds, "doc.role = "+a.Add(f.Role))
	}
	if f.AfterID > 0 {
		conds = append(conds, "doc.id > "+a.Add(f.AfterID))
	}
	return from + JoinConds(conds) + ` ORDER BY doc.id LIMIT ` + a.Add(limit), nil
}

// ReportsFrom validates f and returns FindPeriodicReports' query after its
// column list: FROM periodic_reports r, WHERE and ORDER BY.
func ReportsFrom(f *sohoa.ReportFilter, a *Args) (string, error) {
	if err := f.Scope.Validate(); err != nil {
		return "", err
	}
	conds := []string{ScopeCond(f.Scope, "r.unit_code", a)}
	if f.UnitCode != "" {
		if err := sohoa.ValidateCode("unit", f.UnitCode); err != nil {
			return "", err
		}
		conds = append(conds, "r.unit_code = "+a.Add(f.UnitCode))
	}
	if f.Period != "" {
		p, err := sohoa.ParsePeriod(f.Period)
		if err != nil {
			return "", err
		}
		conds = append(conds, "r.period = "+a.Add(p.String()))
	}
	return ` FROM periodic_reports r` + JoinConds(conds) + ` ORDER BY r.submitted_at, r.id`, nil
}

// AuditFrom validates f's limit and scope and returns FindAuditEntries'
// query after its column list: FROM audit_log, WHERE, ORDER BY and LIMIT.
// A scope is matched through the row's object: unit:<code>,
// dossier:<code> (the dossier's unit) or document:<id> (its dossier's
// unit), each by primary key.
func AuditFrom(f *sohoa.AuditFilter, a *Args) (string, error) {
	limit, err := sohoa.PageLimit(f.Limit)
	if err != nil {
		return "", err
	}
	if f.Scope != nil {
		if err := f.Scope.Validate(); err != nil {
			return "", err
		}
	}
	conds := []string{"seq > " + a.Add(f.AfterSeq)}
	if f.BeforeSeq > 0 {
		conds = append(conds, "seq < "+a.Add(f.BeforeSeq))
	}
	if f.Object != "" {
		conds = append(conds, "object = "+a.Add(f.Object))
	}
	if f.Action != "" {
		conds = append(conds, "action = "+a.Add(f.Action))
	}
	if f.Actor != "" {
		conds = append(conds, "actor = "+a.Add(f.Actor))
	}
	if f.Scope != nil && !f.Scope.All {
		conds = append(conds, auditScopeCond(*f.Scope, a))
	}
	order := "ASC"
	if f.Newest {
		order = "DESC"
	}
	return ` FROM audit_log` + JoinConds(conds) + ` ORDER BY seq ` + order + ` LIMIT ` + a.Add(limit), nil
}

// auditScopeCond keeps the audit rows whose object is a unit, dossier or
// document of scope. The subtree subquery is repeated once per kind of
// object (SQLite's placeholders are positional). A document's ID is cast
// only when the object is all digits after its prefix: PostgreSQL fails a
// cast of anything else, and CASE keeps it from being tried.
func auditScopeCond(scope sohoa.Scope, a *Args) string {
	isDoc := `substr(object, 10) GLOB '[0-9]*' AND NOT substr(object, 10) GLOB '*[^0-9]*'`
	if a.d.Postgres {
		isDoc = `substr(object, 10) ~ '^[0-9]{1,18}$'`
	}
	unit := `(substr(object, 1, 5) = 'unit:' AND substr(object, 6) IN ` + SubtreeSQL(scope.Units, a) + `)`
	dossier := `(substr(object, 1, 8) = 'dossier:' AND EXISTS (SELECT 1 FROM dossiers d WHERE d.code = substr(object, 9) AND d.unit_code IN ` +
		SubtreeSQL(scope.Units, a) + `))`
	document := `(CASE WHEN substr(object, 1, 9) = 'document:' AND ` + isDoc + ` THEN EXISTS (SELECT 1 FROM documents doc JOIN dossiers d ON d.code = doc.dossier_code
		WHERE doc.id = CAST(substr(object, 10) AS BIGINT) AND d.unit_code IN ` + SubtreeSQL(scope.Units, a) + `) ELSE FALSE END)`
	return "(" + unit + " OR " + dossier + " OR " + document + ")"
}

// UnitConds restricts the unit column col to f's scope and unit filter.
func UnitConds(f *sohoa.DossierFilter, col string, a *Args) []string {
	conds := []string{ScopeCond(f.Scope, col, a)}
	if f.UnitCode != "" {
		if f.IncludeSubunits {
			conds = append(conds, col+" IN "+SubtreeSQL([]string{f.UnitCode}, a))
		} else {
			conds = append(conds, col+" = "+a.Add(f.UnitCode))
		}
	}
	return conds
}

// DossierConds builds the WHERE conditions (on dossiers d) of f other than
// its units and cursor.
func DossierConds(f *sohoa.DossierFilter, a *Args) []string {
	var conds []string
	if f.ProcedureCode != "" {
		conds = append(conds, "d.procedure_code = "+a.Add(f.ProcedureCode))
	}
	if f.CodeContains != "" {
		// '_' is a LIKE wildcard and may be in codes: escape it (and the
		// escape character, which codes cannot hold, for safety).
		// On PostgreSQL the trigram index dossiers_code_trgm_idx (migration
		// 00006) is over exactly LOWER(code): keep the expression as it is,
		// or the planner goes back to reading every dossier. pgx sends the
		// pattern as a parameter; the planner still plans with its value
		// (custom plans), choosing the trigram index for a rare text and
		// the (received_at, code) order for a common one.
		pat := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(f.CodeContains))
		conds = append(conds, "LOWER(d.code) LIKE "+a.Add("%"+pat+"%")+` ESCAPE '\'`)
	}
	if len(f.Statuses) > 0 {
		conds = append(conds, a.In("d.status", Strings(f.Statuses)))
	}
	if len(f.States) == 1 {
		// Equality, not a list, so (unit_code, digitization_state,
		// received_at, code) yields rows in order.
		conds = append(conds, "d.digitization_state = "+a.Add(f.States[0]))
	} else if len(f.States) > 1 {
		conds = append(conds, a.In("d.digitization_state", Strings(f.States)))
	}
	if !f.ReceivedFrom.IsZero() {
		conds = append(conds, "d.received_at >= "+a.Time(f.ReceivedFrom))
	}
	if !f.ReceivedBefore.IsZero() {
		conds = append(conds, "d.received_at < "+a.Time(f.ReceivedBefore))
	}
	if !f.ResolvedFrom.IsZero() {
		conds = append(conds, "d.resolved_at >= "+a.Time(f.ResolvedFrom))
	}
	if !f.ResolvedBefore.IsZero() {
		conds = append(conds, "d.resolved_at < "+a.Time(f.ResolvedBefore))
	}
	return conds
}

// DossierOrder adds f's cursor to conds and returns them with the ORDER BY
// and LIMIT of a page of limit dossiers; it reads one more to learn whether
// another page follows (see DossierPage).
func DossierOrder(f *sohoa.DossierFilter, limit int, conds []string, a *Args) ([]string, string) {
	order, cmp := "ASC", ">"
	if f.Descending {
		order, cmp = "DESC", "<"
	}
	if f.Cursor != "" {
		at, code, _ := sohoa.DecodeDossierCursor(f.Cursor)
		conds = append(conds, "(d.received_at, d.code) "+cmp+" ("+a.Time(at)+", "+a.Add(code)+")")
	}
	return conds, ` ORDER BY d.received_at ` + order + `, d.code ` + order + ` LIMIT ` + a.Add(limit+1)
}

// DossierPage is the page of the dossiers read with DossierOrder's limit.
func DossierPage(ds []*sohoa.Dossier, limit int) *sohoa.DossierPage {
	page := &sohoa.DossierPage{Dossiers: ds}
	if len(ds) > limit {
		page.Dossiers = ds[:limit]
		last := ds[limit-1]
		page.NextCursor = sohoa.EncodeDossierCursor(last.ReceivedAt, last.Code)
	}
	if len(page.Dossiers) == 0 {
		page.Dossiers = []*sohoa.Dossier{}
	}
	return page
}

// CountDossiersQuery is CountDossiers' query for the conditions conds.
func CountDossiersQuery(conds []string) string {
	return `SELECT d.unit_code, d.digitization_state, count(*) FROM dossiers d` + JoinConds(conds) +
		` GROUP BY d.unit_code, d.digitization_state ORDER BY d.unit_code, d.digitization_state`
}
