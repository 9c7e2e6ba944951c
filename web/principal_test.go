package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sohoa/sohoa"
)

func TestRequireRole(t *testing.T) {
	s := newServer(Config{})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := s.requireRole(ok, sohoa.RoleClerk, sohoa.RoleAdmin)
	for _, tc := range []struct {
		name string
		p    *Principal
		want int
	}{
		{"anonymous", nil, http.StatusUnauthorized},
		{"auditor", &Principal{User: &sohoa.User{Username: "a", Roles: []sohoa.Role{sohoa.RoleAuditor}}}, http.StatusForbidden},
		{"clerk", &Principal{User: &sohoa.User{Username: "c", Roles: []sohoa.Role{sohoa.RoleClerk}}}, http.StatusNoContent},
	} {
		req := httptest.NewRequest("GET", "/api/v1/x", nil)
		if tc.p != nil {
			req = req.WithContext(withPrincipal(req.Context(), tc.p))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, tc.want, rec.Code, tc.name)
	}
	tok := &Principal{User: &sohoa.User{Username: "scan1"}, Token: &sohoa.APIToken{Name: "station"}}
	assert.Equal(t, "user:scan1", tok.Actor())
	assert.Equal(t, "anonymous", (*Principal)(nil).Actor())
}
