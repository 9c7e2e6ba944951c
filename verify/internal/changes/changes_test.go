package changes_test

// The tests of the change analysis. They are an external test package so
// that they can share verify/internal/changestest (which imports this
// package) with verify's own tests.

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/pdfraw"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/verify/internal/changes"
	"github.com/sohoa/sohoa/verify/internal/changestest"
)

// analyze runs changestest.Analyze and checks the report's coded reasons.
func analyze(t testing.TB, pdf []byte, rev int) (*changes.Report, changes.Permissions) {
	t.Helper()
	rep, perms := changestest.Analyze(t, pdf, rev)
	requireCoded(t, rep)
	return rep, perms
}

// ---------------------------------------------------------------------

func TestChangesNoLaterRevision(t *testing.T) {
	d := testpdf.Base(testpdf.BaseOptions{})
	f := changestest.Open(t, d.Bytes)
	rep, err := changes.Analyze(f, 0, changes.Permissions{})
	require.NoError(t, err)
	require.Nil(t, rep)
	_, err = changes.Analyze(f, 1, changes.Permissions{})
	require.Error(t, err)
}

func TestChangesSecondSignaturePDFSign(t *testing.T) {
	b := changestest.Setup(t)
	for _, xs := range []bool{false, true} {
		for _, visible := range []bool{false, true} {
			t.Run(fmt.Sprintf("xrefstream=%v/visible=%v", xs, visible), func(t *testing.T) {
				d := testpdf.Base(testpdf.BaseOptions{XRefStream: xs, Pages: 2})
				pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EnginePDFSign, Visible: true})
				rev := changestest.LastRev(t, pdf)
				pdf = testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EnginePDFSign, Visible: visible, Page: 1})
				rep, perms := analyze(t, pdf, rev)
				require.Equal(t, 0, perms.DocMDP)
				require.True(t, perms.FieldLocks["*"], "pdfsign's approval signature carries FieldMDP /Action /All")
				changestest.RequireClean(t, rep)
				require.Equal(t, 1, rep.LaterRevisions)
				require.NotEmpty(t, rep.Allowed)
				if visible {
					changestest.RequireAllowed(t, rep, d.Pages[0], "widget")
				}
			})
		}
	}
}

func TestChangesNativeSignatures(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}, SignatureField: "Ký duyệt"})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative, Visible: true})
	rev := changestest.LastRev(t, pdf)
	// Sign the existing empty field, then add a new invisible signature.
	pdf = testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{FieldName: "Ký duyệt", Visible: true})
	pdf = testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative})
	rep, _ := analyze(t, pdf, rev)
	changestest.RequireClean(t, rep)
	changestest.RequireAllowed(t, rep, d.SigField, `signature field "Ký duyệt" signed`)
}

func TestChangesDSSAndDocumentTimestamp(t *testing.T) {
	b := changestest.Setup(t)
	t.Run("approval B-LTA", func(t *testing.T) {
		d := testpdf.Base(testpdf.BaseOptions{})
		pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EnginePDFSign, Level: testpdf.LevelBLTA})
		// Base, signature, DSS, document timestamp.
		require.Equal(t, 3, changestest.LastRev(t, pdf))
		rep, _ := analyze(t, pdf, 1)
		changestest.RequireClean(t, rep)
		require.Equal(t, 2, rep.LaterRevisions)
		var dss bool
		for _, c := range rep.Allowed {
			dss = dss || c.Kind == "dss"
		}
		require.True(t, dss, changestest.Dump(rep))
	})
	t.Run("certification P=1", func(t *testing.T) {
		d := testpdf.Base(testpdf.BaseOptions{})
		pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1})
		rev := changestest.LastRev(t, pdf)
		dss := testpdf.ValidationData(t, b.PKI, b.PKI.Now(), b.Signer)
		dss.VRI = true
		pdf = testpdf.AddDSS(t, pdf, dss)
		pdf = testpdf.Sign(t, pdf, nil, b.PKI, testpdf.SignOptions{Kind: testpdf.DocTimestamp})
		pdf = testpdf.AddDSS(t, pdf, testpdf.ValidationData(t, b.PKI, b.PKI.Now(), b.PKI.TSA))
		// LTA tools also refresh /Info: allowed, and listed.
		pdf = testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Info: "<< /Title (Biên bản) /ModDate (D:20260302000000Z) /Producer (LTA tool) >>",
		}})
		rep, perms := analyze(t, pdf, rev)
		require.Equal(t, 1, perms.DocMDP)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, d.Info, "/Info")

		// A further approval signature is a change P=1 forbids.
		// (pdfsign cannot sign here: it finds its /Contents placeholder with
		// bytes.Index from the start of the file and overwrites the zero
		// padding of the earlier document timestamp.)
		signed := testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative})
		rep, _ = analyze(t, signed, rev)
		changestest.RequireDisallowed(t, rep, 0, "signature_field", "DocMDP P=1")
	})
}

func TestChangesPageContentRewritten(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{Pages: 3})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{})
	rev := changestest.LastRev(t, pdf)
	pdf = testpdf.RewritePageContents(t, pdf, 2, testpdf.PageText("Số tiền: 900.000.000 đồng"))
	rep, _ := analyze(t, pdf, rev)
	changestest.RequireDisallowed(t, rep, d.Pages[1], "page", "/Contents")
	// The new content stream is named as part of the page's change.
	changestest.RequireDisallowed(t, rep, 0, "", "referenced by the disallowed change of object")
}

func TestChangesResources(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{})
	rev := changestest.LastRev(t, pdf)
	page := changestest.Object(t, pdf, d.Pages[0])
	n := testpdf.NextObject(t, pdf)

	t.Run("new font", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:          "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
			d.Pages[0]: testpdf.DictSet(page, "Resources", fmt.Sprintf("<< /Font << /F1 %d 0 R /F2 %d 0 R >> >>", d.Font, n)),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.Pages[0], "page", "/Resources")
		changestest.RequireDisallowed(t, rep, n, "", "disallowed change of object")
	})
	t.Run("new xobject", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n: testpdf.Stream("<< /Type /XObject /Subtype /Form /BBox [0 0 100 100] >>", []byte("0 0 100 100 re f")),
			d.Pages[0]: testpdf.DictSet(page, "Resources",
				fmt.Sprintf("<< /Font << /F1 %d 0 R >> /XObject << /X1 %d 0 R >> >>", d.Font, n)),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.Pages[0], "page", "/Resources")
	})
	t.Run("font redefined", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Font: "<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>",
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.Font, "font", "/BaseFont")
	})
	t.Run("content stream redefined", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Contents[0]: testpdf.Stream("", testpdf.PageText("khác")),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.Contents[0], "content_stream", "stream")
	})
	t.Run("page tree", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:          fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>", d.PageTree, d.Contents[0]),
			d.PageTree: fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>", d.Pages[0], n),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.PageTree, "page_tree", "/Kids")
		changestest.RequireDisallowed(t, rep, n, "", "disallowed change")
	})
}

func TestChangesShadow(t *testing.T) {
	b := changestest.Setup(t)
	t.Run("page points at shadow stream", func(t *testing.T) {
		d := testpdf.Base(testpdf.BaseOptions{Shadow: true})
		pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{})
		rev := changestest.LastRev(t, pdf)
		pdf = testpdf.ShowShadow(t, pdf, 1, d.Shadow)
		rep, _ := analyze(t, pdf, rev)
		changestest.RequireDisallowed(t, rep, d.Pages[0], "page", "/Contents")
	})
	t.Run("xref entry into the signed bytes, existing number", func(t *testing.T) {
		// A shadow version of the page sits in the signed bytes, listed in
		// no cross-reference section; the attack only adds an xref entry.
		d := testpdf.Base(testpdf.BaseOptions{Shadow: true})
		page := changestest.Object(t, d.Bytes, d.Pages[0])
		shadowPage := testpdf.DictSet(page, "Contents", testpdf.Ref(d.Shadow))
		n := testpdf.NextObject(t, d.Bytes)
		pdf, deadOff := changestest.Append(t, d.Bytes, changestest.Update{
			Dead:   fmt.Sprintf("%d 0 obj\n%s\nendobj\n", d.Pages[0], shadowPage),
			Bodies: map[int]string{n: "<< /Note (padding) >>"},
		})
		pdf = testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EnginePDFSign})
		rev := changestest.LastRev(t, pdf)
		pdf, _ = changestest.Append(t, pdf, changestest.Update{At: map[int]int64{d.Pages[0]: deadOff}})
		rep, _ := analyze(t, pdf, rev)
		changestest.RequireDisallowed(t, rep, d.Pages[0], "page", "pointing into the signed bytes")
	})

	// The signed page refers to an object number nothing defines at
	// signing (a reference to null, so the page shows nothing of it).
	dangling := func(t *testing.T, withDeadBody bool) (pdf []byte, rev, num int, deadOff int64, d *testpdf.Doc) {
		d = testpdf.Base(testpdf.BaseOptions{})
		num = testpdf.NextObject(t, d.Bytes) + 10
		page := changestest.Object(t, d.Bytes, d.Pages[0])
		page = testpdf.DictSet(page, "Contents", fmt.Sprintf("[%d 0 R %d 0 R]", d.Contents[0], num))
		dead := ""
		if withDeadBody {
			dead = fmt.Sprintf("%d 0 obj\n%s\nendobj\n", num, testpdf.Stream("", testpdf.PageText("", "", "", "ĐÃ THANH TOÁN")))
		}
		pdf, deadOff = changestest.Append(t, d.Bytes, changestest.Update{Dead: dead, Bodies: map[int]string{d.Pages[0]: page}})
		pdf = testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EnginePDFSign})
		return pdf, changestest.LastRev(t, pdf), num, deadOff, d
	}
	t.Run("xref entry into the signed bytes, new number", func(t *testing.T) {
		pdf, rev, num, deadOff, _ := dangling(t, true)
		pdf, _ = changestest.Append(t, pdf, changestest.Update{At: map[int]int64{num: deadOff}})
		rep, _ := analyze(t, pdf, rev)
		changestest.RequireDisallowed(t, rep, num, "content_stream", "hidden object made visible")
		changestest.RequireDisallowed(t, rep, num, "content_stream", "undefined at signing")
	})
	t.Run("appended object fills a dangling reference", func(t *testing.T) {
		pdf, rev, num, _, _ := dangling(t, false)
		pdf = testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			num: testpdf.Stream("", testpdf.PageText("", "", "", "ĐÃ THANH TOÁN")),
		}})
		rep, _ := analyze(t, pdf, rev)
		changestest.RequireDisallowed(t, rep, num, "content_stream", "undefined at signing")
	})
	t.Run("dangling reference filled under an allowed DSS update", func(t *testing.T) {
		pdf, rev, num, _, d := dangling(t, false)
		cat := changestest.Object(t, pdf, changestest.Root(t, pdf))
		dssNum := num + 1
		pdf = testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			num:                      testpdf.Stream("", testpdf.PageText("", "", "", "ĐÃ THANH TOÁN")),
			dssNum:                   fmt.Sprintf("<< /Type /DSS /Certs [%d 0 R] >>", num),
			changestest.Root(t, pdf): testpdf.DictSet(cat, "DSS", testpdf.Ref(dssNum)),
		}})
		_ = d
		rep, _ := analyze(t, pdf, rev)
		changestest.RequireDisallowed(t, rep, num, "content_stream", "undefined at signing")
	})
}

func TestChangesFormFilling(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten", "so_cccd"}})
	cases := []struct {
		name    string
		opts    testpdf.SignOptions
		allowed bool
		reason  string
	}{
		{"certification P=2", testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2}, true, ""},
		{"certification P=3", testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 3}, true, ""},
		{"certification P=1", testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1}, false, "P=1"},
		// As pyHanko: approval signatures alone allow what P=2 allows.
		{"approval only", testpdf.SignOptions{}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, c.opts)
			rev := changestest.LastRev(t, pdf)
			pdf = testpdf.FillField(t, pdf, "ho_ten", "Trần Thị Bình")
			rep, perms := analyze(t, pdf, rev)
			if c.opts.Kind == testpdf.Certification {
				require.Equal(t, c.opts.DocMDP, perms.DocMDP)
			}
			if c.allowed {
				changestest.RequireClean(t, rep)
				changestest.RequireAllowed(t, rep, d.Fields["ho_ten"], `form field "ho_ten" filled`)
				changestest.RequireAllowed(t, rep, 0+testpdf.NextObject(t, pdf)-1, `"ho_ten"`)
				// An auditor reads it without looking at objects.
				require.Contains(t, rep.Notes, fmt.Sprintf(`revision %d: form field "ho_ten" filled`, rev+2))
				return
			}
			changestest.RequireDisallowed(t, rep, d.Fields["ho_ten"], "form_field", c.reason)
		})
	}
}

func TestChangesFieldLock(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten", "ghi_chu"}, SignatureField: "Ký"})
	// Lock "ho_ten" from the signature field before certifying with it.
	sig := changestest.Object(t, d.Bytes, d.SigField)
	pdf := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		d.SigField: testpdf.DictSet(sig, "Lock", "<< /Type /SigFieldLock /Action /Include /Fields [(ho_ten)] >>"),
	}})
	pdf = testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2, FieldName: "Ký"})
	rev := changestest.LastRev(t, pdf)
	perms, err := changes.ReadPermissions(changestest.Open(t, pdf), rev)
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"ho_ten": true}, perms.FieldLocks)

	locked := testpdf.FillField(t, pdf, "ho_ten", "Lê Văn C")
	rep, _ := analyze(t, locked, rev)
	changestest.RequireDisallowed(t, rep, d.Fields["ho_ten"], "form_field", "locked")

	free := testpdf.FillField(t, pdf, "ghi_chu", "đã nhận đủ")
	rep, _ = analyze(t, free, rev)
	changestest.RequireClean(t, rep)
}

func TestChangesAnnotations(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{Annotation: true})
	cases := []struct {
		name   string
		opts   testpdf.SignOptions
		reason string // "" allowed
	}{
		{"certification P=3", testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 3}, ""},
		{"certification P=2", testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2}, "P=2"},
		{"approval only", testpdf.SignOptions{}, "approval signature alone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, c.opts)
			rev := changestest.LastRev(t, pdf)
			added := testpdf.AddAnnotation(t, pdf, 1, "Đã xem")
			rep, _ := analyze(t, added, rev)
			if c.reason == "" {
				changestest.RequireClean(t, rep)
				changestest.RequireAllowed(t, rep, d.Pages[0], "annotation")
			} else {
				changestest.RequireDisallowed(t, rep, d.Pages[0], "page", c.reason)
			}
			// Modifying the existing annotation in place.
			annot := changestest.Object(t, pdf, d.Annot)
			mod := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
				d.Annot: testpdf.DictSet(annot, "Contents", "(Sửa)"),
			}})
			rep, _ = analyze(t, mod, rev)
			if c.reason == "" {
				changestest.RequireClean(t, rep)
			} else {
				changestest.RequireDisallowed(t, rep, d.Annot, "annotation", c.reason)
			}
		})
	}
}

func TestChangesCatalog(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EnginePDFSign})
	rev := changestest.LastRev(t, pdf)
	root := changestest.Root(t, pdf)
	cat := changestest.Object(t, pdf, root)
	n := testpdf.NextObject(t, pdf)

	t.Run("OpenAction added", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:    "<< /S /JavaScript /JS (app.alert\\('x'\\)) >>",
			root: testpdf.DictSet(cat, "OpenAction", testpdf.Ref(n)),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, root, "catalog", "/OpenAction added")
		changestest.RequireDisallowed(t, rep, n, "", "disallowed change of object")
	})
	t.Run("Root switched to another catalog", func(t *testing.T) {
		// A new catalog whose pages are a different document.
		page := fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>", n+1, n+3)
		out := testpdf.Append(t, pdf, testpdf.Update{Root: n, Objects: map[int]string{
			n:     testpdf.DictSet(cat, "Pages", testpdf.Ref(n+1)),
			n + 1: fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", n+2),
			n + 2: page,
			n + 3: testpdf.Stream("", testpdf.PageText("Văn bản giả")),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, n, "catalog", "/Pages changed")
		changestest.RequireDisallowed(t, rep, n+3, "", "disallowed change")
	})
	t.Run("Root switched to an object of the signed revision", func(t *testing.T) {
		out, _ := changestest.Append(t, pdf, changestest.Update{Root: d.Info, Bodies: map[int]string{n: "<< >>"}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.Info, "catalog", "existed at signing")
	})
	t.Run("Perms added", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			root: testpdf.DictSet(cat, "Perms", "<< >>"),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, root, "catalog", "/Perms")
	})
	t.Run("Info and Metadata updated", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Info: "<< /Title (Biên bản) /ModDate (D:20260302000000Z) >>",
			n:      testpdf.Stream("<< /Type /Metadata /Subtype /XML >>", []byte("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")),
			root:   testpdf.DictSet(cat, "Metadata", testpdf.Ref(n)),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, d.Info, "/Info")
		changestest.RequireAllowed(t, rep, n, "XMP")
	})
}

func TestChangesXrefTricks(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{Shadow: true})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EnginePDFSign})
	rev := changestest.LastRev(t, pdf)
	n := testpdf.NextObject(t, pdf)

	t.Run("unchanged redefinition", func(t *testing.T) {
		out := testpdf.RedefineIdentical(t, pdf, d.Pages[0])
		out = testpdf.RedefineIdentical(t, out, d.Contents[0])
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, d.Pages[0], "unchanged redefinition")
		changestest.RequireAllowed(t, rep, d.Contents[0], "unchanged redefinition")
	})
	t.Run("unchanged redefinition pointing into the signed bytes", func(t *testing.T) {
		f := changestest.Open(t, pdf)
		e, _, ok := f.Entry(-1, uint32(d.Font))
		require.True(t, ok)
		// Same object, listed again at its signed offset: a no-op.
		out, _ := changestest.Append(t, pdf, changestest.Update{At: map[int]int64{d.Font: e.Offset}, Bodies: map[int]string{n: "<< >>"}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
	})
	t.Run("unreferenced new object", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{n: "<< /Junk true >>"}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, n, "unreferenced")
	})
	t.Run("object deleted", func(t *testing.T) {
		out, _ := changestest.Append(t, pdf, changestest.Update{Free: []int{d.Contents[0]}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.Contents[0], "content_stream", "deleted")
	})
	t.Run("freed then reused", func(t *testing.T) {
		out, _ := changestest.Append(t, pdf, changestest.Update{Free: []int{d.Shadow}})
		out = testpdf.Append(t, out, testpdf.Update{Objects: map[int]string{d.Shadow: "<< /Reused true >>"}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.Shadow, "", "deleted")
		changestest.RequireDisallowed(t, rep, d.Shadow, "", "freed and is now reused")
	})
	t.Run("xref stream update", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{XRef: testpdf.XRefStream, Objects: map[int]string{n: "<< /Junk true >>"}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
	})
}

func TestChangesSignatures(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2, Visible: true})
	rev := changestest.LastRev(t, pdf)
	sigs := testpdf.Signatures(pdf)
	require.Len(t, sigs, 1)
	sigNum := sigs[0].Object
	af := changestest.Object(t, pdf, testpdfAcroForm(t, pdf))
	fields, ok := testpdf.DictGet(af, "Fields")
	require.True(t, ok)
	items, err := testpdf.ArrayItems(fields)
	require.NoError(t, err)
	require.Len(t, items, 2)
	sigField, _ := testpdf.RefNum(items[1])
	n := testpdf.NextObject(t, pdf)

	t.Run("signature dictionary changed", func(t *testing.T) {
		sd := changestest.Object(t, pdf, sigNum)
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			sigNum: testpdf.DictSet(sd, "Reason", "(Đã sửa)"),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, sigNum, "signature", "/Reason")
	})
	t.Run("signed field gets another value", func(t *testing.T) {
		fd := changestest.Object(t, pdf, sigField)
		sd := changestest.Object(t, pdf, sigNum)
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:        testpdf.DictSet(sd, "Name", "(Người khác)"),
			sigField: testpdf.DictSet(fd, "V", testpdf.Ref(n)),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, sigField, "signature_field", "already signed")
	})
	t.Run("copy of signed content redefined later", func(t *testing.T) {
		// Revision 1: the page's content moves to a new object with the
		// same bytes (harmless). Revision 2: that object changes.
		page := changestest.Object(t, pdf, d.Pages[0])
		content := testpdf.PageText("Biên bản tiếp nhận hồ sơ")
		orig := chgStreamData(t, pdf, d.Contents[0])
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:          testpdf.Stream("", orig),
			d.Pages[0]: testpdf.DictSet(page, "Contents", testpdf.Ref(n)),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		out = testpdf.Append(t, out, testpdf.Update{Objects: map[int]string{n: testpdf.Stream("", content)}})
		rep, _ = analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, n, "", "stands in for signed content")
	})
	t.Run("field removed from the form", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			testpdfAcroForm(t, pdf): testpdf.DictSet(af, "Fields", "["+items[1]+"]"),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.Fields["ho_ten"], "form_field", "removed from the form")
	})
	t.Run("signature widget removed from the page", func(t *testing.T) {
		page := changestest.Object(t, pdf, d.Pages[0])
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Pages[0]: testpdf.DictSet(page, "Annots", "["+testpdf.Ref(d.Fields["ho_ten"])+"]"),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.Pages[0], "page", "removed from the page")
	})
	t.Run("new text field", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:                       fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /T (moi) /V (x) /Rect [0 0 10 10] /P %d 0 R >>", d.Pages[0]),
			testpdfAcroForm(t, pdf): testpdf.DictSet(af, "Fields", "["+items[0]+" "+items[1]+" "+testpdf.Ref(n)+"]"),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, n, "form_field", "only signature fields may be added")
	})
}

func chgStreamData(t testing.TB, pdf []byte, n int) []byte {
	t.Helper()
	f := changestest.Open(t, pdf)
	o, err := f.Object(-1, pdfraw.Ref{Num: uint32(n)})
	require.NoError(t, err)
	s, ok := o.(*pdfraw.Stream)
	require.True(t, ok)
	data, err := f.StreamData(s, 0)
	require.NoError(t, err)
	return data
}

func testpdfAcroForm(t testing.TB, pdf []byte) int {
	t.Helper()
	cat := changestest.Object(t, pdf, changestest.Root(t, pdf))
	v, ok := testpdf.DictGet(cat, "AcroForm")
	require.True(t, ok)
	n, ok := testpdf.RefNum(v)
	require.True(t, ok, "indirect /AcroForm")
	return n
}

func TestReadMDPPermissions(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 3})
	p, err := changes.ReadPermissions(changestest.Open(t, pdf), changestest.LastRev(t, pdf))
	require.NoError(t, err)
	require.Equal(t, 3, p.DocMDP)
	// Before the certification there is nothing.
	p, err = changes.ReadPermissions(changestest.Open(t, pdf), 0)
	require.NoError(t, err)
	require.Equal(t, 0, p.DocMDP)
	require.Empty(t, p.FieldLocks)
	// pdfsign's certification has no /Perms entry: its DocMDP transform
	// still counts.
	pdf = testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2, Engine: testpdf.EnginePDFSign})
	p, err = changes.ReadPermissions(changestest.Open(t, pdf), changestest.LastRev(t, pdf))
	require.NoError(t, err)
	require.Equal(t, 2, p.DocMDP)

	require.True(t, changes.Permissions{FieldLocks: map[string]bool{"a": true}}.FieldLocked("a.b.c"))
	require.False(t, changes.Permissions{FieldLocks: map[string]bool{"a": true}}.FieldLocked("ab"))
}

// chgManyPages is a 10,000-page document (revision 0, the signed one) and
// an update that adds a visible signature field on page 5,000: what a
// second signature brings, without signing (testpdf's signer looks pages up
// one by one, which takes long on 10,000 pages).
func chgManyPagesDoc(t testing.TB) []byte {
	t.Helper()
	d := testpdf.Base(testpdf.BaseOptions{Pages: 10000})
	n := testpdf.NextObject(t, d.Bytes)
	pageNum := d.Pages[4999]
	page := changestest.Object(t, d.Bytes, pageNum)
	cat := changestest.Object(t, d.Bytes, d.Catalog)
	return testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		n:         fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (Ký) /F 132 /Rect [340 60 560 130] /P %d 0 R /AP << /N %d 0 R >> /V %d 0 R >>", pageNum, n+1, n+2),
		n + 1:     testpdf.Stream("<< /Type /XObject /Subtype /Form /BBox [0 0 220 70] >>", []byte("0 0 220 70 re S")),
		n + 2:     "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 0 0 0] /Contents <00> >>",
		pageNum:   testpdf.DictSet(page, "Annots", fmt.Sprintf("[%d 0 R]", n)),
		d.Catalog: testpdf.DictSet(cat, "AcroForm", fmt.Sprintf("<< /Fields [%d 0 R] /SigFlags 3 >>", n)),
	}})
}

// TestChangesManyPages checks the cost on a 10,000-page document: the walk
// reads page dictionaries, never content streams.
func TestChangesManyPages(t *testing.T) {
	pdf := chgManyPagesDoc(t)
	f := changestest.Open(t, pdf)
	start := time.Now()
	rep, err := changes.Analyze(f, 0, changes.Permissions{})
	require.NoError(t, err)
	el := time.Since(start)
	changestest.RequireClean(t, rep)
	require.Len(t, rep.Allowed, 5, changestest.Dump(rep))
	t.Logf("10,000 pages, %d bytes: %v", len(pdf), el)
	require.Less(t, el, 5*time.Second)
}

func BenchmarkChangesManyPages(b *testing.B) {
	pdf := chgManyPagesDoc(b)
	for b.Loop() {
		f := changestest.Open(b, pdf)
		rep, err := changes.Analyze(f, 0, changes.Permissions{})
		require.NoError(b, err)
		require.Empty(b, rep.Disallowed)
	}
}

// FuzzChanges runs the permissions and the change analysis of every
// revision of arbitrary input: bounded time, no panic.
func FuzzChanges(f *testing.F) {
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"a"}, SignatureField: "s", Annotation: true, Shadow: true})
	f.Add(d.Bytes)
	n := testpdf.NextObject(f, d.Bytes)
	page := changestest.Object(f, d.Bytes, d.Pages[0])
	upd := testpdf.Append(f, d.Bytes, testpdf.Update{Objects: map[int]string{
		n:          testpdf.Stream("", []byte("BT ET")),
		d.Pages[0]: testpdf.DictSet(page, "Contents", fmt.Sprintf("[%d 0 R %d 0 R]", d.Contents[0], n)),
	}})
	f.Add(upd)
	f.Add(testpdf.FillField(f, upd, "a", "b"))
	f.Add(testpdf.AddAnnotation(f, upd, 1, "x"))
	xs := testpdf.Base(testpdf.BaseOptions{XRefStream: true})
	f.Add(testpdf.Append(f, xs.Bytes, testpdf.Update{Objects: map[int]string{testpdf.NextObject(f, xs.Bytes): "<< /A 1 >>"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := pdfraw.Open(bytes.NewReader(data), int64(len(data)), pdfraw.Limits{})
		if err != nil {
			return
		}
		for rev := range pf.Sections() {
			perms, err := changes.ReadPermissions(pf, rev)
			if err != nil {
				continue
			}
			rep, err := changes.Analyze(pf, rev, perms)
			if err == nil && rev < len(pf.Sections())-1 && rep == nil {
				t.Fatalf("nil report for revision %d of %d", rev, len(pf.Sections()))
			}
		}
	})
}
