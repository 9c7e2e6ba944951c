package verify

// The change analysis lives in verify/internal/changes, with its tests.
// These tests check what it means for the verdict (usage rights, the
// interop files, signature reference data) and hold the helpers the
// attack review (review_attacks_test.go) shares.

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/pdfraw"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/verify/internal/changes"
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

// analyze runs readMDPPermissions and analyzeChanges for a signature
// covering revision rev.
func analyze(t testing.TB, pdf []byte, rev int) (*ChangesReport, changes.Permissions) {
	t.Helper()
	f := chgOpen(t, pdf)
	perms, err := changes.ReadPermissions(f, rev)
	require.NoError(t, err)
	rep, err := changes.Analyze(f, rev, perms)
	require.NoError(t, err)
	require.NotNil(t, rep)
	if testing.Verbose() {
		t.Logf("DocMDP %d, locks %v, revision %d:\n%s", perms.DocMDP, perms.FieldLocks, rev, dumpChanges(rep))
	}
	return rep, perms
}

func dumpChanges(rep *ChangesReport) string {
	var b strings.Builder
	for _, c := range rep.Allowed {
		fmt.Fprintf(&b, "  allowed    rev %d %-8s %-16s %s\n", c.Revision, c.Object, c.Kind, c.Reason)
	}
	for _, c := range rep.Disallowed {
		fmt.Fprintf(&b, "  DISALLOWED rev %d %-8s %-16s %s\n", c.Revision, c.Object, c.Kind, c.Reason)
	}
	return b.String()
}

func requireClean(t testing.TB, rep *ChangesReport) {
	t.Helper()
	require.Empty(t, rep.Disallowed, "unexpected disallowed changes:\n%s", dumpChanges(rep))
}

// requireDisallowed checks that object num (0: any) is disallowed with the
// given kind ("" any) and a reason containing substr.
func requireDisallowed(t testing.TB, rep *ChangesReport, num int, kind, substr string) {
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

func requireAllowed(t testing.TB, rep *ChangesReport, num int, substr string) {
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

func testpdfRoot(t testing.TB, pdf []byte) int {
	t.Helper()
	tr, err := testpdf.ReadTrailer(pdf)
	require.NoError(t, err)
	return tr.Root
}

// tweakAcroForm returns a SignOptions.Tweak that rewrites the AcroForm
// dictionary of the update (direct in the catalog or an object of its
// own) with f.
func tweakAcroForm(t *testing.T, f func(af string, next *int, objs map[int]string) string) func([]byte, map[int]string, *int) {
	return func(in []byte, objs map[int]string, next *int) {
		tr, err := testpdf.ReadTrailer(in)
		require.NoError(t, err)
		cat, ok := objs[tr.Root]
		if !ok {
			cat = chgObject(t, in, tr.Root)
		}
		v, _ := testpdf.DictGet(cat, "AcroForm")
		if n, ok := testpdf.RefNum(v); ok {
			af, ok := objs[n]
			if !ok {
				af = chgObject(t, in, n)
			}
			objs[n] = f(af, next, objs)
			return
		}
		objs[tr.Root] = testpdf.DictSet(cat, "AcroForm", f(v, next, objs))
	}
}

// tagged adds a structure tree to d before signing: a Document element
// holding one P element for page 1's marked content, and a ParentTree.
// It returns the file and the numbers of the root, the Document element
// and the ParentTree.
type taggedDoc struct {
	pdf                       []byte
	root, doc, para, parentTr int
}

func tagged(t *testing.T, d *testpdf.Doc) taggedDoc {
	n := testpdf.NextObject(t, d.Bytes)
	td := taggedDoc{root: n, doc: n + 1, para: n + 2, parentTr: n + 3}
	cat := chgObject(t, d.Bytes, d.Catalog)
	cat = testpdf.DictSet(cat, "StructTreeRoot", testpdf.Ref(td.root))
	cat = testpdf.DictSet(cat, "MarkInfo", "<< /Marked true >>")
	page := chgObject(t, d.Bytes, d.Pages[0])
	td.pdf = testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		d.Catalog:   cat,
		d.Pages[0]:  testpdf.DictSet(page, "StructParents", "0"),
		td.root:     fmt.Sprintf("<< /Type /StructTreeRoot /K %s /ParentTree %s /ParentTreeNextKey 1 >>", testpdf.Ref(td.doc), testpdf.Ref(td.parentTr)),
		td.doc:      fmt.Sprintf("<< /Type /StructElem /S /Document /P %s /K [%s] >>", testpdf.Ref(td.root), testpdf.Ref(td.para)),
		td.para:     fmt.Sprintf("<< /Type /StructElem /S /P /P %s /Pg %s /K 0 /Alt (Biên bản) >>", testpdf.Ref(td.doc), testpdf.Ref(d.Pages[0])),
		td.parentTr: fmt.Sprintf("<< /Nums [0 [%s]] >>", testpdf.Ref(td.para)),
	}})
	return td
}

// tagWidget is what PDFBox and Acrobat add to a tagged document for the
// widget of a new signature field: /StructParent on the widget, a /Form
// element with an object reference to it under the Document element, the
// ParentTree entry and the next key.
func tagWidget(t *testing.T, td taggedDoc, page int) func([]byte, map[int]string, *int) {
	return func(in []byte, objs map[int]string, next *int) {
		widget := 0
		for num, body := range objs {
			if ft, _ := testpdf.DictGet(body, "FT"); ft == "/Sig" {
				widget = num
			}
		}
		require.NotZero(t, widget)
		elem := *next
		*next++
		objs[widget] = testpdf.DictSet(objs[widget], "StructParent", "1")
		objs[elem] = fmt.Sprintf("<< /Type /StructElem /S /Form /P %s /Pg %s /K << /Type /OBJR /Obj %s /Pg %s >> >>",
			testpdf.Ref(td.doc), testpdf.Ref(page), testpdf.Ref(widget), testpdf.Ref(page))
		objs[td.doc] = fmt.Sprintf("<< /Type /StructElem /S /Document /P %s /K [%s %s] >>", testpdf.Ref(td.root), testpdf.Ref(td.para), testpdf.Ref(elem))
		objs[td.parentTr] = fmt.Sprintf("<< /Nums [0 [%s] 1 %s] >>", testpdf.Ref(td.para), testpdf.Ref(elem))
		objs[td.root] = fmt.Sprintf("<< /Type /StructTreeRoot /K %s /ParentTree %s /ParentTreeNextKey 2 >>", testpdf.Ref(td.doc), testpdf.Ref(td.parentTr))
	}
}

func requireAllowedReason(t testing.TB, rep *ChangesReport, substr string) {
	t.Helper()
	for _, c := range rep.Allowed {
		if strings.Contains(c.Reason, substr) {
			return
		}
	}
	t.Fatalf("no allowed change with reason ~ %q:\n%s", substr, dumpChanges(rep))
}

// ---------------------------------------------------------------------

// A Reader-extended form: Acrobat's usage rights signature grants Reader
// users form filling and commenting; using them keeps it valid.
func TestChangesSignerUsageRights(t *testing.T) {
	b := chgSetup(t)
	d := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Kind: testpdf.UsageRights, Level: testpdf.LevelBLT})
	pdf = testpdf.FillField(t, pdf, "ho_ten", "Lê Văn C")
	pdf = testpdf.AddAnnotation(t, pdf, 1, "Đã xem")
	pdf = testpdf.Sign(t, pdf, b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT, Visible: true})
	v, err := New(Config{TrustAnchors: []*x509.Certificate{b.pki.Root.Cert}, Now: b.pki.Now})
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
			f := chgOpen(t, pdf)
			signed := -1
			for _, fld := range mustFields(t, f) {
				if fld.sig != nil {
					br, _, _ := checkByteRange(f, fld.sig, fld.sig["Contents"].(pdfraw.String))
					signed = br.Revision
					break
				}
			}
			require.GreaterOrEqual(t, signed, 0)
			rep, _ := analyze(t, pdf, signed)
			requireClean(t, rep)
			requireAllowedReason(t, rep, c.reason)
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
	b := chgSetup(t)
	for _, kind := range []testpdf.Kind{testpdf.Certification, testpdf.Approval} {
		t.Run(fmt.Sprint(kind), func(t *testing.T) {
			d := testpdf.Base(testpdf.BaseOptions{Pages: 2})
			pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Kind: kind, ReferenceData: true, Level: testpdf.LevelBLT, Visible: true})
			require.Contains(t, string(pdf), fmt.Sprintf("/Data %d 0 R", d.Catalog))
			rev := lastRev(t, pdf)
			pdf = testpdf.Sign(t, pdf, b.signer, b.pki, testpdf.SignOptions{Visible: true, Page: 1, Level: testpdf.LevelBLT})
			rep, _ := analyze(t, pdf, rev)
			requireClean(t, rep)
			requireAllowed(t, rep, d.Pages[0], "widget")

			// The whole verdict, not only the analysis: both signatures pass.
			v, err := New(Config{TrustAnchors: []*x509.Certificate{b.pki.Root.Cert}, Now: b.pki.Now})
			require.NoError(t, err)
			vr, err := v.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)))
			require.NoError(t, err)
			require.Equal(t, TotalPassed, vr.Indication, "%+v", vr.Signatures)

			// A page rewritten after it still fails.
			bad := testpdf.RewritePageContents(t, pdf, 2, testpdf.PageText("Quyết định giả"))
			rep, _ = analyze(t, bad, rev)
			requireDisallowed(t, rep, d.Pages[1], "page", "/Contents")
		})
	}
}
