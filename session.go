package sohoa

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Session is a signed-in browser's server-side session, kept in the
// catalog so that several serve processes share it. The cookie carries a
// random token; the catalog keeps only its SHA-256 (ID), so reading the
// database does not let anyone take over a session.
type Session struct {
	ID       string `json:"-"` // lowercase hex SHA-256 of the cookie's token
	Username string `json:"username"`
	// CSRFSecret is the session's own secret for the web layer's CSRF
	// tokens (an HMAC key); 64 hex digits.
	CSRFSecret string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	// LastSeenAt is when the session was last used, to within
	// SessionTouchInterval; the idle timeout counts from it.
	LastSeenAt time.Time `json:"last_seen_at"`
	// ExpiresAt is the absolute end, however active the session is.
	ExpiresAt time.Time `json:"expires_at"`
	// UserAgent and Addr are the browser and client address at sign-in,
	// for the audit log and for the user to recognise their sessions.
	UserAgent string `json:"user_agent"`
	Addr      string `json:"addr"`
}

// SessionTouchInterval is how stale LastSeenAt may get before FindSession
// writes it again: a session used every second does not cost a write per
// request, and the idle timeout is correct to within this.
const SessionTouchInterval = time.Minute

// Limits on what a session records of the client.
const (
	MaxUserAgentLen = 512 // runes; longer ones are cut
	MaxAddrLen      = 64  // an IPv6 address with zone fits
)

// NewSession returns the session to create for what the web layer knows
// at sign-in, checked with Validate: it starts at now and ends at
// expiresAt at the latest.
func NewSession(username string, now, expiresAt time.Time, userAgent, addr string) (*Session, error) {
	s := &Session{Username: username, CreatedAt: now, LastSeenAt: now, ExpiresAt: expiresAt, UserAgent: userAgent, Addr: addr}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Validate checks a session about to be created and normalises it: times
// in UTC at microsecond precision, ExpiresAt after CreatedAt, LastSeenAt
// not before CreatedAt, the user agent cut to MaxUserAgentLen with its
// control characters dropped (browsers send what they like, and it is
// only a hint), the client address checked (ValidateAddr).
func (s *Session) Validate() error {
	if err := ValidateUsername(s.Username); err != nil {
		return err
	}
	var err error
	if s.CreatedAt, err = NormalizeTime("session start", s.CreatedAt); err != nil {
		return err
	}
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = s.CreatedAt
	}
	if s.LastSeenAt, err = NormalizeTime("session last seen", s.LastSeenAt); err != nil {
		return err
	}
	if s.ExpiresAt, err = NormalizeTime("session expiry", s.ExpiresAt); err != nil {
		return err
	}
	if !s.ExpiresAt.After(s.CreatedAt) {
		return invalidf("session expiry %s is not after its start %s", s.ExpiresAt.Format(time.RFC3339), s.CreatedAt.Format(time.RFC3339))
	}
	if s.LastSeenAt.Before(s.CreatedAt) {
		return invalidf("session last seen before it started")
	}
	s.UserAgent = cleanUserAgent(s.UserAgent)
	s.Addr, err = ValidateAddr(s.Addr)
	return err
}

func cleanUserAgent(ua string) string {
	ua = strings.ToValidUTF8(ua, "\uFFFD")
	var b strings.Builder
	n := 0
	for _, r := range ua {
		if unicode.IsControl(r) {
			continue
		}
		if n == MaxUserAgentLen {
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

// NewSessionSecrets returns a fresh session token (the cookie's value,
// 43 URL-safe characters), its ID (what the catalog stores) and a CSRF
// secret.
func NewSessionSecrets() (token, id, csrfSecret string) {
	var b [64]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	token = base64.RawURLEncoding.EncodeToString(b[:32])
	return token, SessionID(token), hex.EncodeToString(b[32:])
}

// SessionID is the stored form of a session token: lowercase hex SHA-256.
func SessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Check refuses a session that has ended at now: past ExpiresAt, or idle
// (unused) for idle or longer; idle 0 means no idle timeout.
func (s *Session) Check(now time.Time, idle time.Duration) error {
	if !now.Before(s.ExpiresAt) {
		return Errorf(EUNAUTHORIZED, "the session expired at %s; sign in again", s.ExpiresAt.Format(time.RFC3339))
	}
	if idle > 0 && !now.Before(s.LastSeenAt.Add(idle)) {
		return Errorf(EUNAUTHORIZED, "the session ended after %s without activity; sign in again", idle)
	}
	return nil
}

// NeedsTouch says whether FindSession should write LastSeenAt = now.
func (s *Session) NeedsTouch(now time.Time) bool {
	return now.Sub(s.LastSeenAt) >= SessionTouchInterval
}

// SignInKey is how a failed sign-in's username is recorded for
// throttling: the username when it is a valid one, else "" (a name no
// account can have counts against the address only, and junk does not
// reach the database).
func SignInKey(username string) string {
	if ValidateUsername(username) != nil {
		return ""
	}
	return username
}

// ValidateAddr checks a client address for the sign-in throttle: at most
// MaxAddrLen characters of printable text ("" when unknown).
func ValidateAddr(addr string) (string, error) {
	if !utf8.ValidString(addr) {
		return "", invalidf("client address is not valid UTF-8")
	}
	return validateText("client address", addr, MaxAddrLen, false, false)
}

// SignInFailures counts the failed sign-ins in a throttling window.
type SignInFailures struct {
	ByUsername int `json:"by_username"` // for the username (0 when none was given)
	ByAddr     int `json:"by_addr"`     // from the address (0 when none was given)
}

// SessionService keeps browser sessions and the sign-in throttle in the
// catalog, so several serve processes behind a load balancer share them.
// Times are passed in (now), so tests and the web layer's clock decide.
type SessionService interface {
	// CreateSession validates s (NewSession makes one), stores it under a
	// fresh token and returns the token, which is the cookie's value and
	// is not stored. It sets s.ID and s.CSRFSecret. An unknown user is
	// EINVALID, a disabled one EUNAUTHORIZED (ErrUserDisabled).
	CreateSession(ctx context.Context, s *Session) (token string, err error)
	// FindSession returns the session a token belongs to and its user,
	// writing LastSeenAt = now when it is SessionTouchInterval old. An
	// unknown token, a session past its expiry or idle for idle (0: no
	// idle timeout) at now, and a disabled user are EUNAUTHORIZED.
	FindSession(ctx context.Context, token string, now time.Time, idle time.Duration) (*User, *Session, error)
	// DeleteSession ends the session of a token (signing out); an unknown
	// token is not an error.
	DeleteSession(ctx context.Context, token string) error
	// DeleteUserSessions ends every session of a user and returns how
	// many there were.
	DeleteUserSessions(ctx context.Context, username string) (int64, error)
	// DeleteExpiredSessions removes the sessions that have ended at now
	// (Session.Check with idle) and returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error)

	// RecordSignInFailure records a failed sign-in at at, for the
	// username (SignInKey) and the client address (both may be empty).
	RecordSignInFailure(ctx context.Context, username, addr string, at time.Time) error
	// SignInFailures counts the failures since since (inclusive) for the
	// username and from the address.
	SignInFailures(ctx context.Context, username, addr string, since time.Time) (SignInFailures, error)
	// ClearSignInFailures forgets a username's failures, after it signed
	// in. The address's failures stay: one good account must not reset
	// the counter of an address guessing at others.
	ClearSignInFailures(ctx context.Context, username string) error
	// PruneSignInFailures removes failures older than before and returns
	// how many.
	PruneSignInFailures(ctx context.Context, before time.Time) (int64, error)
}
