package fsblob

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testenv"
	"github.com/sohoa/sohoa/storage/blobtest"
)

func newStore(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := New(t.TempDir(), opts)
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	var current *Store
	blobtest.RunConformance(t,
		func(t *testing.T) sohoa.BlobStore {
			current = newStore(t, Options{})
			return current
		},
		func(t *testing.T, key string) {
			// Bit rot: same size, one byte flipped, behind the store's back.
			p := current.Path(key)
			require.NoError(t, os.Chmod(p, 0o644))
			f, err := os.OpenFile(p, os.O_RDWR, 0)
			require.NoError(t, err)
			defer f.Close()
			b := make([]byte, 1)
			_, err = f.ReadAt(b, 1000)
			require.NoError(t, err)
			b[0] ^= 0x20
			_, err = f.WriteAt(b, 1000)
			require.NoError(t, err)
			require.NoError(t, os.Chmod(p, 0o444), "read-only again, as Put left it")
		})
}

func TestLayoutAndPermissions(t *testing.T) {
	s := newStore(t, Options{})
	b := []byte("evidence")
	info, err := s.Put(context.Background(), bytes.NewReader(b))
	require.NoError(t, err)
	p := filepath.Join(s.Root(), info.Key[:2], info.Key[2:4], info.Key)
	fi, err := os.Stat(p)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o444), fi.Mode().Perm(), "blobs are read-only")
	entries, err := os.ReadDir(filepath.Join(s.Root(), "tmp"))
	require.NoError(t, err)
	require.Empty(t, entries, "no temp file left after Put")
}

func TestCancelledPutLeavesNoTempFile(t *testing.T) {
	s := newStore(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	r := io.MultiReader(bytes.NewReader(make([]byte, 3<<20)), readerFunc(func([]byte) (int, error) {
		cancel()
		return 0, context.Canceled
	}))
	_, err := s.Put(ctx, r)
	require.ErrorIs(t, err, context.Canceled)
	entries, err := os.ReadDir(filepath.Join(s.Root(), "tmp"))
	require.NoError(t, err)
	require.Empty(t, entries)

	// Cancelled after the last byte was read but before the rename: still
	// nothing stored.
	ctx, cancel = context.WithCancel(context.Background())
	_, err = s.Put(ctx, io.MultiReader(bytes.NewReader([]byte("late")), readerFunc(func([]byte) (int, error) {
		cancel()
		return 0, io.EOF
	})))
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.Stat(context.Background(), blobtest.Key([]byte("late")))
	require.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestNewRemovesStaleTempFiles(t *testing.T) {
	root := t.TempDir()
	s, err := New(root, Options{})
	require.NoError(t, err)
	old := filepath.Join(root, "tmp", "put-old")
	fresh := filepath.Join(root, "tmp", "put-fresh")
	require.NoError(t, os.WriteFile(old, []byte("x"), 0o600))
	require.NoError(t, os.WriteFile(fresh, []byte("y"), 0o600))
	now := time.Now()
	require.NoError(t, os.Chtimes(old, now.Add(-2*time.Hour), now.Add(-2*time.Hour)))
	_ = s

	_, err = New(root, Options{Now: func() time.Time { return now }})
	require.NoError(t, err)
	_, err = os.Stat(old)
	require.ErrorIs(t, err, os.ErrNotExist, "stale temp file removed")
	_, err = os.Stat(fresh)
	require.NoError(t, err, "recent temp file (maybe an upload in progress) kept")
}

func TestVerifyOnRead(t *testing.T) {
	s := newStore(t, Options{VerifyOnRead: true})
	ctx := context.Background()
	b := blobtest.RandomBytes(5, 100_000)
	info, err := s.Put(ctx, bytes.NewReader(b))
	require.NoError(t, err)
	r, err := s.Open(ctx, info.Key)
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.Equal(t, b, got, "reader is rewound after verification")

	require.NoError(t, os.Chmod(s.Path(info.Key), 0o644))
	require.NoError(t, os.WriteFile(s.Path(info.Key), b[:len(b)-1], 0o644)) // truncated
	_, err = s.Open(ctx, info.Key)
	require.ErrorIs(t, err, sohoa.ErrCorrupt)

	plain, err := New(s.Root(), Options{})
	require.NoError(t, err)
	r, err = plain.Open(ctx, info.Key)
	require.NoError(t, err, "without VerifyOnRead, Open does not read the blob")
	require.NoError(t, r.Close())
}

func TestListSkipsForeignFiles(t *testing.T) {
	s := newStore(t, Options{})
	ctx := context.Background()
	info, err := s.Put(ctx, bytes.NewReader([]byte("a")))
	require.NoError(t, err)
	dir := filepath.Dir(s.Path(info.Key))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README"), nil, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(s.Root(), "notes.txt"), nil, 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(s.Root(), "zz", "zz"), 0o755))
	wrong := blobtest.Key([]byte("b")) // valid key, wrong shard
	require.NoError(t, os.WriteFile(filepath.Join(dir, wrong), nil, 0o644))
	var keys []string
	require.NoError(t, s.List(ctx, func(bi sohoa.BlobInfo) error { keys = append(keys, bi.Key); return nil }))
	require.Equal(t, []string{info.Key}, keys)
}

func TestPutRepairsTruncatedBlob(t *testing.T) {
	s := newStore(t, Options{})
	ctx := context.Background()
	b := blobtest.RandomBytes(8, 50_000)
	info, err := s.Put(ctx, bytes.NewReader(b))
	require.NoError(t, err)
	require.NoError(t, os.Chmod(s.Path(info.Key), 0o644))
	require.NoError(t, os.WriteFile(s.Path(info.Key), b[:100], 0o644))
	require.ErrorIs(t, s.Verify(ctx, info.Key), sohoa.ErrCorrupt)

	again, err := s.Put(ctx, bytes.NewReader(b))
	require.NoError(t, err)
	require.True(t, again.Created, "the damaged copy was replaced")
	require.True(t, again.Repaired)
	require.NoError(t, s.Verify(ctx, info.Key))
	fi, err := os.Stat(s.Path(info.Key))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o444), fi.Mode().Perm())
}

func TestPutRepairsUnreadableBlob(t *testing.T) {
	s := newStore(t, Options{})
	ctx := context.Background()
	b := blobtest.RandomBytes(9, 70_000)
	info, err := s.Put(ctx, bytes.NewReader(b))
	require.NoError(t, err)
	// Something else in the blob's place: a directory of the right name.
	p := s.Path(info.Key)
	require.NoError(t, os.Remove(p))
	require.NoError(t, os.Mkdir(p, 0o755))
	_, err = s.Put(ctx, bytes.NewReader(b))
	require.Error(t, err, "a directory cannot be replaced by rename; Put says so rather than pretending")
	require.NoError(t, os.Remove(p))

	// A stored file of the right size that the store cannot read counts
	// as damaged (root reads everything, so only as another user).
	if os.Geteuid() != 0 {
		require.NoError(t, os.WriteFile(p, make([]byte, len(b)), 0o000))
		again, err := s.Put(ctx, bytes.NewReader(b))
		require.NoError(t, err)
		require.True(t, again.Created)
		require.NoError(t, s.Verify(ctx, info.Key))
	}
}

// TestRePutRefreshesAge: putting stored bytes again does not rewrite the
// file (same inode) but sets its modification time to now, so that fsck
// --gc does not see an orphan an import just re-used as old.
func TestRePutRefreshesAge(t *testing.T) {
	s := newStore(t, Options{})
	ctx := context.Background()
	b := blobtest.RandomBytes(10, 10_000)
	info, err := s.Put(ctx, bytes.NewReader(b))
	require.NoError(t, err)
	p := s.Path(info.Key)
	old := time.Now().Add(-48 * time.Hour)
	require.NoError(t, os.Chtimes(p, old, old))
	before, err := os.Stat(p)
	require.NoError(t, err)

	again, err := s.Put(ctx, bytes.NewReader(b))
	require.NoError(t, err)
	require.False(t, again.Created)
	require.WithinDuration(t, time.Now(), again.ModTime, 5*time.Second)
	after, err := os.Stat(p)
	require.NoError(t, err)
	require.True(t, os.SameFile(before, after), "the file was not rewritten")
	require.WithinDuration(t, time.Now(), after.ModTime(), 5*time.Second)
	require.Equal(t, os.FileMode(0o444), after.Mode().Perm())
	require.Zero(t, s.Repaired())
}

// TestNoSpace fills a real filesystem (a small tmpfs): every way Put and
// Health can meet a full disk is reported wrapping sohoa.ErrNoSpace, with
// the system's error still in the chain, and leaves nothing behind.
func TestNoSpace(t *testing.T) {
	ctx := context.Background()
	t.Run("Data", func(t *testing.T) {
		s, err := New(testenv.Tmpfs(t, "size=1m"), Options{})
		require.NoError(t, err)
		_, err = s.Put(ctx, blobtest.Generator(1, 3<<20))
		require.ErrorIs(t, err, sohoa.ErrNoSpace)
		require.ErrorIs(t, err, syscall.ENOSPC)
		require.Equal(t, sohoa.EINTERNAL, sohoa.Code(err))
		t.Log(err)
		entries, err := os.ReadDir(filepath.Join(s.Root(), "tmp"))
		require.NoError(t, err)
		require.Empty(t, entries, "the partial temp file is removed")

		// Space is back: the store works.
		info, err := s.Put(ctx, bytes.NewReader([]byte("small")))
		require.NoError(t, err)
		require.NoError(t, s.Verify(ctx, info.Key))
		require.NoError(t, s.Health(ctx))

		// Full to the last byte: Health says so too.
		f, err := os.Create(filepath.Join(s.Root(), "filler"))
		require.NoError(t, err)
		_, err = io.Copy(f, blobtest.Generator(2, 2<<20))
		require.ErrorIs(t, err, syscall.ENOSPC)
		require.NoError(t, f.Close())
		err = s.Health(ctx)
		require.ErrorIs(t, err, sohoa.ErrNoSpace)
		_, err = s.Put(ctx, bytes.NewReader([]byte("another small one")))
		require.ErrorIs(t, err, sohoa.ErrNoSpace)
		// Put learns the key only after spooling the bytes, so even
		// bytes stored already need room for a moment.
		_, err = s.Put(ctx, bytes.NewReader([]byte("small")))
		require.ErrorIs(t, err, sohoa.ErrNoSpace)
		// Reading is unaffected.
		require.NoError(t, s.Verify(ctx, info.Key))
	})
	t.Run("Inodes", func(t *testing.T) {
		// The root, tmp/, a temp file and one shard level: the second
		// shard directory finds no inode.
		s, err := New(testenv.Tmpfs(t, "size=1m,nr_inodes=4"), Options{})
		require.NoError(t, err)
		_, err = s.Put(ctx, bytes.NewReader([]byte("no inode for my shard")))
		require.ErrorIs(t, err, sohoa.ErrNoSpace)
		require.ErrorIs(t, err, syscall.ENOSPC)
		t.Log(err)
	})
}

func TestNoSpaceClassification(t *testing.T) {
	for _, err := range []error{syscall.ENOSPC, syscall.EDQUOT, &os.PathError{Op: "write", Path: "x", Err: syscall.EDQUOT}} {
		got := noSpace(err)
		require.ErrorIs(t, got, sohoa.ErrNoSpace, "%v", err)
		require.ErrorIs(t, got, err)
		require.Same(t, got, noSpace(got), "wrapped once")
	}
	for _, err := range []error{nil, syscall.EIO, context.Canceled, os.ErrNotExist} {
		require.Equal(t, err, noSpace(err))
	}
}
