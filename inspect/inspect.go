package inspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/dustin/go-humanize"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/pdfraw"
)

// Version identifies the inspector's rules; it changes whenever the same
// file could be judged differently, so stored results can be re-run.
// 2: read with internal/pdfraw instead of pdfcpu (strict number syntax,
// no LZW content), and findings carry codes and parameters.
const Version = "2"

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

// add records a finding: why is its code and parameters (messages.go),
// format and args its English message.
func (r *Result) add(rule string, o Outcome, page int, why sohoa.Reason, format string, args ...any) {
	for k, v := range why.Params {
		why.Params[k] = cleanMessage(v)
	}
	r.Findings = append(r.Findings, Finding{Rule: rule, Outcome: o, Page: page, Message: cleanMessage(fmt.Sprintf(format, args...)), Code: why.Code, Params: why.Params})
}

// reason is sohoa.NewReason: a code and its parameters as name/value pairs.
func reason(code sohoa.ReasonCode, kv ...string) sohoa.Reason { return sohoa.NewReason(code, kv...) }

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

// Limits on what one inspection may cost, beyond the reader's own.
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
// call reads only the file's structure, page content and image headers,
// so its memory does not grow with the size of the images (see the
// package comment).
func Inspect(ctx context.Context, r io.ReadSeeker, size int64, p Policy) (res *Result, err error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	res = &Result{Policy: p.Name, InspectorVersion: Version}
	// The reader's own length decides: the file is read up to its end.
	end, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("inspect: measure file: %w", err)
	}
	size = max(size, end)
	if size == 0 {
		res.add(RuleReadable, Fail, 0, reason(CodeFileEmpty), "the file is empty; scan or upload it again")
		return res.finish(), nil
	}
	if size > p.MaxBytes {
		res.add(RuleReadable, Fail, 0, reason(CodeFileTooLarge, "size", humanBytes(size), "max", humanBytes(p.MaxBytes)),
			"the file is %s, more than the %s this policy inspects; split it into smaller documents or compress the scan", humanBytes(size), humanBytes(p.MaxBytes))
		return res.finish(), nil
	}
	ra := &readerAt{r: r}
	f, openErr := openPDF(ra, end)
	if ra.err != nil {
		return nil, fmt.Errorf("inspect: read file: %w", ra.err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if openErr != nil {
		judgeUnreadable(res, openErr)
		return res.finish(), nil
	}
	if enc := f.Encryption(); enc != nil && !enc.Decrypted {
		judgeLocked(res, enc)
		return res.finish(), nil
	}

	defer func() {
		if v := recover(); v != nil {
			if onPanic != nil {
				onPanic("analyze", v, debug.Stack())
			}
			res = &Result{Policy: p.Name, InspectorVersion: Version}
			detail := shorten(fmt.Sprint(v), 200)
			res.add(RuleReadable, Fail, 0, reason(CodeInspectorFailed, "detail", detail), "the inspector failed on this file's structure (%s); open it in a PDF reader and save or export it again", detail)
			res.finish()
			err = nil
		}
	}()
	a := newAnalyzer(ctx, f)
	doc, err := a.analyze()
	if err != nil {
		return nil, err
	}
	if ra.err != nil {
		return nil, fmt.Errorf("inspect: read file: %w", ra.err)
	}
	if doc.badVersion {
		res = &Result{Policy: p.Name, InspectorVersion: Version}
		res.add(RuleReadable, Fail, 0, reason(CodeHeaderVersionUnknown), "the file has an unknown PDF version in its header; save or scan it again as PDF 1.4 to 2.0")
		return res.finish(), nil
	}
	judge(res, doc, p)
	return res.finish(), nil
}

// limits bound what the reader may allocate for one file: scans have a
// few objects per page, and a hostile cross-reference table or a flate
// bomb among the object streams should not cost half a gigabyte.
var limits = pdfraw.Limits{
	MaxXrefEntries:   2_000_000,
	MaxDecodedStream: maxContentBytes,
}

// openPDF opens the file with the bounded reader, turning a panic into an
// error: one hostile file must not take the worker down.
func openPDF(r io.ReaderAt, size int64) (f *pdfraw.File, err error) {
	defer func() {
		if v := recover(); v != nil {
			if onPanic != nil {
				onPanic("read", v, debug.Stack())
			}
			f, err = nil, &readerPanic{v: v}
		}
	}()
	return pdfraw.Open(r, size, limits)
}

type readerPanic struct{ v any }

func (e *readerPanic) Error() string { return fmt.Sprintf("PDF reader failure: %v", e.v) }

// readerAt reads an io.ReadSeeker at offsets (the reader is used by one
// goroutine at a time, so seeking is safe) and remembers the first failure
// of the underlying reader, so that I/O problems are told apart from
// damaged files.
type readerAt struct {
	mu  sync.Mutex
	r   io.ReadSeeker
	err error
}

func (t *readerAt) ReadAt(p []byte, off int64) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return 0, t.err
	}
	if _, err := t.r.Seek(off, io.SeekStart); err != nil {
		t.err = err
		return 0, err
	}
	n, err := io.ReadFull(t.r, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	if err != nil && err != io.EOF {
		t.err = err
	}
	return n, err
}

func judgeUnreadable(res *Result, err error) {
	var rp *readerPanic
	switch detail := shorten(err.Error(), 200); {
	case errors.As(err, &rp):
		detail = shorten(fmt.Sprint(rp.v), 200)
		res.add(RuleReadable, Fail, 0, reason(CodeReaderFailed, "detail", detail), "the file is damaged: the PDF reader failed on it (%s); open it in a PDF reader and save or scan it again", detail)
	case errors.Is(err, pdfraw.ErrEncrypted):
		res.add(RuleEncryption, Fail, 0, reason(CodeEncryptionUnsupported, "detail", detail), "the file is encrypted in a way that cannot be opened (%s); scan or save it again without a password or security settings", detail)
	default:
		res.add(RuleReadable, Fail, 0, reason(CodeNotPDF, "detail", detail), "the file is not a readable PDF (%s); check that it is a PDF and save or scan it again", detail)
	}
}

// judgeLocked reports a file whose content cannot be decrypted.
func judgeLocked(res *Result, enc *pdfraw.EncryptionInfo) {
	if enc.Filter == "Standard" && strings.Contains(enc.Reason, "password") {
		res.add(RuleEncryption, Fail, 0, reason(CodePasswordProtected), "the file is password-protected; scan it again without a password")
		return
	}
	detail := shorten(enc.Reason, 200)
	res.add(RuleEncryption, Fail, 0, reason(CodeEncryptionUnsupported, "detail", detail), "the file is encrypted in a way that cannot be opened (%s); scan or save it again without a password or security settings", detail)
}

// humanBytes writes a size as people read it: "4.9 KiB", "473 MiB".
func humanBytes(n int64) string { return humanize.IBytes(uint64(max(n, 0))) }

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
