package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/storage/fsblob"
	"github.com/sohoa/sohoa/storage/sqlite"
)

// testBundle is a server over a real SQLite catalog and filesystem blob
// store in a temporary directory, with its log captured.
type testBundle struct {
	dir     string
	db      *sqlite.DB
	blobs   *fsblob.Store
	srv     *server
	h       http.Handler
	metrics *Metrics
	logs    *syncBuffer
}

type setupOpts struct {
	proxies []netip.Prefix
	// routes are added before the handler is built (test-only routes).
	routes map[string]http.HandlerFunc
}

func setup(t *testing.T, o setupOpts) *testBundle {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "sohoa.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	blobs, err := fsblob.New(filepath.Join(dir, "blobs"), fsblob.Options{})
	require.NoError(t, err)
	logs := &syncBuffer{}
	m := NewMetrics(nil)
	s := newServer(Config{
		Catalog:        db,
		Blobs:          blobs,
		Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		TrustedProxies: o.proxies,
		Version:        "v0.0.0-test",
		Metrics:        m,
	})
	for p, h := range o.routes {
		s.handle(p, h)
	}
	return &testBundle{dir: dir, db: db, blobs: blobs, srv: s, h: s.handler(), metrics: m, logs: logs}
}

// do sends a request through the handler, from remote (host:port; empty
// for httptest's default 192.0.2.1:1234).
func (b *testBundle) do(t *testing.T, method, target, remote string, header http.Header) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	if remote != "" {
		r.RemoteAddr = remote
	}
	for k, vs := range header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	res := w.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

func (b *testBundle) get(t *testing.T, target string) (*http.Response, string) {
	t.Helper()
	return b.do(t, http.MethodGet, target, "", nil)
}

// logLines returns the captured log lines containing every given part.
func (b *testBundle) logLines(parts ...string) []string {
	var out []string
	for _, l := range strings.Split(b.logs.String(), "\n") {
		ok := l != ""
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a
// server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
