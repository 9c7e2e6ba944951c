package web

import (
	"net/http"

	"github.com/sohoa/sohoa"
)

// unitList is the answer of GET /api/v1/units.
type unitList struct {
	Items []*sohoa.Unit `json:"items"`
}

// handleListUnits lists the units in the principal's scope, by code.
func (s *server) handleListUnits(w http.ResponseWriter, r *http.Request) {
	us, err := s.cfg.Catalog.FindUnits(r.Context(), sohoa.UnitFilter{Scope: principalFrom(r.Context()).Scope()})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if us == nil {
		us = []*sohoa.Unit{}
	}
	writeJSON(w, http.StatusOK, unitList{Items: us})
}
