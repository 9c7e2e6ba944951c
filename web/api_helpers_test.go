package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/storage/fsblob"
	"github.com/sohoa/sohoa/storage/sqlite"
	"github.com/sohoa/sohoa/verify"
)

// apiBundle is a server with a real pipeline (SQLite catalog, fsblob)
// over seeded reference data: the unit tree MIN → A, B (A1 under A) and
// procedure P1, with principals of each role.
type apiBundle struct {
	db    *sqlite.DB
	blobs *fsblob.Store
	p     *pipeline.Pipeline
	h     http.Handler
	logs  *syncBuffer

	clerkA, clerkB, auditorA, scannerA, headA, admin *Principal
	// tokens are the principals' API token plaintexts.
	tokens map[*Principal]string
}

const (
	compForm = "Đơn đề nghị"
	compID   = "Bản sao CCCD"
)

type apiOpts struct {
	maxUpload int64
	maxVerify int64
	// start runs the pipeline's workers (inspection, verification).
	start bool
	// now is the server's clock; nil is time.Now.
	now func() time.Time
	// infra is the verifier's anchor-to-infrastructure map
	// (verify.Config.Infrastructures); nil is the built-in one, under
	// which the samples' root is a configured anchor.
	infra map[string]verify.TrustInfrastructure
}

func samples(name string) string { return filepath.Join("..", "testdata", "samples", name) }

func sampleBytes(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(samples(name))
	require.NoError(t, err)
	return b
}

func setupAPI(t *testing.T, o apiOpts) *apiBundle {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "sohoa.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	blobs, err := fsblob.New(filepath.Join(dir, "blobs"), fsblob.Options{})
	require.NoError(t, err)
	anchors, err := verify.LoadTrustAnchors(samples("trust"))
	require.NoError(t, err)
	v, err := verify.New(verify.Config{TrustAnchors: anchors, Infrastructures: o.infra})
	require.NoError(t, err)
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := pipeline.New(pipeline.Config{Catalog: pipeline.OnSQLite(db), Blobs: blobs, Verifier: v, Logger: log,
		Workers: 2, ReverifyInterval: -1})
	require.NoError(t, err)
	if o.start {
		require.NoError(t, p.Start(context.WithoutCancel(ctx)))
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = p.Stop(sctx)
		})
	}
	for _, u := range []*sohoa.Unit{{Code: "MIN", Name: "Bộ"}, {Code: "A", Name: "Một cửa A", ParentCode: "MIN"},
		{Code: "A1", Name: "Phòng A1", ParentCode: "A"}, {Code: "B", Name: "Một cửa B", ParentCode: "MIN"}} {
		require.NoError(t, db.CreateUnit(ctx, u))
	}
	require.NoError(t, db.CreateProcedure(ctx, &sohoa.Procedure{Code: "P1", Name: "Cấp giấy phép",
		RequiredComponents: []string{compForm, compID}}))
	// Each principal is a real user with a real API token: requests go
	// through the authentication middleware as a machine's would.
	tokens := map[*Principal]string{}
	user := func(name string, role sohoa.Role, units ...string) *Principal {
		u := &sohoa.User{Username: name, DisplayName: name, Roles: []sohoa.Role{role}, UnitScopes: units}
		require.NoError(t, db.CreateUser(ctx, u))
		_, plain, err := db.CreateAPIToken(ctx, name, "test", nil)
		require.NoError(t, err)
		p := &Principal{User: u}
		tokens[p] = plain
		return p
	}
	s := newServer(Config{
		Catalog: db, Blobs: blobs, Pipeline: p, Logger: log, Version: "v0.0.0-test", Now: o.now,
		API: APIConfig{MaxUploadBytes: o.maxUpload, MaxVerifyBytes: o.maxVerify, TempDir: t.TempDir(),
			TrustAnchors: TrustAnchorsFrom(samples("trust"), anchors)},
	})
	b := &apiBundle{db: db, blobs: blobs, p: p, h: s.handler(), logs: logs, tokens: tokens,
		clerkA: user("clerkA", sohoa.RoleClerk, "A"), clerkB: user("clerkB", sohoa.RoleClerk, "B"),
		auditorA: user("auditorA", sohoa.RoleAuditor, "A"), scannerA: user("scannerA", sohoa.RoleScanner, "A"),
		headA: user("headA", sohoa.RoleHead, "A"), admin: user("admin", sohoa.RoleAdmin)}
	return b
}

var (
	specOnce  sync.Once
	specV     validator.Validator
	specError []error
)

// apiValidator is the validator over the embedded OpenAPI document.
func apiValidator(t *testing.T) validator.Validator {
	t.Helper()
	specOnce.Do(func() {
		doc, err := libopenapi.NewDocument(openAPI)
		if err != nil {
			specError = []error{err}
			return
		}
		specV, specError = validator.NewValidator(doc, config.WithFormatAssertions())
	})
	require.Empty(t, specError, "OpenAPI document")
	return specV
}

// apiReq is one API call.
type apiReq struct {
	method, target string
	body           []byte
	contentType    string
	header         http.Header
	// malformed: the request breaks the document on purpose (the server
	// must answer it anyway); only the response is checked.
	malformed bool
}

// call sends req as principal p (nil: anonymous; else with its real API
// token, through the authentication middleware) through the handler and
// checks the request (for a signed-in caller, sent with a bearer token as
// machines do) and the response against the OpenAPI document.
func (b *apiBundle) call(t *testing.T, p *Principal, req apiReq) (*http.Response, []byte) {
	t.Helper()
	v := apiValidator(t)
	mk := func() *http.Request {
		r := httptest.NewRequest(req.method, req.target, bytes.NewReader(req.body))
		if req.contentType != "" {
			r.Header.Set("Content-Type", req.contentType)
		}
		for k, vs := range req.header {
			for _, x := range vs {
				r.Header.Add(k, x)
			}
		}
		if p != nil {
			r.Header.Set("Authorization", "Bearer "+b.tokens[p])
		}
		return r
	}
	if p != nil && !req.malformed && validRequest(req) {
		ok, errs := v.ValidateHttpRequest(mk())
		require.True(t, ok, "request %s %s does not match the OpenAPI document: %v", req.method, req.target, errs)
	}
	r := mk()
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	res := w.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	check := w.Result()
	check.Body = io.NopCloser(bytes.NewReader(body))
	ok, errs := v.ValidateHttpResponse(mk(), check)
	require.True(t, ok, "response %d to %s %s does not match the OpenAPI document: %v\n%s", res.StatusCode, req.method, req.target, errs, body)
	return res, body
}

// validRequest: requests that tests send malformed on purpose are not
// checked against the document (the server must answer them anyway).
func validRequest(req apiReq) bool {
	return !strings.Contains(req.target, "bogus")
}

func (b *apiBundle) get(t *testing.T, p *Principal, target string) (*http.Response, []byte) {
	t.Helper()
	return b.call(t, p, apiReq{method: http.MethodGet, target: target})
}

func (b *apiBundle) postJSON(t *testing.T, p *Principal, target, body string) (*http.Response, []byte) {
	t.Helper()
	return b.call(t, p, apiReq{method: http.MethodPost, target: target, body: []byte(body), contentType: "application/json"})
}

// multipartBody builds a multipart/form-data body: fields in order, then
// the part file.
func multipartBody(t *testing.T, fields [][2]string, fileName string, file []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		require.NoError(t, mw.WriteField(f[0], f[1]))
	}
	fw, err := mw.CreateFormFile("file", fileName)
	require.NoError(t, err)
	_, err = fw.Write(file)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	return buf.Bytes(), mw.FormDataContentType()
}

// countBlobs counts the stored blobs.
func (b *apiBundle) countBlobs(t *testing.T) int {
	t.Helper()
	n := 0
	require.NoError(t, b.blobs.List(t.Context(), func(sohoa.BlobInfo) error { n++; return nil }))
	return n
}

// auditActions lists the audit log's (actor action object) rows.
func (b *apiBundle) audit(t *testing.T) []*sohoa.AuditEntry {
	t.Helper()
	es, err := b.db.FindAuditEntries(t.Context(), sohoa.AuditFilter{Limit: 1000})
	require.NoError(t, err)
	return es
}
