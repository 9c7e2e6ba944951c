package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

// sq gives the shared blob-gc code db's connection or transaction.
func (db *DB) sq(ctx context.Context) sqlcat.Querier {
	return sqlcat.Querier{
		QueryRow: func(query string, args ...any) sqlcat.Row { return db.q.QueryRow(ctx, query, args...) },
		Exec: func(query string, args ...any) (int64, error) {
			tag, err := db.q.Exec(ctx, query, args...)
			return tag.RowsAffected(), err
		},
	}
}

// LockBlobForGC implements sohoa.BlobGCService, in a transaction of its own
// (a savepoint inside WithTx).
func (db *DB) LockBlobForGC(ctx context.Context, key string, now time.Time) (bool, error) {
	var locked bool
	err := db.begin(ctx, func(tx *DB) error {
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
	var at time.Time
	err := db.q.QueryRow(ctx, `SELECT locked_at FROM blob_gc_locks WHERE blob_key = $1`, key).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, wrap(err, "read gc lock of blob %s", key)
	}
	return at.UTC(), true, nil
}
