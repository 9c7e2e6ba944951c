package web

import "net/http"

// handleHealthz is the liveness probe: the process is up and serving. It
// checks no dependency, so a slow database never gets the process killed;
// /readyz is the one that asks them.
func (s *server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}
