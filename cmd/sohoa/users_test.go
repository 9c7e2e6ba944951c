package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/sqlite"
)

// runWith runs the CLI with stdin and a scripted password prompt (nil: no
// terminal).
func runWith(t *testing.T, vars map[string]string, stdin string, typed []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	if typed != nil {
		e.readPassword = func(prompt string) (string, bool, error) {
			require.NotEmpty(t, typed, "unexpected prompt %q", prompt)
			pw := typed[0]
			typed = typed[1:]
			return pw, true, nil
		}
	}
	code = run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

// openTestCatalog opens the data directory's catalog after the commands ran.
func openTestCatalog(t *testing.T, dir string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), dir+"/sohoa.db", nil)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"SOHOA_DATA_DIR": dir}
	code, _, errOut := runCmd(t, vars, "unit", "add", "G05", "Bộ phận Một cửa")
	require.Equal(t, exitOK, code, errOut)

	// The password from the environment.
	withPW := map[string]string{"SOHOA_DATA_DIR": dir, "SOHOA_PASSWORD": "Hoa sen nở giữa đầm"}
	code, out, errOut := runCmd(t, withPW, "user", "add", "lan", "--role", "clerk", "--unit", "G05", "--name", "Nguyễn Thị Lan")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "user lan added with a password: clerk, G05")

	// Generated: printed once, after the user is stored.
	code, out, errOut = runCmd(t, vars, "user", "add", "--role", "auditor,clerk", "minh", "--unit", "G05", "--generate")
	require.Equal(t, exitOK, code, errOut)
	m := regexp.MustCompile(`(?m)^password for minh .*\n(\S{20})$`).FindStringSubmatch(strings.TrimSpace(out))
	require.NotNil(t, m, out)
	minhPW := m[1]

	// Typed at a prompt, twice.
	code, _, errOut = runWith(t, vars, "", []string{"quản trị viên số một", "quản trị viên số một"}, "user", "add", "admin", "--role", "admin")
	require.Equal(t, exitOK, code, errOut)
	code, _, errOut = runWith(t, vars, "", []string{"quản trị viên số một", "quản trị viên số hai"}, "user", "add", "admin2", "--role", "admin")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "differ")

	// From standard input; a scanner without a password.
	code, _, errOut = runWith(t, vars, "một dòng mật khẩu\nrest\n", nil, "user", "add", "hoa", "--role", "clerk", "--unit", "G05", "--password-stdin")
	require.Equal(t, exitOK, code, errOut)
	code, out, errOut = runCmd(t, vars, "user", "add", "scanner1", "--role", "scanner", "--unit", "G05", "--no-password")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "without a password")

	// The unit's head, who signs and submits the unit's report.
	code, out, errOut = runCmd(t, withPW, "user", "add", "thu.truong", "--role", "head", "--unit", "G05", "--name", "Lê Văn Thủ")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "user thu.truong added with a password: head, G05")

	// Refusals: nothing is created.
	for _, tc := range []struct {
		args    []string
		vars    map[string]string
		code    int
		message string
	}{
		{[]string{"user", "add", "x1", "--role", "clerk"}, vars, exitFailure, "not a terminal"},
		{[]string{"user", "add", "x1", "--role", "clerk"}, map[string]string{"SOHOA_DATA_DIR": dir, "SOHOA_PASSWORD": "short"}, exitFailure, "at least 12 characters"},
		{[]string{"user", "add", "x1", "--generate"}, vars, exitFailure, "at least one --role"},
		{[]string{"user", "add", "x1", "--role", "root", "--generate"}, vars, exitFailure, "unknown role"},
		{[]string{"user", "add", "x1", "--role", "clerk", "--unit", "NOPE", "--generate"}, vars, exitFailure, "NOPE"},
		{[]string{"user", "add", "bad name", "--role", "clerk", "--generate"}, vars, exitFailure, "not allowed"},
		{[]string{"user", "add", "lan", "--role", "clerk", "--generate"}, vars, exitFailure, "already exists"},
		{[]string{"user", "add", "--role", "clerk", "--generate"}, vars, exitUsage, "want 1 argument"},
		{[]string{"user", "add", "x1", "--role", "clerk", "--generate", "--no-password"}, vars, exitFailure, "excludes"},
		{[]string{"user", "frobnicate"}, vars, exitUsage, "unknown subcommand"},
	} {
		code, out, errOut := runCmd(t, tc.vars, tc.args...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, errOut)
		assert.Contains(t, errOut, tc.message, "%v", tc.args)
		assert.NotContains(t, out, "password for", "%v", tc.args)
	}

	// The passwords work, and only their hashes are stored.
	db := openTestCatalog(t, dir)
	ctx := t.Context()
	for user, pw := range map[string]string{"lan": "Hoa sen nở giữa đầm", "minh": minhPW, "admin": "quản trị viên số một", "hoa": "một dòng mật khẩu"} {
		u, err := db.CheckUserPassword(ctx, user, pw)
		require.NoError(t, err, user)
		assert.True(t, u.HasPassword)
	}
	u, err := db.FindUserByUsername(ctx, "minh")
	require.NoError(t, err)
	assert.Equal(t, []sohoa.Role{sohoa.RoleAuditor, sohoa.RoleClerk}, u.Roles)
	_, err = db.CheckUserPassword(ctx, "scanner1", "")
	assert.ErrorIs(t, err, sohoa.ErrBadCredentials)
	_, err = db.FindUserByUsername(ctx, "x1")
	assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))

	// passwd ends the sessions.
	sess, err := sohoa.NewSession("lan", time.Now(), time.Now().Add(time.Hour), "", "")
	require.NoError(t, err)
	token, err := db.CreateSession(ctx, sess)
	require.NoError(t, err)
	code, out, errOut = runWith(t, vars, "", []string{"mật khẩu mới của Lan", "mật khẩu mới của Lan"}, "user", "passwd", "lan")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "sessions were ended")
	_, _, err = db.FindSession(ctx, token, time.Now(), time.Hour)
	assert.Equal(t, sohoa.EUNAUTHORIZED, sohoa.Code(err))
	_, err = db.CheckUserPassword(ctx, "lan", "mật khẩu mới của Lan")
	require.NoError(t, err)
	code, _, errOut = runCmd(t, vars, "user", "passwd", "ghost", "--generate")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "not found")

	// disable, list, enable.
	code, out, errOut = runCmd(t, vars, "user", "disable", "lan")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "user lan disabled")
	_, err = db.CheckUserPassword(ctx, "lan", "mật khẩu mới của Lan")
	assert.ErrorIs(t, err, sohoa.ErrUserDisabled)
	code, _, _ = runCmd(t, vars, "user", "disable", "ghost")
	assert.Equal(t, exitFailure, code)

	code, out, errOut = runCmd(t, vars, "user", "list")
	require.Equal(t, exitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 7, out) // header and six users
	assert.Regexp(t, `^admin\s+admin\s+\(all units\)\s+yes\s+active`, lines[1])
	assert.Regexp(t, `^lan\s+clerk\s+G05\s+yes\s+disabled \d{4}-\d\d-\d\d \d\d:\d\d\s+Nguyễn Thị Lan$`, lines[3])
	assert.Regexp(t, `^scanner1\s+scanner\s+G05\s+no\s+active`, lines[5])
	assert.Regexp(t, `^thu\.truong\s+head\s+G05\s+yes\s+active\s+Lê Văn Thủ$`, lines[6])

	code, out, errOut = runCmd(t, vars, "user", "list", "--json")
	require.Equal(t, exitOK, code, errOut)
	var users []sohoa.User
	require.NoError(t, json.Unmarshal([]byte(out), &users))
	require.Len(t, users, 6)
	assert.Equal(t, "lan", users[2].Username)
	assert.NotNil(t, users[2].DisabledAt)
	assert.NotContains(t, out, "argon2")

	code, _, errOut = runCmd(t, vars, "user", "enable", "lan")
	require.Equal(t, exitOK, code, errOut)
	_, err = db.CheckUserPassword(ctx, "lan", "mật khẩu mới của Lan")
	require.NoError(t, err)

	// Every change is in the audit log, and the chain holds.
	entries, err := db.FindAuditEntries(ctx, sohoa.AuditFilter{Limit: 100})
	require.NoError(t, err)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" "+e.Object)
		assert.NotContains(t, string(e.Details), "Hoa sen", "no password in the audit log")
	}
	for _, want := range []string{"user.create user:lan", "user.create user:minh", "user.create user:admin", "user.create user:hoa",
		"user.create user:scanner1", "user.password user:lan", "user.disable user:lan", "user.enable user:lan"} {
		assert.Contains(t, actions, want)
	}
	assert.NotContains(t, actions, "user.create user:admin2")
	code, _, errOut = runCmd(t, vars, "audit", "verify")
	require.Equal(t, exitOK, code, errOut)
}

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"SOHOA_DATA_DIR": dir}
	code, _, errOut := runCmd(t, vars, "user", "add", "scanner1", "--role", "scanner", "--no-password")
	require.Equal(t, exitOK, code, errOut)

	code, out, errOut := runCmd(t, vars, "token", "add", "scanner1", "máy quét tầng 1")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "does not expire")
	plain := regexp.MustCompile(`(?m)^sohoa_[a-z2-7]+$`).FindString(out)
	require.NotEmpty(t, plain, out)

	code, out, errOut = runCmd(t, vars, "token", "add", "scanner1", "tạm thời", "--expires", "720h")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "expires ")
	second := regexp.MustCompile(`(?m)^sohoa_[a-z2-7]+$`).FindString(out)

	db := openTestCatalog(t, dir)
	ctx := t.Context()
	u, tok, err := db.Authenticate(ctx, plain, time.Now())
	require.NoError(t, err)
	assert.Equal(t, "scanner1", u.Username)
	assert.Equal(t, "máy quét tầng 1", tok.Name)
	_, tok2, err := db.Authenticate(ctx, second, time.Now())
	require.NoError(t, err)
	require.NotNil(t, tok2.ExpiresAt)
	assert.WithinDuration(t, time.Now().Add(720*time.Hour), *tok2.ExpiresAt, time.Minute)
	_, _, err = db.Authenticate(ctx, second, time.Now().Add(721*time.Hour))
	assert.Equal(t, sohoa.EUNAUTHORIZED, sohoa.Code(err))

	code, out, errOut = runCmd(t, vars, "token", "list", "scanner1")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "máy quét tầng 1")
	assert.Contains(t, out, "never")
	assert.NotContains(t, out, plain)
	code, out, errOut = runCmd(t, vars, "token", "list", "scanner1", "--json")
	require.Equal(t, exitOK, code, errOut)
	var toks []sohoa.APIToken
	require.NoError(t, json.Unmarshal([]byte(out), &toks))
	require.Len(t, toks, 2)
	assert.NotContains(t, out, tok.Hash, "not even the hash is listed")

	// A disabled user's tokens are refused.
	code, _, errOut = runCmd(t, vars, "user", "disable", "scanner1")
	require.Equal(t, exitOK, code, errOut)
	_, _, err = db.Authenticate(ctx, plain, time.Now())
	assert.Equal(t, sohoa.EUNAUTHORIZED, sohoa.Code(err))
	code, _, errOut = runCmd(t, vars, "user", "enable", "scanner1")
	require.Equal(t, exitOK, code, errOut)

	code, out, errOut = runCmd(t, vars, "token", "revoke", "1")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "API token 1 revoked")
	_, _, err = db.Authenticate(ctx, plain, time.Now())
	assert.Equal(t, sohoa.EUNAUTHORIZED, sohoa.Code(err))

	for _, tc := range []struct {
		args    []string
		code    int
		message string
	}{
		{[]string{"token", "revoke", "1"}, exitFailure, "not found"},
		{[]string{"token", "revoke", "abc"}, exitFailure, "want the number"},
		{[]string{"token", "add", "ghost", "x"}, exitFailure, "not found"},
		{[]string{"token", "add", "scanner1", ""}, exitFailure, "empty"},
		{[]string{"token", "add", "scanner1", "x", "--expires", "-1h"}, exitFailure, "negative"},
		{[]string{"token", "add", "scanner1"}, exitUsage, "want 2 argument"},
		{[]string{"token", "list", "ghost"}, exitFailure, "not found"},
		{[]string{"token", "nope"}, exitUsage, "unknown subcommand"},
	} {
		code, out, errOut := runCmd(t, vars, tc.args...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, errOut)
		assert.Contains(t, errOut, tc.message, "%v", tc.args)
		assert.NotContains(t, out, "sohoa_", "%v", tc.args)
	}

	entries, err := db.FindAuditEntries(ctx, sohoa.AuditFilter{Limit: 100})
	require.NoError(t, err)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" "+e.Object)
		assert.NotContains(t, string(e.Details), "sohoa_", "no token in the audit log")
	}
	assert.Contains(t, actions, "token.create api_token:1")
	assert.Contains(t, actions, "token.create api_token:2")
	assert.Contains(t, actions, "token.revoke api_token:1")
}
