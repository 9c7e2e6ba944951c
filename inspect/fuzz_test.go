package inspect

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/sohoa/sohoa/internal/testpdf"
)

// fuzzSeeds are small documents of every shape the tests use.
func fuzzSeeds(t testing.TB) [][]byte {
	w, h := 248, 351 // small pixel counts keep the seeds small
	scan := testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}
	ocr := testDoc{XMP: xmpPacket("pdfaid", "2", "B", true), Pages: []testPage{{Images: []testImage{gray(w, h)}, Text: "OCR"}}}
	forms := testDoc{Pages: []testPage{{Images: []testImage{rgb(w, h)}, Forms: []string{"595 0 0 842 0 0|/Im0 Do BT (x) Tj ET"}, Content: str("q /Fm0 Do Q")}}}
	inline := testDoc{Pages: []testPage{{Content: str("q 595 0 0 842 0 0 cm BI /W 4 /H 4 /CS /RGB /BPC 8 ID 0123456789abcdef0123456789abcdef0123456789abcdef EI Q")}}}
	colors := testDoc{Pages: []testPage{
		scanPageOf(testImage{W: w, H: h, CS: "[/Indexed /DeviceRGB 1 <000000FFFFFF>]", BPC: 1}),
		scanPageOf(testImage{W: w, H: h, Filter: "/JPXDecode", Data: jpxCodestream(3, 8)}),
		scanPageOf(testImage{W: w, H: h, Mask: true}),
	}}
	seeds := [][]byte{
		scan.bytes(), ocr.bytes(), forms.bytes(), inline.bytes(), colors.bytes(),
		testDoc{Version: "1.3"}.bytes(),
		testpdf.Base(testpdf.BaseOptions{Pages: 2}).Bytes,
		testpdf.Base(testpdf.BaseOptions{XRefStream: true, FormFields: []string{"a"}}).Bytes,
		[]byte("%PDF-1.7\n"),
		[]byte("not a pdf"),
	}
	var enc bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(scan.bytes()), &enc, model.NewAESConfiguration("", "owner", 128)); err == nil {
		seeds = append(seeds, enc.Bytes())
	}
	for _, name := range []string{"ref chain", "huge count", "form loop", "huge length"} {
		seeds = append(seeds, hostileInputs()[name])
	}
	for _, name := range []string{"unsigned.pdf", "report.pdf", "certified-p2.pdf"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "samples", name))
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzInspect: no input makes Inspect fail, panic or return a result the
// catalog would refuse. pdfcpu's own panics are recovered by design (set
// INSPECT_FUZZ_STRICT=1 to see them as failures); a panic while analysing
// a document that pdfcpu read is this package's bug.
func FuzzInspect(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	strict := os.Getenv("INSPECT_FUZZ_STRICT") != ""
	f.Fuzz(func(t *testing.T, data []byte) {
		var panicked string
		onPanic = func(phase string, v any, stack []byte) {
			if phase == "analyze" || strict {
				panicked = fmt.Sprintf("%s: %v\n%s", phase, v, stack)
			}
		}
		defer func() { onPanic = nil }()
		res, err := Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), DefaultPolicy())
		if err != nil {
			t.Fatalf("Inspect: %v", err)
		}
		if panicked != "" {
			t.Fatalf("recovered panic in %s", panicked)
		}
		checkResult(t, res)
	})
}
