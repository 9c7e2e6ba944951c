package web

import (
	"net/http"

	"github.com/sohoa/sohoa"
)

// procedureList is the answer of GET /api/v1/procedures.
type procedureList struct {
	Items []*sohoa.Procedure `json:"items"`
}

// handleListProcedures lists every procedure (reference data, the same
// for every unit), by code.
func (s *server) handleListProcedures(w http.ResponseWriter, r *http.Request) {
	ps, err := s.cfg.Catalog.FindProcedures(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if ps == nil {
		ps = []*sohoa.Procedure{}
	}
	writeJSON(w, http.StatusOK, procedureList{Items: ps})
}
