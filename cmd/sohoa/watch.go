package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/pipeline/importer"
	"github.com/sohoa/sohoa/pipeline/source"
)

func init() {
	register("watch", "take scanned files from a hot folder (polling plus file system events) and process them", runWatch)
}

// runWatch is `sohoa watch DIR`: the hot folder, with the workers in the
// same process. It runs until SIGINT or SIGTERM and then exits 0; other
// exit codes mean it could not start.
func runWatch(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "watch", "[--offline] [--poll 2s] [--stable 5s] [--max-wait 10m] [--unit CODE --procedure CODE] DIR")
	cfg := addStoreFlags(fs, e)
	trustDir := fs.String("trust-dir", "", "trust anchor directory (env SOHOA_TRUST_DIR; default <data dir>/trust when it exists)")
	cfg.NoBuiltinTrust = noBuiltinTrustFlag(fs, e)
	cfg.Offline = offlineFlag(fs, e)
	poll := fs.Duration("poll", 0, "scan the folder this often, events or not (env SOHOA_WATCH_POLL; default 2s)")
	stable := fs.Duration("stable", 0, "take a file once its size and time have not changed for this long (env SOHOA_WATCH_STABLE; default 5s)")
	maxWait := fs.Duration("max-wait", 0, "a stable file that still looks unfinished (a PDF without its final trailer, a file another program has open for writing) goes to failed/ after this long without a change (env SOHOA_WATCH_MAX_WAIT; default 10m)")
	unit := fs.String("unit", "", "the hot folder's unit: files of dossiers in other units fail; with --procedure, dossiers named by files that do not exist yet are created in this unit")
	procedure := fs.String("procedure", "", "procedure of the dossiers created from file names (needs --unit)")
	workers := fs.Int("workers", 0, "inspection and verification workers in this process (0: 2 per CPU)")
	rest, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(rest) != 1 {
		fs.Usage()
		return exitUsage
	}
	dir := rest[0]
	durFromEnv := func(d *time.Duration, key string, def time.Duration) error {
		if *d != 0 {
			return nil
		}
		*d = def
		if v := e.getenv(key); v != "" {
			p, err := time.ParseDuration(v)
			if err != nil || p <= 0 {
				return fmt.Errorf("%s=%q: want a duration such as 2s or 500ms", key, v)
			}
			*d = p
		}
		return nil
	}
	for _, err := range []error{
		durFromEnv(poll, "SOHOA_WATCH_POLL", source.DefaultPollInterval),
		durFromEnv(stable, "SOHOA_WATCH_STABLE", source.DefaultStableFor),
		durFromEnv(maxWait, "SOHOA_WATCH_MAX_WAIT", source.DefaultMaxWait),
	} {
		if err != nil {
			fmt.Fprintln(e.stderr, "sohoa watch:", err)
			return exitUsage
		}
	}
	if *poll < 0 || *stable < 0 || *maxWait < 0 || *workers < 0 {
		fmt.Fprintln(e.stderr, "sohoa watch: --poll, --stable, --max-wait and --workers must not be negative")
		return exitUsage
	}
	if *procedure != "" && *unit == "" {
		fmt.Fprintln(e.stderr, "sohoa watch: --procedure needs --unit: the unit the new dossiers belong to")
		return exitUsage
	}
	for kind, v := range map[string]string{"--unit": *unit, "--procedure": *procedure} {
		if v != "" {
			if err := sohoa.ValidateCode(kind, v); err != nil {
				fmt.Fprintln(e.stderr, "sohoa watch:", sohoa.Message(err))
				return exitUsage
			}
		}
	}
	if err := cfg.finish(e); err != nil {
		fmt.Fprintln(e.stderr, "sohoa watch:", err)
		return exitUsage
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(e.stderr, "sohoa watch: hot folder %s is not a directory\n", dir)
		return exitFailure
	}

	st, pipe, err := openSourcePipeline(ctx, e, cfg, *trustDir, *workers)
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa watch:", err)
		return exitCode(err)
	}
	defer st.Close()
	if err := pipe.Start(ctx); err != nil {
		fmt.Fprintln(e.stderr, "sohoa watch:", err)
		return exitInternal
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := pipe.Stop(sctx); err != nil {
			e.log.Warn("stopping the workers", "err", err)
		}
	}()

	h := &watchHandler{e: e, pipe: pipe, resolver: &source.Resolver{Unit: *unit, Procedure: *procedure, Catalog: st.Catalog}, results: map[string]string{}}
	fmt.Fprintf(e.stdout, "%s watching %s (poll %s, stable %s, max wait %s; catalog %s); stop with Ctrl-C\n",
		watchStamp(), dir, *poll, *stable, *maxWait, cfg.describeCatalog())
	err = source.Watch(ctx, dir, source.WatchOptions{
		PollInterval: *poll,
		StableFor:    *stable,
		MaxWait:      *maxWait,
		Logger:       e.log,
		Report:       h.report,
	}, h.handle)
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa watch:", err)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "%s stopped\n", watchStamp())
	return exitOK
}

// watchHandler ingests the hot folder's files and prints one line per
// outcome.
type watchHandler struct {
	e        *env
	pipe     *pipeline.Pipeline
	resolver *source.Resolver

	mu      sync.Mutex
	results map[string]string // path → what Ingest did, for the report line
}

func watchStamp() string { return time.Now().In(sohoa.Location()).Format(time.RFC3339) }

// handle ingests f into every dossier its name (or manifest row) gives.
// nil means durable: the watcher may move the file.
func (h *watchHandler) handle(ctx context.Context, f source.File) error {
	if err := importer.CheckFileContent(f.Path); err != nil {
		return err // what the file is comes before where it goes
	}
	targets, err := h.resolver.Plan(f)
	if err != nil {
		return err
	}
	var said string
	for i := range targets {
		t := targets[i]
		if err := h.resolver.Complete(ctx, f, &t); err != nil {
			return err
		}
		res, _, err := importer.IngestFile(ctx, h.pipe, f, t, sohoa.SourceFolder, "system:watch", nil)
		if err != nil {
			return err
		}
		what := "new"
		if res.Duplicate {
			what = "duplicate"
		}
		if res.DossierCreated {
			what += ", dossier created"
		}
		said = fmt.Sprintf("dossier %s, document %d (%s)", t.DossierCode, res.Document.ID, what)
	}
	h.mu.Lock()
	h.results[f.Path] = said
	h.mu.Unlock()
	return nil
}

func (h *watchHandler) report(ev source.WatchEvent) {
	h.mu.Lock()
	said := h.results[ev.File.Path]
	delete(h.results, ev.File.Path)
	h.mu.Unlock()
	name := filepath.Base(ev.File.Path)
	w := h.e.stdout
	switch ev.Outcome {
	case source.Processed:
		fmt.Fprintf(w, "%s processed %s: %s → %s\n", watchStamp(), name, said, ev.MovedTo)
	case source.Failed:
		fmt.Fprintf(w, "%s failed %s: %s → %s\n", watchStamp(), name, source.Reason(ev.Err), ev.MovedTo)
	case source.Retry:
		fmt.Fprintf(w, "%s retry %s in %s: %s\n", watchStamp(), name, ev.RetryIn, source.Reason(ev.Err))
	case source.Reopened:
		fmt.Fprintf(w, "%s reopened %s: it changed in %s/ after it was ingested (its writer was not done; raise --stable); moved back to %s, taken again once finished\n",
			watchStamp(), name, source.ProcessedDir, ev.MovedTo)
	}
}
