package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/sohoa/sohoa"
)

// saveAndRecord writes a job's result and recomputes the dossier's
// digitization state in one transaction, so the state never disagrees with
// the rows it is computed from; then audit, when set, appends the results'
// audit entry. It comes last because an append holds the audit log's lock
// until the commit: every job's transaction takes it.
func (p *Pipeline) saveAndRecord(ctx context.Context, doc *sohoa.Document, write, audit func(tx sohoa.Catalog) error) error {
	return p.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		// Lock the dossier row before anything else (UpdateDossier reads it
		// FOR UPDATE on PostgreSQL; SQLite has one writer anyway): two jobs
		// of one dossier finishing together would otherwise each miss the
		// other's uncommitted result and leave the state stale.
		d, err := tx.UpdateDossier(ctx, doc.DossierCode, sohoa.DossierUpdate{})
		if err != nil {
			return err
		}
		if err := write(tx); err != nil {
			return err
		}
		if _, err = p.recordTx(ctx, tx, d); err != nil || audit == nil {
			return err
		}
		return audit(tx)
	})
}

// Record recomputes a dossier's digitization state from its documents'
// latest results and stores it when it changed (with an audit entry). The
// workers call it after every result; call it after changing what the rule
// depends on (the procedure's required components, the dossier's status).
func (p *Pipeline) Record(ctx context.Context, dossierCode string) (*sohoa.Dossier, error) {
	var out *sohoa.Dossier
	err := p.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		d, err := tx.UpdateDossier(ctx, dossierCode, sohoa.DossierUpdate{})
		if err != nil {
			return err
		}
		out, err = p.recordTx(ctx, tx, d)
		return err
	})
	return out, err
}

func (p *Pipeline) recordTx(ctx context.Context, tx sohoa.Catalog, d *sohoa.Dossier) (*sohoa.Dossier, error) {
	ev, err := evaluateDossier(ctx, tx, d, true)
	if err != nil {
		return nil, err
	}
	state := sohoa.DigitizationIncomplete
	if len(ev.missing) == 0 {
		state = sohoa.DigitizationDigitized
	}
	if d.DigitizationState == state {
		return d, nil
	}
	if state == sohoa.DigitizationIncomplete {
		// The audit entry says what is missing in full, with the reports'
		// reasons (an unreadable file) that the quick evaluation skips.
		if ev, err = evaluateDossier(ctx, tx, d, false); err != nil {
			return nil, err
		}
	}
	from := d.DigitizationState
	d, err = tx.UpdateDossier(ctx, d.Code, sohoa.DossierUpdate{DigitizationState: &state})
	if err != nil {
		return nil, err
	}
	details, _ := json.Marshal(map[string]any{"from": from, "to": state, "missing": ev.missing})
	if err := tx.AppendAudit(ctx, &sohoa.AuditEntry{
		Actor: actorSystem, Action: ActionDossierState, Object: "dossier:" + d.Code, Details: details,
	}); err != nil {
		return nil, err
	}
	p.log.Info("dossier digitization state changed", "dossier", d.Code, "from", from, "to", state)
	return d, nil
}

// evaluation is what the digitization rule looked at.
type evaluation struct {
	procedure *sohoa.Procedure
	docs      []*sohoa.Document
	ins       map[int64]*sohoa.Inspection
	ver       map[int64]*sohoa.Verification
	missing   []string
}

// evaluateDossier applies the digitization rule to d. With quick set it
// stops at the first unmet requirement it can see without reading results
// (a required component with no file at all, the common case while a
// dossier is being scanned), and missing then holds only that one; and it
// reads verdicts without their reports, so an unreadable file's line says
// it has a failed signature rather than why it cannot be read. Whether the
// dossier is digitized is the same either way.
func evaluateDossier(ctx context.Context, c sohoa.Catalog, d *sohoa.Dossier, quick bool) (*evaluation, error) {
	proc, err := c.FindProcedureByCode(ctx, d.ProcedureCode)
	if err != nil {
		return nil, fmt.Errorf("procedure of dossier %s: %w", d.Code, err)
	}
	docs, err := dossierDocuments(ctx, c, d.Code)
	if err != nil {
		return nil, err
	}
	ev := &evaluation{procedure: proc, docs: docs}
	if quick {
		for _, m := range missing(d, proc, docs, nil, nil) {
			if strings.HasSuffix(m, ": no file") {
				ev.missing = []string{m}
				return ev, nil
			}
		}
	}
	ids := make([]int64, len(docs))
	for i, doc := range docs {
		ids[i] = doc.ID
	}
	if ev.ins, err = c.LatestInspections(ctx, ids); err != nil {
		return nil, err
	}
	latest := c.LatestVerifications
	if quick {
		latest = c.LatestVerdicts
	}
	if ev.ver, err = latest(ctx, ids); err != nil {
		return nil, err
	}
	ev.missing = missing(d, proc, docs, ev.ins, ev.ver)
	return ev, nil
}

func dossierDocuments(ctx context.Context, c sohoa.Catalog, code string) ([]*sohoa.Document, error) {
	var out []*sohoa.Document
	f := sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: code, Limit: sohoa.MaxPageSize}
	for {
		page, err := c.FindDocuments(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("documents of dossier %s: %w", code, err)
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out, nil
		}
		f.AfterID = page[len(page)-1].ID
	}
}

// missing applies the digitization rule (see the package documentation)
// and returns one line per unmet requirement, in the procedure's order.
func missing(d *sohoa.Dossier, proc *sohoa.Procedure, docs []*sohoa.Document,
	ins map[int64]*sohoa.Inspection, ver map[int64]*sohoa.Verification) []string {
	out := []string{}
	byComponent := map[string][]*sohoa.Document{}
	var components, results []*sohoa.Document
	for _, doc := range docs {
		switch doc.Role {
		case sohoa.RoleComponent:
			key := componentKey(doc.ComponentName)
			byComponent[key] = append(byComponent[key], doc)
			components = append(components, doc)
		case sohoa.RoleResult:
			results = append(results, doc)
		}
	}
	if len(proc.RequiredComponents) == 0 {
		if p := problem(components, ins, ver); p != "" {
			out = append(out, "component (any; the procedure lists none): "+p)
		}
	}
	for _, name := range proc.RequiredComponents {
		if p := problem(byComponent[componentKey(name)], ins, ver); p != "" {
			out = append(out, fmt.Sprintf("component %q: %s", name, p))
		}
	}
	if d.Status == sohoa.StatusResolved {
		if p := problem(results, ins, ver); p != "" {
			out = append(out, "result: "+p)
		}
	}
	return out
}

// componentKey matches a document's component name with a procedure's:
// trimmed, case-insensitive.
func componentKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// problem returns "" when one of docs satisfies the rule, and otherwise
// why the newest of them does not ("no file" when there is none).
func problem(docs []*sohoa.Document, ins map[int64]*sohoa.Inspection, ver map[int64]*sohoa.Verification) string {
	if len(docs) == 0 {
		return "no file"
	}
	var why string
	for i := len(docs) - 1; i >= 0; i-- { // newest first: documents come in ID order
		p := docProblem(docs[i], ins[docs[i].ID], ver[docs[i].ID])
		if p == "" {
			return ""
		}
		if why == "" {
			why = p
		}
	}
	if len(docs) > 1 {
		why += fmt.Sprintf(" (newest of %d files)", len(docs))
	}
	return why
}

func docProblem(doc *sohoa.Document, in *sohoa.Inspection, v *sohoa.Verification) string {
	name := fmt.Sprintf("%q", doc.FileName)
	if v != nil && v.Indication == sohoa.IndicationTotalFailed && isUnreadable(v) {
		return fmt.Sprintf("%s cannot be read (%s)", name, reportError(v))
	}
	switch {
	case in == nil && v == nil:
		return name + " is not yet inspected and verified"
	case in == nil:
		return name + " is not yet inspected"
	case in.Outcome == sohoa.InspectionFail:
		return fmt.Sprintf("%s fails inspection (%s)", name, failedRules(in))
	case v == nil:
		return name + " is not yet verified"
	case v.Indication == sohoa.IndicationTotalFailed:
		sub := ""
		if v.SubIndication != "" {
			sub = ", " + v.SubIndication
		}
		return fmt.Sprintf("%s has a failed signature (TOTAL_FAILED%s)", name, sub)
	}
	return ""
}

func failedRules(in *sohoa.Inspection) string {
	var rules []string
	seen := map[string]bool{}
	for _, f := range in.Findings {
		if f.Outcome == sohoa.InspectionFail && !seen[f.Rule] {
			seen[f.Rule] = true
			rules = append(rules, f.Rule)
		}
	}
	if len(rules) == 0 {
		return "fail"
	}
	sort.Strings(rules)
	return strings.Join(rules, ", ")
}

// reportHead is the part of a stored verify.Report the pipeline reads.
type reportHead struct {
	Error      string            `json:"error"`
	Summary    string            `json:"summary"`
	Signatures []json.RawMessage `json:"signatures"`
}

func decodeReport(v *sohoa.Verification) reportHead {
	var h reportHead
	_ = json.Unmarshal(v.ReportJSON, &h)
	return h
}

func isUnreadable(v *sohoa.Verification) bool { return decodeReport(v).Error != "" }

func reportError(v *sohoa.Verification) string { return decodeReport(v).Error }
