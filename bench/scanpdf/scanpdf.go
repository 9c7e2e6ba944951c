// Package scanpdf renders the pages of synthetic scans for benchmarks and
// the scan samples: what a one-stop shop's scanner writes, a page image
// drawn over a whole A4 page, no text layer, no signature. bench/mkscan
// writes the samples and the large scan with it; report's benchmarks make
// their scans with Scan.
package scanpdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"strings"
)

// A4 in points.
const A4W, A4H = 595.276, 841.89

// A4 is the pixel size of an A4 page scanned at dpi.
func A4(dpi float64) (int, int) {
	return int(A4W/72*dpi + 0.5), int(A4H/72*dpi + 0.5)
}

// Options shape a scan.
type Options struct {
	// Pages is the number of pages (default 1); each page's text differs.
	Pages int
	// DPI is the resolution (default 300).
	DPI float64
	// Colour writes each page as a colour JPEG (DCTDecode, quality 85, the
	// paper slightly tinted and grainy, as a colour scanner writes: Decree
	// 30 asks for colour scans); otherwise an 8-bit greyscale image,
	// Flate-compressed, like the samples.
	Colour bool
	// Title goes into /Info and the first line of every page.
	Title string
}

// Scan renders a scan of o.Pages pages and returns the PDF.
func Scan(o Options) []byte {
	if o.Pages < 1 {
		o.Pages = 1
	}
	if o.DPI <= 0 {
		o.DPI = 300
	}
	if o.Title == "" {
		o.Title = "BAN SAO - SCAN MAU"
	}
	w, h := A4(o.DPI)
	var objs []string
	kids := make([]string, o.Pages)
	for i := range o.Pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+3*i)
	}
	objs = append(objs, "<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), o.Pages),
		fmt.Sprintf("<< /Title (%s) /Producer (sohoa bench/scanpdf) >>", o.Title))
	for i := range o.Pages {
		lines := []string{o.Title, fmt.Sprintf("TRANG %d / %d", i+1, o.Pages), fmt.Sprintf("QUET %.0f DPI", o.DPI)}
		pix := RenderPage(w, h, o.DPI, lines)
		var img string
		if o.Colour {
			img = stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", w, h), colourJPEG(pix, w, h, uint64(i)))
		} else {
			var z bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
			zw.Write(pix)
			zw.Close()
			img = stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", w, h), z.Bytes())
		}
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", A4W, A4H, 6+3*i, 5+3*i),
			stream("", []byte(fmt.Sprintf("q %g 0 0 %g 0 0 cm /Im0 Do Q", A4W, A4H))),
			img)
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, obj := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, obj)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// colourJPEG turns a greyscale page into a colour scan: warm paper, a
// little grain, JPEG quality 85.
func colourJPEG(grey []byte, w, h int, seed uint64) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 0x5c4))
	for i, g := range grey {
		n := int(rng.IntN(9)) - 4
		p := img.Pix[4*i : 4*i+4]
		p[0], p[1], p[2], p[3] = clamp(int(g)+n), clamp(int(g)-2+n), clamp(int(g)-10+n), 0xFF
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		panic(err) // a bytes.Buffer does not fail
	}
	return b.Bytes()
}

func clamp(v int) uint8 { return uint8(min(max(v, 0), 255)) }

func stream(dict string, data []byte) string {
	if dict != "" {
		dict += " "
	}
	return fmt.Sprintf("<< %s/Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// RenderPage draws a w×h greyscale page: off-white paper, the lines in
// block letters at the top, then grey bars where a letter's paragraphs
// would be. Sizes are in points, converted at dpi.
func RenderPage(w, h int, dpi float64, lines []string) []byte {
	pix := bytes.Repeat([]byte{0xF4}, w*h)
	px := func(pt float64) int { return int(math.Round(pt / 72 * dpi)) }
	rect := func(x0, y0, x1, y1 int, v byte) {
		for y := max(y0, 0); y < min(y1, h); y++ {
			row := pix[y*w : (y+1)*w]
			for x := max(x0, 0); x < min(x1, w); x++ {
				row[x] = v
			}
		}
	}
	margin := px(56)
	y := px(60)
	for i, line := range lines {
		size := 14.0 // point height of a letter
		if i == 0 {
			size = 18
		}
		cell := max(1, px(size)/7) // one font pixel
		drawText(line, margin, y, cell, func(x, y int) { rect(x, y, x+cell, y+cell, 0x20) })
		y += cell*7 + px(size*0.8)
	}
	y += px(24)
	// Paragraphs: bars of varying length, a blank line between paragraphs.
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	lineH, gap := px(7), px(7)
	for y+lineH < h-px(72) {
		n := 3 + rng.IntN(6)
		for i := 0; i < n && y+lineH < h-px(72); i++ {
			end := w - margin
			if i == n-1 {
				end = margin + (w-2*margin)*(30+rng.IntN(60))/100
			}
			rect(margin, y, end, y+lineH, 0x70)
			y += lineH + gap
		}
		y += lineH + gap
	}
	return pix
}

// drawText draws s with the 5×7 font, each font pixel cell×cell image
// pixels, top-left at (x, y).
func drawText(s string, x, y, cell int, dot func(x, y int)) {
	for _, r := range s {
		g, ok := font[r]
		if !ok {
			g = font['?']
		}
		for row, bits := range g {
			for col := 0; col < 5; col++ {
				if bits[col] == '#' {
					dot(x+col*cell, y+row*cell)
				}
			}
		}
		x += 6 * cell
	}
}

// font is a 5×7 bitmap font for the ASCII the samples use.
var font = map[rune][7]string{
	' ': {".....", ".....", ".....", ".....", ".....", ".....", "....."},
	'A': {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},
	'B': {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."},
	'C': {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."},
	'D': {"####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."},
	'E': {"#####", "#....", "#....", "####.", "#....", "#....", "#####"},
	'F': {"#####", "#....", "#....", "####.", "#....", "#....", "#...."},
	'G': {".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"},
	'H': {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},
	'I': {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'J': {"..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."},
	'K': {"#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"},
	'L': {"#....", "#....", "#....", "#....", "#....", "#....", "#####"},
	'M': {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"},
	'N': {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"},
	'O': {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
	'P': {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."},
	'Q': {".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"},
	'R': {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"},
	'S': {".####", "#....", "#....", ".###.", "....#", "....#", "####."},
	'T': {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."},
	'U': {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
	'V': {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."},
	'W': {"#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."},
	'X': {"#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"},
	'Y': {"#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."},
	'Z': {"#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"},
	'0': {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
	'1': {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'2': {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
	'3': {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."},
	'4': {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
	'5': {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
	'6': {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
	'7': {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
	'8': {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
	'9': {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
	'.': {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."},
	',': {".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."},
	':': {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."},
	'-': {".....", ".....", ".....", "#####", ".....", ".....", "....."},
	'(': {"...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."},
	')': {".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."},
	'/': {".....", "....#", "...#.", "..#..", ".#...", "#....", "....."},
	'?': {".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."},
}
