package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

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
		tag, err := tx.q.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE username = $1`, username, hash)
		if err != nil {
			return wrap(err, "set password of %q", username)
		}
		if tag.RowsAffected() == 0 {
			return sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
		}
		_, err = tx.q.Exec(ctx, `DELETE FROM sessions WHERE username = $1`, username)
		return wrap(err, "end sessions of %q", username)
	})
}

func (db *DB) CheckUserPassword(ctx context.Context, username, plain string) (*sohoa.User, error) {
	if sohoa.ValidateUsername(username) != nil {
		_, err := sqlcat.CheckUserPassword(nil, "", plain)
		return nil, err
	}
	var hash string
	u, err := scanUser(db.q.QueryRow(ctx, `SELECT `+userCols+`, u.password_hash FROM users u WHERE u.username = $1`, username), &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		u = nil
	} else if err != nil {
		return nil, wrap(err, "find user %q", username)
	}
	newHash, err := sqlcat.CheckUserPassword(u, hash, plain)
	if err != nil {
		return nil, err
	}
	if newHash != "" && db.tx == nil { // inside a transaction a failure here would abort it
		// Only if the password was not changed meanwhile.
		if _, err := db.q.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE username = $1 AND password_hash = $3`, username, newHash, hash); err != nil {
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
		tag, err := tx.q.Exec(ctx, `UPDATE users SET disabled_at = coalesce(disabled_at, $2) WHERE username = $1`, username, now)
		if err != nil {
			return wrap(err, "disable user %q", username)
		}
		if tag.RowsAffected() == 0 {
			return sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
		}
		_, err = tx.q.Exec(ctx, `DELETE FROM sessions WHERE username = $1`, username)
		return wrap(err, "end sessions of %q", username)
	})
}

func (db *DB) EnableUser(ctx context.Context, username string) error {
	if err := sohoa.ValidateUsername(username); err != nil {
		return err
	}
	tag, err := db.q.Exec(ctx, `UPDATE users SET disabled_at = NULL WHERE username = $1`, username)
	if err != nil {
		return wrap(err, "enable user %q", username)
	}
	if tag.RowsAffected() == 0 {
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
		var disabled *time.Time
		// FOR SHARE: a concurrent DisableUser waits for this session, then
		// ends it.
		err := tx.q.QueryRow(ctx, `SELECT disabled_at FROM users WHERE username = $1 FOR SHARE`, s.Username).Scan(&disabled)
		if errors.Is(err, pgx.ErrNoRows) {
			return sohoa.Errorf(sohoa.EINVALID, "unknown user %q", s.Username)
		} else if err != nil {
			return wrap(err, "look up user %q", s.Username)
		}
		if disabled != nil {
			return sohoa.ErrUserDisabled
		}
		_, err = tx.q.Exec(ctx, `INSERT INTO sessions (id, username, csrf_secret, created_at, last_seen_at, expires_at, user_agent, addr)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, s.Username, csrf, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.UserAgent, s.Addr)
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
	u, err := scanUser(db.q.QueryRow(ctx, `SELECT `+userCols+`, `+sessionCols+`
		FROM sessions s JOIN users u ON u.username = s.username WHERE s.id = $1`, sohoa.SessionID(token)),
		&s.ID, &s.Username, &s.CSRFSecret, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.UserAgent, &s.Addr)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, sohoa.Errorf(sohoa.EUNAUTHORIZED, "the session is not known (signed out, or ended); sign in again")
	} else if err != nil {
		return nil, nil, wrap(err, "find session")
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
	if err := sqlcat.CheckSession(u, &s, now, idle); err != nil {
		return nil, nil, err
	}
	if s.NeedsTouch(now) {
		seen := now.UTC().Truncate(time.Microsecond)
		if _, err := db.q.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2`, s.ID, seen); err != nil {
			return nil, nil, wrap(err, "touch session")
		}
		s.LastSeenAt = seen
	}
	return u, &s, nil
}

func (db *DB) DeleteSession(ctx context.Context, token string) error {
	_, err := db.q.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, sohoa.SessionID(token))
	return wrap(err, "delete session")
}

func (db *DB) DeleteUserSessions(ctx context.Context, username string) (int64, error) {
	if err := sohoa.ValidateUsername(username); err != nil {
		return 0, err
	}
	tag, err := db.q.Exec(ctx, `DELETE FROM sessions WHERE username = $1`, username)
	if err != nil {
		return 0, wrap(err, "delete sessions of %q", username)
	}
	return tag.RowsAffected(), nil
}

func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	if idle < 0 {
		return 0, sohoa.Errorf(sohoa.EINVALID, "idle timeout %s is negative", idle)
	}
	query, args := `DELETE FROM sessions WHERE expires_at <= $1`, []any{now}
	if idle > 0 {
		query, args = query+` OR last_seen_at <= $2`, append(args, now.Add(-idle))
	}
	tag, err := db.q.Exec(ctx, query, args...)
	if err != nil {
		return 0, wrap(err, "delete expired sessions")
	}
	return tag.RowsAffected(), nil
}

func (db *DB) RecordSignInFailure(ctx context.Context, username, addr string, at time.Time) error {
	addr, err := sohoa.ValidateAddr(addr)
	if err != nil {
		return err
	}
	if at, err = sohoa.NormalizeTime("sign-in time", at); err != nil {
		return err
	}
	_, err = db.q.Exec(ctx, `INSERT INTO sign_in_failures (username, addr, at) VALUES ($1, $2, $3)`, sohoa.SignInKey(username), addr, at)
	return wrap(err, "record failed sign-in")
}

func (db *DB) SignInFailures(ctx context.Context, username, addr string, since time.Time) (sohoa.SignInFailures, error) {
	var out sohoa.SignInFailures
	addr, err := sohoa.ValidateAddr(addr)
	if err != nil {
		return out, err
	}
	err = db.q.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM sign_in_failures WHERE $1::text <> '' AND username = $1 AND at >= $3),
		(SELECT count(*) FROM sign_in_failures WHERE $2::text <> '' AND addr = $2 AND at >= $3)`,
		sohoa.SignInKey(username), addr, since).Scan(&out.ByUsername, &out.ByAddr)
	return out, wrap(err, "count failed sign-ins")
}

func (db *DB) ClearSignInFailures(ctx context.Context, username string) error {
	key := sohoa.SignInKey(username)
	if key == "" {
		return nil
	}
	// The rows still count against their addresses: only the name goes.
	return db.atomic(ctx, func(tx *DB) error {
		if _, err := tx.q.Exec(ctx, `DELETE FROM sign_in_failures WHERE username = $1 AND addr = ''`, key); err != nil {
			return wrap(err, "clear failed sign-ins of %q", username)
		}
		_, err := tx.q.Exec(ctx, `UPDATE sign_in_failures SET username = '' WHERE username = $1`, key)
		return wrap(err, "clear failed sign-ins of %q", username)
	})
}

func (db *DB) PruneSignInFailures(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.q.Exec(ctx, `DELETE FROM sign_in_failures WHERE at < $1`, before)
	if err != nil {
		return 0, wrap(err, "prune failed sign-ins")
	}
	return tag.RowsAffected(), nil
}
