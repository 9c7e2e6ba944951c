package web

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// verifyForm is the body the page's form sends: csrf first, then file.
func verifyForm(t *testing.T, csrf, name string, file []byte) ([]byte, string) {
	t.Helper()
	var fields [][2]string
	if csrf != "" {
		fields = append(fields, [2]string{"csrf", csrf})
	}
	return multipartBody(t, fields, name, file)
}

func TestUIVerifyPage(t *testing.T) {
	b := setupAPI(t, apiOpts{maxVerify: 50 << 10})
	auditBefore := len(b.audit(t))

	res, _ := (&uiSession{b: b}).page(t, "/kiem-tra-chu-ky")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "anonymous: to the sign-in page")

	for _, p := range []*Principal{b.clerkA, b.auditorA, b.scannerA, b.admin} {
		u := b.browser(t, p)
		res, body := u.page(t, "/kiem-tra-chu-ky")
		require.Equal(t, http.StatusOK, res.StatusCode, p.User.Username)
		assert.Contains(t, body, "<h1>Kiểm tra chữ ký</h1>")
		assert.Contains(t, body, `<form method="post" action="/kiem-tra-chu-ky" enctype="multipart/form-data"`)
		assert.Contains(t, body, `<input type="hidden" name="csrf" value="`+u.csrf+`">`)
		assert.Contains(t, body, `<label for="v-file">Tệp PDF cần kiểm tra</label>`)
		assert.Contains(t, body, "không được lưu lại")
		assert.NotContains(t, body, "Kết luận", "no report before a file")
	}

	auditor := b.browser(t, b.auditorA)
	form, ct := verifyForm(t, auditor.csrf, "hợp-đồng.pdf", sampleBytes(t, "signed-valid-blt.pdf"))
	res, body := auditor.postBody(t, "/kiem-tra-chu-ky", form, ct)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "hợp-đồng.pdf")
	assert.Contains(t, body, "Kết luận: <span class=\"badge badge-ok\">Hợp lệ</span>")
	assert.Contains(t, body, "<dt>Người ký</dt>")
	assert.Contains(t, body, "<dt>Chuỗi chứng thư</dt>")
	assert.Contains(t, body, "(không lưu lại)")

	clerk := b.browser(t, b.clerkB)
	form, ct = verifyForm(t, clerk.csrf, "sửa.pdf", sampleBytes(t, "tampered-digest.pdf"))
	res, body = clerk.postBody(t, "/kiem-tra-chu-ky", form, ct)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Không hợp lệ")
	assert.Contains(t, body, "Nội dung đã ký bị thay đổi sau khi ký")
	assert.NotContains(t, body, "the signed content was changed")

	form, ct = verifyForm(t, clerk.csrf, "sửa.pdf", sampleBytes(t, "tampered-digest.pdf"))
	res, body = clerk.postBody(t, "/kiem-tra-chu-ky?lang=en", form, ct)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Verdict: <span class=\"badge badge-bad\">Invalid</span>")
	assert.Contains(t, body, "the signed content was changed after signing")

	// Not a PDF, though named .pdf: a Vietnamese message, nothing stored.
	form, ct = verifyForm(t, clerk.csrf, "ảnh.pdf", []byte("\x89PNG\r\n\x1a\nnot a pdf at all"))
	res, body = clerk.postBody(t, "/kiem-tra-chu-ky", form, ct)
	assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	assert.Contains(t, body, "Tệp “ảnh.pdf” không phải là tệp PDF đọc được nên không kiểm tra được chữ ký số.")
	assert.NotContains(t, body, "Kết luận")
	assert.Contains(t, body, `name="file"`, "the form again")

	// No file chosen.
	form, ct = verifyForm(t, clerk.csrf, "", nil)
	res, body = clerk.postBody(t, "/kiem-tra-chu-ky", form, ct)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Hãy chọn một tệp PDF để kiểm tra.")

	// Too large.
	form, ct = verifyForm(t, clerk.csrf, "lớn.pdf", sampleBytes(t, "signed-valid-blta.pdf")) // 61 KB
	res, body = clerk.postBody(t, "/kiem-tra-chu-ky", form, ct)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	assert.Contains(t, body, "Tệp lớn hơn giới hạn")

	// Without the CSRF token, or with another session's: refused.
	form, ct = verifyForm(t, "", "a.pdf", sampleBytes(t, "signed-valid-blt.pdf"))
	res, body = clerk.postBody(t, "/kiem-tra-chu-ky", form, ct)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, body, "mã chống giả mạo (CSRF)")
	form, ct = verifyForm(t, auditor.csrf, "a.pdf", sampleBytes(t, "signed-valid-blt.pdf"))
	res, _ = clerk.postBody(t, "/kiem-tra-chu-ky", form, ct)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	assert.Zero(t, b.countBlobs(t), "ad-hoc verification stores nothing")
	assert.Len(t, b.audit(t), auditBefore+6, "only the six browsers' sign-ins were logged")
}
