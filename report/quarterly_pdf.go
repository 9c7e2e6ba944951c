package report

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	pdffont "github.com/pdfcpu/pdfcpu/pkg/pdfcpu/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/text/unicode/norm"
)

// canvas writes a PDF's pages as content streams of its own (text, lines,
// rectangles: the report's tables and chart are vector graphics), with
// pdfcpu doing the rest: the text's glyph encoding (PrepBytes, which also
// records the glyphs used), the fonts embedded as subsets with a
// ToUnicode map (so the text can be searched and copied), and the file.
type canvas struct {
	xref   *model.XRefTable
	pages  []*bytes.Buffer
	cur    *bytes.Buffer
	fontID map[string]string // font name → resource name (F1, F2, …)
	err    error             // the first error; later calls do nothing
}

// A4 portrait, in points.
const (
	pageW = 595.28
	pageH = 841.89
)

type rgb struct{ r, g, b float64 }

var (
	black     = rgb{0, 0, 0}
	gridGrey  = rgb{0.8, 0.8, 0.8}
	headGrey  = rgb{0.93, 0.93, 0.93}
	targetRed = rgb{0.78, 0.1, 0.1}
)

func newCanvas() (*canvas, error) {
	if err := setupReportFonts(); err != nil {
		return nil, err
	}
	xref, err := pdfcpu.CreateXRefTableWithRootDict()
	if err != nil {
		return nil, err
	}
	return &canvas{xref: xref, fontID: map[string]string{}}, nil
}

// newPage starts a page; later drawing goes to it.
func (c *canvas) newPage() {
	c.cur = &bytes.Buffer{}
	c.pages = append(c.pages, c.cur)
}

func (c *canvas) op(format string, a ...any) {
	if c.err == nil {
		fmt.Fprintf(c.cur, format, a...)
		c.cur.WriteByte('\n')
	}
}

// width is s's advance in fontName at size points.
func (c *canvas) width(s, fontName string, size float64) float64 {
	w, err := font.TextWidthFloat(norm.NFC.String(s), fontName, size)
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("quarterly report: measure text in %s: %w", fontName, err)
	}
	return w
}

// text draws s with its baseline's left end at (x, y).
func (c *canvas) text(x, y float64, fontName string, size float64, s string) {
	c.textColor(x, y, fontName, size, s, black)
}

func (c *canvas) textColor(x, y float64, fontName string, size float64, s string, col rgb) {
	if c.err != nil || s == "" {
		return
	}
	id, ok := c.fontID[fontName]
	if !ok {
		id = fmt.Sprintf("F%d", len(c.fontID)+1)
		c.fontID[fontName] = id
	}
	enc, err := model.PrepBytes(c.xref, norm.NFC.String(s), fontName, true, false, false)
	if err != nil {
		c.err = fmt.Errorf("quarterly report: text in %s: %w", fontName, err)
		return
	}
	c.op("BT %.3f %.3f %.3f rg /%s %.2f Tf %.2f %.2f Td (%s) Tj ET", col.r, col.g, col.b, id, size, x, y, enc)
}

// Alignment of a line of text within a box.
type align int

const (
	left align = iota
	center
	right
)

// textIn draws s aligned within [x0, x1].
func (c *canvas) textIn(x0, x1, y float64, a align, fontName string, size float64, s string) {
	x := x0
	switch a {
	case center:
		x = (x0 + x1 - c.width(s, fontName, size)) / 2
	case right:
		x = x1 - c.width(s, fontName, size)
	}
	c.text(x, y, fontName, size, s)
}

// wrap breaks s into lines at most w wide (a word longer than w gets a
// line of its own).
func (c *canvas) wrap(s, fontName string, size, w float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		words := strings.Fields(para)
		line := ""
		for _, word := range words {
			cand := word
			if line != "" {
				cand = line + " " + word
			}
			if line != "" && c.width(cand, fontName, size) > w {
				lines = append(lines, line)
				line = word
				continue
			}
			line = cand
		}
		lines = append(lines, line)
	}
	return lines
}

func (c *canvas) line(x1, y1, x2, y2, width float64, col rgb) {
	c.op("q %.2f w %.3f %.3f %.3f RG %.2f %.2f m %.2f %.2f l S Q", width, col.r, col.g, col.b, x1, y1, x2, y2)
}

func (c *canvas) dashed(x1, y1, x2, y2, width float64, col rgb) {
	c.op("q [4 3] 0 d %.2f w %.3f %.3f %.3f RG %.2f %.2f m %.2f %.2f l S Q", width, col.r, col.g, col.b, x1, y1, x2, y2)
}

func (c *canvas) fillRect(x, y, w, h float64, col rgb) {
	c.op("q %.3f %.3f %.3f rg %.2f %.2f %.2f %.2f re f Q", col.r, col.g, col.b, x, y, w, h)
}

func (c *canvas) strokeRect(x, y, w, h, width float64, col rgb) {
	c.op("q %.2f w %.3f %.3f %.3f RG %.2f %.2f %.2f %.2f re S Q", width, col.r, col.g, col.b, x, y, w, h)
}

// docInfo is the document information dictionary's text entries.
type docInfo struct {
	Title, Author, Subject string
}

// write finishes the document: the fonts (subsets of the glyphs used on
// every page, so they are made once all pages are drawn), the pages, the
// catalog (language Vietnamese) and the information dictionary.
func (c *canvas) write(w io.Writer, info docInfo) error {
	if c.err != nil {
		return c.err
	}
	xref := c.xref
	fonts := types.Dict{}
	for name, id := range c.fontID {
		used := maps.Clone(xref.UsedGIDs[name]) // EnsureFontDict clears them
		ir, err := pdffont.EnsureFontDict(xref, name, "", "", false, nil)
		if err != nil {
			return fmt.Errorf("quarterly report: embed the font %s: %w", name, err)
		}
		if err := c.fixToUnicode(*ir, name, used); err != nil {
			return err
		}
		fonts.Insert(id, *ir)
	}
	root, err := xref.Catalog()
	if err != nil {
		return err
	}
	kids := types.Array{}
	pagesDict := types.Dict{
		"Type":     types.Name("Pages"),
		"Count":    types.Integer(len(c.pages)),
		"MediaBox": types.NewRectangle(0, 0, pageW, pageH).Array(),
	}
	pagesRef, err := xref.IndRefForNewObject(pagesDict)
	if err != nil {
		return err
	}
	for _, p := range c.pages {
		sd, err := xref.NewStreamDictForBuf(p.Bytes())
		if err != nil {
			return err
		}
		if err := sd.Encode(); err != nil {
			return err
		}
		contents, err := xref.IndRefForNewObject(*sd)
		if err != nil {
			return err
		}
		page := types.Dict{
			"Type":      types.Name("Page"),
			"Parent":    *pagesRef,
			"Resources": types.Dict{"Font": fonts},
			"Contents":  *contents,
		}
		ref, err := xref.IndRefForNewObject(page)
		if err != nil {
			return err
		}
		kids = append(kids, *ref)
	}
	pagesDict["Kids"] = kids
	root.Insert("Pages", *pagesRef)
	root.Insert("Lang", types.StringLiteral("vi-VN"))
	root.Insert("ViewerPreferences", types.Dict{"DisplayDocTitle": types.Boolean(true)})
	xref.PageCount = len(c.pages)
	d := types.Dict{"Creator": types.StringLiteral("sohoa")}
	for k, v := range map[string]string{"Title": info.Title, "Author": info.Author, "Subject": info.Subject} {
		if v != "" {
			d.Insert(k, utf16Text(v))
		}
	}
	ir, err := xref.IndRefForNewObject(d)
	if err != nil {
		return err
	}
	xref.Info = ir
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	ctx := pdfcpu.CreateContext(xref, conf)
	if err := api.WriteContext(ctx, w); err != nil {
		return fmt.Errorf("quarterly report: write the PDF: %w", err)
	}
	return nil
}

// fixToUnicode replaces the ToUnicode map of the font dictionary at ir
// with one covering every glyph used. pdfcpu v0.15.0 writes only the
// first 100 glyphs of a subset (font.bf caps its loop at one bfchar
// block), so text set in more than 100 distinct glyphs of one face would
// not read back (pdftotext, search, copy, screen readers) past them.
func (c *canvas) fixToUnicode(ir types.IndirectRef, fontName string, used map[uint16]bool) error {
	d, err := c.xref.DereferenceDict(ir)
	if err != nil || d == nil {
		return fmt.Errorf("quarterly report: font %s: %v", fontName, err)
	}
	ttf, ok, err := font.UserFont(fontName)
	if err != nil || !ok {
		return fmt.Errorf("quarterly report: font %s: metrics: %v", fontName, err)
	}
	gids := slices.Sorted(maps.Keys(used))
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(gids) > 0 {
		n := min(len(gids), 100)
		fmt.Fprintf(&b, "%d beginbfchar\n", n)
		for _, g := range gids[:n] {
			fmt.Fprintf(&b, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune{rune(ttf.ToUnicode[g])}) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
		gids = gids[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	sd, err := c.xref.NewStreamDictForBuf(b.Bytes())
	if err != nil {
		return err
	}
	if err := sd.Encode(); err != nil {
		return err
	}
	ref, err := c.xref.IndRefForNewObject(*sd)
	if err != nil {
		return err
	}
	d.Update("ToUnicode", *ref)
	return nil
}

// utf16Text is a PDF text string in UTF-16BE with its byte order mark,
// the form that carries Vietnamese.
func utf16Text(s string) types.HexLiteral {
	u := utf16.Encode([]rune(norm.NFC.String(s)))
	b := make([]byte, 0, 2+2*len(u))
	b = append(b, 0xfe, 0xff)
	for _, r := range u {
		b = append(b, byte(r>>8), byte(r))
	}
	return types.NewHexLiteral(b)
}
