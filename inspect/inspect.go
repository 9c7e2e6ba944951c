package inspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa/sohoa"
)

// Version identifies the inspector's rules; it changes whenever the same
// file could be judged differently, so stored results can be re-run.
const Version = "1"

// Outcome is the verdict of a rule or of a whole inspection. It is the
// domain's type, so results go into the catalog unchanged.
type Outcome = sohoa.InspectionOutcome

// Outcomes, from best to worst.
const (
	OK   Outcome = sohoa.InspectionOK
	Warn Outcome = sohoa.InspectionWarn
	Fail Outcome = sohoa.InspectionFail
)

// Finding is one rule's verdict. Page is set (1-based) when it concerns one
// page.
type Finding = sohoa.Finding

// Rule IDs. They are stored and shown; never rename one.
const (
	RuleReadable   = "readable"
	RuleEncryption = "encryption"
	RuleVersion    = "pdf_version"
	RulePages      = "pages"
	RuleResolution = "resolution"
	RuleColor      = "color"
	RuleTextLayer  = "text_layer"
	RulePDFA       = "pdfa"
)

// Result is one inspection of one file under one policy.
type Result struct {
	Outcome  Outcome   `json:"outcome"`
	Findings []Finding `json:"findings"`
	Pages    int       `json:"pages"`
	// Version is the PDF version in effect (the later of the header's and
	// the catalog's), "" when the file could not be read.
	Version string `json:"pdf_version"`
	HasText bool   `json:"has_text"`
	// PDFA is the claimed PDF/A part and conformance level, e.g. "2B".
	PDFA string `json:"pdfa,omitempty"`
	// MinDPI is the lowest effective resolution over the scanned pages,
	// 0 when no page is a scan.
	MinDPI           float64 `json:"min_dpi,omitempty"`
	Policy           string  `json:"policy"`
	InspectorVersion string  `json:"inspector_version"`
}

func rank(o Outcome) int {
	switch o {
	case OK:
		return 0
	case Warn:
		return 1
	default:
		return 2
	}
}

// Worse returns the worse of two outcomes.
func Worse(a, b Outcome) Outcome {
	if rank(b) > rank(a) {
		return b
	}
	return a
}

func (r *Result) add(rule string, o Outcome, page int, format string, args ...any) {
	r.Findings = append(r.Findings, Finding{Rule: rule, Outcome: o, Page: page, Message: cleanMessage(fmt.Sprintf(format, args...))})
}

func (r *Result) finish() *Result {
	r.Outcome = OK
	for _, f := range r.Findings {
		r.Outcome = Worse(r.Outcome, f.Outcome)
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return r
}

// Limits on what one inspection may cost, beyond pdfcpu's own.
const (
	maxContentBytes = 64 << 20   // decoded content of one page, or one form
	maxMetadataSize = 4 << 20    // decoded XMP packet
	maxOperators    = 20_000_000 // content tokens over the whole document
	maxFormDepth    = 4          // Form XObjects inside Form XObjects
	maxFormCalls    = 2000       // Form XObjects drawn per page
	maxPageNodes    = 2_000_000  // page tree nodes visited
	maxListedPages  = 20         // per-page findings of one rule before a summary
	maxMessageRunes = 1000
)

// onPanic, when set (by tests), sees every panic Inspect recovers from.
var onPanic func(phase string, v any, stack []byte)

// Inspect reads the PDF in r (size bytes, -1 if unknown; r's length is
// checked too) once and judges it under p. It returns an error only when r
// fails, ctx is done or p is invalid; a file that is not a readable,
// unencrypted PDF is a Result whose outcome is fail. Files over p.MaxBytes
// are refused without being read. Inspect is safe for concurrent use; each
// call holds about the file's size in memory while it runs.
func Inspect(ctx context.Context, r io.ReadSeeker, size int64, p Policy) (res *Result, err error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	res = &Result{Policy: p.Name, InspectorVersion: Version}
	// The reader's own length decides: pdfcpu reads up to its end.
	end, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("inspect: measure file: %w", err)
	}
	size = max(size, end)
	if size == 0 {
		res.add(RuleReadable, Fail, 0, "the file is empty; scan or upload it again")
		return res.finish(), nil
	}
	if size > p.MaxBytes {
		res.add(RuleReadable, Fail, 0, "the file is %s, more than the %s this policy inspects; split it into smaller documents or compress the scan",
			humanBytes(size), humanBytes(p.MaxBytes))
		return res.finish(), nil
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("inspect: rewind file: %w", err)
	}
	tr := &trackingReader{r: r}
	pctx, readErr := readPDF(ctx, tr)
	if tr.err != nil {
		return nil, fmt.Errorf("inspect: read file: %w", tr.err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if readErr != nil {
		judgeUnreadable(res, readErr)
		return res.finish(), nil
	}

	defer func() {
		if v := recover(); v != nil {
			if onPanic != nil {
				onPanic("analyze", v, debug.Stack())
			}
			res = &Result{Policy: p.Name, InspectorVersion: Version}
			res.add(RuleReadable, Fail, 0, "the inspector failed on this file's structure (%v); open it in a PDF reader and save or export it again", v)
			res.finish()
			err = nil
		}
	}()
	a := newAnalyzer(ctx, pctx)
	doc, err := a.analyze()
	if err != nil {
		return nil, err
	}
	if tr.err != nil { // pdfcpu may go back to the file for a stream
		return nil, fmt.Errorf("inspect: read file: %w", tr.err)
	}
	judge(res, doc, p)
	return res.finish(), nil
}

// readPDF runs pdfcpu's reader, turning its panics into errors: pdfcpu is
// not hardened against hostile input.
func readPDF(ctx context.Context, r io.ReadSeeker) (pctx *model.Context, err error) {
	defer func() {
		if v := recover(); v != nil {
			if onPanic != nil {
				onPanic("read", v, debug.Stack())
			}
			pctx, err = nil, &libraryPanic{v: v}
		}
	}()
	return pdfcpu.ReadWithContext(ctx, r, readConfiguration())
}

type libraryPanic struct{ v any }

func (e *libraryPanic) Error() string { return fmt.Sprintf("PDF library failure: %v", e.v) }

// readConfiguration is pdfcpu's default configuration for reading, built
// here instead of by model.NewDefaultConfiguration, which creates (and
// reads) a configuration directory under the user's home unless a global
// switch is flipped for the whole process.
func readConfiguration() *model.Configuration {
	limits := model.DefaultResourceLimits()
	// Scans have a few objects per page; these bound what a hostile
	// cross-reference table can make pdfcpu allocate.
	limits.MaxObjectCount = 2_000_000
	limits.MaxXRefEntries = 2_000_000
	limits.MaxObjectStreamCount = 1_000_000
	// Only object and cross-reference streams are decoded while reading;
	// a flate bomb among them should not cost half a gigabyte.
	limits.MaxDecodeBytes = 128 << 20
	return &model.Configuration{
		Version:                   model.VersionStr,
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		Offline:                   true,
		Cmd:                       model.VALIDATE,
		Limits:                    limits,
	}
}

// trackingReader remembers the first failure of the underlying reader, so
// that I/O problems are told apart from damaged files. Seek failures are
// not recorded: pdfcpu seeks wherever a damaged file points it.
type trackingReader struct {
	r   io.ReadSeeker
	err error
}

func (t *trackingReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

func (t *trackingReader) Seek(off int64, whence int) (int64, error) { return t.r.Seek(off, whence) }

func judgeUnreadable(res *Result, err error) {
	var lp *libraryPanic
	switch {
	case errors.Is(err, pdfcpu.ErrWrongPassword):
		res.add(RuleEncryption, Fail, 0, "the file is password-protected; scan it again without a password")
	case strings.Contains(strings.ToLower(err.Error()), "encrypt"):
		res.add(RuleEncryption, Fail, 0, "the file is encrypted in a way that cannot be opened (%s); scan or save it again without a password or security settings", shorten(err.Error(), 200))
	case errors.As(err, &lp):
		res.add(RuleReadable, Fail, 0, "the file is damaged: the PDF library failed on it (%s); open it in a PDF reader and save or scan it again", shorten(fmt.Sprint(lp.v), 200))
	case strings.Contains(err.Error(), "unknown PDF header version"):
		res.add(RuleReadable, Fail, 0, "the file has an unknown PDF version in its header; save or scan it again as PDF 1.4 to 2.0")
	case errors.Is(err, pdfcpu.ErrEmptyInput):
		res.add(RuleReadable, Fail, 0, "the file is empty; scan or upload it again")
	default:
		res.add(RuleReadable, Fail, 0, "the file is not a readable PDF (%s); check that it is a PDF and save or scan it again", shorten(err.Error(), 200))
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// cleanMessage keeps a message storable: valid UTF-8, no control
// characters (text from the file ends up in messages), bounded length.
func cleanMessage(s string) string {
	var b strings.Builder
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r == utf8.RuneError && size <= 1 {
			r = '?'
		}
		if unicode.IsControl(r) {
			r = ' '
		}
		if n == maxMessageRunes {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

func shorten(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}
