package pipeline

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
)

// A unit's periodic report (báo cáo định kỳ) is a document of role report
// in the dossier sohoa.ReportDossierCode(unit, period), of the procedure
// sohoa.ReportProcedureCode. Whatever brings it in (SubmitReport, which
// `sohoa report make` and the web call, an API upload with role report
// into that dossier, the hot folder), the transaction that records the
// new document also records the submission (sohoa.PeriodicReport) with
// an audit entry: nothing waits for the verification. The progress
// figures count a submitted report as signed once its document's latest
// verification is TOTAL_PASSED, and as on time when it was submitted
// before the deadline, so a verdict landing later, or changing on
// re-verification, needs nothing more here. The same bytes sent again for
// the same period are a duplicate document and record nothing.

// ActionReportSubmit is the audit action of a periodic report recorded,
// on the object "unit:<code>".
const ActionReportSubmit = "report.submit"

// ReportSubmission is a unit's periodic report for SubmitReport.
type ReportSubmission struct {
	Unit   string
	Period sohoa.Period
	// Body is the signed report (a PDF); it is streamed like any upload.
	Body io.Reader
	// FileName defaults to bao-cao-<unit>-<period>.pdf.
	FileName string
	// Source defaults to api; UploadedBy is the audit actor.
	Source     sohoa.DocumentSource
	UploadedBy string
	// SubmittedAt is the submission's time, which decides on time or late;
	// zero means now. Only the first report of a period creates its
	// dossier, which is received at that time.
	SubmittedAt time.Time
}

// SubmitReport stores r's report through Ingest as a document of role
// report in the unit's report dossier for the period (creating the
// procedure and the dossier with the first report), which records the
// submission in the same transaction. It does not wait for the workers:
// WaitDocuments on the result's document waits for the verification. A
// result with Duplicate set is a report already submitted (the same
// bytes): nothing new was recorded.
func (p *Pipeline) SubmitReport(ctx context.Context, r ReportSubmission) (*IngestResult, error) {
	if err := sohoa.ValidateCode("unit", r.Unit); err != nil {
		return nil, err
	}
	if _, err := sohoa.ParsePeriod(r.Period.String()); err != nil {
		return nil, err
	}
	at := r.SubmittedAt
	if at.IsZero() {
		at = p.now()
	}
	if r.FileName == "" {
		r.FileName = "bao-cao-" + strings.ToLower(r.Unit) + "-" + r.Period.String() + ".pdf"
	}
	if r.Source == "" {
		r.Source = sohoa.SourceAPI
	}
	if err := p.ensureReportProcedure(ctx, r.UploadedBy); err != nil {
		return nil, err
	}
	return p.ingest(ctx, IngestRequest{
		DossierCode: sohoa.ReportDossierCode(r.Unit, r.Period),
		NewDossier:  &sohoa.Dossier{UnitCode: r.Unit, ProcedureCode: sohoa.ReportProcedureCode, ReceivedAt: at},
		Role:        sohoa.RoleReport,
		FileName:    r.FileName,
		MediaType:   "application/pdf",
		Source:      r.Source,
		UploadedBy:  r.UploadedBy,
		Body:        r.Body,
		submittedAt: at,
	})
}

// ensureReportProcedure creates the procedure of the report dossiers when
// it is missing, with its audit entry.
func (p *Pipeline) ensureReportProcedure(ctx context.Context, actor string) error {
	cat := p.cfg.Catalog
	_, err := cat.FindProcedureByCode(ctx, sohoa.ReportProcedureCode)
	if sohoa.Code(err) != sohoa.ENOTFOUND {
		return err
	}
	err = cat.WithTx(ctx, func(tx sohoa.Catalog) error {
		if err := tx.CreateProcedure(ctx, &sohoa.Procedure{Code: sohoa.ReportProcedureCode, Name: sohoa.ReportProcedureName}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: actor, Action: "procedure.create", Object: "procedure:" + sohoa.ReportProcedureCode})
	})
	if sohoa.Code(err) == sohoa.ECONFLICT { // created meanwhile
		return nil
	}
	return err
}

// ReportPeriodOf says which unit and period a report dossier holds the
// reports of; ok is false for any other dossier.
func ReportPeriodOf(d *sohoa.Dossier) (unit string, period sohoa.Period, ok bool) {
	if d.ProcedureCode != sohoa.ReportProcedureCode {
		return "", sohoa.Period{}, false
	}
	rest, found := strings.CutPrefix(d.Code, d.UnitCode+"-BC-")
	if !found {
		return "", sohoa.Period{}, false
	}
	p, err := sohoa.ParsePeriod(rest)
	if err != nil || sohoa.ReportDossierCode(d.UnitCode, p) != d.Code {
		return "", sohoa.Period{}, false
	}
	return d.UnitCode, p, true
}

// recordReport records doc, just ingested (or found as a duplicate), as
// its unit's periodic report when it is a report in a report dossier and
// is not recorded yet, at req's submission time (now, unless
// SubmitReport set one).
func (p *Pipeline) recordReport(ctx context.Context, tx sohoa.Catalog, req *IngestRequest, doc *sohoa.Document) error {
	if doc.Role != sohoa.RoleReport {
		return nil
	}
	d, err := tx.FindDossierByCode(ctx, doc.DossierCode)
	if err != nil {
		return err
	}
	unit, period, ok := ReportPeriodOf(d)
	if !ok {
		return nil // a report filed elsewhere is a document like any other
	}
	prev, err := tx.FindPeriodicReports(ctx, sohoa.ReportFilter{Scope: sohoa.AllUnits, UnitCode: unit, Period: period.String()})
	if err != nil {
		return err
	}
	for _, r := range prev {
		if r.DocumentID == doc.ID {
			return nil
		}
	}
	at := req.submittedAt
	if at.IsZero() {
		at = p.now()
	}
	r := &sohoa.PeriodicReport{UnitCode: unit, Period: period.String(), DocumentID: doc.ID, SubmittedAt: at}
	if err := tx.CreatePeriodicReport(ctx, r); err != nil {
		return err
	}
	details, err := json.Marshal(map[string]any{
		"period": r.Period, "document": doc.ID, "dossier": doc.DossierCode, "sha256": doc.BlobKey,
		"submitted_at": r.SubmittedAt, "source": req.Source,
	})
	if err != nil {
		return err
	}
	return tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: req.UploadedBy, Action: ActionReportSubmit, Object: "unit:" + unit, Details: details})
}
