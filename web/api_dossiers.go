package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sohoa/sohoa"
)

// dossierList is the answer of GET /api/v1/dossiers.
type dossierList struct {
	Items      []*sohoa.Dossier `json:"items"`
	NextCursor *string          `json:"next_cursor"`
}

// handleListDossiers lists the dossiers in the principal's scope, newest
// first unless order=asc. Filters: unit (with its subunits), procedure,
// status and state (comma-separated or repeated), period (2026-Q1,
// 2026-03, 2026), q (part of the code); cursor and limit page.
func (s *server) handleListDossiers(w http.ResponseWriter, r *http.Request) {
	f, err := dossierFilter(r.URL.Query())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Scope = principalFrom(r.Context()).Scope()
	page, err := s.cfg.Catalog.FindDossiers(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := dossierList{Items: page.Dossiers}
	if out.Items == nil {
		out.Items = []*sohoa.Dossier{}
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	writeJSON(w, http.StatusOK, out)
}

// listValues splits repeated and comma-separated values.
func listValues(q url.Values, key string) []string {
	var out []string
	for _, v := range q[key] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func dossierFilter(q url.Values) (sohoa.DossierFilter, error) {
	f := sohoa.DossierFilter{Descending: true}
	known := map[string]bool{"unit": true, "procedure": true, "status": true, "state": true, "period": true,
		"q": true, "cursor": true, "limit": true, "order": true}
	for k := range q {
		if !known[k] {
			return f, sohoa.Errorf(sohoa.EINVALID, "unknown query parameter %.40q", k)
		}
	}
	if u := q.Get("unit"); u != "" {
		f.UnitCode, f.IncludeSubunits = u, true
	}
	f.ProcedureCode = q.Get("procedure")
	for _, st := range listValues(q, "status") {
		f.Statuses = append(f.Statuses, sohoa.DossierStatus(st))
	}
	for _, st := range listValues(q, "state") {
		f.States = append(f.States, sohoa.DigitizationState(st))
	}
	if p := q.Get("period"); p != "" {
		per, err := sohoa.ParsePeriod(p)
		if err != nil {
			return f, err
		}
		f.ReceivedFrom, f.ReceivedBefore = per.Start(), per.End()
	}
	f.CodeContains = strings.TrimSpace(q.Get("q"))
	f.Cursor = q.Get("cursor")
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > sohoa.MaxPageSize {
			return f, sohoa.Errorf(sohoa.EINVALID, "limit %.20q: want a number from 1 to %d", l, sohoa.MaxPageSize)
		}
		f.Limit = n
	}
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		f.Descending = false
	default:
		return f, sohoa.Errorf(sohoa.EINVALID, "order %.20q: want asc or desc", q.Get("order"))
	}
	return f, nil
}

// handleGetDossier answers the dossier's status, as `sohoa status --json`
// prints it: the dossier, its documents with their latest inspection and
// verification, and what it is missing.
func (s *server) handleGetDossier(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if _, err := s.dossierInScope(r.Context(), code); err != nil {
		s.apiError(w, r, err)
		return
	}
	st, err := s.cfg.Pipeline.Status(r.Context(), code)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// createDossierRequest is the body of POST /api/v1/dossiers.
type createDossierRequest struct {
	// Code is optional: without it the next Circular 01/2018 code of the
	// unit and day is generated.
	Code       string              `json:"code"`
	Unit       string              `json:"unit"`
	Procedure  string              `json:"procedure"`
	ReceivedAt string              `json:"received_at"`
	DueAt      string              `json:"due_at"`
	Status     sohoa.DossierStatus `json:"status"`
	// ApplicantID is the applicant's CCCD or MST, optional (reuse).
	ApplicantID string `json:"applicant_id"`
}

// handleCreateDossier records a dossier in a unit of the principal's
// scope and audits it, in one transaction.
func (s *server) handleCreateDossier(w http.ResponseWriter, r *http.Request) {
	var req createDossierRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	ctx := r.Context()
	p := principalFrom(ctx)
	d := &sohoa.Dossier{Code: req.Code, UnitCode: req.Unit, ProcedureCode: req.Procedure, Status: req.Status, ReceivedAt: s.now(), ApplicantID: req.ApplicantID}
	if req.ReceivedAt != "" {
		t, err := sohoa.ParseTime(req.ReceivedAt)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		d.ReceivedAt = t
	}
	if req.DueAt != "" {
		t, err := sohoa.ParseTime(req.DueAt)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		d.DueAt = &t
	}
	if err := d.Validate(); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.cfg.Catalog.CheckScope(ctx, p.Scope(), d.UnitCode); err != nil {
		if sohoa.Code(err) == sohoa.EFORBIDDEN {
			err = sohoa.Errorf(sohoa.EFORBIDDEN, "unit %q is not in your scope", d.UnitCode)
		}
		s.apiError(w, r, err)
		return
	}
	err := s.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		if err := tx.CreateDossier(ctx, d); err != nil {
			return err
		}
		details, err := json.Marshal(map[string]any{
			"unit": d.UnitCode, "procedure": d.ProcedureCode, "received_at": d.ReceivedAt,
			"source": sourceOf(p),
		})
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &sohoa.AuditEntry{
			Actor: p.Actor(), Action: sohoa.AuditDossierCreate, Object: "dossier:" + d.Code, Details: details,
		})
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/dossiers/"+url.PathEscape(d.Code))
	writeJSON(w, http.StatusCreated, d)
}

// sourceOf is how a principal's uploads reached sohoa: the web UI for a
// browser session, the API for a token.
func sourceOf(p *Principal) sohoa.DocumentSource {
	if p != nil && p.SessionID != "" {
		return sohoa.SourceWeb
	}
	return sohoa.SourceAPI
}
