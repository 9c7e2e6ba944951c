package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// matrixCaller is who sends a matrix request: a live principal of a role
// and unit, or a dead credential (none, a disabled user's token, a
// revoked token, an expired session cookie).
type matrixCaller struct {
	name   string
	bearer string
	cookie *http.Cookie
	// role is the live caller's role; "" for a dead credential.
	role sohoa.Role
	// unit is the live caller's unit scope ("" for every unit: admin).
	unit string
}

// matrixTarget is the request a route is tried with, on an object of
// unit A ("in scope" for the callers of A) or of unit B.
type matrixTarget func(t *testing.T) apiReq

// matrixRow says which roles a route admits, and how to call it on an
// object of A and (for routes about one unit's object) on one of B.
type matrixRow struct {
	// public: no sign-in needed (a dead bearer token is still refused:
	// one that is sent must be good).
	public bool
	// roles admitted; nil with public.
	roles []sohoa.Role
	inA   matrixTarget
	// inB is the same call on an object of unit B; nil when the route is
	// not about a unit's object.
	inB matrixTarget
	// outOfScope is the refusal of a call on the other unit's object by
	// an admitted role; 0 means 404 (the object's existence is not
	// revealed). Creating in a unit one may not see is 403: the caller
	// named the unit.
	outOfScope int
}

// TestAPIMatrix calls every route of the API's route table as every kind
// of caller, in and out of scope, and checks the status class: 2xx, 401
// (no, or a dead, credential), 403 (a role the route does not admit) or
// 404 (an object outside the caller's scope, the same answer as one that
// does not exist). Every response is checked against the OpenAPI
// document. A route without a row here fails the test.
func TestAPIMatrix(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	ctx := t.Context()

	// Objects in A and in B: a dossier and a document each.
	dA := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1","received_at":"2026-03-02T08:30:00+07:00"}`)
	dB := createDossier(t, b, b.clerkB, `{"unit":"B","procedure":"P1","received_at":"2026-03-02T09:30:00+07:00"}`)
	pdf := sampleBytes(t, "signed-valid-blt.pdf")
	upload := func(p *Principal, code string) int64 {
		res, raw := uploadRaw(t, b, p, code, url.Values{"component": {compForm}, "filename": {"a.pdf"}}, pdf)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", raw)
		return decodeUpload(t, raw).Document.ID
	}
	docA, docB := upload(b.clerkA, dA.Code), upload(b.clerkB, dB.Code)

	// Dead credentials: a disabled user's token, a revoked token, an
	// expired session.
	require.NoError(t, b.db.CreateUser(ctx, &sohoa.User{Username: "gone", Roles: []sohoa.Role{sohoa.RoleClerk}, UnitScopes: []string{"A"}}))
	_, disabledTok, err := b.db.CreateAPIToken(ctx, "gone", "old", nil)
	require.NoError(t, err)
	require.NoError(t, b.db.DisableUser(ctx, "gone", time.Now()))
	rt, revokedTok, err := b.db.CreateAPIToken(ctx, "clerkA", "revoked", nil)
	require.NoError(t, err)
	require.NoError(t, b.db.RevokeAPIToken(ctx, rt.ID))
	now := time.Now()
	sess, err := sohoa.NewSession("clerkA", now.Add(-13*time.Hour), now.Add(-time.Hour), "test", "192.0.2.1")
	require.NoError(t, err)
	expiredCookie, err := b.db.CreateSession(ctx, sess)
	require.NoError(t, err)

	callers := []matrixCaller{
		{name: "anonymous"},
		{name: "clerk of A", bearer: b.tokens[b.clerkA], role: sohoa.RoleClerk, unit: "A"},
		{name: "clerk of B", bearer: b.tokens[b.clerkB], role: sohoa.RoleClerk, unit: "B"},
		{name: "auditor of A", bearer: b.tokens[b.auditorA], role: sohoa.RoleAuditor, unit: "A"},
		{name: "scanner of A", bearer: b.tokens[b.scannerA], role: sohoa.RoleScanner, unit: "A"},
		{name: "head of A", bearer: b.tokens[b.headA], role: sohoa.RoleHead, unit: "A"},
		{name: "admin", bearer: b.tokens[b.admin], role: sohoa.RoleAdmin},
		{name: "disabled user's token", bearer: disabledTok},
		{name: "revoked token", bearer: revokedTok},
		{name: "expired session", cookie: &http.Cookie{Name: sessionCookieName, Value: expiredCookie}},
	}

	// Targets: each call gets fresh names where it creates something, so
	// that every admitted call can succeed.
	seq := 0
	next := func() int { seq++; return seq }
	require.NoError(t, b.db.CreateUser(ctx, &sohoa.User{Username: "target", DisplayName: "Người dùng", Roles: []sohoa.Role{sohoa.RoleClerk}, UnitScopes: []string{"A"}}))
	jsonReq := func(method, target, body string) apiReq {
		return apiReq{method: method, target: target, body: []byte(body), contentType: "application/json"}
	}
	get := func(target string) matrixTarget {
		return func(*testing.T) apiReq { return apiReq{method: http.MethodGet, target: target} }
	}
	newDossier := func(unit string) matrixTarget {
		return func(*testing.T) apiReq {
			return jsonReq(http.MethodPost, "/api/v1/dossiers", `{"unit":"`+unit+`","procedure":"P1","received_at":"2026-03-04T08:00:00+07:00"}`)
		}
	}
	uploadTo := func(code string) matrixTarget {
		return func(*testing.T) apiReq {
			// distinct bytes each time: a fresh document, not a duplicate
			body := append(bytes.Clone(pdf), fmt.Sprintf("\n%% %d\n", next())...)
			return apiReq{method: http.MethodPost, target: "/api/v1/dossiers/" + code + "/documents?component=" + url.QueryEscape(compID) + "&filename=b.pdf",
				body: body, contentType: "application/pdf"}
		}
	}
	doc := func(id int64, suffix string) matrixTarget {
		return get("/api/v1/documents/" + strconv.FormatInt(id, 10) + suffix)
	}
	revoke := func(t *testing.T) apiReq {
		tok, _, err := b.db.CreateAPIToken(ctx, "target", "to revoke", nil)
		require.NoError(t, err)
		return apiReq{method: http.MethodDelete, target: "/api/v1/tokens/" + strconv.FormatInt(tok.ID, 10)}
	}

	// The unit's head reads what an auditor reads (dossiers, documents,
	// progress, reference data) and writes nothing.
	anyone := []sohoa.Role{sohoa.RoleClerk, sohoa.RoleAuditor, sohoa.RoleScanner, sohoa.RoleHead, sohoa.RoleAdmin}
	writers := []sohoa.Role{sohoa.RoleClerk, sohoa.RoleAdmin}
	uploaders := []sohoa.Role{sohoa.RoleClerk, sohoa.RoleScanner, sohoa.RoleAdmin}
	admin := []sohoa.Role{sohoa.RoleAdmin}
	rows := map[string]matrixRow{
		"GET /api/v1/openapi.json":                 {public: true, inA: get("/api/v1/openapi.json")},
		"GET /api/v1/dossiers":                     {roles: anyone, inA: get("/api/v1/dossiers?unit=A")},
		"GET /api/v1/dossiers/{code}":              {roles: anyone, inA: get("/api/v1/dossiers/" + dA.Code), inB: get("/api/v1/dossiers/" + dB.Code)},
		"POST /api/v1/dossiers":                    {roles: writers, inA: newDossier("A"), inB: newDossier("B"), outOfScope: http.StatusForbidden},
		"POST /api/v1/dossiers/{code}/documents":   {roles: uploaders, inA: uploadTo(dA.Code), inB: uploadTo(dB.Code)},
		"GET /api/v1/documents/{id}":               {roles: anyone, inA: doc(docA, ""), inB: doc(docB, "")},
		"GET /api/v1/documents/{id}/content":       {roles: anyone, inA: doc(docA, "/content"), inB: doc(docB, "/content")},
		"GET /api/v1/documents/{id}/verifications": {roles: anyone, inA: doc(docA, "/verifications"), inB: doc(docB, "/verifications")},
		"POST /api/v1/verify": {roles: anyone, inA: func(*testing.T) apiReq {
			return apiReq{method: http.MethodPost, target: "/api/v1/verify?filename=a.pdf", body: pdf, contentType: "application/pdf"}
		}},
		"GET /api/v1/units":         {roles: anyone, inA: get("/api/v1/units")},
		"GET /api/v1/procedures":    {roles: anyone, inA: get("/api/v1/procedures")},
		"GET /api/v1/trust-anchors": {roles: anyone, inA: get("/api/v1/trust-anchors")},
		"GET /api/v1/progress":      {roles: anyone, inA: get("/api/v1/progress?period=2026-Q1&unit=A"), inB: get("/api/v1/progress?period=2026-Q1&unit=B")},
		"GET /api/v1/users":         {roles: admin, inA: get("/api/v1/users")},
		"POST /api/v1/users": {roles: admin, inA: func(*testing.T) apiReq {
			return jsonReq(http.MethodPost, "/api/v1/users", fmt.Sprintf(`{"username":"new%d","roles":["clerk"],"unit_scopes":["A"],"password":"một mật khẩu đủ dài"}`, next()))
		}},
		"GET /api/v1/users/{username}": {roles: admin, inA: get("/api/v1/users/target")},
		"PATCH /api/v1/users/{username}": {roles: admin, inA: func(*testing.T) apiReq {
			return jsonReq(http.MethodPatch, "/api/v1/users/target", fmt.Sprintf(`{"display_name":"Tên %d","unit_scopes":["A","B"]}`, next()))
		}},
		"POST /api/v1/users/{username}/password": {roles: admin, inA: func(*testing.T) apiReq {
			return jsonReq(http.MethodPost, "/api/v1/users/target/password", `{"password":"một mật khẩu đủ dài khác"}`)
		}},
		"GET /api/v1/users/{username}/tokens": {roles: admin, inA: get("/api/v1/users/target/tokens")},
		"POST /api/v1/users/{username}/tokens": {roles: admin, inA: func(*testing.T) apiReq {
			return jsonReq(http.MethodPost, "/api/v1/users/target/tokens", `{"name":"máy quét 3"}`)
		}},
		"DELETE /api/v1/tokens/{id}": {roles: admin, inA: revoke},
	}
	// The sign-in endpoints are registered apart from the route table;
	// /api/v1/me is the one every principal reads.
	signIn := map[string]matrixRow{
		"GET /api/v1/me": {roles: anyone, inA: get("/api/v1/me")},
	}

	// The route table and the rows must agree: a new route without a
	// row, or a row for a route that is gone, fails.
	routes := (&server{}).apiRouteTable()
	seen := map[string]bool{}
	for _, r := range routes {
		seen[r.pattern] = true
		row, ok := rows[r.pattern]
		if !ok {
			t.Errorf("route %s has no row in the role × endpoint matrix", r.pattern)
			continue
		}
		if row.public != (r.roles == nil) {
			t.Errorf("route %s: the matrix says public=%v", r.pattern, row.public)
		}
	}
	for p := range rows {
		if !seen[p] {
			t.Errorf("matrix row %s is not a route", p)
		}
	}

	// The same route with a JSON body reuses a document (clerk, admin).
	signIn["POST /api/v1/dossiers/{code}/documents (reuse)"] = matrixRow{
		roles: writers, inA: reuseTarget(t, b, "A", docA), inB: reuseTarget(t, b, "B", docB)}
	for p, row := range signIn {
		rows[p] = row
		routes = append(routes, apiRoute{pattern: p})
	}
	for _, rt := range routes {
		row, ok := rows[rt.pattern]
		if !ok {
			continue
		}
		for _, c := range callers {
			for _, side := range []string{"A", "B"} {
				target := row.inA
				if side == "B" {
					if row.inB == nil {
						continue
					}
					target = row.inB
				}
				want := matrixWant(row, c, side)
				t.Run(rt.pattern+"/"+c.name+"/unit "+side, func(t *testing.T) {
					req := target(t)
					res, raw := b.matrixCall(t, c, req)
					require.Equal(t, want, res.StatusCode/100*100, "%s %s as %s: %d %s", req.method, req.target, c.name, res.StatusCode, raw)
					if want == 400 {
						// 4xx: which one
						require.Equal(t, matrixWant4xx(row, c, side), res.StatusCode, "%s", raw)
					}
				})
			}
		}
	}
}

// matrixWant is the status class expected (200 for 2xx; 400 for the 4xx
// refusals, whose exact code matrixWant4xx says).
func matrixWant(row matrixRow, c matrixCaller, side string) int {
	if matrixWant4xx(row, c, side) == 0 {
		return 200
	}
	return 400
}

// matrixWant4xx is the refusal expected, 0 for none.
func matrixWant4xx(row matrixRow, c matrixCaller, side string) int {
	dead := c.role == ""
	switch {
	case row.public:
		if dead && c.bearer != "" {
			return http.StatusUnauthorized // a bearer token sent must be good
		}
		return 0
	case dead:
		return http.StatusUnauthorized
	case !containsRole(row.roles, c.role):
		return http.StatusForbidden
	case row.inB != nil && c.unit != "" && c.unit != side:
		if row.outOfScope != 0 {
			return row.outOfScope
		}
		return http.StatusNotFound
	}
	return 0
}

func containsRole(rs []sohoa.Role, r sohoa.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// matrixCall sends req as c and checks the response against the OpenAPI
// document (and the request too, for a live caller).
func (b *apiBundle) matrixCall(t *testing.T, c matrixCaller, req apiReq) (*http.Response, []byte) {
	t.Helper()
	v := apiValidator(t)
	mk := func() *http.Request {
		r := httptest.NewRequest(req.method, req.target, bytes.NewReader(req.body))
		if req.contentType != "" {
			r.Header.Set("Content-Type", req.contentType)
		}
		if c.bearer != "" {
			r.Header.Set("Authorization", "Bearer "+c.bearer)
		}
		if c.cookie != nil {
			r.AddCookie(c.cookie)
		}
		return r
	}
	if c.role != "" {
		ok, errs := v.ValidateHttpRequest(mk())
		require.True(t, ok, "request %s %s does not match the OpenAPI document: %v", req.method, req.target, errs)
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, mk())
	res := w.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	check := w.Result()
	check.Body = io.NopCloser(bytes.NewReader(body))
	ok, errs := v.ValidateHttpResponse(mk(), check)
	require.True(t, ok, "response %d to %s %s does not match the OpenAPI document: %v\n%s", res.StatusCode, req.method, req.target, errs, body)
	if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusNotFound {
		require.NotContains(t, strings.ToLower(string(body)), "sohoa_", "no token in an error body")
	}
	return res, body
}
