package changes

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/pdfraw"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/internal/testpki"
)

// chgBundle is what the changes tests share: one PKI and signer.
type chgBundle struct {
	pki    *testpki.PKI
	signer *testpki.Cert
}

func chgSetup(t *testing.T) *chgBundle {
	t.Helper()
	pki := testpki.New(t)
	return &chgBundle{pki: pki, signer: pki.NewSigner(t, "Nguyễn Văn An", testpki.Options{})}
}

func chgOpen(t testing.TB, pdf []byte) *pdfraw.File {
	t.Helper()
	f, err := pdfraw.Open(bytes.NewReader(pdf), int64(len(pdf)), pdfraw.Limits{})
	require.NoError(t, err)
	return f
}

// lastRev is the index of pdf's newest revision: the revision a signature
// just added covers.
func lastRev(t testing.TB, pdf []byte) int {
	t.Helper()
	return len(chgOpen(t, pdf).Sections()) - 1
}

// analyze runs ReadPermissions and Analyze for a signature
// covering revision rev.
func analyze(t testing.TB, pdf []byte, rev int) (*Report, Permissions) {
	t.Helper()
	f := chgOpen(t, pdf)
	perms, err := ReadPermissions(f, rev)
	require.NoError(t, err)
	rep, err := Analyze(f, rev, perms)
	require.NoError(t, err)
	require.NotNil(t, rep)
	requireCoded(t, rep)
	if testing.Verbose() {
		t.Logf("DocMDP %d, locks %v, revision %d:\n%s", perms.DocMDP, perms.FieldLocks, rev, dumpChanges(rep))
	}
	return rep, perms
}

func dumpChanges(rep *Report) string {
	var b strings.Builder
	for _, c := range rep.Allowed {
		fmt.Fprintf(&b, "  allowed    rev %d %-8s %-16s %s\n", c.Revision, c.Object, c.Kind, c.Reason)
	}
	for _, c := range rep.Disallowed {
		fmt.Fprintf(&b, "  DISALLOWED rev %d %-8s %-16s %s\n", c.Revision, c.Object, c.Kind, c.Reason)
	}
	return b.String()
}

func requireClean(t testing.TB, rep *Report) {
	t.Helper()
	require.Empty(t, rep.Disallowed, "unexpected disallowed changes:\n%s", dumpChanges(rep))
}

// requireDisallowed checks that object num (0: any) is disallowed with the
// given kind ("" any) and a reason containing substr.
func requireDisallowed(t testing.TB, rep *Report, num int, kind, substr string) {
	t.Helper()
	for _, c := range rep.Disallowed {
		if num != 0 && !strings.HasPrefix(c.Object, fmt.Sprintf("%d ", num)) {
			continue
		}
		if kind != "" && c.Kind != kind {
			continue
		}
		if strings.Contains(c.Reason, substr) {
			return
		}
	}
	t.Fatalf("no disallowed change of object %d (kind %q, reason ~ %q):\n%s", num, kind, substr, dumpChanges(rep))
}

func requireAllowed(t testing.TB, rep *Report, num int, substr string) {
	t.Helper()
	for _, c := range rep.Allowed {
		if strings.HasPrefix(c.Object, fmt.Sprintf("%d ", num)) && strings.Contains(c.Reason, substr) {
			return
		}
	}
	t.Fatalf("no allowed change of object %d (reason ~ %q):\n%s", num, substr, dumpChanges(rep))
}

// chgUpd is a hand-written incremental update with a classic xref table,
// for updates testpdf.Append cannot express: entries pointing at bytes
// elsewhere in the file, freed objects, dead object bodies no xref lists.
type chgUpd struct {
	dead   string         // raw text written first and listed nowhere
	bodies map[int]string // objects written and listed
	at     map[int]int64  // objects listed at these offsets
	free   []int          // objects listed as free (generation 1)
	root   int            // new /Root, 0 keeps it
}

// chgAppend writes u after pdf and returns the file and the offset of the
// first byte of u.dead.
func chgAppend(t testing.TB, pdf []byte, u chgUpd) ([]byte, int64) {
	t.Helper()
	tr, err := testpdf.ReadTrailer(pdf)
	require.NoError(t, err)
	var b bytes.Buffer
	b.Write(pdf)
	if !bytes.HasSuffix(pdf, []byte("\n")) {
		b.WriteByte('\n')
	}
	deadOff := int64(b.Len())
	b.WriteString(u.dead)
	type ent struct {
		off  int64
		free bool
	}
	entries := map[int]ent{}
	size := tr.Size
	nums := make([]int, 0, len(u.bodies))
	for n := range u.bodies {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		entries[n] = ent{off: int64(b.Len())}
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, u.bodies[n])
	}
	for n, off := range u.at {
		entries[n] = ent{off: off}
	}
	for _, n := range u.free {
		entries[n] = ent{free: true}
	}
	all := make([]int, 0, len(entries))
	for n := range entries {
		all = append(all, n)
		size = max(size, n+1)
	}
	sort.Ints(all)
	xref := b.Len()
	b.WriteString("xref\n")
	for i := 0; i < len(all); {
		j := i
		for j+1 < len(all) && all[j+1] == all[j]+1 {
			j++
		}
		fmt.Fprintf(&b, "%d %d\n", all[i], j-i+1)
		for k := i; k <= j; k++ {
			e := entries[all[k]]
			if e.free {
				b.WriteString("0000000000 00001 f\r\n")
			} else {
				fmt.Fprintf(&b, "%010d 00000 n\r\n", e.off)
			}
		}
		i = j + 1
	}
	root := tr.Root
	if u.root != 0 {
		root = u.root
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R", size, root)
	if tr.Info != 0 {
		fmt.Fprintf(&b, " /Info %d 0 R", tr.Info)
	}
	if tr.ID != "" {
		fmt.Fprintf(&b, " /ID %s", tr.ID)
	}
	fmt.Fprintf(&b, " /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", tr.StartXRef, xref)
	return b.Bytes(), deadOff
}

func chgObject(t testing.TB, pdf []byte, n int) string {
	t.Helper()
	s, err := testpdf.Object(pdf, n)
	require.NoError(t, err)
	return s
}

// ---------------------------------------------------------------------

func TestChangesNoLaterRevision(t *testing.T) {
	d := testpdf.Base(testpdf.BaseOptions{})
	f := chgOpen(t, d.Bytes)
	rep, err := Analyze(f, 0, Permissions{})
	require.NoError(t, err)
	require.Nil(t, rep)
	_, err = Analyze(f, 1, Permissions{})
	require.Error(t, err)
}

func TestChangesSecondSignaturePDFSign(t *testing.T) {
	b := chgSetup(t)
	for _, xs := range []bool{false, true} {
		for _, visible := range []bool{false, true} {
			t.Run(fmt.Sprintf("xrefstream=%v/visible=%v", xs, visible), func(t *testing.T) {
				d := testpdf.Base(testpdf.BaseOptions{XRefStream: xs, Pages: 2})
				pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EnginePDFSign, Visible: true})
				rev := lastRev(t, pdf)
				pdf = testpdf.Sign(t, pdf, b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EnginePDFSign, Visible: visible, Page: 1})
				rep, perms := analyze(t, pdf, rev)
				require.Equal(t, 0, perms.DocMDP)
				require.True(t, perms.FieldLocks["*"], "pdfsign's approval signature carries FieldMDP /Action /All")
				requireClean(t, rep)
				require.Equal(t, 1, rep.LaterRevisions)
				require.NotEmpty(t, rep.Allowed)
				if visible {
					requireAllowed(t, rep, d.Pages[0], "widget")
				}
			})
		}
	}
}

func TestChangesNativeSignatures(t *testing.T) {
	b := chgSetup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}, SignatureField: "Ký duyệt"})
	pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EngineNative, Visible: true})
	rev := lastRev(t, pdf)
	// Sign the existing empty field, then add a new invisible signature.
	pdf = testpdf.Sign(t, pdf, b.signer, b.pki, testpdf.SignOptions{FieldName: "Ký duyệt", Visible: true})
	pdf = testpdf.Sign(t, pdf, b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EngineNative})
	rep, _ := analyze(t, pdf, rev)
	requireClean(t, rep)
	requireAllowed(t, rep, d.SigField, `signature field "Ký duyệt" signed`)
}

func TestChangesDSSAndDocumentTimestamp(t *testing.T) {
	b := chgSetup(t)
	t.Run("approval B-LTA", func(t *testing.T) {
		d := testpdf.Base(testpdf.BaseOptions{})
		pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EnginePDFSign, Level: testpdf.LevelBLTA})
		// Base, signature, DSS, document timestamp.
		require.Equal(t, 3, lastRev(t, pdf))
		rep, _ := analyze(t, pdf, 1)
		requireClean(t, rep)
		require.Equal(t, 2, rep.LaterRevisions)
		var dss bool
		for _, c := range rep.Allowed {
			dss = dss || c.Kind == "dss"
		}
		require.True(t, dss, dumpChanges(rep))
	})
	t.Run("certification P=1", func(t *testing.T) {
		d := testpdf.Base(testpdf.BaseOptions{})
		pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 1})
		rev := lastRev(t, pdf)
		dss := testpdf.ValidationData(t, b.pki, b.pki.Now(), b.signer)
		dss.VRI = true
		pdf = testpdf.AddDSS(t, pdf, dss)
		pdf = testpdf.Sign(t, pdf, nil, b.pki, testpdf.SignOptions{Kind: testpdf.DocTimestamp})
		pdf = testpdf.AddDSS(t, pdf, testpdf.ValidationData(t, b.pki, b.pki.Now(), b.pki.TSA))
		// LTA tools also refresh /Info: allowed, and listed.
		pdf = testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Info: "<< /Title (Biên bản) /ModDate (D:20260302000000Z) /Producer (LTA tool) >>",
		}})
		rep, perms := analyze(t, pdf, rev)
		require.Equal(t, 1, perms.DocMDP)
		requireClean(t, rep)
		requireAllowed(t, rep, d.Info, "/Info")

		// A further approval signature is a change P=1 forbids.
		// (pdfsign cannot sign here: it finds its /Contents placeholder with
		// bytes.Index from the start of the file and overwrites the zero
		// padding of the earlier document timestamp.)
		signed := testpdf.Sign(t, pdf, b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EngineNative})
		rep, _ = analyze(t, signed, rev)
		requireDisallowed(t, rep, 0, "signature_field", "DocMDP P=1")
	})
}

func TestChangesPageContentRewritten(t *testing.T) {
	b := chgSetup(t)
	d := testpdf.Base(testpdf.BaseOptions{Pages: 3})
	pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{})
	rev := lastRev(t, pdf)
	pdf = testpdf.RewritePageContents(t, pdf, 2, testpdf.PageText("Số tiền: 900.000.000 đồng"))
	rep, _ := analyze(t, pdf, rev)
	requireDisallowed(t, rep, d.Pages[1], "page", "/Contents")
	// The new content stream is named as part of the page's change.
	requireDisallowed(t, rep, 0, "", "referenced by the disallowed change of object")
}

func TestChangesResources(t *testing.T) {
	b := chgSetup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{})
	rev := lastRev(t, pdf)
	page := chgObject(t, pdf, d.Pages[0])
	n := testpdf.NextObject(t, pdf)

	t.Run("new font", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:          "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
			d.Pages[0]: testpdf.DictSet(page, "Resources", fmt.Sprintf("<< /Font << /F1 %d 0 R /F2 %d 0 R >> >>", d.Font, n)),
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, d.Pages[0], "page", "/Resources")
		requireDisallowed(t, rep, n, "", "disallowed change of object")
	})
	t.Run("new xobject", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n: testpdf.Stream("<< /Type /XObject /Subtype /Form /BBox [0 0 100 100] >>", []byte("0 0 100 100 re f")),
			d.Pages[0]: testpdf.DictSet(page, "Resources",
				fmt.Sprintf("<< /Font << /F1 %d 0 R >> /XObject << /X1 %d 0 R >> >>", d.Font, n)),
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, d.Pages[0], "page", "/Resources")
	})
	t.Run("font redefined", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Font: "<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>",
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, d.Font, "font", "/BaseFont")
	})
	t.Run("content stream redefined", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Contents[0]: testpdf.Stream("", testpdf.PageText("khác")),
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, d.Contents[0], "content_stream", "stream")
	})
	t.Run("page tree", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:          fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>", d.PageTree, d.Contents[0]),
			d.PageTree: fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>", d.Pages[0], n),
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, d.PageTree, "page_tree", "/Kids")
		requireDisallowed(t, rep, n, "", "disallowed change")
	})
}

func TestChangesShadow(t *testing.T) {
	b := chgSetup(t)
	t.Run("page points at shadow stream", func(t *testing.T) {
		d := testpdf.Base(testpdf.BaseOptions{Shadow: true})
		pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{})
		rev := lastRev(t, pdf)
		pdf = testpdf.ShowShadow(t, pdf, 1, d.Shadow)
		rep, _ := analyze(t, pdf, rev)
		requireDisallowed(t, rep, d.Pages[0], "page", "/Contents")
	})
	t.Run("xref entry into the signed bytes, existing number", func(t *testing.T) {
		// A shadow version of the page sits in the signed bytes, listed in
		// no cross-reference section; the attack only adds an xref entry.
		d := testpdf.Base(testpdf.BaseOptions{Shadow: true})
		page := chgObject(t, d.Bytes, d.Pages[0])
		shadowPage := testpdf.DictSet(page, "Contents", testpdf.Ref(d.Shadow))
		n := testpdf.NextObject(t, d.Bytes)
		pdf, deadOff := chgAppend(t, d.Bytes, chgUpd{
			dead:   fmt.Sprintf("%d 0 obj\n%s\nendobj\n", d.Pages[0], shadowPage),
			bodies: map[int]string{n: "<< /Note (padding) >>"},
		})
		pdf = testpdf.Sign(t, pdf, b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EnginePDFSign})
		rev := lastRev(t, pdf)
		pdf, _ = chgAppend(t, pdf, chgUpd{at: map[int]int64{d.Pages[0]: deadOff}})
		rep, _ := analyze(t, pdf, rev)
		requireDisallowed(t, rep, d.Pages[0], "page", "pointing into the signed bytes")
	})

	// The signed page refers to an object number nothing defines at
	// signing (a reference to null, so the page shows nothing of it).
	dangling := func(t *testing.T, withDeadBody bool) (pdf []byte, rev, num int, deadOff int64, d *testpdf.Doc) {
		d = testpdf.Base(testpdf.BaseOptions{})
		num = testpdf.NextObject(t, d.Bytes) + 10
		page := chgObject(t, d.Bytes, d.Pages[0])
		page = testpdf.DictSet(page, "Contents", fmt.Sprintf("[%d 0 R %d 0 R]", d.Contents[0], num))
		dead := ""
		if withDeadBody {
			dead = fmt.Sprintf("%d 0 obj\n%s\nendobj\n", num, testpdf.Stream("", testpdf.PageText("", "", "", "ĐÃ THANH TOÁN")))
		}
		pdf, deadOff = chgAppend(t, d.Bytes, chgUpd{dead: dead, bodies: map[int]string{d.Pages[0]: page}})
		pdf = testpdf.Sign(t, pdf, b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EnginePDFSign})
		return pdf, lastRev(t, pdf), num, deadOff, d
	}
	t.Run("xref entry into the signed bytes, new number", func(t *testing.T) {
		pdf, rev, num, deadOff, _ := dangling(t, true)
		pdf, _ = chgAppend(t, pdf, chgUpd{at: map[int]int64{num: deadOff}})
		rep, _ := analyze(t, pdf, rev)
		requireDisallowed(t, rep, num, "content_stream", "hidden object made visible")
		requireDisallowed(t, rep, num, "content_stream", "undefined at signing")
	})
	t.Run("appended object fills a dangling reference", func(t *testing.T) {
		pdf, rev, num, _, _ := dangling(t, false)
		pdf = testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			num: testpdf.Stream("", testpdf.PageText("", "", "", "ĐÃ THANH TOÁN")),
		}})
		rep, _ := analyze(t, pdf, rev)
		requireDisallowed(t, rep, num, "content_stream", "undefined at signing")
	})
	t.Run("dangling reference filled under an allowed DSS update", func(t *testing.T) {
		pdf, rev, num, _, d := dangling(t, false)
		cat := chgObject(t, pdf, testpdfRoot(t, pdf))
		dssNum := num + 1
		pdf = testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			num:                 testpdf.Stream("", testpdf.PageText("", "", "", "ĐÃ THANH TOÁN")),
			dssNum:              fmt.Sprintf("<< /Type /DSS /Certs [%d 0 R] >>", num),
			testpdfRoot(t, pdf): testpdf.DictSet(cat, "DSS", testpdf.Ref(dssNum)),
		}})
		_ = d
		rep, _ := analyze(t, pdf, rev)
		requireDisallowed(t, rep, num, "content_stream", "undefined at signing")
	})
}

func testpdfRoot(t testing.TB, pdf []byte) int {
	t.Helper()
	tr, err := testpdf.ReadTrailer(pdf)
	require.NoError(t, err)
	return tr.Root
}

func TestChangesFormFilling(t *testing.T) {
	b := chgSetup(t)
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
			pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, c.opts)
			rev := lastRev(t, pdf)
			pdf = testpdf.FillField(t, pdf, "ho_ten", "Trần Thị Bình")
			rep, perms := analyze(t, pdf, rev)
			if c.opts.Kind == testpdf.Certification {
				require.Equal(t, c.opts.DocMDP, perms.DocMDP)
			}
			if c.allowed {
				requireClean(t, rep)
				requireAllowed(t, rep, d.Fields["ho_ten"], `form field "ho_ten" filled`)
				requireAllowed(t, rep, 0+testpdf.NextObject(t, pdf)-1, `"ho_ten"`)
				// An auditor reads it without looking at objects.
				require.Contains(t, rep.Notes, fmt.Sprintf(`revision %d: form field "ho_ten" filled`, rev+2))
				return
			}
			requireDisallowed(t, rep, d.Fields["ho_ten"], "form_field", c.reason)
		})
	}
}

func TestChangesFieldLock(t *testing.T) {
	b := chgSetup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten", "ghi_chu"}, SignatureField: "Ký"})
	// Lock "ho_ten" from the signature field before certifying with it.
	sig := chgObject(t, d.Bytes, d.SigField)
	pdf := testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		d.SigField: testpdf.DictSet(sig, "Lock", "<< /Type /SigFieldLock /Action /Include /Fields [(ho_ten)] >>"),
	}})
	pdf = testpdf.Sign(t, pdf, b.signer, b.pki, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2, FieldName: "Ký"})
	rev := lastRev(t, pdf)
	perms, err := ReadPermissions(chgOpen(t, pdf), rev)
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"ho_ten": true}, perms.FieldLocks)

	locked := testpdf.FillField(t, pdf, "ho_ten", "Lê Văn C")
	rep, _ := analyze(t, locked, rev)
	requireDisallowed(t, rep, d.Fields["ho_ten"], "form_field", "locked")

	free := testpdf.FillField(t, pdf, "ghi_chu", "đã nhận đủ")
	rep, _ = analyze(t, free, rev)
	requireClean(t, rep)
}

func TestChangesAnnotations(t *testing.T) {
	b := chgSetup(t)
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
			pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, c.opts)
			rev := lastRev(t, pdf)
			added := testpdf.AddAnnotation(t, pdf, 1, "Đã xem")
			rep, _ := analyze(t, added, rev)
			if c.reason == "" {
				requireClean(t, rep)
				requireAllowed(t, rep, d.Pages[0], "annotation")
			} else {
				requireDisallowed(t, rep, d.Pages[0], "page", c.reason)
			}
			// Modifying the existing annotation in place.
			annot := chgObject(t, pdf, d.Annot)
			mod := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
				d.Annot: testpdf.DictSet(annot, "Contents", "(Sửa)"),
			}})
			rep, _ = analyze(t, mod, rev)
			if c.reason == "" {
				requireClean(t, rep)
			} else {
				requireDisallowed(t, rep, d.Annot, "annotation", c.reason)
			}
		})
	}
}

func TestChangesCatalog(t *testing.T) {
	b := chgSetup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EnginePDFSign})
	rev := lastRev(t, pdf)
	root := testpdfRoot(t, pdf)
	cat := chgObject(t, pdf, root)
	n := testpdf.NextObject(t, pdf)

	t.Run("OpenAction added", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:    "<< /S /JavaScript /JS (app.alert\\('x'\\)) >>",
			root: testpdf.DictSet(cat, "OpenAction", testpdf.Ref(n)),
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, root, "catalog", "/OpenAction added")
		requireDisallowed(t, rep, n, "", "disallowed change of object")
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
		requireDisallowed(t, rep, n, "catalog", "/Pages changed")
		requireDisallowed(t, rep, n+3, "", "disallowed change")
	})
	t.Run("Root switched to an object of the signed revision", func(t *testing.T) {
		out, _ := chgAppend(t, pdf, chgUpd{root: d.Info, bodies: map[int]string{n: "<< >>"}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, d.Info, "catalog", "existed at signing")
	})
	t.Run("Perms added", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			root: testpdf.DictSet(cat, "Perms", "<< >>"),
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, root, "catalog", "/Perms")
	})
	t.Run("Info and Metadata updated", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Info: "<< /Title (Biên bản) /ModDate (D:20260302000000Z) >>",
			n:      testpdf.Stream("<< /Type /Metadata /Subtype /XML >>", []byte("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")),
			root:   testpdf.DictSet(cat, "Metadata", testpdf.Ref(n)),
		}})
		rep, _ := analyze(t, out, rev)
		requireClean(t, rep)
		requireAllowed(t, rep, d.Info, "/Info")
		requireAllowed(t, rep, n, "XMP")
	})
}

func TestChangesXrefTricks(t *testing.T) {
	b := chgSetup(t)
	d := testpdf.Base(testpdf.BaseOptions{Shadow: true})
	pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EnginePDFSign})
	rev := lastRev(t, pdf)
	n := testpdf.NextObject(t, pdf)

	t.Run("unchanged redefinition", func(t *testing.T) {
		out := testpdf.RedefineIdentical(t, pdf, d.Pages[0])
		out = testpdf.RedefineIdentical(t, out, d.Contents[0])
		rep, _ := analyze(t, out, rev)
		requireClean(t, rep)
		requireAllowed(t, rep, d.Pages[0], "unchanged redefinition")
		requireAllowed(t, rep, d.Contents[0], "unchanged redefinition")
	})
	t.Run("unchanged redefinition pointing into the signed bytes", func(t *testing.T) {
		f := chgOpen(t, pdf)
		e, _, ok := f.Entry(-1, uint32(d.Font))
		require.True(t, ok)
		// Same object, listed again at its signed offset: a no-op.
		out, _ := chgAppend(t, pdf, chgUpd{at: map[int]int64{d.Font: e.Offset}, bodies: map[int]string{n: "<< >>"}})
		rep, _ := analyze(t, out, rev)
		requireClean(t, rep)
	})
	t.Run("unreferenced new object", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{n: "<< /Junk true >>"}})
		rep, _ := analyze(t, out, rev)
		requireClean(t, rep)
		requireAllowed(t, rep, n, "unreferenced")
	})
	t.Run("object deleted", func(t *testing.T) {
		out, _ := chgAppend(t, pdf, chgUpd{free: []int{d.Contents[0]}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, d.Contents[0], "content_stream", "deleted")
	})
	t.Run("freed then reused", func(t *testing.T) {
		out, _ := chgAppend(t, pdf, chgUpd{free: []int{d.Shadow}})
		out = testpdf.Append(t, out, testpdf.Update{Objects: map[int]string{d.Shadow: "<< /Reused true >>"}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, d.Shadow, "", "deleted")
		requireDisallowed(t, rep, d.Shadow, "", "freed and is now reused")
	})
	t.Run("xref stream update", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{XRef: testpdf.XRefStream, Objects: map[int]string{n: "<< /Junk true >>"}})
		rep, _ := analyze(t, out, rev)
		requireClean(t, rep)
	})
}

func TestChangesSignatures(t *testing.T) {
	b := chgSetup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2, Visible: true})
	rev := lastRev(t, pdf)
	sigs := testpdf.Signatures(pdf)
	require.Len(t, sigs, 1)
	sigNum := sigs[0].Object
	af := chgObject(t, pdf, testpdfAcroForm(t, pdf))
	fields, ok := testpdf.DictGet(af, "Fields")
	require.True(t, ok)
	items, err := testpdf.ArrayItems(fields)
	require.NoError(t, err)
	require.Len(t, items, 2)
	sigField, _ := testpdf.RefNum(items[1])
	n := testpdf.NextObject(t, pdf)

	t.Run("signature dictionary changed", func(t *testing.T) {
		sd := chgObject(t, pdf, sigNum)
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			sigNum: testpdf.DictSet(sd, "Reason", "(Đã sửa)"),
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, sigNum, "signature", "/Reason")
	})
	t.Run("signed field gets another value", func(t *testing.T) {
		fd := chgObject(t, pdf, sigField)
		sd := chgObject(t, pdf, sigNum)
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:        testpdf.DictSet(sd, "Name", "(Người khác)"),
			sigField: testpdf.DictSet(fd, "V", testpdf.Ref(n)),
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, sigField, "signature_field", "already signed")
	})
	t.Run("copy of signed content redefined later", func(t *testing.T) {
		// Revision 1: the page's content moves to a new object with the
		// same bytes (harmless). Revision 2: that object changes.
		page := chgObject(t, pdf, d.Pages[0])
		content := testpdf.PageText("Biên bản tiếp nhận hồ sơ")
		orig := chgStreamData(t, pdf, d.Contents[0])
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:          testpdf.Stream("", orig),
			d.Pages[0]: testpdf.DictSet(page, "Contents", testpdf.Ref(n)),
		}})
		rep, _ := analyze(t, out, rev)
		requireClean(t, rep)
		out = testpdf.Append(t, out, testpdf.Update{Objects: map[int]string{n: testpdf.Stream("", content)}})
		rep, _ = analyze(t, out, rev)
		requireDisallowed(t, rep, n, "", "stands in for signed content")
	})
	t.Run("field removed from the form", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			testpdfAcroForm(t, pdf): testpdf.DictSet(af, "Fields", "["+items[1]+"]"),
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, d.Fields["ho_ten"], "form_field", "removed from the form")
	})
	t.Run("signature widget removed from the page", func(t *testing.T) {
		page := chgObject(t, pdf, d.Pages[0])
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			d.Pages[0]: testpdf.DictSet(page, "Annots", "["+testpdf.Ref(d.Fields["ho_ten"])+"]"),
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, d.Pages[0], "page", "removed from the page")
	})
	t.Run("new text field", func(t *testing.T) {
		out := testpdf.Append(t, pdf, testpdf.Update{Objects: map[int]string{
			n:                       fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /T (moi) /V (x) /Rect [0 0 10 10] /P %d 0 R >>", d.Pages[0]),
			testpdfAcroForm(t, pdf): testpdf.DictSet(af, "Fields", "["+items[0]+" "+items[1]+" "+testpdf.Ref(n)+"]"),
		}})
		rep, _ := analyze(t, out, rev)
		requireDisallowed(t, rep, n, "form_field", "only signature fields may be added")
	})
}

func chgStreamData(t testing.TB, pdf []byte, n int) []byte {
	t.Helper()
	f := chgOpen(t, pdf)
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
	cat := chgObject(t, pdf, testpdfRoot(t, pdf))
	v, ok := testpdf.DictGet(cat, "AcroForm")
	require.True(t, ok)
	n, ok := testpdf.RefNum(v)
	require.True(t, ok, "indirect /AcroForm")
	return n
}

func TestReadMDPPermissions(t *testing.T) {
	b := chgSetup(t)
	d := testpdf.Base(testpdf.BaseOptions{})
	pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 3})
	p, err := ReadPermissions(chgOpen(t, pdf), lastRev(t, pdf))
	require.NoError(t, err)
	require.Equal(t, 3, p.DocMDP)
	// Before the certification there is nothing.
	p, err = ReadPermissions(chgOpen(t, pdf), 0)
	require.NoError(t, err)
	require.Equal(t, 0, p.DocMDP)
	require.Empty(t, p.FieldLocks)
	// pdfsign's certification has no /Perms entry: its DocMDP transform
	// still counts.
	pdf = testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2, Engine: testpdf.EnginePDFSign})
	p, err = ReadPermissions(chgOpen(t, pdf), lastRev(t, pdf))
	require.NoError(t, err)
	require.Equal(t, 2, p.DocMDP)

	require.True(t, Permissions{FieldLocks: map[string]bool{"a": true}}.fieldLocked("a.b.c"))
	require.False(t, Permissions{FieldLocks: map[string]bool{"a": true}}.fieldLocked("ab"))
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
	page := chgObject(t, d.Bytes, pageNum)
	cat := chgObject(t, d.Bytes, d.Catalog)
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
	f := chgOpen(t, pdf)
	start := time.Now()
	rep, err := Analyze(f, 0, Permissions{})
	require.NoError(t, err)
	el := time.Since(start)
	requireClean(t, rep)
	require.Len(t, rep.Allowed, 5, dumpChanges(rep))
	t.Logf("10,000 pages, %d bytes: %v", len(pdf), el)
	require.Less(t, el, 5*time.Second)
}

func BenchmarkChangesManyPages(b *testing.B) {
	pdf := chgManyPagesDoc(b)
	for b.Loop() {
		f := chgOpen(b, pdf)
		rep, err := Analyze(f, 0, Permissions{})
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
	page := chgObject(f, d.Bytes, d.Pages[0])
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
			perms, err := ReadPermissions(pf, rev)
			if err != nil {
				continue
			}
			rep, err := Analyze(pf, rev, perms)
			if err == nil && rev < len(pf.Sections())-1 && rep == nil {
				t.Fatalf("nil report for revision %d of %d", rev, len(pf.Sections()))
			}
		}
	})
}
