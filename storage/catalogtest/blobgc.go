package catalogtest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// gcDoc is a document of dossier for blob key k, not yet created.
func gcDoc(dossier, k string) *sohoa.Document {
	return &sohoa.Document{DossierCode: dossier, BlobKey: k, Size: 10, FileName: "scan.pdf", MediaType: "application/pdf",
		Role: sohoa.RoleComponent, Source: sohoa.SourceBulk, UploadedBy: "system:test"}
}

func requireGCLocked(t *testing.T, err error, stale bool) *sohoa.BlobGCLockedError {
	t.Helper()
	var le *sohoa.BlobGCLockedError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, stale, le.Stale, "stale")
	assert.Equal(t, sohoa.ECONFLICT, sohoa.Code(err))
	return le
}

func requireNoGCLock(t *testing.T, c sohoa.Catalog, k string) {
	t.Helper()
	_, locked, err := c.BlobGCLock(t.Context(), k)
	require.NoError(t, err)
	require.False(t, locked, "no gc lock left on %s", k)
}

// testBlobGCLocks walks through the lock protocol of sohoa.BlobGCService
// one step at a time.
func (s *suite) testBlobGCLocks(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	s.dossier(t, c, "D-1", "OSS1", base)
	now := time.Now().UTC().Truncate(time.Microsecond)
	orphan, used := key(1), key(2)
	s.document(t, c, "D-1", 2)
	requireNoGCLock(t, c, used) // CreateDocument's claim leaves no row

	// A referenced blob is never locked, and the attempt leaves nothing.
	locked, err := c.LockBlobForGC(ctx, used, now)
	require.NoError(t, err)
	assert.False(t, locked, "a blob a document refers to")
	requireNoGCLock(t, c, used)

	// An orphan is locked once; a second collector is refused while the
	// lock is live and takes it over once it is stale.
	locked, err = c.LockBlobForGC(ctx, orphan, now)
	require.NoError(t, err)
	require.True(t, locked)
	at, ok, err := c.BlobGCLock(ctx, orphan)
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, now.Equal(at), "locked at %v, want %v", at, now)
	locked, err = c.LockBlobForGC(ctx, orphan, now.Add(time.Second))
	require.NoError(t, err)
	assert.False(t, locked, "a live lock of another collector")
	later := now.Add(sohoa.BlobGCLockStale + time.Second)
	locked, err = c.LockBlobForGC(ctx, orphan, later)
	require.NoError(t, err)
	assert.True(t, locked, "a stale lock is taken over")

	// Ingestion is refused while the lock is there: live, then stale.
	err = c.CreateDocument(ctx, gcDoc("D-1", orphan))
	requireGCLocked(t, err, false) // locked "later", after the catalog's clock
	err = c.ClaimBlob(ctx, orphan, later.Add(time.Minute))
	le := requireGCLocked(t, err, false)
	assert.True(t, later.Equal(le.LockedAt))
	assert.Equal(t, orphan, le.Key)
	err = c.ClaimBlob(ctx, orphan, later.Add(sohoa.BlobGCLockStale+time.Second))
	requireGCLocked(t, err, true)
	_, err = c.FindDocumentByBlob(ctx, "D-1", orphan)
	requireCode(t, sohoa.ENOTFOUND, err, "nothing written by the refused CreateDocument")

	// The first collector's unlock does not remove the lock taken over.
	require.NoError(t, c.UnlockBlobForGC(ctx, orphan, now))
	_, ok, err = c.BlobGCLock(ctx, orphan)
	require.NoError(t, err)
	assert.True(t, ok, "a lock taken over is not the old owner's to remove")
	require.NoError(t, c.UnlockBlobForGC(ctx, orphan, later))
	requireNoGCLock(t, c, orphan)

	// With the lock gone, ingestion goes through.
	require.NoError(t, c.CreateDocument(ctx, gcDoc("D-1", orphan)))
	requireNoGCLock(t, c, orphan)
	locked, err = c.LockBlobForGC(ctx, orphan, later)
	require.NoError(t, err)
	assert.False(t, locked, "now referenced")

	// A refused claim leaves the caller's transaction usable.
	third := key(3)
	locked, err = c.LockBlobForGC(ctx, third, time.Now())
	require.NoError(t, err)
	require.True(t, locked)
	err = c.WithTx(ctx, func(tx sohoa.Catalog) error {
		requireGCLocked(t, tx.CreateDocument(ctx, gcDoc("D-1", third)), false)
		return tx.CreateDocument(ctx, gcDoc("D-1", key(4)))
	})
	require.NoError(t, err)
	_, err = c.FindDocumentByBlob(ctx, "D-1", key(4))
	require.NoError(t, err)

	for _, k := range []string{"", "ABC", third + "0"} {
		_, err := c.LockBlobForGC(ctx, k, now)
		requireCode(t, sohoa.EINVALID, err, "LockBlobForGC(%q)", k)
		requireCode(t, sohoa.EINVALID, c.ClaimBlob(ctx, k, now), "ClaimBlob(%q)", k)
		requireCode(t, sohoa.EINVALID, c.UnlockBlobForGC(ctx, k, now), "UnlockBlobForGC(%q)", k)
		_, _, err = c.BlobGCLock(ctx, k)
		requireCode(t, sohoa.EINVALID, err, "BlobGCLock(%q)", k)
	}
	_, err = c.LockBlobForGC(ctx, third, time.Time{})
	requireCode(t, sohoa.EINVALID, err, "zero lock time")
}

// testBlobGCWaits holds one side's transaction open while the other side
// runs: the second must wait for the first to commit and then see it.
func (s *suite) testBlobGCWaits(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	s.dossier(t, c, "D-1", "OSS1", base)

	// A collector's uncommitted lock: the ingest waits, then is refused.
	k := key(1)
	inTx, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	// A failing check must still end the open transaction, or the
	// catalog's cleanup would wait for it for ever.
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
	go func() {
		done <- c.WithTx(ctx, func(tx sohoa.Catalog) error {
			locked, err := tx.LockBlobForGC(ctx, k, time.Now())
			if err == nil && !locked {
				err = errors.New("not locked")
			}
			close(inTx)
			<-release
			return err
		})
	}()
	<-inTx
	ingest := make(chan error, 1)
	go func() { ingest <- c.CreateDocument(ctx, gcDoc("D-1", k)) }()
	select {
	case err := <-ingest:
		t.Fatalf("CreateDocument did not wait for the collector's transaction: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	releaseOnce.Do(func() { close(release) })
	require.NoError(t, <-done)
	requireGCLocked(t, <-ingest, false)

	// An ingest's uncommitted document: the collector waits, then sees it.
	k = key(2)
	inTx, release2 := make(chan struct{}), make(chan struct{})
	var release2Once sync.Once
	t.Cleanup(func() { release2Once.Do(func() { close(release2) }) })
	go func() {
		done <- c.WithTx(ctx, func(tx sohoa.Catalog) error {
			err := tx.CreateDocument(ctx, gcDoc("D-1", k))
			close(inTx)
			<-release2
			return err
		})
	}()
	<-inTx
	type lockRes struct {
		locked bool
		err    error
	}
	lock := make(chan lockRes, 1)
	go func() {
		locked, err := c.LockBlobForGC(ctx, k, time.Now())
		lock <- lockRes{locked, err}
	}()
	select {
	case r := <-lock:
		t.Fatalf("LockBlobForGC did not wait for the ingest transaction: %+v", r)
	case <-time.After(300 * time.Millisecond):
	}
	release2Once.Do(func() { close(release2) })
	require.NoError(t, <-done)
	r := <-lock
	require.NoError(t, r.err)
	assert.False(t, r.locked, "the collector sees the document committed while it waited")
	requireNoGCLock(t, c, k)
}

// testBlobGCRace runs collectors and ingests of the same keys at the same
// time: for every key exactly one side wins, never both (a document
// recorded over a blob being deleted) and never neither.
func (s *suite) testBlobGCRace(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	s.dossier(t, c, "D-1", "OSS1", base)
	const n = 150
	var wg sync.WaitGroup
	gcWon := make([]bool, n)
	docErr := make([]error, n)
	gcErr := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		k := key(1000 + i)
		wg.Go(func() {
			<-start
			gcWon[i], gcErr[i] = c.LockBlobForGC(ctx, k, time.Now())
		})
		wg.Go(func() {
			<-start
			docErr[i] = c.WithTx(ctx, func(tx sohoa.Catalog) error {
				if _, err := tx.FindDossierByCode(ctx, "D-1"); err != nil {
					return err
				}
				return tx.CreateDocument(ctx, gcDoc("D-1", k))
			})
		})
	}
	close(start)
	wg.Wait()
	var gcWins int
	for i := range n {
		require.NoError(t, gcErr[i], "key %d", i)
		if gcWon[i] {
			gcWins++
			requireGCLocked(t, docErr[i], false)
		} else {
			require.NoError(t, docErr[i], "key %d: the collector lost, so the document must be recorded", i)
		}
	}
	t.Logf("%d of %d keys locked by the collector first", gcWins, n)
	// Both outcomes happened (otherwise the test raced nothing); with
	// goroutines started together this holds on every run seen so far.
	if gcWins == 0 || gcWins == n {
		t.Logf("only one side ever won; the race was not exercised this time")
	}
	var docs int
	require.NoError(t, c.ForEachBlobKey(ctx, func(string, int64) error { docs++; return nil }))
	assert.Equal(t, n-gcWins, docs, "documents recorded")
}
