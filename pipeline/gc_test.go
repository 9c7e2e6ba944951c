package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/fsblob"
	"github.com/sohoa/sohoa/storage/s3blob"
)

func blobKey(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// lockOrphan plays `sohoa fsck --gc` up to its lock: the bytes are an
// orphan blob, locked for deletion.
func lockOrphan(t *testing.T, b *bundle, body []byte, lockedAt time.Time) string {
	t.Helper()
	ctx := t.Context()
	info, err := b.cfg.Blobs.Put(ctx, bytes.NewReader(body))
	require.NoError(t, err)
	locked, err := b.cat.LockBlobForGC(ctx, info.Key, lockedAt)
	require.NoError(t, err)
	require.True(t, locked)
	return info.Key
}

// collectOrphan plays `sohoa fsck --gc` up to the deletion: the bytes are
// an orphan blob, locked and deleted; the lock is left for the test to
// remove.
func collectOrphan(t *testing.T, b *bundle, body []byte, lockedAt time.Time) string {
	t.Helper()
	key := lockOrphan(t, b, body, lockedAt)
	require.NoError(t, b.cfg.Blobs.Delete(t.Context(), key))
	return key
}

func requireStored(t *testing.T, b *bundle, res *IngestResult, body []byte) {
	t.Helper()
	require.NoError(t, b.cfg.Blobs.Verify(t.Context(), blobKey(body)), "the document's blob is there")
	doc, err := b.cat.FindDocumentByBlob(t.Context(), res.Document.DossierCode, blobKey(body))
	require.NoError(t, err)
	assert.Equal(t, res.Document.ID, doc.ID)
	_, locked, err := b.cat.BlobGCLock(t.Context(), blobKey(body))
	require.NoError(t, err)
	assert.False(t, locked)
}

// TestIngestWaitsForGC: an ingest whose bytes a collector has locked
// waits for the lock to go, stores the bytes again (the collector deleted
// them meanwhile) and records the document; nothing is ever recorded over
// a missing blob.
func TestIngestWaitsForGC(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		body := uniquePDF(1)
		lockedAt := time.Now()
		key := lockOrphan(t, b, body, lockedAt)

		done := make(chan error, 1)
		var res *IngestResult
		go func() {
			var err error
			res, err = b.p.Ingest(ctx, req("U1-260302-0001", compForm, "a.pdf", body))
			done <- err
		}()
		select {
		case err := <-done:
			t.Fatalf("Ingest went on while the collector held the lock: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		docs, err := b.cat.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, BlobKey: key})
		require.NoError(t, err)
		require.Empty(t, docs, "no document over a blob being deleted")

		// The collector deletes the blob the ingest found stored, and
		// lets go of its lock.
		require.NoError(t, b.cfg.Blobs.Delete(ctx, key))
		require.NoError(t, b.cat.UnlockBlobForGC(ctx, key, lockedAt))
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("Ingest did not go on once the lock was gone")
		}
		assert.True(t, res.BlobCreated, "the bytes were stored again")
		requireStored(t, b, res, body)
	})
}

// TestIngestBreaksStaleGCLock: a lock older than BlobGCLockStale is a
// crashed collector's; the ingest removes it and stores the bytes again.
func TestIngestBreaksStaleGCLock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		body := uniquePDF(2)
		collectOrphan(t, b, body, time.Now().Add(-sohoa.BlobGCLockStale-time.Minute))
		res := b.ingest(t, req("U1-260302-0001", compForm, "a.pdf", body))
		requireStored(t, b, res, body)
	})
}

// onlyReader hides every method of its reader but Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestIngestGCLockNeedsTheBytesAgain: a body that cannot be read again
// fails the ingest (EINTERNAL, to retry; nothing recorded) once the collector is
// done; with Reopen, the bytes are read again from there.
func TestIngestGCLockNeedsTheBytesAgain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		body := uniquePDF(3)
		lockedAt := time.Now()
		key := collectOrphan(t, b, body, lockedAt)
		time.AfterFunc(100*time.Millisecond, func() { _ = b.cat.UnlockBlobForGC(ctx, key, lockedAt) })
		r := req("U1-260302-0001", compForm, "a.pdf", body)
		r.Body = onlyReader{r: bytes.NewReader(body)}
		_, err := b.p.Ingest(ctx, r)
		require.Error(t, err)
		assert.Equal(t, sohoa.EINTERNAL, sohoa.Code(err), "%v", err)
		assert.Contains(t, sohoa.Message(err), "send the file again")
		docs, err := b.cat.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, BlobKey: key})
		require.NoError(t, err)
		require.Empty(t, docs)

		lockedAt = time.Now()
		collectOrphan(t, b, body, lockedAt)
		time.AfterFunc(100*time.Millisecond, func() { _ = b.cat.UnlockBlobForGC(ctx, key, lockedAt) })
		reopened := 0
		r.Body = onlyReader{r: bytes.NewReader(body)}
		r.Reopen = func() (io.ReadCloser, error) {
			reopened++
			return io.NopCloser(bytes.NewReader(body)), nil
		}
		res, err := b.p.Ingest(ctx, r)
		require.NoError(t, err)
		assert.Equal(t, 1, reopened)
		requireStored(t, b, res, body)

		// Other bytes from Reopen (the file changed) are refused.
		other := uniquePDF(4)
		lockedAt = time.Now()
		collectOrphan(t, b, other, lockedAt)
		require.NoError(t, b.cat.UnlockBlobForGC(ctx, blobKey(other), lockedAt))
		// Lock it again, live, so that the ingest has to store it again.
		_, err = b.cfg.Blobs.Put(ctx, bytes.NewReader(other))
		require.NoError(t, err)
		lockedAt = time.Now()
		locked, err := b.cat.LockBlobForGC(ctx, blobKey(other), lockedAt)
		require.NoError(t, err)
		require.True(t, locked)
		time.AfterFunc(100*time.Millisecond, func() { _ = b.cat.UnlockBlobForGC(ctx, blobKey(other), lockedAt) })
		r = req("U1-260302-0002", compForm, "b.pdf", other)
		r.Reopen = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(uniquePDF(5))), nil }
		_, err = b.p.Ingest(ctx, r)
		assert.Equal(t, sohoa.EINTERNAL, sohoa.Code(err), "%v", err)
		assert.Contains(t, sohoa.Message(err), "the file changed")
	})
}

// hookedBlobs runs afterPut once, after the first Put of stored bytes.
type hookedBlobs struct {
	sohoa.BlobStore
	afterPut func(key string)
}

func (h *hookedBlobs) Put(ctx context.Context, r io.Reader) (sohoa.BlobInfo, error) {
	info, err := h.BlobStore.Put(ctx, r)
	if err == nil && !info.Created && h.afterPut != nil {
		f := h.afterPut
		h.afterPut = nil
		f(info.Key)
	}
	return info, err
}

// TestIngestSeesBlobCollectedBeforeClaim: a collector locks, deletes and
// unlocks the orphan between the ingest's Put (which found it stored) and
// its transaction. The claim then succeeds; only the look at the blob
// store inside the transaction catches it, and the bytes are stored again.
func TestIngestSeesBlobCollectedBeforeClaim(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		body := uniquePDF(6)
		_, err := b.cfg.Blobs.Put(ctx, bytes.NewReader(body))
		require.NoError(t, err)
		cfg := b.cfg
		collected := false
		cfg.Blobs = &hookedBlobs{BlobStore: b.cfg.Blobs, afterPut: func(key string) {
			lockedAt := time.Now()
			locked, err := b.cat.LockBlobForGC(ctx, key, lockedAt)
			require.NoError(t, err)
			require.True(t, locked)
			require.NoError(t, b.cfg.Blobs.Delete(ctx, key))
			require.NoError(t, b.cat.UnlockBlobForGC(ctx, key, lockedAt))
			collected = true
		}}
		p := b.pipeline(t, cfg)
		res, err := p.Ingest(ctx, req("U1-260302-0001", compForm, "a.pdf", body))
		require.NoError(t, err)
		require.True(t, collected)
		requireStored(t, b, res, body)
	})
}

// corruptBlob flips a byte of a stored blob behind the store's back.
func corruptBlob(t *testing.T, blobs sohoa.BlobStore, key string) {
	t.Helper()
	ctx := t.Context()
	r, err := blobs.Open(ctx, key)
	require.NoError(t, err)
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	r.Close()
	b[len(b)/2] ^= 0x01
	switch s := blobs.(type) {
	case *fsblob.Store:
		require.NoError(t, os.Chmod(s.Path(key), 0o644))
		require.NoError(t, os.WriteFile(s.Path(key), b, 0o444))
	case *s3blob.Store:
		_, err := s.Client().PutObject(ctx, s.Bucket(), s3blob.ObjectName(key), bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{})
		require.NoError(t, err)
	default:
		t.Fatalf("cannot corrupt a %T", blobs)
	}
	require.ErrorIs(t, blobs.Verify(ctx, key), sohoa.ErrCorrupt)
}

// TestReimportRepairsBlob: importing the original file again replaces a
// blob damaged at rest (issue 8, item 9); the import is a duplicate.
func TestReimportRepairsBlob(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		body := uniquePDF(7)
		first := b.ingest(t, req("U1-260302-0001", compForm, "a.pdf", body))
		assert.False(t, first.BlobRepaired)
		corruptBlob(t, b.cfg.Blobs, blobKey(body))

		again := b.ingest(t, req("U1-260302-0001", compForm, "a.pdf", body))
		assert.True(t, again.Duplicate)
		assert.True(t, again.BlobRepaired)
		assert.Equal(t, first.Document.ID, again.Document.ID)
		require.NoError(t, b.cfg.Blobs.Verify(t.Context(), blobKey(body)))
	})
}
