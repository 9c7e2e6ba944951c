package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// auditedBy finds the audit entries of action, as (actor object) pairs.
func auditedBy(t *testing.T, b *apiBundle, action string) []string {
	t.Helper()
	var out []string
	for _, e := range b.audit(t) {
		if e.Action == action {
			out = append(out, e.Actor+" "+e.Object)
		}
	}
	return out
}

func TestAPIUsers(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	patch := func(target, body string) (*http.Response, []byte) {
		return b.call(t, b.admin, apiReq{method: http.MethodPatch, target: target, body: []byte(body), contentType: "application/json"})
	}

	res, raw := b.postJSON(t, b.admin, "/api/v1/users", `{"username":"lan","display_name":"Nguyễn Thị Lan","roles":["clerk"],"unit_scopes":["A"],"password":"mật khẩu đủ dài 123"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", raw)
	assert.Equal(t, "/api/v1/users/lan", res.Header.Get("Location"))
	var u sohoa.User
	require.NoError(t, json.Unmarshal(raw, &u))
	assert.True(t, u.HasPassword)
	assert.Equal(t, []string{"A"}, u.UnitScopes)
	assert.Equal(t, []string{"user:admin user:lan"}, auditedBy(t, b, "user.create"))
	_, err := b.db.CheckUserPassword(t.Context(), "lan", "mật khẩu đủ dài 123")
	require.NoError(t, err)

	// Refused: taken name, unknown field, no role, short password, unknown unit.
	res, raw = b.postJSON(t, b.admin, "/api/v1/users", `{"username":"lan","roles":["clerk"]}`)
	assert.Equal(t, http.StatusConflict, res.StatusCode, "%s", raw)
	for _, body := range []string{`{"username":"x1","roles":["clerk"],"admin":true}`, `{"username":"x2","roles":[]}`,
		`{"username":"x3","roles":["clerk"],"password":"ngắn"}`, `{"username":"x4","roles":["clerk"],"unit_scopes":["ZZ"]}`,
		`{"username":"x5","roles":["boss"]}`} {
		res, raw = b.call(t, b.admin, apiReq{method: http.MethodPost, target: "/api/v1/users", body: []byte(body), contentType: "application/json", malformed: true})
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%s: %s", body, raw)
	}
	res, raw = b.get(t, b.admin, "/api/v1/users")
	require.Equal(t, http.StatusOK, res.StatusCode)
	var list userList
	require.NoError(t, json.Unmarshal(raw, &list))
	assert.Len(t, list.Items, 7, "the six principals and lan")

	// PATCH: roles and scopes; then disable (the user's token is refused) and enable.
	res, raw = patch("/api/v1/users/lan", `{"roles":["clerk","auditor"],"unit_scopes":["A","B"]}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	require.NoError(t, json.Unmarshal(raw, &u))
	assert.Equal(t, []string{"A", "B"}, u.UnitScopes)
	assert.Len(t, auditedBy(t, b, "user.update"), 1)

	res, raw = b.postJSON(t, b.admin, "/api/v1/users/lan/tokens", `{"name":"máy quét 1","expires_at":"2099-01-01T00:00:00Z"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", raw)
	var tok struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(raw, &tok))
	require.NotEmpty(t, tok.Token)
	assert.Equal(t, []string{"user:admin api_token:" + strconv.FormatInt(tok.ID, 10)}, auditedBy(t, b, "token.create"))
	lan := &Principal{User: &sohoa.User{Username: "lan"}}
	b.tokens[lan] = tok.Token
	res, _ = b.get(t, lan, "/api/v1/me")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	res, raw = b.get(t, b.admin, "/api/v1/users/lan/tokens")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, string(raw), tok.Token, "the plaintext is shown once")

	res, raw = patch("/api/v1/users/lan", `{"disabled":true}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	require.NoError(t, json.Unmarshal(raw, &u))
	assert.True(t, u.Disabled())
	res, _ = b.get(t, lan, "/api/v1/me")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "a disabled user's token is refused")
	res, _ = patch("/api/v1/users/lan", `{"disabled":false}`)
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, _ = b.get(t, lan, "/api/v1/me")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Len(t, auditedBy(t, b, "user.disable"), 1)
	assert.Len(t, auditedBy(t, b, "user.enable"), 1)
	res, _ = b.call(t, b.admin, apiReq{method: http.MethodPatch, target: "/api/v1/users/lan", body: []byte(`{"disabled":"yes"}`), contentType: "application/json", malformed: true})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	res, _ = patch("/api/v1/users/nobody", `{"display_name":"X"}`)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	// Password.
	res, raw = b.postJSON(t, b.admin, "/api/v1/users/lan/password", `{"password":"một mật khẩu mới dài"}`)
	require.Equal(t, http.StatusNoContent, res.StatusCode, "%s", raw)
	_, err = b.db.CheckUserPassword(t.Context(), "lan", "một mật khẩu mới dài")
	require.NoError(t, err)
	assert.Equal(t, []string{"user:admin user:lan"}, auditedBy(t, b, "user.password"))
	res, _ = b.call(t, b.admin, apiReq{method: http.MethodPost, target: "/api/v1/users/lan/password", body: []byte(`{"password":"ngắn"}`), contentType: "application/json", malformed: true})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	res, _ = b.postJSON(t, b.admin, "/api/v1/users/nobody/password", `{"password":"một mật khẩu mới dài"}`)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	// Revoke: the token stops working; a second revoke is 404.
	target := "/api/v1/tokens/" + strconv.FormatInt(tok.ID, 10)
	res, raw = b.call(t, b.admin, apiReq{method: http.MethodDelete, target: target})
	require.Equal(t, http.StatusNoContent, res.StatusCode, "%s", raw)
	res, _ = b.get(t, lan, "/api/v1/me")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	res, _ = b.call(t, b.admin, apiReq{method: http.MethodDelete, target: target})
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Len(t, auditedBy(t, b, "token.revoke"), 1)
	res, _ = b.postJSON(t, b.admin, "/api/v1/users/nobody/tokens", `{"name":"x"}`)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestAPITrustAnchors(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	res, raw := b.get(t, b.auditorA, "/api/v1/trust-anchors")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	var list struct {
		Items []trustAnchorJSON `json:"items"`
	}
	require.NoError(t, json.Unmarshal(raw, &list))
	require.NotEmpty(t, list.Items)
	for _, a := range list.Items {
		assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{64}$`), a.SHA256)
		assert.Equal(t, samples("trust"), a.Source)
		assert.NotEmpty(t, a.Subject)
		assert.True(t, a.Valid)
	}
	assert.Contains(t, string(raw), "Sohoa Sample Root CA")
}
