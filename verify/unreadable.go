package verify

import (
	"errors"
	"io"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/pdfraw"
)

// ReasonUnreadable is the reason of a file that could not be read as a
// PDF or CMS at all (param detail: what the reader found).
const ReasonUnreadable sohoa.ReasonCode = "file.unreadable"

// Unreadable reports whether rep is the verdict on a file that could not
// be read as a PDF or CMS at all (the CLI's exit code 3).
func (r *Report) Unreadable() bool {
	return r != nil && r.Reason != nil && r.Reason.Code == ReasonUnreadable
}

// UnreadableReport is the verdict on a file of size bytes that cannot be
// read as format ("pdf" or "cms"): TOTAL_FAILED with FORMAT_FAILURE (ETSI
// EN 319 102-1: the signature, here the whole file, cannot be processed),
// detail in Error and the reason file.unreadable. Verify and
// VerifyDetached return it themselves; callers that know without reading
// (a file that is no PDF at all) use it to record the same verdict.
func (v *Verifier) UnreadableReport(format string, size int64, detail string) *Report {
	rep := v.newReport(format, size)
	rep.Error = detail
	rep.Indication, rep.SubIndication = TotalFailed, FormatFailure
	what := "a PDF"
	if format == "cms" {
		what = "a CMS signature"
	}
	rep.Summary = "cannot be read as " + what + ": " + detail
	r := sohoa.NewReason(ReasonUnreadable, "detail", detail)
	rep.Reason = &r
	return rep
}

// formatError reports whether err, from opening a PDF, is about the
// file's content (not a PDF, malformed, beyond a bound, cut short) rather
// than reading it failing.
func formatError(err error) bool {
	for _, e := range []error{pdfraw.ErrNotPDF, pdfraw.ErrMalformed, pdfraw.ErrEncrypted, pdfraw.ErrLimit, pdfraw.ErrUnsupported, io.EOF, io.ErrUnexpectedEOF} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
