// Command mkscan writes unsigned scanned-page PDFs: the two scan samples in
// testdata/samples (one at 300 dpi, one at 100 dpi, which fails the default
// inspection policy's 200 dpi minimum), their copies embedded in the binary
// for `sohoa demo`, and the large scan bench/pipeline.sh times.
//
//	go run ./bench/mkscan -out testdata/samples            # scan-300dpi.pdf, scan-low-resolution.pdf
//	go run ./bench/mkscan -out DIR -large-mb 500           # DIR/scan-large.pdf, about 500 MB
//
// The samples are deterministic: a white A4 page in 8-bit greyscale with a
// few lines of block letters (a built-in 5×7 font, ASCII only) and grey bars
// standing for the lines of text a clerk would scan, Flate-compressed,
// drawn over the whole page, so the effective resolution is the image's
// pixel size over the page size. No text layer, no PDF/A claim, no
// signature: what a one-stop shop's scanner writes.
//
// The large scan is 300 dpi A4 pages of uncompressed pseudo-random RGB
// pixels (nothing below can compress them away), written by streaming: the
// generator holds one 64 KiB buffer, not the file.
package main

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/sohoa/sohoa/bench/scanpdf"
)

// A4 in points, and the pixel size of an A4 page scanned at dpi.
const a4W, a4H = scanpdf.A4W, scanpdf.A4H

func a4(dpi float64) (int, int) { return scanpdf.A4(dpi) }

func main() {
	log.SetFlags(0)
	log.SetPrefix("mkscan: ")
	out := flag.String("out", "", "output directory")
	largeMB := flag.Int("large-mb", 0, "write scan-large.pdf of about this many MB (10^6 bytes) instead of the samples")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 || *largeMB < 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if *largeMB > 0 {
		path := filepath.Join(*out, "scan-large.pdf")
		if err := writeFile(path, func(w io.Writer) error { return writeLarge(w, *largeMB) }); err != nil {
			log.Fatal(err)
		}
		report(path)
		return
	}
	for _, s := range Samples() {
		path := filepath.Join(*out, s.Name)
		if err := os.WriteFile(path, s.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		report(path)
	}
}

func report(path string) {
	st, err := os.Stat(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d bytes\n", path, st.Size())
}

// writeFile writes through a temporary file and renames it into place.
func writeFile(path string, write func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// Sample is one scan sample.
type Sample struct {
	Name  string
	DPI   float64
	Lines []string
}

// Samples are the scans shipped in testdata/samples.
func Samples() []Sample {
	return []Sample{
		{Name: "scan-300dpi.pdf", DPI: 300, Lines: []string{
			"BAN SAO - DU LIEU MAU (SOHOA DEMO)",
			"HO SO 000.00.12.G05",
			"QUET 300 DPI, THANG XAM 8 BIT",
		}},
		{Name: "scan-low-resolution.pdf", DPI: 100, Lines: []string{
			"BAN SAO - DU LIEU MAU (SOHOA DEMO)",
			"HO SO 000.00.12.G05",
			"QUET 100 DPI: DUOI MUC 200 DPI",
		}},
	}
}

// Bytes renders the sample's page and wraps it in a PDF.
func (s Sample) Bytes() []byte {
	w, h := a4(s.DPI)
	pix := scanpdf.RenderPage(w, h, s.DPI, s.Lines)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(pix)
	zw.Close()
	title := strings.TrimSuffix(s.Name, ".pdf")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>", a4W, a4H),
		stream("", []byte(fmt.Sprintf("q %g 0 0 %g 0 0 cm /Im0 Do Q", a4W, a4H))),
		stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", w, h), z.Bytes()),
		fmt.Sprintf("<< /Title (%s) /Producer (sohoa bench/mkscan) /CreationDate (D:20260301080000+07'00') >>", title),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	id := fmt.Sprintf("%032x", []byte(title + strings.Repeat("_", 16))[:16])
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R /ID [<%s><%s>] >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, id, id, xref)
	return b.Bytes()
}

func stream(dict string, data []byte) string {
	if dict != "" {
		dict += " "
	}
	return fmt.Sprintf("<< %s/Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// writeLarge streams a PDF of 300 dpi A4 RGB pages of pseudo-random pixels,
// as many pages as make about mb MB.
func writeLarge(w io.Writer, mb int) error {
	const dpi = 300
	pw, ph := a4(dpi)
	pageBytes := pw * ph * 3
	pages := max(1, int(math.Round(float64(mb)*1e6/float64(pageBytes))))
	cw := &countWriter{w: w}
	// Objects: 1 catalog, 2 page tree, 3 info; per page: page, content, image.
	size := 4 + 3*pages
	offsets := make([]int64, size)
	obj := func(n int, body string) {
		offsets[n] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	page := func(i int) int { return 4 + 3*i }
	cw.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	kids := make([]string, pages)
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", page(i))
	}
	obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), pages))
	obj(3, fmt.Sprintf("<< /Title (scan-large %d pages) /Producer (sohoa bench/mkscan) >>", pages))
	rng := rand.NewChaCha8([32]byte{'s', 'o', 'h', 'o', 'a'})
	buf := make([]byte, 64<<10)
	for i := range pages {
		p, c, img := page(i), page(i)+1, page(i)+2
		obj(p, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", a4W, a4H, img, c))
		obj(c, stream("", []byte(fmt.Sprintf("q %g 0 0 %g 0 0 cm /Im0 Do Q", a4W, a4H))))
		offsets[img] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length %d >>\nstream\n", img, pw, ph, pageBytes)
		for left := pageBytes; left > 0; {
			n := min(left, len(buf))
			rng.Read(buf[:n])
			cw.Write(buf[:n])
			left -= n
		}
		cw.WriteString("\nendstream\nendobj\n")
	}
	xref := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f \n", size)
	for n := 1; n < size; n++ {
		fmt.Fprintf(cw, "%010d 00000 n \n", offsets[n])
	}
	fmt.Fprintf(cw, "trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n", size, xref)
	return cw.err
}

// countWriter counts bytes for the xref offsets and keeps the first error.
type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err == nil && n < len(p) {
		err = errors.New("short write")
	}
	c.err = err
	return len(p), nil
}

func (c *countWriter) WriteString(s string) (int, error) { return c.Write([]byte(s)) }
