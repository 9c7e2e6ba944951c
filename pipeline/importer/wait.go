package importer

import (
	"context"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sohoa/sohoa"
)

// wait waits for the documents' jobs, reporting them as they finish, and
// has a stalled wait explained (pipeline.Holdup: a dead worker holding the
// documents and when its jobs are taken over, retries, no worker at all).
func (r *run) wait(ctx context.Context, ids []int64) error {
	r.ev.Checking(len(ids))
	var moved atomic.Int64 // unix nanoseconds of the last progress
	moved.Store(r.cfg.Now().UnixNano())
	stop := make(chan struct{})
	stalls := make(chan struct{})
	go func() {
		defer close(stalls)
		r.watchStall(ctx, ids, &moved, stop)
	}()
	defer func() { close(stop); <-stalls }()
	last := -1
	return r.cfg.Pipeline.WaitDocumentsReport(ctx, ids, func(done int) {
		if done != last {
			last = done
			moved.Store(r.cfg.Now().UnixNano())
			r.ev.Checked(done)
		}
	})
}

// watchStall explains the wait for ids once it has not moved for
// StallAfter, and again every StallEvery while it stays still.
func (r *run) watchStall(ctx context.Context, ids []int64, moved *atomic.Int64, stop <-chan struct{}) {
	tick := time.NewTicker(min(time.Second, r.opts.StallAfter/2))
	defer tick.Stop()
	var said time.Time
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now, last := r.cfg.Now(), time.Unix(0, moved.Load())
		if now.Sub(last) < r.opts.StallAfter || (said.After(last) && now.Sub(said) < r.opts.StallEvery) {
			continue
		}
		said = now
		hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		h, err := r.cfg.Pipeline.Holdup(hctx, ids)
		cancel()
		switch {
		case err != nil:
			if ctx.Err() == nil {
				r.log.Warn("cannot tell what the wait is for", "err", err)
			}
		case h.Waiting > 0:
			r.ev.Stalled(h)
		}
	}
}

// maxAttention caps the "needs attention" list so that a large import's
// summary stays readable; Checks.MoreAttention counts the rest.
const maxAttention = 50

// checks reads what inspection and verification found: counts, and each
// file that needs attention (a failing inspection or signature: stored,
// but the dossier will not count as digitized with it). A document whose
// jobs gave up is stored but not checked: it is returned apart.
func (r *run) checks(ctx context.Context, ids []int64) (*Checks, []Failure, error) {
	docs, err := r.cfg.Pipeline.Documents(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	c := &Checks{Inspections: map[sohoa.InspectionOutcome]int{}, Indications: map[string]int{}}
	var unchecked []Failure
	for _, d := range docs {
		path := r.docPath[d.ID]
		if d.Error != "" {
			unchecked = append(unchecked, Failure{Path: path, Reason: Scrub(d.Error)})
			continue
		}
		c.Documents++
		if in := d.Inspection; in != nil {
			c.Inspections[in.Outcome]++
			if in.Outcome == sohoa.InspectionFail {
				var why []string
				for _, f := range in.Findings {
					if f.Outcome == sohoa.InspectionFail {
						why = append(why, f.Message)
					}
				}
				c.Attention = append(c.Attention, Attention{Path: path, Reason: "inspection fails: " + strings.Join(why, "; ")})
			}
		}
		if v := d.Verification; v != nil {
			c.Indications[v.Indication]++
			if v.Indication == sohoa.IndicationTotalFailed {
				msg := v.SubIndication
				if v.Summary != "" {
					msg += ": " + v.Summary
				}
				c.Attention = append(c.Attention, Attention{Path: path, Reason: "signature " + v.Indication + " " + msg})
			}
		}
	}
	sort.Slice(c.Attention, func(i, j int) bool { return c.Attention[i].String() < c.Attention[j].String() })
	if len(c.Attention) > maxAttention {
		c.MoreAttention = len(c.Attention) - maxAttention
		c.Attention = c.Attention[:maxAttention]
	}
	return c, unchecked, nil
}
