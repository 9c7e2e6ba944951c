package source

import (
	"context"
	"errors"

	"github.com/sohoa/sohoa"
)

// permanentError marks a failure that retrying cannot fix: the file has to
// be renamed, listed in a manifest, or replaced.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as a failure that retrying the same file cannot fix.
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil || IsPermanent(err) {
		return err
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether retrying the file is pointless: the error was
// marked with Permanent, or it carries a code that describes the request
// rather than the system (EINVALID, ECONFLICT, ENOTFOUND, EFORBIDDEN,
// EUNAUTHORIZED). Everything else (storage or database unavailable, a
// cancelled context, an internal error) is transient: the hot folder leaves
// the file where it is and tries again.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var p *permanentError
	if errors.As(err, &p) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch sohoa.Code(err) {
	case sohoa.EINVALID, sohoa.ECONFLICT, sohoa.ENOTFOUND, sohoa.EFORBIDDEN, sohoa.EUNAUTHORIZED:
		return true
	}
	return false
}

// Reason is the text an operator reads for a failed file: the user-facing
// message of a coded error, otherwise the whole error text (a CLI operator
// may see internal details, unlike a web user).
func Reason(err error) string {
	var e *sohoa.Error
	if errors.As(err, &e) {
		// Keep context added by wrapping ("open x.pdf: …") but avoid the
		// "invalid: " code prefix, which means nothing to a clerk.
		s := err.Error()
		if full := e.Error(); len(s) >= len(full) && s[len(s)-len(full):] == full {
			return s[:len(s)-len(full)] + e.Message
		}
		return e.Message
	}
	return err.Error()
}
