package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"

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

type processWorker struct {
	river.WorkerDefaults[processArgs]
	p *Pipeline
}

func (w *processWorker) Work(ctx context.Context, job *river.Job[processArgs]) error {
	id := job.Args.DocumentID
	want := steps{inspect: true, verify: true, reverify: job.Args.Reverify}
	return jobErr(w.p.runDocument(ctx, KindProcess, id, want, w.p.jobLog(job.JobRow.ID, KindProcess, id, job.Attempt)))
}

// inspectWorker and verifyWorker run the single-step jobs of earlier
// versions, which a catalog may still hold.
type inspectWorker struct {
	river.WorkerDefaults[inspectArgs]
	p *Pipeline
}

func (w *inspectWorker) Work(ctx context.Context, job *river.Job[inspectArgs]) error {
	id := job.Args.DocumentID
	return jobErr(w.p.runDocument(ctx, KindInspect, id, steps{inspect: true}, w.p.jobLog(job.JobRow.ID, KindInspect, id, job.Attempt)))
}

type verifyWorker struct {
	river.WorkerDefaults[verifyArgs]
	p *Pipeline
}

func (w *verifyWorker) Work(ctx context.Context, job *river.Job[verifyArgs]) error {
	id := job.Args.DocumentID
	want := steps{verify: true, reverify: job.Args.Reverify}
	return jobErr(w.p.runDocument(ctx, KindVerify, id, want, w.p.jobLog(job.JobRow.ID, KindVerify, id, job.Attempt)))
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

// steps are what a job asks for: inspect the document, verify it, or
// verify it again although it has a verdict (reverify, from the sweep: a
// new run is recorded only when its verdict differs).
type steps struct{ inspect, verify, reverify bool }

// Step names, passed to the beforeWork test hook.
const (
	stepInspect = "inspect"
	stepVerify  = "verify"
)

// stepPanic is a panic recovered in one step, re-raised once the other
// step's result is recorded.
type stepPanic struct {
	value any
	stack []byte
}

// runDocument runs a job's steps over one read of the document's bytes and
// records their results with the dossier's new state in one transaction.
//
// River runs a job at least once: after a crash between our commit and
// River marking the job done it runs again. A step whose result exists
// already (an inspection under the same rules and policy, a first
// verification) is skipped, so a second run records nothing. Each step is
// isolated: an error or a panic in one still records the other's result,
// then fails the job, and the retry runs only the missing step.
func (p *Pipeline) runDocument(ctx context.Context, kind string, id int64, want steps, log *slog.Logger) error {
	log.Info("job started")
	doc, err := p.cfg.Catalog.FindDocumentByID(ctx, id)
	if err != nil {
		return fmt.Errorf("%s document %d: %w", kind, id, err)
	}
	if want.inspect {
		prev, err := p.cfg.Catalog.LatestInspections(ctx, []int64{id})
		if err != nil {
			return err
		}
		if in, ok := prev[id]; ok && in.InspectorVersion == inspect.Version && in.PolicyName == p.policy.Name {
			log.Info("already inspected under this policy", "inspection", in.ID)
			want.inspect = false
		}
	}
	var latest *sohoa.Verification
	if want.verify {
		verdicts, err := p.cfg.Catalog.LatestVerdicts(ctx, []int64{id})
		if err != nil {
			return err
		}
		latest = verdicts[id]
		if latest != nil && !want.reverify {
			log.Info("already verified", "verification", latest.ID)
			want.verify = false
		}
	}
	if !want.inspect && !want.verify {
		log.Info("nothing to do")
		return nil
	}

	f, err := p.openBlob(ctx, doc, want.inspect)
	if err != nil {
		return err
	}
	defer f.Close()
	var (
		in      *sohoa.Inspection
		v       *sohoa.Verification
		errs    []error
		panicky *stepPanic
	)
	step := func(name string, run func() error) {
		defer func() {
			if r := recover(); r != nil {
				panicky = &stepPanic{value: r, stack: debug.Stack()}
			}
		}()
		if p.beforeWork != nil {
			p.beforeWork(name, doc)
		}
		if err := run(); err != nil {
			errs = append(errs, err)
		}
	}
	if want.verify {
		step(stepVerify, func() (err error) { v, err = p.verifyDoc(ctx, doc, f, latest, log); return err })
	}
	if want.inspect {
		step(stepInspect, func() (err error) { in, err = p.inspectDoc(ctx, doc, f); return err })
	}
	if in != nil || v != nil {
		err := p.saveAndRecord(ctx, doc, func(tx sohoa.Catalog, d *sohoa.Dossier, insert insertFunc) error {
			if in != nil {
				if err := tx.CreateInspection(ctx, in); err != nil {
					return err
				}
			}
			if v != nil {
				if err := tx.CreateVerification(ctx, v); err != nil {
					return err
				}
			}
			return p.enqueueCertify(ctx, tx, insert, doc, d, in, v, log)
		}, func(tx sohoa.Catalog) error {
			// The log records each verdict and outcome, so `sohoa audit
			// verify` can tell when a stored one is changed later.
			e, err := sohoa.NewAuditResults(actorSystem, doc, in, v)
			if err != nil {
				return err
			}
			return tx.AppendAudit(ctx, e)
		})
		if err != nil {
			return err
		}
		if in != nil {
			log.Info("inspected", "outcome", in.Outcome, "findings", len(in.Findings), "inspection", in.ID)
		}
		if v != nil {
			log.Info("verified", "indication", v.Indication, "sub_indication", v.SubIndication, "verification", v.ID, "reverify", want.reverify)
		}
		if p.cfg.OnRecorded != nil {
			p.cfg.OnRecorded(in, v)
		}
	}
	if panicky != nil {
		log.Error("job panicked", "panic", fmt.Sprint(panicky.value), "stack", string(panicky.stack))
		panic(panicky.value) // River fails the attempt with the panic's message
	}
	return errors.Join(errs...)
}

// inspectDoc inspects the document's bytes under the pipeline's policy.
func (p *Pipeline) inspectDoc(ctx context.Context, doc *sohoa.Document, f *blobFile) (*sohoa.Inspection, error) {
	in := &sohoa.Inspection{DocumentID: doc.ID, PolicyName: p.policy.Name, InspectorVersion: inspect.Version}
	if !f.isPDF {
		in.Outcome = sohoa.InspectionFail
		r := sohoa.NewReason(inspect.CodeNotPDFFile, "type", doc.MediaType)
		in.Findings = []sohoa.Finding{{Rule: ruleReadable, Outcome: sohoa.InspectionFail,
			Code: r.Code, Params: r.Params, Message: r.Text(sohoa.LangEN)}}
		return in, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, transientf("inspect document %d: %w", doc.ID, err)
	}
	res, err := inspect.Inspect(ctx, f, f.size, p.policy)
	if err != nil {
		return nil, transientf("inspect document %d: %w", doc.ID, err)
	}
	in.Outcome, in.Findings = res.Outcome, res.Findings
	return in, nil
}

// verifyDoc verifies the document's bytes. It returns nil when latest
// already holds the same verdict (re-verification exists for verdicts that
// may change; history records changes, not every poll).
func (p *Pipeline) verifyDoc(ctx context.Context, doc *sohoa.Document, f *blobFile, latest *sohoa.Verification, log *slog.Logger) (*sohoa.Verification, error) {
	var rep *verify.Report
	if !f.isPDF {
		rep = p.cfg.Verifier.UnreadableReport("pdf", doc.Size, fmt.Sprintf("the file is not a PDF (%s)", doc.MediaType))
	} else {
		var err error
		rep, err = p.cfg.Verifier.Verify(ctx, f, f.size)
		if err != nil {
			return nil, transientf("verify document %d: %w", doc.ID, err)
		}
	}
	report, err := json.Marshal(rep)
	if err != nil {
		return nil, fmt.Errorf("verify document %d: encode report: %w", doc.ID, err)
	}
	v := &sohoa.Verification{
		DocumentID:         doc.ID,
		Indication:         string(rep.Indication),
		SubIndication:      string(rep.SubIndication),
		ReportJSON:         report,
		VerifierVersion:    rep.VerifierVersion,
		TrustAnchorsSHA256: rep.TrustAnchorsSHA256,
	}
	if latest != nil && sameVerdict(latest, v) {
		log.Info("re-verified: verdict unchanged, not recorded", "indication", v.Indication, "sub_indication", v.SubIndication)
		return nil, nil
	}
	return v, nil
}

func sameVerdict(a, b *sohoa.Verification) bool {
	return a.Indication == b.Indication && a.SubIndication == b.SubIndication &&
		a.VerifierVersion == b.VerifierVersion && a.TrustAnchorsSHA256 == b.TrustAnchorsSHA256
}
