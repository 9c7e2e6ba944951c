package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/sohoa/sohoa"
)

// apiError is the uniform error body of /api/v1:
//
//	{"error":{"code":"not_found","message":"…","reason":{"code":"…","params":{…}}}}
//
// code is the domain error code (sohoa.ErrorCode), message the text for
// people, reason (when the error has one) the typed form of the message
// for the message catalogue.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    sohoa.ErrorCode `json:"code"`
	Message string          `json:"message"`
	Reason  *sohoa.Reason   `json:"reason,omitempty"`
}

// internalMessage is all a client learns of an internal error; the
// details go to the log with the request's route.
const internalMessage = "internal error"

// writeError answers an API request with err as the uniform error body
// and the status its code maps to (sohoa.HTTPStatus). An internal error
// (EINTERNAL, or any error that is not a *sohoa.Error) is logged in full
// and answered with a generic message: storage errors carry hosts, paths
// and SQL that must not reach clients.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := sohoa.Code(err)
	if code == "" {
		code = sohoa.EINTERNAL
	}
	body := apiErrorBody{Code: code}
	if code == sohoa.EINTERNAL {
		body.Message = internalMessage
		args := []any{"method", r.Method, "route", routeLabel(routeOf(r)), "err", err}
		var e *sohoa.Error
		if errors.As(err, &e) && e.Cause != nil {
			args = append(args, "cause", e.Cause) // *Error's text leaves its cause out
		}
		s.log.Error("request failed", args...)
	} else {
		body.Message = sohoa.Message(err)
		var e *sohoa.Error
		if errors.As(err, &e) && e.Reason != nil {
			body.Reason = e.Reason
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(sohoa.HTTPStatus(code))
	_ = json.NewEncoder(w).Encode(apiError{Error: body})
}
