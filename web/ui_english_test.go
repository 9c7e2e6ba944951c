package web

import (
	"bytes"
	stdcontext "context"
	"html"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// englishWords are words that, in a page's visible text, betray an
// English sentence or an untranslated code (rule names, verdicts).
var englishWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the and of is are not no yet was were with without after before from this that
		file files page pages signature signatures signed signer resolution colour color encryption version inspection
		inspected fails failed fail invalid valid missing component result dossier verified verification verify changed
		checked scan scanned upload uploaded download report pending unknown revoked trusted passed indeterminate
		total failure hash format digest content readable text layer error warning ok`) {
		englishWords[w] = true
	}
}

var (
	tagOrScript = regexp.MustCompile(`(?is)<script.*?</script>|<[^>]*>`)
	latinWord   = regexp.MustCompile(`[A-Za-z_]+`)
	quoted      = regexp.MustCompile(`“[^”]*”`)
)

// englishIn returns the English words in the visible text of a page,
// leaving out what is quoted (“…”: file, field and component names are
// the users' data).
func englishIn(page string) []string {
	text := html.UnescapeString(tagOrScript.ReplaceAllString(page, " "))
	text = quoted.ReplaceAllString(text, "")
	var out []string
	for _, w := range latinWord.FindAllString(text, -1) {
		for _, part := range strings.Split(strings.ToLower(w), "_") {
			if englishWords[part] {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// TestUINoEnglishForVietnamese renders every page a Vietnamese reader
// sees after real uploads (a tampered signature, a low-resolution scan,
// a valid signature) and looks for English words in the visible text;
// the same pages in English read as English.
func TestUINoEnglishForVietnamese(t *testing.T) {
	b := setupAPI(t, apiOpts{start: true})
	d := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	clerk := b.browser(t, b.clerkA)

	upload := func(code string, files ...[2]string) {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, f := range [][2]string{{"csrf", clerk.csrf}, {"role", "component"}, {"component", compForm}} {
			require.NoError(t, mw.WriteField(f[0], f[1]))
		}
		for _, f := range files {
			fw, err := mw.CreateFormFile("file", f[0])
			require.NoError(t, err)
			_, err = fw.Write(sampleBytes(t, f[1]))
			require.NoError(t, err)
		}
		require.NoError(t, mw.Close())
		res, body := clerk.postBody(t, "/ho-so/"+code+"/tai-len", buf.Bytes(), mw.FormDataContentType())
		require.Equal(t, http.StatusSeeOther, res.StatusCode, body)
	}
	upload(d.Code, [2]string{"hỏng.pdf", "tampered-digest.pdf"}, [2]string{"tốt.pdf", "signed-valid-blt.pdf"}, [2]string{"lạ.pdf", "signed-untrusted.pdf"})
	// A dossier whose only form is a scan that fails inspection: what it
	// lacks names the failed rule.
	d2 := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	upload(d2.Code, [2]string{"mờ.pdf", "scan-low-resolution.pdf"})
	// And one whose only form has a failed signature.
	d3 := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	upload(d3.Code, [2]string{"hỏng.pdf", "tampered-digest.pdf"})
	docs, err := b.db.FindDocuments(t.Context(), sohoa.DocumentFilter{Scope: sohoa.AllUnits})
	require.NoError(t, err)
	require.Len(t, docs, 5)
	ids := make([]int64, len(docs))
	for i, doc := range docs {
		ids[i] = doc.ID
	}
	ctx, cancel := stdcontext.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	require.NoError(t, b.p.WaitDocuments(ctx, ids))

	targets := []string{"/", "/ho-so", "/ho-so/" + d.Code, "/ho-so/" + d2.Code, "/ho-so/" + d3.Code, "/kiem-tra-chu-ky"}
	for _, id := range ids {
		targets = append(targets, "/tai-lieu/"+strconv.FormatInt(id, 10)+"/bao-cao")
	}
	auditor := b.browser(t, b.auditorA)
	pages := map[string]string{}
	for _, target := range targets {
		for _, who := range []*uiSession{clerk, auditor} {
			res, body := who.page(t, target+"?lang=vi")
			require.Equal(t, http.StatusOK, res.StatusCode, target)
			assert.Empty(t, englishIn(body), "English on %s", target)
			if who == clerk {
				pages[target] = body
			}
		}
	}
	res, body := auditor.page(t, "/nhat-ky?lang=vi")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, englishIn(body), "English on the audit log")
	admin := b.browser(t, b.admin)
	for _, target := range []string{"/", "/nhat-ky?check=1"} {
		_, body = admin.page(t, target)
		assert.Empty(t, englishIn(body), "English on %s for the administrator", target)
	}

	// The coded parameters in words: the failed rule, the verdict.
	assert.Contains(t, pages["/ho-so/"+d2.Code], "tệp “mờ.pdf” không đạt kiểm tra chất lượng bản quét (độ phân giải")
	assert.Contains(t, pages["/"], "tệp “mờ.pdf” không đạt kiểm tra chất lượng bản quét (độ phân giải", "the home page says it too")
	assert.Contains(t, pages["/ho-so/"+d3.Code], "tệp “hỏng.pdf” có chữ ký số không hợp lệ (nội dung đã ký bị thay đổi sau khi ký")
	_, en := clerk.page(t, "/ho-so/"+d2.Code+"?lang=en")
	assert.Contains(t, en, "fails inspection (resolution")
	assert.NotContains(t, en, "độ phân giải")
	assert.NotEmpty(t, englishIn(en), "the English page reads as English")
	_, en = clerk.page(t, "/ho-so/"+d3.Code+"?lang=en")
	assert.Contains(t, en, "has a failed signature (the signed content was changed after signing")
	// The ad-hoc report, too.
	form, ct := verifyForm(t, clerk.csrf, "hỏng.pdf", sampleBytes(t, "tampered-digest.pdf"))
	_, body = clerk.postBody(t, "/kiem-tra-chu-ky?lang=vi", form, ct)
	assert.Contains(t, body, "Kết luận")
	assert.Empty(t, englishIn(body), "English on the ad-hoc report")
}

func TestLocalReason(t *testing.T) {
	r := sohoa.NewReason(sohoa.ReasonInspectionFailed, "file", "a.pdf", "rules", "color, resolution")
	assert.Equal(t, "tệp “a.pdf” không đạt kiểm tra chất lượng bản quét (màu, độ phân giải)", reasonText(r, sohoa.LangVI))
	assert.Equal(t, `"a.pdf" fails inspection (colour, resolution)`, reasonText(r, sohoa.LangEN))
	r = sohoa.NewReason(sohoa.ReasonSignatureFailed, "file", "a.pdf", "verdict", "TOTAL_FAILED, HASH_FAILURE",
		"indication", "TOTAL_FAILED", "sub_indication", "HASH_FAILURE")
	assert.Equal(t, "tệp “a.pdf” có chữ ký số không hợp lệ (nội dung đã ký bị thay đổi sau khi ký (giá trị băm không khớp))", reasonText(r, sohoa.LangVI))
	r = sohoa.NewReason(sohoa.ReasonSignatureFailed, "file", "a.pdf", "verdict", "TOTAL_FAILED", "indication", "TOTAL_FAILED")
	assert.Equal(t, "tệp “a.pdf” có chữ ký số không hợp lệ (không hợp lệ)", reasonText(r, sohoa.LangVI))
	// Findings stored before codes: the rule's name.
	assert.Equal(t, "độ phân giải", findingText(sohoa.Finding{Rule: "resolution", Message: "page 1: 100 dpi"}, sohoa.LangVI))
	assert.Equal(t, "Thao tác khác (x.y)", actionText("x.y", sohoa.LangVI))
	assert.Equal(t, "Đăng nhập", actionText("user.sign_in", sohoa.LangVI))
	assert.Equal(t, "Signed in", actionText("user.sign_in", sohoa.LangEN))
	// Every audit action the code writes has a text in both languages.
	for a := range auditActions {
		for _, l := range []sohoa.Lang{sohoa.LangVI, sohoa.LangEN} {
			assert.NotContains(t, actionText(a, l), a, a)
		}
	}
}
