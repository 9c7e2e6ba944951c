package web

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// auditSeqs are the entry numbers an audit page lists, in order.
func auditSeqs(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr><td class="c-state">(\d+)</td>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestUIAuditPage(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	dA := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	dB := createDossier(t, b, b.clerkB, `{"unit":"B","procedure":"P1"}`)
	docB := failedResults(t, b, dB.Code, "b.pdf", 2)
	docA := failedResults(t, b, dA.Code, "a.pdf", 1)

	// Refused: anonymous to the sign-in page, clerks and scanners 403.
	res, _ := (&uiSession{b: b}).page(t, "/nhat-ky")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	for _, p := range []*Principal{b.clerkA, b.scannerA} {
		res, body := b.browser(t, p).page(t, "/nhat-ky")
		assert.Equal(t, http.StatusForbidden, res.StatusCode, p.User.Username)
		assert.Contains(t, body, "Bạn không có quyền thực hiện việc này.")
		assert.NotContains(t, body, dA.Code)
	}

	auditor := b.browser(t, b.auditorA)
	res, body := auditor.page(t, "/nhat-ky")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "<h1>Nhật ký</h1>")
	assert.Contains(t, body, "Tạo hồ sơ")
	assert.Contains(t, body, "Ghi kết quả kiểm tra tệp")
	assert.Contains(t, body, `<a href="/ho-so/`+dA.Code+`">Hồ sơ `+dA.Code+`</a>`)
	assert.Contains(t, body, `<a href="/tai-lieu/`+itoa(docA.ID)+`/bao-cao">Tệp `+itoa(docA.ID)+`</a>`)
	assert.Contains(t, body, "(GMT&#43;7)")
	assert.Contains(t, body, `<td data-label="Người thực hiện">clerkA</td>`)
	assert.Contains(t, body, "Hệ thống (pipeline)")
	// Unit B's entries, and entries about no unit (sign-ins), are out of
	// the auditor's scope.
	assert.NotContains(t, body, dB.Code)
	assert.NotContains(t, body, "/tai-lieu/"+itoa(docB.ID)+"/")
	assert.NotContains(t, body, `>clerkB</td>`)
	assert.NotContains(t, body, "Đăng nhập</td>")
	// Newest first.
	seqs := auditSeqs(body)
	require.Len(t, seqs, 2)
	assert.Greater(t, atoi(t, seqs[0]), atoi(t, seqs[1]))
	// The chain: stated, checked by administrators only.
	assert.Contains(t, body, "liên kết với mục trước bằng mã băm")
	assert.Contains(t, body, "Quản trị viên kiểm tra được chuỗi mã băm")
	assert.NotContains(t, body, "Kiểm tra chuỗi mã băm</button>")
	_, body = auditor.page(t, "/nhat-ky?check=1")
	assert.NotContains(t, body, "toàn vẹn: đã kiểm tra", "an auditor cannot run the check")
	// Asking for B's dossier by name finds nothing.
	_, body = auditor.page(t, "/nhat-ky?kind=dossier&object="+dB.Code)
	assert.Empty(t, auditSeqs(body))
	assert.Contains(t, body, "Không có mục nhật ký nào.")

	admin := b.browser(t, b.admin)
	_, body = admin.page(t, "/nhat-ky")
	assert.Contains(t, body, dB.Code)
	assert.Contains(t, body, dA.Code)
	assert.Contains(t, body, "Đăng nhập</td>", "the sign-ins of the test browsers")
	assert.Contains(t, body, "Kiểm tra chuỗi mã băm</button>")
	_, body = admin.page(t, "/nhat-ky?check=1")
	assert.Regexp(t, `class="ok" role="status">Chuỗi mã băm của nhật ký toàn vẹn: đã kiểm tra \d+ mục`, body)

	// Filters: object, action, actor.
	_, body = admin.page(t, "/nhat-ky?kind=dossier&object="+dB.Code)
	assert.Len(t, auditSeqs(body), 1)
	assert.Contains(t, body, dB.Code)
	assert.NotContains(t, body, dA.Code)
	_, body = admin.page(t, "/nhat-ky?action=document.results")
	assert.Len(t, auditSeqs(body), 2)
	assert.NotContains(t, body, "Tạo hồ sơ</td>")
	_, body = admin.page(t, "/nhat-ky?actor=clerkB")
	assert.Contains(t, body, dB.Code)
	assert.NotContains(t, body, dA.Code)
	_, body = auditor.page(t, "/nhat-ky?actor=clerkB")
	assert.Empty(t, auditSeqs(body), "clerkB acts only on unit B")

	// Paging.
	old := auditPageSize
	auditPageSize = 2
	t.Cleanup(func() { auditPageSize = old })
	_, body = admin.page(t, "/nhat-ky")
	first := auditSeqs(body)
	require.Len(t, first, 2)
	m := regexp.MustCompile(`href="(/nhat-ky\?before=\d+)" rel="next"`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	_, body = admin.page(t, strings.ReplaceAll(m[1], "&amp;", "&"))
	second := auditSeqs(body)
	require.Len(t, second, 2)
	assert.Equal(t, atoi(t, first[1])-1, atoi(t, second[0]))

	// English.
	_, body = auditor.page(t, "/nhat-ky?lang=en")
	assert.Contains(t, body, "<h1>Audit log</h1>")
	assert.Contains(t, body, "Dossier created")
	assert.Contains(t, body, "File check results recorded")
	assert.NotContains(t, body, "Tạo hồ sơ")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}

// The audit page's actions are listed in the reader's collation order:
// in Vietnamese "Đ…" follows "D…", not "Z…" as in byte order.
func TestAuditActionsCollated(t *testing.T) {
	pairs := [][2]string{{"a", "Tạo hồ sơ"}, {"b", "Đăng nhập"}, {"c", "Ghi kết quả"}, {"d", "Duyệt"}, {"e", "Xóa"}, {"f", "Ẩn"}, {"g", "An"}}
	sortByText(pairs, sohoa.LangVI)
	var got []string
	for _, p := range pairs {
		got = append(got, p[1])
	}
	assert.Equal(t, []string{"An", "Ẩn", "Duyệt", "Đăng nhập", "Ghi kết quả", "Tạo hồ sơ", "Xóa"}, got)

	b := setupAPI(t, apiOpts{})
	_, body := b.browser(t, b.admin).page(t, "/nhat-ky")
	opts := regexp.MustCompile(`<option value="[a-z_.]+">([^<]+)</option>`).FindAllStringSubmatch(body, -1)
	var texts []string
	for _, m := range opts {
		texts = append(texts, m[1])
	}
	require.Contains(t, texts, "Đăng nhập")
	require.Contains(t, texts, "Ghi kết quả kiểm tra tệp")
	assert.Less(t, slices.Index(texts, "Đăng nhập"), slices.Index(texts, "Ghi kết quả kiểm tra tệp"), "%q", texts)
}
