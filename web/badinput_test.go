package web

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// Bad input, issue 10: each refusal is a clear 4xx — a Vietnamese page
// for a browser, the uniform JSON error body for the API — nothing is
// stored, and no secret reaches the log. Slow clients, huge request lines
// and headers over real TCP: cmd/sohoa's TestServeSlowAndHugeClients.

// formPart is one part of a multipart body: a field, or a file when
// file is set.
type formPart struct {
	name, value string
	file        string
	content     []byte
}

func formBody(t *testing.T, parts ...formPart) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.file != "" {
			fw, err := mw.CreateFormFile(p.name, p.file)
			require.NoError(t, err)
			_, err = fw.Write(p.content)
			require.NoError(t, err)
			continue
		}
		require.NoError(t, mw.WriteField(p.name, p.value))
	}
	require.NoError(t, mw.Close())
	return buf.Bytes(), mw.FormDataContentType()
}

// send is one request as the browser u (its session cookie; no bearer
// token), through the whole handler.
func (u *uiSession) send(t *testing.T, method, target, contentType string, body []byte, header http.Header) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		r.Header[k] = vs
	}
	r.AddCookie(&http.Cookie{Name: u.cookie.Name, Value: u.cookie.Value})
	w := httptest.NewRecorder()
	u.b.h.ServeHTTP(w, r)
	res := w.Result()
	out, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(out)
}

// nothingStored: no document row and no blob, not even a temporary file.
func (b *apiBundle) nothingStored(t *testing.T, blobRoot string) {
	t.Helper()
	docs, err := b.db.FindDocuments(t.Context(), sohoa.DocumentFilter{Scope: sohoa.AllUnits})
	require.NoError(t, err)
	assert.Empty(t, docs, "no document in the catalog")
	assert.Zero(t, b.countBlobs(t), "no blob")
	tmp, err := os.ReadDir(filepath.Join(blobRoot, "tmp"))
	if err == nil {
		assert.Empty(t, tmp, "no upload left half-written")
	}
}

func TestBadInputUploads(t *testing.T) {
	b := setupAPI(t, apiOpts{maxUpload: 20 << 10})
	blobRoot := b.blobs.Root()
	d := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	small := sampleBytes(t, "scan-low-resolution.pdf") // 3 KB
	big := sampleBytes(t, "signed-valid-blt.pdf")      // 41 KB
	u := b.browser(t, b.clerkA)
	formPath := "/ho-so/" + d.Code + "/tai-len"
	apiPath := "/api/v1/dossiers/" + d.Code + "/documents"
	file := formPart{name: "file", file: "don.pdf", content: small}
	comp := formPart{name: "component", value: compForm}

	t.Run("CSRF on the upload form", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			parts []formPart
			want  string
		}{
			{"missing", []formPart{comp, file}, "thiếu mã chống giả mạo"},
			{"forged", []formPart{{name: "csrf", value: strings.Repeat("A", len(u.csrf))}, comp, file}, "không đúng hoặc đã cũ"},
			{"not the first part", []formPart{comp, file, {name: "csrf", value: u.csrf}}, "thiếu mã chống giả mạo"},
		} {
			body, ct := formBody(t, tc.parts...)
			res, page := u.send(t, http.MethodPost, formPath, ct, body, nil)
			assert.Equal(t, http.StatusForbidden, res.StatusCode, tc.name)
			assert.Contains(t, res.Header.Get("Content-Type"), "text/html", tc.name)
			assert.Contains(t, page, tc.want, tc.name)
		}
		b.nothingStored(t, blobRoot)
	})

	t.Run("CSRF on the API with a session cookie", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			header http.Header
			want   string
		}{
			{"missing", nil, `"auth.csrf_missing"`},
			{"forged", http.Header{"X-Csrf-Token": {u.csrf + "x"}}, `"auth.csrf_invalid"`},
			{"another session's", http.Header{"X-Csrf-Token": {b.browser(t, b.clerkB).csrf}}, `"auth.csrf_invalid"`},
		} {
			res, body := u.send(t, http.MethodPost, apiPath+"?component=x&filename=a.pdf", "application/pdf", small, tc.header)
			assert.Equal(t, http.StatusForbidden, res.StatusCode, tc.name)
			assert.Contains(t, body, `"code":"forbidden"`, tc.name)
			assert.Contains(t, body, tc.want, tc.name)
			res, body = u.send(t, http.MethodPost, "/api/v1/dossiers", "application/json", []byte(`{"unit":"A","procedure":"P1"}`), tc.header)
			assert.Equal(t, http.StatusForbidden, res.StatusCode, tc.name)
			assert.Contains(t, body, tc.want, tc.name)
		}
		b.nothingStored(t, blobRoot)
		page, err := b.db.FindDossiers(t.Context(), sohoa.DossierFilter{Scope: sohoa.AllUnits, Limit: 10})
		require.NoError(t, err)
		assert.Len(t, page.Dossiers, 1, "no dossier created")
	})

	t.Run("oversized", func(t *testing.T) {
		body, ct := formBody(t, formPart{name: "csrf", value: u.csrf}, comp, formPart{name: "file", file: "lon.pdf", content: big})
		res, page := u.send(t, http.MethodPost, formPath, ct, body, nil)
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		assert.Contains(t, page, "Tệp quá lớn: mỗi tệp tối đa 20 KiB. Không có gì được lưu.")
		res, raw := b.call(t, b.clerkA, apiReq{method: http.MethodPost, target: apiPath + "?component=x&filename=a.pdf", body: big, contentType: "application/pdf"})
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		assert.Contains(t, string(raw), `"code":"invalid"`)
		assert.Contains(t, string(raw), `"reason":{"code":"http.too_large","params":{"limit":"20 KiB"}}`)
		b.nothingStored(t, blobRoot)
	})

	t.Run("not a PDF, named .pdf", func(t *testing.T) {
		for _, content := range [][]byte{[]byte("MZ\x90\x00 an executable"), []byte("<html><script>alert(1)</script></html>"), {}} {
			body, ct := formBody(t, formPart{name: "csrf", value: u.csrf}, comp, formPart{name: "file", file: "giay-to.pdf", content: content})
			res, page := u.send(t, http.MethodPost, formPath, ct, body, nil)
			assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)
			assert.Contains(t, page, "chỉ nhận tệp PDF")
			assert.NotContains(t, page, "<script>alert")
			res, raw := uploadMultipart(t, b, b.clerkA, d.Code, [][2]string{{"component", compForm}}, "giay-to.pdf", content)
			assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode)
			assert.Contains(t, string(raw), `"code":"invalid"`)
		}
		// English on the switch.
		body, ct := formBody(t, formPart{name: "csrf", value: u.csrf}, comp, formPart{name: "file", file: "x.pdf", content: []byte("text")})
		_, page := u.send(t, http.MethodPost, formPath+"?lang=en", ct, body, nil)
		assert.Contains(t, page, "only PDF files are")
		b.nothingStored(t, blobRoot)
	})

	t.Run("path traversal names", func(t *testing.T) {
		names := []string{"../../etc/passwd.pdf", "/etc/passwd.pdf", `C:\Windows\System32\evil.pdf`, `..\..\..\boot.pdf`,
			"a\x00b.pdf", "..", "../", "./../.pdf", "con\r\nSet-Cookie: x=1.pdf", strings.Repeat("../", 200) + "deep.pdf"}
		var ids []int64
		for i, name := range names {
			pdf := append(append([]byte{}, small...), []byte(fmt.Sprintf("\n%% %d\n", i))...) // distinct bytes each
			var res *http.Response
			var raw []byte
			if i%2 == 0 {
				res, raw = uploadMultipart(t, b, b.clerkA, d.Code, [][2]string{{"component", compForm}, {"filename", name}}, "x.pdf", pdf)
			} else {
				res, raw = b.call(t, b.clerkA, apiReq{method: http.MethodPost, target: apiPath + "?" + url.Values{"component": {compForm}, "filename": {name}}.Encode(),
					body: pdf, contentType: "application/pdf", malformed: true})
			}
			require.Equal(t, http.StatusAccepted, res.StatusCode, "%q: %s", name, raw)
			up := decodeUpload(t, raw)
			ids = append(ids, up.Document.ID)
			got := up.Document.FileName
			assert.NotContains(t, got, "/", "%q", name)
			assert.NotContains(t, got, `\`, "%q", name)
			assert.NotContains(t, got, "\x00", "%q", name)
			assert.NotContains(t, got, "\n", "%q", name)
			assert.NotEqual(t, "..", got, "%q", name)
			assert.NotEmpty(t, got, "%q", name)
		}
		// The browser form too, with the name in the part's header.
		body, ct := formBody(t, formPart{name: "csrf", value: u.csrf}, comp, formPart{name: "file", file: "../../../tmp/x.pdf", content: append(append([]byte{}, small...), "\n% form\n"...)})
		res, _ := u.send(t, http.MethodPost, formPath, ct, body, nil)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)

		// Every file written is the catalog's or a blob named by its hash
		// under the blob store: no user name reached a path.
		root := filepath.Dir(filepath.Dir(blobRoot))
		require.NoError(t, filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			require.NoError(t, err)
			if fi.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			base := filepath.Base(p)
			ok := strings.HasPrefix(base, "sohoa.db") || (strings.HasPrefix(p, blobRoot+string(filepath.Separator)) && isHex64(base))
			assert.True(t, ok, "unexpected file %s", rel)
			return nil
		}))
		for _, p := range []string{"/etc/passwd.pdf", "/tmp/x.pdf", "/deep.pdf", "/boot.pdf"} {
			_, err := os.Stat(p)
			assert.True(t, os.IsNotExist(err), p)
		}
		// Downloads offer the cleaned name, never a header injection.
		for _, id := range ids {
			res, _ := b.get(t, b.clerkA, fmt.Sprintf("/api/v1/documents/%d/content", id))
			require.Equal(t, http.StatusOK, res.StatusCode)
			cd := res.Header.Get("Content-Disposition")
			assert.True(t, strings.HasPrefix(cd, "attachment; "), cd)
			assert.NotContains(t, cd, "/")
			assert.Empty(t, res.Header.Values("Set-Cookie"))
		}
	})

	t.Run("no secret in the log", func(t *testing.T) {
		logs := b.logs.String()
		require.Contains(t, logs, "CSRF check failed")
		assert.NotContains(t, logs, testPassword)
		assert.NotContains(t, logs, u.cookie.Value)
		assert.NotContains(t, logs, u.csrf)
		for p, tok := range b.tokens {
			assert.NotContains(t, logs, tok, p.User.Username)
		}
	})
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Every JSON endpoint refuses invalid JSON and unknown fields with 400 and
// the domain error code, and changes nothing.
func TestBadInputJSON(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	require.NoError(t, b.db.SetPassword(t.Context(), "clerkA", testPassword))
	targets := []struct{ method, path string }{
		{http.MethodPost, "/api/v1/dossiers"},
		{http.MethodPost, "/api/v1/users"},
		{http.MethodPatch, "/api/v1/users/clerkA"},
		{http.MethodPost, "/api/v1/users/clerkA/password"},
		{http.MethodPost, "/api/v1/users/clerkA/tokens"},
		{http.MethodPost, "/api/v1/session"},
	}
	bodies := map[string]string{
		"truncated":     `{"unit":"A",`,
		"unknown field": `{"colour":"red"}`,
		"not an object": `["a"]`,
		"two values":    `{} {}`,
		"wrong type":    `{"unit":1,"username":2,"password":3,"disabled":"yes","name":4}`,
		"empty":         ``,
		"not JSON":      `unit=A`,
		"NUL":           "{\"unit\":\"A\x00\"}",
	}
	before := len(b.audit(t))
	for _, tg := range targets {
		for name, body := range bodies {
			res, raw := b.call(t, b.admin, apiReq{method: tg.method, target: tg.path, body: []byte(body), contentType: "application/json", malformed: true})
			assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%s %s, %s: %s", tg.method, tg.path, name, raw)
			assert.Equal(t, sohoa.EINVALID, errorCode(t, raw), "%s %s, %s", tg.method, tg.path, name)
		}
		// Larger than any JSON body may be.
		huge := `{"unit":"` + strings.Repeat("a", 2<<20) + `"}`
		res, raw := b.call(t, b.admin, apiReq{method: tg.method, target: tg.path, body: []byte(huge), contentType: "application/json", malformed: true})
		assert.Contains(t, []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge}, res.StatusCode, "%s %s: %s", tg.method, tg.path, raw)
		assert.Equal(t, sohoa.EINVALID, errorCode(t, raw))
	}
	res, raw := b.call(t, b.admin, apiReq{method: http.MethodPost, target: "/api/v1/users", body: []byte(`{"username":"x"}`), contentType: "text/plain", malformed: true})
	assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode, "%s", raw)

	// Nothing changed: no dossier, user or token, no audit row.
	page, err := b.db.FindDossiers(t.Context(), sohoa.DossierFilter{Scope: sohoa.AllUnits, Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, page.Dossiers)
	users, err := b.db.FindUsers(t.Context())
	require.NoError(t, err)
	assert.Len(t, users, len(b.tokens), "the principals only")
	assert.Len(t, b.audit(t), before)
	_, err = b.db.CheckUserPassword(t.Context(), "clerkA", testPassword)
	assert.NoError(t, err, "the password is unchanged")
}

// A search far longer than any real one, within the URL limit, is a
// plain 400 or an empty result, never a 500.
func TestBadInputHugeQuery(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	u := b.browser(t, b.clerkA)
	for _, q := range []string{strings.Repeat("a", 7000), strings.Repeat("%00", 2000), strings.Repeat("x=1&", 1500)} {
		res, raw := b.call(t, b.clerkA, apiReq{method: http.MethodGet, target: "/api/v1/dossiers?q=" + q, malformed: true})
		assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest}, res.StatusCode, "%.40s: %.200s", q, raw)
		res, page := u.page(t, "/ho-so?q="+q)
		assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest}, res.StatusCode, "%.40s: %.200s", q, page)
	}
	// Past the URL limit: 414, with the API's body or the page.
	long := strings.Repeat("a", DefaultMaxURLBytes)
	r := httptest.NewRequest(http.MethodGet, "/api/v1/dossiers?q="+long, nil)
	r.Header.Set("Authorization", "Bearer "+b.tokens[b.clerkA])
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusRequestURITooLong, w.Code)
	assert.Equal(t, sohoa.EINVALID, errorCode(t, w.Body.Bytes()))
	res, page := u.page(t, "/ho-so?lang=en&q="+long)
	assert.Equal(t, http.StatusRequestURITooLong, res.StatusCode)
	assert.Contains(t, page, "The address (URL) is too long")
	assert.NotContains(t, b.logs.String(), long[:300], "the log line is bounded")
}

// An ended session, idle or past its lifetime: a page sends the browser to
// sign in, saying why; a form post gets the sign-in page itself with 401
// and its body is not read.
func TestBadInputEndedSession(t *testing.T) {
	b := setupAuth(t, Throttle{}, nil)
	b.addUser(t, "lan", sohoa.RoleClerk)

	c, _ := b.signIn(t, "lan")
	b.advance(DefaultSessionIdle + time.Second)
	res, _ := b.do(t, req{method: "GET", target: "/ho-so?q=1", cookies: []*http.Cookie{c}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	loc := res.Header.Get("Location")
	assert.Equal(t, "/dang-nhap?next=%2Fho-so%3Fq%3D1&het-han=1", loc)
	assert.Equal(t, -1, cookieNamed(res, sessionCookieName).MaxAge, "the dead cookie is cleared")
	res, page := b.do(t, req{method: "GET", target: loc})
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, page, "Phiên làm việc đã hết hạn")
	assert.Contains(t, page, `value="/ho-so?q=1"`, "back to the page after signing in")

	// Past the lifetime however active, with an upload form in flight.
	c, csrf := b.signIn(t, "lan")
	for range 24 {
		b.advance(29 * time.Minute)
		code, _, _ := b.me(t, req{cookies: []*http.Cookie{c}})
		require.Equal(t, http.StatusOK, code)
	}
	b.advance(25 * time.Minute)
	body, ct := formBody(t, formPart{name: "csrf", value: csrf}, formPart{name: "file", file: "a.pdf", content: []byte("%PDF-1.7\n")})
	res, page = b.do(t, req{method: "POST", target: "/ho-so/A-260302-0001/tai-len", body: string(body), header: http.Header{"Content-Type": {ct}}, cookies: []*http.Cookie{c}})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, page, "Phiên làm việc đã hết hạn")
	assert.Contains(t, page, `<form`, "the sign-in form, right there")
	// The API says it with its body.
	res, raw := b.do(t, req{method: "POST", target: "/api/v1/dossiers", body: `{}`, header: http.Header{"Content-Type": {"application/json"}, "X-Csrf-Token": {csrf}}, cookies: []*http.Cookie{c}})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, raw, `"code":"unauthorized"`)

	logs := b.logs.String()
	assert.NotContains(t, logs, c.Value)
	assert.NotContains(t, logs, csrf)
	assert.NotContains(t, logs, testPassword)
}

// The throttle by address through the sign-in form, in Vietnamese; the
// passwords tried are logged nowhere.
func TestBadInputThrottleForm(t *testing.T) {
	b := setupAuth(t, Throttle{PerUser: 100, PerAddr: 3}, nil)
	b.addUser(t, "lan", sohoa.RoleClerk)
	var tried []string
	for i, u := range []string{"a1", "a2", "lan"} {
		pw := fmt.Sprintf("đoán mò số %d", i)
		tried = append(tried, pw)
		res, page := b.postSignInForm(t, u, pw, "")
		require.Equal(t, http.StatusUnauthorized, res.StatusCode)
		assert.Contains(t, page, "Sai tên đăng nhập hoặc mật khẩu.")
	}
	res, page := b.postSignInForm(t, "lan", testPassword, "")
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.Contains(t, page, "Đăng nhập sai quá nhiều lần. Vì an toàn, hãy thử lại sau 15 phút.")
	assert.Nil(t, cookieNamed(res, sessionCookieName))
	res, _ = b.do(t, req{method: "POST", target: "/api/v1/session", body: credentials("lan", testPassword), header: jsonHeader(), remote: "203.0.113.50:1"})
	assert.Equal(t, http.StatusOK, res.StatusCode, "another address is not throttled")
	for _, pw := range append(tried, testPassword) {
		assert.NotContains(t, b.logs.String(), pw)
	}
}

// deadlineWriter records the read deadlines an upload sets.
type deadlineWriter struct {
	http.ResponseWriter
	deadlines []time.Time
}

func (w *deadlineWriter) SetReadDeadline(t time.Time) error {
	w.deadlines = append(w.deadlines, t)
	return nil
}

// The upload pace: the read deadline moves forward only once a window's
// worth of bytes (MinUploadRate × UploadIdle) has arrived, so a body that
// trickles runs into it however steadily it trickles.
func TestUploadPace(t *testing.T) {
	s := newServer(Config{Limits: Limits{UploadIdle: 10 * time.Second, MinUploadRate: 100}}) // 1000 bytes per window
	w := &deadlineWriter{ResponseWriter: httptest.NewRecorder()}
	r := httptest.NewRequest(http.MethodPost, "/", io.LimitReader(zeros{}, 5000))
	s.keepReading(w, r)
	require.Len(t, w.deadlines, 1, "the first deadline, at once")
	buf := make([]byte, 100)
	for range 9 {
		_, err := r.Body.Read(buf)
		require.NoError(t, err)
	}
	assert.Len(t, w.deadlines, 1, "900 bytes: not yet a window's worth")
	_, err := r.Body.Read(buf)
	require.NoError(t, err)
	assert.Len(t, w.deadlines, 2, "1000 bytes: the deadline moves")
	assert.True(t, w.deadlines[1].After(w.deadlines[0]))

	// No minimum rate: any byte moves it.
	s = newServer(Config{Limits: Limits{UploadIdle: 10 * time.Second, MinUploadRate: -1}})
	w = &deadlineWriter{ResponseWriter: httptest.NewRecorder()}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("abc"))
	s.keepReading(w, r)
	_, err = r.Body.Read(buf[:1])
	require.NoError(t, err)
	assert.Len(t, w.deadlines, 2)
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
