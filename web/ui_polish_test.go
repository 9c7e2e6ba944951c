package web

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/verify"
)

// A signed-in reader's error page keeps the app's header (menu, language
// switch, signing out) with a heading by status; an anonymous one gets
// the plain card.
func TestUIErrorPageInLayout(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	dA := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	clerkB := b.browser(t, b.clerkB)

	res, body := clerkB.page(t, "/ho-so/"+dA.Code)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Contains(t, body, "<h1>Không tìm thấy</h1>")
	assert.Contains(t, body, `<p class="error" role="alert">Không tìm thấy.</p>`)
	assert.Contains(t, body, `action="/dang-xuat"`, "sign out")
	assert.Contains(t, body, `<a href="/ho-so" aria-current="page">Hồ sơ</a>`, "the menu")
	assert.Contains(t, body, `<a href="/?lang=en"`, "the language switch, without the address asked for")
	assert.NotContains(t, body, dA.Code)

	clerkA := b.browser(t, b.clerkA)
	res, body = clerkA.page(t, adminPath)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, body, "<h1>Không có quyền</h1>")
	assert.Contains(t, body, "Bạn không có quyền thực hiện việc này.")
	_, body = clerkA.page(t, adminPath+"?lang=en")
	assert.Contains(t, body, "<h1>Not allowed</h1>")
	assert.Contains(t, body, `action="/dang-xuat"`)

	// Anonymous: a refused sign-in form (no CSRF token) is the card.
	anon := &uiSession{b: b}
	res, body = anon.post(t, "/dang-nhap", url.Values{"csrf": {"-"}, "username": {"x"}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, body, `<main class="card">`)
	assert.NotContains(t, body, `action="/dang-xuat"`)
}

// The dossier page is headed by the dossier's code; the sign-in page
// names the product.
func TestUIHeadings(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	dA := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	_, body := b.browser(t, b.clerkA).page(t, "/ho-so/"+dA.Code)
	assert.Contains(t, body, "<h1>Hồ sơ "+dA.Code+"</h1>")
	assert.Contains(t, body, "<title>Hồ sơ "+dA.Code+" — sohoa</title>")
	_, body = (&uiSession{b: b}).page(t, "/dang-nhap")
	assert.Contains(t, body, `<p class="product">sohoa — số hóa hồ sơ</p>`)
}

// A form refused at a POST-only address is shown again with a language
// switch to the page's own (GET) address, never to the POST one.
func TestUILanguageSwitchAfterPost(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	admin := b.browser(t, b.admin)
	for _, c := range []struct {
		target string
		form   url.Values
		page   string
	}{
		{adminUnitsPath + "/doi-ten", url.Values{"code": {"NOPE"}, "name": {"X"}}, adminUnitsPath},
		{adminUsersPath + "/clerkA/mat-khau", url.Values{"pw_mode": {"typed"}, "password": {"short"}}, adminUsersPath + "/clerkA"},
		{adminUnitsPath, url.Values{"code": {""}}, adminUnitsPath},
	} {
		res, body := admin.post(t, c.target, c.form)
		require.NotEqual(t, http.StatusSeeOther, res.StatusCode, c.target)
		assert.Contains(t, body, `<a href="`+c.page+`?lang=en" hreflang="en"`, c.target)
	}
	assert.Equal(t, adminUsersPath+"/bob", newServer(Config{}).getPage(adminUsersPath+"/bob/mo-khoa"))
	assert.Equal(t, adminTokensPath, newServer(Config{}).getPage(adminTokensPath+"/7/thu-hoi"))
	assert.Equal(t, dossiersPath+"/X-1", newServer(Config{}).getPage(dossiersPath+"/X-1/tai-len"))
	assert.Equal(t, "/", newServer(Config{}).getPage("/khong-co/gi"))
}

// A signed file's inspection is a file check, not scan quality; its
// findings stay.
func TestUIFileCheckLabel(t *testing.T) {
	in := &pipeline.InspectionJSON{Outcome: sohoa.InspectionWarn, Findings: []sohoa.Finding{{Rule: "pdfa", Outcome: sohoa.InspectionWarn, Message: "not PDF/A"}}}
	scan := fileViewOf(pipeline.DocumentStatus{Inspection: in}, sohoa.LangVI)
	assert.Equal(t, "Chất lượng quét", scan.ScanLabel)
	unsigned := fileViewOf(pipeline.DocumentStatus{Inspection: in, Verification: &pipeline.VerificationJSON{Signatures: 0}}, sohoa.LangVI)
	assert.Equal(t, "Chất lượng quét", unsigned.ScanLabel)
	signed := fileViewOf(pipeline.DocumentStatus{Inspection: in, Verification: &pipeline.VerificationJSON{Signatures: 1, Indication: sohoa.IndicationTotalPassed}}, sohoa.LangVI)
	assert.Equal(t, "Kiểm tra tệp", signed.ScanLabel)
	assert.Equal(t, "Cảnh báo", signed.Scan)
	assert.Len(t, signed.Findings, 1, "the finding is still shown")
	assert.Equal(t, "File check", fileViewOf(pipeline.DocumentStatus{Inspection: in, Verification: &pipeline.VerificationJSON{Signatures: 2}}, sohoa.LangEN).ScanLabel)
}

// Each revocation line says whose chain it is about, the signer's or the
// signature timestamp's, also when one CA issued both.
func TestUIRevocationChains(t *testing.T) {
	ca := verify.CertInfo{CommonName: "CA", SerialNumber: "0a"}
	sg := verify.SignatureReport{
		Chain:     []verify.CertInfo{{CommonName: "Nguyễn Văn A", SerialNumber: "01"}, ca},
		Timestamp: &verify.TimestampReport{Time: time.Now()},
		Revocation: []verify.RevocationReport{
			{Certificate: "Nguyễn Văn A", Serial: "01", Status: "good", Kind: "ocsp"},
			{Certificate: "CA", Serial: "0a", Status: "good", Kind: "crl"},
			{Certificate: "TSA", Serial: "02", Status: "good", Kind: "ocsp"},
			{Certificate: "CA", Serial: "0a", Status: "good", Kind: "crl"},
		},
	}
	assert.Equal(t, []string{"signer", "signer", "tsa", "tsa"}, revocationPaths(sg))
	// The timestamp's chain shares the signer's CA and comes first of
	// its own: a repeat starts it.
	sg.Revocation = []verify.RevocationReport{sg.Revocation[0], sg.Revocation[1], sg.Revocation[3], sg.Revocation[2]}
	assert.Equal(t, []string{"signer", "signer", "tsa", "tsa"}, revocationPaths(sg))

	var data reportData
	fillReport(&data, &verify.Report{Signatures: []verify.SignatureReport{sg}}, sohoa.LangVI)
	require.Len(t, data.Signatures, 1)
	assert.Equal(t, []string{
		"Nguyễn Văn A (chuỗi người ký): chưa bị thu hồi (OCSP)",
		"CA (chuỗi người ký): chưa bị thu hồi (CRL)",
		"CA (chuỗi dấu thời gian): chưa bị thu hồi (CRL)",
		"TSA (chuỗi dấu thời gian): chưa bị thu hồi (OCSP)",
	}, data.Signatures[0].Revocation)
}
