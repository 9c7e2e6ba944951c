package web

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/sqlite"
)

// authBundle is a server over a real SQLite catalog with a clock the
// test moves, and the users it signs in with.
type authBundle struct {
	db   *sqlite.DB
	h    http.Handler
	logs *syncBuffer

	mu  sync.Mutex
	now time.Time
}

const testPassword = "mật khẩu đủ dài 2026"

func setupAuth(t *testing.T, th Throttle, routes map[string]http.HandlerFunc, opts ...func(*Config)) *authBundle {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "sohoa.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	b := &authBundle{db: db, logs: &syncBuffer{}, now: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	cfg := Config{
		Catalog:  db,
		Logger:   slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      b.clock,
		Throttle: th,
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := newServer(cfg)
	for p, h := range routes {
		s.handle(p, h)
	}
	b.h = s.handler()
	return b
}

func (b *authBundle) clock() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now
}

func (b *authBundle) advance(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now = b.now.Add(d)
}

func (b *authBundle) addUser(t *testing.T, name string, roles ...sohoa.Role) {
	t.Helper()
	require.NoError(t, b.db.CreateUser(t.Context(), &sohoa.User{Username: name, DisplayName: "Nguyễn Thị " + name, Roles: roles}))
	require.NoError(t, b.db.SetPassword(t.Context(), name, testPassword))
}

// req is one request: the body, headers, cookies and where it comes from.
type req struct {
	method, target string
	body           string
	header         http.Header
	cookies        []*http.Cookie
	remote         string
	tls            bool
}

func (b *authBundle) do(t *testing.T, q req) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if q.body != "" {
		body = strings.NewReader(q.body)
	}
	r := httptest.NewRequest(q.method, q.target, body)
	if q.remote != "" {
		r.RemoteAddr = q.remote
	}
	if q.tls {
		r.TLS = &tls.ConnectionState{}
	}
	for k, vs := range q.header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	for _, c := range q.cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	res := w.Result()
	out, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(out)
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

func credentials(user, pw string) string {
	b, _ := json.Marshal(sessionRequest{Username: user, Password: pw})
	return string(b)
}

func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// signIn signs in by the JSON API and returns the session cookie and the
// CSRF token.
func (b *authBundle) signIn(t *testing.T, user string, old ...*http.Cookie) (*http.Cookie, string) {
	t.Helper()
	res, body := b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials(user, testPassword), header: jsonHeader(), cookies: old})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	var sr sessionResponse
	require.NoError(t, json.Unmarshal([]byte(body), &sr))
	c := cookieNamed(res, sessionCookieName)
	require.NotNil(t, c)
	require.NotEmpty(t, sr.CSRF)
	return c, sr.CSRF
}

func (b *authBundle) me(t *testing.T, q req) (int, sessionResponse, string) {
	t.Helper()
	q.method, q.target = "GET", "/api/v1/me"
	res, body := b.do(t, q)
	var sr sessionResponse
	if res.StatusCode == http.StatusOK {
		require.NoError(t, json.Unmarshal([]byte(body), &sr))
	}
	return res.StatusCode, sr, body
}

func (b *authBundle) audit(t *testing.T, action string) []*sohoa.AuditEntry {
	t.Helper()
	all, err := b.db.FindAuditEntries(t.Context(), sohoa.AuditFilter{Limit: 1000})
	require.NoError(t, err)
	var out []*sohoa.AuditEntry
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func TestSignInJSON(t *testing.T) {
	b := setupAuth(t, Throttle{}, nil)
	b.addUser(t, "lan", sohoa.RoleClerk)

	code, _, body := b.me(t, req{})
	assert.Equal(t, http.StatusUnauthorized, code, "anonymous")
	assert.Contains(t, body, `"code":"unauthorized"`)

	res, body := b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", testPassword), header: jsonHeader()})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	c := cookieNamed(res, sessionCookieName)
	require.NotNil(t, c)
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.Equal(t, "/", c.Path)
	assert.False(t, c.Secure, "plain HTTP")
	assert.Len(t, c.Value, 43, "32 random bytes, base64url")
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	var sr sessionResponse
	require.NoError(t, json.Unmarshal([]byte(body), &sr))
	assert.Equal(t, "lan", sr.User.Username)
	assert.Equal(t, []sohoa.Role{sohoa.RoleClerk}, sr.User.Roles)
	assert.NotContains(t, body, testPassword)

	// The catalog keeps only the token's SHA-256.
	_, sess, err := b.db.FindSession(t.Context(), c.Value, b.clock(), 0)
	require.NoError(t, err)
	assert.Equal(t, sohoa.SessionID(c.Value), sess.ID)

	code, me, _ := b.me(t, req{cookies: []*http.Cookie{c}})
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "lan", me.User.Username)
	assert.Equal(t, "Nguyễn Thị lan", me.User.DisplayName)
	assert.Equal(t, "session", me.Auth)
	assert.Equal(t, sr.CSRF, me.CSRF)

	ins := b.audit(t, "user.sign_in")
	require.Len(t, ins, 1)
	assert.Equal(t, "user:lan", ins[0].Actor)
	assert.Contains(t, string(ins[0].Details), "192.0.2.1")

	// Over TLS, or through a trusted proxy that says https, the cookie is
	// Secure.
	res, body = b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", testPassword), header: jsonHeader(), tls: true})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.True(t, cookieNamed(res, sessionCookieName).Secure)

	// Only JSON is accepted (login CSRF by a cross-site form).
	res, _ = b.do(t, req{method: "POST", target: "/api/v1/session", body: "username=lan&password=x",
		header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	res, _ = b.do(t, req{method: "POST", target: "/api/v1/session", body: `{"username":"lan","password":"x","extra":1}`, header: jsonHeader()})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}

func TestSignInWrongPassword(t *testing.T) {
	b := setupAuth(t, Throttle{}, nil)
	b.addUser(t, "lan", sohoa.RoleClerk)
	for _, user := range []string{"lan", "nobody", "bad name!"} {
		res, body := b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials(user, "sai mật khẩu rồi"), header: jsonHeader()})
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, user)
		assert.Contains(t, body, `"code":"auth.bad_credentials"`, user)
		assert.Nil(t, cookieNamed(res, sessionCookieName))
	}
	fails := b.audit(t, "user.sign_in_failed")
	require.Len(t, fails, 3)
	assert.Equal(t, "user:lan", fails[0].Object)
	assert.Equal(t, "anonymous", fails[0].Actor)
	assert.Contains(t, string(fails[0].Details), `"reason":"bad_credentials"`)
	assert.Equal(t, "", fails[2].Object, "a name no account can have is not recorded")
	for _, f := range fails {
		assert.NotContains(t, string(f.Details), "sai mật khẩu")
	}
	assert.NotContains(t, b.logs.String(), "sai mật khẩu")
	assert.Empty(t, b.audit(t, "user.sign_in"))

	// A disabled user with the right password is told so; with a wrong
	// one, just "wrong".
	require.NoError(t, b.db.DisableUser(t.Context(), "lan", b.clock()))
	res, body := b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", testPassword), header: jsonHeader()})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, body, "auth.user_disabled")
}

func TestSignInThrottle(t *testing.T) {
	t.Run("per user", func(t *testing.T) {
		b := setupAuth(t, Throttle{PerUser: 3, PerAddr: 100}, nil)
		b.addUser(t, "lan", sohoa.RoleClerk)
		for i := range 3 {
			// From different addresses: the username's counter alone trips.
			remote := "198.51.100." + string(rune('1'+i)) + ":1000"
			res, _ := b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", "sai mật khẩu rồi"), header: jsonHeader(), remote: remote})
			require.Equal(t, http.StatusUnauthorized, res.StatusCode)
		}
		// Now even the right password is refused, before it is checked.
		res, body := b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", testPassword), header: jsonHeader()})
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, body)
		assert.Equal(t, "900", res.Header.Get("Retry-After"))
		assert.Contains(t, body, `"code":"too_many_requests"`)
		assert.Contains(t, body, `"minutes":"15"`)
		assert.Len(t, b.audit(t, "user.sign_in_failed"), 3, "throttled attempts are not audited")

		// The form says it in Vietnamese.
		res, page := b.postSignInForm(t, "lan", testPassword, "")
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
		assert.Equal(t, "900", res.Header.Get("Retry-After"))
		assert.Contains(t, page, "Đăng nhập sai quá nhiều lần. Vì an toàn, hãy thử lại sau 15 phút.")

		// Another user is not affected; after the window, lan may sign in.
		b.addUser(t, "hoa", sohoa.RoleAuditor)
		b.signIn(t, "hoa")
		b.advance(15*time.Minute + time.Second)
		b.signIn(t, "lan")
	})
	t.Run("per address", func(t *testing.T) {
		b := setupAuth(t, Throttle{PerUser: 100, PerAddr: 3}, nil)
		b.addUser(t, "lan", sohoa.RoleClerk)
		for _, u := range []string{"a1", "a2", "a3"} {
			res, _ := b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials(u, "sai mật khẩu rồi"), header: jsonHeader()})
			require.Equal(t, http.StatusUnauthorized, res.StatusCode)
		}
		res, _ := b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", testPassword), header: jsonHeader()})
		assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "from the guessing address")
		res, _ = b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", testPassword), header: jsonHeader(), remote: "203.0.113.9:5000"})
		assert.Equal(t, http.StatusOK, res.StatusCode, "from elsewhere")
	})
}

// postSignInForm fetches the sign-in page (for its CSRF cookie and
// token) and posts the form; csrf overrides the token when not "".
func (b *authBundle) postSignInForm(t *testing.T, user, pw, csrf string, extra ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	res, page := b.do(t, req{method: "GET", target: "/dang-nhap"})
	require.Equal(t, http.StatusOK, res.StatusCode)
	pre := cookieNamed(res, preCSRFCookieName)
	require.NotNil(t, pre)
	assert.Contains(t, page, `name="csrf" value="`+pre.Value+`"`)
	if csrf == "" {
		csrf = pre.Value
	}
	form := url.Values{"username": {user}, "password": {pw}, "csrf": {csrf}, "next": {"/ho-so?q=1"}}
	return b.do(t, req{method: "POST", target: "/dang-nhap", body: form.Encode(),
		header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, cookies: append([]*http.Cookie{pre}, extra...)})
}

func TestSignInPage(t *testing.T) {
	b := setupAuth(t, Throttle{}, nil)
	b.addUser(t, "lan", sohoa.RoleClerk)

	res, page := b.do(t, req{method: "GET", target: "/dang-nhap"})
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, page, `<html lang="vi">`)
	assert.Contains(t, page, "<h1>Đăng nhập</h1>")
	assert.Contains(t, page, `<label for="username">Tên đăng nhập</label>`)
	assert.Contains(t, page, `<label for="password">Mật khẩu</label>`)
	assert.NotContains(t, page, "<script")
	assert.NotContains(t, page, "style=")
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'self'")

	res, page = b.do(t, req{method: "GET", target: "/dang-nhap?lang=en"})
	assert.Contains(t, page, "<h1>Sign in</h1>")
	assert.Contains(t, page, `<label for="username">Username</label>`)
	lang := cookieNamed(res, "lang")
	require.NotNil(t, lang)
	_, page = b.do(t, req{method: "GET", target: "/dang-nhap", cookies: []*http.Cookie{lang}})
	assert.Contains(t, page, "<h1>Sign in</h1>", "the choice is remembered")

	res, css := b.do(t, req{method: "GET", target: "/static/sohoa.css"})
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Type"), "text/css")
	assert.Contains(t, css, ".card")

	// The form: a good sign-in redirects to next with the cookie.
	res, _ = b.postSignInForm(t, "lan", testPassword, "")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/ho-so?q=1", res.Header.Get("Location"))
	c := cookieNamed(res, sessionCookieName)
	require.NotNil(t, c)
	code, _, _ := b.me(t, req{cookies: []*http.Cookie{c}})
	assert.Equal(t, http.StatusOK, code)

	// A wrong password shows the form again, in Vietnamese.
	res, page = b.postSignInForm(t, "lan", "sai mật khẩu rồi", "")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, page, "Sai tên đăng nhập hoặc mật khẩu.")
	assert.Contains(t, page, `value="lan"`, "the username is kept")

	// A forged or missing pre-session token: 403, no session.
	res, page = b.postSignInForm(t, "lan", testPassword, "forged")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, page, "Biểu mẫu đăng nhập đã cũ")
	assert.Nil(t, cookieNamed(res, sessionCookieName))

	for next, want := range map[string]string{"/ho-so": "/ho-so", "//evil.example/": "/", "https://evil.example/": "/", "/\\evil": "/", "": "/"} {
		assert.Equal(t, want, safeNext(next, "/"), next)
	}
}

func TestCSRF(t *testing.T) {
	var got string
	b := setupAuth(t, Throttle{}, map[string]http.HandlerFunc{
		"POST /api/v1/test-upload": func(w http.ResponseWriter, r *http.Request) {
			mr, err := r.MultipartReader()
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			var parts []string
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				data, _ := io.ReadAll(p)
				parts = append(parts, p.FormName()+"="+string(data))
			}
			got = strings.Join(parts, ",")
			w.WriteHeader(http.StatusNoContent)
		},
	})
	b.addUser(t, "lan", sohoa.RoleClerk)
	c, csrf := b.signIn(t, "lan")
	cookies := []*http.Cookie{c}
	formHeader := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

	// Sign-out form without the token, with a forged one: 403 page.
	res, page := b.do(t, req{method: "POST", target: "/dang-xuat", cookies: cookies, header: formHeader})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, page, "Yêu cầu thiếu mã chống giả mạo (CSRF)")
	res, page = b.do(t, req{method: "POST", target: "/dang-xuat", cookies: cookies, header: formHeader, body: "csrf=" + strings.Repeat("0", len(csrf))})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, page, "không đúng hoặc đã cũ")
	// The API: JSON.
	res, body := b.do(t, req{method: "DELETE", target: "/api/v1/session", cookies: cookies})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, body, `"code":"forbidden"`)
	assert.Contains(t, body, `"auth.csrf_missing"`)
	res, _ = b.do(t, req{method: "DELETE", target: "/api/v1/session", cookies: cookies, header: http.Header{"X-CSRF-Token": {csrf + "x"}}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	code, _, _ := b.me(t, req{cookies: cookies})
	assert.Equal(t, http.StatusOK, code, "still signed in")

	// A multipart upload with csrf as its first part: accepted, and the
	// handler reads the whole body.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("csrf", csrf))
	fw, _ := mw.CreateFormFile("file", "scan.pdf")
	_, _ = fw.Write(bytes.Repeat([]byte("%PDF"), 10000))
	require.NoError(t, mw.Close())
	mpHeader := http.Header{"Content-Type": {mw.FormDataContentType()}}
	res, body = b.do(t, req{method: "POST", target: "/api/v1/test-upload", cookies: cookies, header: mpHeader, body: buf.String()})
	require.Equal(t, http.StatusNoContent, res.StatusCode, body)
	assert.Equal(t, "csrf="+csrf+",file="+strings.Repeat("%PDF", 10000), got)
	bad := strings.Replace(buf.String(), csrf, strings.Repeat("A", len(csrf)), 1)
	res, _ = b.do(t, req{method: "POST", target: "/api/v1/test-upload", cookies: cookies, header: mpHeader, body: bad})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	// The right token in the form: signed out, redirected, audited.
	res, _ = b.do(t, req{method: "POST", target: "/dang-xuat", cookies: cookies, header: formHeader, body: "csrf=" + csrf})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/dang-nhap", res.Header.Get("Location"))
	assert.Equal(t, -1, cookieNamed(res, sessionCookieName).MaxAge)
	require.Len(t, b.audit(t, "user.sign_out"), 1)
	code, _, _ = b.me(t, req{cookies: cookies})
	assert.Equal(t, http.StatusUnauthorized, code, "the session is gone")
}

func TestBearerToken(t *testing.T) {
	b := setupAuth(t, Throttle{}, nil)
	b.addUser(t, "mayquet", sohoa.RoleScanner)
	tok, plain, err := b.db.CreateAPIToken(t.Context(), "mayquet", "tầng 1", nil)
	require.NoError(t, err)
	bearer := func(v string) http.Header { return http.Header{"Authorization": {v}} }

	code, me, body := b.me(t, req{header: bearer("Bearer " + plain)})
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "mayquet", me.User.Username)
	assert.Equal(t, "token", me.Auth)
	assert.Empty(t, me.CSRF)

	// No CSRF token needed with a bearer token.
	res, body := b.do(t, req{method: "DELETE", target: "/api/v1/session", header: bearer("Bearer " + plain)})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "no session to end, but not a CSRF refusal: %s", body)

	for _, h := range []string{"Bearer sohoa_nope", "bearer   sohoa_nope", "Bearer"} {
		res, body := b.do(t, req{method: "GET", target: "/api/v1/me", header: bearer(h)})
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, h)
		assert.Contains(t, body, `"code":"unauthorized"`, h)
		assert.NotEmpty(t, res.Header.Get("WWW-Authenticate"))
	}

	// Another scheme (Basic from an authenticating proxy) is not ours:
	// the request is anonymous, not refused.
	code, _, _ = b.me(t, req{header: bearer("Basic YTpi")})
	assert.Equal(t, http.StatusUnauthorized, code)
	res, _ = b.do(t, req{method: "GET", target: "/dang-nhap", header: bearer("Basic YTpi")})
	assert.Equal(t, http.StatusOK, res.StatusCode)

	require.NoError(t, b.db.DisableUser(t.Context(), "mayquet", b.clock()))
	code, _, _ = b.me(t, req{header: bearer("Bearer " + plain)})
	assert.Equal(t, http.StatusUnauthorized, code, "disabled")
	require.NoError(t, b.db.EnableUser(t.Context(), "mayquet"))
	code, _, _ = b.me(t, req{header: bearer("Bearer " + plain)})
	assert.Equal(t, http.StatusOK, code, "enabled again")
	require.NoError(t, b.db.RevokeAPIToken(t.Context(), tok.ID))
	code, _, _ = b.me(t, req{header: bearer("Bearer " + plain)})
	assert.Equal(t, http.StatusUnauthorized, code, "revoked")

	exp := b.clock().Add(time.Hour)
	_, plain2, err := b.db.CreateAPIToken(t.Context(), "mayquet", "tạm", &exp)
	require.NoError(t, err)
	code, _, _ = b.me(t, req{header: bearer("Bearer " + plain2)})
	assert.Equal(t, http.StatusOK, code)
	b.advance(time.Hour)
	code, _, _ = b.me(t, req{header: bearer("Bearer " + plain2)})
	assert.Equal(t, http.StatusUnauthorized, code, "expired")
}

func TestSessionRotationAndExpiry(t *testing.T) {
	b := setupAuth(t, Throttle{}, nil)
	b.addUser(t, "lan", sohoa.RoleClerk)

	// A new sign-in with the old cookie: a new session, the old one gone.
	c1, _ := b.signIn(t, "lan")
	c2, _ := b.signIn(t, "lan", c1)
	assert.NotEqual(t, c1.Value, c2.Value)
	res, body := b.do(t, req{method: "GET", target: "/api/v1/me", cookies: []*http.Cookie{c1}})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, body, "sign in again")
	assert.Equal(t, -1, cookieNamed(res, sessionCookieName).MaxAge, "a dead cookie is cleared")
	code, _, _ := b.me(t, req{cookies: []*http.Cookie{c2}})
	assert.Equal(t, http.StatusOK, code)

	// Idle: unused for 30 minutes, the session ends.
	b.advance(29 * time.Minute)
	code, _, _ = b.me(t, req{cookies: []*http.Cookie{c2}})
	assert.Equal(t, http.StatusOK, code, "used within the idle timeout")
	b.advance(30 * time.Minute)
	code, _, body = b.me(t, req{cookies: []*http.Cookie{c2}})
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Contains(t, body, "without activity")

	// Absolute: however active, it ends 12 hours after sign-in.
	c3, _ := b.signIn(t, "lan")
	for range 12 * 2 {
		b.advance(29 * time.Minute)
		b.me(t, req{cookies: []*http.Cookie{c3}})
	}
	b.advance(25 * time.Minute)
	code, _, body = b.me(t, req{cookies: []*http.Cookie{c3}})
	assert.Equal(t, http.StatusUnauthorized, code, "past the lifetime")
	assert.Contains(t, body, "expired")

	// The sweep removes ended sessions.
	c4, _ := b.signIn(t, "lan")
	n, _, err := SweepSessions(t.Context(), Config{Catalog: b.db, Now: b.clock})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, int64(1))
	code, _, _ = b.me(t, req{cookies: []*http.Cookie{c4}})
	assert.Equal(t, http.StatusOK, code, "a live session survives the sweep")
}

// Behind a trusted proxy that says https, the cookie is Secure and the
// throttle counts the forwarded client, not the proxy.
func TestSignInBehindProxy(t *testing.T) {
	b := setupAuth(t, Throttle{PerAddr: 1, PerUser: 100}, nil, func(c *Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	b.addUser(t, "lan", sohoa.RoleClerk)
	via := func(client, proto string) http.Header {
		h := jsonHeader()
		h.Set("X-Forwarded-For", client)
		h.Set("X-Forwarded-Proto", proto)
		return h
	}
	res, _ := b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", "sai mật khẩu rồi"), header: via("203.0.113.7", "https"), remote: "10.0.0.2:4000"})
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	res, _ = b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", testPassword), header: via("203.0.113.7", "https"), remote: "10.0.0.2:4000"})
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "the same client")
	res, body := b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", testPassword), header: via("203.0.113.8", "https"), remote: "10.0.0.2:4000"})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.True(t, cookieNamed(res, sessionCookieName).Secure)
	// Untrusted peers cannot claim https (or another address).
	res, _ = b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", testPassword), header: via("203.0.113.9", "https"), remote: "198.51.100.4:4000"})
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.False(t, cookieNamed(res, sessionCookieName).Secure)
}
