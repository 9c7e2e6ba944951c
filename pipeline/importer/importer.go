package importer

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/pipeline/source"
)

// Config is what an import runs over: the opened pipeline and its catalog.
type Config struct {
	Pipeline *pipeline.Pipeline
	// Catalog is the pipeline's catalog (the journal's entries are
	// checked against it, and the resolver looks dossiers up in it).
	Catalog sohoa.Catalog
	Logger  *slog.Logger
	// Now is the clock (the run's duration, the journal's times, when a
	// wait stalls); nil means time.Now.
	Now func() time.Time
}

// Options say what to import and how.
type Options struct {
	// Paths are files and folders (walked recursively); without them,
	// every file Manifest lists.
	Paths []string
	// Manifest, when set, says which dossier each file it lists belongs
	// to (source.ReadManifestFile; its bad rows are reported with every
	// other problem CheckManifest finds, before anything is stored).
	Manifest *source.Manifest
	// Unit and Procedure are --unit and --procedure (see source.Resolver).
	Unit, Procedure string
	// Recheck reads every file again, whatever the journal says.
	Recheck bool
	// NoWait returns once the files are stored; otherwise the pipeline's
	// workers run in this process during the import and Import waits
	// until the stored documents are inspected and verified.
	NoWait bool
	// Parallel is how many files are stored at once (0: a default).
	Parallel int
	// JournalPath is the journal's file (source.OpenJournal).
	JournalPath string
	// Source and Actor are recorded on the documents (defaults
	// sohoa.SourceBulk and "system:ingest").
	Source sohoa.DocumentSource
	Actor  string
	// Events receives the run's progress; nil for none.
	Events Events
	// StallAfter and StallEvery: a wait for the workers that has not
	// moved for StallAfter is explained (Events.Stalled), again every
	// StallEvery while it stays still (defaults 10 s and 30 s).
	StallAfter, StallEvery time.Duration
}

// Stage says which check before storing refused an import.
type Stage string

const (
	// StageCheck: the unit or procedure given (Options.Unit, Procedure).
	StageCheck Stage = "check"
	// StageManifest: a manifest row (the error lists every bad row).
	StageManifest Stage = "manifest"
	// StageWorkers: the pipeline's workers could not start.
	StageWorkers Stage = "workers"
	// StageJournal: the journal could not be opened.
	StageJournal Stage = "journal"
)

// Error is an import refused before anything was stored.
type Error struct {
	Stage Stage
	Err   error
}

func (e *Error) Error() string { return fmt.Sprintf("import (%s): %v", e.Stage, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Import imports what opts names, as described in the package comment.
// It returns an *Error, and stores nothing, when a check before storing
// fails; otherwise the summary, whose Stopped, Interrupted, WaitErr,
// Failures and Unchecked say what went wrong with the run.
func Import(ctx context.Context, cfg Config, opts Options) (*Summary, error) {
	r, err := newRun(cfg, opts)
	if err != nil {
		return nil, err
	}
	resolver := &source.Resolver{Manifest: opts.Manifest, Unit: opts.Unit, Procedure: opts.Procedure, Catalog: cfg.Catalog}
	if err := resolver.CheckUnitProcedure(ctx); err != nil {
		return nil, &Error{StageCheck, err}
	}
	if opts.Manifest != nil {
		if err := resolver.CheckManifest(ctx); err != nil {
			return nil, &Error{StageManifest, err}
		}
	}
	r.resolver = resolver
	if !opts.NoWait {
		// Workers run while files are still being stored, so inspection
		// and verification overlap the import instead of following it.
		if err := cfg.Pipeline.Start(ctx); err != nil {
			return nil, &Error{StageWorkers, err}
		}
		defer r.stopWorkers(ctx)
	}
	journal, err := source.OpenJournal(opts.JournalPath)
	if err != nil {
		return nil, &Error{StageJournal, err}
	}
	defer journal.Close()
	r.journal = journal
	return r.run(ctx), nil
}

// run is one import in progress.
type run struct {
	cfg      Config
	opts     Options
	log      *slog.Logger
	ev       Events
	resolver *source.Resolver
	journal  *source.Journal

	// Outcomes of the items: every item ends as exactly one of added,
	// dups, skipped, a failure, or not imported (the run stopped first).
	created, added, dups, skipped, itemFailed atomic.Int64

	// stop ends the run early (out of space); stopErr is why.
	stop    context.CancelFunc
	stopMu  sync.Mutex
	stopErr error

	mu       sync.Mutex
	failures []Failure
	links    []source.SkippedLink
	docIDs   []int64
	docPath  map[int64]string // for the checks' report
	dossiers map[string]bool  // touched by this run
}

func newRun(cfg Config, opts Options) (*run, error) {
	if cfg.Pipeline == nil || cfg.Catalog == nil {
		return nil, sohoa.Errorf(sohoa.EINVALID, "importer: a pipeline and its catalog are needed")
	}
	if len(opts.Paths) == 0 && opts.Manifest == nil {
		return nil, sohoa.Errorf(sohoa.EINVALID, "importer: nothing to import (no path, no manifest)")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if opts.Parallel <= 0 {
		opts.Parallel = min(4, 2*runtime.GOMAXPROCS(0))
	}
	if opts.Source == "" {
		opts.Source = sohoa.SourceBulk
	}
	if opts.Actor == "" {
		opts.Actor = "system:ingest"
	}
	if opts.StallAfter <= 0 {
		opts.StallAfter = 10 * time.Second
	}
	if opts.StallEvery <= 0 {
		opts.StallEvery = 30 * time.Second
	}
	ev := opts.Events
	if ev == nil {
		ev = NopEvents{}
	}
	return &run{cfg: cfg, opts: opts, log: cfg.Logger.With("component", "importer"), ev: ev,
		docPath: map[int64]string{}, dossiers: map[string]bool{}}, nil
}

func (r *run) run(ctx context.Context) *Summary {
	started := r.cfg.Now()
	items, unplanned, total := r.plan(ctx)
	r.ev.Storing(len(items), total)
	r.storeAll(ctx, items)
	s := &Summary{Files: len(items) + unplanned, Bytes: total, JournalPath: r.journal.Path()}
	if err := r.journal.Close(); err != nil {
		// Not fatal: the next run re-reads the files it cannot skip and
		// reports them as duplicates.
		s.JournalErr = err
	}
	s.Interrupted = ctx.Err() != nil
	s.Stopped = r.stopped()

	// Wait for the workers: the files just stored, and those a previous,
	// interrupted run stored without waiting. Not after running out of
	// space: the workers could not record their results either, and the
	// re-run waits for everything it skips.
	ids := uniqueIDs(r.docIDs)
	waited := len(ids) == 0
	if !r.opts.NoWait && !s.Interrupted && s.Stopped == nil && len(ids) > 0 {
		s.WaitErr = r.wait(ctx, ids)
		waited = s.WaitErr == nil
		s.Interrupted = ctx.Err() != nil
	}
	if waited && s.Stopped == nil && len(ids) > 0 {
		checks, unchecked, err := r.checks(ctx, ids)
		if err != nil {
			s.WaitErr = fmt.Errorf("reading the results: %w", err)
		}
		s.Checks, s.Unchecked = checks, unchecked
	}
	r.ev.Finished()

	s.Took = r.cfg.Now().Sub(started)
	s.New, s.Duplicates, s.Skipped = int(r.added.Load()), int(r.dups.Load()), int(r.skipped.Load())
	s.NotImported = len(items) - s.New - s.Duplicates - s.Skipped - int(r.itemFailed.Load())
	s.DossiersCreated, s.Dossiers = int(r.created.Load()), len(r.dossiers)
	s.Failures, s.Links = r.failures, r.links
	return s
}

// stopWorkers stops the workers Import started, even when ctx has ended.
func (r *run) stopWorkers(ctx context.Context) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := r.cfg.Pipeline.Stop(sctx); err != nil {
		r.log.Debug("stopping the workers", "err", Scrub(err.Error()))
	}
}

// stopFor stops the run because of err (the first reason wins): no more
// files are started, those in flight are cancelled.
func (r *run) stopFor(err error) {
	r.stopMu.Lock()
	if r.stopErr == nil {
		r.stopErr = err
		r.log.Debug("stopping the import", "err", Scrub(err.Error()))
	}
	r.stopMu.Unlock()
	if r.stop != nil {
		r.stop()
	}
}

func (r *run) stopped() error {
	r.stopMu.Lock()
	defer r.stopMu.Unlock()
	return r.stopErr
}

func (r *run) addDoc(id int64, path, dossier string) {
	r.mu.Lock()
	r.docIDs = append(r.docIDs, id)
	if _, ok := r.docPath[id]; !ok {
		r.docPath[id] = path
	}
	r.dossiers[dossier] = true
	r.mu.Unlock()
}

func (r *run) fail(path, where string, err error) {
	if sohoa.Code(err) == sohoa.EINTERNAL && !IsNoSpace(err) {
		r.log.Debug("file not imported", "path", path, "err", Scrub(err.Error()))
	}
	r.mu.Lock()
	r.failures = append(r.failures, Failure{Path: path, Where: where, Reason: Reason(err), Err: err})
	r.mu.Unlock()
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
