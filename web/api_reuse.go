package web

import (
	"net/http"
	"strconv"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

// reuseRequest is the JSON body of POST /api/v1/dossiers/{code}/documents
// that attaches, by reference, a digitized document of an earlier dossier
// of the same applicant (sohoa reuse.go) instead of uploading a file.
type reuseRequest struct {
	ReuseDocument int64  `json:"reuse_document"`
	Component     string `json:"component"`
}

// handleReuseDocument attaches the document: clerks and admins only (a
// scanner scans; choosing what counts as the applicant's earlier paper is
// a reception decision), with both dossiers in the principal's scope (an
// original out of scope is not found, as for GET /documents/{id}). It
// answers 202 like an upload: the copy is inspected and verified again.
func (s *server) handleReuseDocument(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principalFrom(ctx)
	if !p.Can(sohoa.RoleClerk, sohoa.RoleAdmin) {
		s.apiError(w, r, sohoa.Errorf(sohoa.EFORBIDDEN, "reusing a document needs the clerk or admin role"))
		return
	}
	d, err := s.dossierInScope(ctx, r.PathValue("code"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var req reuseRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if req.ReuseDocument <= 0 {
		s.apiError(w, r, sohoa.Errorf(sohoa.EINVALID, "reuse_document (the ID of the document to reuse) is required"))
		return
	}
	if _, err := s.documentInScope(ctx, strconv.FormatInt(req.ReuseDocument, 10)); err != nil {
		s.apiError(w, r, err)
		return
	}
	doc, err := s.cfg.Pipeline.Reuse(ctx, pipeline.ReuseRequest{
		DossierCode: d.Code, Component: req.Component, DocumentID: req.ReuseDocument,
		Source: sourceOf(p), Actor: p.Actor(),
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	statusURL := "/api/v1/documents/" + strconv.FormatInt(doc.ID, 10)
	w.Header().Set("Location", statusURL)
	writeJSON(w, http.StatusAccepted, uploadResult{Document: doc, StatusURL: statusURL})
}
