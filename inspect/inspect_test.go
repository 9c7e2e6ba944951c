package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func TestMain(m *testing.M) {
	if os.Getenv("INSPECT_CONFIG_DIR_PROBE") == "" {
		// The tests build fixtures with pdfcpu's api, which would
		// otherwise create ~/.config/pdfcpu. Inspect itself never needs
		// this (TestNoConfigDir proves it in a clean process).
		api.DisableConfigDir()
	}
	os.Exit(m.Run())
}

func inspectBytes(t testing.TB, b []byte, p Policy) *Result {
	t.Helper()
	res, err := Inspect(context.Background(), bytes.NewReader(b), int64(len(b)), p)
	require.NoError(t, err)
	checkResult(t, res)
	return res
}

// checkResult holds for every result: the catalog accepts it.
func checkResult(t testing.TB, res *Result) {
	t.Helper()
	in := &sohoa.Inspection{DocumentID: 1, Outcome: res.Outcome, Findings: res.Findings, PolicyName: res.Policy, InspectorVersion: res.InspectorVersion}
	require.NoError(t, in.Validate())
	worst := OK
	for _, f := range res.Findings {
		worst = Worse(worst, f.Outcome)
	}
	require.Equal(t, worst, res.Outcome, "outcome is the worst finding")
}

func findings(res *Result, rule string) []Finding {
	var out []Finding
	for _, f := range res.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func one(t testing.TB, res *Result, rule string) Finding {
	t.Helper()
	fs := findings(res, rule)
	require.Len(t, fs, 1, "findings for %s: %+v", rule, res.Findings)
	return fs[0]
}

func TestScan300RGB(t *testing.T) {
	w, h := a4(300)
	doc := testDoc{Pages: []testPage{{Images: []testImage{rgb(w, h)}, Text: "OCR"}}, XMP: xmpPacket("pdfaid", "2", "B", true)}
	res := inspectBytes(t, doc.bytes(), DefaultPolicy())
	assert.Equal(t, OK, res.Outcome, "%+v", res.Findings)
	assert.Equal(t, 1, res.Pages)
	assert.Equal(t, "1.7", res.Version)
	assert.True(t, res.HasText)
	assert.Equal(t, "2B", res.PDFA)
	assert.InDelta(t, 300, res.MinDPI, 0.1)
	assert.Equal(t, "default", res.Policy)
	assert.Equal(t, Version, res.InspectorVersion)
	for _, rule := range []string{RuleReadable, RuleEncryption, RuleVersion, RulePages, RuleResolution, RuleColor, RuleTextLayer, RulePDFA} {
		assert.Equal(t, OK, one(t, res, rule).Outcome, rule)
	}
	assert.Contains(t, one(t, res, RuleResolution).Message, "lowest: 300 dpi, page 1")
	assert.Contains(t, one(t, res, RuleColor).Message, "24-bit colour")
	assert.Equal(t, "claims PDF/A-2B (conformance is not validated)", one(t, res, RulePDFA).Message)
}

func TestDefaultPolicyWarnsAboutTextAndPDFA(t *testing.T) {
	w, h := a4(300)
	res := inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes(), DefaultPolicy())
	assert.Equal(t, Warn, res.Outcome)
	assert.Equal(t, Finding{Rule: RuleTextLayer, Outcome: Warn, Message: "no text layer: run OCR so the document is searchable", Code: CodeNoTextLayer}, one(t, res, RuleTextLayer))
	assert.Equal(t, Warn, one(t, res, RulePDFA).Outcome)
	assert.False(t, res.HasText)
	assert.Empty(t, res.PDFA)

	p := DefaultPolicy()
	p.RequireText, p.RequirePDFA = Fail, OK
	res = inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes(), p)
	assert.Equal(t, Fail, one(t, res, RuleTextLayer).Outcome)
	assert.Equal(t, OK, one(t, res, RulePDFA).Outcome)
	assert.Equal(t, Fail, res.Outcome)
}

func TestLowResolution(t *testing.T) {
	w, h := a4(150)
	res := inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes(), DefaultPolicy())
	assert.Equal(t, Fail, res.Outcome)
	f := one(t, res, RuleResolution)
	assert.Equal(t, Fail, f.Outcome)
	assert.Equal(t, 1, f.Page)
	assert.True(t, strings.HasPrefix(f.Message, "page 1: 150 dpi, needs 200"), f.Message)
	assert.InDelta(t, 150, res.MinDPI, 0.1)
}

func TestResolutionTolerance(t *testing.T) {
	// A "200 dpi" scanner output that rounded the page down a pixel.
	res := inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(gray(1653, 2338))}}.bytes(), DefaultPolicy())
	assert.Equal(t, OK, one(t, res, RuleResolution).Outcome, one(t, res, RuleResolution).Message)
	// 195 dpi is not a rounding error.
	w, h := a4(195)
	res = inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(gray(w, h))}}.bytes(), DefaultPolicy())
	assert.Equal(t, Fail, one(t, res, RuleResolution).Outcome)
}

func TestBadPageAmongGood(t *testing.T) {
	good, bad := [2]int{}, [2]int{}
	good[0], good[1] = a4(300)
	bad[0], bad[1] = a4(100)
	doc := testDoc{}
	for i := 1; i <= 5; i++ {
		img := rgb(good[0], good[1])
		if i == 3 {
			img = rgb(bad[0], bad[1])
		}
		doc.Pages = append(doc.Pages, scanPageOf(img))
	}
	res := inspectBytes(t, doc.bytes(), DefaultPolicy())
	assert.Equal(t, 5, res.Pages)
	f := one(t, res, RuleResolution)
	assert.Equal(t, 3, f.Page)
	assert.True(t, strings.HasPrefix(f.Message, "page 3: 100 dpi, needs 200"), f.Message)
}

func TestManyBadPagesAreSummarized(t *testing.T) {
	w, h := a4(100)
	doc := testDoc{}
	for range 30 {
		doc.Pages = append(doc.Pages, scanPageOf(gray(w, h)))
	}
	res := inspectBytes(t, doc.bytes(), DefaultPolicy())
	fs := findings(res, RuleResolution)
	require.Len(t, fs, maxListedPages+1)
	last := fs[len(fs)-1]
	assert.Equal(t, 0, last.Page)
	assert.Equal(t, "10 more pages are below 200 dpi: 21–30", last.Message)
}

func TestPlacement(t *testing.T) {
	w, h := a4(300)
	cases := []struct {
		name    string
		page    testPage
		wantDPI float64
	}{
		{"smaller: the same pixels on less paper", testPage{Images: []testImage{rgb(w, h)}, Content: str(fmt.Sprintf("q %g 0 0 %g 0 0 cm /Im0 Do Q", a4W*0.75, a4H*0.75))}, 400},
		{"nested cm and q/Q", testPage{Images: []testImage{rgb(w, h)}, Content: str(fmt.Sprintf("q 2 0 0 2 0 0 cm q 0.5 0 0 0.5 0 0 cm 1 0 0 1 10 10 cm q %g 0 0 %g 0 0 cm /Im0 Do Q Q Q", a4W, a4H))}, 300},
		{"rotated 90 degrees on a landscape page", testPage{W: a4H, H: a4W, Images: []testImage{rgb(w, h)}, Content: str(fmt.Sprintf("q 0 %g %g 0 %g 0 cm /Im0 Do Q", a4W, -a4H, a4H))}, 300},
		{"through a form XObject", testPage{Images: []testImage{rgb(w, h)}, Forms: []string{fmt.Sprintf("%g 0 0 %g 0 0|/Im0 Do", a4W, a4H)}, Content: str("q /Fm0 Do Q")}, 300},
		{"form scaled by the CTM", testPage{Images: []testImage{rgb(w, h)}, Forms: []string{"1 0 0 1 0 0|q " + fmt.Sprintf("%g 0 0 %g 0 0", a4W, a4H) + " cm /Im0 Do Q"}, Content: str("q 0.75 0 0 0.75 0 0 cm /Fm0 Do Q")}, 400},
		{"two strips", testPage{Images: []testImage{rgb(w, h/2), rgb(w/2, h/2)}, Content: str(fmt.Sprintf("q %[1]g 0 0 %[2]g 0 %[2]g cm /Im0 Do Q q %[1]g 0 0 %[2]g 0 0 cm /Im1 Do Q", a4W, a4H/2))}, 150},
		{"fallback: no placement found", testPage{Images: []testImage{rgb(w, h)}, Content: str("")}, 300},
		{"comments, strings and odd tokens", testPage{Images: []testImage{rgb(w, h)}, Content: str("% a comment /Im9 Do\n(a string with ) /Im9 Do) Tj [(x) 5 (y)] TJ <41> Tj <</A 1>> BDC EMC " + fill(a4W, a4H))}, 300},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := inspectBytes(t, testDoc{Pages: []testPage{tc.page}}.bytes(), DefaultPolicy())
			assert.InDelta(t, tc.wantDPI, res.MinDPI, 0.5, "%+v", res.Findings)
		})
	}
}

func TestFallbackIsSaid(t *testing.T) {
	w, h := a4(100)
	res := inspectBytes(t, testDoc{Pages: []testPage{{Images: []testImage{gray(w, h)}, Content: str("")}}}.bytes(), DefaultPolicy())
	f := one(t, res, RuleResolution)
	assert.Equal(t, Fail, f.Outcome)
	assert.Contains(t, f.Message, "page 1: 100 dpi, needs 200 (assuming the scan fills the page)")
}

func TestInlineImage(t *testing.T) {
	w, h := a4(150)
	content := fmt.Sprintf("q %g 0 0 %g 0 0 cm BI /W %d /H %d /CS /G /BPC 8 /F /DCT ID \xff\xd8 EIx EI Q", a4W, a4H, w, h)
	res := inspectBytes(t, testDoc{Pages: []testPage{{Content: str(content), Text: "after the image"}}}.bytes(), DefaultPolicy())
	assert.InDelta(t, 150, res.MinDPI, 0.5)
	assert.Contains(t, one(t, res, RuleColor).Message, "8-bit greyscale")
	assert.True(t, res.HasText, "content after EI is still read")
}

func TestBornDigitalPagesAreNotScans(t *testing.T) {
	// A letterhead logo at 72 dpi on a text page: not a scan.
	logo := testPage{Images: []testImage{rgb(72, 72)}, Content: str("q 72 0 0 72 50 700 cm /Im0 Do Q"), Text: "Quyet dinh"}
	blank := testPage{}
	res := inspectBytes(t, testDoc{Pages: []testPage{logo, blank}}.bytes(), DefaultPolicy())
	assert.Equal(t, "no page is a scanned image; resolution was not checked", one(t, res, RuleResolution).Message)
	assert.Equal(t, OK, one(t, res, RuleColor).Outcome)
	assert.Zero(t, res.MinDPI)

	w, h := a4(300)
	res = inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(rgb(w, h)), logo, blank}}.bytes(), DefaultPolicy())
	assert.Equal(t, "the scanned page is at 200 dpi or more (lowest: 300 dpi, page 1); pages 2–3 are not scanned and not checked", one(t, res, RuleResolution).Message)
}

func TestColor(t *testing.T) {
	w, h := a4(300)
	iccRGB := "[/ICCBased 99 0 R]" // unresolvable: depth unknown
	cases := []struct {
		name    string
		img     testImage
		desc    string
		require Outcome // outcome with RequireColor
	}{
		{"RGB", rgb(w, h), "24-bit colour", OK},
		{"CMYK", testImage{W: w, H: h, CS: "/DeviceCMYK", BPC: 8}, "32-bit CMYK colour", OK},
		{"Lab", testImage{W: w, H: h, CS: "[/Lab << /WhitePoint [0.95 1 1.09] >>]", BPC: 8}, "24-bit colour", OK},
		{"greyscale", gray(w, h), "8-bit greyscale", Fail},
		{"CalGray", testImage{W: w, H: h, CS: "[/CalGray << /WhitePoint [0.95 1 1.09] >>]", BPC: 8}, "8-bit greyscale", Fail},
		{"16-bit RGB", testImage{W: w, H: h, CS: "/DeviceRGB", BPC: 16}, "48-bit colour", OK},
		{"4-bit RGB", testImage{W: w, H: h, CS: "/DeviceRGB", BPC: 4}, "12-bit colour", Fail},
		{"indexed", testImage{W: w, H: h, CS: "[/Indexed /DeviceRGB 255 <000000>]", BPC: 8}, "8-bit indexed colour (a palette of 256 colours)", Fail},
		{"grey palette", testImage{W: w, H: h, CS: "[/Indexed /DeviceGray 15 <00>]", BPC: 4}, "4-bit greyscale (palette)", Fail},
		{"black and white", testImage{W: w, H: h, CS: "/DeviceGray", BPC: 1}, "1-bit black-and-white", Fail},
		{"CCITT", testImage{W: w, H: h, CS: "/DeviceGray", BPC: 1, Filter: "/CCITTFaxDecode"}, "1-bit black-and-white", Fail},
		{"JBIG2", testImage{W: w, H: h, CS: "/DeviceGray", BPC: 1, Filter: "/JBIG2Decode"}, "1-bit black-and-white", Fail},
		{"image mask", testImage{W: w, H: h, Mask: true}, "1-bit black-and-white", Fail},
		{"unknown ICC", testImage{W: w, H: h, CS: iccRGB, BPC: 8}, "colour depth unknown", Warn},
		{"JPX codestream RGB", testImage{W: w, H: h, Filter: "/JPXDecode", Data: jpxCodestream(3, 8)}, "24-bit colour", OK},
		{"JPX codestream grey", testImage{W: w, H: h, Filter: "/JPXDecode", Data: jpxCodestream(1, 8)}, "8-bit greyscale", Fail},
		{"JP2 box RGB", testImage{W: w, H: h, Filter: "/JPXDecode", Data: jp2Header(3, 8)}, "24-bit colour", OK},
		{"JPX unreadable", testImage{W: w, H: h, Filter: "/JPXDecode"}, "colour depth unknown (JPEG 2000)", Warn},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pdf := testDoc{Pages: []testPage{scanPageOf(tc.img)}}.bytes()
			res := inspectBytes(t, pdf, DefaultPolicy())
			f := one(t, res, RuleColor)
			assert.Contains(t, f.Message, tc.desc)
			// By default greyscale and black-and-white pages are a warning
			// (Decree 30/2020 asks for colour), never a failure.
			grey := strings.Contains(tc.desc, "greyscale") || strings.Contains(tc.desc, "black-and-white")
			if grey {
				assert.Equal(t, Warn, f.Outcome)
				assert.Equal(t, CodeColorAdvised, f.Code)
				assert.Contains(t, f.Message, "Decree 30/2020 asks for colour images")
			} else {
				assert.Equal(t, OK, f.Outcome)
				assert.Contains(t, f.Message, "colour is not required by this policy")
			}

			p := DefaultPolicy()
			p.RequireColor = true
			res = inspectBytes(t, pdf, p)
			f = one(t, res, RuleColor)
			assert.Equal(t, tc.require, f.Outcome, f.Message)
			if tc.require != OK {
				assert.Equal(t, 1, f.Page)
				assert.True(t, strings.HasPrefix(f.Message, "page 1: "+tc.desc), f.Message)
			}
		})
	}
}

func TestGreyscaleWithRequiredColour(t *testing.T) {
	w, h := a4(300)
	p := DefaultPolicy()
	p.RequireColor = true
	res := inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(rgb(w, h)), scanPageOf(gray(w, h))}}.bytes(), p)
	f := one(t, res, RuleColor)
	assert.Equal(t, Finding{Rule: RuleColor, Outcome: Fail, Page: 2, Message: "page 2: 8-bit greyscale, the policy requires 24-bit colour; scan it again in colour",
		Code: CodeColorMissing, Params: map[string]string{"page": "2", "bits": "8", "min": "24"}}, f)
	assert.Equal(t, Fail, res.Outcome)

	p.RequireColor = false
	res = inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(rgb(w, h)), scanPageOf(gray(w, h)), scanPageOf(rgb(w, h))}}.bytes(), p)
	f = one(t, res, RuleColor)
	assert.Equal(t, Warn, f.Outcome)
	assert.Equal(t, "scanned pages: 24-bit colour (2 pages), 8-bit greyscale (1 page); Decree 30/2020 asks for colour images: scan the greyscale and black-and-white pages again in colour", f.Message)
	assert.Equal(t, map[string]string{"colour": "2", "grey": "1", "bw": "0", "unknown": "0"}, f.Params)
	assert.Equal(t, Warn, res.Outcome, "a warning, not a failure")
	res = inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(gray(w, h))}}.bytes(), p)
	assert.Equal(t, "the scanned page is 8-bit greyscale; Decree 30/2020 asks for colour images: scan the greyscale and black-and-white pages again in colour", one(t, res, RuleColor).Message)
	res = inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes(), p)
	assert.Equal(t, OK, one(t, res, RuleColor).Outcome)
}

func TestMixedRasterPage(t *testing.T) {
	// MRC: a colour background downsampled to 100 dpi under a 300 dpi
	// black-and-white text mask. Resolution takes the lower, colour the
	// richer.
	bw, bh := a4(100)
	mw, mh := a4(300)
	page := testPage{Images: []testImage{rgb(bw, bh), {W: mw, H: mh, Mask: true}}, Content: str(fmt.Sprintf("q %[1]g 0 0 %[2]g 0 0 cm /Im0 Do /Im1 Do Q", a4W, a4H))}
	p := DefaultPolicy()
	p.RequireColor = true
	res := inspectBytes(t, testDoc{Pages: []testPage{page}}.bytes(), p)
	assert.InDelta(t, 100, res.MinDPI, 0.5)
	assert.Equal(t, OK, one(t, res, RuleColor).Outcome)
}

func TestVersion(t *testing.T) {
	w, h := a4(300)
	res := inspectBytes(t, testDoc{Version: "1.3", Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes(), DefaultPolicy())
	f := one(t, res, RuleVersion)
	assert.Equal(t, Fail, f.Outcome)
	assert.True(t, strings.HasPrefix(f.Message, "PDF version 1.3 is older than the required 1.4"), f.Message)
	assert.Equal(t, "1.3", res.Version)

	// A catalog /Version later than the header's is the file's version.
	res = inspectBytes(t, testDoc{Version: "1.3", Catalog: "/Version /1.7", Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes(), DefaultPolicy())
	assert.Equal(t, OK, one(t, res, RuleVersion).Outcome)
	assert.Equal(t, "1.7", res.Version)

	res = inspectBytes(t, testDoc{Version: "2.0", Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes(), DefaultPolicy())
	assert.Equal(t, "PDF version 2.0", one(t, res, RuleVersion).Message)

	p := DefaultPolicy()
	p.MinVersion = "1.7"
	res = inspectBytes(t, testDoc{Version: "1.5", Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes(), p)
	assert.Equal(t, Fail, one(t, res, RuleVersion).Outcome)
}

func TestPages(t *testing.T) {
	w, h := a4(300)
	doc := testDoc{Pages: []testPage{scanPageOf(rgb(w, h)), scanPageOf(rgb(w, h)), scanPageOf(rgb(w, h))}}
	p := DefaultPolicy()
	p.MaxPages = 2
	res := inspectBytes(t, doc.bytes(), p)
	assert.Equal(t, Finding{Rule: RulePages, Outcome: Warn, Message: "3 pages, more than the 2 this policy expects in one file; split the document",
		Code: CodeTooManyPages, Params: map[string]string{"count": "3", "max": "2"}}, one(t, res, RulePages))

	res = inspectBytes(t, testDoc{}.bytes(), DefaultPolicy())
	assert.Equal(t, Fail, one(t, res, RulePages).Outcome)
	assert.Equal(t, 0, res.Pages)
	assert.Equal(t, Fail, res.Outcome)
	assert.Empty(t, findings(res, RuleResolution), "no page, nothing to measure")
}

func TestUserUnit(t *testing.T) {
	// With /UserUnit 2 the same page is twice as large on paper.
	w, h := a4(300)
	page := scanPageOf(rgb(w, h))
	page.Extra = "/UserUnit 2"
	res := inspectBytes(t, testDoc{Pages: []testPage{page}}.bytes(), DefaultPolicy())
	assert.InDelta(t, 150, res.MinDPI, 0.5)
}

func TestTextLayer(t *testing.T) {
	w, h := a4(300)
	scan := scanPageOf(rgb(w, h))
	ocr := scan
	ocr.Text = "Giay chung nhan"
	res := inspectBytes(t, testDoc{Pages: []testPage{ocr, ocr}}.bytes(), DefaultPolicy())
	assert.Equal(t, Finding{Rule: RuleTextLayer, Outcome: OK, Message: "the document has a text layer", Code: CodeTextLayerOK}, one(t, res, RuleTextLayer))
	assert.True(t, res.HasText)

	res = inspectBytes(t, testDoc{Pages: []testPage{ocr, scan, ocr, scan}}.bytes(), DefaultPolicy())
	assert.Equal(t, Finding{Rule: RuleTextLayer, Outcome: Warn, Message: "pages 2, 4 are scanned without a text layer: run OCR on them so the whole document is searchable",
		Code: CodeTextLayerPartial, Params: map[string]string{"pages": "2, 4"}}, one(t, res, RuleTextLayer))
	assert.True(t, res.HasText)

	// Text inside a form XObject counts; so do ' and ".
	formText := testPage{Images: []testImage{rgb(w, h)}, Forms: []string{"1 0 0 1 0 0|BT /F1 9 Tf (x) ' ET"}, Content: str(fill(a4W, a4H) + " /Fm0 Do")}
	res = inspectBytes(t, testDoc{Pages: []testPage{formText}}.bytes(), DefaultPolicy())
	assert.True(t, res.HasText)
	quote := testPage{Images: []testImage{rgb(w, h)}, Content: str(fill(a4W, a4H) + ` BT /F1 9 Tf 1 2 (x) " ET`)}
	assert.True(t, inspectBytes(t, testDoc{Pages: []testPage{quote}}.bytes(), DefaultPolicy()).HasText)

	// "Tj" inside a string is not an operator.
	fake := testPage{Images: []testImage{rgb(w, h)}, Content: str(fill(a4W, a4H) + " BT (Tj) ET")}
	assert.False(t, inspectBytes(t, testDoc{Pages: []testPage{fake}}.bytes(), DefaultPolicy()).HasText)
}

func TestPDFAClaim(t *testing.T) {
	w, h := a4(300)
	cases := []struct {
		xmp  string
		want string
	}{
		{xmpPacket("pdfaid", "1", "b", false), "1B"},
		{xmpPacket("pdfaid", "3", "U", true), "3U"},
		{xmpPacket("id", "2", "A", false), "2A"}, // another prefix, same namespace
		{strings.Replace(xmpPacket("pdfaid", "4", "", true), ` pdfaid:conformance=""`, "", 1), "4"},
		{`<broken xml pdfaid:part="2" pdfaid:conformance="B"`, "2B"},
		{xmpPacket("pdfuaid", "1", "", true), ""}, // wrong namespace? no: PDF/UA uses its own
		{`<x:xmpmeta xmlns:x="adobe:ns:meta/"/>`, ""},
	}
	cases[5].xmp = strings.ReplaceAll(cases[5].xmp, "http://www.aiim.org/pdfa/ns/id/", "http://www.aiim.org/pdfua/ns/id/")
	for _, tc := range cases {
		res := inspectBytes(t, testDoc{XMP: tc.xmp, Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes(), DefaultPolicy())
		assert.Equal(t, tc.want, res.PDFA, tc.xmp)
		if tc.want == "" {
			assert.Equal(t, Finding{Rule: RulePDFA, Outcome: Warn, Message: "does not claim PDF/A; save it as PDF/A (for example PDF/A-2b) for long-term archiving", Code: CodePDFAMissing}, one(t, res, RulePDFA))
		}
	}
}

func TestEncrypted(t *testing.T) {
	w, h := a4(300)
	plain := testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes()
	encrypt := func(user, owner string) []byte {
		conf := model.NewAESConfiguration(user, owner, 256)
		var out bytes.Buffer
		require.NoError(t, api.Encrypt(bytes.NewReader(plain), &out, conf))
		return out.Bytes()
	}

	res := inspectBytes(t, encrypt("secret", "owner"), DefaultPolicy())
	assert.Equal(t, Fail, res.Outcome)
	assert.Equal(t, Finding{Rule: RuleEncryption, Outcome: Fail, Message: "the file is password-protected; scan it again without a password", Code: CodePasswordProtected}, one(t, res, RuleEncryption))

	// Restrictions without an open password: readable, still refused.
	res = inspectBytes(t, encrypt("", "owner"), DefaultPolicy())
	assert.Equal(t, Fail, one(t, res, RuleEncryption).Outcome)
	assert.Contains(t, one(t, res, RuleEncryption).Message, "without security settings")
	assert.Equal(t, OK, one(t, res, RuleReadable).Outcome)
	assert.InDelta(t, 300, res.MinDPI, 0.5, "the content is still inspected")
}

func TestUnreadable(t *testing.T) {
	cases := map[string][]byte{
		"garbage":           []byte("this is not a PDF at all, just some bytes from a text file\n"),
		"truncated":         testDoc{Pages: []testPage{scanPageOf(rgb(100, 100))}}.bytes()[:60],
		"header only":       []byte("%PDF-1.7\n"),
		"unknown version":   []byte("%PDF-9.9\n1 0 obj << >> endobj\n"),
		"jpeg renamed .pdf": append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{1}, 200)...),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			res := inspectBytes(t, b, DefaultPolicy())
			assert.Equal(t, Fail, res.Outcome, "%+v", res.Findings)
			f := one(t, res, RuleReadable)
			assert.Equal(t, Fail, f.Outcome)
			assert.Empty(t, res.Version)
		})
	}
	res := inspectBytes(t, nil, DefaultPolicy())
	assert.Equal(t, "the file is empty; scan or upload it again", one(t, res, RuleReadable).Message)
}

func TestDamagedPageTree(t *testing.T) {
	w, h := a4(300)
	pdf := testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes()
	// Make the page tree's kids point back at the tree: a loop.
	looped := regexp.MustCompile(`/Kids \[\d+ 0 R\]`).ReplaceAll(pdf, []byte("/Kids [2 0 R]"))
	require.NotEqual(t, pdf, looped)
	res := inspectBytes(t, looped, DefaultPolicy())
	assert.Equal(t, Fail, res.Outcome)
	assert.Contains(t, one(t, res, RuleReadable).Message, "loop")
}

type failingReader struct{ *bytes.Reader }

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestTooLargeIsNotRead(t *testing.T) {
	p := DefaultPolicy()
	p.MaxBytes = 1000
	r := failingReader{bytes.NewReader(make([]byte, 5000))}
	res, err := Inspect(context.Background(), r, 5000, p)
	require.NoError(t, err)
	assert.Equal(t, "the file is 4.9 KiB, more than the 1000 B this policy inspects; split it into smaller documents or compress the scan", one(t, res, RuleReadable).Message)
	assert.Equal(t, Fail, res.Outcome)

	// A wrong size hint does not get a large file read.
	res, err = Inspect(context.Background(), r, 10, p)
	require.NoError(t, err)
	assert.Equal(t, Fail, one(t, res, RuleReadable).Outcome)
}

func TestIOErrorIsAnError(t *testing.T) {
	r := failingReader{bytes.NewReader(make([]byte, 5000))}
	_, err := Inspect(context.Background(), r, 5000, DefaultPolicy())
	require.ErrorContains(t, err, "disk on fire")
}

func TestCanceled(t *testing.T) {
	w, h := a4(300)
	pdf := testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Inspect(ctx, bytes.NewReader(pdf), int64(len(pdf)), DefaultPolicy())
	require.ErrorIs(t, err, context.Canceled)
}

func TestUnknownSize(t *testing.T) {
	w, h := a4(300)
	pdf := testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes()
	r := bytes.NewReader(pdf)
	_, _ = r.Seek(10, io.SeekStart)
	res, err := Inspect(context.Background(), r, -1, DefaultPolicy())
	require.NoError(t, err)
	assert.InDelta(t, 300, res.MinDPI, 0.5)
}

func TestInvalidPolicyIsAnError(t *testing.T) {
	p := DefaultPolicy()
	p.MinDPI = -1
	_, err := Inspect(context.Background(), bytes.NewReader(nil), 0, p)
	require.Error(t, err)
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
}

// TestImportedImages inspects what pdfcpu itself makes of real images.
func TestImportedImages(t *testing.T) {
	w, h := a4(150)
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	rgba.Set(1, 1, color.RGBA{R: 200, A: 255})
	pngs := func() []io.Reader {
		var pngGray, pngRGB bytes.Buffer
		require.NoError(t, png.Encode(&pngGray, img))
		require.NoError(t, png.Encode(&pngRGB, rgba))
		return []io.Reader{&pngGray, &pngRGB}
	}
	p := DefaultPolicy()
	p.RequireColor = true

	// Placed on A4 pages as 150 dpi images.
	imp := api.DefaultImportConfig()
	imp.Pos, imp.DPI, imp.ScaleAbs, imp.Scale = types.Center, 150, true, 1
	var out bytes.Buffer
	require.NoError(t, api.ImportImages(nil, &out, pngs(), imp, nil))
	res := inspectBytes(t, out.Bytes(), p)
	assert.Equal(t, 2, res.Pages)
	fs := findings(res, RuleResolution)
	require.Len(t, fs, 2, "%+v", res.Findings)
	for i, f := range fs {
		assert.Equal(t, i+1, f.Page)
		assert.True(t, strings.HasPrefix(f.Message, fmt.Sprintf("page %d: 150 dpi, needs 200", i+1)), f.Message)
	}
	c := findings(res, RuleColor)
	require.Len(t, c, 1, "%+v", c)
	assert.Equal(t, 1, c[0].Page)
	assert.Contains(t, c[0].Message, "8-bit greyscale")

	// "Full page" import makes each page as many points as the image has
	// pixels: printed, that is 72 dpi, and the inspector says so.
	out.Reset()
	require.NoError(t, api.ImportImages(nil, &out, pngs(), api.DefaultImportConfig(), nil))
	res = inspectBytes(t, out.Bytes(), p)
	assert.InDelta(t, 72, res.MinDPI, 0.1)
}

func TestSamples(t *testing.T) {
	files, err := filepath.Glob("../testdata/samples/*.pdf")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			fh, err := os.Open(f)
			require.NoError(t, err)
			defer fh.Close()
			st, err := fh.Stat()
			require.NoError(t, err)
			res, err := Inspect(context.Background(), fh, st.Size(), DefaultPolicy())
			require.NoError(t, err)
			checkResult(t, res)
			assert.Equal(t, OK, one(t, res, RuleReadable).Outcome, "%+v", res.Findings)
			assert.Equal(t, OK, one(t, res, RuleEncryption).Outcome)
			assert.Equal(t, OK, one(t, res, RuleVersion).Outcome)
			assert.Positive(t, res.Pages)
			switch filepath.Base(f) {
			case "scan-300dpi.pdf":
				assert.Equal(t, OK, one(t, res, RuleResolution).Outcome)
				assert.InDelta(t, 300, res.MinDPI, 1)
			case "scan-low-resolution.pdf":
				assert.Equal(t, Fail, one(t, res, RuleResolution).Outcome)
				assert.Equal(t, "page 1: 100 dpi, needs 200; scan it again at 200 dpi or more", one(t, res, RuleResolution).Message)
			default:
				assert.True(t, res.HasText, "generated text PDFs")
				assert.Equal(t, "no page is a scanned image; resolution was not checked", one(t, res, RuleResolution).Message)
			}
		})
	}
}

func TestResultJSON(t *testing.T) {
	w, h := a4(150)
	res := inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes(), DefaultPolicy())
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"outcome", "findings", "pages", "pdf_version", "has_text", "min_dpi", "policy", "inspector_version"} {
		assert.Contains(t, m, k)
	}
	assert.NotContains(t, m, "pdfa", "omitted when nothing is claimed")
	f := m["findings"].([]any)
	var sawPage bool
	for _, x := range f {
		fm := x.(map[string]any)
		assert.Contains(t, fm, "rule")
		assert.Contains(t, fm, "outcome")
		assert.Contains(t, fm, "message")
		if _, ok := fm["page"]; ok {
			sawPage = true
		}
	}
	assert.True(t, sawPage)
	assert.Contains(t, string(b), `{"rule":"resolution","outcome":"fail","page":1,"message":"page 1: 150 dpi, needs 200`)

	// Unreadable files still give a complete object with findings.
	res = inspectBytes(t, []byte("nope"), DefaultPolicy())
	b, err = json.Marshal(res)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"findings":[{"rule":"readable","outcome":"fail"`)
}

// TestNoConfigDir runs Inspect in a fresh process whose home is empty and
// checks that pdfcpu created nothing there.
func TestNoConfigDir(t *testing.T) {
	if os.Getenv("INSPECT_CONFIG_DIR_PROBE") != "" {
		w, h := a4(300)
		pdf := testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes()
		res := inspectBytes(t, pdf, DefaultPolicy())
		require.InDelta(t, 300, res.MinDPI, 0.5)
		return
	}
	home := t.TempDir()
	cmd := testCommand(t, "-test.run=^TestNoConfigDir$")
	cmd.Env = append(os.Environ(), "INSPECT_CONFIG_DIR_PROBE=1", "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "PASS")
	entries, err := os.ReadDir(home)
	require.NoError(t, err)
	assert.Empty(t, entries, "Inspect wrote into $HOME")
}

func TestSmallPlacementIsNotAScan(t *testing.T) {
	// A full page's pixels drawn over a quarter of the page: most of the
	// page is not image, so it is not judged as a scan.
	w, h := a4(300)
	res := inspectBytes(t, testDoc{Pages: []testPage{{Images: []testImage{rgb(w, h)}, Content: str(fmt.Sprintf("q %g 0 0 %g 0 0 cm /Im0 Do Q", a4W/2, a4H/2))}}}.bytes(), DefaultPolicy())
	assert.Zero(t, res.MinDPI)
}

func TestCompressedContent(t *testing.T) {
	w, h := a4(300)
	for _, deflate := range []int{1, 2} {
		page := scanPageOf(rgb(w, h))
		page.Text, page.Deflate = "OCR", deflate
		res := inspectBytes(t, testDoc{Pages: []testPage{page}}.bytes(), DefaultPolicy())
		assert.Equal(t, OK, one(t, res, RuleReadable).Outcome, "deflate %d: %+v", deflate, res.Findings)
		assert.InDelta(t, 300, res.MinDPI, 0.5, "deflate %d", deflate)
		assert.True(t, res.HasText, "deflate %d", deflate)
		assert.False(t, res.Findings[0].Outcome == Fail)
	}
}

func TestConcurrentInspect(t *testing.T) {
	docs := fuzzSeeds(t)
	want := make([]*Result, len(docs))
	for i, d := range docs {
		want[i] = inspectBytes(t, d, DefaultPolicy())
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range docs {
				d := docs[(i+g)%len(docs)]
				res, err := Inspect(context.Background(), bytes.NewReader(d), int64(len(d)), DefaultPolicy())
				assert.NoError(t, err)
				assert.Equal(t, want[(i+g)%len(docs)], res)
			}
		})
	}
	wg.Wait()
}
