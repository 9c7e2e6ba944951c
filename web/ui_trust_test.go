package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/verify"
)

// samplesRootAs maps the samples' trust root to the infrastructure in, so
// that the sample signatures count as signed under it.
func samplesRootAs(t *testing.T, in verify.TrustInfrastructure) map[string]verify.TrustInfrastructure {
	t.Helper()
	anchors, err := verify.LoadTrustAnchors(samples("trust"))
	require.NoError(t, err)
	out := map[string]verify.TrustInfrastructure{}
	for _, c := range anchors {
		sum := sha256.Sum256(c.Raw)
		out[hex.EncodeToString(sum[:])] = in
	}
	return out
}

// TestUIVerifyInfrastructure: the ad-hoc verification page names the
// infrastructure each signature's trusted chain ends in, in a clerk's
// words, in Vietnamese and English.
func TestUIVerifyInfrastructure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		infra  verify.TrustInfrastructure
		vi, en string
	}{
		{"gov", verify.InfraGov, "Chữ ký số chuyên dùng Chính phủ", "Government specialised public-service signature (Government CA)"},
		{"public", verify.InfraPublic, "Chữ ký số công cộng", "Public digital signature (national root CA)"},
		{"configured", "", "Chứng thư do đơn vị cấu hình", "Certificate trusted by the unit&#39;s configuration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := apiOpts{}
			if tc.infra != "" {
				o.infra = samplesRootAs(t, tc.infra)
			}
			b := setupAPI(t, o)
			clerk := b.browser(t, b.clerkA)
			form, ct := verifyForm(t, clerk.csrf, "kết-quả.pdf", sampleBytes(t, "signed-valid-blt.pdf"))
			res, body := clerk.postBody(t, "/kiem-tra-chu-ky", form, ct)
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			assert.Contains(t, body, "<dt>Hạ tầng chữ ký số</dt><dd>"+tc.vi+"</dd>")
			others := []string{"Chữ ký số chuyên dùng Chính phủ", "Chữ ký số công cộng", "Chứng thư do đơn vị cấu hình"}
			for _, o := range others {
				if o != tc.vi {
					assert.NotContains(t, body, o)
				}
			}

			form, ct = verifyForm(t, clerk.csrf, "kết-quả.pdf", sampleBytes(t, "signed-valid-blt.pdf"))
			res, body = clerk.postBody(t, "/kiem-tra-chu-ky?lang=en", form, ct)
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			assert.Contains(t, body, "<dt>Signature infrastructure</dt><dd>"+tc.en+"</dd>")
			assert.NotContains(t, body, tc.vi)

			// The API's report carries the value (checked against the
			// OpenAPI document by call).
			res, raw := b.call(t, b.clerkA, apiReq{method: http.MethodPost, target: "/api/v1/verify",
				body: sampleBytes(t, "signed-valid-blt.pdf"), contentType: "application/pdf"})
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
			var out verifyOutput
			require.NoError(t, json.Unmarshal(raw, &out))
			require.NotEmpty(t, out.Files[0].Signatures)
			want := tc.infra
			if want == "" {
				want = verify.InfraConfigured
			}
			assert.Equal(t, want, out.Files[0].Signatures[0].TrustInfrastructure)
		})
	}
}

// TestUIReportInfrastructureAndUnknownRoot: the stored report's page shows
// each signature's infrastructure and the coded reason of a chain to a
// Vietnamese root sohoa does not know, from the catalogue.
func TestUIReportInfrastructureAndUnknownRoot(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	ctx := t.Context()
	d := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	doc := &sohoa.Document{DossierCode: d.Code, BlobKey: strings.Repeat("cd", 32), Size: 1000, FileName: "quyet-dinh.pdf",
		MediaType: "application/pdf", Role: sohoa.RoleResult, Source: sohoa.SourceWeb, UploadedBy: "clerkA"}
	require.NoError(t, b.db.CreateDocument(ctx, doc))
	rep := verify.Report{File: "quyet-dinh.pdf", Indication: verify.Indeterminate, SubIndication: verify.NoCertificateChainFound,
		Signatures: []verify.SignatureReport{
			{Field: "Lãnh đạo", Kind: verify.KindApproval, Indication: verify.TotalPassed, ChainTrusted: true,
				TrustInfrastructure: verify.InfraGov, Signer: &verify.CertInfo{CommonName: "Nguyễn Văn An"}},
			{Field: "Công dân", Kind: verify.KindApproval, Indication: verify.Indeterminate, SubIndication: verify.NoCertificateChainFound,
				Signer:  &verify.CertInfo{CommonName: "Trần Thị Bình"},
				Reasons: []sohoa.Reason{sohoa.NewReason(verify.ReasonUnknownVNRoot, "issuer", "Vietnam National Root CA G3")}},
		}}
	raw, err := json.Marshal(rep)
	require.NoError(t, err)
	require.NoError(t, b.db.CreateVerification(ctx, &sohoa.Verification{DocumentID: doc.ID, Indication: sohoa.IndicationIndeterminate,
		SubIndication: string(verify.NoCertificateChainFound), ReportJSON: raw, VerifierVersion: "test"}))

	clerk := b.browser(t, b.clerkA)
	page := "/tai-lieu/" + strconv.FormatInt(doc.ID, 10) + "/bao-cao"
	res, body := clerk.page(t, page)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "<dt>Hạ tầng chữ ký số</dt><dd>Chữ ký số chuyên dùng Chính phủ</dd>")
	assert.Equal(t, 1, strings.Count(body, "<dt>Hạ tầng chữ ký số</dt>"), "only the trusted chain has one")
	assert.Contains(t, body, "<dd>Chuỗi chứng thư dẫn đến một chứng thư gốc của Việt Nam mà sohoa chưa biết (Vietnam National Root CA G3): hãy thêm bằng lệnh `sohoa trust add`</dd>")
	assert.Contains(t, body, "<dd>Không xây dựng được chuỗi chứng thư đến một chứng thư gốc tin cậy</dd>", "the sub-indication stays")

	res, body = clerk.page(t, page+"?lang=en")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "<dt>Signature infrastructure</dt><dd>Government specialised public-service signature (Government CA)</dd>")
	assert.Contains(t, body, "<dd>chain to a Vietnamese root sohoa does not know yet (Vietnam National Root CA G3): add it with `sohoa trust add`</dd>")
	assert.NotContains(t, body, "Chữ ký số chuyên dùng Chính phủ")
}
