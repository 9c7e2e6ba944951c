package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ghost is a worker process that exists only as a heartbeat row and as the
// holder of running jobs: what a process killed with SIGKILL leaves behind.
type ghost struct {
	w    *WorkerProcess
	p    *Pipeline
	stop chan struct{}
	done chan struct{}
}

func newGhost(b *bundle, name string) *ghost {
	return &ghost{p: b.p, w: &WorkerProcess{ID: "ghost_" + name, Host: "ghost-host", PID: 4242, Command: "sohoa work"}}
}

// beat writes one heartbeat for the ghost.
func (g *ghost) beat(t *testing.T) {
	t.Helper()
	require.NoError(t, g.p.ensureLeases(t.Context()))
	_, err := g.p.leases.beat(t.Context(), g.w)
	require.NoError(t, err)
}

// live keeps the ghost's heartbeat going, as a live process does, until
// die.
func (g *ghost) live(t *testing.T, every time.Duration) {
	g.beat(t)
	g.stop, g.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(g.done)
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			select {
			case <-g.stop:
				return
			case <-tk.C:
				_, _ = g.p.leases.beat(context.Background(), g.w)
			}
		}
	}()
	t.Cleanup(g.die)
}

func (g *ghost) die() {
	if g.stop != nil {
		close(g.stop)
		<-g.done
		g.stop = nil
	}
}

// hold marks the documents' process jobs as taken by the ghost, with
// attempt set, as River's fetch does.
func (g *ghost) hold(t *testing.T, b *bundle, attempt int, ids ...int64) {
	t.Helper()
	jobs := b.jobs(t, ids...)
	require.Len(t, jobs, len(ids))
	ctx := t.Context()
	for _, j := range jobs {
		require.Equal(t, rivertype.JobStateAvailable, j.State)
		var err error
		if pg, ok := b.cfg.Catalog.(postgresCatalog); ok {
			_, err = pg.Pool().Exec(ctx, `UPDATE river_job SET state = 'running', attempt = $2, attempted_at = now(),
				attempted_by = ARRAY[$3::text] WHERE id = $1`, j.ID, attempt, g.w.ID)
		} else {
			_, err = b.cfg.Catalog.(sqliteCatalog).Writer().ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = ?, attempted_at = datetime('now', 'subsec'),
				attempted_by = jsonb(json_array(?)) WHERE id = ?`, attempt, g.w.ID, j.ID)
		}
		require.NoError(t, err)
	}
}

// fastLeases shortens the pipeline's heartbeat timings for a test.
func fastLeases(p *Pipeline) {
	p.heartbeatEvery = 50 * time.Millisecond
	p.lease = 600 * time.Millisecond
}

func (b *bundle) ingestN(t *testing.T, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = b.ingest(t, req(fmt.Sprintf("U1-260302-%04d", i), compForm, "don.pdf", uniquePDF(i))).Document.ID
	}
	return ids
}

func TestTakeOverJobsOfADeadProcess(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		fastLeases(b.p)
		ids := b.ingestN(t, 3)
		g := newGhost(b, "killed")
		g.beat(t)
		g.hold(t, b, 1, ids...)
		time.Sleep(b.p.lease + 100*time.Millisecond) // killed: silent since

		// Without a worker anywhere, the wait says so.
		h, err := b.p.Holdup(t.Context(), ids)
		require.NoError(t, err)
		assert.Equal(t, 3, h.Waiting)
		require.Len(t, h.Held, 1)
		assert.Equal(t, 3, h.Held[0].Jobs)
		assert.Equal(t, g.w.ID, h.Held[0].Holder)
		assert.Contains(t, h.String(), "waiting for 3 documents held by a worker that stopped answering at ")
		assert.Contains(t, h.String(), "(sohoa work, pid 4242 on host ghost-host); no worker is running to take them over: start `sohoa work`")

		started := time.Now()
		b.start(t)
		// This process judges the ghost dead only after a lease of its own
		// heartbeats, and says when.
		h, err = b.p.Holdup(t.Context(), ids)
		require.NoError(t, err)
		assert.Regexp(t, `held by a worker that stopped answering at \d\d:\d\d:\d\d \(sohoa work, pid 4242 on host ghost-host\); taking them over (in \d s|now)`, h.String())

		b.wait(t, ids...)
		took := time.Since(started)
		assert.GreaterOrEqual(t, took, b.p.lease/2, "not before the lease ran out")
		for _, j := range b.jobs(t, ids...) {
			assert.Equal(t, rivertype.JobStateCompleted, j.State)
			assert.Equal(t, 2, j.Attempt, "the ghost's attempt counts")
			assert.Equal(t, []string{g.w.ID, b.p.self.ID}, j.AttemptedBy)
			require.Len(t, j.Errors, 1)
			assert.Contains(t, j.Errors[0].Error, "worker process sohoa work, pid 4242 on host ghost-host stopped answering at ")
			var meta struct {
				Rescues int `json:"river:rescue_count"`
			}
			require.NoError(t, json.Unmarshal(j.Metadata, &meta))
			assert.Equal(t, 1, meta.Rescues)
		}
		for _, id := range ids {
			assert.Len(t, b.inspections(t, id), 1)
			assert.Len(t, b.verifications(t, id), 1)
		}
	})
}

func TestNoTakeOverWhileTheProcessLives(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		// Roomier than fastLeases: a loaded test machine must not make the
		// ghost's heartbeats look late.
		b.p.heartbeatEvery = 250 * time.Millisecond
		b.p.lease = 1500 * time.Millisecond
		ids := b.ingestN(t, 2)
		g := newGhost(b, "slow")
		g.live(t, 50*time.Millisecond)
		g.hold(t, b, 1, ids...)
		b.start(t)

		// A long job (here: longer than two leases) of a process that
		// still answers is its own.
		time.Sleep(2 * b.p.lease)
		for _, j := range b.jobs(t, ids...) {
			assert.Equal(t, rivertype.JobStateRunning, j.State)
			assert.Equal(t, []string{g.w.ID}, j.AttemptedBy)
		}
		h, err := b.p.Holdup(t.Context(), ids)
		require.NoError(t, err)
		assert.Contains(t, h.String(), "waiting for 2 documents being inspected and verified by sohoa work, pid 4242 on host ghost-host since ")

		// It dies: its jobs are taken over within about a lease.
		died := time.Now()
		g.die()
		b.wait(t, ids...)
		assert.Less(t, time.Since(died), 10*b.p.lease)
		for _, j := range b.jobs(t, ids...) {
			assert.Equal(t, rivertype.JobStateCompleted, j.State)
		}
	})
}

func TestTakeOverAfterACleanStopAndTheLastAttempt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		b.p.heartbeatEvery = 50 * time.Millisecond
		b.p.lease = time.Hour // a clean stop needs no lease to run out
		ids := b.ingestN(t, 2)
		stopped := newGhost(b, "stopped")
		stopped.beat(t)
		stopped.hold(t, b, 1, ids[0])
		require.NoError(t, b.p.leases.stopped(t.Context(), stopped.w.ID))
		// A file that killed every process that opened it, up to its last
		// attempt: discarded, not handed to the next victim.
		poison := newGhost(b, "poisoned")
		poison.beat(t)
		poison.hold(t, b, MaxAttempts, ids[1])
		require.NoError(t, b.p.leases.stopped(t.Context(), poison.w.ID))

		b.start(t)
		b.wait(t, ids...)
		st, err := b.p.Documents(t.Context(), ids)
		require.NoError(t, err)
		assert.Empty(t, st[0].Error)
		assert.NotNil(t, st[0].Verification)
		assert.Nil(t, st[1].Verification)
		assert.Contains(t, st[1].Error, fmt.Sprintf("process job discarded after %d attempt(s): worker process sohoa work, pid 4242 on host ghost-host stopped without finishing the job", MaxAttempts))
	})
}

func TestWorkerProcessRow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		fastLeases(b.p)
		b.start(t)
		id := b.p.self.ID
		ws, err := b.p.leases.find(t.Context(), []string{id})
		require.NoError(t, err)
		require.Contains(t, ws, id)
		first := ws[id].HeartbeatAt
		assert.Nil(t, ws[id].StoppedAt)
		require.Eventually(t, func() bool {
			ws, err := b.p.leases.find(t.Context(), []string{id})
			return err == nil && ws[id].HeartbeatAt.After(first)
		}, 5*time.Second, 20*time.Millisecond, "heartbeats")

		// The jobs River runs name this process.
		doc := b.ingest(t, req("U1-260302-0001", compForm, "don.pdf", uniquePDF(1))).Document
		b.wait(t, doc.ID)
		assert.Equal(t, []string{id}, b.jobs(t, doc.ID)[0].AttemptedBy)

		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		require.NoError(t, b.p.Stop(ctx))
		ws, err = b.p.leases.find(t.Context(), []string{id})
		require.NoError(t, err)
		assert.NotNil(t, ws[id].StoppedAt, "a clean stop is recorded")
		live, err := b.p.leases.live(t.Context(), time.Now().Add(-time.Hour))
		require.NoError(t, err)
		assert.Empty(t, live)

		h, err := b.p.Holdup(t.Context(), []int64{doc.ID})
		require.NoError(t, err)
		assert.Equal(t, "nothing to wait for", h.String())
	})
}

func TestHoldupQueuedAndRetrying(t *testing.T) {
	at := time.Date(2026, 3, 2, 3, 42, 5, 0, time.UTC) // 10:42:05 in Hà Nội
	h := &Holdup{Now: at, Waiting: 5, Queued: 5}
	assert.Equal(t, "waiting for 5 documents queued, but no worker is running: start `sohoa work`, or run `sohoa ingest` without --no-wait", h.String())
	h.Workers = []*WorkerProcess{{ID: "a"}, {ID: "b"}}
	assert.Equal(t, "waiting for 5 documents queued for 2 worker process(es)", h.String())
	h = &Holdup{Now: at, Waiting: 1, Retrying: 1, NextRetry: at.Add(81 * time.Second), LastError: "catalog: connection refused\nmore", Workers: []*WorkerProcess{{ID: "a"}}}
	assert.Equal(t, "waiting for 1 document failed and will be retried from 10:43:26 (last error: catalog: connection refused)", h.String())
	w := &WorkerProcess{ID: "x", Command: "sohoa ingest", PID: 1234, Host: "x"}
	h = &Holdup{Now: at, Waiting: 450, Workers: []*WorkerProcess{{ID: "me"}}, Self: "me", Held: []HeldJobs{
		{Holder: "x", Worker: w, Jobs: 450, SilentSince: at.Add(-10 * time.Second), TakeOverAt: at.Add(40 * time.Second)},
		{Holder: "me", Jobs: 4, Alive: true, Since: at.Add(-3 * time.Second)},
	}}
	assert.Equal(t, "waiting for 450 documents held by a worker that stopped answering at 10:41:55 (sohoa ingest, pid 1234 on host x); taking them over in 40 s; "+
		"4 documents being inspected and verified by this process since 10:42:02", h.String())
}
