package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIUnitsAndProcedures(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	units := func(p *Principal) []string {
		t.Helper()
		res, raw := b.get(t, p, "/api/v1/units")
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
		var l unitList
		require.NoError(t, json.Unmarshal(raw, &l))
		var codes []string
		for _, u := range l.Items {
			codes = append(codes, u.Code)
		}
		return codes
	}
	assert.Equal(t, []string{"A", "A1"}, units(b.clerkA))
	assert.Equal(t, []string{"B"}, units(b.clerkB))
	assert.Equal(t, []string{"A", "A1", "B", "MIN"}, units(b.admin))
	res, _ := b.get(t, nil, "/api/v1/units")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)

	res, raw := b.get(t, b.auditorA, "/api/v1/procedures")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var pl procedureList
	require.NoError(t, json.Unmarshal(raw, &pl))
	require.Len(t, pl.Items, 1)
	assert.Equal(t, []string{compForm, compID}, pl.Items[0].RequiredComponents)
	res, _ = b.get(t, nil, "/api/v1/procedures")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
}

// TestOpenAPIDocument checks the document against the OpenAPI 3.1 schema,
// that it is served, and that every API route is described in it.
func TestOpenAPIDocument(t *testing.T) {
	ok, errs := apiValidator(t).ValidateDocument()
	require.True(t, ok, "%v", errs)

	b := setupAPI(t, apiOpts{})
	res, raw := b.get(t, nil, "/api/v1/openapi.json")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	assert.Equal(t, "3.1.0", doc.OpenAPI)

	for _, rt := range (&server{}).apiRouteTable() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		ops, ok := doc.Paths[path]
		if assert.True(t, ok, "route %s is not in the OpenAPI document", rt.pattern) {
			assert.Contains(t, ops, strings.ToLower(method), "route %s", rt.pattern)
		}
	}
	for _, p := range []string{"/api/v1/session", "/api/v1/me"} {
		assert.Contains(t, doc.Paths, p, "the sign-in endpoints are described too")
	}
}
