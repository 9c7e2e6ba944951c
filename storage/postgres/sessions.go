package postgres

import (
	"context"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

var _ sohoa.SessionService = (*DB)(nil)

// sessions binds the shared session code (sqlcat.Sessions) to pgx.
var sessions = &sqlcat.Sessions{
	D:        dialect,
	UserCols: userCols,
	ScanUser: func(row sqlcat.Row, extra ...any) (*sohoa.User, error) { return scanUser(row, extra...) },
	ScanTimes: func(dst ...*time.Time) ([]any, func() error) {
		dests := make([]any, len(dst))
		for i, t := range dst {
			dests[i] = t
		}
		return dests, func() error {
			for _, t := range dst {
				*t = t.UTC()
			}
			return nil
		}
	},
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
	// Inside a transaction a failure to store a renewed hash would abort it.
	return sessions.CheckUserPassword(db.sq(ctx), username, plain, db.tx == nil, db.log)
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
	return sessions.FindSession(db.sq(ctx), token, now, idle)
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
	return sessions.SignInFailures(db.sq(ctx), username, addr, since)
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
