package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sohoa/sohoa"
)

// waitPoll is how often WaitDocuments looks for results; it asks River
// about the documents still without one every waitJobsEvery polls.
const (
	waitPoll      = 200 * time.Millisecond
	waitJobsEvery = 10
)

// listChunk is how many documents one query asks about; each has at most
// one unfinished job per kind (unique jobs), so a page of 2*listChunk job
// rows holds them all.
const listChunk = 400

// waitDocuments polls the catalog (indexed by document) for results, and
// River (whose job table is not indexed by document) only for the
// documents still without one, and less often: a document without a
// result and without an unfinished job has failed for good.
func (p *Pipeline) waitDocuments(ctx context.Context, ids []int64, report func(done int)) error {
	q, err := p.client()
	if err != nil {
		return err
	}
	left := slices.Clone(ids)
	for poll := 0; ; poll++ {
		if report != nil && poll > 0 {
			report(len(ids) - len(left))
		}
		var still []int64
		for start := 0; start < len(left); start += listChunk {
			chunk := left[start:min(start+listChunk, len(left))]
			open, err := p.withoutResults(ctx, chunk)
			if err != nil {
				return fmt.Errorf("wait for documents: %w", err)
			}
			if len(open) > 0 && poll%waitJobsEvery == waitJobsEvery-1 {
				busy, err := p.unfinished(ctx, q, open)
				if err != nil {
					return fmt.Errorf("wait for documents: %w", err)
				}
				open = slices.DeleteFunc(open, func(id int64) bool { return !busy[id] })
			}
			still = append(still, open...)
		}
		if len(still) == 0 {
			if report != nil {
				report(len(ids))
			}
			return nil
		}
		left = still
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for documents (%d not processed yet): %w", len(left), ctx.Err())
		case <-time.After(waitPoll * time.Duration(1+len(left)/1000)): // a look costs more with more left
		}
	}
}

// withoutResults returns the documents that lack an inspection or a
// verification.
func (p *Pipeline) withoutResults(ctx context.Context, ids []int64) ([]int64, error) {
	ins, err := p.cfg.Catalog.LatestInspections(ctx, ids)
	if err != nil {
		return nil, err
	}
	ver, err := p.cfg.Catalog.LatestVerdicts(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, id := range ids {
		if ins[id] == nil || ver[id] == nil {
			out = append(out, id)
		}
	}
	return out, nil
}

// unfinished returns the documents (of at most listChunk) with an inspect
// job not finished yet.
func (p *Pipeline) unfinished(ctx context.Context, q queue, ids []int64) (map[int64]bool, error) {
	jobs, err := p.docJobs(ctx, q, ids, unfinishedStates...)
	if err != nil {
		return nil, err
	}
	busy := make(map[int64]bool, len(jobs))
	for _, j := range jobs {
		busy[jobDocument(j)] = true
	}
	return busy, nil
}

func (p *Pipeline) docJobs(ctx context.Context, q queue, ids []int64, states ...rivertype.JobState) ([]*rivertype.JobRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	where, args := q.docsWhere(ids)
	params := river.NewJobListParams().Kinds(KindProcess, KindInspect, KindVerify).States(states...).
		Where(where, args).First(min(10_000, 2*len(ids)+10))
	res, err := q.list(ctx, params)
	if err != nil {
		return nil, err
	}
	return res.Jobs, nil
}

func jobDocument(j *rivertype.JobRow) int64 {
	var a struct {
		DocumentID int64 `json:"document_id"`
	}
	_ = json.Unmarshal(j.EncodedArgs, &a)
	return a.DocumentID
}

func (p *Pipeline) status(ctx context.Context, code string) (*DossierStatus, error) {
	if err := sohoa.ValidateDossierCode(code); err != nil {
		return nil, err
	}
	q, err := p.client()
	if err != nil {
		return nil, err
	}
	d, err := p.cfg.Catalog.FindDossierByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	ev, err := evaluateDossier(ctx, p.cfg.Catalog, d, false)
	if err != nil {
		return nil, err
	}
	docs, err := p.documentStatuses(ctx, q, ev.docs, ev.ins, ev.ver)
	if err != nil {
		return nil, fmt.Errorf("status of dossier %s: %w", code, err)
	}
	st := &DossierStatus{Dossier: d, Documents: docs, Missing: ev.missing,
		Digitized: ev.state == sohoa.DigitizationDigitized, ScannedChecked: ev.scan == sohoa.ScanChecked}
	return st, nil
}

// Documents returns the status of each given document, in the order given:
// its latest inspection and verification, whether jobs are still pending,
// and the permanent failure recorded on it, if any. Sources use it after
// WaitDocuments to tell the operator what became of each file (a file
// whose Error is set failed for good: unreadable, or its jobs gave up).
// An unknown ID is ENOTFOUND.
func (p *Pipeline) Documents(ctx context.Context, ids []int64) ([]DocumentStatus, error) {
	q, err := p.client()
	if err != nil {
		return nil, err
	}
	out := make([]DocumentStatus, 0, len(ids))
	for start := 0; start < len(ids); start += listChunk {
		chunk := ids[start:min(start+listChunk, len(ids))]
		docs := make([]*sohoa.Document, len(chunk))
		for i, id := range chunk {
			if docs[i], err = p.cfg.Catalog.FindDocumentByID(ctx, id); err != nil {
				return nil, err
			}
		}
		ins, err := p.cfg.Catalog.LatestInspections(ctx, chunk)
		if err != nil {
			return nil, err
		}
		ver, err := p.cfg.Catalog.LatestVerifications(ctx, chunk)
		if err != nil {
			return nil, err
		}
		st, err := p.documentStatuses(ctx, q, docs, ins, ver)
		if err != nil {
			return nil, err
		}
		out = append(out, st...)
	}
	return out, nil
}

// documentStatuses joins documents with their latest results and their
// River jobs (pending ones, and the last error of failed ones).
func (p *Pipeline) documentStatuses(ctx context.Context, q queue, docs []*sohoa.Document,
	ins map[int64]*sohoa.Inspection, ver map[int64]*sohoa.Verification) ([]DocumentStatus, error) {
	ids := make([]int64, len(docs))
	for i, doc := range docs {
		ids[i] = doc.ID
	}
	pending := map[int64]bool{}
	failed := map[int64]string{}
	for start := 0; start < len(ids); start += listChunk {
		chunk := ids[start:min(start+listChunk, len(ids))]
		jobs, err := p.docJobs(ctx, q, chunk, slices.Concat(unfinishedStates, []rivertype.JobState{rivertype.JobStateDiscarded, rivertype.JobStateCancelled})...)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		for _, j := range jobs {
			id := jobDocument(j)
			switch j.State {
			case rivertype.JobStateDiscarded, rivertype.JobStateCancelled:
				if len(j.Errors) > 0 {
					failed[id] = fmt.Sprintf("%s job %s after %d attempt(s): %s", j.Kind, j.State, j.Attempt, j.Errors[len(j.Errors)-1].Error)
				}
			default:
				pending[id] = true
			}
		}
	}
	out := make([]DocumentStatus, 0, len(docs))
	for _, doc := range docs {
		ds := DocumentStatus{Document: *doc, Pending: pending[doc.ID]}
		if in := ins[doc.ID]; in != nil {
			ds.Inspection = &InspectionJSON{Outcome: in.Outcome, Findings: in.Findings, PolicyName: in.PolicyName,
				InspectorVersion: in.InspectorVersion, InspectedAt: in.CreatedAt}
		}
		if v := ver[doc.ID]; v != nil {
			h := decodeReport(v)
			ds.Verification = &VerificationJSON{Indication: v.Indication, SubIndication: v.SubIndication, Summary: h.Summary,
				Signatures: len(h.Signatures), VerifiedAt: v.CreatedAt, VerifierVersion: v.VerifierVersion,
				TrustAnchorsSHA256: v.TrustAnchorsSHA256, Error: h.Error, Report: v.ReportJSON}
			if h.Error != "" {
				ds.Error = "cannot be read: " + h.Error
			}
		}
		if ds.Error == "" && !ds.Pending && (ds.Inspection == nil || ds.Verification == nil) {
			ds.Error = failed[doc.ID]
		}
		out = append(out, ds)
	}
	return out, nil
}
