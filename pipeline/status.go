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

// waitPoll is how often WaitDocuments looks at the queue.
const waitPoll = 200 * time.Millisecond

// listChunk is how many documents one job-list query asks about; each has
// at most one unfinished job per kind (unique jobs), so a page of
// 2*listChunk rows holds them all.
const listChunk = 400

func (p *Pipeline) waitDocuments(ctx context.Context, ids []int64) error {
	q, err := p.client()
	if err != nil {
		return err
	}
	left := append([]int64(nil), ids...)
	for {
		var still []int64
		for start := 0; start < len(left); start += listChunk {
			chunk := left[start:min(start+listChunk, len(left))]
			busy, err := p.unfinished(ctx, q, chunk)
			if err != nil {
				return fmt.Errorf("wait for documents: %w", err)
			}
			for _, id := range chunk {
				if busy[id] {
					still = append(still, id)
				}
			}
		}
		if len(still) == 0 {
			return nil
		}
		left = still
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for documents (%d not processed yet): %w", len(left), ctx.Err())
		case <-time.After(waitPoll):
		}
	}
}

// unfinished returns the documents (of at most listChunk) with an inspect
// or verify job not finished yet.
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
	params := river.NewJobListParams().Kinds(KindInspect, KindVerify).States(states...).
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
	ev, err := evaluateDossier(ctx, p.cfg.Catalog, d)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ev.docs))
	for i, doc := range ev.docs {
		ids[i] = doc.ID
	}
	// Pending and failed jobs, newest first per document.
	pending := map[int64]bool{}
	failed := map[int64]string{}
	for start := 0; start < len(ids); start += listChunk {
		chunk := ids[start:min(start+listChunk, len(ids))]
		jobs, err := p.docJobs(ctx, q, chunk, slices.Concat(unfinishedStates, []rivertype.JobState{rivertype.JobStateDiscarded, rivertype.JobStateCancelled})...)
		if err != nil {
			return nil, fmt.Errorf("status of dossier %s: jobs: %w", code, err)
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
	st := &DossierStatus{Dossier: d, Documents: make([]DocumentStatus, 0, len(ev.docs)), Missing: ev.missing, Digitized: len(ev.missing) == 0}
	for _, doc := range ev.docs {
		ds := DocumentStatus{Document: *doc, Pending: pending[doc.ID]}
		if in := ev.ins[doc.ID]; in != nil {
			ds.Inspection = &InspectionJSON{Outcome: in.Outcome, Findings: in.Findings, PolicyName: in.PolicyName,
				InspectorVersion: in.InspectorVersion, InspectedAt: in.CreatedAt}
		}
		if v := ev.ver[doc.ID]; v != nil {
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
		st.Documents = append(st.Documents, ds)
	}
	return st, nil
}
