package web

import (
	"bytes"
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

// postBody sends a request body as the browser (with its session cookie).
func (u *uiSession) postBody(t *testing.T, target string, body []byte, contentType string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("Accept", "text/html")
	if u.cookie != nil {
		r.AddCookie(&http.Cookie{Name: u.cookie.Name, Value: u.cookie.Value})
	}
	w := httptest.NewRecorder()
	u.b.h.ServeHTTP(w, r)
	res := w.Result()
	assertNoInline(t, w.Body.String())
	return res, w.Body.String()
}

// navLinks are the main menu's links and the one marked current.
func navLinks(t *testing.T, body string) (links []string, current string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<nav aria-label="[^"]*" class="menu">(.*?)</nav>`).FindStringSubmatch(body)
	require.NotNil(t, m, "the main menu")
	for _, a := range regexp.MustCompile(`<a href="([^"]*)"( aria-current="page")?>`).FindAllStringSubmatch(m[1], -1) {
		links = append(links, a[1])
		if a[2] != "" {
			current = a[1]
		}
	}
	return links, current
}

func TestUINavigationByRole(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	for _, tc := range []struct {
		who  *Principal
		want []string
	}{
		{b.clerkA, []string{"/ho-so", "/tien-do", "/kiem-tra-chu-ky"}},
		{b.scannerA, []string{"/ho-so", "/tien-do", "/kiem-tra-chu-ky"}},
		{b.auditorA, []string{"/ho-so", "/tien-do", "/kiem-tra-chu-ky", "/nhat-ky"}},
		{b.admin, []string{"/ho-so", "/tien-do", "/kiem-tra-chu-ky", "/nhat-ky", "/quan-tri"}},
	} {
		u := b.browser(t, tc.who)
		res, body := u.page(t, "/ho-so")
		require.Equal(t, http.StatusOK, res.StatusCode)
		links, cur := navLinks(t, body)
		assert.Equal(t, tc.want, links, tc.who.User.Username)
		assert.Equal(t, "/ho-so", cur)
		assert.Contains(t, body, ">Hồ sơ</a>")
		assert.Contains(t, body, ">Kiểm tra chữ ký</a>")

		_, body = u.page(t, "/kiem-tra-chu-ky")
		_, cur = navLinks(t, body)
		assert.Equal(t, "/kiem-tra-chu-ky", cur)
		for _, p := range []string{"/tien-do", "/tien-do/A", "/tien-do/bao-cao"} {
			res, body = u.page(t, p)
			require.Equal(t, http.StatusOK, res.StatusCode, p)
			_, cur = navLinks(t, body)
			assert.Equal(t, "/tien-do", cur, p)
		}
		_, body = u.page(t, "/")
		_, cur = navLinks(t, body)
		assert.Empty(t, cur, "home is the brand link")
		assert.Contains(t, body, `class="brand" href="/" aria-current="page"`)
	}
	admin := b.browser(t, b.admin)
	_, body := admin.page(t, "/nhat-ky")
	_, cur := navLinks(t, body)
	assert.Equal(t, "/nhat-ky", cur)
	assert.Contains(t, body, ">Nhật ký</a>")
	assert.Contains(t, body, ">Quản trị</a>")
	_, body = admin.page(t, "/ho-so?lang=en")
	for _, s := range []string{">Dossiers</a>", ">Progress</a>", ">Check signatures</a>", ">Audit log</a>", ">Administration</a>"} {
		assert.Contains(t, body, s)
	}
}

func TestUIHomeClerk(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	ctx := t.Context()
	today, _ := vnDay(time.Now())
	mk := func(code, unit string, at time.Time) {
		require.NoError(t, b.db.CreateDossier(ctx, &sohoa.Dossier{Code: code, UnitCode: unit, ProcedureCode: "P1", ReceivedAt: at}))
	}
	// Vietnam's midnight is 17:00 UTC the day before: the day is Vietnam's.
	mk("A-TODAY-FIRST", "A", today)
	mk("A1-TODAY", "A1", today.Add(time.Second))
	mk("A-YESTERDAY", "A", today.Add(-time.Second))
	mk("B-TODAY", "B", today)
	doc := &sohoa.Document{DossierCode: "A-TODAY-FIRST", BlobKey: strings.Repeat("ab", 32), Size: 3, FileName: "đơn.pdf",
		MediaType: "application/pdf", Role: sohoa.RoleComponent, ComponentName: compForm, Source: sohoa.SourceWeb, UploadedBy: "user:clerkA"}
	require.NoError(t, b.db.CreateDocument(ctx, doc))

	clerk := b.browser(t, b.clerkA)
	res, body := clerk.page(t, "/")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "<title>Trang chủ — sohoa</title>")
	assert.Contains(t, body, "Hồ sơ tiếp nhận hôm nay ("+today.Format("02/01/2006")+")")
	assert.Contains(t, body, `href="/ho-so/A-TODAY-FIRST"`)
	assert.Contains(t, body, `href="/ho-so/A1-TODAY"`, "a unit below the clerk's")
	assert.NotContains(t, body, "A-YESTERDAY", "received before Vietnam's midnight")
	assert.NotContains(t, body, "B-TODAY", "another unit")
	assert.Less(t, strings.Index(body, "A1-TODAY"), strings.Index(body, "A-TODAY-FIRST"), "newest first")
	// What each lacks, as the dossier page says it.
	assert.Contains(t, body, "Còn thiếu")
	assert.Contains(t, body, "thành phần hồ sơ “"+compID+"”: chưa có tệp")
	assert.Contains(t, body, "thành phần hồ sơ “"+compForm+"”: tệp “đơn.pdf” chưa được kiểm tra chất lượng và xác thực chữ ký")
	// The quick search.
	assert.Contains(t, body, `<form method="get" action="/ho-so" class="quick" role="search">`)
	assert.Contains(t, body, `<label for="home-q">Tìm hồ sơ theo mã</label>`)
	assert.NotContains(t, body, "Chữ ký số không hợp lệ gần đây", "a clerk has no auditor's list")
	assert.NotContains(t, body, `href="/quan-tri"`)

	_, body = clerk.page(t, "/?lang=en")
	assert.Contains(t, body, "Dossiers received today")
	assert.Contains(t, body, "component &#34;"+compID+"&#34;: no file")
	assert.NotContains(t, body, "chưa có tệp")

	// Nothing today: said so.
	_, body = b.browser(t, b.clerkB).page(t, "/?lang=vi")
	assert.Contains(t, body, "B-TODAY")
	_, body = b.browser(t, b.auditorA).page(t, "/")
	assert.NotContains(t, body, "Hồ sơ tiếp nhận hôm nay", "an auditor has no clerk's list")
}

// failedResults records, for a new document of dossier, a failed
// verification in the audit log as the pipeline does.
func failedResults(t *testing.T, b *apiBundle, dossier, file string, n int) *sohoa.Document {
	t.Helper()
	ctx := t.Context()
	doc := &sohoa.Document{DossierCode: dossier, BlobKey: strings.Repeat(strconv.Itoa(n%10), 64), Size: 3, FileName: file,
		MediaType: "application/pdf", Role: sohoa.RoleComponent, ComponentName: compForm, Source: sohoa.SourceWeb, UploadedBy: "user:clerkA"}
	require.NoError(t, b.db.CreateDocument(ctx, doc))
	e, err := sohoa.NewAuditResults("system:pipeline", doc, nil, &sohoa.Verification{ID: int64(n), Indication: sohoa.IndicationTotalFailed, SubIndication: "HASH_FAILURE"})
	require.NoError(t, err)
	require.NoError(t, b.db.AppendAudit(ctx, e))
	return doc
}

func TestUIHomeAuditorAndAdmin(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	dA := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	dB := createDossier(t, b, b.clerkB, `{"unit":"B","procedure":"P1"}`)
	docA := failedResults(t, b, dA.Code, "sửa-sau-ký.pdf", 1)
	failedResults(t, b, dB.Code, "của-đơn-vị-B.pdf", 2)
	// A passed verification is not listed.
	ok := &sohoa.Document{DossierCode: dA.Code, BlobKey: strings.Repeat("c", 64), Size: 3, FileName: "tốt.pdf",
		MediaType: "application/pdf", Role: sohoa.RoleComponent, Source: sohoa.SourceWeb, UploadedBy: "user:clerkA"}
	require.NoError(t, b.db.CreateDocument(t.Context(), ok))
	e, err := sohoa.NewAuditResults("system:pipeline", ok, nil, &sohoa.Verification{ID: 9, Indication: sohoa.IndicationTotalPassed})
	require.NoError(t, err)
	require.NoError(t, b.db.AppendAudit(t.Context(), e))

	auditor := b.browser(t, b.auditorA)
	res, body := auditor.page(t, "/")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, `class="quick" role="search"`)
	assert.Contains(t, body, "Chữ ký số không hợp lệ gần đây")
	assert.Contains(t, body, "sửa-sau-ký.pdf")
	assert.Contains(t, body, "Nội dung đã ký bị thay đổi sau khi ký")
	assert.Contains(t, body, `href="/tai-lieu/`+strconv.FormatInt(docA.ID, 10)+`/bao-cao"`)
	assert.NotContains(t, body, "của-đơn-vị-B.pdf", "another unit's file")
	assert.NotContains(t, body, "tốt.pdf")
	assert.NotContains(t, body, `href="/quan-tri"`)

	admin := b.browser(t, b.admin)
	res, body = admin.page(t, "/")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "sửa-sau-ký.pdf")
	assert.Contains(t, body, "của-đơn-vị-B.pdf", "an administrator sees every unit")
	assert.Contains(t, body, `<a href="/quan-tri">Quản trị đơn vị, thủ tục, người dùng, mã truy cập và chứng thư gốc »</a>`)
	assert.Regexp(t, `<dt>Đơn vị</dt><dd>4</dd>`, body)
	assert.Regexp(t, `<dt>Người dùng</dt><dd>5</dd>`, body)
	assert.Regexp(t, `<dt>Hồ sơ</dt><dd>2 \(Đã số hóa: 0\)</dd>`, body)
	_, body = admin.page(t, "/?lang=en")
	assert.Contains(t, body, "Recent invalid signatures")
	assert.Contains(t, body, "the signed content was changed after signing")
}
