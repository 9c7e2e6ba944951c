package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func createDossier(t *testing.T, b *apiBundle, p *Principal, body string) *sohoa.Dossier {
	t.Helper()
	res, raw := b.postJSON(t, p, "/api/v1/dossiers", body)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", raw)
	var d sohoa.Dossier
	require.NoError(t, json.Unmarshal(raw, &d))
	assert.Equal(t, "/api/v1/dossiers/"+d.Code, res.Header.Get("Location"))
	return &d
}

func errorCode(t *testing.T, raw []byte) sohoa.ErrorCode {
	t.Helper()
	var e apiError
	require.NoError(t, json.Unmarshal(raw, &e), "%s", raw)
	return e.Error.Code
}

func TestAPICreateDossier(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	d := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1","received_at":"2026-03-02T08:30:00+07:00"}`)
	assert.Equal(t, "A-260302-0001", d.Code, "Circular 01/2018 code generated")
	assert.Equal(t, sohoa.StatusReceived, d.Status)
	d2 := createDossier(t, b, b.admin, `{"code":"EXT-42","unit":"B","procedure":"P1","received_at":"2026-03-03T01:00:00Z","due_at":"2026-03-10T01:00:00Z"}`)
	assert.Equal(t, "EXT-42", d2.Code)

	var create *sohoa.AuditEntry
	for _, e := range b.audit(t) {
		if e.Action == sohoa.AuditDossierCreate && e.Object == "dossier:"+d.Code {
			create = e
		}
	}
	require.NotNil(t, create, "dossier.create audited")
	assert.Equal(t, "user:clerkA", create.Actor)
	assert.JSONEq(t, `{"unit":"A","procedure":"P1","received_at":"2026-03-02T01:30:00Z","source":"api"}`, string(create.Details))

	for _, tc := range []struct {
		name string
		p    *Principal
		body string
		want int
	}{
		{"anonymous", nil, `{"unit":"A","procedure":"P1"}`, http.StatusUnauthorized},
		{"auditor", b.auditorA, `{"unit":"A","procedure":"P1"}`, http.StatusForbidden},
		{"scanner", b.scannerA, `{"unit":"A","procedure":"P1"}`, http.StatusForbidden},
		{"out of scope", b.clerkB, `{"unit":"A","procedure":"P1"}`, http.StatusForbidden},
		{"unknown field", b.clerkA, `{"unit":"A","procedure":"P1","colour":"red"}`, http.StatusBadRequest},
		{"invalid JSON", b.clerkA, `{"unit":"A",`, http.StatusBadRequest},
		{"two values", b.clerkA, `{"unit":"A","procedure":"P1"} {}`, http.StatusBadRequest},
		{"empty", b.clerkA, ``, http.StatusBadRequest},
		{"wrong type", b.clerkA, `{"unit":7,"procedure":"P1"}`, http.StatusBadRequest},
		{"time without zone", b.clerkA, `{"unit":"A","procedure":"P1","received_at":"2026-03-02T08:30:00"}`, http.StatusBadRequest},
		{"unknown procedure", b.clerkA, `{"unit":"A","procedure":"NOPE"}`, http.StatusBadRequest},
		{"duplicate code", b.admin, `{"code":"EXT-42","unit":"B","procedure":"P1"}`, http.StatusConflict},
	} {
		res, raw := b.call(t, tc.p, apiReq{method: http.MethodPost, target: "/api/v1/dossiers", body: []byte(tc.body),
			contentType: "application/json", malformed: true})
		assert.Equal(t, tc.want, res.StatusCode, "%s: %s", tc.name, raw)
	}
	res, raw := b.call(t, b.clerkA, apiReq{method: http.MethodPost, target: "/api/v1/dossiers", body: []byte("unit=A"), contentType: "application/x-www-form-urlencoded", malformed: true})
	assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode, "%s", raw)
	assert.Equal(t, sohoa.EINVALID, errorCode(t, raw))
}

func TestAPIListAndGetDossiers(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	a1 := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1","received_at":"2026-01-05T08:00:00+07:00"}`)
	a2 := createDossier(t, b, b.admin, `{"unit":"A1","procedure":"P1","received_at":"2026-02-05T08:00:00+07:00","status":"processing"}`)
	a3 := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1","received_at":"2026-04-05T08:00:00+07:00"}`)
	bb := createDossier(t, b, b.clerkB, `{"unit":"B","procedure":"P1","received_at":"2026-01-06T08:00:00+07:00"}`)

	list := func(p *Principal, query string) ([]string, *string) {
		t.Helper()
		res, raw := b.get(t, p, "/api/v1/dossiers"+query)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
		var l dossierList
		require.NoError(t, json.Unmarshal(raw, &l))
		var codes []string
		for _, d := range l.Items {
			codes = append(codes, d.Code)
		}
		return codes, l.NextCursor
	}
	got, next := list(b.clerkA, "")
	assert.Equal(t, []string{a3.Code, a2.Code, a1.Code}, got, "clerk of A sees A's subtree, newest first")
	assert.Nil(t, next)
	got, _ = list(b.auditorA, "?order=asc")
	assert.Equal(t, []string{a1.Code, a2.Code, a3.Code}, got)
	got, _ = list(b.admin, "?period=2026-Q1")
	assert.Equal(t, []string{a2.Code, bb.Code, a1.Code}, got, "Q1 = 15 Dec – 14 Mar")
	got, _ = list(b.clerkA, "?status=processing,resolved")
	assert.Equal(t, []string{a2.Code}, got)
	got, _ = list(b.clerkA, "?unit=A1")
	assert.Equal(t, []string{a2.Code}, got)
	got, _ = list(b.clerkA, "?unit=B")
	assert.Empty(t, got, "a unit filter does not widen the scope")
	got, _ = list(b.admin, "?q=a1-2602")
	assert.Equal(t, []string{a2.Code}, got, "q searches codes, any case")
	got, _ = list(b.clerkB, "?q=b-26")
	assert.Equal(t, []string{bb.Code}, got)

	// Cursor pagination.
	var all []string
	cursor := ""
	for i := 0; ; i++ {
		require.Less(t, i, 10)
		q := "?limit=1"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		page, next := list(b.admin, q)
		require.Len(t, page, 1)
		all = append(all, page...)
		if next == nil {
			break
		}
		cursor = *next
	}
	assert.Equal(t, []string{a3.Code, a2.Code, bb.Code, a1.Code}, all)

	for _, q := range []string{"?limit=0", "?limit=x", "?limit=1001", "?period=2026-Q5", "?status=lost", "?cursor=%21%21", "?order=up", "?bogus=1", "?q=%3Cscript%3E"} {
		res, raw := b.call(t, b.clerkA, apiReq{method: http.MethodGet, target: "/api/v1/dossiers" + q, malformed: true})
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%s: %s", q, raw)
	}
	res, _ := b.get(t, nil, "/api/v1/dossiers")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)

	// Get: the status, in scope only; out of scope is the same 404 as a
	// dossier that does not exist.
	res, raw := b.get(t, b.clerkA, "/api/v1/dossiers/"+a2.Code)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	var st struct {
		Dossier   sohoa.Dossier     `json:"dossier"`
		Documents []json.RawMessage `json:"documents"`
		Missing   []json.RawMessage `json:"missing"`
		Digitized bool              `json:"digitized"`
	}
	require.NoError(t, json.Unmarshal(raw, &st))
	assert.Equal(t, a2.Code, st.Dossier.Code)
	assert.Len(t, st.Missing, 2, "both components missing")
	res, hidden := b.get(t, b.clerkB, "/api/v1/dossiers/"+a2.Code)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res, missing := b.get(t, b.clerkB, "/api/v1/dossiers/B-000000-9999")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Equal(t, strings.ReplaceAll(string(missing), "B-000000-9999", a2.Code), string(hidden))
	res, _ = b.get(t, nil, "/api/v1/dossiers/"+a2.Code)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
}
