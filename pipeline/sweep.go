package pipeline

import (
	"context"
	"fmt"
	"maps"

	"github.com/riverqueue/river"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/verify"
)

// SweepResult counts the jobs one sweep enqueued.
type SweepResult struct {
	Documents int `json:"documents"` // documents looked at
	Inspect   int `json:"inspect"`   // never inspected (their job was lost or discarded)
	Verify    int `json:"verify"`    // never verified (likewise)
	Reverify  int `json:"reverify"`  // verdict may change: INDETERMINATE, or other trust anchors
}

// sweepBatch is how many documents one sweep step reads and enqueues for.
const sweepBatch = 500

// Sweep walks every document and enqueues a process job for each that
// still needs one: inspection or verification for documents without a
// result (their jobs were discarded after the last attempt, or lost), and a
// re-verification for documents whose latest verdict may change (see
// NeedsReverify). Jobs are unique per document, so a document whose job is
// still queued or running is not enqueued twice. The periodic job runs it every ReverifyInterval on one
// process (River's leader).
func (p *Pipeline) Sweep(ctx context.Context) (*SweepResult, error) {
	if p.cfg.Verifier == nil {
		return nil, sohoa.Errorf(sohoa.EINVALID, "sweep: the pipeline has no verifier")
	}
	q, err := p.client()
	if err != nil {
		return nil, err
	}
	res := &SweepResult{}
	f := sohoa.DocumentFilter{Scope: sohoa.AllUnits, Limit: sweepBatch}
	for {
		docs, err := p.cfg.Catalog.FindDocuments(ctx, f)
		if err != nil {
			return res, fmt.Errorf("sweep: %w", err)
		}
		if len(docs) == 0 {
			return res, nil
		}
		ids := make([]int64, len(docs))
		for i, d := range docs {
			ids[i] = d.ID
		}
		ins, err := p.cfg.Catalog.LatestInspections(ctx, ids)
		if err != nil {
			return res, fmt.Errorf("sweep: %w", err)
		}
		ver, err := p.cfg.Catalog.LatestVerdicts(ctx, ids)
		if err != nil {
			return res, fmt.Errorf("sweep: %w", err)
		}
		var ask []int64 // verdicts only their reports decide on
		for id, v := range ver {
			if _, byReport := p.reverifyVerdict(v); byReport {
				ask = append(ask, id)
			}
		}
		if len(ask) > 0 {
			full, err := p.cfg.Catalog.LatestVerifications(ctx, ask)
			if err != nil {
				return res, fmt.Errorf("sweep: %w", err)
			}
			maps.Copy(ver, full)
		}
		var params []river.InsertManyParams
		var counts [][]*int
		for _, id := range ids {
			var c []*int
			args := processArgs{DocumentID: id}
			if _, ok := ins[id]; !ok {
				c = append(c, &res.Inspect)
			}
			switch v, ok := ver[id]; {
			case !ok:
				c = append(c, &res.Verify)
			case p.NeedsReverify(v):
				args.Reverify = true
				c = append(c, &res.Reverify)
			}
			if len(c) > 0 {
				params = append(params, river.InsertManyParams{Args: args, InsertOpts: p.insertOpts()})
				counts = append(counts, c)
			}
		}
		if len(params) > 0 {
			inserted, err := q.insert(ctx, params)
			if err != nil {
				return res, fmt.Errorf("sweep: enqueue: %w", err)
			}
			for i, r := range inserted {
				if !r.UniqueSkippedAsDuplicate {
					for _, n := range counts[i] {
						*n++
					}
				}
			}
		}
		res.Documents += len(docs)
		if len(docs) < f.Limit {
			return res, nil
		}
		f.AfterID = docs[len(docs)-1].ID
	}
}

// NeedsReverify says whether a verdict may change on a new run over the
// same bytes: it is INDETERMINATE for a reason other than the absence of
// any signature (revocation data was unavailable: TRY_LATER, a chain could
// not be built, …), or it was reached under other trust anchors than the
// verifier's now. Unreadable files and unsigned documents never change.
func (p *Pipeline) NeedsReverify(v *sohoa.Verification) bool {
	need, byReport := p.reverifyVerdict(v)
	if byReport {
		return decodeReport(v).Error == ""
	}
	return need
}

// reverifyVerdict is NeedsReverify from the verdict alone; byReport is set
// when only the report can tell (a FORMAT_FAILURE under other anchors: an
// unreadable file stays unreadable, a malformed signature may be judged
// differently).
func (p *Pipeline) reverifyVerdict(v *sohoa.Verification) (need, byReport bool) {
	switch {
	case v.SubIndication == string(verify.NoSignature):
		return false, false
	case v.Indication == sohoa.IndicationIndeterminate:
		return true, false
	case v.TrustAnchorsSHA256 == p.anchors:
		return false, false
	case v.SubIndication == string(verify.FormatFailure):
		return false, true
	}
	return true, false
}
