package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/sohoa/sohoa"
)

// Worker-process leases. Every process that runs workers writes a
// heartbeat every HeartbeatEvery; one silent for Lease has stopped (killed,
// crashed, cut off), and any other worker process makes the jobs it held
// available again (see the package documentation, "Jobs held by a process
// that died").
const (
	HeartbeatEvery = 5 * time.Second
	Lease          = 30 * time.Second
	// keepStopped and keepSilent bound how long the rows of finished
	// processes stay (the wait explanation names a dead process from its
	// row).
	keepStopped = 24 * time.Hour
	keepSilent  = 7 * 24 * time.Hour
)

// processIdentity names this process's River client: unique among all
// processes over one database (a random suffix), readable in River's
// attempted_by (host and pid).
func processIdentity() *WorkerProcess {
	host, _ := os.Hostname()
	if host == "" {
		host = "unknown-host"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	short := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		}
		return '_'
	}, host)
	if len(short) > 60 {
		short = short[:60]
	}
	cmd := "sohoa"
	if len(os.Args) > 0 {
		cmd = filepath.Base(os.Args[0])
		if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
			cmd += " " + os.Args[1]
		}
	}
	return &WorkerProcess{
		ID:      fmt.Sprintf("sohoa_%s_%d_%s", short, os.Getpid(), hex.EncodeToString(b[:])),
		Host:    host,
		PID:     os.Getpid(),
		Command: cmd,
	}
}

// heartbeat keeps this process's lease and takes over the jobs of
// processes whose lease ran out.
type heartbeat struct {
	p     *Pipeline
	q     queue
	store leaseStore
	self  *WorkerProcess
	every time.Duration
	lease time.Duration
	log   *slog.Logger

	mu sync.Mutex
	// streak is the database time of the first heartbeat of the current
	// unbroken run of heartbeats; lastOK the local time of the latest.
	// Another process is judged dead only after a whole lease of silence
	// while this one's heartbeats were getting through: after a database
	// outage every process was silent, and none may take over another's
	// jobs before each had a lease's time to write again.
	streak time.Time
	lastOK time.Time
	failed int

	stop chan struct{}
	done chan struct{}
}

func (p *Pipeline) newHeartbeat(q queue) *heartbeat {
	return &heartbeat{
		p: p, q: q, store: p.leases, self: p.self, every: p.heartbeatEvery, lease: p.lease,
		log:  p.log.With("worker_process", p.self.ID),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
}

// begin writes the first heartbeat; the process must be registered before
// River can hand it a job.
func (h *heartbeat) begin(ctx context.Context) error {
	if err := h.p.ensureLeases(ctx); err != nil {
		return err
	}
	if err := h.beat(ctx); err != nil {
		return fmt.Errorf("register worker process: %w", err)
	}
	return nil
}

// run beats and reaps until end is called.
func (h *heartbeat) run(ctx context.Context) {
	defer close(h.done)
	rctx, cancel := context.WithTimeout(ctx, h.lease)
	h.reap(rctx) // processes that stopped cleanly but left jobs behind
	cancel()
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		bctx, cancel := context.WithTimeout(ctx, h.lease)
		if err := h.beat(bctx); err != nil {
			h.mu.Lock()
			h.failed++
			n := h.failed
			h.mu.Unlock()
			if n == 1 || n%12 == 0 {
				h.log.Warn("worker heartbeat failed; other processes take over this one's jobs if it stays silent", "err", err, "failures", n)
			}
		} else {
			h.reap(bctx)
		}
		cancel()
	}
}

func (h *heartbeat) beat(ctx context.Context) error {
	at, err := h.store.beat(ctx, h.self)
	if err != nil {
		return err
	}
	local := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lastOK.IsZero() || local.Sub(h.lastOK) > h.lease/2 {
		h.streak = at
	}
	h.lastOK = local
	h.failed = 0
	return nil
}

// end stops the heartbeat and records the clean stop: jobs still marked as
// held by this process (River could not record their end) are taken over
// by the next worker process at once.
func (h *heartbeat) end(ctx context.Context) error {
	close(h.stop)
	<-h.done
	return h.store.stopped(ctx, h.self.ID)
}

// reap takes over the running jobs whose process is dead. Errors are
// logged: the next heartbeat tries again.
func (h *heartbeat) reap(ctx context.Context) {
	if _, err := h.takeOver(ctx); err != nil && ctx.Err() == nil {
		h.log.Warn("looking for jobs of dead worker processes", "err", err)
	}
}

// holderOf is the process that holds a running job: the last client River
// recorded in attempted_by.
func holderOf(j *rivertype.JobRow) string {
	if len(j.AttemptedBy) == 0 {
		return ""
	}
	return j.AttemptedBy[len(j.AttemptedBy)-1]
}

// silentSince is when the holder of a running job was last heard of: its
// last heartbeat, or, for a process that never wrote one (an older sohoa),
// when it took the job. dead reports whether it stopped cleanly.
func silentSince(j *rivertype.JobRow, w *WorkerProcess) (since time.Time, stopped bool) {
	if w == nil {
		if j.AttemptedAt != nil {
			return *j.AttemptedAt, false
		}
		return j.CreatedAt, false
	}
	return w.HeartbeatAt, w.StoppedAt != nil
}

// takeOver makes the running jobs of dead processes available again (or
// discards those that have used their last attempt: a file that kills
// every process that opens it must not kill them forever), with River's
// own rescue statement, and returns how many it took.
func (h *heartbeat) takeOver(ctx context.Context) (int, error) {
	h.mu.Lock()
	streak, lastOK := h.streak, h.lastOK
	h.mu.Unlock()
	if lastOK.IsZero() || time.Since(lastOK) > h.lease/2 {
		return 0, nil // this process is not reliably heard either
	}
	now, err := h.store.now(ctx)
	if err != nil {
		return 0, err
	}
	res, err := h.q.list(ctx, river.NewJobListParams().States(rivertype.JobStateRunning).First(10_000))
	if err != nil {
		return 0, err
	}
	var holders []string
	seen := map[string]bool{h.self.ID: true}
	for _, j := range res.Jobs {
		if id := holderOf(j); !seen[id] {
			seen[id] = true
			holders = append(holders, id)
		}
	}
	if len(holders) == 0 {
		return 0, nil
	}
	workers, err := h.store.find(ctx, holders)
	if err != nil {
		return 0, err
	}
	params := riverdriver.JobRescueManyParams{StuckHorizon: now}
	taken := map[string]int{}
	for _, j := range res.Jobs {
		id := holderOf(j)
		if id == h.self.ID {
			continue
		}
		w := workers[id]
		since, stopped := silentSince(j, w)
		if !stopped && now.Sub(later(since, streak)) <= h.lease {
			continue
		}
		msg := fmt.Sprintf("worker process %s stopped answering at %s; job taken over by %s",
			describeWorker(id, w), since.In(sohoa.Location()).Format(time.RFC3339), h.self.ID)
		if stopped {
			msg = fmt.Sprintf("worker process %s stopped without finishing the job; taken over by %s", describeWorker(id, w), h.self.ID)
		}
		errData, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempt, Error: msg})
		if err != nil {
			return 0, err
		}
		state, finalized := string(rivertype.JobStateAvailable), (*time.Time)(nil)
		if j.Attempt >= j.MaxAttempts {
			state, finalized = string(rivertype.JobStateDiscarded), &now
		}
		params.ID = append(params.ID, j.ID)
		params.Error = append(params.Error, errData)
		params.FinalizedAt = append(params.FinalizedAt, finalized)
		params.ScheduledAt = append(params.ScheduledAt, now)
		params.State = append(params.State, state)
		taken[id]++
	}
	if len(params.ID) == 0 {
		return 0, nil
	}
	if err := h.q.rescue(ctx, &params); err != nil {
		return 0, fmt.Errorf("take over %d job(s): %w", len(params.ID), err)
	}
	for id, n := range taken {
		h.log.Warn("took over the jobs of a worker process that stopped answering", "dead_process", describeWorker(id, workers[id]), "jobs", n)
	}
	if err := h.store.prune(ctx, now.Add(-keepStopped), now.Add(-keepSilent)); err != nil {
		h.log.Debug("pruning worker rows", "err", err)
	}
	return len(params.ID), nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// describeWorker names a process for people: "sohoa ingest, pid 1234 on
// host x", or its River client ID when it left no heartbeat row.
func describeWorker(id string, w *WorkerProcess) string {
	if w == nil {
		return id
	}
	return fmt.Sprintf("%s, pid %d on host %s", w.Command, w.PID, w.Host)
}

// ensureLeases creates the heartbeat table once per pipeline.
func (p *Pipeline) ensureLeases(ctx context.Context) error {
	p.leasesMu.Lock()
	defer p.leasesMu.Unlock()
	if p.leasesReady {
		return nil
	}
	if err := p.leases.ensure(ctx); err != nil {
		return fmt.Errorf("worker heartbeat table: %w", err)
	}
	p.leasesReady = true
	return nil
}
