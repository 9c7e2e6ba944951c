package sohoa

import (
	"context"
	"fmt"
	"time"
)

// BlobGCLockStale is how old a blob's gc lock must be before it counts as
// abandoned (its collector crashed) and may be taken over or broken. A
// collector holds a lock only while it deletes one blob, and gives up
// deleting once half this long has passed since it locked (storage/fsck),
// so a live collector never sees its lock taken over. The clocks of the
// processes sharing a catalog must agree to well within this.
const BlobGCLockStale = 10 * time.Minute

// BlobGCService is how the garbage collector of orphan blobs (storage/fsck,
// `sohoa fsck --gc`) and ingestion agree on which blob may be deleted, so
// that an import re-using an orphan's bytes never loses them to a
// collector that decided, a moment earlier, that nobody used them.
//
// The protocol, over one catalog table of locks keyed by blob key:
//
//   - The collector, for each orphan it means to delete, calls
//     LockBlobForGC: in one transaction it inserts the key's lock row and
//     then, in a later statement, looks for catalog rows referring to the
//     key; it commits only when there are none. It then deletes the blob
//     (giving up once half of BlobGCLockStale has passed since it locked)
//     and removes the lock (UnlockBlobForGC).
//   - Ingestion stores the bytes, then, in the transaction that inserts
//     the row referring to the blob: inserts and deletes the key's lock
//     row (ClaimBlob; CreateDocument does it itself) and, after that,
//     checks that the blob is still stored (BlobStore.Stat). A live gc
//     lock makes the claim fail with a *BlobGCLockedError; a missing blob
//     fails the check. Either way the caller rolls back, waits for the
//     lock to go (breaking it when stale), stores the bytes again and
//     retries (pipeline.Ingest).
//
// Why the check after the claim is needed: a collector may lock the key,
// delete the blob and unlock between ingestion's store (which found the
// blob there) and its claim; the claim then succeeds, and only a look at
// the blob shows it gone. (The test that races them found exactly this.)
//
// Why no committed row ever refers to a deleted blob. Let T be an ingest
// transaction that commits, c its claim and s its check (s after c), and C
// a collector that deletes the blob. C deletes only while its lock row is
// committed. Both write the same unique key, so their transactions are
// serialised: PostgreSQL makes an insert wait for an uncommitted insert of
// the same key (even one its own transaction deleted again) and then fail
// or go on by the outcome; SQLite has one writer. If C's lock insert comes
// after c, it waits for T, and C's reference check, a statement started
// after that wait (READ COMMITTED takes a snapshot per statement), sees
// T's row: C gives up. If C's lock was inserted before c and is still
// there at c, uncommitted or committed, T's claim fails once C commits:
// T does not commit. So C's lock was committed and removed before c, and
// so was its deletion, which the check at s then sees: T does not commit.
// Hence when T commits, the blob is there and no collector deletes it
// afterwards. The argument assumes every row that refers to a blob is
// written in a transaction that claims it and checks the blob, and that a
// collector deletes within BlobGCLockStale of locking (the lock is a
// lease: a stale one is broken).
type BlobGCService interface {
	// LockBlobForGC takes key's gc lock at now for a collector, in a
	// transaction of its own that commits only when no catalog row
	// refers to key (call it outside WithTx). locked is false, and
	// nothing is written, when a row refers to key or another collector
	// holds a lock younger than BlobGCLockStale; an older lock is taken
	// over.
	LockBlobForGC(ctx context.Context, key string, now time.Time) (locked bool, err error)
	// UnlockBlobForGC removes key's gc lock if it is still the one taken
	// at lockedAt; a lock taken over since then is left alone. Breaking a
	// stale lock found by ClaimBlob is the same call with its LockedAt.
	UnlockBlobForGC(ctx context.Context, key string, lockedAt time.Time) error
	// ClaimBlob is ingestion's side: it inserts and deletes key's lock
	// row, in the caller's transaction, so that the transaction conflicts
	// with a collector's lock. It fails with a *BlobGCLockedError when a
	// collector holds the lock (Stale when it was taken more than
	// BlobGCLockStale before now); the caller must then roll back, since
	// the blob may be gone, and store the bytes again before retrying.
	// After a successful claim the caller must still check, in the same
	// transaction, that the blob is stored (see above).
	ClaimBlob(ctx context.Context, key string, now time.Time) error
	// BlobGCLock reports key's gc lock: when it was taken, and whether
	// there is one.
	BlobGCLock(ctx context.Context, key string) (lockedAt time.Time, locked bool, err error)
}

// BlobGCLockedError says that a garbage collector holds the lock on a blob
// that a transaction wanted to refer to: the blob may be deleted at any
// moment, or already be gone. Its code is ECONFLICT: store the bytes again
// once the lock is gone (or break it when Stale) and retry.
type BlobGCLockedError struct {
	Key      string
	LockedAt time.Time
	// Stale: the lock is older than BlobGCLockStale, so its collector
	// crashed; UnlockBlobForGC(Key, LockedAt) breaks it.
	Stale bool
}

func (e *BlobGCLockedError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the error's code to Code and Message.
func (e *BlobGCLockedError) Unwrap() error {
	what := "a garbage collector is deleting blob"
	if e.Stale {
		what = "an abandoned garbage-collector lock (taken " + e.LockedAt.UTC().Format(time.RFC3339) + ") is on blob"
	}
	return &Error{Code: ECONFLICT, Message: fmt.Sprintf("%s %s; store the file again and retry", what, e.Key)}
}
