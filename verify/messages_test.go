package verify

import (
	"bytes"
	"context"
	"crypto/x509"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/verify/internal/changes"
	"github.com/sohoa/sohoa/verify/internal/changestest"
)

// Every code the verifier and its change analysis can emit has a message
// in Vietnamese and English with the same parameters.
func TestReasonCodesRegistered(t *testing.T) {
	codes := ReasonCodes()
	require.Contains(t, codes, ReasonUnreadable)
	require.Contains(t, codes, changes.CodePageModified)
	require.Contains(t, codes, changes.CodeFormFieldFilled)
	require.Contains(t, codes, sohoa.ReasonCode("etsi.format_failure"))
	for _, code := range codes {
		m, ok := sohoa.LookupMessage(code)
		require.True(t, ok, "%s has no message", code)
		require.NotEmpty(t, m.VI, code)
		require.NotEmpty(t, m.EN, code)
		require.NotEqual(t, m.VI, m.EN, "%s: the Vietnamese text is a translation", code)
		require.Equal(t, sohoa.PlaceholderNames(m.EN), sohoa.PlaceholderNames(m.VI), code)
	}
	require.Empty(t, NoSubIndication.Code())
}

// A page rewritten after signing: the disallowed change carries the code
// change.page_modified with its object and revision, rendered in both
// languages, beside the English reason as before.
func TestChangeReasonOfATamperedPage(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{Pages: 2, FormFields: []string{"ho_ten"}})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Level: testpdf.LevelBLT})
	pdf = testpdf.FillField(t, pdf, "ho_ten", "Trần Thị B")
	bad := testpdf.RewritePageContents(t, pdf, 2, testpdf.PageText("Số tiền: 900.000.000 đồng"))
	v, err := New(Config{TrustAnchors: []*x509.Certificate{b.PKI.Root.Cert}, Now: b.PKI.Now})
	require.NoError(t, err)
	rep, err := v.Verify(context.Background(), bytes.NewReader(bad), int64(len(bad)))
	require.NoError(t, err)
	sr := rep.Signatures[0]
	require.Equal(t, TotalFailed, sr.Indication)
	require.Equal(t, DisallowedChanges, sr.SubIndication)

	var page *ObjectChange
	for i, c := range sr.Changes.Disallowed {
		if c.Kind == "page" {
			page = &sr.Changes.Disallowed[i]
		}
	}
	require.NotNil(t, page, "%+v", sr.Changes.Disallowed)
	require.Contains(t, page.Reason, "/Contents", "the English reason stays")
	r := page.Reasons[0]
	require.Equal(t, changes.CodePageModified, r.Code)
	require.Equal(t, strings.SplitN(page.Object, " ", 2)[0], r.Params["object"])
	require.Equal(t, strconv.Itoa(page.Revision+1), r.Params["revision"], "counted from 1, as in the notes")
	require.Contains(t, r.Params["keys"], "/Contents")
	require.Contains(t, r.Text(sohoa.LangVI), "Trang (đối tượng "+r.Params["object"]+") bị sửa đổi sau khi ký")
	require.Contains(t, r.Text(sohoa.LangEN), "modified after signing")

	// The allowed form filling before it is a note with its code.
	require.Len(t, sr.Changes.NoteReasons, len(sr.Changes.Notes))
	var filled bool
	for _, n := range sr.Changes.NoteReasons {
		if n.Code == changes.CodeFormFieldFilled {
			filled = true
			require.Equal(t, "ho_ten", n.Params["field"])
			require.Equal(t, `Trường biểu mẫu "ho_ten" đã được điền`, n.Text(sohoa.LangVI))
		}
	}
	require.True(t, filled, "%v", sr.Changes.Notes)
}

func TestUnreadableReason(t *testing.T) {
	b := setupPDF(t)
	rep, err := b.v.Verify(context.Background(), bytes.NewReader([]byte("<html/>")), 7)
	require.NoError(t, err)
	requireUnreadable(t, rep, "pdf")
	require.Equal(t, "Không đọc được tệp dưới dạng PDF hoặc CMS: "+rep.Error, rep.Reason.Text(sohoa.LangVI))
	require.Equal(t, "cannot be read as a PDF or CMS: "+rep.Error, rep.Reason.Text(sohoa.LangEN))
}
