package sohoa

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrorCode classifies an error once so that the HTTP layer and the CLI can
// map it to a status or exit code without string matching.
type ErrorCode string

const (
	EINVALID      ErrorCode = "invalid"
	ENOTFOUND     ErrorCode = "not_found"
	ECONFLICT     ErrorCode = "conflict"
	EUNAUTHORIZED ErrorCode = "unauthorized"
	EFORBIDDEN    ErrorCode = "forbidden"
	EINTERNAL     ErrorCode = "internal"
	// ETOOMANYREQUESTS: the caller must wait before trying again (the
	// sign-in throttle); the HTTP layer adds Retry-After.
	ETOOMANYREQUESTS ErrorCode = "too_many_requests"
)

// Error is an application error with a code and a message meant for users.
// Cause, when set, is the error underneath (a storage or parser error); it
// is reachable with errors.Is/As through Unwrap but never part of Message,
// so internals do not reach users. Reason, when set, is the typed form of
// Message for the message catalogue.
type Error struct {
	Code    ErrorCode
	Message string
	Reason  *Reason
	Cause   error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Unwrap returns the cause, so errors.Is(err, fs.ErrNotExist) and friends
// see through an *Error.
func (e *Error) Unwrap() error { return e.Cause }

// Wrapf builds an *Error with a formatted message over cause.
func Wrapf(cause error, code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// Errorf builds an *Error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Code returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func Code(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Message returns the user-facing message of the first *Error in err's
// chain, or a generic text for other errors so internals do not leak.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// HTTPStatus maps an error code to the HTTP status the API answers with.
func HTTPStatus(code ErrorCode) int {
	switch code {
	case "":
		return http.StatusOK
	case EINVALID:
		return http.StatusBadRequest
	case ENOTFOUND:
		return http.StatusNotFound
	case ECONFLICT:
		return http.StatusConflict
	case EUNAUTHORIZED:
		return http.StatusUnauthorized
	case EFORBIDDEN:
		return http.StatusForbidden
	case ETOOMANYREQUESTS:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}
