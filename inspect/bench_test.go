package inspect

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// scanLike is an n-page document shaped like a scanner's output: each page
// one 300 dpi A4 colour image of imageBytes (JPEG-sized, random bytes) under
// an invisible OCR text layer of about 40 lines.
func scanLike(n, imageBytes int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	w, h := a4(300)
	var ocr strings.Builder
	for i := range 40 {
		fmt.Fprintf(&ocr, "1 0 0 1 72 %d Tm (Dong %d: noi dung ho so da duoc nhan dang ky tu) Tj\n", 780-i*18, i)
	}
	doc := testDoc{XMP: xmpPacket("pdfaid", "2", "B", true)}
	for range n {
		data := make([]byte, imageBytes)
		for i := 0; i+8 <= len(data); i += 8 {
			v := rng.Uint64()
			for k := range 8 {
				data[i+k] = byte(v >> (8 * k))
			}
		}
		content := fill(a4W, a4H) + "\nBT 3 Tr /F1 10 Tf\n" + ocr.String() + "ET"
		doc.Pages = append(doc.Pages, testPage{Images: []testImage{{W: w, H: h, CS: "/DeviceRGB", BPC: 8, Data: data}}, Content: str(content)})
	}
	return doc.bytes()
}

// BenchmarkInspect: a 10-page scan of about 3 MB.
func BenchmarkInspect(b *testing.B) {
	pdf := scanLike(10, 300<<10)
	b.SetBytes(int64(len(pdf)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Inspect(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), DefaultPolicy())
		if err != nil || res.Outcome != OK {
			b.Fatalf("%v %+v", err, res)
		}
	}
}

// BenchmarkInspectSize: time against file size (1 MB and 50 MB scans).
func BenchmarkInspectSize(b *testing.B) {
	for _, tc := range []struct {
		name         string
		pages, bytes int
	}{{"1MB", 2, 512 << 10}, {"50MB", 20, 2560 << 10}} {
		pdf := scanLike(tc.pages, tc.bytes)
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(pdf)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Inspect(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), DefaultPolicy()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
