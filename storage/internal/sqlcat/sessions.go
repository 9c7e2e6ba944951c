package sqlcat

import (
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/sohoa/sohoa"
)

// Sessions is the shared code of sohoa.SessionService (passwords, disabled
// users, sessions, the sign-in throttle). Each adapter binds it once to its
// users table and time columns, and passes its connection or transaction
// as a Querier: QueryRow for reads, Exec for writes (on SQLite the reader
// and the writer outside a transaction, both the transaction inside one).
type Sessions struct {
	D *Dialect
	// UserCols are the adapter's columns of users u that ScanUser reads
	// (then its extra destinations).
	UserCols string
	ScanUser func(row Row, extra ...any) (*sohoa.User, error)
	// ScanTimes gives scan destinations for stored times, and a function
	// that sets dst from them (in UTC) once the row is scanned.
	ScanTimes func(dst ...*time.Time) (dests []any, done func() error)
}

// SetPassword sets username's password hash and ends the user's sessions;
// q must be a transaction.
func (x *Sessions) SetPassword(q Querier, username, hash string) error {
	a := x.D.Args()
	n, err := q.Exec(`UPDATE users SET password_hash = `+a.Add(hash)+` WHERE username = `+a.Add(username), a.Values...)
	if err != nil {
		return x.D.Wrap(err, "set password of %q", username)
	}
	if n == 0 {
		return sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
	}
	return x.endSessions(q, username)
}

func (x *Sessions) endSessions(q Querier, username string) error {
	a := x.D.Args()
	_, err := q.Exec(`DELETE FROM sessions WHERE username = `+a.Add(username), a.Values...)
	return x.D.Wrap(err, "end sessions of %q", username)
}

// CheckUserPassword is sohoa.SessionService's. A hash to renew is
// written only if rehash (and only if the password was not changed
// meanwhile); a failure to write it is logged.
func (x *Sessions) CheckUserPassword(q Querier, username, plain string, rehash bool, log *slog.Logger) (*sohoa.User, error) {
	if sohoa.ValidateUsername(username) != nil {
		_, err := CheckUserPassword(nil, "", plain)
		return nil, err
	}
	var hash string
	a := x.D.Args()
	u, err := x.ScanUser(q.QueryRow(`SELECT `+x.UserCols+`, u.password_hash FROM users u WHERE u.username = `+a.Add(username), a.Values...), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		u = nil
	} else if err != nil {
		return nil, x.D.Wrap(err, "find user %q", username)
	}
	newHash, err := CheckUserPassword(u, hash, plain)
	if err != nil {
		return nil, err
	}
	if newHash != "" && rehash {
		a := x.D.Args()
		if _, err := q.Exec(`UPDATE users SET password_hash = `+a.Add(newHash)+` WHERE username = `+a.Add(username)+` AND password_hash = `+a.Add(hash), a.Values...); err != nil {
			log.Warn("rehash password", "user", username, "err", err)
		}
	}
	return u, nil
}

// DisableUser marks username disabled at now (normalized) unless it is
// already, and ends the user's sessions; q must be a transaction.
func (x *Sessions) DisableUser(q Querier, username string, now time.Time) error {
	a := x.D.Args()
	n, err := q.Exec(`UPDATE users SET disabled_at = coalesce(disabled_at, `+a.Time(now)+`) WHERE username = `+a.Add(username), a.Values...)
	if err != nil {
		return x.D.Wrap(err, "disable user %q", username)
	}
	if n == 0 {
		return sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
	}
	return x.endSessions(q, username)
}

// EnableUser is sohoa.SessionService's.
func (x *Sessions) EnableUser(q Querier, username string) error {
	if err := sohoa.ValidateUsername(username); err != nil {
		return err
	}
	a := x.D.Args()
	n, err := q.Exec(`UPDATE users SET disabled_at = NULL WHERE username = `+a.Add(username), a.Values...)
	if err != nil {
		return x.D.Wrap(err, "enable user %q", username)
	}
	if n == 0 {
		return sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
	}
	return nil
}

const sessionCols = `s.id, s.username, s.csrf_secret, s.created_at, s.last_seen_at, s.expires_at, s.user_agent, s.addr`

// CheckNewSession checks a session to create.
func CheckNewSession(s *sohoa.Session) error {
	if s == nil {
		return sohoa.Errorf(sohoa.EINVALID, "no session")
	}
	return s.Validate()
}

// CreateSession inserts s (checked with CheckNewSession) with id and csrf
// if its user exists and is not disabled; q must be a transaction. On
// PostgreSQL the user's row is read FOR SHARE: a concurrent DisableUser
// waits for this session, then ends it.
func (x *Sessions) CreateSession(q Querier, s *sohoa.Session, id, csrf string) error {
	a := x.D.Args()
	query := `SELECT disabled_at FROM users WHERE username = ` + a.Add(s.Username)
	if x.D.Postgres {
		query += ` FOR SHARE`
	}
	var disabled any // nil, or the driver's time
	err := q.QueryRow(query, a.Values...).Scan(&disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return sohoa.Errorf(sohoa.EINVALID, "unknown user %q", s.Username)
	} else if err != nil {
		return x.D.Wrap(err, "look up user %q", s.Username)
	}
	if disabled != nil {
		return sohoa.ErrUserDisabled
	}
	a = x.D.Args()
	_, err = q.Exec(`INSERT INTO sessions (id, username, csrf_secret, created_at, last_seen_at, expires_at, user_agent, addr)
			VALUES (`+a.Add(id)+`, `+a.Add(s.Username)+`, `+a.Add(csrf)+`, `+a.Time(s.CreatedAt)+`, `+a.Time(s.LastSeenAt)+`, `+
		a.Time(s.ExpiresAt)+`, `+a.Add(s.UserAgent)+`, `+a.Add(s.Addr)+`)`, a.Values...)
	return x.D.Wrap(err, "create session")
}

// FindSession is sohoa.SessionService's.
func (x *Sessions) FindSession(q Querier, token string, now time.Time, idle time.Duration) (*sohoa.User, *sohoa.Session, error) {
	if token == "" {
		return nil, nil, sohoa.Errorf(sohoa.EUNAUTHORIZED, "not signed in")
	}
	if idle < 0 {
		return nil, nil, sohoa.Errorf(sohoa.EINVALID, "idle timeout %s is negative", idle)
	}
	var s sohoa.Session
	times, done := x.ScanTimes(&s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	a := x.D.Args()
	u, err := x.ScanUser(q.QueryRow(`SELECT `+x.UserCols+`, `+sessionCols+`
		FROM sessions s JOIN users u ON u.username = s.username WHERE s.id = `+a.Add(sohoa.SessionID(token)), a.Values...),
		append([]any{&s.ID, &s.Username, &s.CSRFSecret}, append(times, &s.UserAgent, &s.Addr)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, sohoa.Errorf(sohoa.EUNAUTHORIZED, "the session is not known (signed out, or ended); sign in again")
	} else if err != nil {
		return nil, nil, x.D.Wrap(err, "find session")
	}
	if err := done(); err != nil {
		return nil, nil, x.D.Wrap(err, "find session")
	}
	if err := CheckSession(u, &s, now, idle); err != nil {
		return nil, nil, err
	}
	if s.NeedsTouch(now) {
		seen := now.UTC().Truncate(time.Microsecond)
		a := x.D.Args()
		if _, err := q.Exec(`UPDATE sessions SET last_seen_at = `+a.Time(seen)+` WHERE id = `+a.Add(s.ID)+` AND last_seen_at < `+a.Time(seen), a.Values...); err != nil {
			return nil, nil, x.D.Wrap(err, "touch session")
		}
		s.LastSeenAt = seen
	}
	return u, &s, nil
}

// DeleteSession is sohoa.SessionService's.
func (x *Sessions) DeleteSession(q Querier, token string) error {
	a := x.D.Args()
	_, err := q.Exec(`DELETE FROM sessions WHERE id = `+a.Add(sohoa.SessionID(token)), a.Values...)
	return x.D.Wrap(err, "delete session")
}

// DeleteUserSessions is sohoa.SessionService's.
func (x *Sessions) DeleteUserSessions(q Querier, username string) (int64, error) {
	if err := sohoa.ValidateUsername(username); err != nil {
		return 0, err
	}
	a := x.D.Args()
	n, err := q.Exec(`DELETE FROM sessions WHERE username = `+a.Add(username), a.Values...)
	if err != nil {
		return 0, x.D.Wrap(err, "delete sessions of %q", username)
	}
	return n, nil
}

// DeleteExpiredSessions is sohoa.SessionService's.
func (x *Sessions) DeleteExpiredSessions(q Querier, now time.Time, idle time.Duration) (int64, error) {
	if idle < 0 {
		return 0, sohoa.Errorf(sohoa.EINVALID, "idle timeout %s is negative", idle)
	}
	a := x.D.Args()
	query := `DELETE FROM sessions WHERE expires_at <= ` + a.Time(now)
	if idle > 0 {
		query += ` OR last_seen_at <= ` + a.Time(now.Add(-idle))
	}
	n, err := q.Exec(query, a.Values...)
	if err != nil {
		return 0, x.D.Wrap(err, "delete expired sessions")
	}
	return n, nil
}

// RecordSignInFailure is sohoa.SessionService's.
func (x *Sessions) RecordSignInFailure(q Querier, username, addr string, at time.Time) error {
	addr, err := sohoa.ValidateAddr(addr)
	if err != nil {
		return err
	}
	if at, err = sohoa.NormalizeTime("sign-in time", at); err != nil {
		return err
	}
	a := x.D.Args()
	_, err = q.Exec(`INSERT INTO sign_in_failures (username, addr, at) VALUES (`+a.Add(sohoa.SignInKey(username))+`, `+a.Add(addr)+`, `+a.Time(at)+`)`, a.Values...)
	return x.D.Wrap(err, "record failed sign-in")
}

// SignInFailures is sohoa.SessionService's.
func (x *Sessions) SignInFailures(q Querier, username, addr string, since time.Time) (sohoa.SignInFailures, error) {
	var out sohoa.SignInFailures
	addr, err := sohoa.ValidateAddr(addr)
	if err != nil {
		return out, err
	}
	cast := "" // PostgreSQL cannot tell a parameter's type from <> ''
	if x.D.Postgres {
		cast = "::text"
	}
	key := sohoa.SignInKey(username)
	a := x.D.Args()
	err = q.QueryRow(`SELECT
		(SELECT count(*) FROM sign_in_failures WHERE `+a.Add(key)+cast+` <> '' AND username = `+a.Add(key)+` AND at >= `+a.Time(since)+`),
		(SELECT count(*) FROM sign_in_failures WHERE `+a.Add(addr)+cast+` <> '' AND addr = `+a.Add(addr)+` AND at >= `+a.Time(since)+`)`,
		a.Values...).Scan(&out.ByUsername, &out.ByAddr)
	return out, x.D.Wrap(err, "count failed sign-ins")
}

// ClearSignInFailures drops the name key (sohoa.SignInKey, not empty) of
// username from the recorded failures; q must be a transaction. The rows
// still count against their addresses: only the name goes.
func (x *Sessions) ClearSignInFailures(q Querier, username, key string) error {
	a := x.D.Args()
	if _, err := q.Exec(`DELETE FROM sign_in_failures WHERE username = `+a.Add(key)+` AND addr = ''`, a.Values...); err != nil {
		return x.D.Wrap(err, "clear failed sign-ins of %q", username)
	}
	a = x.D.Args()
	_, err := q.Exec(`UPDATE sign_in_failures SET username = '' WHERE username = `+a.Add(key), a.Values...)
	return x.D.Wrap(err, "clear failed sign-ins of %q", username)
}

// PruneSignInFailures is sohoa.SessionService's.
func (x *Sessions) PruneSignInFailures(q Querier, before time.Time) (int64, error) {
	a := x.D.Args()
	n, err := q.Exec(`DELETE FROM sign_in_failures WHERE at < `+a.Time(before), a.Values...)
	if err != nil {
		return 0, x.D.Wrap(err, "prune failed sign-ins")
	}
	return n, nil
}
