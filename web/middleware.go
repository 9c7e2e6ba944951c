package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"
)

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
		rec := &statusRecorder{ResponseWriter: w}

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
				"method", r.Method, "route", routeLabel(st.route), "path", r.URL.Path, // never the query: it may carry secrets
				"status", status, "duration", elapsed.Round(time.Microsecond), "bytes", rec.written,
				"client", st.client.String())
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
		next.ServeHTTP(rec, r)
	})
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
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	return n, err
}

func (w *statusRecorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
