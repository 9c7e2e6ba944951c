// Command mkpdf writes the signed PDF files bench/verify.sh times: small
// (~100 KB) and large (>= 100 MB) documents shaped like scanned dossiers,
// signed PAdES B-LT by one throw-away test PKI (internal/testpki) through
// internal/testpdf, so the root certificate it writes is the only trust
// input a verifier needs: the signature timestamp, the certificates and the
// OCSP responses and CRLs for the signer and the TSA are all in the file.
//
//	go run ./bench/mkpdf -out DIR -pki DIR -size small,large,multi [-count N] [-large-mb N] [-sigs N]
//
// It writes DIR/small-0001.pdf … small-NNNN.pdf (each with its own page
// content, so the files are distinct), DIR/large.pdf, DIR/multi.pdf (a
// small document signed -sigs times in sequence, each signature an
// incremental update over the previous ones, every other one visible: the
// shape of a dossier that passes through many hands) and PKI/root.pem. Ask
// for every size in one run: every run makes a new PKI and overwrites
// root.pem.
//
// Each page is a text header (testpdf.PageText) over an uncompressed RGB
// image of pseudo-random pixels, the way a scanned page carries most of a
// dossier's bytes; the pixels are random so that no layer below compresses
// the file behind the benchmark's back. Every signature covers the whole
// file (ENTIRE_FILE; see -dss).
//
// Memory: the unsigned large file is written by streaming to disk, one page
// at a time. Signing is not streamed: testpdf.Sign works on []byte and
// pdfsign copies the document into in-memory buffers, so signing the large
// file holds several copies of it at once (about 900 MB peak for 110 MB).
package main

import (
	"bufio"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/internal/testpki"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("mkpdf: ")
	out := flag.String("out", "", "directory for the PDF files")
	pkiDir := flag.String("pki", "", "directory for root.pem (the trust anchor)")
	sizes := flag.String("size", "small,large", "what to write, comma-separated: small, large, multi")
	sigs := flag.Int("sigs", 25, "multi: signatures on the file")
	count := flag.Int("count", 1, "number of distinct small files")
	largeMB := flag.Int("large-mb", 110, "large file: number of pages, each carrying a 1 MiB image")
	smallKB := flag.Int("small-kb", 64, "small file: image bytes on its one page, in KiB")
	level := flag.String("level", "B-LT", "PAdES level: B-B, B-T, B-LT or B-LTA")
	dssWhere := flag.String("dss", "before", "B-LT: put the /DSS before the signature (covered, ENTIRE_FILE) or after it (PAdES's usual incremental update)")
	flag.Parse()
	if *out == "" || *pkiDir == "" || flag.NArg() > 0 || (*dssWhere != "before" && *dssWhere != "after") {
		flag.Usage()
		os.Exit(2)
	}
	var small, large, multi bool
	for s := range strings.SplitSeq(*sizes, ",") {
		switch s {
		case "small":
			small = true
		case "large":
			large = true
		case "multi":
			multi = true
		default:
			log.Fatalf("-size: %q is not small, large or multi", s)
		}
	}
	for _, d := range []string{*out, *pkiDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			log.Fatal(err)
		}
	}

	t := &testpki.CommandTB{}
	defer t.Close()
	start := time.Now()
	pki := testpki.New(t)
	// The signer carries the extended key usages Vietnamese signing tokens
	// carry. pdfsig needs one: poppler 22.12 reads NSS's last error code after
	// CERT_PKIXVerifyCert instead of its result, and the failed lookup of an
	// absent EKU extension leaves SEC_ERROR_EXTENSION_NOT_FOUND behind, which
	// it prints as "Unknown issue with Certificate" on a chain NSS accepted.
	signer := pki.NewSigner(t, "Nguyễn Văn Bench", testpki.Options{
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection},
	})
	root := pki.WriteRootPEM(*pkiDir)
	fmt.Printf("root certificate: %s\n", root)
	levels := map[string]testpdf.Level{"B-B": testpdf.LevelBB, "B-T": testpdf.LevelBT, "B-LT": testpdf.LevelBLT, "B-LTA": testpdf.LevelBLTA}
	lvl, ok := levels[*level]
	if !ok {
		log.Fatalf("-level: %q is not one of B-B, B-T, B-LT, B-LTA", *level)
	}
	opts := testpdf.SignOptions{Level: lvl, Name: "Nguyễn Văn Bench", Reason: "bench/verify.sh"}

	// pdfsign's B-LT embeds revocation data for the signer's chain in the CMS
	// but none for the TSA, so the signature timestamp could not be validated
	// offline. The usual remedy, a /DSS update after the signature, leaves the
	// signature covering ENTIRE_REVISION; the benchmark wants ENTIRE_FILE, so
	// by default the /DSS (certificates, OCSP and CRLs for the signer and the
	// TSA) goes into the document before it is signed, where the signature
	// covers it. -dss after writes the standard PAdES shape instead.
	dss := testpdf.ValidationData(t, pki, pki.Now(), signer, pki.TSA)
	sign := func(unsigned []byte) []byte {
		if lvl >= testpdf.LevelBLT && *dssWhere == "before" {
			unsigned = testpdf.AddDSS(t, unsigned, dss)
		}
		signed := testpdf.Sign(t, unsigned, signer, pki, opts)
		if lvl == testpdf.LevelBLT && *dssWhere == "after" {
			signed = testpdf.AddDSS(t, signed, dss)
		}
		return signed
	}

	if small {
		// Signing is CPU-bound (RSA signatures for the CMS, the TSA token, the
		// OCSP response and the CRL): one worker per CPU.
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for i := range jobs {
					path := filepath.Join(*out, fmt.Sprintf("small-%04d.pdf", i))
					var b strings.Builder
					if err := writeUnsigned(&b, fmt.Sprintf("Hồ sơ mẫu số %d", i), 1, *smallKB<<10, uint64(i)); err != nil {
						t.Fatalf("small %d: %v", i, err)
					}
					signed := sign([]byte(b.String()))
					if err := os.WriteFile(path, signed, 0o644); err != nil {
						t.Fatalf("%v", err)
					}
				}
			})
		}
		for i := 1; i <= *count; i++ {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		fmt.Printf("small: %d files, %s\n", *count, sizeOf(filepath.Join(*out, "small-0001.pdf")))
	}

	if multi {
		var b strings.Builder
		if err := writeUnsigned(&b, "Hồ sơ nhiều chữ ký", 1, *smallKB<<10, 2_000_000); err != nil {
			t.Fatalf("multi: %v", err)
		}
		doc := sign([]byte(b.String()))
		for i := 2; i <= *sigs; i++ {
			o := opts
			o.Visible = i%2 == 0
			x := float64(40 + 20*(i%20))
			o.Rect = [4]float64{x, 40, x + 150, 90}
			doc = testpdf.Sign(t, doc, signer, pki, o)
		}
		path := filepath.Join(*out, "multi.pdf")
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			t.Fatalf("%v", err)
		}
		fmt.Printf("multi: %s (%d signatures)\n", sizeOf(path), *sigs)
	}

	if large {
		unsigned := filepath.Join(*out, "large-unsigned.pdf")
		f, err := os.Create(unsigned)
		if err != nil {
			log.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		err = writeUnsigned(w, "Hồ sơ quét khổ lớn", *largeMB, 1<<20, 1_000_000)
		if err == nil {
			err = w.Flush()
		}
		if err2 := f.Close(); err == nil {
			err = err2
		}
		if err != nil {
			log.Fatal(err)
		}
		// testpdf.Sign (and pdfsign under it) needs the document in memory.
		raw, err := os.ReadFile(unsigned)
		if err != nil {
			log.Fatal(err)
		}
		signed := sign(raw)
		raw = nil
		path := filepath.Join(*out, "large.pdf")
		if err := os.WriteFile(path, signed, 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.Remove(unsigned); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("large: %s (%d pages)\n", sizeOf(path), *largeMB)
	}
	fmt.Printf("done in %s\n", time.Since(start).Round(time.Millisecond))
}

func sizeOf(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%s, %d bytes", filepath.Base(path), st.Size())
}

// writeUnsigned streams a PDF 1.7 document with a classic xref table to w:
// pages pages, each a text header over an uncompressed DeviceRGB image of
// imageBytes pseudo-random bytes (seeded by seed, so output is reproducible).
func writeUnsigned(w io.Writer, title string, pages, imageBytes int, seed uint64) error {
	cw := &countWriter{w: w}
	// Objects: 1 catalog, 2 page tree, 3 info, 4 font, then per page:
	// page, content stream, image.
	const perPage = 3
	size := 5 + perPage*pages
	offsets := make([]int64, size)
	obj := func(n int, body string) {
		offsets[n] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	page := func(i int) int { return 5 + perPage*i }

	cw.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	kids := make([]string, pages)
	for i := range pages {
		kids[i] = testpdf.Ref(page(i))
	}
	obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), pages))
	obj(3, fmt.Sprintf("<< /Title %s /Producer (sohoa bench/mkpdf) /CreationDate (D:20260301080000+07'00') >>", testpdf.TextString(title)))
	obj(4, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")

	// The image is as close to square as imageBytes allows (3 bytes a pixel).
	width := 1
	for (width+1)*(width+1)*3 <= imageBytes {
		width++
	}
	height := imageBytes / (3 * width)
	imgLen := 3 * width * height
	rng := rand.New(rand.NewChaCha8(seedBytes(seed)))
	buf := make([]byte, 64<<10)
	for i := range pages {
		p, c, img := page(i), page(i)+1, page(i)+2
		obj(p, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> /XObject << /Im1 %s >> >> /Contents %s >>",
			testpdf.Ref(img), testpdf.Ref(c)))
		text := testpdf.PageText(title, "Mã hồ sơ: 000.00.12.G05-261130-0007", fmt.Sprintf("Trang %d/%d", i+1, pages))
		// Drawn at 300 dpi, so the page passes sohoa's scan inspection
		// (Decree 30/2020: at least 200 dpi).
		place := fmt.Sprintf("q %.2f 0 0 %.2f 72 100 cm /Im1 Do Q\n", float64(width)*72/300, float64(height)*72/300)
		content := append([]byte(place), text...)
		obj(c, testpdf.Stream("", content))

		offsets[img] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length %d >>\nstream\n",
			img, width, height, imgLen)
		for left := imgLen; left > 0; {
			n := min(left, len(buf))
			for j := 0; j < n; j += 8 {
				v := rng.Uint64()
				for k := 0; k < 8 && j+k < n; k++ {
					buf[j+k] = byte(v >> (8 * k))
				}
			}
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
	id := fmt.Sprintf("%016x%016x", seed, uint64(pages)<<32|uint64(imageBytes))
	fmt.Fprintf(cw, "trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R /ID [<%s><%s>] >>\nstartxref\n%d\n%%%%EOF\n", size, id, id, xref)
	return cw.err
}

func seedBytes(seed uint64) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	copy(s[8:], "sohoa bench/mkpdf")
	return s
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
