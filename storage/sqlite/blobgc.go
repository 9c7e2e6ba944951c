package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

// sq gives the shared blob-gc code db's connections or transaction: reads
// and writes go to the same place inside a transaction, as the code needs.
func (db *DB) sq(ctx context.Context) sqlcat.Querier {
	return sqlcat.Querier{
		QueryRow: func(query string, args ...any) sqlcat.Row { return db.w.QueryRowContext(ctx, query, args...) },
		Exec: func(query string, args ...any) (int64, error) {
			res, err := db.w.ExecContext(ctx, query, args...)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
	}
}

// LockBlobForGC implements sohoa.BlobGCService, in a transaction of its own
// (a savepoint inside WithTx).
func (db *DB) LockBlobForGC(ctx context.Context, key string, now time.Time) (bool, error) {
	var locked bool
	err := db.atomic(ctx, func(tx *DB) error {
		var err error
		locked, err = sqlcat.LockBlobForGC(dialect, tx.sq(ctx), key, now)
		return err
	})
	if errors.Is(err, sqlcat.ErrRollback) {
		return false, nil
	}
	return locked, err
}

// UnlockBlobForGC implements sohoa.BlobGCService.
func (db *DB) UnlockBlobForGC(ctx context.Context, key string, lockedAt time.Time) error {
	return sqlcat.UnlockBlobForGC(dialect, db.sq(ctx), key, lockedAt)
}

// ClaimBlob implements sohoa.BlobGCService.
func (db *DB) ClaimBlob(ctx context.Context, key string, now time.Time) error {
	return db.atomic(ctx, func(tx *DB) error { return tx.claimBlob(ctx, key, now) })
}

func (db *DB) claimBlob(ctx context.Context, key string, now time.Time) error {
	return sqlcat.ClaimBlob(dialect, db.sq(ctx), key, now, func() (time.Time, bool, error) { return db.BlobGCLock(ctx, key) })
}

// BlobGCLock implements sohoa.BlobGCService.
func (db *DB) BlobGCLock(ctx context.Context, key string) (time.Time, bool, error) {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return time.Time{}, false, err
	}
	var at string
	err := db.r.QueryRowContext(ctx, `SELECT locked_at FROM blob_gc_locks WHERE blob_key = ?`, key).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, wrap(err, "read gc lock of blob %s", key)
	}
	t, err := parseTS(at)
	return t, err == nil, err
}
