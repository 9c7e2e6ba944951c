package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
)

// Limits bound what one client may hold of the server: how big a request
// line and headers may be, how slowly an upload may arrive, how long a
// response may wait for a client that stopped reading. Zero fields take
// the defaults below. (http.Server's own timeouts and MaxHeaderBytes are
// set by whoever runs the server; these are the parts a handler must do.)
type Limits struct {
	// MaxURLBytes bounds the request target (path and query): 414 beyond.
	MaxURLBytes int
	// MaxHeaderBytes bounds the header fields (each counted as
	// name + value + 4 bytes): 431 beyond, with the API's error body or a
	// page. It should be under http.Server.MaxHeaderBytes, past which
	// net/http itself answers a bare 431 before any handler runs.
	MaxHeaderBytes int
	// UploadIdle and MinUploadRate pace an upload's body (uploads and ad
	// hoc verification): within every UploadIdle, at least
	// MinUploadRate×UploadIdle bytes must arrive, or the read times out and
	// the request is answered 408 with nothing stored. However long the
	// whole upload takes, it is never cut while it keeps that pace.
	UploadIdle    time.Duration
	MinUploadRate int64 // bytes per second; negative means none (any byte extends)
	// WriteIdle: a response write that cannot go out within this long (the
	// client stopped reading) fails, the handler stops and the connection
	// is closed. Each write gets a fresh deadline, so a long download or
	// a quiet event stream is never cut while the client reads.
	WriteIdle time.Duration
}

// Default limits.
const (
	DefaultMaxURLBytes    = 8 << 10
	DefaultMaxHeaderBytes = 32 << 10
	DefaultUploadIdle     = time.Minute
	// DefaultMinUploadRate: 1 KiB/s, so 60 KiB a minute; a slow 3G link
	// does a hundred times better.
	DefaultMinUploadRate = 1 << 10
	DefaultWriteIdle     = time.Minute
)

func (l Limits) withDefaults() Limits {
	if l.MaxURLBytes <= 0 {
		l.MaxURLBytes = DefaultMaxURLBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.UploadIdle <= 0 {
		l.UploadIdle = DefaultUploadIdle
	}
	if l.MinUploadRate == 0 {
		l.MinUploadRate = DefaultMinUploadRate
	} else if l.MinUploadRate < 0 {
		l.MinUploadRate = 0
	}
	if l.WriteIdle <= 0 {
		l.WriteIdle = DefaultWriteIdle
	}
	return l
}

// requestState travels in the request's context from the outermost
// middleware to the handlers and back: the route pattern is filled in by
// the matched route (the mux sets Request.Pattern only on its own copy
// once a middleware has made one), the client by the forwarded headers
// logic.
type requestState struct {
	route  string
	client netip.Addr
	tls    bool
	// authErr says why a session cookie was not accepted, for the 401
	// of a handler that needs a principal.
	authErr error
	// bodyTimeout: reading the request body hit its deadline (the client
	// sent too slowly or stopped); whatever error the handler got from
	// that, the answer is 408.
	bodyTimeout bool
}

type stateKey struct{}

func stateOf(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}

// routeOf is the matched route pattern, "" before routing or when none
// matched.
func routeOf(r *http.Request) string {
	if st := stateOf(r.Context()); st != nil {
		return st.route
	}
	return ""
}

// clientAddr is the client's address: the peer's, or the one a trusted
// proxy forwarded.
func clientAddr(r *http.Request) netip.Addr {
	if st := stateOf(r.Context()); st != nil {
		return st.client
	}
	return peerAddr(r.RemoteAddr)
}

// isTLS reports whether the client reached us over HTTPS, directly or
// through a trusted proxy (for Secure cookies and HSTS).
func isTLS(r *http.Request) bool {
	if st := stateOf(r.Context()); st != nil {
		return st.tls
	}
	return r.TLS != nil
}

// contentSecurityPolicy allows only the server's own resources and no
// inline script or style: the UI will ship every asset embedded and use no
// inline handlers, so this never needs loosening.
const contentSecurityPolicy = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"

// middleware wraps every request: client and scheme from trusted proxies,
// security headers, panic recovery, then the request's log line and
// metrics.
func (s *server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		st := &requestState{}
		st.client, st.tls = s.clientOf(r)
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		rec := &statusRecorder{ResponseWriter: w, rc: http.NewResponseController(w), writeIdle: s.limits.WriteIdle}
		// A keep-alive connection keeps the previous response's write
		// deadline: give this one a fresh one before anything is written.
		rec.extend()
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &watchedBody{ReadCloser: r.Body, st: st}
		}

		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if st.tls {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}

		s.metrics.inFlight.Inc()
		defer func() {
			s.metrics.inFlight.Dec()
			status := rec.status
			if status == 0 {
				status = http.StatusOK // the handler wrote nothing
			}
			elapsed := s.now().Sub(start)
			s.metrics.observeRequest(r.Method, st.route, status, elapsed)
			level := levelFor(status)
			s.log.Log(r.Context(), level, "request",
				"method", r.Method, "route", routeLabel(st.route), "path", logPath(r.URL.Path), // never the query: it may carry secrets
				"status", status, "duration", elapsed.Round(time.Microsecond), "bytes", rec.written,
				"client", st.client.String())
			if rec.stalled {
				s.log.Warn("the client stopped reading: response abandoned, connection closed",
					"method", r.Method, "route", routeLabel(st.route), "bytes", rec.written, "write_idle", s.limits.WriteIdle.String(),
					"client", st.client.String())
			}
		}()
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				rec.status = statusAborted
				panic(v) // net/http's own way to abort a response: let it
			}
			s.log.Error("panic serving request", "method", r.Method, "route", routeLabel(st.route),
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec.status != 0 {
				// The status line is out: abort the connection, so the
				// client sees a cut response rather than one that looks
				// complete (a chunked body would otherwise end cleanly).
				rec.status = http.StatusInternalServerError
				panic(http.ErrAbortHandler)
			}
			if strings.HasPrefix(r.URL.Path, "/api/") {
				s.writeError(rec, r, fmt.Errorf("panic: %v", v))
			} else {
				http.Error(rec, internalMessage, http.StatusInternalServerError)
			}
		}()
		if status, reason := s.oversized(r); status != 0 {
			s.deny(rec, r, status, sohoa.EINVALID, reason)
			return
		}
		next.ServeHTTP(rec, r)
		rec.extend() // for what net/http flushes after the handler
	})
}

// oversized checks the request line and headers against the limits: 414
// or 431 with the reason, 0 when within them.
func (s *server) oversized(r *http.Request) (int, sohoa.Reason) {
	if len(r.RequestURI) > s.limits.MaxURLBytes {
		return http.StatusRequestURITooLong, sohoa.NewReason(reasonURITooLong, "limit", strconv.Itoa(s.limits.MaxURLBytes))
	}
	n := len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	if n > s.limits.MaxHeaderBytes {
		return http.StatusRequestHeaderFieldsTooLarge, sohoa.NewReason(reasonHeadersTooBig, "limit", strconv.Itoa(s.limits.MaxHeaderBytes))
	}
	return 0, sohoa.Reason{}
}

// logPath is a path as logged: bounded, so one absurd URL does not make
// an absurd log line.
func logPath(p string) string {
	const max = 256
	if len(p) > max {
		return p[:max] + "…"
	}
	return p
}

// isTimeout: err is a read or write deadline passing.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// bodyTimedOut reports whether reading r's body hit its deadline.
func bodyTimedOut(r *http.Request) bool {
	st := stateOf(r.Context())
	return st != nil && st.bodyTimeout
}

// watchedBody notes in the request's state that the body's read deadline
// passed, so the answer is 408 whatever the handler made of the error
// (a multipart parser's "malformed", a pipeline's wrapped I/O error).
type watchedBody struct {
	io.ReadCloser
	st *requestState
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && isTimeout(err) {
		b.st.bodyTimeout = true
	}
	return n, err
}

// progressBody paces an upload (Limits.UploadIdle, MinUploadRate): the
// connection's read deadline is UploadIdle ahead and moves forward each
// time the bytes needed for one such window have arrived. The server's
// whole-request ReadTimeout would cut a large upload that is
// progressing; this replaces it for the upload's body, while a body that
// stalls or trickles still times out.
type progressBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
	need int64 // bytes per window
	got  int64 // bytes since the deadline last moved
}

// keepReading wraps r's body in a progressBody and sets the first
// deadline. Deadlines are real time (time.Now), not the server's clock,
// which tests may fix.
func (s *server) keepReading(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.limits.UploadIdle)) // not every writer supports it (tests)
	need := s.limits.MinUploadRate * int64(s.limits.UploadIdle) / int64(time.Second)
	r.Body = &progressBody{ReadCloser: r.Body, rc: rc, idle: s.limits.UploadIdle, need: max(need, 1)}
}

func (p *progressBody) Read(b []byte) (int, error) {
	n, err := p.ReadCloser.Read(b)
	if n > 0 {
		if p.got += int64(n); p.got >= p.need {
			_ = p.rc.SetReadDeadline(time.Now().Add(p.idle))
			p.got = 0
		}
	}
	return n, err
}

// statusAborted labels responses a handler aborted (http.ErrAbortHandler):
// nginx's "client closed request".
const statusAborted = 499

// levelFor logs server errors as errors, client errors as warnings.
func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// statusRecorder remembers the status and counts the body bytes. It
// passes Flush on (server-sent events need it) and unwraps for
// http.ResponseController.
type statusRecorder struct {
	http.ResponseWriter
	status  int
	written int64

	rc        *http.ResponseController
	writeIdle time.Duration
	// stalled: a write hit its deadline (the client stopped reading).
	stalled bool
}

// extend gives the next write WriteIdle to go out.
func (w *statusRecorder) extend() {
	if w.rc != nil && w.writeIdle > 0 {
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.writeIdle)) // not every writer supports it (tests)
	}
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.extend()
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	if err != nil && isTimeout(err) {
		w.stalled = true
	}
	return n, err
}

func (w *statusRecorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.extend()
	if err := http.NewResponseController(w.ResponseWriter).Flush(); err != nil && isTimeout(err) {
		w.stalled = true
	}
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
