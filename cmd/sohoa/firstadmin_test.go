package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

var firstAdminRE = regexp.MustCompile(`first start: created administrator admin with password (\S+) ;`)

// The first start over an empty catalog creates "admin" and prints its
// password once, which signs in; the second start prints nothing.
func TestServeFirstAdmin(t *testing.T) {
	vars := map[string]string{"SOHOA_DATA_DIR": filepath.Join(t.TempDir(), "data"), "SOHOA_LOG_LEVEL": "warn"}
	s := startServe(t, vars, "--addr", "127.0.0.1:0", "--no-workers")
	m := firstAdminRE.FindStringSubmatch(s.logs())
	require.NotNil(t, m, "no password printed:\n%s", s.logs())
	password := m[1]
	assert.Len(t, password, 20)
	assert.Equal(t, 1, strings.Count(s.logs(), password), "printed once")
	assert.Contains(t, s.logs(), "sohoa user passwd admin")

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar}
	res, err := c.Post(s.url+"api/v1/session", "application/json", strings.NewReader(`{"username":"admin","password":"`+password+`"}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	res, me := httpGet(t, c, s.url+"api/v1/me")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, me, `"roles":["admin"]`)
	require.Equal(t, exitOK, s.shutdown(t), s.logs())

	code, out, errOut := runCmd(t, vars, "audit", "verify")
	require.Equal(t, exitOK, code, "%s%s", out, errOut)
	db := openTestCatalog(t, vars["SOHOA_DATA_DIR"])
	entries, err := db.FindAuditEntries(t.Context(), sohoa.AuditFilter{Limit: 100})
	require.NoError(t, err)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Actor+" "+e.Action+" "+e.Object)
	}
	assert.Subset(t, actions, []string{"system:serve user.create user:admin", "user:admin user.sign_in user:admin"})
	db.Close()

	s = startServe(t, vars, "--addr", "127.0.0.1:0", "--no-workers")
	assert.NotContains(t, s.logs(), "first start")
	assert.NotContains(t, s.logs(), password)
	require.Equal(t, exitOK, s.shutdown(t), s.logs())
	assert.NotContains(t, s.logs(), password)
}
