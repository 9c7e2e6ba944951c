package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/inspect"
)

// Pipeline ingests files and runs the River jobs that inspect, verify and
// record them. It is safe for concurrent use.
type Pipeline struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	q       queue
	policy  inspect.Policy
	anchors string // the verifier's trust-anchors digest

	// big lets one job at a time hold a large file in memory (pdfcpu reads
	// the whole file), so a batch of large scans does not multiply memory.
	big chan struct{}

	// self is this process as River (attempted_by) and the heartbeat
	// table know it; leases stores the heartbeats; hb runs while started.
	self        *WorkerProcess
	leases      leaseStore
	leasesMu    sync.Mutex
	leasesReady bool
	hb          *heartbeat

	mu      sync.Mutex
	started bool

	// Test hooks.
	beforeWork  func(kind string, doc *sohoa.Document) // called before a job's work
	retryPolicy river.ClientRetryPolicy
	maxAttempts int
	pollEvery   time.Duration
	// Heartbeat timings (HeartbeatEvery and Lease unless a test shortens
	// them).
	heartbeatEvery time.Duration
	lease          time.Duration
}

// Job kinds, stored in River's tables; never rename one. A document gets
// one process job (inspect, verify, record); the single-step inspect and
// verify jobs of earlier versions still run.
const (
	KindProcess = "process"
	KindInspect = "inspect"
	KindVerify  = "verify"
	KindSweep   = "sweep"
	// KindCertify makes a scan's certified copy (certify.go).
	KindCertify = "certify"
)

// MaxAttempts is how often a job is tried before River discards it. With
// River's default backoff (attempt⁴ seconds plus jitter) the last attempt
// comes about four hours after the first, long enough to ride out a storage
// or database outage; the periodic sweep re-enqueues documents whose jobs
// were discarded.
const MaxAttempts = 10

// JobTimeout bounds one job; a 1 GiB scan is inspected well within it.
const JobTimeout = 30 * time.Minute

// fetchCooldown is the least time between two fetches of jobs by one
// process.
const fetchCooldown = 10 * time.Millisecond

// bigFile is the size above which a job takes the big-file slot.
const bigFile = 32 << 20

// processArgs is a document's job: its missing steps, from one read of its
// bytes, recorded in one transaction.
type processArgs struct {
	DocumentID int64 `json:"document_id" river:"unique"`
	// Reverify is set by the sweep: the document has a verdict already,
	// and a new run is recorded only when its verdict differs.
	Reverify bool `json:"reverify,omitempty"`
}

func (processArgs) Kind() string { return KindProcess }

type inspectArgs struct {
	DocumentID int64 `json:"document_id" river:"unique"`
}

func (inspectArgs) Kind() string { return KindInspect }

type verifyArgs struct {
	DocumentID int64 `json:"document_id" river:"unique"`
	// Reverify is set by the sweep: the document has a verdict already,
	// and a new run is recorded only when its verdict differs.
	Reverify bool `json:"reverify,omitempty"`
}

func (verifyArgs) Kind() string { return KindVerify }

type sweepArgs struct{}

func (sweepArgs) Kind() string { return KindSweep }

// uniqueStates are the job states in which a second job for the same
// document is not inserted: any unfinished one. Completed jobs are left
// out so that a document can be inspected or verified again later (River
// keeps completed jobs for a day).
var uniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRunning,
	rivertype.JobStateRetryable,
	rivertype.JobStateScheduled,
}

var unfinishedStates = uniqueStates

func (p *Pipeline) insertOpts() *river.InsertOpts {
	return &river.InsertOpts{
		MaxAttempts: p.maxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: uniqueStates},
	}
}

func newPipeline(cfg Config) (*Pipeline, error) {
	switch {
	case cfg.Catalog == nil:
		return nil, sohoa.Errorf(sohoa.EINVALID, "pipeline: no catalog")
	case cfg.Workers < 0:
		return nil, sohoa.Errorf(sohoa.EINVALID, "pipeline: %d workers", cfg.Workers)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers == 0 {
		cfg.Workers = 2 * runtime.GOMAXPROCS(0)
	}
	if cfg.CloseInterval == 0 {
		cfg.CloseInterval = DefaultCloseInterval
	}
	if cfg.ReverifyInterval == 0 {
		cfg.ReverifyInterval = DefaultReverifyInterval
	}
	policy := cfg.Inspect
	if policy == (inspect.Policy{}) {
		policy = inspect.DefaultPolicy()
	}
	if err := policy.Validate(); err != nil {
		return nil, fmt.Errorf("pipeline: inspection policy: %w", err)
	}
	var anchors string
	if cfg.Verifier != nil {
		anchors = cfg.Verifier.TrustAnchorsSHA256()
	}
	p := &Pipeline{
		cfg:         cfg,
		log:         cfg.Logger.With("component", "pipeline"),
		now:         cfg.Now,
		policy:      policy,
		anchors:     anchors,
		big:         make(chan struct{}, 1),
		maxAttempts: MaxAttempts,
		self:        processIdentity(),
		leases:      cfg.Catalog.jobs().leases,

		heartbeatEvery: HeartbeatEvery,
		lease:          Lease,
	}
	return p, nil
}

// client builds the River client on first use, so tests can set hooks
// between New and the first Ingest or Start.
func (p *Pipeline) client() (queue, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.q != nil {
		return p.q, nil
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &processWorker{p: p})
	river.AddWorker(workers, &inspectWorker{p: p})
	river.AddWorker(workers, &verifyWorker{p: p})
	river.AddWorker(workers, &sweepWorker{p: p})
	river.AddWorker(workers, &closeDueWorker{p: p})
	river.AddWorker(workers, &certifyWorker{p: p})
	rc := &river.Config{
		// Our own ID, so that the heartbeat table can say whether the
		// process named in a running job's attempted_by still lives.
		ID:          p.self.ID,
		Logger:      p.cfg.Logger.With("component", "river"),
		Queues:      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: p.cfg.Workers}},
		Workers:     workers,
		MaxAttempts: p.maxAttempts,
		JobTimeout:  JobTimeout,
		RetryPolicy: p.retryPolicy,
		// Unattended processes keep failures around long enough for an
		// operator to see them in `sohoa status`.
		DiscardedJobRetentionPeriod: 30 * 24 * time.Hour,
		CancelledJobRetentionPeriod: 30 * 24 * time.Hour,
	}
	// River fetches at most as many jobs as it has free workers, at most
	// once per FetchCooldown (100 ms by default): with small files a job
	// takes a few milliseconds, so the default would cap a process at
	// Workers×10 jobs a second. A short cooldown keeps workers busy; an
	// idle queue is still only polled every FetchPollInterval.
	rc.FetchCooldown = fetchCooldown
	if p.cfg.Catalog.jobs().polled {
		// No LISTEN/NOTIFY on SQLite: new jobs are found by polling.
		rc.FetchPollInterval = 200 * time.Millisecond
	}
	if p.pollEvery > 0 {
		rc.FetchPollInterval = p.pollEvery
	}
	if p.cfg.ReverifyInterval > 0 {
		rc.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(p.cfg.ReverifyInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				return sweepArgs{}, &river.InsertOpts{
					MaxAttempts: 3,
					UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: uniqueStates},
				}
			},
			&river.PeriodicJobOpts{ID: KindSweep},
		)}
	}
	if p.cfg.CloseInterval > 0 {
		rc.PeriodicJobs = append(rc.PeriodicJobs, p.closeDueJob())
	}
	q, err := p.cfg.Catalog.jobs().newQueue(rc)
	if err != nil {
		return nil, fmt.Errorf("pipeline: River client: %w", err)
	}
	p.q = q
	return q, nil
}

func (p *Pipeline) start(ctx context.Context) error {
	if p.cfg.Blobs == nil || p.cfg.Verifier == nil {
		return sohoa.Errorf(sohoa.EINVALID, "pipeline: workers need a blob store and a verifier")
	}
	q, err := p.client()
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return sohoa.Errorf(sohoa.ECONFLICT, "pipeline: already started")
	}
	hb := p.newHeartbeat(q)
	if err := hb.begin(ctx); err != nil {
		return fmt.Errorf("pipeline: start workers: %w", err)
	}
	if err := q.start(ctx); err != nil {
		if herr := hb.store.stopped(context.WithoutCancel(ctx), p.self.ID); herr != nil {
			p.log.Warn("recording the worker process's stop", "err", herr)
		}
		return fmt.Errorf("pipeline: start workers: %w", err)
	}
	p.started = true
	p.hb = hb
	go hb.run(context.WithoutCancel(ctx))
	p.log.Info("workers started", "workers", p.cfg.Workers, "sweep_every", p.cfg.ReverifyInterval.String(),
		"trust_anchors_sha256", p.anchors, "inspect_policy", p.policy.Name, "worker_process", p.self.ID)
	return nil
}

func (p *Pipeline) stop(ctx context.Context) error {
	p.mu.Lock()
	q, started, hb := p.q, p.started, p.hb
	p.started, p.hb = false, nil
	p.mu.Unlock()
	if !started {
		return nil
	}
	err := q.stop(ctx)
	if err != nil && ctx.Err() != nil {
		// Running jobs did not finish in time: cancel them; River retries
		// them later (here or in another process).
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		err = errors.Join(err, q.stopAndCancel(cctx))
	}
	// Only now, with no job of ours running: from here on another process
	// takes over at once whatever River still shows as ours.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if herr := hb.end(hctx); herr != nil {
		p.log.Warn("recording the worker process's stop", "err", herr)
	}
	if err != nil {
		return fmt.Errorf("pipeline: stop workers: %w", err)
	}
	p.log.Info("workers stopped")
	return nil
}
