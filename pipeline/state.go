package pipeline

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sohoa/sohoa"
)

// saveAndRecord writes a job's result and recomputes the dossier's
// digitization state in one transaction, so the state never disagrees with
// the rows it is computed from; write gets the dossier (locked) and can
// enqueue follow-up jobs (the certify job) in that transaction. Then
// audit, when set, appends the results' audit entry. It comes last because
// an append holds the audit log's lock until the commit: every job's
// transaction takes it.
func (p *Pipeline) saveAndRecord(ctx context.Context, doc *sohoa.Document, write func(tx sohoa.Catalog, d *sohoa.Dossier, insert insertFunc) error, audit func(tx sohoa.Catalog) error) error {
	q, err := p.client()
	if err != nil {
		return err
	}
	return q.withTx(ctx, func(tx sohoa.Catalog, insert insertFunc) error {
		// Lock the dossier row before anything else (UpdateDossier reads it
		// FOR UPDATE on PostgreSQL; SQLite has one writer anyway): two jobs
		// of one dossier finishing together would otherwise each miss the
		// other's uncommitted result and leave the state stale.
		d, err := tx.UpdateDossier(ctx, doc.DossierCode, sohoa.DossierUpdate{})
		if err != nil {
			return err
		}
		if err := write(tx, d, insert); err != nil {
			return err
		}
		if _, err = p.recordTx(ctx, tx, d); err != nil || audit == nil {
			return err
		}
		return audit(tx)
	})
}

// Record recomputes a dossier's digitization state and scan state from its
// documents' latest results and stores them when they changed (with an
// audit entry). The workers call it after every result; call it after
// changing what the rule depends on (the procedure's required components,
// the dossier's status, the unit's signing key or policy; RecordUnit).
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

// RecordUnit recomputes the states of a unit's resolved dossiers (the
// ones whose result the unit's policy is about), as Record does each; call
// it after changing the unit's policy (Unit.RequireGovCA). It returns how
// many dossiers' digitization state changed.
func (p *Pipeline) RecordUnit(ctx context.Context, unitCode string) (changed int, err error) {
	f := sohoa.DossierFilter{Scope: sohoa.AllUnits, UnitCode: unitCode, Statuses: []sohoa.DossierStatus{sohoa.StatusResolved}, Limit: sohoa.MaxPageSize}
	for {
		page, err := p.cfg.Catalog.FindDossiers(ctx, f)
		if err != nil {
			return changed, fmt.Errorf("dossiers of unit %s: %w", unitCode, err)
		}
		for _, d := range page.Dossiers {
			after, err := p.Record(ctx, d.Code)
			if err != nil {
				return changed, err
			}
			if after.DigitizationState != d.DigitizationState {
				changed++
			}
		}
		if page.NextCursor == "" {
			return changed, nil
		}
		f.Cursor = page.NextCursor
	}
}

func (p *Pipeline) recordTx(ctx context.Context, tx sohoa.Catalog, d *sohoa.Dossier) (*sohoa.Dossier, error) {
	ev, err := evaluateDossier(ctx, tx, d, true)
	if err != nil {
		return nil, err
	}
	state, scan := ev.state, ev.scan
	if d.DigitizationState == state && d.ScanState == scan {
		return d, nil
	}
	if state == sohoa.DigitizationIncomplete {
		// The audit entry says what is missing in full, with the reports'
		// reasons (an unreadable file) that the quick evaluation skips.
		if ev, err = evaluateDossier(ctx, tx, d, false); err != nil {
			return nil, err
		}
	}
	from, scanFrom := d.DigitizationState, d.ScanState
	d, err = tx.UpdateDossier(ctx, d.Code, sohoa.DossierUpdate{DigitizationState: &state, ScanState: &scan})
	if err != nil {
		return nil, err
	}
	// The audit log keeps the requirements as codes and parameters (with
	// the English line beside each), so any language can render them.
	details, _ := json.Marshal(map[string]any{"from": from, "to": state, "scan_from": scanFrom, "scan_to": scan, "missing": ev.missing})
	if err := tx.AppendAudit(ctx, &sohoa.AuditEntry{
		Actor: actorSystem, Action: ActionDossierState, Object: "dossier:" + d.Code, Details: details,
	}); err != nil {
		return nil, err
	}
	p.log.Info("dossier digitization state changed", "dossier", d.Code, "from", from, "to", state, "scan_from", scanFrom, "scan_to", scan)
	return d, nil
}

// evaluation is what the digitization rule looked at and what it found.
type evaluation struct {
	procedure *sohoa.Procedure
	docs      []*sohoa.Document
	ins       map[int64]*sohoa.Inspection
	ver       map[int64]*sohoa.Verification
	state     sohoa.DigitizationState
	scan      sohoa.ScanState
	missing   []sohoa.Requirement
}

// evaluateDossier reads what the digitization rule (sohoa.
// EvaluateDigitization) needs for d and applies it. With quick set it
// stops at the first required part with no file at all, which needs no
// results (the common case while a dossier is being scanned), and missing
// then holds only that one; and it reads verdicts without their reports,
// so an unreadable file's requirement says it has a failed signature
// rather than why it cannot be read. The states are the same either way:
// a TOTAL_PASSED result's report is read when the unit has a signing key
// or requires the Government CA, since whether the unit signed it, and
// under which infrastructure, is in the report.
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
	facts := sohoa.DigitizationFacts{Dossier: d, Procedure: proc, Documents: docs}
	if quick {
		for _, m := range sohoa.EvaluateDigitization(facts).Missing {
			if m.IsNoFile() {
				ev.state, ev.scan, ev.missing = sohoa.DigitizationIncomplete, sohoa.ScanIncomplete, []sohoa.Requirement{m}
				return ev, nil
			}
		}
	}
	switch k, err := c.FindUnitSigningKey(ctx, d.UnitCode); {
	case err == nil:
		facts.UnitCertSHA256 = k.CertSHA256
	case sohoa.Code(err) != sohoa.ENOTFOUND:
		return nil, fmt.Errorf("signing key of unit %s: %w", d.UnitCode, err)
	}
	if d.Status == sohoa.StatusResolved {
		// The unit's policy on its results' infrastructure.
		u, err := c.FindUnitByCode(ctx, d.UnitCode)
		if err != nil {
			return nil, fmt.Errorf("unit %s: %w", d.UnitCode, err)
		}
		facts.RequireGovCA = u.RequireGovCA
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
	if quick && facts.NeedsResultReports() {
		// Who signed a passing result, and under which infrastructure,
		// is in its report.
		var signed []int64
		for _, doc := range docs {
			if v := ev.ver[doc.ID]; doc.Role == sohoa.RoleResult && v != nil && v.Indication == sohoa.IndicationTotalPassed {
				signed = append(signed, doc.ID)
			}
		}
		if len(signed) > 0 {
			full, err := c.LatestVerifications(ctx, signed)
			if err != nil {
				return nil, err
			}
			for id, v := range full {
				ev.ver[id] = v
			}
		}
	}
	facts.Inspections, facts.Verifications = ev.ins, ev.ver
	res := sohoa.EvaluateDigitization(facts)
	ev.state, ev.scan, ev.missing = res.State, res.Scan, res.Missing
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
