package web

import (
	"bytes"
	stdcontext "context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// uiSession is a browser signed in as one of an apiBundle's principals.
type uiSession struct {
	b      *apiBundle
	cookie *http.Cookie
	csrf   string
}

func (b *apiBundle) browser(t *testing.T, p *Principal) *uiSession {
	t.Helper()
	require.NoError(t, b.db.SetPassword(t.Context(), p.User.Username, testPassword))
	r := httptest.NewRequest(http.MethodPost, "/api/v1/session", strings.NewReader(credentials(p.User.Username, testPassword)))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var sr sessionResponse
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &sr))
	c := cookieNamed(w.Result(), sessionCookieName)
	require.NotNil(t, c)
	return &uiSession{b: b, cookie: c, csrf: sr.CSRF}
}

// page GETs target as the browser and checks what every page must be:
// the CSP header, and no inline script or style.
func (u *uiSession) page(t *testing.T, target string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Accept", "text/html")
	if u.cookie != nil {
		r.AddCookie(&http.Cookie{Name: u.cookie.Name, Value: u.cookie.Value})
	}
	w := httptest.NewRecorder()
	u.b.h.ServeHTTP(w, r)
	res := w.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'self'", target)
	assertNoInline(t, string(body))
	return res, string(body)
}

var (
	scriptTag = regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`)
	styleAttr = regexp.MustCompile(`(?i)\sstyle\s*=|<style|\son[a-z]+\s*=`)
)

// assertNoInline: scripts only by src with empty bodies, no style
// attributes or elements, no event handler attributes.
func assertNoInline(t *testing.T, html string) {
	t.Helper()
	for _, m := range scriptTag.FindAllStringSubmatch(html, -1) {
		assert.Contains(t, m[1], "src=", "script without src")
		assert.Empty(t, strings.TrimSpace(m[2]), "inline script body")
	}
	assert.False(t, styleAttr.MatchString(html), "inline style or handler: %s", styleAttr.FindString(html))
}

func TestUIRootRedirects(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	anon := &uiSession{b: b}
	res, _ := anon.page(t, "/")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/dang-nhap", res.Header.Get("Location"))
	res, _ = anon.page(t, "/ho-so")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.True(t, strings.HasPrefix(res.Header.Get("Location"), "/dang-nhap?next="))
	res, body := b.browser(t, b.clerkA).page(t, "/")
	assert.Equal(t, http.StatusOK, res.StatusCode, "a signed-in browser gets its home page")
	assert.Contains(t, body, "Hồ sơ tiếp nhận hôm nay")
	// Without Accept: text/html, the plain-text list stays.
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "/healthz")
}

func TestUIDossierSearchAndPage(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	dA := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	dB := createDossier(t, b, b.clerkB, `{"unit":"B","procedure":"P1"}`)
	clerk := b.browser(t, b.clerkA)

	res, body := clerk.page(t, "/ho-so")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, body, `<html lang="vi">`)
	assert.Contains(t, body, "sohoa — số hóa hồ sơ")
	assert.Contains(t, body, "Mã hồ sơ")
	assert.Contains(t, body, "Chưa đủ")
	assert.Contains(t, body, "Một cửa A (A)")
	assert.NotContains(t, body, "Một cửa B", "another unit is not offered as a filter")
	assert.Contains(t, body, dA.Code)
	assert.NotContains(t, body, dB.Code, "another unit's dossier")
	assert.Contains(t, body, `action="/dang-xuat"`)
	assert.Contains(t, body, clerk.csrf)

	_, body = clerk.page(t, "/ho-so?period=2026-Q1&q=zzz")
	assert.NotContains(t, body, dA.Code)
	_, body = clerk.page(t, "/ho-so?state=digitized")
	assert.NotContains(t, body, dA.Code)
	_, body = clerk.page(t, "/ho-so?state=incomplete")
	assert.Contains(t, body, dA.Code)
	_, body = clerk.page(t, "/ho-so?period=bogus")
	assert.Contains(t, body, `class="error"`)

	res, body = clerk.page(t, "/ho-so/"+dA.Code)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Còn thiếu")
	assert.Contains(t, body, "chưa có tệp")
	assert.Contains(t, body, "Cấp giấy phép (P1)")
	assert.Contains(t, body, "Thành phần hồ sơ: "+compForm)
	assert.Contains(t, body, "Kết quả giải quyết TTHC")
	assert.Contains(t, body, `id="upload"`)
	assert.Contains(t, body, `src="/static/upload.js"`)
	assert.NotContains(t, body, "no file", "no English to a Vietnamese reader")

	res, body = clerk.page(t, "/ho-so/"+dA.Code+"?lang=en")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `<html lang="en">`)
	assert.Contains(t, body, "Missing")
	assert.NotContains(t, body, "chưa có tệp")
	assert.Contains(t, body, "Tiếng Việt")

	res, body = clerk.page(t, "/ho-so/"+dB.Code)
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "out of scope")
	assert.Contains(t, body, `href="/ho-so"`)
	assert.NotContains(t, body, dB.Code)
	res, _ = clerk.page(t, "/ho-so/NOPE-1")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	auditor := b.browser(t, b.auditorA)
	res, body = auditor.page(t, "/ho-so/"+dA.Code)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, body, `id="upload"`, "an auditor does not upload")
	assert.Contains(t, body, "Kiểm tra viên")
}

func TestUIUploadFormAndReport(t *testing.T) {
	b := setupAPI(t, apiOpts{start: true})
	d := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	clerk := b.browser(t, b.clerkA)

	// The form without JavaScript: csrf first, then the fields and file.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range [][2]string{{"csrf", clerk.csrf}, {"role", "component"}, {"component", compForm}} {
		require.NoError(t, mw.WriteField(f[0], f[1]))
	}
	for _, f := range [][2]string{{"hỏng.pdf", "tampered-digest.pdf"}, {"mờ.pdf", "scan-low-resolution.pdf"}} {
		fw, err := mw.CreateFormFile("file", f[0])
		require.NoError(t, err)
		_, err = fw.Write(sampleBytes(t, f[1]))
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	raw, ct := buf.Bytes(), mw.FormDataContentType()
	r := httptest.NewRequest(http.MethodPost, "/ho-so/"+d.Code+"/tai-len", bytes.NewReader(raw))
	r.Header.Set("Content-Type", ct)
	r.AddCookie(&http.Cookie{Name: clerk.cookie.Name, Value: clerk.cookie.Value})
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
	assert.Equal(t, "/ho-so/"+d.Code, w.Header().Get("Location"))

	docs, err := b.db.FindDocuments(t.Context(), sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: d.Code})
	require.NoError(t, err)
	require.Len(t, docs, 2, "both files of the form")
	ctx, cancel := stdcontext.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	require.NoError(t, b.p.WaitDocuments(ctx, []int64{docs[0].ID, docs[1].ID}))

	res, body := clerk.page(t, "/ho-so/"+d.Code)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "hỏng.pdf")
	assert.Contains(t, body, "Không hợp lệ")
	assert.Contains(t, body, "/tai-lieu/")
	assert.Contains(t, body, "mờ.pdf")
	assert.Regexp(t, "Chất lượng quét: (Cảnh báo|Không đạt)", body)
	assert.Contains(t, body, "Không có chữ ký")
	assert.Contains(t, body, `class="findings"`)
	assert.Contains(t, body, "100 dpi", "the finding in Vietnamese")
	assert.NotContains(t, body, "Tệp PDF đọc được", "passed checks are not listed")

	id := strconv.FormatInt(docs[0].ID, 10)
	res, body = clerk.page(t, "/tai-lieu/"+id+"/bao-cao")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Kết luận")
	assert.Contains(t, body, "Không hợp lệ")
	assert.Contains(t, body, "Người ký")
	assert.Contains(t, body, "(GMT")
	assert.Contains(t, body, "Nội dung đã ký bị thay đổi", "the sub-indication from the catalogue")
	assert.NotContains(t, body, "the signed content was changed", "no English to a Vietnamese reader")

	// A second run: the first becomes history.
	latest, err := b.db.LatestVerification(t.Context(), docs[0].ID)
	require.NoError(t, err)
	again := *latest
	again.ID, again.CreatedAt = 0, latest.CreatedAt.Add(time.Hour)
	require.NoError(t, b.db.CreateVerification(t.Context(), &again))
	_, body = clerk.page(t, "/tai-lieu/"+id+"/bao-cao")
	assert.Contains(t, body, "Các lần kiểm tra trước")

	res, body = clerk.page(t, "/tai-lieu/"+id+"/bao-cao?lang=en")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Verdict")
	assert.Contains(t, body, "Invalid")

	res, _ = b.browser(t, b.clerkB).page(t, "/tai-lieu/"+id+"/bao-cao")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "out of scope")
}

func TestUIDossierPagesAndStatic(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	old := dossierPageSize
	dossierPageSize = 2
	t.Cleanup(func() { dossierPageSize = old })
	var codes []string
	for range 3 {
		codes = append(codes, createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`).Code)
	}
	clerk := b.browser(t, b.clerkA)
	_, body := clerk.page(t, "/ho-so?unit=A")
	assert.Contains(t, body, codes[2])
	assert.Contains(t, body, codes[1])
	assert.NotContains(t, body, codes[0])
	m := regexp.MustCompile(`href="(/ho-so\?[^"]*cursor=[^"]*)" rel="next"`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	_, body = clerk.page(t, strings.ReplaceAll(m[1], "&amp;", "&"))
	assert.Contains(t, body, codes[0])
	assert.NotContains(t, body, codes[1])
	assert.NotContains(t, body, `rel="next"`)

	// The English choice is remembered.
	res, _ := clerk.page(t, "/ho-so?lang=en")
	c := cookieNamed(res, langCookieName)
	require.NotNil(t, c)
	assert.Equal(t, "en", c.Value)

	res, js := clerk.page(t, "/static/upload.js")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, res.Header.Get("Content-Type"), "javascript")
	assert.Contains(t, js, "XMLHttpRequest")
}
