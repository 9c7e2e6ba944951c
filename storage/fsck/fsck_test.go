package fsck

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/fsblob"
	"github.com/sohoa/sohoa/storage/sqlite"
)

type fixture struct {
	cat   *sqlite.DB
	blobs *fsblob.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	cat, err := sqlite.Open(t.Context(), filepath.Join(dir, "sohoa.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	blobs, err := fsblob.New(filepath.Join(dir, "blobs"), fsblob.Options{})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, cat.CreateUnit(ctx, &sohoa.Unit{Code: "U1", Name: "Một cửa"}))
	require.NoError(t, cat.CreateProcedure(ctx, &sohoa.Procedure{Code: "P1", Name: "Cấp phép"}))
	for _, code := range []string{"U1-260302-0001", "U1-260302-0002"} {
		require.NoError(t, cat.CreateDossier(ctx, &sohoa.Dossier{Code: code, UnitCode: "U1", ProcedureCode: "P1", ReceivedAt: time.Now()}))
	}
	return &fixture{cat: cat, blobs: blobs}
}

func (f *fixture) put(t *testing.T, content string) string {
	t.Helper()
	info, err := f.blobs.Put(t.Context(), bytes.NewReader([]byte(content)))
	require.NoError(t, err)
	return info.Key
}

func (f *fixture) doc(t *testing.T, dossier, content, component string) *sohoa.Document {
	t.Helper()
	d := &sohoa.Document{DossierCode: dossier, BlobKey: f.put(t, content), Size: int64(len(content)), FileName: component + ".pdf",
		MediaType: "application/pdf", Role: sohoa.RoleComponent, ComponentName: component, Source: sohoa.SourceBulk, UploadedBy: "test"}
	require.NoError(t, f.cat.CreateDocument(t.Context(), d))
	return d
}

func (f *fixture) damage(t *testing.T, key string, b []byte) {
	t.Helper()
	p := f.blobs.Path(key)
	require.NoError(t, os.Chmod(p, 0o644))
	require.NoError(t, os.WriteFile(p, b, 0o644))
}

func TestRunReportsDamage(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.doc(t, "U1-260302-0001", "intact", "A")
	missing := f.doc(t, "U1-260302-0001", "missing", "B")
	f.doc(t, "U1-260302-0002", "missing", "B2") // the same bytes in another dossier
	rotten := f.doc(t, "U1-260302-0001", "rotten", "C")
	short := f.doc(t, "U1-260302-0001", "truncated", "D")
	orphan := f.put(t, "orphan")
	require.NoError(t, f.blobs.Delete(ctx, missing.BlobKey))
	f.damage(t, rotten.BlobKey, []byte("ROTTEN"))
	f.damage(t, short.BlobKey, []byte("trunc"))

	res, err := Run(ctx, f.cat, f.blobs, Options{})
	require.NoError(t, err)
	assert.False(t, res.OK)
	assert.Equal(t, []string{missing.BlobKey}, res.Missing)
	assert.Equal(t, []string{short.BlobKey}, res.Corrupt, "without re-hashing only the size shows")
	assert.Equal(t, []string{orphan}, res.Orphans)
	assert.Zero(t, res.Verified)

	res, err = Run(ctx, f.cat, f.blobs, Options{VerifyHashes: true})
	require.NoError(t, err)
	assert.Equal(t, 4, res.CatalogKeys)
	assert.Equal(t, 4, res.Blobs)
	assert.Equal(t, 4, res.Verified)
	assert.ElementsMatch(t, []string{short.BlobKey, rotten.BlobKey}, res.Corrupt, "each damaged blob once")
	require.Len(t, res.Damaged, 3)
	byKey := map[string]Damage{}
	for _, d := range res.Damaged {
		byKey[d.Key] = d
		assert.Equal(t, FixReimport, d.Fix)
	}
	m := byKey[missing.BlobKey]
	assert.Equal(t, ProblemMissing, m.Problem)
	assert.Equal(t, int64(len("missing")), m.Size)
	require.Len(t, m.Documents, 2, "both documents over the missing blob are named")
	assert.Equal(t, DocumentRef{ID: missing.ID, Dossier: "U1-260302-0001", FileName: "B.pdf", Role: sohoa.RoleComponent, Component: "B"}, m.Documents[0])
	assert.Equal(t, "U1-260302-0002", m.Documents[1].Dossier)
	assert.Equal(t, ProblemHash, byKey[rotten.BlobKey].Problem)
	assert.Equal(t, ProblemSize, byKey[short.BlobKey].Problem)

	// The repair: the original bytes put again.
	for _, c := range []string{"missing", "rotten", "truncated"} {
		f.put(t, c)
	}
	res, err = Run(ctx, f.cat, f.blobs, Options{VerifyHashes: true})
	require.NoError(t, err)
	assert.True(t, res.OK, "%+v", res)
	assert.Empty(t, res.Damaged)
	assert.EqualValues(t, 2, f.blobs.Repaired(), "the rotten and the truncated blob were replaced")
}

func TestGC(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	kept := f.doc(t, "U1-260302-0001", "kept", "A")
	old := f.put(t, "old orphan")
	young := f.put(t, "young orphan")
	past := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(f.blobs.Path(old), past, past))

	res, err := Run(ctx, f.cat, f.blobs, Options{GC: true, MinAge: time.Hour})
	require.NoError(t, err)
	assert.Equal(t, []string{old}, res.Removed)
	assert.Empty(t, res.Kept, "a young orphan is not even tried")
	assert.ElementsMatch(t, []string{old, young}, res.Orphans)
	_, err = f.blobs.Stat(ctx, old)
	assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
	for _, k := range []string{young, kept.BlobKey} {
		_, err = f.blobs.Stat(ctx, k)
		assert.NoError(t, err)
	}
	_, locked, err := f.cat.BlobGCLock(ctx, old)
	require.NoError(t, err)
	assert.False(t, locked, "the lock is removed after the deletion")

	// Another collector's lock: kept, and the lock left alone.
	other := time.Now()
	locked, err = f.cat.LockBlobForGC(ctx, young, other)
	require.NoError(t, err)
	require.True(t, locked)
	res, err = Run(ctx, f.cat, f.blobs, Options{GC: true})
	require.NoError(t, err)
	assert.Equal(t, []Kept{{Key: young, Reason: KeptLocked}}, res.Kept)
	_, locked, err = f.cat.BlobGCLock(ctx, young)
	require.NoError(t, err)
	assert.True(t, locked)
	require.NoError(t, f.cat.UnlockBlobForGC(ctx, young, other))
}

// TestCollectKeeps walks through the reasons an orphan survives its
// collection once the collector looks again under its lock.
func TestCollectKeeps(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	opts := Options{Now: time.Now}

	// An import recorded a document since the listing.
	k := f.put(t, "imported meanwhile")
	require.NoError(t, f.cat.CreateDocument(ctx, &sohoa.Document{DossierCode: "U1-260302-0001", BlobKey: k, Size: 18,
		FileName: "a.pdf", MediaType: "application/pdf", Role: sohoa.RoleComponent, Source: sohoa.SourceBulk, UploadedBy: "test"}))
	removed, reason, err := collect(ctx, f.cat, f.blobs, k, opts)
	require.NoError(t, err)
	assert.False(t, removed)
	assert.Equal(t, KeptReferenced, reason)

	// Put again since the listing (fsblob refreshed its age).
	k = f.put(t, "put again")
	opts.MinAge = time.Hour
	removed, reason, err = collect(ctx, f.cat, f.blobs, k, opts)
	require.NoError(t, err)
	assert.False(t, removed)
	assert.Equal(t, KeptRecent, reason)
	opts.MinAge = 0

	// Deleted by someone else since the listing.
	k = f.put(t, "gone")
	require.NoError(t, f.blobs.Delete(ctx, k))
	_, reason, err = collect(ctx, f.cat, f.blobs, k, opts)
	require.NoError(t, err)
	assert.Equal(t, KeptGone, reason)

	// The collector stalled after locking: too late to delete safely.
	k = f.put(t, "stalled")
	var calls atomic.Int64
	start := time.Now()
	opts.Now = func() time.Time { return start.Add(time.Duration(calls.Add(1)) * sohoa.BlobGCLockStale / 4) }
	removed, reason, err = collect(ctx, f.cat, f.blobs, k, opts)
	require.NoError(t, err)
	assert.False(t, removed)
	assert.Equal(t, KeptSlow, reason)
	_, err = f.blobs.Stat(ctx, k)
	assert.NoError(t, err)

	_, locked, err := f.cat.BlobGCLock(ctx, k)
	require.NoError(t, err)
	assert.False(t, locked, "the lock is removed on every path")
}

// TestIngestRefusedWhileDeleting: between the lock and the deletion, an
// import of the same bytes cannot record its document.
func TestIngestRefusedWhileDeleting(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	k := f.put(t, "orphan")
	var tried int
	res, err := Run(ctx, f.cat, f.blobs, Options{GC: true, beforeDelete: func(key string) {
		tried++
		err := f.cat.CreateDocument(ctx, &sohoa.Document{DossierCode: "U1-260302-0001", BlobKey: key, Size: 6,
			FileName: "a.pdf", MediaType: "application/pdf", Role: sohoa.RoleComponent, Source: sohoa.SourceBulk, UploadedBy: "test"})
		var le *sohoa.BlobGCLockedError
		require.ErrorAs(t, err, &le, "%v", err)
		assert.False(t, le.Stale)
	}})
	require.NoError(t, err)
	assert.Equal(t, 1, tried)
	assert.Equal(t, []string{k}, res.Removed)
	// Afterwards the import goes through (the pipeline stores the bytes
	// again first).
	f.put(t, "orphan")
	require.NoError(t, f.cat.CreateDocument(ctx, &sohoa.Document{DossierCode: "U1-260302-0001", BlobKey: k, Size: 6,
		FileName: "a.pdf", MediaType: "application/pdf", Role: sohoa.RoleComponent, Source: sohoa.SourceBulk, UploadedBy: "test"}))
	res, err = Run(ctx, f.cat, f.blobs, Options{GC: true, VerifyHashes: true})
	require.NoError(t, err)
	assert.True(t, res.OK)
	assert.Empty(t, res.Orphans)
}

func TestRunErrors(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Run(ctx, f.cat, f.blobs, Options{})
	require.ErrorIs(t, err, context.Canceled)
}
