package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sohoa/sohoa"
)

// Metrics are the server's Prometheus metrics. They count what this
// process saw; with several processes behind a load balancer, Prometheus
// sums them.
//
//	sohoa_http_requests_total{method,route,code}        requests answered
//	sohoa_http_request_duration_seconds{method,route}   how long they took
//	sohoa_http_requests_in_flight                       being served now
//	sohoa_upload_bytes_total                            upload bytes received
//	sohoa_verification_indications_total{indication}    verdicts recorded by this process's workers
//	sohoa_inspection_outcomes_total{outcome}            inspections recorded by this process's workers
//	sohoa_jobs_queued                                   jobs waiting (when a queue probe is given)
//	sohoa_build_info{version}                           1
//
// plus the Go runtime's and the process's own (go_*, process_*).
type Metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	durations    *prometheus.HistogramVec
	inFlight     prometheus.Gauge
	uploadBytes  prometheus.Counter
	indications  *prometheus.CounterVec
	inspections  *prometheus.CounterVec
	buildInfo    *prometheus.GaugeVec
	queueTimeout time.Duration
}

// NewMetrics registers sohoa's metrics on reg; nil means a new registry
// with the Go and process collectors.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sohoa_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sohoa_http_request_duration_seconds",
			Help: "Time from a request's arrival to the end of its response, by method and route pattern.",
			// From a health check to a large upload.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .2, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sohoa_http_requests_in_flight",
			Help: "Requests being served.",
		}),
		uploadBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sohoa_upload_bytes_total",
			Help: "Bytes of uploaded files received.",
		}),
		indications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sohoa_verification_indications_total",
			Help: "Verifications recorded by this process's workers, by ETSI indication.",
		}, []string{"indication"}),
		inspections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sohoa_inspection_outcomes_total",
			Help: "Scan inspections recorded by this process's workers, by outcome.",
		}, []string{"outcome"}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sohoa_build_info",
			Help: "Always 1; the label says which sohoa version runs.",
		}, []string{"version"}),
		queueTimeout: time.Second,
	}
	reg.MustRegister(m.requests, m.durations, m.inFlight, m.uploadBytes, m.indications, m.inspections, m.buildInfo)
	// The three indications exist from the start, so a rate() over them
	// never misses the first one.
	for _, ind := range []string{"TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"} {
		m.indications.WithLabelValues(ind)
	}
	return m
}

// Registry is where the metrics live, for other collectors to join.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// AddUploadBytes counts bytes of an upload as they arrive.
func (m *Metrics) AddUploadBytes(n int64) {
	if n > 0 {
		m.uploadBytes.Add(float64(n))
	}
}

// Recorded counts a worker's recorded results: pass it as
// pipeline.Config.OnRecorded. Either argument may be nil.
func (m *Metrics) Recorded(in *sohoa.Inspection, v *sohoa.Verification) {
	if in != nil {
		m.inspections.WithLabelValues(string(in.Outcome)).Inc()
	}
	if v != nil && v.Indication != "" {
		m.indications.WithLabelValues(v.Indication).Inc()
	}
}

// WatchQueue adds the sohoa_jobs_queued gauge, read through depth at each
// scrape (bounded by a short timeout; a failed read reports -1, which an
// alert can tell from an empty queue).
func (m *Metrics) WatchQueue(depth func(ctx context.Context) (int, error)) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sohoa_jobs_queued",
		Help: "Inspection and verification jobs waiting to run (available, scheduled or retryable); -1 when it could not be read.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), m.queueTimeout)
		defer cancel()
		n, err := depth(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}

func (m *Metrics) setVersion(v string) {
	if v == "" {
		v = "dev"
	}
	m.buildInfo.Reset()
	m.buildInfo.WithLabelValues(v).Set(1)
}

// observeRequest records one answered request.
func (m *Metrics) observeRequest(method, route string, status int, d time.Duration) {
	method, route = methodLabel(method), routeLabel(route)
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.durations.WithLabelValues(method, route).Observe(d.Seconds())
}

// handler serves the exposition format.
func (m *Metrics) handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:          slogPrintln{log},
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: false,
	})
}

// routeLabel is the route label: the matched pattern, or "unmatched" for
// requests no route took (so that scanners probing random paths do not
// create a label value each).
func routeLabel(route string) string {
	if route == "" {
		return "unmatched"
	}
	return route
}

// methodLabel keeps the method label to the standard methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// slogPrintln adapts slog to promhttp's error logger.
type slogPrintln struct{ log *slog.Logger }

func (l slogPrintln) Println(v ...any) { l.log.Error("serving metrics", "err", v) }
