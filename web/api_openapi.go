package web

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 description of /api/v1; the API tests check
// every answer against it.
//
//go:embed openapi.json
var openAPI []byte

// handleOpenAPI serves the OpenAPI document (public: it describes, it
// does not reveal).
func (s *server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPI)
}
