package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/verify"
)

// Verifier verifies a PDF's signatures; *verify.Verifier is one. The API's
// ad-hoc verification uses it (with the server's trust anchors).
type Verifier interface {
	Verify(ctx context.Context, r io.ReaderAt, size int64) (*verify.Report, error)
}

var _ Verifier = (*verify.Verifier)(nil)

// APIConfig configures the JSON API.
type APIConfig struct {
	// MaxUploadBytes bounds one uploaded file; 0 means DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// MaxVerifyBytes bounds a file sent for ad-hoc verification; 0 means
	// DefaultMaxVerifyBytes.
	MaxVerifyBytes int64
	// Verifier runs ad-hoc verifications; nil means the pipeline's (when
	// the Pipeline has a Verifier method), else POST /api/v1/verify is
	// unavailable.
	Verifier Verifier
	// TempDir holds files being verified ad hoc (deleted at once); "" is
	// os.TempDir().
	TempDir string
	// TrustAnchors lists the anchors the server verifies with for
	// GET /api/v1/trust-anchors; nil answers an empty list.
	TrustAnchors TrustAnchorSource
}

// Default API limits.
const (
	DefaultMaxUploadBytes = 1 << 30
	DefaultMaxVerifyBytes = 256 << 20
	// maxJSONBytes bounds a JSON request body.
	maxJSONBytes = 1 << 20
	// maxFieldBytes bounds a multipart text field (role, component, …).
	maxFieldBytes = 4 << 10
	// maxFileNameRunes bounds the kept file name (the catalog takes 255).
	maxFileNameRunes = 200
)

// apiRoutes registers the JSON API's routes. Reading is open to every
// signed-in role, within its unit scope; writing to the roles named.
func (s *server) apiRoutes() {
	if s.cfg.API.MaxUploadBytes <= 0 {
		s.cfg.API.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if s.cfg.API.MaxVerifyBytes <= 0 {
		s.cfg.API.MaxVerifyBytes = DefaultMaxVerifyBytes
	}
	if s.cfg.API.Verifier == nil {
		if pv, ok := s.cfg.Pipeline.(interface{ Verifier() *verify.Verifier }); ok {
			if v := pv.Verifier(); v != nil {
				s.cfg.API.Verifier = v
			}
		}
	}
	for _, rt := range s.apiRouteTable() {
		h := http.Handler(rt.h)
		if rt.roles != nil {
			h = s.requireRole(h, rt.roles...)
		}
		s.handle(rt.pattern, h)
	}
}

// apiRoute is one route of the API: roles nil is public.
type apiRoute struct {
	pattern string
	h       http.HandlerFunc
	roles   []sohoa.Role
}

// apiRouteTable lists the API's routes (the OpenAPI test checks each is
// described).
func (s *server) apiRouteTable() []apiRoute {
	anyone := []sohoa.Role{sohoa.RoleClerk, sohoa.RoleAuditor, sohoa.RoleAdmin, sohoa.RoleScanner}
	admin := []sohoa.Role{sohoa.RoleAdmin}
	return []apiRoute{
		{"GET /api/v1/openapi.json", s.handleOpenAPI, nil},
		{"GET /api/v1/dossiers", s.handleListDossiers, anyone},
		{"GET /api/v1/dossiers/{code}", s.handleGetDossier, anyone},
		{"POST /api/v1/dossiers", s.handleCreateDossier, []sohoa.Role{sohoa.RoleClerk, sohoa.RoleAdmin}},
		{"POST /api/v1/dossiers/{code}/documents", s.handleUploadDocument, []sohoa.Role{sohoa.RoleClerk, sohoa.RoleScanner, sohoa.RoleAdmin}},
		{"GET /api/v1/documents/{id}", s.handleGetDocument, anyone},
		{"GET /api/v1/documents/{id}/content", s.handleDocumentContent, anyone},
		{"GET /api/v1/documents/{id}/verifications", s.handleDocumentVerifications, anyone},
		{"POST /api/v1/verify", s.handleVerify, anyone},
		{"GET /api/v1/units", s.handleListUnits, anyone},
		{"GET /api/v1/procedures", s.handleListProcedures, anyone},
		{"GET /api/v1/trust-anchors", s.handleTrustAnchors, anyone},
		{"GET /api/v1/progress", s.handleProgress, anyone},
		{"GET /api/v1/users", s.handleListUsers, admin},
		{"POST /api/v1/users", s.handleCreateUser, admin},
		{"GET /api/v1/users/{username}", s.handleGetUser, admin},
		{"PATCH /api/v1/users/{username}", s.handleUpdateUser, admin},
		{"POST /api/v1/users/{username}/password", s.handleSetPassword, admin},
		{"GET /api/v1/users/{username}/tokens", s.handleListTokens, admin},
		{"POST /api/v1/users/{username}/tokens", s.handleCreateToken, admin},
		{"DELETE /api/v1/tokens/{id}", s.handleRevokeToken, admin},
	}
}

// writeJSON answers with v as JSON. API answers are about one user's
// view of the catalog: never cached by shared caches.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// statusError is an error answered with a status its code alone does not
// say (413, 415), keeping the uniform body and the domain code.
type statusError struct {
	status int
	err    *sohoa.Error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func tooLarge(limit int64) error {
	e := sohoa.Errorf(sohoa.EINVALID, "the request body is larger than the limit of %d bytes", limit)
	r := sohoa.NewReason(reasonTooLarge, "limit", byteSize(limit))
	e.Reason = &r
	return &statusError{http.StatusRequestEntityTooLarge, e}
}

func unsupportedType(format string, args ...any) error {
	return &statusError{http.StatusUnsupportedMediaType, sohoa.Errorf(sohoa.EINVALID, format, args...)}
}

// apiError answers err with the uniform error body (writeError, which
// gives a statusError its status).
func (s *server) apiError(w http.ResponseWriter, r *http.Request, err error) { s.writeError(w, r, err) }

// decodeJSON reads a JSON request body into v: at most maxJSONBytes, one
// value, no unknown fields (a misspelt field must not be silently
// ignored). A body that is not JSON is 415.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return unsupportedType("send the request body as application/json")
		}
	}
	body := http.MaxBytesReader(w, r.Body, maxJSONBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return tooLarge(maxJSONBytes)
		case errors.Is(err, io.EOF):
			return sohoa.Errorf(sohoa.EINVALID, "the request body is empty: send a JSON object")
		case errors.As(err, &se):
			return sohoa.Errorf(sohoa.EINVALID, "the request body is not valid JSON (at byte %d)", se.Offset)
		case errors.As(err, &te):
			return sohoa.Errorf(sohoa.EINVALID, "field %q: expected %s", te.Field, te.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return sohoa.Errorf(sohoa.EINVALID, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		default:
			var pe *sohoa.Error
			if errors.As(err, &pe) {
				return err // a field's own parser (times)
			}
			return sohoa.Errorf(sohoa.EINVALID, "the request body is not a valid JSON object")
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return sohoa.Errorf(sohoa.EINVALID, "the request body holds more than one JSON value")
	}
	return nil
}

// notFoundDossier is what a caller learns of a dossier that does not
// exist or lies outside their scope: the same answer, so that scope does
// not reveal existence.
func notFoundDossier(code string) error {
	return sohoa.Errorf(sohoa.ENOTFOUND, "dossier %q not found", code)
}

// dossierInScope finds the dossier the principal may see, ENOTFOUND for
// one that does not exist or is out of scope.
func (s *server) dossierInScope(ctx context.Context, code string) (*sohoa.Dossier, error) {
	if err := sohoa.ValidateDossierCode(code); err != nil {
		return nil, err
	}
	d, err := s.cfg.Catalog.FindDossierByCode(ctx, code)
	if sohoa.Code(err) == sohoa.ENOTFOUND {
		return nil, notFoundDossier(code)
	} else if err != nil {
		return nil, err
	}
	if err := s.cfg.Catalog.CheckScope(ctx, principalFrom(ctx).Scope(), d.UnitCode); err != nil {
		if c := sohoa.Code(err); c == sohoa.EFORBIDDEN || c == sohoa.ENOTFOUND {
			return nil, notFoundDossier(code)
		}
		return nil, err
	}
	return d, nil
}

// safeFileName turns a client's file name into the name kept as metadata:
// its last path element (either separator), without control characters,
// trimmed and shortened. It never reaches a file path (blobs are named by
// their SHA-256); the cleaning is so that the catalog accepts it and a
// download offers a sensible name. "" when nothing usable is left.
func safeFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxFileNameRunes {
		rs := []rune(name)
		name = strings.TrimSpace(string(rs[:maxFileNameRunes]))
	}
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// pdfHeaderWindow is how far into a file its %PDF- header may start:
// readers accept leading bytes before it (ISO 32000-2 §7.5.2 lets them
// look in the first 1024 bytes).
const pdfHeaderWindow = 1024

// sniffPDF reports whether br's bytes start like a PDF, peeking at the
// first pdfHeaderWindow bytes only (they stay in br for the reader).
func sniffPDF(br *bufio.Reader) (bool, error) {
	head, err := br.Peek(pdfHeaderWindow)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return false, err
	}
	return bytes.Contains(head, []byte("%PDF-")), nil
}
