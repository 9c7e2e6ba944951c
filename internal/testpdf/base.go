// Package testpdf builds PDF fixtures for signature-verification and
// pipeline tests: small unsigned documents (Base), signatures of every kind
// the verifier must judge (Sign, on top of digitorus/pdfsign and, where
// pdfsign falls short, a native signer), incremental updates that are
// allowed or are attacks (Append and the helpers in changes.go), and
// byte-level attacks on signature dictionaries (attacks.go).
//
// Everything works on []byte and keeps earlier bytes intact: an incremental
// update or a signature never rewrites a previous revision, and the attack
// helpers say so explicitly when they do.
package testpdf

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// BaseOptions shape an unsigned document.
type BaseOptions struct {
	// Pages is the number of pages (default 1).
	Pages int
	// Title goes into /Info and the first line of every page (default
	// "Biên bản tiếp nhận hồ sơ").
	Title string
	// Lines are extra text lines on every page.
	Lines []string
	// FormFields adds an AcroForm text field (merged field/widget with an
	// appearance stream) per name, on page 1.
	FormFields []string
	// SignatureField adds an unsigned signature field with this name on
	// page 1 (a visible rectangle ready to be signed).
	SignatureField string
	// Annotation adds a Text (sticky note) annotation on page 1.
	Annotation bool
	// Shadow adds a content stream that no page references: the raw
	// material of a shadow attack (see ShowShadow).
	Shadow bool
	// XRefStream writes a cross-reference stream and packs all non-stream
	// objects into an object stream (PDF 1.5 style) instead of a classic
	// xref table.
	XRefStream bool
}

// Doc is an unsigned document and the numbers of its objects.
type Doc struct {
	Bytes    []byte
	Catalog  int
	PageTree int
	Info     int
	Font     int
	AcroForm int            // 0 unless FormFields or SignatureField
	Pages    []int          // page objects, in order
	Contents []int          // each page's content stream
	Fields   map[string]int // text fields (merged with their widget) by name
	FieldAPs map[string]int // their normal appearance streams
	SigField int            // unsigned signature field, 0 if none
	Annot    int            // the Text annotation, 0 if none
	Shadow   int            // the unreferenced content stream, 0 if none
}

const (
	pageW, pageH = 595, 842
	defaultTitle = "Biên bản tiếp nhận hồ sơ"
)

// Base writes a minimal valid PDF 1.7 document. The output is a pure
// function of o.
func Base(o BaseOptions) *Doc {
	if o.Pages <= 0 {
		o.Pages = 1
	}
	if o.Title == "" {
		o.Title = defaultTitle
	}
	d := &Doc{Catalog: 1, PageTree: 2, Info: 3, Font: 4, Fields: map[string]int{}, FieldAPs: map[string]int{}}
	objs := map[int]string{}
	next := 5
	alloc := func() int { next++; return next - 1 }
	for range o.Pages {
		d.Pages = append(d.Pages, alloc())
		d.Contents = append(d.Contents, alloc())
	}
	var fieldRefs, page1Annots []string
	for _, name := range o.FormFields {
		d.Fields[name], d.FieldAPs[name] = alloc(), alloc()
		fieldRefs = append(fieldRefs, Ref(d.Fields[name]))
		page1Annots = append(page1Annots, Ref(d.Fields[name]))
	}
	if o.SignatureField != "" {
		d.SigField = alloc()
		fieldRefs = append(fieldRefs, Ref(d.SigField))
		page1Annots = append(page1Annots, Ref(d.SigField))
	}
	if o.Annotation {
		d.Annot = alloc()
		page1Annots = append(page1Annots, Ref(d.Annot))
	}
	if len(fieldRefs) > 0 {
		d.AcroForm = alloc()
	}
	if o.Shadow {
		d.Shadow = alloc()
	}

	catalog := fmt.Sprintf("<< /Type /Catalog /Pages %s", Ref(d.PageTree))
	if d.AcroForm != 0 {
		catalog += " /AcroForm " + Ref(d.AcroForm)
	}
	objs[d.Catalog] = catalog + " >>"
	kids := make([]string, len(d.Pages))
	for i, p := range d.Pages {
		kids[i] = Ref(p)
	}
	objs[d.PageTree] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(d.Pages))
	objs[d.Info] = fmt.Sprintf("<< /Title %s /Producer (sohoa testpdf) /CreationDate (D:20260301080000+07'00') >>", TextString(o.Title))
	objs[d.Font] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
	for i, p := range d.Pages {
		page := fmt.Sprintf("<< /Type /Page /Parent %s /MediaBox [0 0 %d %d] /Resources << /Font << /F1 %s >> >> /Contents %s",
			Ref(d.PageTree), pageW, pageH, Ref(d.Font), Ref(d.Contents[i]))
		if i == 0 && len(page1Annots) > 0 {
			page += " /Annots [" + strings.Join(page1Annots, " ") + "]"
		}
		objs[p] = page + " >>"
		objs[d.Contents[i]] = Stream("", pageContent(o, i))
	}
	y := 420
	for _, name := range o.FormFields {
		rect := fmt.Sprintf("[72 %d 400 %d]", y, y+20)
		objs[d.Fields[name]] = fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /T %s /V () /DA (/Helv 10 Tf 0 g) /F 4 /Rect %s /P %s /AP << /N %s >> >>",
			TextString(name), rect, Ref(d.Pages[0]), Ref(d.FieldAPs[name]))
		objs[d.FieldAPs[name]] = FieldAppearance(d.Font, 328, 20, "")
		y -= 30
	}
	if d.SigField != 0 {
		objs[d.SigField] = fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T %s /F 132 /Rect [350 80 550 140] /P %s >>",
			TextString(o.SignatureField), Ref(d.Pages[0]))
	}
	if d.Annot != 0 {
		objs[d.Annot] = fmt.Sprintf("<< /Type /Annot /Subtype /Text /Rect [500 760 520 780] /Contents %s /Name /Comment /F 4 /P %s >>",
			TextString("Ghi chú của cán bộ tiếp nhận"), Ref(d.Pages[0]))
	}
	if d.AcroForm != 0 {
		af := fmt.Sprintf("<< /Fields [%s] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv %s >> >>", strings.Join(fieldRefs, " "), Ref(d.Font))
		if d.SigField != 0 {
			af += " /SigFlags 1"
		}
		objs[d.AcroForm] = af + " >>"
	}
	if d.Shadow != 0 {
		objs[d.Shadow] = Stream("", []byte("BT /F1 28 Tf 72 600 Td ("+winAnsi("NỘI DUNG ĐÃ BỊ THAY ĐỔI")+") Tj ET\n"))
	}

	sum := sha256.Sum256(fmt.Appendf(nil, "%+v", o))
	id := hex.EncodeToString(sum[:16])
	trailer := fmt.Sprintf("/Root %s /Info %s /ID [<%s><%s>]", Ref(d.Catalog), Ref(d.Info), id, id)
	if o.XRefStream {
		d.Bytes = writeWithObjectStream(objs, next, trailer)
	} else {
		d.Bytes = writeClassic(objs, next, trailer)
	}
	return d
}

const header = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

func writeClassic(objs map[int]string, size int, trailer string) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	offsets := map[int]int64{0: 0}
	for _, n := range sortedKeys(objs) {
		offsets[n] = int64(b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, objs[n])
	}
	xrefOff := b.Len()
	b.WriteString("xref\n")
	writeTableSections(&b, offsets)
	fmt.Fprintf(&b, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", size, trailer, xrefOff)
	return b.Bytes()
}

func writeWithObjectStream(objs map[int]string, size int, trailer string) []byte {
	stm, xrefNum := size, size+1
	size += 2
	var b bytes.Buffer
	b.WriteString(header)
	offsets := map[int]int64{0: 0}
	compressed := map[int][2]int{}
	var head, body bytes.Buffer
	idx := 0
	for _, n := range sortedKeys(objs) {
		if strings.Contains(objs[n], "\nstream\n") {
			offsets[n] = int64(b.Len())
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, objs[n])
			continue
		}
		fmt.Fprintf(&head, "%d %d ", n, body.Len())
		body.WriteString(objs[n])
		body.WriteString("\n")
		compressed[n] = [2]int{stm, idx}
		idx++
	}
	offsets[stm] = int64(b.Len())
	data := append(head.Bytes(), body.Bytes()...)
	fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", stm, FlateStream(fmt.Sprintf("<< /Type /ObjStm /N %d /First %d >>", idx, head.Len()), data))
	xrefOff := int64(b.Len())
	offsets[xrefNum] = xrefOff
	rows, index := xrefStreamRows(offsets, compressed)
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	_, _ = w.Write(rows)
	_ = w.Close()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s] %s /Filter /FlateDecode /Length %d >>\nstream\n",
		xrefNum, size, index, trailer, z.Len())
	b.Write(z.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xrefOff)
	return b.Bytes()
}

func pageContent(o BaseOptions, i int) []byte {
	lines := []string{
		"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
		"Độc lập - Tự do - Hạnh phúc",
		"",
		strings.ToUpper(o.Title),
		"Mã hồ sơ: 000.00.12.G05-261130-0007",
		"Thủ tục: Cấp giấy phép (mẫu thử nghiệm)",
	}
	lines = append(lines, o.Lines...)
	lines = append(lines, "", fmt.Sprintf("Trang %d/%d", i+1, o.Pages))
	var b strings.Builder
	b.WriteString("BT /F1 12 Tf 16 TL 72 770 Td\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "(%s) Tj T*\n", winAnsi(l))
	}
	b.WriteString("ET\n")
	return []byte(b.String())
}

// FieldAppearance returns a text field's normal appearance stream (a Form
// XObject of w×h showing value in Helvetica), for Update.Objects.
func FieldAppearance(font, w, h int, value string) string {
	content := "/Tx BMC\nEMC\n"
	if value != "" {
		content = fmt.Sprintf("/Tx BMC\nq BT /Helv 10 Tf 0 g 2 6 Td (%s) Tj ET Q\nEMC\n", winAnsi(value))
	}
	return Stream(fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 %d %d] /Resources << /Font << /Helv %s >> >> >>", w, h, Ref(font)),
		[]byte(content))
}

// TextString encodes s as a PDF text string: a literal string when it is
// ASCII, UTF-16BE with a byte-order mark in hex otherwise.
func TextString(s string) string {
	ascii := true
	for _, r := range s {
		if r >= 0x80 {
			ascii = false
		}
	}
	if ascii {
		return "(" + escapeLiteral(s) + ")"
	}
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

func escapeLiteral(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`, "\r", `\r`, "\n", `\n`)
	return r.Replace(s)
}

// winAnsi returns s as an escaped literal-string body for a WinAnsi
// Helvetica: Latin-1 letters stay, other Vietnamese letters lose the marks
// WinAnsi cannot show (the standard 14 fonts have no Vietnamese glyphs).
func winAnsi(s string) string {
	var b strings.Builder
	for _, r := range norm.NFC.String(s) {
		switch {
		case r == '\\' || r == '(' || r == ')':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x80:
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, "\\%03o", r)
		case r == 'đ':
			b.WriteByte('d')
		case r == 'Đ':
			b.WriteByte('D')
		default:
			base := []rune(norm.NFD.String(string(r)))
			// Keep the first mark if the pair composes into Latin-1 (ê, â, ô, á...).
			if len(base) > 1 {
				if c := []rune(norm.NFC.String(string(base[:2]))); len(c) == 1 && c[0] < 0x100 {
					fmt.Fprintf(&b, "\\%03o", c[0])
					continue
				}
			}
			if base[0] < 0x80 {
				b.WriteRune(base[0])
			} else {
				b.WriteByte('?')
			}
		}
	}
	return b.String()
}
