package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

// Pipeline is what the web layer asks of the ingestion pipeline: storing
// an upload and reading a dossier's status. *pipeline.Pipeline is one.
type Pipeline interface {
	Ingest(ctx context.Context, req pipeline.IngestRequest) (*pipeline.IngestResult, error)
	Status(ctx context.Context, dossierCode string) (*pipeline.DossierStatus, error)
	// Documents is the status of documents by ID (latest inspection and
	// verification, pending jobs, permanent failure).
	Documents(ctx context.Context, ids []int64) ([]pipeline.DocumentStatus, error)
	// Reuse attaches a document of an earlier dossier by reference.
	Reuse(ctx context.Context, req pipeline.ReuseRequest) (*sohoa.Document, error)
}

var _ Pipeline = (*pipeline.Pipeline)(nil)

// Checker reports whether a dependency can serve requests now. /readyz
// asks each one, under a short deadline.
type Checker interface {
	Health(ctx context.Context) error
}

// CheckFunc adapts a function to Checker.
type CheckFunc func(ctx context.Context) error

// Health implements Checker.
func (f CheckFunc) Health(ctx context.Context) error { return f(ctx) }

// Config is what the handler is built over.
type Config struct {
	// Catalog is the catalog the API reads and writes.
	Catalog sohoa.Catalog
	// Blobs is the blob store uploads go to and downloads come from.
	Blobs sohoa.BlobStore
	// Pipeline ingests uploads; nil until a handler needs it.
	Pipeline Pipeline
	// CatalogCheck is /readyz's catalog probe; nil means CatalogProbe(Catalog).
	CatalogCheck Checker
	// Logger receives request logs and errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// TrustedProxies are the peers whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed; from anyone else they are
	// ignored (anyone can write them).
	TrustedProxies []netip.Prefix
	// Version is shown on / and in the sohoa_build_info metric.
	Version string
	// Metrics collects the server's metrics; nil means NewMetrics(nil).
	Metrics *Metrics
	// ReadyTimeout bounds each /readyz probe; 0 means 2 seconds.
	ReadyTimeout time.Duration
	// SessionIdle ends a session unused this long; 0 means
	// DefaultSessionIdle.
	SessionIdle time.Duration
	// SessionLifetime ends a session this long after sign-in however
	// active; 0 means DefaultSessionLifetime.
	SessionLifetime time.Duration
	// Throttle limits failed sign-ins; zero fields take the defaults.
	Throttle Throttle
	// API configures the JSON API under /api/v1.
	API APIConfig
	// Limits bound request lines, headers, slow uploads and stalled
	// writes; zero fields take the defaults.
	Limits Limits
}

// server is the handler's shared state.
type server struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	metrics *Metrics
	proxies []netip.Prefix
	mux     *http.ServeMux

	sessionIdle     time.Duration
	sessionLifetime time.Duration
	throttle        Throttle
	limits          Limits
}

// applyAuthDefaults fills the session and throttle settings.
func (s *server) applyAuthDefaults() {
	s.sessionIdle, s.sessionLifetime = s.cfg.SessionIdle, s.cfg.SessionLifetime
	if s.sessionIdle <= 0 {
		s.sessionIdle = DefaultSessionIdle
	}
	if s.sessionLifetime <= 0 {
		s.sessionLifetime = DefaultSessionLifetime
	}
	s.throttle = s.cfg.Throttle.withDefaults()
}

// New builds sohoa's HTTP handler.
func New(cfg Config) http.Handler { return newServer(cfg).handler() }

// newServer builds the server with its routes registered.
func newServer(cfg Config) *server {
	s := &server{cfg: cfg, log: cfg.Logger, now: cfg.Now, metrics: cfg.Metrics, proxies: cfg.TrustedProxies, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "web")
	if s.now == nil {
		s.now = time.Now
	}
	if s.metrics == nil {
		s.metrics = NewMetrics(nil)
	}
	s.metrics.setVersion(cfg.Version)
	if s.cfg.CatalogCheck == nil && cfg.Catalog != nil {
		s.cfg.CatalogCheck = CatalogProbe(cfg.Catalog)
	}
	if s.cfg.ReadyTimeout <= 0 {
		s.cfg.ReadyTimeout = 2 * time.Second
	}
	s.applyAuthDefaults()
	s.limits = cfg.Limits.withDefaults()
	s.routes()
	return s
}

// handler is the mux behind the middleware every request goes through.
func (s *server) handler() http.Handler { return s.middleware(s.authenticate(s.mux)) }

// routes registers every route. Each pattern is also the route label in
// logs and metrics, so patterns, never raw paths, reach the metrics.
func (s *server) routes() {
	s.handle("GET /{$}", http.HandlerFunc(s.handleIndex))
	s.handle("GET /healthz", http.HandlerFunc(s.handleHealthz))
	s.handle("GET /readyz", http.HandlerFunc(s.handleReadyz))
	s.handle("GET /metrics", s.metrics.handler(s.log))
	s.apiRoutes()
	s.handle("/api/v1/", http.HandlerFunc(s.handleAPINotFound))
	s.authRoutes()
	s.uiRoutes()
	s.adminRoutes()
}

// handle registers h under pattern and records the pattern for the
// request's log line and metrics.
func (s *server) handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st := stateOf(r.Context()); st != nil {
			st.route = pattern
		}
		h.ServeHTTP(w, r)
	}))
}
