package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/web"
)

func init() {
	register("serve", "run the HTTP server (sign-in, the JSON API, health, readiness, metrics) with the workers, until interrupted; --demo loads the demo first and prints its users' passwords", runServe)
}

// The server's timeouts and limits (the defaults of the flags below).
// Each bounds what one slow or hostile client can hold; none is shorter
// than an honest request needs.
const (
	// serveReadHeaderTimeout: a client has this long to send its request
	// line and headers (slowloris); past it the connection is closed.
	serveReadHeaderTimeout = 10 * time.Second
	// serveReadTimeout bounds reading a whole request, body included. The
	// upload handlers replace it for their body with a pace (web.Limits:
	// --upload-idle-timeout, --min-upload-rate), so a 1 GB upload that
	// keeps arriving is never cut and one that stalls still is.
	serveReadTimeout = 5 * time.Minute
	// No WriteTimeout: it would cut large downloads and event streams.
	// Every write gets its own deadline instead (--write-idle-timeout).
	serveWriteTimeout = 0
	// serveIdleTimeout: how long a keep-alive connection may wait for its
	// next request.
	serveIdleTimeout = 2 * time.Minute
	// serveMaxHeaderBytes: far more than any browser or API client sends,
	// far less than net/http's 1 MiB default; larger headers get net/http's
	// bare 431 before any handler runs. The handler's own limit
	// (web.DefaultMaxHeaderBytes, 32 KiB) is lower, so most oversized
	// headers get the API's error body or a Vietnamese page instead.
	serveMaxHeaderBytes = 64 << 10
	// sessionSweepInterval: how often ended sessions and old failed
	// sign-ins are deleted (they are refused when found anyway; this only
	// keeps the tables small).
	sessionSweepInterval = 10 * time.Minute
)

// serverTimeouts are the http.Server's own timeouts (flags).
type serverTimeouts struct {
	readHeader, read, idle time.Duration
}

// runServe is `sohoa serve`: the HTTP server over the same catalog, blob
// store and pipeline as the other commands, with the workers in the same
// process unless --no-workers. It keeps no state of its own (everything is
// in the catalog), so several serve processes may share one PostgreSQL
// catalog and one S3 bucket behind a load balancer. It runs until SIGINT
// or SIGTERM, then stops accepting connections, lets in-flight requests
// finish within --shutdown-timeout, then stops the workers.
func runServe(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "serve", "[--demo] [--addr 127.0.0.1:8080] [--offline] [--no-workers] [--workers N] [--tls-cert FILE --tls-key FILE] [--trusted-proxy CIDR]... [--session-idle 30m] [--session-lifetime 12h] [--max-upload 1GiB] [--read-header-timeout 10s] [--read-timeout 5m] [--idle-timeout 2m] [--upload-idle-timeout 1m] [--min-upload-rate 1KiB] [--write-idle-timeout 1m] [--data-dir DIR] [--database-url URL] [--s3-endpoint HOST:PORT]")
	cfg := addStoreFlags(fs, e)
	addr := fs.String("addr", envOr(e, "SOHOA_ADDR", "127.0.0.1:8080"), "address to listen on, host:port; port 0 picks a free one (env SOHOA_ADDR)")
	noWorkers := fs.Bool("no-workers", false, "serve HTTP only; `sohoa work` processes (or other servers) run the inspection and verification jobs")
	workers := fs.Int("workers", envInt(e, "SOHOA_WORKERS", 0), "concurrent jobs in this process; 0 means twice the CPUs (env SOHOA_WORKERS)")
	trustDir := fs.String("trust-dir", "", "trust anchor directory (env SOHOA_TRUST_DIR; default <data dir>/trust when it exists)")
	cfg.NoBuiltinTrust = noBuiltinTrustFlag(fs, e)
	cfg.Offline = offlineFlag(fs, e)
	sweep := fs.Duration("sweep-every", envDuration(e, "SOHOA_SWEEP_EVERY", pipeline.DefaultReverifyInterval),
		"how often the workers re-verify verdicts that may change and re-enqueue lost jobs; 0 turns it off (env SOHOA_SWEEP_EVERY)")
	tlsCert := fs.String("tls-cert", e.getenv("SOHOA_TLS_CERT"), "serve HTTPS with this PEM certificate (chain) file; needs --tls-key (env SOHOA_TLS_CERT)")
	tlsKey := fs.String("tls-key", e.getenv("SOHOA_TLS_KEY"), "the PEM private key of --tls-cert (env SOHOA_TLS_KEY)")
	var proxies stringList
	fs.Var(&proxies, "trusted-proxy", "a reverse proxy's address or CIDR whose X-Forwarded-For and X-Forwarded-Proto are believed; repeatable (env SOHOA_TRUSTED_PROXIES, comma-separated)")
	grace := fs.Duration("shutdown-timeout", 30*time.Second, "on SIGINT/SIGTERM, how long in-flight requests, then running jobs, may take to finish")
	sessionIdle := fs.Duration("session-idle", envDuration(e, "SOHOA_SESSION_IDLE", web.DefaultSessionIdle), "a web session unused this long ends (env SOHOA_SESSION_IDLE)")
	sessionLifetime := fs.Duration("session-lifetime", envDuration(e, "SOHOA_SESSION_LIFETIME", web.DefaultSessionLifetime), "a web session ends this long after sign-in, however active (env SOHOA_SESSION_LIFETIME)")
	demo := fs.Bool("demo", false, "first load the demo into the data directory (new, empty, or loaded before; embedded default only), as sohoa demo does, give the demo users new passwords and print them with the URL")
	maxUpload := byteSizeFlag(web.DefaultMaxUploadBytes)
	if v := e.getenv("SOHOA_MAX_UPLOAD"); v != "" {
		if err := maxUpload.Set(v); err != nil {
			fmt.Fprintf(e.stderr, "sohoa: ignoring SOHOA_MAX_UPLOAD=%q: %v\n", v, err)
		}
	}
	fs.Var(&maxUpload, "max-upload", "the largest file one upload may carry, e.g. 1GiB, 200MiB; larger ones get 413 and nothing is stored (env SOHOA_MAX_UPLOAD)")
	var to serverTimeouts
	fs.DurationVar(&to.readHeader, "read-header-timeout", envDuration(e, "SOHOA_READ_HEADER_TIMEOUT", serveReadHeaderTimeout), "a client must send its request line and headers within this; otherwise the connection is closed (slowloris) (env SOHOA_READ_HEADER_TIMEOUT)")
	fs.DurationVar(&to.read, "read-timeout", envDuration(e, "SOHOA_READ_TIMEOUT", serveReadTimeout), "a whole request, body included, must arrive within this; uploads are paced by --upload-idle-timeout and --min-upload-rate instead (env SOHOA_READ_TIMEOUT)")
	fs.DurationVar(&to.idle, "idle-timeout", envDuration(e, "SOHOA_IDLE_TIMEOUT", serveIdleTimeout), "a keep-alive connection waiting this long for its next request is closed (env SOHOA_IDLE_TIMEOUT)")
	uploadIdle := fs.Duration("upload-idle-timeout", envDuration(e, "SOHOA_UPLOAD_IDLE_TIMEOUT", web.DefaultUploadIdle), "within every such period an upload must bring --min-upload-rate × this many bytes, or it gets 408 and nothing is stored (env SOHOA_UPLOAD_IDLE_TIMEOUT)")
	minRate := byteSizeFlag(web.DefaultMinUploadRate)
	if v := e.getenv("SOHOA_MIN_UPLOAD_RATE"); v != "" {
		if err := minRate.Set(v); err != nil {
			fmt.Fprintf(e.stderr, "sohoa: ignoring SOHOA_MIN_UPLOAD_RATE=%q: %v\n", v, err)
		}
	}
	fs.Var(&minRate, "min-upload-rate", "the slowest pace, in bytes per second (e.g. 1KiB), an upload may keep; 0: any byte within --upload-idle-timeout will do (env SOHOA_MIN_UPLOAD_RATE)")
	writeIdle := fs.Duration("write-idle-timeout", envDuration(e, "SOHOA_WRITE_IDLE_TIMEOUT", web.DefaultWriteIdle), "a response write the client does not take within this (it stopped reading) is abandoned and the connection closed (env SOHOA_WRITE_IDLE_TIMEOUT)")
	logLevel := fs.String("log-level", envOr(e, "SOHOA_LOG_LEVEL", "info"), "debug, info, warn or error; with --demo warn unless set (env SOHOA_LOG_LEVEL)")
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "sohoa serve: "+format+"\n", a...)
		return exitUsage
	}
	if *workers < 0 || *grace < 0 {
		return usageErr("--workers and --shutdown-timeout must not be negative")
	}
	if *sessionIdle <= 0 || *sessionLifetime <= 0 {
		return usageErr("--session-idle and --session-lifetime must be positive")
	}
	if to.readHeader <= 0 || to.read <= 0 || to.idle <= 0 || *uploadIdle <= 0 || *writeIdle <= 0 {
		return usageErr("--read-header-timeout, --read-timeout, --idle-timeout, --upload-idle-timeout and --write-idle-timeout must be positive")
	}
	if maxUpload <= 0 {
		return usageErr("--max-upload must be positive")
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageErr("--tls-cert and --tls-key go together")
	}
	if len(proxies) == 0 {
		if v := e.getenv("SOHOA_TRUSTED_PROXIES"); v != "" {
			proxies = stringList{v}
		}
	}
	trusted, err := web.ParseTrustedProxies(proxies)
	if err != nil {
		return usageErr("%s", sohoa.Message(err))
	}
	level := *logLevel
	if *demo && !flagGiven(fs, "log-level") && e.getenv("SOHOA_LOG_LEVEL") == "" {
		// The demo's job logs would bury the users' table.
		level = "warn"
	}
	e.log = newLogger(e.stderr, level)
	fail := func(err error) int {
		fmt.Fprintln(e.stderr, "sohoa serve:", err)
		return exitCode(err)
	}
	if err := cfg.finish(e); err != nil {
		return fail(err)
	}
	var (
		demoSt      demoState
		demoResumed bool
	)
	if *demo {
		if why := serveDemoRefusal(cfg, *noWorkers, *trustDir); why != "" {
			return usageErr("%s", why)
		}
		if e.getenv("SOHOA_TRUST_DIR") != "" {
			fmt.Fprintln(e.stderr, "sohoa serve --demo: ignoring SOHOA_TRUST_DIR: the demo trusts the sample PKI's root in <data dir>/trust")
		}
		demoSt, demoResumed, *trustDir, _, err = demoSetup(ctx, e, cfg, time.Now())
		if err != nil {
			return fail(err)
		}
	}
	var tlsConfig *tls.Config
	if *tlsCert != "" {
		// Loaded now, so a wrong file fails the start rather than every
		// handshake.
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return fail(sohoa.Wrapf(err, sohoa.EINVALID, "TLS certificate %s and key %s: %v", *tlsCert, *tlsKey, err))
		}
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}

	metrics := web.NewMetrics(nil)
	interval := *sweep
	if interval <= 0 {
		interval = -1
	}
	pcfg := pipeline.Config{Workers: *workers, ReverifyInterval: interval}
	if !*noWorkers {
		pcfg.OnRecorded = metrics.Recorded
	}
	st, p, err := openPipeline(ctx, e, cfg, *trustDir, pcfg)
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	metrics.WatchQueue(p.QueueDepth)
	// The demo has its own administrator.
	if !*demo {
		if err := ensureFirstAdmin(ctx, e, st.Catalog); err != nil {
			return fail(err)
		}
	}

	// Listen before starting anything else, so a taken port fails the
	// start at once.
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(sohoa.Wrapf(err, sohoa.EINVALID, "listen on %s: %v", *addr, err))
	}
	if !*noWorkers {
		// The workers live until the HTTP server has drained, then get
		// their own grace period: their context must not be the signal's.
		if err := p.Start(context.WithoutCancel(ctx)); err != nil {
			l.Close()
			return fail(err)
		}
		defer func() {
			e.log.Info("sohoa serve: stopping the workers", "grace", grace.String())
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), *grace)
			defer cancel()
			if err := p.Stop(sctx); err != nil {
				e.log.Warn("stopping the workers", "err", err)
			}
		}()
	}

	anchors, err := listTrustAnchors(e, *trustDir, cfg)
	if err != nil {
		return fail(err)
	}
	wcfg := web.Config{
		API:             web.APIConfig{TrustAnchors: anchors, MaxUploadBytes: int64(maxUpload)},
		Catalog:         st.Catalog,
		Blobs:           st.Blobs,
		Pipeline:        p,
		Logger:          e.log,
		TrustedProxies:  trusted,
		Version:         buildVersion(),
		Metrics:         metrics,
		SessionIdle:     *sessionIdle,
		SessionLifetime: *sessionLifetime,
		Limits:          web.Limits{UploadIdle: *uploadIdle, MinUploadRate: minUploadRate(int64(minRate)), WriteIdle: *writeIdle},
	}
	h := web.New(wcfg)
	sweepCtx, stopSweep := context.WithCancel(ctx)
	sweepDone := make(chan struct{})
	go func() { defer close(sweepDone); sweepSessions(sweepCtx, e, wcfg, sessionSweepInterval) }()
	defer func() { stopSweep(); <-sweepDone }()
	url := serveURL(l.Addr(), tlsConfig != nil)
	if *demo {
		if err := serveDemo(ctx, e, cfg, st.Catalog, p, demoSt, demoResumed, url); err != nil {
			l.Close()
			return fail(err)
		}
	}
	workersSaid := "workers in this process"
	if *noWorkers {
		workersSaid = "no workers (--no-workers)"
	}
	fmt.Fprintf(e.stdout, "sohoa serve: listening on %s (catalog %s; %s); stop with Ctrl-C\n",
		url, cfg.describeCatalog(), workersSaid)
	if err := serveHTTP(ctx, e.log, l, newHTTPServer(e.log, h, tlsConfig, to), *grace); err != nil {
		return fail(err)
	}
	return exitOK
}

// minUploadRate maps the flag's 0 ("no minimum") to web.Limits' negative.
func minUploadRate(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

// newHTTPServer is the http.Server sohoa serves with: its timeouts, the
// header limit, and net/http's own complaints through slog.
func newHTTPServer(log *slog.Logger, h http.Handler, tlsConfig *tls.Config, to serverTimeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: to.readHeader,
		ReadTimeout:       to.read,
		WriteTimeout:      serveWriteTimeout,
		IdleTimeout:       to.idle,
		MaxHeaderBytes:    serveMaxHeaderBytes,
		TLSConfig:         tlsConfig,
		// TLS handshake failures, bad requests and the like: warnings
		// through slog, not a second logger writing raw to stderr.
		ErrorLog: slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelWarn),
	}
}

// serveHTTP serves srv on l until ctx ends, then shuts down gracefully:
// the listener closes at once, idle connections are closed, and requests
// in flight get up to grace to finish before their connections are
// closed. It returns nil after a shutdown, whether or not every request
// made it in time (the ones cut off are logged).
func serveHTTP(ctx context.Context, log *slog.Logger, l net.Listener, srv *http.Server, grace time.Duration) error {
	tlsConfig := srv.TLSConfig
	done := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			done <- srv.ServeTLS(l, "", "")
		} else {
			done <- srv.Serve(l)
		}
	}()
	select {
	case err := <-done:
		// Serve ends by itself only on an accept error.
		return fmt.Errorf("serving HTTP: %w", err)
	case <-ctx.Done():
	}
	log.Info("sohoa serve: stopping: no new connections; finishing requests in flight", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("sohoa serve: requests still running after the grace period were cut off", "grace", grace.String(), "err", err)
		_ = srv.Close()
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving HTTP: %w", err)
	}
	return nil
}

// serveURL is the URL to open for a listener's address. An unspecified
// host (listening on every interface) is shown as 127.0.0.1, which
// works from the same machine.
func serveURL(a net.Addr, https bool) string {
	scheme := "http"
	if https {
		scheme = "https"
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return scheme + "://" + a.String() + "/"
	}
	ip := ap.Addr().Unmap()
	if ip.IsUnspecified() {
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	host := ip.String()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s://%s:%d/", scheme, host, ap.Port())
}

// byteSizeFlag is a size flag: a number of bytes, or with a unit
// ("64KiB", "200MiB", "1GiB"; KB, MB and GB are taken as the same
// binary units, as people mean them).
type byteSizeFlag int64

func (b *byteSizeFlag) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSizeFlag) Set(v string) error {
	s := strings.TrimSpace(v)
	mult := int64(1)
	upper := strings.ToUpper(s)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(upper, u.suffix) {
			s, mult = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return fmt.Errorf("%q is not a size such as 1048576, 64KiB, 200MiB or 1GiB", v)
	}
	*b = byteSizeFlag(n * mult)
	return nil
}
