package pipeline

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/sohoa/sohoa"
)

// Holdup says what documents still waiting for their inspection and
// verification are waiting for: a worker process that is working on them,
// one that died holding them (and when another takes them over), a retry
// after a failure, or a queue that no running worker reads.
type Holdup struct {
	// Now is the database's time when the holdup was read.
	Now time.Time `json:"now"`
	// Waiting is how many of the documents asked about have no result yet.
	Waiting int `json:"waiting"`
	// Held are the running jobs, by the process River handed them to.
	Held []HeldJobs `json:"held,omitempty"`
	// Queued jobs wait for a free worker.
	Queued int `json:"queued"`
	// Retrying jobs failed and wait for their next attempt, the earliest at
	// NextRetry; LastError is the latest failure among them.
	Retrying  int       `json:"retrying"`
	NextRetry time.Time `json:"next_retry,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	// Workers are the worker processes alive now (this one included when it
	// runs workers).
	Workers []*WorkerProcess `json:"workers"`
	// Self is this process's ID.
	Self string `json:"self"`
}

// HeldJobs are the running jobs of one process.
type HeldJobs struct {
	// Holder is the process's River client ID; Worker its heartbeat row,
	// nil when it left none (an older sohoa).
	Holder string         `json:"holder"`
	Worker *WorkerProcess `json:"worker,omitempty"`
	Jobs   int            `json:"jobs"`
	// Since is when the oldest of them was taken.
	Since time.Time `json:"since"`
	// Alive is false once the process has missed two heartbeats (or has
	// stopped); SilentSince is then its last sign of life and TakeOverAt
	// about when another worker process takes its jobs over (a lease after
	// SilentSince, or at once after a clean stop).
	Alive       bool      `json:"alive"`
	SilentSince time.Time `json:"silent_since,omitzero"`
	TakeOverAt  time.Time `json:"take_over_at,omitzero"`
}

// Holdup reads what the given documents (those of them still without a
// result) are waiting for. It is meant for a progress display that has not
// moved for a while; it reads the job table, so do not call it in a tight
// loop.
func (p *Pipeline) Holdup(ctx context.Context, ids []int64) (*Holdup, error) {
	q, err := p.client()
	if err != nil {
		return nil, err
	}
	if err := p.ensureLeases(ctx); err != nil {
		return nil, err
	}
	h := &Holdup{Self: p.self.ID}
	var jobs []*rivertype.JobRow
	for start := 0; start < len(ids); start += listChunk {
		open, err := p.withoutResults(ctx, ids[start:min(start+listChunk, len(ids))])
		if err != nil {
			return nil, fmt.Errorf("holdup: %w", err)
		}
		h.Waiting += len(open)
		js, err := p.docJobs(ctx, q, open, unfinishedStates...)
		if err != nil {
			return nil, fmt.Errorf("holdup: %w", err)
		}
		jobs = append(jobs, js...)
	}
	if h.Now, err = p.leases.now(ctx); err != nil {
		return nil, fmt.Errorf("holdup: %w", err)
	}
	if h.Workers, err = p.leases.live(ctx, h.Now.Add(-p.lease)); err != nil {
		return nil, fmt.Errorf("holdup: %w", err)
	}
	held := map[string]*HeldJobs{}
	var lastErrAt time.Time
	for _, j := range jobs {
		switch j.State {
		case rivertype.JobStateRunning:
			id := holderOf(j)
			hj := held[id]
			if hj == nil {
				hj = &HeldJobs{Holder: id}
				held[id] = hj
			}
			hj.Jobs++
			if at := j.AttemptedAt; at != nil && (hj.Since.IsZero() || at.Before(hj.Since)) {
				hj.Since = *at
			}
		case rivertype.JobStateAvailable:
			h.Queued++
		default: // retryable, scheduled, pending
			h.Retrying++
			if h.NextRetry.IsZero() || j.ScheduledAt.Before(h.NextRetry) {
				h.NextRetry = j.ScheduledAt
			}
			if n := len(j.Errors); n > 0 && j.Errors[n-1].At.After(lastErrAt) {
				lastErrAt, h.LastError = j.Errors[n-1].At, j.Errors[n-1].Error
			}
		}
	}
	if len(held) > 0 {
		ids := make([]string, 0, len(held))
		for id := range held {
			ids = append(ids, id)
		}
		workers, err := p.leases.find(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("holdup: %w", err)
		}
		for id, hj := range held {
			hj.Worker = workers[id]
			since, stopped := hj.Since, false
			if hj.Worker != nil {
				since, stopped = hj.Worker.HeartbeatAt, hj.Worker.StoppedAt != nil
			}
			// Two missed heartbeats make a process one that stopped
			// answering; its jobs are taken over once a lease has passed.
			hj.Alive = id == p.self.ID || (!stopped && h.Now.Sub(since) <= 2*p.heartbeatEvery)
			if !hj.Alive {
				hj.SilentSince = since
				// A worker process judges a silent one dead a lease after
				// its last heartbeat, and after its own first one (see
				// heartbeat.streak), and looks at every heartbeat.
				// A process that stopped cleanly is taken over at once.
				if stopped {
					hj.TakeOverAt = since.Add(p.heartbeatEvery)
				} else {
					var first time.Time
					for _, w := range h.Workers {
						if first.IsZero() || w.StartedAt.Before(first) {
							first = w.StartedAt
						}
					}
					hj.TakeOverAt = later(since, first).Add(p.lease + p.heartbeatEvery)
				}
			}
			h.Held = append(h.Held, *hj)
		}
		sort.Slice(h.Held, func(i, j int) bool {
			if h.Held[i].Jobs != h.Held[j].Jobs {
				return h.Held[i].Jobs > h.Held[j].Jobs
			}
			return h.Held[i].Holder < h.Held[j].Holder
		})
	}
	return h, nil
}

// String says in one line what the documents wait for, the most
// blocking reason first, for example
//
//	waiting for 450 documents held by a worker that stopped answering at 10:42:05 (sohoa ingest, pid 1234 on host x); taking them over in 40 s
//	waiting for 450 documents queued, but no worker is running: start `sohoa work`, or run `sohoa ingest` without --no-wait
func (h *Holdup) String() string {
	if h.Waiting == 0 {
		return "nothing to wait for"
	}
	clock := func(t time.Time) string { return t.In(sohoa.Location()).Format("15:04:05") }
	noWorker := len(h.Workers) == 0
	var parts []string
	for _, hj := range h.Held {
		if hj.Alive {
			continue
		}
		s := fmt.Sprintf("%s held by a worker that stopped answering at %s (%s)", docs(hj.Jobs), clock(hj.SilentSince), describeWorker(hj.Holder, hj.Worker))
		switch wait := hj.TakeOverAt.Sub(h.Now).Round(time.Second); {
		case noWorker:
			s += "; no worker is running to take them over: start `sohoa work`, or run `sohoa ingest` without --no-wait"
		case wait > 0:
			s += fmt.Sprintf("; taking them over in %s", fmtSeconds(wait))
		default:
			s += "; taking them over now"
		}
		parts = append(parts, s)
	}
	for _, hj := range h.Held {
		if !hj.Alive {
			continue
		}
		who := describeWorker(hj.Holder, hj.Worker)
		if hj.Holder == h.Self {
			who = "this process"
		}
		parts = append(parts, fmt.Sprintf("%s being inspected and verified by %s since %s", docs(hj.Jobs), who, clock(hj.Since)))
	}
	if h.Queued > 0 {
		if noWorker {
			parts = append(parts, fmt.Sprintf("%s queued, but no worker is running: start `sohoa work`, or run `sohoa ingest` without --no-wait", docs(h.Queued)))
		} else {
			parts = append(parts, fmt.Sprintf("%s queued for %d worker process(es)", docs(h.Queued), len(h.Workers)))
		}
	}
	if h.Retrying > 0 {
		s := fmt.Sprintf("%s failed and will be retried", docs(h.Retrying))
		if !h.NextRetry.IsZero() {
			if h.NextRetry.After(h.Now) {
				s += " from " + clock(h.NextRetry)
			} else {
				s += " now"
			}
		}
		if h.LastError != "" {
			s += " (last error: " + firstLine(h.LastError) + ")"
		}
		if noWorker {
			s += ", once a worker runs"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("waiting for %s: recording results", docs(h.Waiting))
	}
	return "waiting for " + strings.Join(parts, "; ")
}

func docs(n int) string {
	if n == 1 {
		return "1 document"
	}
	return fmt.Sprintf("%d documents", n)
}

func fmtSeconds(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Seconds()))
	}
	return d.String()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
