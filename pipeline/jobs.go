package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/inspect"
	"github.com/sohoa/sohoa/verify"
)

// Finding rule for files that are not PDFs at all; the inspector's own
// rule for unreadable PDFs has the same name.
const ruleReadable = inspect.RuleReadable

// jobErr decides between retrying and giving up: a bad reference or input
// (EINVALID, ENOTFOUND, EFORBIDDEN: a deleted document, a bug) will not get
// better, so the job is cancelled with the error kept on it; anything else
// (storage, database, a cancelled context at shutdown) is returned for River
// to retry with backoff. Verdicts on the file itself (not a PDF, unreadable)
// are not errors: they are recorded as results and the job completes.
func jobErr(err error) error {
	if err == nil {
		return nil
	}
	var te *transientError
	if errors.As(err, &te) {
		return err
	}
	switch sohoa.Code(err) {
	case sohoa.EINVALID, sohoa.ENOTFOUND, sohoa.EFORBIDDEN:
		return river.JobCancel(err)
	}
	return err
}

type inspectWorker struct {
	river.WorkerDefaults[inspectArgs]
	p *Pipeline
}

func (w *inspectWorker) Work(ctx context.Context, job *river.Job[inspectArgs]) error {
	return jobErr(w.p.runInspect(ctx, job.Args.DocumentID, w.p.jobLog(job.JobRow.ID, KindInspect, job.Args.DocumentID, job.Attempt)))
}

type verifyWorker struct {
	river.WorkerDefaults[verifyArgs]
	p *Pipeline
}

func (w *verifyWorker) Work(ctx context.Context, job *river.Job[verifyArgs]) error {
	return jobErr(w.p.runVerify(ctx, job.Args, w.p.jobLog(job.JobRow.ID, KindVerify, job.Args.DocumentID, job.Attempt)))
}

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	p *Pipeline
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[sweepArgs]) error {
	res, err := w.p.Sweep(ctx)
	if err != nil {
		return err
	}
	w.p.log.Info("sweep done", "job", job.ID, "inspect", res.Inspect, "verify", res.Verify, "reverify", res.Reverify, "documents", res.Documents)
	return nil
}

func (p *Pipeline) jobLog(jobID int64, kind string, docID int64, attempt int) *slog.Logger {
	return p.log.With("job", jobID, "kind", kind, "document", docID, "attempt", attempt)
}

// loadDoc reads the job's document and runs the test hook.
func (p *Pipeline) loadDoc(ctx context.Context, kind string, id int64, log *slog.Logger) (*sohoa.Document, error) {
	log.Info("job started")
	doc, err := p.cfg.Catalog.FindDocumentByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%s document %d: %w", kind, id, err)
	}
	if p.beforeWork != nil {
		p.beforeWork(kind, doc)
	}
	return doc, nil
}

func (p *Pipeline) runInspect(ctx context.Context, id int64, log *slog.Logger) error {
	doc, err := p.loadDoc(ctx, KindInspect, id, log)
	if err != nil {
		return err
	}
	// River runs a job at least once: after a crash between our commit and
	// River marking the job done it runs again. Inspection under the same
	// rules and policy gives the same result, so a second run records
	// nothing.
	prev, err := p.cfg.Catalog.LatestInspections(ctx, []int64{id})
	if err != nil {
		return err
	}
	if in, ok := prev[id]; ok && in.InspectorVersion == inspect.Version && in.PolicyName == p.policy.Name {
		log.Info("already inspected under this policy; nothing to do", "inspection", in.ID)
		return nil
	}
	f, err := p.openBlob(ctx, doc, true)
	if err != nil {
		return err
	}
	defer f.Close()
	in := &sohoa.Inspection{DocumentID: id, PolicyName: p.policy.Name, InspectorVersion: inspect.Version}
	if !f.isPDF {
		in.Outcome = sohoa.InspectionFail
		in.Findings = []sohoa.Finding{{Rule: ruleReadable, Outcome: sohoa.InspectionFail,
			Message: fmt.Sprintf("the file is not a PDF (%s); scan or export the document to PDF and upload it again", doc.MediaType)}}
	} else {
		res, err := inspect.Inspect(ctx, f, f.size, p.policy)
		if err != nil {
			return transientf("inspect document %d: %w", id, err)
		}
		in.Outcome, in.Findings = res.Outcome, res.Findings
	}
	if err := p.saveAndRecord(ctx, doc, func(tx sohoa.Catalog) error { return tx.CreateInspection(ctx, in) }); err != nil {
		return err
	}
	log.Info("inspected", "outcome", in.Outcome, "findings", len(in.Findings), "inspection", in.ID)
	return nil
}

func (p *Pipeline) runVerify(ctx context.Context, args verifyArgs, log *slog.Logger) error {
	id := args.DocumentID
	doc, err := p.loadDoc(ctx, KindVerify, id, log)
	if err != nil {
		return err
	}
	var latest *sohoa.Verification
	switch v, err := p.cfg.Catalog.LatestVerification(ctx, id); {
	case err == nil:
		latest = v
	case sohoa.Code(err) != sohoa.ENOTFOUND:
		return err
	}
	if latest != nil && !args.Reverify {
		// A repeated first run (see runInspect).
		log.Info("already verified; nothing to do", "verification", latest.ID)
		return nil
	}
	f, err := p.openBlob(ctx, doc, false)
	if err != nil {
		return err
	}
	defer f.Close()
	var rep *verify.Report
	if !f.isPDF {
		rep = p.unreadable(doc, fmt.Sprintf("the file is not a PDF (%s)", doc.MediaType))
	} else {
		rep, err = p.cfg.Verifier.Verify(ctx, f, f.size)
		if errors.Is(err, verify.ErrUnreadable) && ctx.Err() == nil {
			rep = p.unreadable(doc, unreadableMessage(err))
		} else if err != nil {
			return transientf("verify document %d: %w", id, err)
		}
	}
	report, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("verify document %d: encode report: %w", id, err)
	}
	v := &sohoa.Verification{
		DocumentID:         id,
		Indication:         string(rep.Indication),
		SubIndication:      string(rep.SubIndication),
		ReportJSON:         report,
		VerifierVersion:    rep.VerifierVersion,
		TrustAnchorsSHA256: rep.TrustAnchorsSHA256,
	}
	if latest != nil && sameVerdict(latest, v) {
		// Re-verification exists for verdicts that may change; history
		// records changes, not every poll.
		log.Info("re-verified: verdict unchanged, not recorded", "indication", v.Indication, "sub_indication", v.SubIndication)
		return nil
	}
	if err := p.saveAndRecord(ctx, doc, func(tx sohoa.Catalog) error { return tx.CreateVerification(ctx, v) }); err != nil {
		return err
	}
	log.Info("verified", "indication", v.Indication, "sub_indication", v.SubIndication, "verification", v.ID, "reverify", args.Reverify)
	return nil
}

func sameVerdict(a, b *sohoa.Verification) bool {
	return a.Indication == b.Indication && a.SubIndication == b.SubIndication &&
		a.VerifierVersion == b.VerifierVersion && a.TrustAnchorsSHA256 == b.TrustAnchorsSHA256
}

// unreadable is the verdict recorded for a file the verifier cannot read
// at all: TOTAL_FAILED with FORMAT_FAILURE (ETSI EN 319 102-1: the
// signature, here the whole file, cannot be processed), and the reason in
// the report's error, as `sohoa verify --json` reports it.
func (p *Pipeline) unreadable(doc *sohoa.Document, msg string) *verify.Report {
	return &verify.Report{
		Error:              msg,
		Format:             "pdf",
		Size:               doc.Size,
		Indication:         verify.TotalFailed,
		SubIndication:      verify.FormatFailure,
		Summary:            "cannot be read as a PDF: " + msg,
		Signatures:         []verify.SignatureReport{},
		UnsignedFields:     []string{},
		VerifiedAt:         p.now().UTC(),
		VerifierVersion:    verify.Version,
		TrustAnchorsSHA256: p.anchors,
	}
}

func unreadableMessage(err error) string {
	msg := err.Error()
	prefix := verify.ErrUnreadable.Error() + ": "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		msg = msg[len(prefix):]
	}
	return msg
}
