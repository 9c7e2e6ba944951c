package sqlite

import (
	"context"
	"errors"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

var _ sohoa.SessionService = (*DB)(nil)

// sessions binds the shared session code (sqlcat.Sessions) to SQLite's
// text times.
var sessions = &sqlcat.Sessions{
	D:        dialect,
	UserCols: userCols,
	ScanUser: func(row sqlcat.Row, extra ...any) (*sohoa.User, error) { return scanUser(row, extra...) },
	ScanTimes: func(dst ...*time.Time) ([]any, func() error) {
		texts := make([]string, len(dst))
		dests := make([]any, len(dst))
		for i := range texts {
			dests[i] = &texts[i]
		}
		return dests, func() error {
			errs := make([]error, len(dst))
			for i, t := range dst {
				*t, errs[i] = parseTS(texts[i])
			}
			return errors.Join(errs...)
		}
	},
}

// rw gives the shared session code db's reader for reads and its writer
// for writes (both the transaction inside one).
func (db *DB) rw(ctx context.Context) sqlcat.Querier {
	q := db.sq(ctx)
	q.QueryRow = func(query string, args ...any) sqlcat.Row { return db.r.QueryRowContext(ctx, query, args...) }
	return q
}

func (db *DB) SetPassword(ctx context.Context, username, plain string) error {
	if err := sohoa.ValidateUsername(username); err != nil {
		return err
	}
	hash, err := sohoa.HashPassword(plain) // before the transaction: it takes a while
	if err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error { return sessions.SetPassword(tx.sq(ctx), username, hash) })
}

func (db *DB) CheckUserPassword(ctx context.Context, username, plain string) (*sohoa.User, error) {
	return sessions.CheckUserPassword(db.rw(ctx), username, plain, true, db.log)
}

func (db *DB) DisableUser(ctx context.Context, username string, now time.Time) error {
	if err := sohoa.ValidateUsername(username); err != nil {
		return err
	}
	now, err := sohoa.NormalizeTime("now", now)
	if err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error { return sessions.DisableUser(tx.sq(ctx), username, now) })
}

func (db *DB) EnableUser(ctx context.Context, username string) error {
	return sessions.EnableUser(db.sq(ctx), username)
}

func (db *DB) CreateSession(ctx context.Context, s *sohoa.Session) (string, error) {
	if err := sqlcat.CheckNewSession(s); err != nil {
		return "", err
	}
	token, id, csrf := sohoa.NewSessionSecrets()
	if err := db.atomic(ctx, func(tx *DB) error { return sessions.CreateSession(tx.sq(ctx), s, id, csrf) }); err != nil {
		return "", err
	}
	s.ID, s.CSRFSecret = id, csrf
	return token, nil
}

func (db *DB) FindSession(ctx context.Context, token string, now time.Time, idle time.Duration) (*sohoa.User, *sohoa.Session, error) {
	return sessions.FindSession(db.rw(ctx), token, now, idle)
}

func (db *DB) DeleteSession(ctx context.Context, token string) error {
	return sessions.DeleteSession(db.sq(ctx), token)
}

func (db *DB) DeleteUserSessions(ctx context.Context, username string) (int64, error) {
	return sessions.DeleteUserSessions(db.sq(ctx), username)
}

func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	return sessions.DeleteExpiredSessions(db.sq(ctx), now, idle)
}

func (db *DB) RecordSignInFailure(ctx context.Context, username, addr string, at time.Time) error {
	return sessions.RecordSignInFailure(db.sq(ctx), username, addr, at)
}

func (db *DB) SignInFailures(ctx context.Context, username, addr string, since time.Time) (sohoa.SignInFailures, error) {
	return sessions.SignInFailures(db.rw(ctx), username, addr, since)
}

func (db *DB) ClearSignInFailures(ctx context.Context, username string) error {
	key := sohoa.SignInKey(username)
	if key == "" {
		return nil
	}
	return db.atomic(ctx, func(tx *DB) error { return sessions.ClearSignInFailures(tx.sq(ctx), username, key) })
}

func (db *DB) PruneSignInFailures(ctx context.Context, before time.Time) (int64, error) {
	return sessions.PruneSignInFailures(db.sq(ctx), before)
}
