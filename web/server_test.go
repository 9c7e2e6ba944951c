package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func TestHealthz(t *testing.T) {
	b := setup(t, setupOpts{})
	res, body := b.get(t, "/healthz")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "ok\n", body)

	// Liveness asks no dependency: it stays 200 with the catalog gone.
	require.NoError(t, b.db.Close())
	res, _ = b.get(t, "/healthz")
	assert.Equal(t, http.StatusOK, res.StatusCode)

	res, _ = b.do(t, http.MethodPost, "/healthz", "", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}

type readyBody struct {
	Ready  bool         `json:"ready"`
	Checks []readyCheck `json:"checks"`
}

func readyz(t *testing.T, b *testBundle) (int, readyBody, string) {
	t.Helper()
	res, body := b.get(t, "/readyz")
	var rb readyBody
	require.NoError(t, json.Unmarshal([]byte(body), &rb), body)
	return res.StatusCode, rb, body
}

func failing(rb readyBody) []string {
	var out []string
	for _, c := range rb.Checks {
		if !c.OK {
			out = append(out, c.Name)
		}
	}
	return out
}

func TestReadyz(t *testing.T) {
	t.Run("ready", func(t *testing.T) {
		b := setup(t, setupOpts{})
		code, rb, _ := readyz(t, b)
		assert.Equal(t, http.StatusOK, code)
		assert.True(t, rb.Ready)
		assert.Len(t, rb.Checks, 2)
		assert.Empty(t, failing(rb))
	})
	t.Run("blob store directory removed", func(t *testing.T) {
		b := setup(t, setupOpts{})
		require.NoError(t, os.RemoveAll(b.dir+"/blobs"))
		code, rb, body := readyz(t, b)
		assert.Equal(t, http.StatusServiceUnavailable, code)
		assert.False(t, rb.Ready)
		assert.Equal(t, []string{"blob_store"}, failing(rb))
		assert.NotContains(t, body, b.dir, "no paths in the answer")
		assert.NotEmpty(t, b.logLines("readiness check failed", "check=blob_store"), "the detail is logged")
	})
	t.Run("catalog closed", func(t *testing.T) {
		b := setup(t, setupOpts{})
		require.NoError(t, b.db.Close())
		code, rb, body := readyz(t, b)
		assert.Equal(t, http.StatusServiceUnavailable, code)
		assert.Equal(t, []string{"catalog"}, failing(rb))
		assert.NotContains(t, body, "sql")
		assert.NotContains(t, body, b.dir)
	})
	t.Run("slow dependency times out", func(t *testing.T) {
		b := setup(t, setupOpts{})
		s := newServer(Config{
			Blobs: b.blobs,
			CatalogCheck: CheckFunc(func(ctx context.Context) error {
				<-ctx.Done()
				return ctx.Err()
			}),
			ReadyTimeout: 50 * time.Millisecond,
		})
		w := httptest.NewRecorder()
		start := time.Now()
		s.handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		assert.Less(t, time.Since(start), 5*time.Second)
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.Contains(t, w.Body.String(), `"timed out"`)
	})
}

func TestMetrics(t *testing.T) {
	b := setup(t, setupOpts{})
	for range 3 {
		res, _ := b.get(t, "/healthz")
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	b.get(t, "/no/such/page?token=secret")
	b.get(t, "/api/v1/nothing-here")
	b.metrics.AddUploadBytes(1234)
	b.metrics.Recorded(&sohoa.Inspection{Outcome: sohoa.InspectionWarn}, &sohoa.Verification{Indication: sohoa.IndicationTotalFailed})
	b.metrics.WatchQueue(func(context.Context) (int, error) { return 7, nil })

	res, body := b.get(t, "/metrics")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Type"), "text/plain")
	for _, want := range []string{
		`sohoa_http_requests_total{code="200",method="GET",route="GET /healthz"} 3`,
		`sohoa_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`sohoa_http_requests_total{code="404",method="GET",route="/api/v1/"} 1`,
		`sohoa_http_request_duration_seconds_count{method="GET",route="GET /healthz"} 3`,
		`sohoa_http_requests_in_flight 1`, // this scrape
		`sohoa_upload_bytes_total 1234`,
		`sohoa_verification_indications_total{indication="TOTAL_FAILED"} 1`,
		`sohoa_verification_indications_total{indication="TOTAL_PASSED"} 0`,
		`sohoa_inspection_outcomes_total{outcome="warn"} 1`,
		`sohoa_jobs_queued 7`,
		`sohoa_build_info{version="v0.0.0-test"} 1`,
		`go_goroutines `,
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, "/no/such/page", "raw paths never become labels")
	assert.NotContains(t, b.logs.String(), "secret", "queries are not logged")
}

func TestQueueProbeFailureIsMinusOne(t *testing.T) {
	b := setup(t, setupOpts{})
	b.metrics.WatchQueue(func(context.Context) (int, error) { return 0, errors.New("database is closed") })
	_, body := b.get(t, "/metrics")
	assert.Contains(t, body, "sohoa_jobs_queued -1")
}

func TestTrustedProxies(t *testing.T) {
	proxies, err := ParseTrustedProxies([]string{"10.0.0.0/8", "::1, 192.168.1.1"})
	require.NoError(t, err)
	require.Len(t, proxies, 3)
	var seen []string
	b := setup(t, setupOpts{proxies: proxies, routes: map[string]http.HandlerFunc{
		"GET /whoami": func(w http.ResponseWriter, r *http.Request) {
			seen = append(seen, fmt.Sprintf("%s %v", clientAddr(r), isTLS(r)))
		},
	}})
	forwarded := http.Header{"X-Forwarded-For": {"198.51.100.77, 203.0.113.9, 10.0.0.5"}, "X-Forwarded-Proto": {"https"}}

	cases := []struct {
		name, remote string
		header       http.Header
		want         string
		hsts         bool
	}{
		// Through two trusted hops: the first untrusted address from the
		// right is the client; the leftmost entry is the client's own
		// claim and is not believed.
		{"trusted proxy", "10.1.2.3:4567", forwarded, "203.0.113.9 true", true},
		{"trusted proxy over IPv6", "[::1]:4567", forwarded, "203.0.113.9 true", true},
		{"untrusted peer sends the headers itself", "198.51.100.7:4567", forwarded, "198.51.100.7 false", false},
		{"trusted proxy without headers", "192.168.1.1:80", nil, "192.168.1.1 false", false},
		{"garbage hop stops the walk", "10.1.2.3:4567", http.Header{"X-Forwarded-For": {"203.0.113.9, not-an-ip"}}, "10.1.2.3 false", false},
		{"only proxies in the chain", "10.1.2.3:4567", http.Header{"X-Forwarded-For": {"10.9.9.9"}, "X-Forwarded-Proto": {"http"}}, "10.9.9.9 false", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seen = nil
			res, _ := b.do(t, http.MethodGet, "/whoami", c.remote, c.header)
			require.Equal(t, http.StatusOK, res.StatusCode)
			require.Equal(t, []string{c.want}, seen)
			assert.Equal(t, c.hsts, res.Header.Get("Strict-Transport-Security") != "")
		})
	}
	// The log line names the client as worked out.
	assert.NotEmpty(t, b.logLines("route=\"GET /whoami\"", "client=203.0.113.9"))

	_, err = ParseTrustedProxies([]string{"10.0.0.0/33"})
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
	_, err = ParseTrustedProxies([]string{"proxy.example"})
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
}

func TestPanicIs500AndTheServerGoesOn(t *testing.T) {
	b := setup(t, setupOpts{routes: map[string]http.HandlerFunc{
		"GET /boom":        func(http.ResponseWriter, *http.Request) { panic("kaboom at postgres://u:pw@db:5432") },
		"GET /api/v1/boom": func(http.ResponseWriter, *http.Request) { panic(errors.New("kaboom")) },
		"GET /halfway": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("partial "))
			http.NewResponseController(w).Flush()
			panic("after the status line")
		},
	}})
	srv := httptest.NewServer(b.h)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/boom")
	require.NoError(t, err)
	body := readAll(t, res)
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Equal(t, "internal error\n", body)
	assert.NotContains(t, body, "postgres")
	assertSecurityHeaders(t, res.Header)

	res, err = http.Get(srv.URL + "/api/v1/boom")
	require.NoError(t, err)
	body = readAll(t, res)
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.JSONEq(t, `{"error":{"code":"internal","message":"internal error"}}`, body)

	// After the status line is out, the response is cut, not completed.
	res, err = http.Get(srv.URL + "/halfway")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	_, err = io.ReadAll(res.Body)
	res.Body.Close()
	assert.Error(t, err, "the client sees a broken body")

	// Logged with the stack, counted as 500, and the server still serves.
	assert.NotEmpty(t, b.logLines("panic serving request", "route=\"GET /boom\"", "kaboom", "stack="))
	res, err = http.Get(srv.URL + "/healthz")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	_ = readAll(t, res)
	_, metrics := b.get(t, "/metrics")
	assert.Contains(t, metrics, `sohoa_http_requests_total{code="500",method="GET",route="GET /boom"} 1`)
	assert.Contains(t, metrics, `sohoa_http_requests_total{code="500",method="GET",route="GET /halfway"} 1`)
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	b := setup(t, setupOpts{})
	for _, target := range []string{"/", "/healthz", "/readyz", "/metrics", "/missing", "/api/v1/missing"} {
		t.Run(target, func(t *testing.T) {
			res, _ := b.get(t, target)
			assertSecurityHeaders(t, res.Header)
		})
	}
}

func assertSecurityHeaders(t *testing.T, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'self'")
	assert.Contains(t, csp, "frame-ancestors 'none'")
	assert.NotContains(t, csp, "unsafe-inline")
	assert.NotContains(t, csp, "unsafe-eval")
	assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
	assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
	assert.NotEmpty(t, h.Get("Referrer-Policy"))
}

func TestAPIErrorBody(t *testing.T) {
	b := setup(t, setupOpts{})
	reason := sohoa.NewReason("component.no_file", "component", "Đơn đề nghị")
	cases := []struct {
		err    error
		status int
		want   string
	}{
		{sohoa.Errorf(sohoa.ENOTFOUND, "dossier X-1 does not exist"), 404,
			`{"error":{"code":"not_found","message":"dossier X-1 does not exist"}}`},
		{fmt.Errorf("upload: %w", &sohoa.Error{Code: sohoa.EINVALID, Message: "component \"Đơn đề nghị\": no file", Reason: &reason}), 400,
			`{"error":{"code":"invalid","message":"component \"Đơn đề nghị\": no file","reason":{"code":"component.no_file","params":{"component":"Đơn đề nghị"}}}}`},
		{sohoa.Errorf(sohoa.EFORBIDDEN, "not your unit"), 403, `{"error":{"code":"forbidden","message":"not your unit"}}`},
		{sohoa.Wrapf(errors.New("dial tcp db.internal:5432: refused"), sohoa.EINTERNAL, "catalog at postgres://u:pw@db.internal/x down"), 500,
			`{"error":{"code":"internal","message":"internal error"}}`},
		{errors.New("open /var/lib/sohoa/blobs/ab/cd: permission denied"), 500,
			`{"error":{"code":"internal","message":"internal error"}}`},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		b.srv.writeError(w, httptest.NewRequest(http.MethodGet, "/api/v1/x", nil), c.err)
		assert.Equal(t, c.status, w.Code, c.err.Error())
		assert.JSONEq(t, c.want, w.Body.String())
		assert.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
	}
	// The internals are in the log, for the operator.
	assert.NotEmpty(t, b.logLines("request failed", "db.internal:5432"))
	assert.NotEmpty(t, b.logLines("request failed", "permission denied"))
}

func TestIndex(t *testing.T) {
	b := setup(t, setupOpts{})
	res, body := b.get(t, "/")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "sohoa v0.0.0-test")
	res, _ = b.get(t, "/index.html")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}
