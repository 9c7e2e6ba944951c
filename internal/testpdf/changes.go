package testpdf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sohoa/sohoa/internal/testpki"
)

// The helpers below each append one incremental update of a kind the
// verifier must classify. Whether a change is allowed depends on the
// signatures before it: ISO 32000-2 §12.8.2.2 (DocMDP) allows form filling
// and signing under P>=2, annotations under P=3, and DSS and document
// timestamps always; anything that changes what a page shows is not.

// RewritePageContents replaces page's content stream with a new object
// showing content (raw content-stream operators, e.g. from PageText): the
// classic post-signing tampering. Never allowed.
func RewritePageContents(t testpki.TB, pdf []byte, page int, content []byte) []byte {
	t.Helper()
	pageNum, err := PageObject(pdf, page)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	body, err := Object(pdf, pageNum)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	n := NextObject(t, pdf)
	return Append(t, pdf, Update{Objects: map[int]string{
		n:       Stream("", content),
		pageNum: DictSet(body, "Contents", Ref(n)),
	}})
}

// PageText returns a content stream showing lines of text in Helvetica
// (resource /F1, which every page of Base has).
func PageText(lines ...string) []byte {
	var b strings.Builder
	b.WriteString("BT /F1 12 Tf 16 TL 72 770 Td\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "(%s) Tj T*\n", winAnsi(l))
	}
	b.WriteString("ET\n")
	return []byte(b.String())
}

// FillField sets text field name's /V to value and gives its widget a new
// appearance stream showing it. The field is looked up in the AcroForm and,
// failing that, among the pages' widget annotations (pdfsign drops text
// fields from /AcroForm when it signs). Allowed under DocMDP P=2 and P=3.
func FillField(t testpki.TB, pdf []byte, name, value string) []byte {
	t.Helper()
	x, err := parseXref(pdf)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	num, body, err := x.findField(pdf, name)
	if err != nil {
		t.Fatalf("testpdf: FillField: %v", err)
	}
	font := 0
	if dr, err := x.fieldFont(pdf); err == nil {
		font = dr
	}
	w, h := 328.0, 20.0
	if r, ok := DictGet(body, "Rect"); ok {
		if v, err := floatArray(r); err == nil && len(v) == 4 {
			w, h = v[2]-v[0], v[3]-v[1]
		}
	}
	ap := NextObject(t, pdf)
	body = DictSet(body, "V", TextString(value))
	body = DictSet(body, "AP", "<< /N "+Ref(ap)+" >>")
	return Append(t, pdf, Update{Objects: map[int]string{
		num: body,
		ap:  FieldAppearance(font, int(w), int(h), value),
	}})
}

// findField finds a terminal field by its full name (/T), in the AcroForm
// first and then among the pages' annotations.
func (x *xref) findField(pdf []byte, name string) (int, string, error) {
	var candidates []string
	if _, _, fields, err := x.acroForm(pdf); err == nil {
		candidates = append(candidates, fields...)
	}
	if pages, err := x.pages(pdf); err == nil {
		for _, p := range pages {
			body, err := x.object(pdf, p)
			if err != nil {
				continue
			}
			av, _ := DictGet(body, "Annots")
			if av, err = x.resolve(pdf, av); err != nil || av == "" {
				continue
			}
			items, _ := ArrayItems(av)
			candidates = append(candidates, items...)
		}
	}
	for _, c := range candidates {
		n, ok := RefNum(c)
		if !ok {
			continue
		}
		body, err := x.object(pdf, n)
		if err != nil {
			continue
		}
		if tv, ok := DictGet(body, "T"); ok && decodeTextString(tv) == name {
			return n, body, nil
		}
	}
	return 0, "", fmt.Errorf("no field named %q", name)
}

// fieldFont returns the object number of the AcroForm's /Helv font, or of
// page 1's /F1.
func (x *xref) fieldFont(pdf []byte) (int, error) {
	if _, af, _, err := x.acroForm(pdf); err == nil && af != "" {
		if dr, ok := DictGet(af, "DR"); ok {
			if dr, err = x.resolve(pdf, dr); err == nil {
				fonts, _ := DictGet(dr, "Font")
				if fonts, err = x.resolve(pdf, fonts); err == nil && fonts != "" {
					if v, ok := DictGet(fonts, "Helv"); ok {
						if n, ok := RefNum(v); ok {
							return n, nil
						}
					}
				}
			}
		}
	}
	pages, err := x.pages(pdf)
	if err != nil || len(pages) == 0 {
		return 0, fmt.Errorf("no pages")
	}
	body, err := x.object(pdf, pages[0])
	if err != nil {
		return 0, err
	}
	res, _ := DictGet(body, "Resources")
	if res, err = x.resolve(pdf, res); err != nil {
		return 0, err
	}
	fonts, _ := DictGet(res, "Font")
	if fonts, err = x.resolve(pdf, fonts); err != nil {
		return 0, err
	}
	v, _ := DictGet(fonts, "F1")
	if n, ok := RefNum(v); ok {
		return n, nil
	}
	return 0, fmt.Errorf("no font")
}

// AddAnnotation adds a Text (sticky note) annotation with the given text
// to page's /Annots. Allowed only under a certification signature with
// DocMDP P=3: an approval signature alone permits no annotation, because
// an annotation can paint over the signed content.
func AddAnnotation(t testpki.TB, pdf []byte, page int, text string) []byte {
	t.Helper()
	pageNum, err := PageObject(pdf, page)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	x, err := parseXref(pdf)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	body, err := x.object(pdf, pageNum)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	n := NextObject(t, pdf)
	objs := map[int]string{
		n: fmt.Sprintf("<< /Type /Annot /Subtype /Text /Rect [40 760 60 780] /Contents %s /Name /Note /F 4 /P %s >>",
			TextString(text), Ref(pageNum)),
	}
	annots, _ := DictGet(body, "Annots")
	if an, ok := RefNum(annots); ok {
		arr, err := x.object(pdf, an)
		if err != nil {
			t.Fatalf("testpdf: %v", err)
		}
		objs[an] = appendToArray(arr, Ref(n))
	} else {
		if annots == "" {
			annots = "[]"
		}
		objs[pageNum] = DictSet(body, "Annots", appendToArray(annots, Ref(n)))
	}
	return Append(t, pdf, Update{Objects: objs})
}

// ShowShadow points page's /Contents at object shadow (a content stream
// that was in the signed file but not shown, see BaseOptions.Shadow): a
// shadow attack's "hide-and-replace" step. The update adds no object and
// changes only a reference. Never allowed.
func ShowShadow(t testpki.TB, pdf []byte, page, shadow int) []byte {
	t.Helper()
	pageNum, err := PageObject(pdf, page)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	body, err := Object(pdf, pageNum)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	return Append(t, pdf, Update{Objects: map[int]string{pageNum: DictSet(body, "Contents", Ref(shadow))}})
}

// RedefineIdentical appends an update that redefines object num with
// exactly its current content (streams keep their data): a no-op that
// some writers produce and a verifier must not count as a change.
func RedefineIdentical(t testpki.TB, pdf []byte, num int) []byte {
	t.Helper()
	x, err := parseXref(pdf)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	e, ok := x.entries[num]
	if !ok || e.kind == 0 {
		t.Fatalf("testpdf: object %d not defined", num)
	}
	var body string
	if e.kind == 1 {
		body, err = rawObjectBody(pdf, e.offset)
	} else {
		body, err = x.object(pdf, num)
	}
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	return Append(t, pdf, Update{Objects: map[int]string{num: body}})
}

// rawObjectBody returns the exact text between "N G obj" and "endobj",
// stream data included, trimmed of surrounding whitespace.
func rawObjectBody(pdf []byte, off int64) (string, error) {
	s := string(pdf[off:])
	m := objHeaderRE.FindStringSubmatchIndex(s)
	if m == nil {
		return "", fmt.Errorf("no object at %d", off)
	}
	i := skipWS(s, m[1])
	e, err := valueEnd(s, i)
	if err != nil {
		return "", err
	}
	j := skipWS(s, e)
	if strings.HasPrefix(s[j:], "stream") {
		lv, _ := DictGet(s[i:e], "Length")
		n, err := strconv.Atoi(strings.TrimSpace(lv))
		if err != nil {
			return "", fmt.Errorf("indirect stream length not supported")
		}
		k := j + len("stream")
		if strings.HasPrefix(s[k:], "\r\n") {
			k += 2
		} else {
			k++
		}
		end := strings.Index(s[k+n:], "endstream")
		if end < 0 {
			return "", fmt.Errorf("no endstream")
		}
		return strings.TrimSpace(s[i : k+n+end+len("endstream")]), nil
	}
	return strings.TrimSpace(s[i:e]), nil
}
