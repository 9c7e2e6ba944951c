package web

import (
	"net/http"

	"github.com/sohoa/sohoa"
)

// handleAPINotFound answers any /api/v1 path no route matches with the
// API's JSON error body rather than the mux's plain-text 404.
func (s *server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, sohoa.Errorf(sohoa.ENOTFOUND, "no such API endpoint"))
}
