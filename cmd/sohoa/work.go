package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/verify"
)

func init() {
	register("work", "run the workers that inspect, verify and record ingested files, until interrupted", runWork)
}

// runWork runs the pipeline's River workers (and the periodic sweep) until
// SIGINT or SIGTERM. Any number of `sohoa work` processes, on any number of
// machines, may share one PostgreSQL catalog and one S3 store: River hands
// each job to one of them.
func runWork(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "work", "[--workers N] [--offline] [--trust-dir DIR] [--sweep-every DURATION] [--data-dir DIR] [--database-url URL] [--s3-endpoint HOST:PORT]")
	cfg := addStoreFlags(fs, e)
	trustDir := fs.String("trust-dir", "", "trust anchor directory (env SOHOA_TRUST_DIR; default <data dir>/trust when it exists)")
	cfg.NoBuiltinTrust = noBuiltinTrustFlag(fs, e)
	cfg.Offline = offlineFlag(fs, e)
	workers := fs.Int("workers", envInt(e, "SOHOA_WORKERS", 0), "concurrent jobs in this process; 0 means twice the CPUs (env SOHOA_WORKERS)")
	sweep := fs.Duration("sweep-every", envDuration(e, "SOHOA_SWEEP_EVERY", pipeline.DefaultReverifyInterval),
		"how often to re-verify verdicts that may change and re-enqueue lost jobs; 0 turns it off (env SOHOA_SWEEP_EVERY)")
	grace := fs.Duration("shutdown-timeout", 30*time.Second, "on SIGINT/SIGTERM, how long running jobs may finish before they are cancelled (and retried later)")
	logLevel := fs.String("log-level", envOr(e, "SOHOA_LOG_LEVEL", "info"), "debug, info, warn or error (env SOHOA_LOG_LEVEL)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 || *workers < 0 {
		fs.Usage()
		return exitUsage
	}
	e.log = newLogger(e.stderr, *logLevel)
	fail := func(err error) int {
		fmt.Fprintln(e.stderr, "sohoa work:", err)
		return exitCode(err)
	}
	if err := cfg.finish(e); err != nil {
		return fail(err)
	}
	interval := *sweep
	if interval <= 0 {
		interval = -1
	}
	st, p, err := openPipeline(ctx, e, cfg, *trustDir, pipeline.Config{Workers: *workers, ReverifyInterval: interval})
	if err != nil {
		return fail(err)
	}
	defer st.Close()

	// The workers live until the signal, then get a grace period: their
	// context must not be the signal's.
	if err := p.Start(context.WithoutCancel(ctx)); err != nil {
		return fail(err)
	}
	e.log.Info("sohoa work: running; SIGINT or SIGTERM stops", "catalog", cfg.describeCatalog())
	<-ctx.Done()
	e.log.Info("sohoa work: stopping", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := p.Stop(sctx); err != nil {
		return fail(err)
	}
	return exitOK
}

// workerGCPercent is the garbage collector's target in processes that run
// workers (GOGC, when set, wins): every document's parse allocates a lot
// that dies at once over little live data, so collecting half as often
// saves CPU for a bounded cost in memory (BENCHMARKS.md: the 10,000-file
// import peaks at 137–177 MiB instead of 125–137).
const workerGCPercent = 200

// openPipeline opens the stores and a pipeline over them, with the trust
// anchors `sohoa verify` would use. base supplies the tuning fields
// (Workers, ReverifyInterval, Inspect); the rest is filled in here,
// SignerFor from the audit key (units' signing keys are sealed under it),
// so the workers make certified copies.
func openPipeline(ctx context.Context, e *env, cfg *storeConfig, trustDir string, base pipeline.Config) (*stores, *pipeline.Pipeline, error) {
	set, err := loadTrust(e, trustDir, cfg.DataDir, nil, cfg.noBuiltin(e))
	if err != nil {
		return nil, nil, sohoa.Wrapf(err, sohoa.EINVALID, "%v", err)
	}
	vcfg := set.verifyConfig()
	if len(vcfg.TrustAnchors) == 0 {
		e.log.Warn("no trust anchors configured (the built-in roots are off, and no --trust-dir, SOHOA_TRUST_DIR or <data dir>/trust): no signature can reach TOTAL_PASSED")
	}
	vcfg.Logger = e.log
	if cfg.online() {
		vcfg.HTTPClient = revocationHTTPClient()
		e.log.Debug("revocation: CRLs and OCSP responses are fetched online when a file lacks them (--offline or SOHOA_OFFLINE=1 turns it off)")
	}
	v, err := verify.New(vcfg)
	if err != nil {
		return nil, nil, err
	}
	st, err := cfg.openWith(ctx, e, openOptions{Blobs: true, AppendsAudit: true})
	if err != nil {
		return nil, nil, err
	}
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(workerGCPercent)
	}
	base.Catalog, base.Blobs, base.Verifier, base.Logger = st.Catalog, st.Blobs, v, e.log
	if base.SignerFor == nil && st.AuditKey != nil {
		// Units' signing keys are sealed under the audit key: with it,
		// the workers make certified copies of those units' scans.
		base.SignerFor = pipeline.UnsealWith(st.AuditKey)
	}
	p, err := pipeline.New(base)
	if err != nil {
		_ = st.Close()
		return nil, nil, err
	}
	return st, p, nil
}

// envInt reads a whole number from the environment, def when unset or
// malformed (the flag parser reports nothing for the environment, so a
// malformed value is logged).
func envInt(e *env, key string, def int) int {
	v := e.getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fmt.Fprintf(e.stderr, "sohoa: ignoring %s=%q: not a whole number\n", key, v)
		return def
	}
	return n
}

// envDuration reads a duration ("6h", "30m") from the environment.
func envDuration(e *env, key string, def time.Duration) time.Duration {
	v := e.getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		fmt.Fprintf(e.stderr, "sohoa: ignoring %s=%q: not a duration like 6h or 30m\n", key, v)
		return def
	}
	return d
}
