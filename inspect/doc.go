// Package inspect owns scan-quality inspection of PDF files: whether a
// scanned document meets the digitization policy of the unit that received
// it. Inspect reads a file once with the project's bounded PDF reader
// (internal/pdfraw, shared with the signature verifier) and judges it rule
// by rule:
//
//	readable    the reader can read it (a panic while reading is a failure, not a crash)
//	encryption  it is not encrypted
//	pdf_version its PDF version is at least the policy's (1.4)
//	pages       it has pages, and not more than the policy allows
//	resolution  every scanned page image is drawn at the policy's dpi or more (200)
//	color       scanned pages are in colour of enough bits, when the policy asks for colour
//	text_layer  it has a text layer (OCR)
//	pdfa        it claims PDF/A conformance (the claim is reported, not validated)
//
// Each rule yields ok, warn or fail with a message a clerk can act on; the
// result's outcome is the worst of them. Every finding also carries a
// stable code ("scan.resolution_low") and its parameters (page, dpi, min),
// rendered in Vietnamese or English from the message catalogue
// (messages.go); Message is the English text. The rule IDs, the codes with
// their parameter names, and the JSON names of Result and Finding are a
// contract: the pipeline stores results as JSON and `sohoa status --json`
// prints them.
//
// The default policy follows Decree 30/2020/NĐ-CP (Appendix I: PDF 1.4 or
// later, colour, at least 200 dpi, 100% scale) as described on
// DefaultPolicy, which also says how sure each number is; Circular
// 05/2025/TT-BNV is named there too. Units may store their own policy as
// JSON (ParsePolicy).
//
// How resolution is measured: for each page, every image XObject (and
// inline image) that the page's content draws, also through Form XObjects a
// few levels deep, is placed by the current transformation matrix at its
// Do operator; its effective dpi is its pixel width over its drawn width in
// inches (and the same for height), the lower of the two counting. A page
// counts as a scan when images at least half an inch on each side cover at
// least half of its crop box; its dpi is the lowest of those images (so a
// mixed-raster page whose background was downsampled is judged by the
// background) and its colour depth the richest of them. When a page lists
// images in its resources but no placement can be found, the largest image
// is assumed to fill the page box. Pages that are not scans (born-digital
// pages, blank pages) are not judged for resolution or colour. A page
// within 1% of the required dpi passes: scanners round page sizes to whole
// pixels.
//
// What is read. The reader opens the file from its cross-reference
// sections; then Inspect reads the catalog (and its XMP metadata, at most
// 4 MiB decoded), the page tree, each page's dictionary, resources and
// content streams (at most 64 MiB decoded per page or form), and each image
// XObject's dictionary (Width, Height, BitsPerComponent, ColorSpace,
// Filter, ImageMask). Image data is never read or decoded: no rule needs
// pixels. The one exception is a JPEG 2000 image without a /ColorSpace,
// whose first 64 KiB are read for the codestream's component count and
// bit depth. So memory does not grow with the size of the scan: a 500 MB
// scan of 19 pages is inspected in about 7 MiB of peak RSS
// (bench/inspect-mem.sh); the reader's caches are bounded (pdfraw's
// package comment), and decoded forms kept for reuse are capped at
// 16 MiB.
//
// The reader is strict where the PDF syntax is (a number written with an
// exponent, "1e300", makes its object unreadable) and lenient where
// producers commonly err; on top of it Inspect inflates a FlateDecode
// content stream whose zlib checksum is wrong, as viewers display it.
// Content under a filter the reader does not decode (LZWDecode) is
// reported as not fully decoded, and the page's placement falls back to
// its largest image.
//
// Policy.MaxBytes is still checked before anything is read, but no longer
// because the reader holds the file in memory (pdfcpu did): it is the
// unit's choice of the largest file it accepts, 1 GiB by default.
package inspect
