package sohoa

import (
	"context"
	"io"
	"time"
)

// BlobInfo describes one stored blob.
type BlobInfo struct {
	// Key is the lowercase hex SHA-256 of the blob's bytes.
	Key  string
	Size int64
	// Created is set only by Put: true when this call stored the bytes,
	// false when a blob with the same key was already there (content
	// addressing makes the second write a no-op).
	Created bool
	// Repaired is set only by Put: the store held a damaged copy of these
	// bytes (another size or hash, or unreadable) and this call replaced
	// it; Created is then set too.
	Repaired bool
	// ModTime is when the store last wrote the blob (or, on stores that
	// refresh it, when the same bytes were last put again), in UTC.
	ModTime time.Time
}

// BlobReader gives sequential and random access to a stored blob; the
// verifier needs ReadAt to walk PDF cross-reference tables and signatures.
type BlobReader interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
	// Size is the blob's length in bytes.
	Size() int64
}

// BlobStore keeps file bytes, content-addressed by SHA-256. A blob is written
// before the catalog row that points to it; an orphan blob is harmless and
// fsck reports it. Implementations: storage/fsblob and storage/s3blob, both
// held to storage/blobtest.
//
// Errors carry the root package's codes: EINVALID for a malformed key,
// ENOTFOUND for a missing blob; Verify wraps ErrCorrupt.
type BlobStore interface {
	// Put streams r into the store, hashing while it writes, and returns
	// the key. Nothing is ever visible under a key but the complete bytes
	// that hash to it: a failed or cancelled Put leaves no blob behind.
	// Putting bytes that are already stored checks the stored copy: intact,
	// Put reports Created=false and does not rewrite it; damaged, Put
	// replaces it (Created and Repaired). Re-importing the original file is
	// how a blob damaged at rest is repaired.
	Put(ctx context.Context, r io.Reader) (BlobInfo, error)
	// Open returns a reader over the blob, ENOTFOUND when there is none.
	Open(ctx context.Context, key string) (BlobReader, error)
	Stat(ctx context.Context, key string) (BlobInfo, error)
	// Delete removes the blob; ENOTFOUND when there is none.
	Delete(ctx context.Context, key string) error
	// List calls fn for every blob, for fsck. An error from fn stops the
	// walk and is returned.
	List(ctx context.Context, fn func(BlobInfo) error) error
	// Verify re-reads and re-hashes the stored bytes. When they no longer
	// match the key the error wraps ErrCorrupt.
	Verify(ctx context.Context, key string) error
	// Health reports whether the store can be written to and read from.
	Health(ctx context.Context) error
}

// ErrCorrupt is wrapped by errors about stored bytes that no longer hash to
// their key (bit rot, tampering, a truncated file). Test with errors.Is; its
// code is EINTERNAL because the caller cannot fix it by changing the request.
var ErrCorrupt = &Error{Code: EINTERNAL, Message: "stored blob does not match its SHA-256 key"}

// ErrNoSpace is wrapped by errors of a store that ran out of space: a full
// disk (ENOSPC, EDQUOT), an S3 server answering 507 Insufficient Storage
// or its own "storage full" code, PostgreSQL's disk_full (SQLSTATE 53100).
// Nothing a retry changes until someone frees space, so importers stop at
// once. Test with errors.Is.
var ErrNoSpace = &Error{Code: EINTERNAL, Message: "out of storage space"}

// ValidBlobKey reports whether key has the shape of a blob key: 64
// lowercase hex digits.
func ValidBlobKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CheckBlobKey returns an EINVALID error for a malformed key, nil otherwise;
// every BlobStore method taking a key calls it first.
func CheckBlobKey(key string) error {
	if !ValidBlobKey(key) {
		if len(key) > 80 {
			key = key[:80] + "…"
		}
		return Errorf(EINVALID, "invalid blob key %q: want 64 lowercase hex digits (SHA-256)", key)
	}
	return nil
}
