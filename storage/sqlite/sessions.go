package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

var _ sohoa.SessionService = (*DB)(nil)

func (db *DB) SetPassword(ctx context.Context, username, plain string) error {
	if err := sohoa.ValidateUsername(username); err != nil {
		return err
	}
	hash, err := sohoa.HashPassword(plain) // before the transaction: it takes a while
	if err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		res, err := tx.w.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE username = ?`, hash, username)
		if err != nil {
			return wrap(err, "set password of %q", username)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
		}
		_, err = tx.w.ExecContext(ctx, `DELETE FROM sessions WHERE username = ?`, username)
		return wrap(err, "end sessions of %q", username)
	})
}

func (db *DB) CheckUserPassword(ctx context.Context, username, plain string) (*sohoa.User, error) {
	if sohoa.ValidateUsername(username) != nil {
		_, err := sqlcat.CheckUserPassword(nil, "", plain)
		return nil, err
	}
	var hash string
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+`, u.password_hash FROM users u WHERE u.username = ?`, username), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		u = nil
	} else if err != nil {
		return nil, wrap(err, "find user %q", username)
	}
	newHash, err := sqlcat.CheckUserPassword(u, hash, plain)
	if err != nil {
		return nil, err
	}
	if newHash != "" {
		// Only if the password was not changed meanwhile.
		if _, err := db.w.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE username = ? AND password_hash = ?`, newHash, username, hash); err != nil {
			db.log.Warn("rehash password", "user", username, "err", err)
		}
	}
	return u, nil
}

func (db *DB) DisableUser(ctx context.Context, username string, now time.Time) error {
	if err := sohoa.ValidateUsername(username); err != nil {
		return err
	}
	now, err := sohoa.NormalizeTime("now", now)
	if err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		res, err := tx.w.ExecContext(ctx, `UPDATE users SET disabled_at = coalesce(disabled_at, ?) WHERE username = ?`, ts(now), username)
		if err != nil {
			return wrap(err, "disable user %q", username)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
		}
		_, err = tx.w.ExecContext(ctx, `DELETE FROM sessions WHERE username = ?`, username)
		return wrap(err, "end sessions of %q", username)
	})
}

func (db *DB) EnableUser(ctx context.Context, username string) error {
	if err := sohoa.ValidateUsername(username); err != nil {
		return err
	}
	res, err := db.w.ExecContext(ctx, `UPDATE users SET disabled_at = NULL WHERE username = ?`, username)
	if err != nil {
		return wrap(err, "enable user %q", username)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
	}
	return nil
}

const sessionCols = `s.id, s.username, s.csrf_secret, s.created_at, s.last_seen_at, s.expires_at, s.user_agent, s.addr`

func (db *DB) CreateSession(ctx context.Context, s *sohoa.Session) (string, error) {
	if s == nil {
		return "", sohoa.Errorf(sohoa.EINVALID, "no session")
	}
	if err := s.Validate(); err != nil {
		return "", err
	}
	token, id, csrf := sohoa.NewSessionSecrets()
	err := db.atomic(ctx, func(tx *DB) error {
		var disabled sql.NullString
		err := tx.w.QueryRowContext(ctx, `SELECT disabled_at FROM users WHERE username = ?`, s.Username).Scan(&disabled)
		if errors.Is(err, sql.ErrNoRows) {
			return sohoa.Errorf(sohoa.EINVALID, "unknown user %q", s.Username)
		} else if err != nil {
			return wrap(err, "look up user %q", s.Username)
		}
		if disabled.Valid {
			return sohoa.ErrUserDisabled
		}
		_, err = tx.w.ExecContext(ctx, `INSERT INTO sessions (id, username, csrf_secret, created_at, last_seen_at, expires_at, user_agent, addr)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, s.Username, csrf, ts(s.CreatedAt), ts(s.LastSeenAt), ts(s.ExpiresAt), s.UserAgent, s.Addr)
		return wrap(err, "create session")
	})
	if err != nil {
		return "", err
	}
	s.ID, s.CSRFSecret = id, csrf
	return token, nil
}

func (db *DB) FindSession(ctx context.Context, token string, now time.Time, idle time.Duration) (*sohoa.User, *sohoa.Session, error) {
	if token == "" {
		return nil, nil, sohoa.Errorf(sohoa.EUNAUTHORIZED, "not signed in")
	}
	if idle < 0 {
		return nil, nil, sohoa.Errorf(sohoa.EINVALID, "idle timeout %s is negative", idle)
	}
	var s sohoa.Session
	var created, seen, expires string
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+`, `+sessionCols+`
		FROM sessions s JOIN users u ON u.username = s.username WHERE s.id = ?`, sohoa.SessionID(token)),
		&s.ID, &s.Username, &s.CSRFSecret, &created, &seen, &expires, &s.UserAgent, &s.Addr)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, sohoa.Errorf(sohoa.EUNAUTHORIZED, "the session is not known (signed out, or ended); sign in again")
	} else if err != nil {
		return nil, nil, wrap(err, "find session")
	}
	var errs [3]error
	s.CreatedAt, errs[0] = parseTS(created)
	s.LastSeenAt, errs[1] = parseTS(seen)
	s.ExpiresAt, errs[2] = parseTS(expires)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, nil, wrap(err, "find session")
	}
	if err := sqlcat.CheckSession(u, &s, now, idle); err != nil {
		return nil, nil, err
	}
	if s.NeedsTouch(now) {
		seen := now.UTC().Truncate(time.Microsecond)
		if _, err := db.w.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`, ts(seen), s.ID, ts(seen)); err != nil {
			return nil, nil, wrap(err, "touch session")
		}
		s.LastSeenAt = seen
	}
	return u, &s, nil
}

func (db *DB) DeleteSession(ctx context.Context, token string) error {
	_, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, sohoa.SessionID(token))
	return wrap(err, "delete session")
}

func (db *DB) DeleteUserSessions(ctx context.Context, username string) (int64, error) {
	if err := sohoa.ValidateUsername(username); err != nil {
		return 0, err
	}
	res, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE username = ?`, username)
	if err != nil {
		return 0, wrap(err, "delete sessions of %q", username)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	if idle < 0 {
		return 0, sohoa.Errorf(sohoa.EINVALID, "idle timeout %s is negative", idle)
	}
	query, args := `DELETE FROM sessions WHERE expires_at <= ?`, []any{ts(now)}
	if idle > 0 {
		query, args = query+` OR last_seen_at <= ?`, append(args, ts(now.Add(-idle)))
	}
	res, err := db.w.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, wrap(err, "delete expired sessions")
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func (db *DB) RecordSignInFailure(ctx context.Context, username, addr string, at time.Time) error {
	addr, err := sohoa.ValidateAddr(addr)
	if err != nil {
		return err
	}
	if at, err = sohoa.NormalizeTime("sign-in time", at); err != nil {
		return err
	}
	_, err = db.w.ExecContext(ctx, `INSERT INTO sign_in_failures (username, addr, at) VALUES (?, ?, ?)`, sohoa.SignInKey(username), addr, ts(at))
	return wrap(err, "record failed sign-in")
}

func (db *DB) SignInFailures(ctx context.Context, username, addr string, since time.Time) (sohoa.SignInFailures, error) {
	var out sohoa.SignInFailures
	addr, err := sohoa.ValidateAddr(addr)
	if err != nil {
		return out, err
	}
	key, sinceTS := sohoa.SignInKey(username), ts(since)
	err = db.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM sign_in_failures WHERE ?1 <> '' AND username = ?1 AND at >= ?3),
		(SELECT count(*) FROM sign_in_failures WHERE ?2 <> '' AND addr = ?2 AND at >= ?3)`,
		key, addr, sinceTS).Scan(&out.ByUsername, &out.ByAddr)
	return out, wrap(err, "count failed sign-ins")
}

func (db *DB) ClearSignInFailures(ctx context.Context, username string) error {
	key := sohoa.SignInKey(username)
	if key == "" {
		return nil
	}
	// The rows still count against their addresses: only the name goes.
	return db.atomic(ctx, func(tx *DB) error {
		if _, err := tx.w.ExecContext(ctx, `DELETE FROM sign_in_failures WHERE username = ? AND addr = ''`, key); err != nil {
			return wrap(err, "clear failed sign-ins of %q", username)
		}
		_, err := tx.w.ExecContext(ctx, `UPDATE sign_in_failures SET username = '' WHERE username = ?`, key)
		return wrap(err, "clear failed sign-ins of %q", username)
	})
}

func (db *DB) PruneSignInFailures(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM sign_in_failures WHERE at < ?`, ts(before))
	if err != nil {
		return 0, wrap(err, "prune failed sign-ins")
	}
	n, _ := res.RowsAffected()
	return n, nil
}
