package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// demoUserRE is a row of serve --demo's users table.
var demoUserRE = regexp.MustCompile(`(?m)^  (\S+)\s+(\S{20})\s+(clerk|scanner|auditor|admin)\s`)

// serveDemoUsers reads the users table serve --demo printed: username →
// password, username → role.
func serveDemoUsers(t *testing.T, out string) (passwords, roles map[string]string) {
	t.Helper()
	passwords, roles = map[string]string{}, map[string]string{}
	for _, m := range demoUserRE.FindAllStringSubmatch(out, -1) {
		passwords[m[1]], roles[m[1]] = m[2], m[3]
	}
	return passwords, roles
}

// signIn signs in through the JSON API and returns a client carrying the
// session cookie.
func signIn(t *testing.T, base, username, password string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar}
	b, err := json.Marshal(map[string]string{"username": username, "password": password})
	require.NoError(t, err)
	res, err := c.Post(base+"api/v1/session", "application/json", strings.NewReader(string(b)))
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "sign in as %s: %s", username, body)
	return c
}

// dossierCodes lists the codes GET /api/v1/dossiers answers c with.
func dossierCodes(t *testing.T, c *http.Client, base string) []string {
	t.Helper()
	res, body := httpGet(t, c, base+"api/v1/dossiers")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	var list struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &list), body)
	var codes []string
	for _, d := range list.Items {
		codes = append(codes, d.Code)
	}
	return codes
}

// serve --demo on a new directory loads the demo, prints the URL and the
// demo users with passwords that sign in, serves the demo dossiers, and
// does not create the first-start administrator; a second run adds
// nothing and prints new passwords that sign in (the old ones do not).
func TestServeDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := map[string]string{"SOHOA_LOG_LEVEL": "warn"}
	s := startServe(t, vars, "--demo", "--data-dir", dir, "--addr", "127.0.0.1:0", "--workers", "2")
	out := s.output()
	assert.Contains(t, out, "loading the demo into "+dir)
	assert.Contains(t, out, "(49 sample files in all, 49 new; 2 of 4 dossiers digitized)")
	assert.Contains(t, out, "The progress dashboard (tiến độ số hóa: the figures, the two closed quarters and the signed report): "+s.url+"tien-do\n")
	assert.Regexp(t, `Quarterly report \d{4}-Q\d of 000\.00\.12\.G05: signed and submitted .*verification TOTAL_PASSED\): on time\.`, out)
	assert.Contains(t, out, "Open "+s.url+" and sign in")
	assert.Contains(t, out, "DEMO DATA ONLY")
	assert.NotContains(t, s.logs(), "first start")
	passwords, roles := serveDemoUsers(t, out)
	require.Len(t, passwords, len(demoUsers), out)
	assert.Equal(t, map[string]string{"canbo.motcua": "clerk", "mayquet.01": "scanner", "kiemsoat": "auditor", "quantri": "admin"}, roles)
	for _, pw := range passwords {
		assert.Equal(t, 1, strings.Count(out, pw), "each password printed once")
	}
	printed := regexp.MustCompile(`(?m)^  (\S+-\d{6}-\d{4})  (digitized|not digitized)`).FindAllStringSubmatch(out, -1)
	require.Len(t, printed, 4, out)
	var want []string
	for _, m := range printed {
		want = append(want, m[1])
	}

	res, body := httpGet(t, nil, s.url+"readyz")
	assert.Equal(t, http.StatusOK, res.StatusCode, body)
	clerk := signIn(t, s.url, "canbo.motcua", passwords["canbo.motcua"])
	assert.Subset(t, dossierCodes(t, clerk, s.url), want)
	res, me := httpGet(t, clerk, s.url+"api/v1/me")
	require.Equal(t, http.StatusOK, res.StatusCode, me)
	assert.Contains(t, me, `"000.00.12.G05"`)
	// The anchors the server verifies with are listed, with where they came from.
	res, anchors := httpGet(t, clerk, s.url+"api/v1/trust-anchors")
	require.Equal(t, http.StatusOK, res.StatusCode, anchors)
	assert.Contains(t, anchors, `"sha256"`)
	assert.Contains(t, anchors, filepath.Join(dir, "trust"))
	// The auditor (scoped to the ministry) sees them too; the admin signs in.
	assert.Subset(t, dossierCodes(t, signIn(t, s.url, "kiemsoat", passwords["kiemsoat"]), s.url), want)
	signIn(t, s.url, "quantri", passwords["quantri"])
	require.Equal(t, exitOK, s.shutdown(t), s.logs())

	// No administrator "admin": the demo has its own.
	db := openTestCatalog(t, dir)
	_, err := db.FindUserByUsername(t.Context(), firstAdminName)
	assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err), "%v", err)
	db.Close()

	// Again on the same directory: nothing added, new passwords.
	s = startServe(t, vars, "--demo", "--data-dir", dir, "--addr", "127.0.0.1:0", "--workers", "2")
	out2 := s.output()
	assert.Contains(t, out2, "already holds the demo")
	assert.Contains(t, out2, "(49 sample files in all, 0 new; 2 of 4 dossiers digitized)")
	passwords2, _ := serveDemoUsers(t, out2)
	require.Len(t, passwords2, len(demoUsers), out2)
	assert.NotEqual(t, passwords["canbo.motcua"], passwords2["canbo.motcua"])
	clerk = signIn(t, s.url, "canbo.motcua", passwords2["canbo.motcua"])
	assert.Subset(t, dossierCodes(t, clerk, s.url), want)
	res, err = http.Post(s.url+"api/v1/session", "application/json",
		strings.NewReader(`{"username":"canbo.motcua","password":"`+passwords["canbo.motcua"]+`"}`))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "the first run's password no longer signs in")
	require.Equal(t, exitOK, s.shutdown(t), s.logs())

	code, o, e := runCmd(t, map[string]string{"SOHOA_DATA_DIR": dir}, "fsck")
	assert.Equal(t, exitOK, code, o+e)
	code, o, e = runCmd(t, map[string]string{"SOHOA_DATA_DIR": dir}, "audit", "verify")
	assert.Equal(t, exitOK, code, o+e)
}

// serve --demo refuses PostgreSQL and S3 (it never writes demo data where
// real data may be), --no-workers, and a directory in use.
func TestServeDemoRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for _, tc := range []struct {
		vars map[string]string
		args []string
		want string
	}{
		{map[string]string{"SOHOA_DATABASE_URL": "postgres://u:secret@127.0.0.1:1/sohoa"}, nil, "unset SOHOA_DATABASE_URL"},
		{nil, []string{"--database-url", "postgres://127.0.0.1:1/sohoa"}, "never in a PostgreSQL catalog"},
		{map[string]string{"SOHOA_S3_ENDPOINT": "127.0.0.1:1"}, nil, "never in an S3 bucket"},
		{nil, []string{"--no-workers"}, "drop --no-workers"},
	} {
		code, out, errOut := runCmd(t, tc.vars, append([]string{"serve", "--demo", "--data-dir", dir, "--addr", "127.0.0.1:0"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, out)
		assert.Contains(t, errOut, tc.want)
		assert.NotContains(t, errOut, "secret")
		_, err := os.Stat(dir)
		assert.ErrorIs(t, err, os.ErrNotExist, "nothing written")
	}

	inUse := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(inUse, "sohoa.db"), []byte("not ours"), 0o644))
	code, out, errOut := runCmd(t, nil, "serve", "--demo", "--data-dir", inUse, "--addr", "127.0.0.1:0")
	assert.Equal(t, exitFailure, code, out)
	assert.Contains(t, errOut, "is not empty and was not filled by sohoa demo")
}

// output is what the server printed on stdout so far.
func (s *inProcessServer) output() string {
	s.stdout.mu.Lock()
	defer s.stdout.mu.Unlock()
	return s.out.String()
}
