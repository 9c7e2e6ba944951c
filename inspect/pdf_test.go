package inspect

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
)

// Test documents are written by hand: every number that matters (pixel
// size, drawn size, colour space) is visible in the test that uses it.
// Image data is a few bytes under /DCTDecode: nothing here decodes images.

const a4W, a4H = 595.276, 841.89

type testImage struct {
	W, H   int
	CS     string // the /ColorSpace value as PDF text; "" leaves it out
	BPC    int    // 0 leaves /BitsPerComponent out
	Filter string // default /DCTDecode
	Mask   bool   // /ImageMask true
	Data   []byte // default 16 bytes
}

func rgb(w, h int) testImage  { return testImage{W: w, H: h, CS: "/DeviceRGB", BPC: 8} }
func gray(w, h int) testImage { return testImage{W: w, H: h, CS: "/DeviceGray", BPC: 8} }

type testPage struct {
	W, H    float64     // MediaBox size, default A4
	Images  []testImage // resources /Im0, /Im1, ...
	Content *string     // nil: draw /Im0 over the whole page
	Text    string      // shown with Tj when set
	Extra   string      // more page dictionary entries
	// Deflate compresses the content: 1 with zlib, 2 with zlib and a
	// wrong checksum (as some producers write it).
	Deflate int
	// Forms are Form XObjects /Fm0, /Fm1, ... sharing the page's
	// image resources; each is "matrix|content".
	Forms []string
}

type testDoc struct {
	Version string // header version, default 1.7
	Pages   []testPage
	XMP     string // metadata packet, if any
	Catalog string // more catalog entries
}

func str(s string) *string { return &s }

// fill is the content drawing /Im0 over a w×h page.
func fill(w, h float64) string { return fmt.Sprintf("q %g 0 0 %g 0 0 cm /Im0 Do Q", w, h) }

// scanPage is an A4 page showing img over the whole page.
func scanPageOf(img testImage) testPage { return testPage{Images: []testImage{img}} }

// a4 returns the pixel size of an A4 scan at dpi.
func a4(dpi float64) (int, int) {
	return int(a4W/72*dpi + 0.5), int(a4H/72*dpi + 0.5)
}

func (d testDoc) bytes() []byte {
	type obj struct {
		dict   string
		stream []byte
		isStr  bool
	}
	var objs []obj
	add := func(o obj) int { objs = append(objs, o); return len(objs) }
	reserve := func() int { return add(obj{}) }

	catalog := reserve()
	pages := reserve()
	font := add(obj{dict: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"})
	var kids []string
	for _, p := range d.Pages {
		w, h := p.W, p.H
		if w == 0 {
			w, h = a4W, a4H
		}
		var xobjs []string
		for i, img := range p.Images {
			filter := img.Filter
			if filter == "" {
				filter = "/DCTDecode"
			}
			dict := fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d", img.W, img.H)
			if img.CS != "" {
				dict += " /ColorSpace " + img.CS
			}
			if img.BPC != 0 {
				dict += fmt.Sprintf(" /BitsPerComponent %d", img.BPC)
			}
			if img.Mask {
				dict += " /ImageMask true"
			}
			if filter != "none" {
				dict += " /Filter " + filter
			}
			data := img.Data
			if data == nil {
				data = bytes.Repeat([]byte{0xAB}, 16)
			}
			n := add(obj{dict: dict, stream: data, isStr: true})
			xobjs = append(xobjs, fmt.Sprintf("/Im%d %d 0 R", i, n))
		}
		imgRes := strings.Join(xobjs, " ")
		for i, f := range p.Forms {
			m, content, _ := strings.Cut(f, "|")
			dict := fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 1000 1000] /Matrix [%s] /Resources << /XObject << %s >> /Font << /F1 %d 0 R >> >>", m, imgRes, font)
			n := add(obj{dict: dict, stream: []byte(content), isStr: true})
			xobjs = append(xobjs, fmt.Sprintf("/Fm%d %d 0 R", i, n))
		}
		content := ""
		if p.Content != nil {
			content = *p.Content
		} else if len(p.Images) > 0 {
			content = fill(w, h)
		}
		if p.Text != "" {
			content += fmt.Sprintf("\nBT 3 Tr /F1 12 Tf 72 72 Td (%s) Tj ET", p.Text)
		}
		cdict, cdata := "", []byte(content)
		if p.Deflate > 0 {
			var z bytes.Buffer
			zw := zlib.NewWriter(&z)
			zw.Write(cdata)
			zw.Close()
			cdict, cdata = "/Filter /FlateDecode", z.Bytes()
			if p.Deflate == 2 {
				cdata[len(cdata)-1] ^= 0xFF
			}
		}
		c := add(obj{dict: cdict, stream: cdata, isStr: true})
		pg := add(obj{dict: fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %g %g] /Resources << /XObject << %s >> /Font << /F1 %d 0 R >> >> /Contents %d 0 R %s >>",
			pages, w, h, strings.Join(xobjs, " "), font, c, p.Extra)})
		kids = append(kids, fmt.Sprintf("%d 0 R", pg))
	}
	objs[pages-1] = obj{dict: fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))}
	cat := fmt.Sprintf("/Type /Catalog /Pages %d 0 R", pages)
	if d.XMP != "" {
		n := add(obj{dict: "/Type /Metadata /Subtype /XML", stream: []byte(d.XMP), isStr: true})
		cat += fmt.Sprintf(" /Metadata %d 0 R", n)
	}
	objs[catalog-1] = obj{dict: "<< " + cat + " " + d.Catalog + " >>"}

	v := d.Version
	if v == "" {
		v = "1.7"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n", v)
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		if o.isStr {
			fmt.Fprintf(&b, "<< %s /Length %d >>\nstream\n", o.dict, len(o.stream))
			b.Write(o.stream)
			b.WriteString("\nendstream")
		} else {
			b.WriteString(o.dict)
		}
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, xref)
	return b.Bytes()
}

// xmpPacket is a minimal XMP packet claiming PDF/A part/conformance, with
// the properties as attributes (attr) or as elements.
func xmpPacket(prefix, part, conformance string, attr bool) string {
	props := fmt.Sprintf(`<rdf:Description rdf:about="" xmlns:%[1]s="http://www.aiim.org/pdfa/ns/id/"><%[1]s:part>%[2]s</%[1]s:part><%[1]s:conformance>%[3]s</%[1]s:conformance></rdf:Description>`, prefix, part, conformance)
	if attr {
		props = fmt.Sprintf(`<rdf:Description rdf:about="" xmlns:%[1]s="http://www.aiim.org/pdfa/ns/id/" %[1]s:part="%[2]s" %[1]s:conformance="%[3]s"/>`, prefix, part, conformance)
	}
	return `<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` + props + `</rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`
}
