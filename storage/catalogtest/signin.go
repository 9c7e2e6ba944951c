package catalogtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/sohoa/sohoa"
)

const (
	lanPassword  = "Hoa sen nở giữa đầm"
	idleTimeout  = 30 * time.Minute
	sessionLife  = 12 * time.Hour
	userAgentLan = "Mozilla/5.0 (Windows NT 10.0) Cốc Cốc"
)

// signInFixture is the fixture with a clerk of OSS1 who has a password.
func (s *suite) signInFixture(t *testing.T) sohoa.Catalog {
	t.Helper()
	c := s.fixture(t)
	ctx := t.Context()
	require.NoError(t, c.CreateUser(ctx, &sohoa.User{Username: "lan", Roles: []sohoa.Role{sohoa.RoleClerk}, UnitScopes: []string{"OSS1"}}))
	require.NoError(t, c.SetPassword(ctx, "lan", lanPassword))
	return c
}

func (s *suite) session(t *testing.T, c sohoa.Catalog, username string, now time.Time) (*sohoa.Session, string) {
	t.Helper()
	sess, err := sohoa.NewSession(username, now, now.Add(sessionLife), userAgentLan, "192.0.2.10")
	require.NoError(t, err)
	token, err := c.CreateSession(t.Context(), sess)
	require.NoError(t, err)
	return sess, token
}

func (s *suite) testPasswords(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	require.NoError(t, c.CreateUser(ctx, &sohoa.User{Username: "lan", Roles: []sohoa.Role{sohoa.RoleClerk}, UnitScopes: []string{"OSS1"}}))

	// No password yet: the same answer as for a stranger.
	_, err := c.CheckUserPassword(ctx, "lan", lanPassword)
	requireCode(t, sohoa.EUNAUTHORIZED, err)
	assert.ErrorIs(t, err, sohoa.ErrBadCredentials)
	u, err := c.FindUserByUsername(ctx, "lan")
	require.NoError(t, err)
	assert.False(t, u.HasPassword)

	err = c.SetPassword(ctx, "lan", "ngắn quá")
	requireCode(t, sohoa.EINVALID, err)
	assert.ErrorIs(t, err, sohoa.ErrPasswordTooShort)
	requireCode(t, sohoa.ENOTFOUND, c.SetPassword(ctx, "ghost", lanPassword))
	requireCode(t, sohoa.EINVALID, c.SetPassword(ctx, "bad name", lanPassword))

	require.NoError(t, c.SetPassword(ctx, "lan", lanPassword))
	u, err = c.FindUserByUsername(ctx, "lan")
	require.NoError(t, err)
	assert.True(t, u.HasPassword)
	js, err := json.Marshal(u)
	require.NoError(t, err)
	assert.NotContains(t, string(js), "argon2", "the hash never leaves the catalog")

	got, err := c.CheckUserPassword(ctx, "lan", lanPassword)
	require.NoError(t, err)
	assert.Equal(t, u, got)
	assert.Equal(t, []string{"OSS1"}, got.UnitScopes)

	var msgs []string
	for _, tc := range []struct{ user, pw string }{
		{"lan", lanPassword + "!"},
		{"lan", ""},
		{"ghost", lanPassword},
		{"bad name", lanPassword},
		{"", ""},
	} {
		_, err := c.CheckUserPassword(ctx, tc.user, tc.pw)
		requireCode(t, sohoa.EUNAUTHORIZED, err, "%q", tc.user)
		msgs = append(msgs, sohoa.Message(err))
	}
	for _, m := range msgs {
		assert.Equal(t, msgs[0], m, "every failed sign-in reads alike")
	}

	// A hash made with other parameters still signs in (and is redone on
	// the way, which a later sign-in must survive).
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("mật khẩu cũ của Lan"), salt, 1, 64*1024, 4, 32)
	old := fmt.Sprintf("$argon2id$v=19$m=65536,t=1,p=4$%s$%s", base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	s.tamper.Exec(t, c, `UPDATE users SET password_hash = ? WHERE username = ?`, old, "lan")
	for range 2 {
		_, err = c.CheckUserPassword(ctx, "lan", "mật khẩu cũ của Lan")
		require.NoError(t, err)
	}
	_, err = c.CheckUserPassword(ctx, "lan", lanPassword)
	requireCode(t, sohoa.EUNAUTHORIZED, err)

	// A new password ends the sessions signed in with the old one.
	_, token := s.session(t, c, "lan", base)
	require.NoError(t, c.SetPassword(ctx, "lan", lanPassword))
	_, _, err = c.FindSession(ctx, token, base.Add(time.Second), idleTimeout)
	requireCode(t, sohoa.EUNAUTHORIZED, err)
}

func (s *suite) testDisableUser(t *testing.T) {
	c := s.signInFixture(t)
	ctx := t.Context()
	_, plain, err := c.CreateAPIToken(ctx, "lan", "máy quét", nil)
	require.NoError(t, err)
	_, token := s.session(t, c, "lan", base)
	_, other := s.session(t, c, "lan", base)

	at := base.Add(time.Hour)
	require.NoError(t, c.DisableUser(ctx, "lan", at))
	u, err := c.FindUserByUsername(ctx, "lan")
	require.NoError(t, err)
	require.NotNil(t, u.DisabledAt)
	assert.True(t, at.Equal(*u.DisabledAt))
	assert.True(t, u.Disabled())
	require.NoError(t, c.DisableUser(ctx, "lan", at.Add(time.Hour)))
	u, err = c.FindUserByUsername(ctx, "lan")
	require.NoError(t, err)
	assert.True(t, at.Equal(*u.DisabledAt), "disabling again keeps the first time")

	_, err = c.CheckUserPassword(ctx, "lan", lanPassword)
	requireCode(t, sohoa.EUNAUTHORIZED, err)
	assert.ErrorIs(t, err, sohoa.ErrUserDisabled)
	_, err = c.CheckUserPassword(ctx, "lan", "not her password")
	assert.ErrorIs(t, err, sohoa.ErrBadCredentials, "a wrong password does not learn the account is disabled")
	_, _, err = c.Authenticate(ctx, plain, at)
	requireCode(t, sohoa.EUNAUTHORIZED, err)
	for _, tok := range []string{token, other} {
		_, _, err = c.FindSession(ctx, tok, at, idleTimeout)
		requireCode(t, sohoa.EUNAUTHORIZED, err)
	}
	sess, err := sohoa.NewSession("lan", at, at.Add(sessionLife), "", "")
	require.NoError(t, err)
	_, err = c.CreateSession(ctx, sess)
	assert.ErrorIs(t, err, sohoa.ErrUserDisabled)
	toks, err := c.FindAPITokens(ctx, "lan")
	require.NoError(t, err)
	assert.Len(t, toks, 1, "tokens are kept, only refused")

	require.NoError(t, c.EnableUser(ctx, "lan"))
	u, err = c.FindUserByUsername(ctx, "lan")
	require.NoError(t, err)
	assert.Nil(t, u.DisabledAt)
	_, err = c.CheckUserPassword(ctx, "lan", lanPassword)
	require.NoError(t, err)
	_, _, err = c.Authenticate(ctx, plain, at)
	require.NoError(t, err)
	_, _, err = c.FindSession(ctx, token, at, idleTimeout)
	requireCode(t, sohoa.EUNAUTHORIZED, err, "sessions ended by disabling stay ended")

	requireCode(t, sohoa.ENOTFOUND, c.DisableUser(ctx, "ghost", at))
	requireCode(t, sohoa.ENOTFOUND, c.EnableUser(ctx, "ghost"))
	requireCode(t, sohoa.EINVALID, c.DisableUser(ctx, "lan", time.Time{}))
}

func (s *suite) testSessions(t *testing.T) {
	c := s.signInFixture(t)
	ctx := t.Context()

	sess, err := sohoa.NewSession("lan", base, base.Add(sessionLife), "Mozilla/5.0\x00\n (evil)", "192.0.2.10")
	require.NoError(t, err)
	assert.Equal(t, "Mozilla/5.0 (evil)", sess.UserAgent, "control characters dropped")
	token, err := c.CreateSession(ctx, sess)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(token), 43)
	assert.Equal(t, sohoa.SessionID(token), sess.ID, "only the token's hash is the key")
	assert.Len(t, sess.ID, 64)
	assert.Len(t, sess.CSRFSecret, 64)

	u, got, err := c.FindSession(ctx, token, base.Add(30*time.Second), idleTimeout)
	require.NoError(t, err)
	assert.Equal(t, "lan", u.Username)
	assert.Equal(t, []string{"OSS1"}, u.UnitScopes)
	assert.Equal(t, sess, got)
	assert.Equal(t, time.UTC, got.ExpiresAt.Location())
	assert.True(t, base.Equal(got.LastSeenAt), "not touched within SessionTouchInterval")

	// Every use more than a minute after the last moves the idle timeout.
	at := base
	for _, step := range []time.Duration{10 * time.Minute, 29 * time.Minute, 29*time.Minute + 59*time.Second} {
		at = at.Add(step)
		_, got, err = c.FindSession(ctx, token, at, idleTimeout)
		require.NoError(t, err, "after %s", step)
		assert.True(t, at.Equal(got.LastSeenAt))
	}
	_, _, err = c.FindSession(ctx, token, at.Add(idleTimeout), idleTimeout)
	requireCode(t, sohoa.EUNAUTHORIZED, err, "idle for the timeout")
	_, _, err = c.FindSession(ctx, token, at.Add(idleTimeout), 0)
	require.NoError(t, err, "no idle timeout")

	// However busy, a session ends at its absolute expiry.
	_, busy := s.session(t, c, "lan", base)
	for at := base; at.Before(base.Add(sessionLife)); at = at.Add(20 * time.Minute) {
		_, _, err = c.FindSession(ctx, busy, at, idleTimeout)
		require.NoError(t, err)
	}
	_, _, err = c.FindSession(ctx, busy, base.Add(sessionLife), idleTimeout)
	requireCode(t, sohoa.EUNAUTHORIZED, err)

	for _, bad := range []string{"", "nope", token + "x", sess.ID} {
		_, _, err = c.FindSession(ctx, bad, base, idleTimeout)
		requireCode(t, sohoa.EUNAUTHORIZED, err, "%q", bad)
	}
	_, _, err = c.FindSession(ctx, token, base, -time.Second)
	requireCode(t, sohoa.EINVALID, err)

	// Signing out.
	_, out := s.session(t, c, "lan", base)
	require.NoError(t, c.DeleteSession(ctx, out))
	_, _, err = c.FindSession(ctx, out, base, idleTimeout)
	requireCode(t, sohoa.EUNAUTHORIZED, err)
	require.NoError(t, c.DeleteSession(ctx, out), "signing out twice is fine")

	// Bad sessions.
	ghost := &sohoa.Session{Username: "ghost", CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	_, err = c.CreateSession(ctx, ghost)
	requireCode(t, sohoa.EINVALID, err)
	_, err = sohoa.NewSession("lan", base, base, "", "")
	requireCode(t, sohoa.EINVALID, err)
	_, err = c.CreateSession(ctx, &sohoa.Session{Username: "lan", CreatedAt: base, ExpiresAt: base.Add(-time.Hour)})
	requireCode(t, sohoa.EINVALID, err)
	_, err = c.CreateSession(ctx, nil)
	requireCode(t, sohoa.EINVALID, err)
	_, err = sohoa.NewSession("lan", base, base.Add(time.Hour), "", "ad\ndr")
	requireCode(t, sohoa.EINVALID, err)

	// Ending every session of a user, and the expired ones.
	require.NoError(t, c.CreateUser(ctx, &sohoa.User{Username: "minh", Roles: []sohoa.Role{sohoa.RoleAuditor}, UnitScopes: []string{"MIN"}}))
	_, minh := s.session(t, c, "minh", base)
	n, err := c.DeleteUserSessions(ctx, "lan")
	require.NoError(t, err)
	assert.EqualValues(t, 2, n) // token, and busy (ended but not yet removed)
	_, _, err = c.FindSession(ctx, minh, base, idleTimeout)
	require.NoError(t, err, "other users keep theirs")

	_, idle := s.session(t, c, "lan", base)
	_, live := s.session(t, c, "lan", base.Add(sessionLife-40*time.Minute))
	expired := &sohoa.Session{Username: "lan", CreatedAt: base.Add(-sessionLife), ExpiresAt: base.Add(time.Minute)}
	_, err = c.CreateSession(ctx, expired)
	require.NoError(t, err)
	now := base.Add(sessionLife - 30*time.Minute)
	n, err = c.DeleteExpiredSessions(ctx, now, idleTimeout)
	require.NoError(t, err)
	assert.EqualValues(t, 3, n, "minh's and the idle one by idleness, one by expiry")
	for _, tok := range []string{idle, minh} {
		_, _, err = c.FindSession(ctx, tok, now, 0)
		requireCode(t, sohoa.EUNAUTHORIZED, err)
	}
	_, _, err = c.FindSession(ctx, live, now, idleTimeout)
	require.NoError(t, err)
}

func (s *suite) testSignInThrottle(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	record := func(user, addr string, at time.Time) {
		t.Helper()
		require.NoError(t, c.RecordSignInFailure(ctx, user, addr, at))
	}
	count := func(user, addr string, since time.Time) sohoa.SignInFailures {
		t.Helper()
		f, err := c.SignInFailures(ctx, user, addr, since)
		require.NoError(t, err)
		return f
	}
	// The names tried need not exist.
	record("lan", "192.0.2.1", base)
	record("lan", "192.0.2.1", base.Add(time.Minute))
	record("lan", "192.0.2.1", base.Add(2*time.Minute))
	record("minh", "192.0.2.1", base.Add(2*time.Minute))
	record("lan", "2001:db8::1", base.Add(3*time.Minute))
	record("'; DROP TABLE users; --", "192.0.2.1", base.Add(3*time.Minute))
	record("lan", "", base.Add(3*time.Minute))

	assert.Equal(t, sohoa.SignInFailures{ByUsername: 5, ByAddr: 5}, count("lan", "192.0.2.1", base))
	assert.Equal(t, sohoa.SignInFailures{ByUsername: 3, ByAddr: 3}, count("lan", "192.0.2.1", base.Add(2*time.Minute)), "since is inclusive")
	assert.Equal(t, sohoa.SignInFailures{ByUsername: 1, ByAddr: 1}, count("minh", "2001:db8::1", base))
	assert.Equal(t, sohoa.SignInFailures{}, count("", "", base), "nothing to count for no name and no address")
	assert.Equal(t, sohoa.SignInFailures{ByAddr: 5}, count("not a username!", "192.0.2.1", base))
	assert.Equal(t, sohoa.SignInFailures{}, count("lan", "192.0.2.1", base.Add(time.Hour)))

	require.NoError(t, c.ClearSignInFailures(ctx, "lan"))
	assert.Equal(t, sohoa.SignInFailures{ByUsername: 0, ByAddr: 5}, count("lan", "192.0.2.1", base),
		"the address keeps its count")
	require.NoError(t, c.ClearSignInFailures(ctx, "not a username!"))

	n, err := c.PruneSignInFailures(ctx, base.Add(3*time.Minute))
	require.NoError(t, err)
	assert.EqualValues(t, 4, n)
	assert.Equal(t, sohoa.SignInFailures{ByUsername: 0, ByAddr: 1}, count("minh", "192.0.2.1", base))
	assert.Equal(t, sohoa.SignInFailures{ByUsername: 0, ByAddr: 1}, count("lan", "2001:db8::1", base))

	requireCode(t, sohoa.EINVALID, c.RecordSignInFailure(ctx, "lan", "x\ny", base))
	requireCode(t, sohoa.EINVALID, c.RecordSignInFailure(ctx, "lan", "192.0.2.1", time.Time{}))

	// Several servers record at once: every failure counts.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 5 {
				assert.NoError(t, c.RecordSignInFailure(ctx, "target", fmt.Sprintf("198.51.100.%d", i), base.Add(time.Duration(j)*time.Second)))
			}
		})
	}
	wg.Wait()
	assert.Equal(t, sohoa.SignInFailures{ByUsername: 40, ByAddr: 5}, count("target", "198.51.100.3", base))
}
