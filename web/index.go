package web

import (
	"fmt"
	"net/http"
)

// handleIndex is the root page until the web UI exists: it says what the
// server offers so far.
func (s *server) handleIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "sohoa %s\n\n/healthz  process is up\n/readyz   catalog and blob store reachable\n/metrics  Prometheus metrics\n/dang-nhap  sign in (đăng nhập)\n", s.cfg.Version)
}
