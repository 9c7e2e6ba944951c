package verify

// Security review of the relaxed change rules (issue 7): attacks that
// append incremental updates after an honest signature so that a viewer
// shows something the signer never saw, while the change analysis calls
// every change allowed. Each test asserts the SAFE outcome: a passing test
// means the defence holds, a failing one is a hole.

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/verify/internal/changestest"
)

// ---------------------------------------------------------------------
// Helpers.

func reviewVerify(t *testing.T, b *changestest.Bundle, pdf []byte) *Report {
	t.Helper()
	v, err := New(Config{TrustAnchors: []*x509.Certificate{b.PKI.Root.Cert}, Now: b.PKI.Now})
	require.NoError(t, err)
	rep, err := v.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err)
	return rep
}

func reviewDump(rep *Report) string {
	var s strings.Builder
	for i, sr := range rep.Signatures {
		fmt.Fprintf(&s, "  signature %d (%s, %s): %s/%s problems=%q warnings=%q\n", i, sr.Field, sr.Kind, sr.Indication, sr.SubIndication, sr.Problems, sr.Warnings)
	}
	fmt.Fprintf(&s, "  document problems: %q\n", rep.Problems)
	return s.String()
}

// reviewBaseline checks that signature i of the honest file passes, so a
// later "not passed" is the attack's doing.
func reviewBaseline(t *testing.T, b *changestest.Bundle, pdf []byte, i int) {
	t.Helper()
	rep := reviewVerify(t, b, pdf)
	require.Greater(t, len(rep.Signatures), i)
	require.Equal(t, TotalPassed, rep.Signatures[i].Indication, "baseline:\n%s", reviewDump(rep))
}

// reviewNotPassed requires that signature i is not TOTAL_PASSED.
func reviewNotPassed(t *testing.T, b *changestest.Bundle, pdf []byte, i int) {
	t.Helper()
	rep := reviewVerify(t, b, pdf)
	require.Greater(t, len(rep.Signatures), i, reviewDump(rep))
	assert.NotEqual(t, TotalPassed, rep.Signatures[i].Indication, "HOLE: the attacked file still passes:\n%s", reviewDump(rep))
}

// reviewAnyDisallowed requires at least one disallowed change.
func reviewAnyDisallowed(t *testing.T, rep *ChangesReport) {
	t.Helper()
	require.NotEmpty(t, rep.Disallowed, "HOLE: every change allowed:\n%s", changestest.Dump(rep))
}

// reviewOCDoc prepares a document with a hidden optional-content layer on
// page 1 (a stamp "ĐÃ THANH TOÁN" in an OCG the default configuration
// turns OFF): the signer sees no stamp. It returns the file and the object
// numbers of the OCG and of the default configuration dictionary /D (an
// indirect object, reached only from the catalog's /OCProperties).
func reviewOCDoc(t *testing.T, o testpdf.BaseOptions) (d *testpdf.Doc, pdf []byte, ocg, cfg int) {
	d = testpdf.Base(o)
	n := testpdf.NextObject(t, d.Bytes)
	ocg, cfg, hidden := n, n+1, n+2
	cat := changestest.Object(t, d.Bytes, d.Catalog)
	cat = testpdf.DictSet(cat, "OCProperties", fmt.Sprintf("<< /OCGs [%d 0 R] /D %d 0 R >>", ocg, cfg))
	page := changestest.Object(t, d.Bytes, d.Pages[0])
	page = testpdf.DictSet(page, "Resources", fmt.Sprintf("<< /Font << /F1 %d 0 R >> /Properties << /oc1 %d 0 R >> >>", d.Font, ocg))
	page = testpdf.DictSet(page, "Contents", fmt.Sprintf("[%d 0 R %d 0 R]", d.Contents[0], hidden))
	pdf = testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		d.Catalog:  cat,
		d.Pages[0]: page,
		ocg:        "<< /Type /OCG /Name (Dau thanh toan) >>",
		cfg:        fmt.Sprintf("<< /Order [%d 0 R] /OFF [%d 0 R] >>", ocg, ocg),
		hidden:     testpdf.Stream("", []byte("/OC /oc1 BDC BT /F1 28 Tf 72 600 Td (DA THANH TOAN) Tj ET EMC\n")),
	}})
	return d, pdf, ocg, cfg
}

// reviewBreakStartxref makes the last startxref point a few bytes past the
// last cross-reference section: readers fall back to reconstructing the
// file (pdf.js indexes every "N G obj" it finds; pdfraw repairs).
func reviewBreakStartxref(t *testing.T, pdf []byte) []byte {
	t.Helper()
	i := bytes.LastIndex(pdf, []byte("startxref\n"))
	require.Positive(t, i)
	j := i + len("startxref\n")
	k := j + bytes.IndexByte(pdf[j:], '\n')
	n, err := strconv.ParseInt(string(pdf[j:k]), 10, 64)
	require.NoError(t, err)
	out := append([]byte(nil), pdf[:j]...)
	out = append(out, strconv.FormatInt(n+3, 10)...)
	return append(out, pdf[k:]...)
}

// ---------------------------------------------------------------------
// Rule 8 (/Extensions updated in place): the in-place rule approves ANY
// object the catalog's new /Extensions points at, not only the object the
// signed catalog used as its extensions dictionary.

func TestReviewExtensionsAdoptsSignedObject(t *testing.T) {
	b := changestest.Setup(t)
	_, doc, _, cfg := reviewOCDoc(t, testpdf.BaseOptions{})
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1, Level: testpdf.LevelBLT})
	reviewBaseline(t, b, pdf, 0)
	rev := changestest.LastRev(t, pdf)
	root := changestest.Root(t, pdf)
	// The attack: the catalog gains /Extensions << /ADBE cfg >>, and the
	// layer configuration cfg (which hid the stamp) is "updated in place"
	// as a developer extension. Without /OFF every layer is ON: the stamp
	// shows, under a P=1 certification.
	out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
		root: testpdf.DictSet(changestest.Object(t, pdf, root), "Extensions", fmt.Sprintf("<< /ADBE %d 0 R >>", cfg)),
		cfg:  "<< /BaseVersion /1.7 /ExtensionLevel 3 >>",
	}})
	reviewNotPassed(t, b, out, 0)
	rep, _ := changestest.Analyze(t, out, rev)
	changestest.RequireDisallowed(t, rep, cfg, "", "")
}

// ---------------------------------------------------------------------
// Rule 7 / form filling: a field's value keys (/V, /MK, /DA...) that refer
// to an object redefined in place make that object a "value object" of the
// field, approved for any object whose only role is "other" — including
// objects the field never used at signing.

func TestReviewFieldValueKeyAdoptsSignedObject(t *testing.T) {
	b := changestest.Setup(t)
	d, doc, _, cfg := reviewOCDoc(t, testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2, Level: testpdf.LevelBLT})
	reviewBaseline(t, b, pdf, 0)
	rev := changestest.LastRev(t, pdf)
	// "Filling" ho_ten: its /MK now names the layer configuration, which
	// is redefined without /OFF. The hidden stamp shows.
	field := changestest.Object(t, pdf, d.Fields["ho_ten"])
	out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
		d.Fields["ho_ten"]: testpdf.DictSet(field, "MK", testpdf.Ref(cfg)),
		cfg:                "<< /Order [] >>",
	}})
	reviewNotPassed(t, b, out, 0)
	rep, _ := changestest.Analyze(t, out, rev)
	changestest.RequireDisallowed(t, rep, cfg, "", "")
}

// The same adoption moves or hides another widget through an indirect
// /Rect: here the visible certification signature's widget shrinks to
// nothing (a FieldMDP-locked field could be moved over the text the same
// way). The signature field itself is untouched, so its own analysis
// never looks.
func TestReviewFieldValueKeyAdoptsSignatureRect(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}, SignatureField: "Ký"})
	rect := testpdf.NextObject(t, d.Bytes)
	sig := changestest.Object(t, d.Bytes, d.SigField)
	doc := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		rect:       "[350 80 550 140]",
		d.SigField: testpdf.DictSet(sig, "Rect", testpdf.Ref(rect)),
	}})
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2, FieldName: "Ký", Visible: true, Level: testpdf.LevelBLT})
	reviewBaseline(t, b, pdf, 0)
	rev := changestest.LastRev(t, pdf)
	field := changestest.Object(t, pdf, d.Fields["ho_ten"])
	out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
		d.Fields["ho_ten"]: testpdf.DictSet(testpdf.DictSet(field, "V", "(x)"), "MK", testpdf.Ref(rect)),
		rect:               "[0 0 0 0]",
	}})
	reviewNotPassed(t, b, out, 0)
	rep, _ := changestest.Analyze(t, out, rev)
	changestest.RequireDisallowed(t, rep, rect, "", "")
}

// ---------------------------------------------------------------------
// Rule 5 (field appearance regenerated in place): apOwners records, for a
// stream, the dictionary that names it; when that is an indirect /AP
// dictionary, any field that points its /AP at it becomes an "owner", so
// a field can take over another annotation's appearance and rewrite it.

func TestReviewAppearanceInPlaceAdoptedFromAnnotation(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	n := testpdf.NextObject(t, d.Bytes)
	stamp, apd, aps := n, n+1, n+2
	page := changestest.Object(t, d.Bytes, d.Pages[0])
	xobj := fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 260 80] /Resources << /Font << /F1 %d 0 R >> >> >>", d.Font)
	doc := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		d.Pages[0]: testpdf.DictSet(page, "Annots", fmt.Sprintf("[%d 0 R %d 0 R]", d.Fields["ho_ten"], stamp)),
		stamp:      fmt.Sprintf("<< /Type /Annot /Subtype /Stamp /Rect [300 600 560 680] /F 4 /P %d 0 R /AP %d 0 R >>", d.Pages[0], apd),
		apd:        fmt.Sprintf("<< /N %d 0 R >>", aps),
		aps:        testpdf.Stream(xobj, []byte("BT /F1 24 Tf 10 30 Td (BAN NHAP - KHONG DUYET) Tj ET\n")),
	}})
	// An approval signature: form filling allowed, annotations not.
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative, Level: testpdf.LevelBLT})
	reviewBaseline(t, b, pdf, 0)
	rev := changestest.LastRev(t, pdf)
	field := changestest.Object(t, pdf, d.Fields["ho_ten"])
	field = testpdf.DictSet(testpdf.DictSet(field, "V", "(x)"), "AP", testpdf.Ref(apd))
	out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
		d.Fields["ho_ten"]: field,
		aps:                testpdf.Stream(xobj, []byte("BT /F1 24 Tf 10 30 Td (DA PHE DUYET) Tj ET\n")),
	}})
	reviewNotPassed(t, b, out, 0)
	rep, _ := changestest.Analyze(t, out, rev)
	changestest.RequireDisallowed(t, rep, aps, "", "")
}

// The same sharing, but with another field that a FieldMDP lock protects:
// that field's own analysis sees its appearance regenerated (control).
func TestReviewAppearanceInPlaceSharedWithLockedField(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten", "so_cccd"}, SignatureField: "Ký"})
	apd := testpdf.NextObject(t, d.Bytes)
	a := changestest.Object(t, d.Bytes, d.Fields["ho_ten"])
	c := changestest.Object(t, d.Bytes, d.Fields["so_cccd"])
	sig := changestest.Object(t, d.Bytes, d.SigField)
	doc := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		apd:                 fmt.Sprintf("<< /N %d 0 R >>", d.FieldAPs["ho_ten"]),
		d.Fields["ho_ten"]:  testpdf.DictSet(a, "AP", testpdf.Ref(apd)),
		d.Fields["so_cccd"]: testpdf.DictSet(c, "AP", testpdf.Ref(apd)),
		d.SigField:          testpdf.DictSet(sig, "Lock", "<< /Type /SigFieldLock /Action /Include /Fields [(so_cccd)] >>"),
	}})
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{FieldName: "Ký", Level: testpdf.LevelBLT})
	rev := changestest.LastRev(t, pdf)
	field := changestest.Object(t, pdf, d.Fields["ho_ten"])
	out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
		d.Fields["ho_ten"]:   testpdf.DictSet(field, "V", "(Tran Thi Binh)"),
		d.FieldAPs["ho_ten"]: testpdf.FieldAppearance(d.Font, 328, 20, "Tran Thi Binh"),
	}})
	rep, _ := changestest.Analyze(t, out, rev)
	// Caught at the shared stream: the appearance dictionary is the locked
	// field's too.
	changestest.RequireDisallowed(t, rep, d.FieldAPs["ho_ten"], "appearance", "outside this field")
}

// ---------------------------------------------------------------------
// Rule 3 (harmless flags): Print is not harmless on a NoView widget. A
// widget with /F 32 (NoView, no Print) shows nowhere; adding Print makes a
// print-only stamp appear on paper. Allowed even on FieldMDP-locked fields.

func TestReviewPrintFlagOnNoViewWidget(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ghi_chu"}})
	field := changestest.Object(t, d.Bytes, d.Fields["ghi_chu"])
	field = testpdf.DictSet(testpdf.DictSet(field, "F", "32"), "V", "(DA THANH TOAN)")
	doc := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		d.Fields["ghi_chu"]:   field,
		d.FieldAPs["ghi_chu"]: testpdf.FieldAppearance(d.Font, 328, 20, "ĐÃ THANH TOÁN"),
	}})
	// Acrobat's approval signature with a FieldMDP lock on every field.
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{ReferenceData: true, Level: testpdf.LevelBLT})
	reviewBaseline(t, b, pdf, 0)
	rev := changestest.LastRev(t, pdf)
	out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
		d.Fields["ghi_chu"]: testpdf.DictSet(changestest.Object(t, pdf, d.Fields["ghi_chu"]), "F", "36"),
	}})
	reviewNotPassed(t, b, out, 0)
	rep, _ := changestest.Analyze(t, out, rev)
	changestest.RequireDisallowed(t, rep, d.Fields["ghi_chu"], "", "")
}

// ---------------------------------------------------------------------
// Sneaky signature attack, variant 1: a widget with /FT /Sig (or whose
// /Parent is a signature field) put on a page without being a field of
// the form. annots() takes it for "a signature field added after signing"
// and nothing else looks at it: its appearance may cover the page.

func TestReviewOrphanSignatureWidgetOverlay(t *testing.T) {
	b := changestest.Setup(t)
	for _, c := range []struct {
		name   string
		widget func(page, ap, signedField int) string
	}{
		{"own /FT /Sig", func(page, ap, _ int) string {
			return fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /F 4 /Rect [0 0 595 842] /P %d 0 R /AP << /N %d 0 R >> >>", page, ap)
		}},
		{"/Parent is the signed signature field", func(page, ap, signedField int) string {
			return fmt.Sprintf("<< /Type /Annot /Subtype /Widget /Parent %d 0 R /F 4 /Rect [0 0 595 842] /P %d 0 R /AP << /N %d 0 R >> >>", signedField, page, ap)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := testpdf.Base(testpdf.BaseOptions{})
			signedField := testpdf.NextObject(t, d.Bytes) + 1 // the native signer: signature, then field
			pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative, ReferenceData: true, Level: testpdf.LevelBLT})
			reviewBaseline(t, b, pdf, 0)
			rev := changestest.LastRev(t, pdf)
			n := testpdf.NextObject(t, pdf)
			w, ap := n, n+1
			page := changestest.Object(t, pdf, d.Pages[0])
			annots, _ := testpdf.DictGet(page, "Annots")
			out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
				d.Pages[0]: testpdf.DictSet(page, "Annots", strings.TrimSuffix(strings.TrimSpace(annots), "]")+" "+testpdf.Ref(w)+"]"),
				w:          c.widget(d.Pages[0], ap, signedField),
				ap: testpdf.Stream(fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> >>", d.Font),
					[]byte("1 g 0 0 595 842 re f 0 g BT /F1 12 Tf 72 770 Td (QUYET DINH GIA MAO) Tj ET\n")),
			}})
			reviewNotPassed(t, b, out, 0)
			rep, _ := changestest.Analyze(t, out, rev)
			reviewAnyDisallowed(t, rep)
		})
	}
}

// Sneaky signature attack, variant 2 (Mladenov et al.): a new, UNSIGNED
// signature field whose appearance covers the page, under a certification
// with P=2 (which permits form filling and signing, not drawing).
func TestReviewSneakyUnsignedSignatureField(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2, Level: testpdf.LevelBLT})
	reviewBaseline(t, b, pdf, 0)
	rev := changestest.LastRev(t, pdf)
	n := testpdf.NextObject(t, pdf)
	fld, ap := n, n+1
	page := changestest.Object(t, pdf, d.Pages[0])
	annots, _ := testpdf.DictGet(page, "Annots")
	af := changestest.Object(t, pdf, d.AcroForm)
	fields, _ := testpdf.DictGet(af, "Fields")
	out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
		d.Pages[0]: testpdf.DictSet(page, "Annots", strings.TrimSuffix(strings.TrimSpace(annots), "]")+" "+testpdf.Ref(fld)+"]"),
		d.AcroForm: testpdf.DictSet(af, "Fields", strings.TrimSuffix(strings.TrimSpace(fields), "]")+" "+testpdf.Ref(fld)+"]"),
		fld:        fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (Ky2) /F 4 /Rect [0 0 595 842] /P %d 0 R /AP << /N %d 0 R >> >>", d.Pages[0], ap),
		ap: testpdf.Stream(fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> >>", d.Font),
			[]byte("1 g 0 0 595 842 re f 0 g BT /F1 12 Tf 72 770 Td (QUYET DINH GIA MAO) Tj ET\n")),
	}})
	rep, _ := changestest.Analyze(t, out, rev)
	reviewAnyDisallowed(t, rep)
}

// ---------------------------------------------------------------------
// Rule 1 (/AcroForm /DA with a signature): "no field is repainted from
// it" only holds for viewers that draw /AP. pdf.js (Firefox) draws text
// fields as HTML inputs styled from the field's /DA, inherited from the
// form's: white text hides the value of a field that P=1 freezes. A
// document timestamp anyone can get from a public TSA is enough (lta).

func TestReviewFormDefaultAppearanceInheritedByField(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	// The field has a value and its appearance, and no /DA of its own:
	// it inherits the form's (/Helv 0 Tf 0 g).
	field := changestest.Object(t, d.Bytes, d.Fields["ho_ten"])
	field = testpdf.DictSet(testpdf.DictSet(field, "DA", ""), "V", "(Nguyen Van An)")
	doc := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		d.Fields["ho_ten"]:   field,
		d.FieldAPs["ho_ten"]: testpdf.FieldAppearance(d.Font, 328, 20, "Nguyen Van An"),
	}})
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1, Level: testpdf.LevelBLT})
	reviewBaseline(t, b, pdf, 0)
	rev := changestest.LastRev(t, pdf)
	t.Run("white /DA with a document timestamp", func(t *testing.T) {
		out := testpdf.Sign(t, pdf, nil, b.PKI, testpdf.SignOptions{Kind: testpdf.DocTimestamp, Engine: testpdf.EngineNative,
			Tweak: changestest.TweakAcroForm(t, func(af string, _ *int, _ map[int]string) string {
				return testpdf.DictSet(testpdf.DictSet(af, "DA", "(/Helv 0 Tf 1 1 1 rg)"), "Q", "2")
			})})
		reviewNotPassed(t, b, out, 0)
		rep, _ := changestest.Analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.AcroForm, "", "")
	})
	t.Run("/DA removed, no signature at all", func(t *testing.T) {
		af := changestest.Object(t, pdf, d.AcroForm)
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{d.AcroForm: testpdf.DictSet(af, "DA", "")}})
		rep, _ := changestest.Analyze(t, out, rev)
		changestest.RequireDisallowed(t, rep, d.AcroForm, "", "")
	})
}

// ---------------------------------------------------------------------
// Rule 2 (structure tree for a new widget): only the kids added to
// EXISTING elements are checked; the new element itself is claimed
// whole. Its /ActualText over the signed page's marked content, or an
// object reference to a signed annotation, rewrites what screen readers,
// Reflow and copy-paste give for the signed text.

func TestReviewStructureElementActualTextOverSignedContent(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	td := changestest.Tagged(t, d)
	pdf := testpdf.Sign(t, td.PDF, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative, Level: testpdf.LevelBLT})
	rev := changestest.LastRev(t, pdf)
	out := testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Visible: true, Tweak: func(in []byte, objs map[int]string, next *int) {
		changestest.TagWidget(t, td, d.Pages[0])(in, objs, next)
		elem := *next - 1 // the element changestest.TagWidget added
		widget := 0
		for num, body := range objs {
			if ft, _ := testpdf.DictGet(body, "FT"); ft == "/Sig" {
				widget = num
			}
		}
		objs[elem] = fmt.Sprintf("<< /Type /StructElem /S /Form /P %s /Pg %s /ActualText %s /K [<< /Type /MCR /Pg %s /MCID 0 >> << /Type /OBJR /Obj %s /Pg %s >>] >>",
			testpdf.Ref(td.Doc), testpdf.Ref(d.Pages[0]), testpdf.TextString("Số tiền: 900.000.000 đồng"), testpdf.Ref(d.Pages[0]), testpdf.Ref(widget), testpdf.Ref(d.Pages[0]))
	}})
	rep, _ := changestest.Analyze(t, out, rev)
	reviewAnyDisallowed(t, rep)
}

// ---------------------------------------------------------------------
// Rule 10 (repeated keys, last wins): a page dictionary redefined with a
// new signature's widget repeats /Contents, the first value an attacker's
// stream, the last the signed one. sohoa compares the last; a reader that
// keeps the first shows the attacker's page. The ambiguity is only a
// document-level anomaly: the signature still passes.

func TestReviewRepeatedContentsKeyInRedefinedPage(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative, Level: testpdf.LevelBLT})
	reviewBaseline(t, b, pdf, 0)
	rev := changestest.LastRev(t, pdf)
	out := testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Visible: true, Level: testpdf.LevelBLT, Tweak: func(in []byte, objs map[int]string, next *int) {
		evil := *next
		*next++
		objs[evil] = testpdf.Stream("", testpdf.PageText("QUYẾT ĐỊNH GIẢ MẠO"))
		body := strings.TrimSpace(objs[d.Pages[0]])
		require.True(t, strings.HasPrefix(body, "<<"))
		objs[d.Pages[0]] = fmt.Sprintf("<< /Contents %d 0 R%s", evil, body[2:])
	}})
	require.Equal(t, 2, strings.Count(changestest.Object(t, out, d.Pages[0]), "/Contents"))
	changestest.Analyze(t, out, rev) // logged with -v
	reviewNotPassed(t, b, out, 0)
}

// ---------------------------------------------------------------------
// Rule 10 (repair). The signed revision holds a second, unlisted body of
// page 1's content stream (a shadow: the cross-reference entries name the
// honest one, so the signer's viewer shows the honest page, and the signer
// does not rewrite the content stream). An update after signing only
// breaks its own startxref: every reconstructing reader (pdf.js's
// indexObjects, PDFium's rebuild) then takes the LAST body of each object
// in the file, the shadow. pdfraw's repair does the same for the signed
// revision too (reconcile), so the analysis compares shadow with shadow.

func TestReviewRepairActivatesShadowInSignedRevision(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	n := testpdf.NextObject(t, d.Bytes)
	doc, _ := changestest.Append(t, d.Bytes, changestest.Update{
		Dead:   fmt.Sprintf("%d 0 obj\n%s\nendobj\n", d.Contents[0], testpdf.Stream("", testpdf.PageText("QUYẾT ĐỊNH GIẢ MẠO"))),
		Bodies: map[int]string{n: "<< /Note (padding) >>"},
	})
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative, Level: testpdf.LevelBLT})
	reviewBaseline(t, b, pdf, 0)
	rev := changestest.LastRev(t, pdf)
	out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{testpdf.NextObject(t, pdf): "<< /Junk true >>"}})
	out = reviewBreakStartxref(t, out)
	reviewNotPassed(t, b, out, 0)
	// The revisions themselves compare equal (each keeps its own
	// definitions); the verdict fails on the second definition that
	// readers rebuilding the damaged file would show.
	rep, _ := changestest.Analyze(t, out, rev)
	require.Empty(t, rep.Disallowed)
	vr := reviewVerify(t, b, out)
	require.Contains(t, strings.Join(vr.Signatures[0].Problems, "\n"), "a second time")
}

// Rule 10 (repair), pdf.js variant: the update after signing brings one
// unreferenced stream whose DATA holds "N 0 obj" bodies for the page and a
// content stream, and breaks its startxref. pdfraw skips stream data;
// pdf.js's indexObjects treats an "obj" inside another object as a new
// object (the latest wins) and shows the fake page.

func TestReviewRepairObjectsInsideStreamData(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative, Level: testpdf.LevelBLT})
	reviewBaseline(t, b, pdf, 0)
	n := testpdf.NextObject(t, pdf)
	carrier, fake := n, n+1
	content := testpdf.PageText("QUYẾT ĐỊNH GIẢ MẠO")
	page := testpdf.DictSet(changestest.Object(t, pdf, d.Pages[0]), "Contents", testpdf.Ref(fake))
	inner := fmt.Sprintf("%d 0 obj\n%s\nendobj\n%d 0 obj\n%s\nendobj\n", d.Pages[0], page, fake, testpdf.Stream("", content))
	out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{carrier: testpdf.Stream("", []byte(inner))}})
	out = reviewBreakStartxref(t, out)
	reviewNotPassed(t, b, out, 0)
}

// ---------------------------------------------------------------------
// Controls: relaxations that must still stop at their edge.

// /MK (rule 7) on an already signed signature field is not signing it.
func TestReviewAppearanceCharacteristicsOnSignedField(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	pdf := testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative, Visible: true})
	rev := changestest.LastRev(t, pdf)
	field := testpdf.NextObject(t, d.Bytes) + 1
	out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
		field: testpdf.DictSet(changestest.Object(t, pdf, field), "MK", "<< /BG [1 0 0] /CA (Sua) >>"),
	}})
	rep, _ := changestest.Analyze(t, out, rev)
	changestest.RequireDisallowed(t, rep, field, "signature_field", "already signed")
}

// /DR extended in place (rule 1) where the font dictionary is also the
// page's: a font name the signed content uses but did not define would be
// filled in.
func TestReviewDefaultResourcesSharedWithPage(t *testing.T) {
	b := changestest.Setup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	fonts := testpdf.NextObject(t, d.Bytes)
	page := changestest.Object(t, d.Bytes, d.Pages[0])
	af := changestest.Object(t, d.Bytes, d.AcroForm)
	doc := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		fonts:      fmt.Sprintf("<< /F1 %d 0 R /Helv %d 0 R >>", d.Font, d.Font),
		d.Pages[0]: testpdf.DictSet(page, "Resources", fmt.Sprintf("<< /Font %d 0 R >>", fonts)),
		d.AcroForm: testpdf.DictSet(af, "DR", fmt.Sprintf("<< /Font %d 0 R >>", fonts)),
	}})
	pdf := testpdf.Sign(t, doc, b.Signer, b.PKI, testpdf.SignOptions{Engine: testpdf.EngineNative})
	rev := changestest.LastRev(t, pdf)
	out := testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Visible: true, Tweak: func(in []byte, objs map[int]string, next *int) {
		f := *next
		*next++
		objs[f] = "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"
		objs[fonts] = fmt.Sprintf("<< /F1 %d 0 R /Helv %d 0 R /F2 %d 0 R >>", d.Font, d.Font, f)
	}})
	rep, _ := changestest.Analyze(t, out, rev)
	changestest.RequireDisallowed(t, rep, fonts, "", "")
}
