package web

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
)

// Session and sign-in defaults (Config leaves them zero).
const (
	// DefaultSessionIdle ends a session nobody used for this long: a
	// counter's shared computer left signed in does not stay open.
	DefaultSessionIdle = 30 * time.Minute
	// DefaultSessionLifetime ends a session however active it is: a
	// working day, so a stolen cookie is not good for ever.
	DefaultSessionLifetime = 12 * time.Hour
	// DefaultThrottleWindow, DefaultThrottlePerUser, DefaultThrottlePerAddr:
	// at most 5 failed sign-ins per username and 20 per client address in
	// any 15 minutes; beyond that, sign-ins are refused (429) before any
	// password is checked.
	DefaultThrottleWindow  = 15 * time.Minute
	DefaultThrottlePerUser = 5
	DefaultThrottlePerAddr = 20
)

// Throttle limits failed sign-ins; zero fields take the defaults above.
type Throttle struct {
	Window  time.Duration
	PerUser int
	PerAddr int
}

func (t Throttle) withDefaults() Throttle {
	if t.Window <= 0 {
		t.Window = DefaultThrottleWindow
	}
	if t.PerUser <= 0 {
		t.PerUser = DefaultThrottlePerUser
	}
	if t.PerAddr <= 0 {
		t.PerAddr = DefaultThrottlePerAddr
	}
	return t
}

// Cookie names. The session cookie carries the random token whose
// SHA-256 the catalog stores; the pre-session CSRF cookie protects the
// sign-in form itself (double submit), before there is a session to hold
// a secret. Over HTTPS the latter takes the __Host- prefix, which
// browsers accept only from the host itself, Secure, on Path=/, so a
// sibling subdomain cannot plant a value of its choosing.
const (
	sessionCookieName = "sohoa_session"
	preCSRFCookieName = "sohoa_csrf"
	langCookieName    = "lang"
	// csrfField and csrfHeader carry the session's CSRF token.
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	// maxFormBytes bounds a url-encoded form body (sign-in, sign-out and
	// the administration forms); uploads are multipart and not parsed here.
	maxFormBytes = 1 << 20
	// maxCSRFPeek bounds how much of a multipart body is read to find a
	// leading csrf part.
	maxCSRFPeek = 16 << 10
)

// authenticate finds who a request acts for and puts the Principal in
// its context: a bearer API token (Authorization: Bearer …), else the
// session cookie. A bad bearer token is refused at once (401): a machine
// sent it and must learn it is wrong. A cookie whose session has ended
// is cleared and the request goes on anonymously (the handler or
// requireRole decides; the reason is kept for its 401). A state-changing
// request authenticated by cookie must carry the session's CSRF token.
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Catalog == nil || noAuthPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		if tok, ok := bearerToken(r); ok {
			if tok == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="sohoa"`)
				s.writeError(w, r, sohoa.Errorf(sohoa.EUNAUTHORIZED, `the Authorization header must be "Bearer <API token>"`))
				return
			}
			u, t, err := s.cfg.Catalog.Authenticate(ctx, tok, s.now())
			if err != nil {
				if sohoa.Code(err) == sohoa.EUNAUTHORIZED {
					w.Header().Set("WWW-Authenticate", `Bearer realm="sohoa", error="invalid_token"`)
				}
				s.writeError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(withPrincipal(ctx, &Principal{User: u, Token: t})))
			return
		}
		token := sessionToken(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		u, sess, err := s.cfg.Catalog.FindSession(ctx, token, s.now(), s.sessionIdle)
		if err != nil {
			if sohoa.Code(err) != sohoa.EUNAUTHORIZED {
				s.fail(w, r, err)
				return
			}
			// Ended, signed out elsewhere, or never valid: forget the
			// cookie and go on anonymously.
			s.clearCookie(w, r, sessionCookieName)
			if st := stateOf(ctx); st != nil {
				st.authErr = err
			}
			next.ServeHTTP(w, r)
			return
		}
		p := &Principal{User: u, SessionID: sess.ID, CSRF: sess.CSRFSecret}
		if unsafeMethod(r.Method) && !ownCSRFCheck(r) {
			if reason, ok := checkCSRF(w, r, p.CSRF); !ok {
				s.log.Warn("CSRF check failed", "method", r.Method, "path", r.URL.Path, "user", u.Username, "reason", string(reason.Code))
				s.deny(w, r, http.StatusForbidden, sohoa.EFORBIDDEN, reason)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(withPrincipal(ctx, p)))
	})
}

// bearerToken is the token of an "Authorization: Bearer …" header; ok
// says the header names the Bearer scheme. Other schemes (Basic from an
// authenticating reverse proxy in front) are not sohoa's and are ignored.
func bearerToken(r *http.Request) (token string, ok bool) {
	scheme, tok, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// noAuthPath: probes, metrics and static files ask nothing of the
// catalog, so they keep answering (and stay cheap) whatever cookie comes
// with them.
func noAuthPath(p string) bool {
	return p == "/healthz" || p == "/readyz" || p == "/metrics" || strings.HasPrefix(p, "/static/")
}

// unsafeMethod: the methods that may change state; every other method
// must not, so needs no CSRF token.
func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// ownCSRFCheck: the sign-in endpoints, which a browser reaches with an
// old cookie as often as without one, protect themselves: the form with
// the pre-session double-submit cookie, the JSON one by requiring
// application/json, which no cross-site form can send without a CORS
// preflight sohoa never grants. Exact paths only: anything else is
// checked.
func ownCSRFCheck(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == signInPath || r.URL.Path == sessionAPIPath)
}

// checkCSRF compares, in constant time, the token the request carries
// with want. The token comes from the X-CSRF-Token header, or the csrf
// field of a url-encoded form, or the first part of a multipart form
// when it is named csrf (so a plain HTML upload form works without the
// body being buffered: only that part is read, and the bytes read are
// put back in front of the body for the handler).
func checkCSRF(w http.ResponseWriter, r *http.Request, want string) (sohoa.Reason, bool) {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = csrfFromBody(w, r)
	}
	switch {
	case got == "":
		return sohoa.NewReason(reasonCSRFMissing), false
	case want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1:
		return sohoa.NewReason(reasonCSRFInvalid), false
	}
	return sohoa.Reason{}, true
}

func csrfFromBody(w http.ResponseWriter, r *http.Request) string {
	if r.Body == nil || r.Body == http.NoBody {
		return ""
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			return ""
		}
		return r.PostForm.Get(csrfField)
	case "multipart/form-data":
		if params["boundary"] == "" {
			return ""
		}
		var seen bytes.Buffer
		body := r.Body
		mr := multipart.NewReader(io.TeeReader(io.LimitReader(body, maxCSRFPeek), &seen), params["boundary"])
		var tok string
		if part, err := mr.NextPart(); err == nil && part.FormName() == csrfField {
			b, _ := io.ReadAll(io.LimitReader(part, 512))
			tok = strings.TrimSpace(string(b))
		}
		r.Body = replayBody{Reader: io.MultiReader(&seen, body), Closer: body}
		return tok
	}
	return ""
}

// replayBody is a request body with bytes already read put back in
// front of it.
type replayBody struct {
	io.Reader
	io.Closer
}

// sessionToken is the session cookie's value, "" without one.
func sessionToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// setCookie sets a cookie the way sohoa sets all of them: Path=/,
// HttpOnly (no script reads them), SameSite=Lax (not sent on cross-site
// POSTs), Secure when the client came over HTTPS. maxAge 0 makes a
// browser-session cookie, negative deletes it.
func (s *server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: isTLS(r),
	})
}

func (s *server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	s.setCookie(w, r, name, "", -1)
}

// unauthenticated answers a request that needs a principal and has none:
// 401, saying why when a session cookie came with it but has ended.
func (s *server) unauthenticated(w http.ResponseWriter, r *http.Request) {
	err := sohoa.Errorf(sohoa.EUNAUTHORIZED, "sign in or send an API token")
	if st := stateOf(r.Context()); st != nil && st.authErr != nil {
		var e *sohoa.Error
		if errors.As(st.authErr, &e) {
			err = e
		}
	}
	s.writeError(w, r, err)
}

// isAPI: the request expects the API's JSON error bodies rather than a
// page.
func isAPI(r *http.Request) bool {
	_, bearer := bearerToken(r)
	return strings.HasPrefix(r.URL.Path, "/api/") || bearer
}

// fail answers an error: the API's JSON body under /api/, a page
// otherwise (internal details only in the log, as writeError does). The
// page says what the error's reason says when it has one, else what its
// status (413, 415, 408) or code means, in the reader's language.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.writeError(w, r, err)
		return
	}
	if bodyTimedOut(r) {
		s.log.Warn("request body too slow: abandoned", "method", r.Method, "route", routeLabel(routeOf(r)), "client", clientAddr(r).String())
		err = requestTimeout()
	}
	code := sohoa.Code(err)
	if code == sohoa.EINTERNAL {
		s.logInternal(r, err)
	}
	status := sohoa.HTTPStatus(code)
	reason := sohoa.NewReason(reasonForCode(code))
	var e *sohoa.Error
	if errors.As(err, &e) && e.Reason != nil {
		if _, known := sohoa.LookupMessage(e.Reason.Code); known {
			reason = *e.Reason
		}
	}
	var se *statusError
	if errors.As(err, &se) {
		status = se.status
		if se.err.Reason == nil {
			if rc := reasonForStatus(status); rc != "" {
				reason = sohoa.NewReason(rc)
			}
		}
	}
	s.deny(w, r, status, code, reason)
}

// deny answers with status and a reason from the message catalogue: the
// API's JSON body (English message, the reason for clients to render)
// under /api/, a small page in the reader's language otherwise.
func (s *server) deny(w http.ResponseWriter, r *http.Request, status int, code sohoa.ErrorCode, reason sohoa.Reason) {
	if isAPI(r) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		writeJSONBody(w, apiError{Error: apiErrorBody{Code: code, Message: reason.Text(sohoa.LangEN), Reason: &reason}})
		return
	}
	msg := reason.Text(pageLang(r))
	if p := principalFrom(r.Context()); p != nil && p.User != nil {
		// A signed-in reader keeps the app's header (the menu, the
		// language switch, signing out) and gets a heading that says
		// what happened.
		title := "err_other"
		switch status {
		case http.StatusNotFound:
			title = "err_404"
		case http.StatusForbidden:
			title = "err_403"
		}
		pg := s.page(r, title, errorPage{Message: msg})
		// The language switch goes home: the address asked for may be
		// what the reader may not see (another unit's dossier code).
		pg.Self = "/"
		s.renderPage(w, r, status, "error_app", pg)
		return
	}
	s.renderPage(w, r, status, "error", errorPage{Message: msg})
}

// logInternal logs an internal error in full, with its cause, as
// writeError does for the API.
func (s *server) logInternal(r *http.Request, err error) {
	args := []any{"method", r.Method, "route", routeLabel(routeOf(r)), "err", err}
	var e *sohoa.Error
	if errors.As(err, &e) && e.Cause != nil {
		args = append(args, "cause", e.Cause) // *Error's text leaves its cause out
	}
	s.log.Error("request failed", args...)
}
