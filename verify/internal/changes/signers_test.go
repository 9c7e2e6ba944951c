package changes_test

// What real signing software writes beside a signature, one test per
// pattern of issue 7, each with the objects those tools write (recorded
// from PDFBox 2.0, iText 5, EU DSS and Acrobat output), and next to each
// the nearest change that must stay disallowed.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/verify/internal/changes"
	"github.com/sohoa/sohoa/verify/internal/changestest"
)

// pdfboxDefaults is what PDFBox (and so EU DSS) and Acrobat add to the
// form when they create a signature field: a default appearance and the
// two standard fonts as default resources.
func pdfboxDefaults(af string, next *int, objs map[int]string) string {
	zadb := *next
	*next++
	objs[zadb] = "<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats /Name /ZaDb >>"
	if dr, ok := testpdf.DictGet(af, "DR"); ok {
		// Extend the existing resources: keep every font, add ZaDb.
		fonts, _ := testpdf.DictGet(dr, "Font")
		font := strings.TrimSuffix(strings.TrimSpace(fonts), ">>") + fmt.Sprintf(" /ZaDb %d 0 R >>", zadb)
		af = testpdf.DictSet(af, "DR", testpdf.DictSet(dr, "Font", font))
	} else {
		helv := *next
		*next++
		objs[helv] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Name /Helv /Encoding /WinAnsiEncoding >>"
		af = testpdf.DictSet(af, "DR", fmt.Sprintf("<< /Font << /Helv %d 0 R /ZaDb %d 0 R >> >>", helv, zadb))
	}
	af = testpdf.DictSet(af, "DA", "(/Helv 0 Tf 0 g )")
	return testpdf.DictSet(af, "Q", "0")
}

func TestChangesSignerFormDefaults(t *testing.T) {
	b := changestest.Setup(t)
	t.Run("approval then visible signature adding /DA /DR /Q", func(t *testing.T) {
		d := testpdf.Base(testpdf.BaseOptions{})
		pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative})
		rev := changestest.LastRev(t, pdf)
		pdf = testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Visible: true, Tweak: changestest.TweakAcroForm(t, pdfboxDefaults)})
		rep, _ := analyze(t, pdf, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowedReason(t, rep, "/DA added with the new signature")
		changestest.RequireAllowedReason(t, rep, "/DR added with the new signature")
	})
	t.Run("form with fields: /DR extended, /DA changed", func(t *testing.T) {
		d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
		pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2})
		rev := changestest.LastRev(t, pdf)
		pdf = testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Visible: true, Tweak: changestest.TweakAcroForm(t, pdfboxDefaults)})
		rep, _ := analyze(t, pdf, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowedReason(t, rep, "/DR changed with the new signature")
	})
	t.Run("certification P=1 then document timestamp adding /DA /DR", func(t *testing.T) {
		d := testpdf.Base(testpdf.BaseOptions{})
		pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1})
		rev := changestest.LastRev(t, pdf)
		pdf = testpdf.Sign(t, pdf, nil, b.PKI, testpdf.SignOptions{Kind: testpdf.DocTimestamp, Engine: testpdf.EngineNative, Tweak: changestest.TweakAcroForm(t, pdfboxDefaults)})
		rep, perms := analyze(t, pdf, rev)
		require.Equal(t, 1, perms.DocMDP)
		changestest.RequireClean(t, rep)
	})
	t.Run("P=1: /DA changed without a signature", func(t *testing.T) {
		d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
		pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1})
		rev := changestest.LastRev(t, pdf)
		af := changestest.Object(t, pdf, d.AcroForm)
		pdf = testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{d.AcroForm: testpdf.DictSet(af, "DA", "(/Helv 0 Tf 1 1 1 rg)")}})
		rep, _ := analyze(t, pdf, rev)
		changestest.RequireDisallowed(t, rep, d.AcroForm, "acroform", "P=1")
	})
	t.Run("P=1: /DR replaced by the document timestamp", func(t *testing.T) {
		d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
		pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1})
		rev := changestest.LastRev(t, pdf)
		replace := changestest.TweakAcroForm(t, func(af string, next *int, objs map[int]string) string {
			n := *next
			*next++
			objs[n] = "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"
			return testpdf.DictSet(af, "DR", fmt.Sprintf("<< /Font << /Helv %d 0 R >> >>", n))
		})
		pdf = testpdf.Sign(t, pdf, nil, b.PKI, testpdf.SignOptions{Kind: testpdf.DocTimestamp, Engine: testpdf.EngineNative, Tweak: replace})
		rep, _ := analyze(t, pdf, rev)
		changestest.RequireDisallowed(t, rep, d.AcroForm, "acroform", "/DR changed")
	})
}

// drIndirect moves the form's default resources into an object of their
// own (as iText and Acrobat write them) and returns the file and its number.
func drIndirect(t *testing.T, d *testpdf.Doc) ([]byte, int) {
	n := testpdf.NextObject(t, d.Bytes)
	af := changestest.Object(t, d.Bytes, d.AcroForm)
	return testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		n:          fmt.Sprintf("<< /Font << /Helv %d 0 R >> >>", d.Font),
		d.AcroForm: testpdf.DictSet(af, "DR", testpdf.Ref(n)),
	}}), n
}

func TestChangesSignerResourcesInPlace(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	doc, dr := drIndirect(t, d)
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1})
	rev := changestest.LastRev(t, pdf)
	redefine := func(body func(next *int, objs map[int]string) string) func([]byte, map[int]string, *int) {
		return func(_ []byte, objs map[int]string, next *int) { objs[dr] = body(next, objs) }
	}
	t.Run("extended by the document timestamp", func(t *testing.T) {
		out := testpdf.Sign(t, pdf, nil, b.PKI, testpdf.SignOptions{Kind: testpdf.DocTimestamp, Engine: testpdf.EngineNative,
			Tweak: redefine(func(next *int, objs map[int]string) string {
				n := *next
				*next++
				objs[n] = "<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats /Name /ZaDb >>"
				return fmt.Sprintf("<< /Font << /Helv %d 0 R /ZaDb %d 0 R >> >>", d.Font, n)
			})})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, dr, "extended in place with the new signature")
	})
	t.Run("a font replaced in place", func(t *testing.T) {
		out := testpdf.Sign(t, pdf, nil, b.PKI, testpdf.SignOptions{Kind: testpdf.DocTimestamp, Engine: testpdf.EngineNative,
			Tweak: redefine(func(next *int, objs map[int]string) string {
				n := *next
				*next++
				objs[n] = "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"
				return fmt.Sprintf("<< /Font << /Helv %d 0 R >> >>", n)
			})})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, dr, "", "object of the signed revision changed")
	})
	t.Run("extended without a signature, approval only", func(t *testing.T) {
		pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{})
		rev := changestest.LastRev(t, pdf)
		n := testpdf.NextObject(t, pdf)
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:  "<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats /Name /ZaDb >>",
			dr: fmt.Sprintf("<< /Font << /Helv %d 0 R /ZaDb %d 0 R >> >>", d.Font, n),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, dr, "extended in place")
	})
}

func TestChangesSignerStructureTree(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	td := changestest.Tagged(t, d)
	pdf := testpdf.Sign(t, td.PDF, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative})
	rev := changestest.LastRev(t, pdf)
	t.Run("new signature widget tagged", func(t *testing.T) {
		out := testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Visible: true, Tweak: changestest.TagWidget(t, td, d.Pages[0])})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, td.Doc, "structure tree extended for the new signature")
		changestest.RequireAllowed(t, rep, td.ParentTree, "/ParentTree")
		changestest.RequireAllowed(t, rep, td.Root, "structure tree extended")
	})
	t.Run("certification P=1: tagging a new signature is still a new signature", func(t *testing.T) {
		cert := testpdf.Sign(t, td.PDF, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1})
		out := testpdf.Sign(t, cert, b.Signer, b.PKI, testpdf.SignOptions{Visible: true, Tweak: changestest.TagWidget(t, td, d.Pages[0])})
		rep, _ := analyze(t, out, changestest.LastRev(t, cert))
		changestest.RequireDisallowed(t, rep, td.Doc, "structure", "P=1")
	})
	for _, c := range []struct {
		name   string
		tweak  func(objs map[int]string)
		num    int
		reason string
	}{
		{"alternate text rewritten", func(objs map[int]string) {
			objs[td.Para] = fmt.Sprintf("<< /Type /StructElem /S /P /P %s /Pg %s /K 0 /Alt (Đã duyệt) >>", testpdf.Ref(td.Doc), testpdf.Ref(d.Pages[0]))
		}, td.Para, "/Alt"},
		{"existing kid removed", func(objs map[int]string) {
			objs[td.Doc] = fmt.Sprintf("<< /Type /StructElem /S /Document /P %s /K [] >>", testpdf.Ref(td.Root))
		}, td.Doc, "removed or reordered"},
		{"marked content added to an element", func(objs map[int]string) {
			objs[td.Doc] = fmt.Sprintf("<< /Type /StructElem /S /Document /P %s /K [%s 3] >>", testpdf.Ref(td.Root), testpdf.Ref(td.Para))
		}, td.Doc, "marked content"},
		{"parent tree entry changed", func(objs map[int]string) {
			objs[td.ParentTree] = fmt.Sprintf("<< /Nums [0 [%s %s]] >>", testpdf.Ref(td.Para), testpdf.Ref(td.Doc))
		}, td.Root, "/ParentTree entry 0 changed"},
		{"role map added", func(objs map[int]string) {
			objs[td.Root] = fmt.Sprintf("<< /Type /StructTreeRoot /K %s /ParentTree %s /ParentTreeNextKey 1 /RoleMap << /P /H1 >> >>", testpdf.Ref(td.Doc), testpdf.Ref(td.ParentTree))
		}, td.Root, "/RoleMap"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Visible: true, Tweak: func(in []byte, objs map[int]string, next *int) {
				c.tweak(objs)
			}})
			rep, _ := analyze(t, out, rev)
			changestest.RequireDisallowed(t, rep, c.num, "", c.reason)
		})
	}
}

func TestChangesSignerFlags(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}, SignatureField: "Ký duyệt"})
	// The empty signature field as a form designer leaves it: /F 4.
	field := changestest.Object(t, d.Bytes, d.SigField)
	doc := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{d.SigField: testpdf.DictSet(field, "F", "4")}})
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative})
	rev := changestest.LastRev(t, pdf)
	firstSig := testpdf.NextObject(t, doc) + 1 // the native signer's field follows its signature dictionary
	flags := func(f, ff string, also map[int]string) func([]byte, map[int]string, *int) {
		return func(in []byte, objs map[int]string, next *int) {
			objs[d.SigField] = testpdf.DictSet(objs[d.SigField], "F", f)
			if ff != "" {
				objs[d.SigField] = testpdf.DictSet(objs[d.SigField], "Ff", ff)
			}
			for n, body := range also {
				objs[n] = body
			}
		}
	}
	t.Run("Acrobat signs the field: /F 4 → 132, /Ff 1", func(t *testing.T) {
		out := testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{FieldName: "Ký duyệt", Visible: true, Tweak: flags("132", "1", nil)})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, d.SigField, "/F 4 → 132 (Locked set)")
	})
	t.Run("and locks the earlier signature and a text field read-only", func(t *testing.T) {
		first := changestest.Object(t, pdf, firstSig)
		text := changestest.Object(t, pdf, d.Fields["ho_ten"])
		out := testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{FieldName: "Ký duyệt", Visible: true, Tweak: flags("132", "1", map[int]string{
			firstSig:           testpdf.DictSet(first, "Ff", "1"),
			d.Fields["ho_ten"]: testpdf.DictSet(text, "Ff", "1"),
		})})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, firstSig, "flags set by a signing application")
		changestest.RequireAllowed(t, rep, d.Fields["ho_ten"], "/Ff 0 → 1 (ReadOnly set)")
	})
	t.Run("Acrobat draws the signature: /MK and /DA on the widget", func(t *testing.T) {
		out := testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{FieldName: "Ký duyệt", Visible: true, Tweak: func(in []byte, objs map[int]string, next *int) {
			objs[d.SigField] = testpdf.DictSet(testpdf.DictSet(objs[d.SigField], "MK", "<< /BG [1 1 1] >>"), "DA", "(/Helv 0 Tf 0 g)")
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, d.SigField, `signature field "Ký duyệt" signed`)
	})
	t.Run("iText fills a field and sets its /DA", func(t *testing.T) {
		text := changestest.Object(t, pdf, d.Fields["ho_ten"])
		text = testpdf.DictSet(testpdf.DictSet(text, "V", testpdf.TextString("Lê Văn C")), "DA", "(/Helv 9 Tf 0 g)")
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{d.Fields["ho_ten"]: text}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, d.Fields["ho_ten"], `form field "ho_ten" filled`)
	})
	t.Run("widget hidden while signing", func(t *testing.T) {
		out := testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{FieldName: "Ký duyệt", Visible: true, Tweak: flags("6", "", nil)})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.SigField, "signature_field", "/F")
	})
	t.Run("text field hidden", func(t *testing.T) {
		text := changestest.Object(t, pdf, d.Fields["ho_ten"])
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{d.Fields["ho_ten"]: testpdf.DictSet(text, "F", "6")}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.Fields["ho_ten"], "form_field", "/F")
	})
}

func TestChangesSignerReferenceData(t *testing.T) {
	b := changestest.Setup(t)
	for _, kind := range []testpdf.Kind{testpdf.Certification, testpdf.Approval} {
		t.Run(fmt.Sprint(kind), func(t *testing.T) {
			d, pdf, rev := changestest.ReferenceDataDoc(t, b, kind)
			rep, _ := analyze(t, pdf, rev)
			changestest.RequireClean(t, rep)
			changestest.RequireAllowed(t, rep, d.Pages[0], "widget")

			// A page rewritten after it still fails.
			bad := testpdf.RewritePageContents(t, pdf, 2, testpdf.PageText("Quyết định giả"))
			rep, _ = analyze(t, bad, rev)
			changestest.RequireDisallowed(t, rep, d.Pages[1], "page", "/Contents")
		})
	}
}

func TestChangesSignerAppearanceInPlace(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten", "so_cccd"}})
	fill := func(t *testing.T, pdf []byte, ap int, value string) []byte {
		field := changestest.Object(t, pdf, d.Fields["ho_ten"])
		return testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Fields["ho_ten"]: testpdf.DictSet(field, "V", testpdf.TextString(value)),
			ap:                 testpdf.FieldAppearance(d.Font, 328, 20, value),
		}})
	}
	for _, c := range []struct {
		name string
		opts testpdf.SignOptions
	}{
		{"certification P=2", testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2}},
		{"approval", testpdf.SignOptions{}},
	} {
		t.Run("iText regenerates the appearance in place/"+c.name, func(t *testing.T) {
			pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, c.opts)
			rev := changestest.LastRev(t, pdf)
			out := fill(t, pdf, d.FieldAPs["ho_ten"], "Trần Thị Bình")
			rep, _ := analyze(t, out, rev)
			changestest.RequireClean(t, rep)
			changestest.RequireAllowed(t, rep, d.FieldAPs["ho_ten"], "appearance stream regenerated in place")
		})
	}
	t.Run("P=1 forbids it", func(t *testing.T) {
		pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1})
		out := fill(t, pdf, d.FieldAPs["ho_ten"], "Trần Thị Bình")
		rep, _ := analyze(t, out, changestest.LastRev(t, pdf))
		changestest.RequireDisallowed(t, rep, d.FieldAPs["ho_ten"], "", "P=1")
	})
	t.Run("appearance of a signed signature field redefined", func(t *testing.T) {
		pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative, Visible: true})
		rev := changestest.LastRev(t, pdf)
		ap := testpdf.NextObject(t, d.Bytes) + 2 // signature, field, appearance
		require.Contains(t, changestest.Object(t, pdf, ap), "/BBox")
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{ap: testpdf.Stream("<< /Type /XObject /Subtype /Form /BBox [0 0 220 70] >>", []byte("0 0 220 70 re f"))}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, ap, "", "streams are never redefined in place")
	})
	// Sneaky variants: the appearance stream is also something else in the
	// signed document, so regenerating it changes more than the field.
	t.Run("appearance shared with the page content", func(t *testing.T) {
		field := changestest.Object(t, d.Bytes, d.Fields["ho_ten"])
		doc := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
			d.Fields["ho_ten"]: testpdf.DictSet(field, "AP", "<< /N "+testpdf.Ref(d.Contents[0])+" >>"),
		}})
		pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2})
		out := fill(t, pdf, d.Contents[0], "Trần Thị Bình")
		rep, _ := analyze(t, out, changestest.LastRev(t, pdf))
		changestest.RequireDisallowed(t, rep, d.Contents[0], "", "content_stream")
	})
	t.Run("appearance shared with a locked field", func(t *testing.T) {
		other := changestest.Object(t, d.Bytes, d.Fields["so_cccd"])
		doc := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
			d.Fields["so_cccd"]: testpdf.DictSet(other, "AP", "<< /N "+testpdf.Ref(d.FieldAPs["ho_ten"])+" >>"),
		}})
		pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2})
		out := fill(t, pdf, d.FieldAPs["ho_ten"], "Trần Thị Bình")
		rep, _ := analyze(t, out, changestest.LastRev(t, pdf))
		changestest.RequireDisallowed(t, rep, d.FieldAPs["ho_ten"], "appearance", "outside this field")
	})
}

func TestChangesSignerFieldLockAfterApproval(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	// Acrobat's approval signature with a FieldMDP lock on every field.
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{ReferenceData: true})
	rev := changestest.LastRev(t, pdf)
	perms, err := changes.ReadPermissions(changestest.Open(t, pdf), rev)
	require.NoError(t, err)
	require.Equal(t, 0, perms.DocMDP)
	require.True(t, perms.FieldLocks["*"])
	rep, _ := analyze(t, testpdf.FillField(t, pdf, "ho_ten", "Lê Văn C"), rev)
	changestest.RequireDisallowed(t, rep, d.Fields["ho_ten"], "form_field", "locked")

	// Nor may the form's defaults change when fields are repainted from
	// them: that would restyle the locked field.
	af := changestest.Object(t, pdf, d.AcroForm)
	af = testpdf.DictSet(testpdf.DictSet(af, "NeedAppearances", "true"), "DA", "(/Helv 0 Tf 1 1 1 rg)")
	rep, _ = analyze(t, testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{d.AcroForm: af}}), rev)
	changestest.RequireDisallowed(t, rep, d.AcroForm, "acroform", "locked by FieldMDP")
}

func TestChangesSignerMetadata(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	ext := testpdf.NextObject(t, d.Bytes)
	cat := changestest.Object(t, d.Bytes, d.Catalog)
	doc := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		d.Catalog: testpdf.DictSet(cat, "Extensions", testpdf.Ref(ext)),
		ext:       "<< /ADBE << /BaseVersion /1.7 /ExtensionLevel 3 >> >>",
	}})
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1})
	rev := changestest.LastRev(t, pdf)
	signedCat := changestest.Object(t, pdf, d.Catalog)
	t.Run("indirect /Extensions updated in place", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			ext: "<< /ADBE << /BaseVersion /1.7 /ExtensionLevel 8 >> /ESIC << /BaseVersion /1.7 /ExtensionLevel 2 >> >>",
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, ext, "developer extensions")
	})
	t.Run("/Extensions redefined as something else", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			ext: fmt.Sprintf("<< /ADBE << /BaseVersion /1.7 /ExtensionLevel 8 /Action %d 0 R >> >>", d.Pages[0]),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, ext, "catalog", "developer extensions")
	})
	t.Run("iText's /ITXT", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Catalog: testpdf.DictSet(signedCat, "ITXT", "(5.5.13.3)"),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		changestest.RequireAllowed(t, rep, d.Catalog, "producer entry /ITXT added")
	})
	t.Run("private catalog key pointing at an object", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Catalog: testpdf.DictSet(signedCat, "ITXT", testpdf.Ref(d.Pages[0])),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.Catalog, "catalog", "/ITXT added")
	})
	t.Run("DSS with SHA-256 VRI keys", func(t *testing.T) {
		dss, cert := testpdf.NextObject(t, pdf), testpdf.NextObject(t, pdf)+1
		key := strings.Repeat("AB12", 16)
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Catalog: testpdf.DictSet(signedCat, "DSS", testpdf.Ref(dss)),
			dss:       fmt.Sprintf("<< /Type /DSS /Certs [%d 0 R] /VRI << /%s << /Cert [%d 0 R] >> >> >>", cert, key, cert),
			cert:      testpdf.Stream("", b.Signer.DER),
		}})
		rep, _ := analyze(t, out, rev)
		changestest.RequireClean(t, rep)
		bad := strings.Replace(key, "AB", "XY", 1)
		out = testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Catalog: testpdf.DictSet(signedCat, "DSS", testpdf.Ref(dss)),
			dss:       fmt.Sprintf("<< /Type /DSS /Certs [%d 0 R] /VRI << /%s << /Cert [%d 0 R] >> >> >>", cert, bad, cert),
			cert:      testpdf.Stream("", b.Signer.DER),
		}})
		rep, _ = analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, dss, "dss", "not a hexadecimal")
	})
}
