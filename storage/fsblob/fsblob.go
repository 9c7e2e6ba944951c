// Package fsblob is the embedded-default sohoa.BlobStore: blobs are files
// under one root directory on the local filesystem, named by their SHA-256.
//
// Layout: <root>/ab/cd/abcd…(64 hex) holds the blob whose key starts with
// "abcd"; two levels of 256 directories keep directories small up to tens of
// millions of blobs. <root>/tmp/ holds uploads in progress; it must be on the
// same filesystem so that the final rename is atomic.
//
// Durability follows the temp-file, fsync, rename, fsync-directory pattern:
// after Put returns, the blob survives a crash, and at no moment is a
// partial file visible under a key. Blob files are made read-only (0444) so
// that a stray tool is less likely to modify evidence in place.
package fsblob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sohoa/sohoa"
)

var _ sohoa.BlobStore = (*Store)(nil)

// Options tune a Store. The zero value is the production default.
type Options struct {
	// VerifyOnRead makes Open re-hash the whole blob before returning it
	// and fail with an error wrapping sohoa.ErrCorrupt on a mismatch. The
	// check is done up front, not at EOF, because the verifier reads PDFs
	// with ReadAt and Seek and may never read a blob to its end. It costs
	// one extra sequential read of the file (which also warms the page
	// cache for the reads that follow).
	VerifyOnRead bool
	// TempMaxAge is how old a file in <root>/tmp must be for New to remove
	// it as debris of a crashed upload. Default 1 hour.
	TempMaxAge time.Duration
	// Logger receives cleanup and durability warnings. Default: discard.
	Logger *slog.Logger
	// Now is the clock used to age temp files. Default time.Now.
	Now func() time.Time
}

// Store is a sohoa.BlobStore on a local directory. It is safe for concurrent
// use, also by several processes sharing the directory.
type Store struct {
	root     string
	tmp      string
	opts     Options
	log      *slog.Logger
	repaired atomic.Int64
}

const (
	tmpDir   = "tmp"
	filePerm = 0o444
	dirPerm  = 0o755
)

// New opens (creating when needed) a store rooted at root and removes temp
// files older than Options.TempMaxAge left by crashed uploads.
func New(root string, opts Options) (*Store, error) {
	if root == "" {
		return nil, sohoa.Errorf(sohoa.EINVALID, "fsblob: empty root directory")
	}
	if opts.TempMaxAge <= 0 {
		opts.TempMaxAge = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("fsblob: root %s: %w", root, err)
	}
	s := &Store{root: abs, tmp: filepath.Join(abs, tmpDir), opts: opts, log: log.With("component", "fsblob", "root", abs)}
	if err := os.MkdirAll(s.tmp, dirPerm); err != nil {
		return nil, fmt.Errorf("fsblob: create %s: %w", s.tmp, err)
	}
	if err := s.cleanTemp(); err != nil {
		return nil, err
	}
	return s, nil
}

// Root returns the absolute root directory.
func (s *Store) Root() string { return s.root }

// Path returns the file that holds (or would hold) key. It does not check
// the key; callers outside tests should not need it.
func (s *Store) Path(key string) string {
	return filepath.Join(s.root, key[0:2], key[2:4], key)
}

func (s *Store) cleanTemp() error {
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return fmt.Errorf("fsblob: read %s: %w", s.tmp, err)
	}
	cutoff := s.opts.Now().Add(-s.opts.TempMaxAge)
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || fi.IsDir() || !fi.ModTime().Before(cutoff) {
			continue
		}
		p := filepath.Join(s.tmp, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("remove stale temp file", "path", p, "err", err)
			continue
		}
		s.log.Info("removed stale temp file", "path", p, "size", fi.Size(), "modified", fi.ModTime())
	}
	return nil
}

// Put implements sohoa.BlobStore. The bytes go to a temp file while being
// hashed; the file is fsynced, made read-only and renamed to its key.
//
// If the key exists already, the stored file is checked (its size, then
// its hash: one sequential read): intact, the temp file is dropped,
// Created is false and the file's modification time is set to now, so
// that fsck --gc sees a blob just put again as young (a second guard
// beside the catalog's gc locks); damaged (bit rot, truncation, unreadable)
// it is replaced by the temp file with the same atomic rename, which works
// on the read-only file, and Created is true. Re-importing the original
// file is thus how a damaged blob is repaired.
//
// A full disk or exhausted quota (ENOSPC, EDQUOT) is reported wrapping
// sohoa.ErrNoSpace.
func (s *Store) Put(ctx context.Context, r io.Reader) (info sohoa.BlobInfo, err error) {
	if err := ctx.Err(); err != nil {
		return info, err
	}
	defer func() { err = noSpace(err) }()
	f, err := os.CreateTemp(s.tmp, "put-*")
	if err != nil {
		return info, fmt.Errorf("fsblob: create temp file: %w", err)
	}
	tmpName := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		if tmpName != "" {
			os.Remove(tmpName)
		}
	}()

	sum, n, err := copyHash(ctx, f, r)
	if err != nil {
		return info, fmt.Errorf("fsblob: put: %w", err)
	}
	key := hex.EncodeToString(sum)
	info = sohoa.BlobInfo{Key: key, Size: n}
	dst := s.Path(key)
	damaged := false
	if fi, err := os.Lstat(dst); err == nil {
		var intact bool
		intact, damaged, err = s.intact(ctx, key, dst, fi, n)
		if err != nil {
			return sohoa.BlobInfo{}, err
		}
		if intact {
			// Nothing to write, and no fsync to pay for.
			info.ModTime = s.touch(dst, fi)
			return info, nil
		}
		// The stored copy is damaged (or just deleted) and we hold the
		// right bytes: put them in its place, atomically, as below.
	}
	if err := f.Chmod(filePerm); err != nil {
		return sohoa.BlobInfo{}, fmt.Errorf("fsblob: chmod temp file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return sohoa.BlobInfo{}, fmt.Errorf("fsblob: fsync temp file: %w", err)
	}
	if err := f.Close(); err != nil {
		f = nil
		return sohoa.BlobInfo{}, fmt.Errorf("fsblob: close temp file: %w", err)
	}
	f = nil
	// Last chance to honour a cancellation: after this the blob is stored.
	if err := ctx.Err(); err != nil {
		return sohoa.BlobInfo{}, err
	}
	dir := filepath.Dir(dst)
	if err := s.mkdirShard(dir); err != nil {
		return sohoa.BlobInfo{}, err
	}
	// Concurrent Puts of the same bytes may both get here; rename is atomic
	// and both files hold identical bytes, so whichever lands last wins
	// harmlessly and both callers report Created.
	if err := rename(tmpName, dst); err != nil {
		return sohoa.BlobInfo{}, fmt.Errorf("fsblob: rename into place: %w", err)
	}
	tmpName = ""
	if err := syncDir(dir); err != nil {
		return sohoa.BlobInfo{}, fmt.Errorf("fsblob: fsync %s: %w", dir, err)
	}
	info.Created, info.Repaired = true, damaged
	if damaged {
		s.repaired.Add(1)
	}
	if fi, err := os.Lstat(dst); err == nil {
		info.ModTime = fi.ModTime().UTC()
	} else {
		info.ModTime = time.Now().UTC()
	}
	return info, nil
}

// intact reports whether the stored file dst (fi) holds the n bytes that
// hash to key, and if not, whether it is damaged (rather than deleted
// since the Lstat). A stored file that cannot be read counts as damaged;
// only a cancelled ctx is an error.
func (s *Store) intact(ctx context.Context, key, dst string, fi fs.FileInfo, n int64) (intact, damaged bool, err error) {
	if !fi.Mode().IsRegular() || fi.Size() != n {
		s.log.Warn("replacing damaged blob", "key", key, "size", fi.Size(), "want", n, "mode", fi.Mode())
		return false, true, nil
	}
	f, err := os.Open(dst)
	if err == nil {
		err = verifyFile(ctx, key, f)
		f.Close()
	}
	switch {
	case err == nil:
		return true, false, nil
	case ctx.Err() != nil:
		return false, false, ctx.Err()
	case errors.Is(err, fs.ErrNotExist):
		return false, false, nil // deleted since the Lstat: store it again
	}
	s.log.Warn("replacing damaged blob", "key", key, "err", err)
	return false, true, nil
}

// touch sets dst's modification time to now and returns it, or fi's when
// that fails (a blob file owned by another user): the age is only a second
// guard, the catalog's gc locks are what keep the blob.
func (s *Store) touch(dst string, fi fs.FileInfo) time.Time {
	now := time.Now()
	if err := os.Chtimes(dst, time.Time{}, now); err != nil {
		s.log.Warn("cannot refresh a re-put blob's modification time", "path", dst, "err", err)
		return fi.ModTime().UTC()
	}
	if fi, err := os.Lstat(dst); err == nil {
		return fi.ModTime().UTC()
	}
	return now.UTC()
}

// Repaired counts the damaged blobs Put has replaced since New.
func (s *Store) Repaired() int64 { return s.repaired.Load() }

// rename moves the temp file over dst. A blob file is read-only, which
// rename does not mind; a shard directory someone made read-only is made
// writable again once.
func rename(tmp, dst string) error {
	err := os.Rename(tmp, dst)
	if errors.Is(err, fs.ErrPermission) {
		dir := filepath.Dir(dst)
		if cerr := os.Chmod(dir, dirPerm); cerr == nil {
			err = os.Rename(tmp, dst)
		}
	}
	return err
}

// noSpace wraps an error of a full filesystem or quota with
// sohoa.ErrNoSpace, keeping the original in the chain.
func noSpace(err error) error {
	if err != nil && isNoSpace(err) && !errors.Is(err, sohoa.ErrNoSpace) {
		return fmt.Errorf("%w: %w", err, sohoa.ErrNoSpace)
	}
	return err
}

// mkdirShard creates root/ab/cd and makes the new directory entries durable
// (fsync of each parent whose contents changed).
func (s *Store) mkdirShard(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	for _, d := range []string{parent, dir} {
		err := os.Mkdir(d, dirPerm)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("fsblob: %w", err) // a *PathError, naming d
		}
		if err == nil {
			if err := syncDir(filepath.Dir(d)); err != nil {
				return fmt.Errorf("fsblob: fsync %s: %w", filepath.Dir(d), err)
			}
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// reader is the BlobReader: an *os.File that also knows its size.
type reader struct {
	*os.File
	size int64
}

func (r *reader) Size() int64 { return r.size }

// Open implements sohoa.BlobStore. The reader is an *os.File; with
// Options.VerifyOnRead the blob is re-hashed first.
func (s *Store) Open(ctx context.Context, key string) (sohoa.BlobReader, error) {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.Path(key))
	if err != nil {
		return nil, s.pathErr(key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fsblob: stat %s: %w", key, err)
	}
	if s.opts.VerifyOnRead {
		if err := verifyFile(ctx, key, f); err != nil {
			f.Close()
			return nil, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("fsblob: rewind %s: %w", key, err)
		}
	}
	return &reader{File: f, size: fi.Size()}, nil
}

// Stat implements sohoa.BlobStore.
func (s *Store) Stat(ctx context.Context, key string) (sohoa.BlobInfo, error) {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return sohoa.BlobInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return sohoa.BlobInfo{}, err
	}
	fi, err := os.Lstat(s.Path(key))
	if err != nil {
		return sohoa.BlobInfo{}, s.pathErr(key, err)
	}
	return sohoa.BlobInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime().UTC()}, nil
}

// Delete implements sohoa.BlobStore.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := s.Path(key)
	if err := os.Remove(p); err != nil {
		return s.pathErr(key, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("fsblob: fsync %s: %w", filepath.Dir(p), err)
	}
	return nil
}

// List implements sohoa.BlobStore, in key order. Files whose names are not
// keys, or that sit in the wrong shard, are skipped: they are not blobs.
func (s *Store) List(ctx context.Context, fn func(sohoa.BlobInfo) error) error {
	l1, err := readDirNames(s.root)
	if err != nil {
		return fmt.Errorf("fsblob: list: %w", err)
	}
	for _, a := range l1 {
		if !isShard(a) {
			continue
		}
		l2, err := readDirNames(filepath.Join(s.root, a))
		if err != nil {
			return fmt.Errorf("fsblob: list: %w", err)
		}
		for _, b := range l2 {
			if !isShard(b) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			dir := filepath.Join(s.root, a, b)
			entries, err := os.ReadDir(dir)
			if err != nil {
				return fmt.Errorf("fsblob: list: %w", err)
			}
			for _, e := range entries {
				key := e.Name()
				if !e.Type().IsRegular() || !sohoa.ValidBlobKey(key) || key[0:2] != a || key[2:4] != b {
					continue
				}
				fi, err := e.Info()
				if errors.Is(err, fs.ErrNotExist) {
					continue // deleted while we walked
				}
				if err != nil {
					return fmt.Errorf("fsblob: list: %w", err)
				}
				if err := fn(sohoa.BlobInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime().UTC()}); err != nil {
					return err
				}
			}
		}
	}
	return ctx.Err()
}

func isShard(name string) bool {
	return len(name) == 2 && sohoa.ValidBlobKey(strings.Repeat(name, 32))
}

func readDirNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// Verify implements sohoa.BlobStore.
func (s *Store) Verify(ctx context.Context, key string) error {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return err
	}
	f, err := os.Open(s.Path(key))
	if err != nil {
		return s.pathErr(key, err)
	}
	defer f.Close()
	return verifyFile(ctx, key, f)
}

func verifyFile(ctx context.Context, key string, f *os.File) error {
	h := sha256.New()
	buf := getBuf()
	defer putBuf(buf)
	if _, err := io.CopyBuffer(h, &ctxReader{ctx: ctx, r: f}, *buf); err != nil {
		return fmt.Errorf("fsblob: verify %s: %w", key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != key {
		return fmt.Errorf("fsblob: blob %s hashes to %s: %w", key, got, sohoa.ErrCorrupt)
	}
	return nil
}

// Health implements sohoa.BlobStore: it writes, syncs and removes a small
// file in the temp directory, which catches a full (sohoa.ErrNoSpace) or
// read-only disk.
func (s *Store) Health(ctx context.Context) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer func() { err = noSpace(err) }()
	f, err := os.CreateTemp(s.tmp, "health-*")
	if err != nil {
		return fmt.Errorf("fsblob: health: %w", err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, werr := f.Write([]byte("ok"))
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("fsblob: health: %w", err)
	}
	return nil
}

func (s *Store) pathErr(key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fsblob: %w", sohoa.Errorf(sohoa.ENOTFOUND, "blob %s not found", key))
	}
	return fmt.Errorf("fsblob: blob %s: %w", key, err)
}

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

const bufSize = 1 << 20

var bufPool = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

func getBuf() *[]byte  { return bufPool.Get().(*[]byte) }
func putBuf(b *[]byte) { bufPool.Put(b) }
