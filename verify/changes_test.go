package verify

// The change analysis lives in verify/internal/changes, with its tests.
// These tests check what it means for the verdict (usage rights, the
// interop files, signature reference data); the fixtures they share with
// those tests and with the attack review (review_attacks_test.go) are in
// verify/internal/changestest.

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/pdfraw"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/verify/internal/changestest"
)

// ---------------------------------------------------------------------

// A Reader-extended form: Acrobat's usage rights signature grants Reader
// users form filling and commenting; using them keeps it valid.
func TestChangesSignerUsageRights(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.UsageRights, Level: testpdf.LevelBLT})
	pdf = testpdf.FillField(t, pdf, "ho_ten", "Lê Văn C")
	pdf = testpdf.AddAnnotation(t, pdf, 1, "Đã xem")
	pdf = testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Level: testpdf.LevelBLT, Visible: true})
	v, err := New(Config{TrustAnchors: []*x509.Certificate{b.PKI.Root.Cert}, Now: b.PKI.Now})
	require.NoError(t, err)
	rep, err := v.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err)
	require.Len(t, rep.Signatures, 2)
	ur := rep.Signatures[0]
	require.Equal(t, KindUsageRights, ur.Kind)
	require.Equal(t, TotalPassed, ur.Indication, "%v", ur.Problems)
	require.Contains(t, strings.Join(ur.Changes.Notes, "\n"), `form field "ho_ten" filled`)
	require.Contains(t, strings.Join(ur.Changes.Notes, "\n"), "annotation")
	// What the usage rights do not grant still fails it.
	bad := testpdf.RewritePageContents(t, pdf, 1, testpdf.PageText("Quyết định giả"))
	rep, err = v.Verify(context.Background(), bytes.NewReader(bad), int64(len(bad)))
	require.NoError(t, err)
	require.Equal(t, TotalFailed, rep.Signatures[0].Indication)
	require.Equal(t, DisallowedChanges, rep.Signatures[0].SubIndication)
}

// The change analysis on what real signing software wrote (the files of
// testdata/interop, made by PDFBox 2.0.27 and iText 5.5.13.3): the first
// signature against everything after it, with the rule each tool's
// objects fall under.
func TestChangesSignerInterop(t *testing.T) {
	for _, c := range []struct {
		file   string
		reason string // an allowed change the analysis must name
	}{
		// PDFBox's visible-signature template puts its /FRM XObject into the
		// form's /DR, inline in the catalog's /AcroForm.
		{"pdfbox-2-two-signatures.pdf", "/DR added with the new signature"},
		// PDFBox's form filling extends the /DR /Font dictionary in place
		// (/ZaDb added).
		{"pdfbox-3-certified-filled-signed.pdf", "form default resources (/DR) extended in place"},
		// iText's visible signature extends the form's /DR (fonts and /FRM).
		{"itext-2-two-signatures.pdf", "/DR changed with the new signature"},
		// iText's DocMDP reference points /Data at the catalog.
		{"itext-3-certified-filled-signed.pdf", `form field "ho_ten" filled`},
	} {
		t.Run(c.file, func(t *testing.T) {
			pdf, err := os.ReadFile(filepath.Join(interopDir, c.file))
			require.NoError(t, err)
			f := changestest.Open(t, pdf)
			signed := -1
			for _, fld := range mustFields(t, f) {
				if fld.sig != nil {
					br, _, _ := checkByteRange(f, fld.sig, fld.sig["Contents"].(pdfraw.String))
					signed = br.Revision
					break
				}
			}
			require.GreaterOrEqual(t, signed, 0)
			rep, _ := changestest.Analyze(t, pdf, signed)
			changestest.RequireClean(t, rep)
			changestest.RequireAllowedReason(t, rep, c.reason)
		})
	}
}

func mustFields(t *testing.T, f *pdfraw.File) []*sigField {
	t.Helper()
	fields, _ := collectSignatureFields(f)
	require.NotEmpty(t, fields)
	return fields
}

func TestChangesSignerReferenceDataVerdict(t *testing.T) {
	b := changestest.Setup(t)
	for _, kind := range []testpdf.Kind{testpdf.Certification, testpdf.Approval} {
		t.Run(fmt.Sprint(kind), func(t *testing.T) {
			d, pdf, rev := changestest.ReferenceDataDoc(t, b, kind)
			rep, _ := changestest.Analyze(t, pdf, rev)
			changestest.RequireClean(t, rep)
			changestest.RequireAllowed(t, rep, d.Pages[0], "widget")

			// The whole verdict, not only the analysis: both signatures pass.
			v, err := New(Config{TrustAnchors: []*x509.Certificate{b.PKI.Root.Cert}, Now: b.PKI.Now})
			require.NoError(t, err)
			vr, err := v.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)))
			require.NoError(t, err)
			require.Equal(t, TotalPassed, vr.Indication, "%+v", vr.Signatures)

			// A page rewritten after it still fails.
			bad := testpdf.RewritePageContents(t, pdf, 2, testpdf.PageText("Quyết định giả"))
			rep, _ = changestest.Analyze(t, bad, rev)
			changestest.RequireDisallowed(t, rep, d.Pages[1], "page", "/Contents")
		})
	}
}
