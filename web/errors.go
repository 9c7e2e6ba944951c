package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

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

// requestTimeout is the answer to a request whose body arrived too
// slowly (408).
func requestTimeout() error {
	return &statusError{http.StatusRequestTimeout,
		sohoa.Errorf(sohoa.EINVALID, "the request body arrived too slowly or stopped; nothing was stored")}
}

// byteSize writes a size for people: "1 GiB", "20 KiB", "1500 B".
func byteSize(n int64) string {
	for _, u := range []struct {
		unit string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + " " + u.unit
		}
	}
	if n >= 1<<20 {
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// internalMessage is all a client learns of an internal error; the
// details go to the log with the request's route.
const internalMessage = "internal error"

// writeError answers an API request with err as the uniform error body
// and the status its code maps to (sohoa.HTTPStatus). An internal error
// (EINTERNAL, or any error that is not a *sohoa.Error) is logged in full
// and answered with a generic message: storage errors carry hosts, paths
// and SQL that must not reach clients.
//
// Two things override err: a request whose body read timed out is
// answered 408 (the handler's error is only what the timeout did to it),
// and a *statusError keeps its own status (413, 415).
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if bodyTimedOut(r) {
		s.log.Warn("request body too slow: abandoned", "method", r.Method, "route", routeLabel(routeOf(r)), "client", clientAddr(r).String())
		err = requestTimeout()
	}
	var se *statusError
	if errors.As(err, &se) {
		body := apiErrorBody{Code: se.err.Code, Message: se.err.Message, Reason: se.err.Reason}
		if body.Reason == nil {
			if rc := reasonForStatus(se.status); rc != "" {
				reason := sohoa.NewReason(rc)
				body.Reason = &reason
			}
		}
		writeJSON(w, se.status, apiError{Error: body})
		return
	}
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
