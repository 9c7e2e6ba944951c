// Package changestest holds the fixtures the change-analysis tests share:
// a PKI and signer, PDF builders for hand-written incremental updates and
// tagged documents, and assertions on a changes.Report. It is imported
// only by tests (those of verify and of verify/internal/changes), never by
// the verifier itself.
package changestest

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/pdfraw"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/verify/internal/changes"
)

// Bundle is what the changes tests share: one PKI and signer.
type Bundle struct {
	PKI    *testpki.PKI
	Signer *testpki.Cert
}

// Setup makes a Bundle.
func Setup(t *testing.T) *Bundle {
	t.Helper()
	pki := testpki.New(t)
	return &Bundle{PKI: pki, Signer: pki.NewSigner(t, "Nguyễn Văn An", testpki.Options{})}
}

// Open parses pdf.
func Open(t testing.TB, pdf []byte) *pdfraw.File {
	t.Helper()
	f, err := pdfraw.Open(bytes.NewReader(pdf), int64(len(pdf)), pdfraw.Limits{})
	require.NoError(t, err)
	return f
}

// LastRev is the index of pdf's newest revision: the revision a signature
// just added covers.
func LastRev(t testing.TB, pdf []byte) int {
	t.Helper()
	return len(Open(t, pdf).Sections()) - 1
}

// Analyze runs changes.ReadPermissions and changes.Analyze for a signature
// covering revision rev.
func Analyze(t testing.TB, pdf []byte, rev int) (*changes.Report, changes.Permissions) {
	t.Helper()
	f := Open(t, pdf)
	perms, err := changes.ReadPermissions(f, rev)
	require.NoError(t, err)
	rep, err := changes.Analyze(f, rev, perms)
	require.NoError(t, err)
	require.NotNil(t, rep)
	if testing.Verbose() {
		t.Logf("DocMDP %d, locks %v, revision %d:\n%s", perms.DocMDP, perms.FieldLocks, rev, Dump(rep))
	}
	return rep, perms
}

// Dump lists rep's allowed and disallowed changes, one a line.
func Dump(rep *changes.Report) string {
	var b strings.Builder
	for _, c := range rep.Allowed {
		fmt.Fprintf(&b, "  allowed    rev %d %-8s %-16s %s\n", c.Revision, c.Object, c.Kind, c.Reason)
	}
	for _, c := range rep.Disallowed {
		fmt.Fprintf(&b, "  DISALLOWED rev %d %-8s %-16s %s\n", c.Revision, c.Object, c.Kind, c.Reason)
	}
	return b.String()
}

// RequireClean checks that rep has no disallowed change.
func RequireClean(t testing.TB, rep *changes.Report) {
	t.Helper()
	require.Empty(t, rep.Disallowed, "unexpected disallowed changes:\n%s", Dump(rep))
}

// RequireDisallowed checks that object num (0: any) is disallowed with the
// given kind ("" any) and a reason containing substr.
func RequireDisallowed(t testing.TB, rep *changes.Report, num int, kind, substr string) {
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
	t.Fatalf("no disallowed change of object %d (kind %q, reason ~ %q):\n%s", num, kind, substr, Dump(rep))
}

// RequireAllowed checks that object num is allowed with a reason
// containing substr.
func RequireAllowed(t testing.TB, rep *changes.Report, num int, substr string) {
	t.Helper()
	for _, c := range rep.Allowed {
		if strings.HasPrefix(c.Object, fmt.Sprintf("%d ", num)) && strings.Contains(c.Reason, substr) {
			return
		}
	}
	t.Fatalf("no allowed change of object %d (reason ~ %q):\n%s", num, substr, Dump(rep))
}

// RequireAllowedReason checks that some object is allowed with a reason
// containing substr.
func RequireAllowedReason(t testing.TB, rep *changes.Report, substr string) {
	t.Helper()
	for _, c := range rep.Allowed {
		if strings.Contains(c.Reason, substr) {
			return
		}
	}
	t.Fatalf("no allowed change with reason ~ %q:\n%s", substr, Dump(rep))
}

// Update is a hand-written incremental update with a classic xref table,
// for updates testpdf.Append cannot express: entries pointing at bytes
// elsewhere in the file, freed objects, dead object bodies no xref lists.
type Update struct {
	Dead   string         // raw text written first and listed nowhere
	Bodies map[int]string // objects written and listed
	At     map[int]int64  // objects listed at these offsets
	Free   []int          // objects listed as free (generation 1)
	Root   int            // new /Root, 0 keeps it
}

// Append writes u after pdf and returns the file and the offset of the
// first byte of u.Dead.
func Append(t testing.TB, pdf []byte, u Update) ([]byte, int64) {
	t.Helper()
	tr, err := testpdf.ReadTrailer(pdf)
	require.NoError(t, err)
	var b bytes.Buffer
	b.Write(pdf)
	if !bytes.HasSuffix(pdf, []byte("\n")) {
		b.WriteByte('\n')
	}
	deadOff := int64(b.Len())
	b.WriteString(u.Dead)
	type ent struct {
		off  int64
		free bool
	}
	entries := map[int]ent{}
	size := tr.Size
	nums := make([]int, 0, len(u.Bodies))
	for n := range u.Bodies {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		entries[n] = ent{off: int64(b.Len())}
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, u.Bodies[n])
	}
	for n, off := range u.At {
		entries[n] = ent{off: off}
	}
	for _, n := range u.Free {
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
	if u.Root != 0 {
		root = u.Root
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

// Object is the text of object n of pdf.
func Object(t testing.TB, pdf []byte, n int) string {
	t.Helper()
	s, err := testpdf.Object(pdf, n)
	require.NoError(t, err)
	return s
}

// Root is the object number of pdf's catalog.
func Root(t testing.TB, pdf []byte) int {
	t.Helper()
	tr, err := testpdf.ReadTrailer(pdf)
	require.NoError(t, err)
	return tr.Root
}

// TweakAcroForm returns a SignOptions.Tweak that rewrites the AcroForm
// dictionary of the update (direct in the catalog or an object of its
// own) with f.
func TweakAcroForm(t *testing.T, f func(af string, next *int, objs map[int]string) string) func([]byte, map[int]string, *int) {
	return func(in []byte, objs map[int]string, next *int) {
		tr, err := testpdf.ReadTrailer(in)
		require.NoError(t, err)
		cat, ok := objs[tr.Root]
		if !ok {
			cat = Object(t, in, tr.Root)
		}
		v, _ := testpdf.DictGet(cat, "AcroForm")
		if n, ok := testpdf.RefNum(v); ok {
			af, ok := objs[n]
			if !ok {
				af = Object(t, in, n)
			}
			objs[n] = f(af, next, objs)
			return
		}
		objs[tr.Root] = testpdf.DictSet(cat, "AcroForm", f(v, next, objs))
	}
}

// TaggedDoc is a document Tagged gave a structure tree: the file and the
// numbers of the root, the Document element, its P element and the
// ParentTree.
type TaggedDoc struct {
	PDF                         []byte
	Root, Doc, Para, ParentTree int
}

// Tagged adds a structure tree to d before signing: a Document element
// holding one P element for page 1's marked content, and a ParentTree.
func Tagged(t *testing.T, d *testpdf.Doc) TaggedDoc {
	n := testpdf.NextObject(t, d.Bytes)
	td := TaggedDoc{Root: n, Doc: n + 1, Para: n + 2, ParentTree: n + 3}
	cat := Object(t, d.Bytes, d.Catalog)
	cat = testpdf.DictSet(cat, "StructTreeRoot", testpdf.Ref(td.Root))
	cat = testpdf.DictSet(cat, "MarkInfo", "<< /Marked true >>")
	page := Object(t, d.Bytes, d.Pages[0])
	td.PDF = testpdf.Append(t, d.Bytes, testpdf.Update{Objects: map[int]string{
		d.Catalog:     cat,
		d.Pages[0]:    testpdf.DictSet(page, "StructParents", "0"),
		td.Root:       fmt.Sprintf("<< /Type /StructTreeRoot /K %s /ParentTree %s /ParentTreeNextKey 1 >>", testpdf.Ref(td.Doc), testpdf.Ref(td.ParentTree)),
		td.Doc:        fmt.Sprintf("<< /Type /StructElem /S /Document /P %s /K [%s] >>", testpdf.Ref(td.Root), testpdf.Ref(td.Para)),
		td.Para:       fmt.Sprintf("<< /Type /StructElem /S /P /P %s /Pg %s /K 0 /Alt (Biên bản) >>", testpdf.Ref(td.Doc), testpdf.Ref(d.Pages[0])),
		td.ParentTree: fmt.Sprintf("<< /Nums [0 [%s]] >>", testpdf.Ref(td.Para)),
	}})
	return td
}

// TagWidget is what PDFBox and Acrobat add to a tagged document for the
// widget of a new signature field: /StructParent on the widget, a /Form
// element with an object reference to it under the Document element, the
// ParentTree entry and the next key.
func TagWidget(t *testing.T, td TaggedDoc, page int) func([]byte, map[int]string, *int) {
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
			testpdf.Ref(td.Doc), testpdf.Ref(page), testpdf.Ref(widget), testpdf.Ref(page))
		objs[td.Doc] = fmt.Sprintf("<< /Type /StructElem /S /Document /P %s /K [%s %s] >>", testpdf.Ref(td.Root), testpdf.Ref(td.Para), testpdf.Ref(elem))
		objs[td.ParentTree] = fmt.Sprintf("<< /Nums [0 [%s] 1 %s] >>", testpdf.Ref(td.Para), testpdf.Ref(elem))
		objs[td.Root] = fmt.Sprintf("<< /Type /StructTreeRoot /K %s /ParentTree %s /ParentTreeNextKey 2 >>", testpdf.Ref(td.Doc), testpdf.Ref(td.ParentTree))
	}
}

// ReferenceDataDoc is a two-page document whose first signature, of
// kind, carries signature reference data (its /Data points at the
// catalog), then signed again with a visible signature on page 1. It
// returns the file and the revision the first signature covers.
func ReferenceDataDoc(t *testing.T, b *Bundle, kind testpdf.Kind) (d *testpdf.Doc, pdf []byte, rev int) {
	t.Helper()
	d = testpdf.Base(testpdf.BaseOptions{Pages: 2})
	pdf = testpdf.Sign(t, d.Bytes, b.Signer, b.PKI, testpdf.SignOptions{Kind: kind, ReferenceData: true, Level: testpdf.LevelBLT, Visible: true})
	require.Contains(t, string(pdf), fmt.Sprintf("/Data %d 0 R", d.Catalog))
	rev = LastRev(t, pdf)
	pdf = testpdf.Sign(t, pdf, b.Signer, b.PKI, testpdf.SignOptions{Visible: true, Page: 1, Level: testpdf.LevelBLT})
	return d, pdf, rev
}
