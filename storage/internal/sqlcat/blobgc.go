package sqlcat

import (
	"database/sql"
	"errors"
	"time"

	"github.com/sohoa/sohoa"
)

// Row is a query's single row: pgx.Row and *sql.Row both are. A missing
// row is sql.ErrNoRows for both (pgx.ErrNoRows wraps it).
type Row interface {
	Scan(dest ...any) error
}

// Querier runs statements for the shared blob-gc and session code: each
// adapter wraps its connection or transaction in these two functions.
type Querier struct {
	QueryRow func(query string, args ...any) Row
	// Exec runs a statement and returns how many rows it changed.
	Exec func(query string, args ...any) (int64, error)
}

// ErrRollback is returned by the adapters' transaction bodies to roll back
// without an error reaching the caller.
var ErrRollback = errors.New("roll back")

// BlobReferencedQuery finds a catalog row referring to the blob key at
// placeholder p. Documents are the only rows that refer to blobs; a table
// added later that holds blob keys must be added here and to the
// adapters' ForEachBlobKey, and its writes must claim the key (ClaimBlob).
func BlobReferencedQuery(p string) string {
	return `SELECT 1 FROM documents WHERE blob_key = ` + p + ` LIMIT 1`
}

// LockBlobForGC is the body of a collector's lock transaction (see
// sohoa.BlobGCService): it takes key's lock at now, taking over a stale
// one, then looks for rows referring to key. It reports false when another
// collector holds a live lock (nothing written) and ErrRollback when a row
// refers to key: the caller must then roll back, or its lock would stand.
//
// The reference check must be a statement of its own, after the insert:
// on PostgreSQL the insert waits for a concurrent ingest transaction that
// claimed the key, and only a statement started after that wait sees the
// row it committed (READ COMMITTED takes a snapshot per statement).
func LockBlobForGC(d *Dialect, q Querier, key string, now time.Time) (bool, error) {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return false, err
	}
	now, err := sohoa.NormalizeTime("lock time", now)
	if err != nil {
		return false, err
	}
	a := d.Args()
	query := `INSERT INTO blob_gc_locks (blob_key, locked_at) VALUES (` + a.Add(key) + `, ` + a.Time(now) + `)
		ON CONFLICT (blob_key) DO UPDATE SET locked_at = excluded.locked_at
		WHERE blob_gc_locks.locked_at < ` + a.Time(now.Add(-sohoa.BlobGCLockStale)) + ` RETURNING 1`
	var one int
	err = q.QueryRow(query, a.Values...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // another collector's live lock
	}
	if err != nil {
		return false, d.Wrap(err, "lock blob %s for gc", key)
	}
	a = d.Args()
	err = q.QueryRow(BlobReferencedQuery(a.Add(key)), a.Values...).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return true, nil
	case err != nil:
		return false, d.Wrap(err, "look for rows referring to blob %s", key)
	}
	return false, ErrRollback
}

// UnlockBlobForGC removes key's lock taken at lockedAt.
func UnlockBlobForGC(d *Dialect, q Querier, key string, lockedAt time.Time) error {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return err
	}
	lockedAt, err := sohoa.NormalizeTime("lock time", lockedAt)
	if err != nil {
		return err
	}
	a := d.Args()
	_, err = q.Exec(`DELETE FROM blob_gc_locks WHERE blob_key = `+a.Add(key)+` AND locked_at = `+a.Time(lockedAt), a.Values...)
	return d.Wrap(err, "unlock blob %s", key)
}

// ClaimBlob is ingestion's side, run in the transaction that records the
// row referring to key: insert key's lock row and delete it again, so the
// transaction conflicts with a collector's lock on the unique key.
// lockedAt reads a lock that is there (the adapter's BlobGCLock, in the
// same transaction).
func ClaimBlob(d *Dialect, q Querier, key string, now time.Time, lockedAt func() (time.Time, bool, error)) error {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return err
	}
	now, err := sohoa.NormalizeTime("claim time", now)
	if err != nil {
		return err
	}
	// On PostgreSQL a collector's lock may go between the insert and the
	// read (READ COMMITTED): then the claim is simply tried again.
	for attempt := 0; ; attempt++ {
		a := d.Args()
		n, err := q.Exec(`INSERT INTO blob_gc_locks (blob_key, locked_at) VALUES (`+a.Add(key)+`, `+a.Time(now)+`)
			ON CONFLICT (blob_key) DO NOTHING`, a.Values...)
		if err != nil {
			return d.Wrap(err, "claim blob %s", key)
		}
		if n == 1 {
			a = d.Args()
			_, err = q.Exec(`DELETE FROM blob_gc_locks WHERE blob_key = `+a.Add(key), a.Values...)
			return d.Wrap(err, "claim blob %s", key)
		}
		at, ok, err := lockedAt()
		if err != nil {
			return err
		}
		if ok {
			return &sohoa.BlobGCLockedError{Key: key, LockedAt: at, Stale: at.Before(now.Add(-sohoa.BlobGCLockStale))}
		}
		if attempt >= 10 {
			return sohoa.Errorf(sohoa.ECONFLICT, "claim blob %s: garbage collectors keep locking it; retry", key)
		}
	}
}
