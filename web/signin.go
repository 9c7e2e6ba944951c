package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
)

// Paths of the sign-in and sign-out endpoints (Vietnamese paths for the
// pages people see and bookmark).
const (
	signInPath     = "/dang-nhap"
	signOutPath    = "/dang-xuat"
	sessionAPIPath = "/api/v1/session"
)

// Audit actions of sign-in and sign-out. The audit cross-check
// (sohoa.AuditCrossChecker) compares only dossier and document rows, so
// these need no entry there.
const (
	auditSignIn       = "user.sign_in"
	auditSignInFailed = "user.sign_in_failed"
	auditSignOut      = "user.sign_out"
)

// authRoutes registers sign-in, sign-out, the session API and /me.
func (s *server) authRoutes() {
	s.handle("GET /static/", staticHandler())
	s.handle("GET "+signInPath, http.HandlerFunc(s.handleSignInPage))
	s.handle("POST "+signInPath, http.HandlerFunc(s.handleSignInForm))
	s.handle("POST "+signOutPath, http.HandlerFunc(s.handleSignOutForm))
	s.handle("POST "+sessionAPIPath, http.HandlerFunc(s.handleSessionCreate))
	s.handle("DELETE "+sessionAPIPath, http.HandlerFunc(s.handleSessionDelete))
	s.handle("GET /api/v1/me", http.HandlerFunc(s.handleMe))
}

// preCSRFName is the pre-session CSRF cookie's name: __Host- prefixed
// over HTTPS (see preCSRFCookieName).
func preCSRFName(r *http.Request) string {
	if isTLS(r) {
		return "__Host-" + preCSRFCookieName
	}
	return preCSRFCookieName
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// handleSignInPage is GET /dang-nhap: the sign-in form, with a fresh
// pre-session CSRF token (the same value in a cookie and in the form).
func (s *server) handleSignInPage(w http.ResponseWriter, r *http.Request) {
	s.rememberLang(w, r)
	msg := ""
	if r.URL.Query().Get(endedParam) != "" {
		msg = sohoa.NewReason(reasonSessionEnded).Text(pageLang(r))
	}
	s.showSignIn(w, r, http.StatusOK, msg, "")
}

// endedParam marks the redirect to the sign-in page of a browser whose
// session has just ended, so the page says why it is there.
const endedParam = "het-han"

// signInRedirect answers a page request that needs a signed-in user and
// has none. A GET goes to the sign-in page and comes back afterwards
// (saying the session ended when a cookie came with it). Any other method
// gets the sign-in page itself with 401: what it sent (an upload form) is
// not read, and cannot be replayed by a redirect anyway.
func (s *server) signInRedirect(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r.Context())
	ended := st != nil && st.authErr != nil
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		target := signInPath + "?next=" + url.QueryEscape(r.URL.RequestURI())
		if ended {
			target += "&" + endedParam + "=1"
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	reason := reasonNotSignedIn
	if ended {
		reason = reasonSessionEnded
	}
	s.renderSignIn(w, r, http.StatusUnauthorized, sohoa.NewReason(reason).Text(pageLang(r)), "", "")
}

// showSignIn renders the sign-in form with status, a message (already in
// the reader's language) and the username to keep; next comes from the
// query, or from the form the sign-in page posted.
func (s *server) showSignIn(w http.ResponseWriter, r *http.Request, status int, message, username string) {
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
	}
	s.renderSignIn(w, r, status, message, username, next)
}

// renderSignIn renders the sign-in form with a fresh pre-session CSRF
// token.
func (s *server) renderSignIn(w http.ResponseWriter, r *http.Request, status int, message, username, next string) {
	tok := randomToken()
	s.setCookie(w, r, preCSRFName(r), tok, 0)
	page := signInPage{CSRF: tok, Next: safeNext(next, ""), Username: username, Error: message}
	if p := principalFrom(r.Context()); p != nil && p.User != nil {
		page.SignedIn = p.User.Username
	}
	s.renderPage(w, r, status, "signin", page)
}

// safeNext keeps a redirect target only when it is a path on this site:
// "/…" but not "//host" or "/\host" (which browsers read as another
// host), with no scheme or host and no control characters. Anything else
// becomes def.
func safeNext(next, def string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return def
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return def
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return def
	}
	return next
}

// handleSignInForm is POST /dang-nhap: username, password and the
// pre-session CSRF token; on success a new session cookie and a 303 to
// next (or /), otherwise the form again with the reason.
func (s *server) handleSignInForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.deny(w, r, http.StatusBadRequest, sohoa.EINVALID, sohoa.NewReason(reasonBadRequest))
		return
	}
	lang := pageLang(r)
	username := strings.TrimSpace(r.PostFormValue("username"))
	c, err := r.Cookie(preCSRFName(r))
	sent := r.PostFormValue(csrfField)
	if err != nil || c.Value == "" || sent == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(sent)) != 1 {
		// Login CSRF (signing a victim into the attacker's account), or
		// simply a form left open past a restart of the browser.
		s.log.Warn("sign-in form without a matching CSRF cookie", "client", clientAddr(r).String())
		s.showSignIn(w, r, http.StatusForbidden, sohoa.NewReason(reasonSignInForm).Text(lang), username)
		return
	}
	password := r.PostFormValue("password")
	if username == "" || password == "" {
		s.showSignIn(w, r, http.StatusBadRequest, sohoa.NewReason(reasonSignInMissing).Text(lang), username)
		return
	}
	res, err := s.signIn(r.Context(), r, username, password)
	if err != nil {
		var re *refusal
		if errors.As(err, &re) {
			if re.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(re.retryAfter))
			}
			s.showSignIn(w, r, re.status, re.reason.Text(lang), username)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setCookie(w, r, sessionCookieName, res.token, 0)
	s.clearCookie(w, r, preCSRFName(r))
	http.Redirect(w, r, safeNext(r.PostFormValue("next"), "/"), http.StatusSeeOther)
}

// sessionRequest is the body of POST /api/v1/session.
type sessionRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// sessionUser is a user as /api/v1/session and /api/v1/me show them.
type sessionUser struct {
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Roles       []sohoa.Role `json:"roles"`
	UnitScopes  []string     `json:"unit_scopes"`
}

func newSessionUser(u *sohoa.User) sessionUser {
	su := sessionUser{Username: u.Username, DisplayName: u.DisplayName, Roles: u.Roles, UnitScopes: u.UnitScopes}
	if su.Roles == nil {
		su.Roles = []sohoa.Role{}
	}
	if su.UnitScopes == nil {
		su.UnitScopes = []string{}
	}
	return su
}

// sessionResponse answers POST /api/v1/session and GET /api/v1/me.
type sessionResponse struct {
	User sessionUser `json:"user"`
	// CSRF is the token a cookie-authenticated client sends with every
	// state-changing request (X-CSRF-Token); absent for an API token.
	CSRF string `json:"csrf,omitempty"`
	// Auth says how the request was authenticated: session or token.
	Auth      string     `json:"auth"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// handleSessionCreate is POST /api/v1/session: JSON sign-in for
// scripts and the UI's own JavaScript. It sets the session cookie and
// answers the user and the session's CSRF token. Only application/json
// is accepted: a cross-site page cannot send it without a preflight, so
// this is safe from login CSRF without a token.
func (s *server) handleSessionCreate(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		s.writeError(w, r, sohoa.Errorf(sohoa.EINVALID, "send the credentials as JSON with Content-Type: application/json"))
		return
	}
	var req sessionRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.writeError(w, r, sohoa.Errorf(sohoa.EINVALID, "the body must be {\"username\":…,\"password\":…}"))
		return
	}
	req.Username = strings.TrimSpace(req.Username)
	if req.Username == "" || req.Password == "" {
		s.writeError(w, r, sohoa.Errorf(sohoa.EINVALID, "username and password are required"))
		return
	}
	res, err := s.signIn(r.Context(), r, req.Username, req.Password)
	if err != nil {
		var re *refusal
		if errors.As(err, &re) {
			if re.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(re.retryAfter))
			}
			s.deny(w, r, re.status, re.code, re.reason)
			return
		}
		s.writeError(w, r, err)
		return
	}
	s.setCookie(w, r, sessionCookieName, res.token, 0)
	exp := res.session.ExpiresAt
	authJSON(w, http.StatusOK, sessionResponse{User: newSessionUser(res.user), CSRF: res.session.CSRFSecret, Auth: "session", ExpiresAt: &exp})
}

// handleMe is GET /api/v1/me: who the request acts for.
func (s *server) handleMe(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if p == nil || p.User == nil {
		s.unauthenticated(w, r)
		return
	}
	resp := sessionResponse{User: newSessionUser(p.User), CSRF: p.CSRF, Auth: "session"}
	if p.Token != nil {
		resp.Auth = "token"
		resp.ExpiresAt = p.Token.ExpiresAt
	}
	authJSON(w, http.StatusOK, resp)
}

// handleSignOutForm is POST /dang-xuat (the session's CSRF token
// required, checked by authenticate): the session ends, the cookie goes,
// and the browser lands on the sign-in page.
func (s *server) handleSignOutForm(w http.ResponseWriter, r *http.Request) {
	if err := s.signOut(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, signInPath, http.StatusSeeOther)
}

// handleSessionDelete is DELETE /api/v1/session: sign out (204). Without
// a session it still clears the cookie and answers 204.
func (s *server) handleSessionDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.signOut(w, r); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

func authJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	writeJSONBody(w, v)
}

// refusal is a sign-in the server declined: wrong credentials, a
// disabled account, or the throttle. status and reason are what the
// client is told.
type refusal struct {
	status     int
	code       sohoa.ErrorCode
	reason     sohoa.Reason
	retryAfter int // seconds, for 429
}

func (e *refusal) Error() string { return "sign-in refused: " + string(e.reason.Code) }

type signInResult struct {
	user    *sohoa.User
	session *sohoa.Session
	token   string
}

// addrString is a client address as the catalog records it ("" when
// unknown).
func addrString(r *http.Request) string {
	a := clientAddr(r)
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// signIn checks a username and password and opens a session. In order:
// the throttle (failures of the username and from the client address in
// the window) before any password is hashed, so a guesser cannot make
// the server spend argon2id time once over the limit; then the
// catalog's CheckUserPassword, which spends the same work on unknown
// users; then, in one transaction, the old session (the request's
// cookie) deleted, a new session created — the session ID changes at
// every sign-in — and the audit row. A failure is recorded for the
// throttle and audited (never the password).
func (s *server) signIn(ctx context.Context, r *http.Request, username, password string) (*signInResult, error) {
	now := s.now()
	addr := addrString(r)
	key := sohoa.SignInKey(username)
	f, err := s.cfg.Catalog.SignInFailures(ctx, key, addr, now.Add(-s.throttle.Window))
	if err != nil {
		return nil, err
	}
	if (key != "" && f.ByUsername >= s.throttle.PerUser) || (addr != "" && f.ByAddr >= s.throttle.PerAddr) {
		// Not recorded and not audited: a flood of refused attempts
		// must not grow the log or push the window forward for ever.
		s.log.Warn("sign-in throttled", "user", key, "client", addr, "failures_user", f.ByUsername, "failures_addr", f.ByAddr)
		secs := int((s.throttle.Window + time.Second - 1) / time.Second)
		mins := int((s.throttle.Window + time.Minute - 1) / time.Minute)
		return nil, &refusal{status: http.StatusTooManyRequests, code: sohoa.ETOOMANYREQUESTS,
			reason: sohoa.NewReason(reasonThrottled, "minutes", strconv.Itoa(mins)), retryAfter: secs}
	}
	u, err := s.cfg.Catalog.CheckUserPassword(ctx, username, password)
	if err != nil {
		if sohoa.Code(err) != sohoa.EUNAUTHORIZED {
			return nil, err
		}
		why, reason := "bad_credentials", reasonBadCredentials
		if errors.Is(err, sohoa.ErrUserDisabled) {
			why, reason = "disabled", reasonUserDisabled
		}
		details := auditJSON(map[string]string{"username": key, "addr": addr, "reason": why, "user_agent": userAgent(r)})
		object := ""
		if key != "" {
			object = "user:" + key
		}
		if err := s.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
			if err := tx.RecordSignInFailure(ctx, key, addr, now); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "anonymous", Action: auditSignInFailed, Object: object, Details: details})
		}); err != nil {
			return nil, err
		}
		s.log.Info("sign-in failed", "user", key, "client", addr, "reason", why)
		return nil, &refusal{status: http.StatusUnauthorized, code: sohoa.EUNAUTHORIZED, reason: sohoa.NewReason(reason)}
	}
	sess, err := sohoa.NewSession(u.Username, now, now.Add(s.sessionLifetime), userAgent(r), addr)
	if err != nil {
		return nil, err
	}
	old := sessionToken(r)
	var token string
	err = s.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		if old != "" {
			if err := tx.DeleteSession(ctx, old); err != nil {
				return err
			}
		}
		var err error
		if token, err = tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		if err := tx.ClearSignInFailures(ctx, u.Username); err != nil {
			return err
		}
		details := auditJSON(map[string]string{"addr": addr, "user_agent": sess.UserAgent, "expires_at": sess.ExpiresAt.Format(time.RFC3339)})
		return tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "user:" + u.Username, Action: auditSignIn, Object: "user:" + u.Username, Details: details})
	})
	if err != nil {
		return nil, fmt.Errorf("sign in %q: %w", u.Username, err)
	}
	s.log.Info("signed in", "user", u.Username, "client", addr)
	return &signInResult{user: u, session: sess, token: token}, nil
}

// signOut ends the request's session (if its cookie names one), audits
// it when it was a live session, and clears the cookie. A request with
// an API token has no session to end.
func (s *server) signOut(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := principalFrom(ctx)
	if p != nil && p.Token != nil {
		return sohoa.Errorf(sohoa.EINVALID, "an API token has no session to sign out of; revoke the token instead (sohoa token revoke)")
	}
	if tok := sessionToken(r); tok != "" {
		err := s.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
			if err := tx.DeleteSession(ctx, tok); err != nil {
				return err
			}
			if p == nil || p.User == nil {
				return nil // the session had already ended
			}
			return tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: p.Actor(), Action: auditSignOut, Object: "user:" + p.User.Username,
				Details: auditJSON(map[string]string{"addr": addrString(r)})})
		})
		if err != nil {
			return err
		}
	}
	s.clearCookie(w, r, sessionCookieName)
	return nil
}

func userAgent(r *http.Request) string {
	ua := r.UserAgent()
	if len(ua) > 4*sohoa.MaxUserAgentLen {
		ua = ua[:4*sohoa.MaxUserAgentLen]
	}
	return ua
}

func auditJSON(m map[string]string) json.RawMessage {
	b, _ := json.Marshal(m) // a map of strings always encodes
	return b
}

// SweepSessions deletes the sessions that have ended and the failed
// sign-ins older than the throttle needs, with cfg's settings (zero ones
// take the defaults). sohoa serve runs it periodically; any number of
// servers may run it at once.
func SweepSessions(ctx context.Context, cfg Config) (sessions, failures int64, err error) {
	s := &server{cfg: cfg}
	s.applyAuthDefaults()
	now := time.Now()
	if cfg.Now != nil {
		now = cfg.Now()
	}
	if sessions, err = cfg.Catalog.DeleteExpiredSessions(ctx, now, s.sessionIdle); err != nil {
		return 0, 0, err
	}
	// A day of failures is kept for whoever looks into an attack; the
	// throttle itself needs only its window.
	keep := max(24*time.Hour, s.throttle.Window)
	failures, err = cfg.Catalog.PruneSignInFailures(ctx, now.Add(-keep))
	return sessions, failures, err
}
