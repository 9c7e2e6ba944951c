// Package blobtest is the conformance suite every sohoa.BlobStore must pass
// (storage/fsblob, storage/s3blob), in the style of Go CDK's drivertest: the
// contract in DESIGN.md (content addressing, no partial blobs, bounded
// memory, random access, error codes) is written down once, here, and each
// adapter runs it from its own tests against a real backend.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// LargeSize is the size of the object the bounded-memory test streams.
const LargeSize = 64 << 20

// MaxHeapGrowth is how much the live heap may grow while LargeSize bytes are
// streamed through Put. Half the object: a store that buffers the whole
// object fails, one that holds a few parts in memory passes.
const MaxHeapGrowth = LargeSize / 2

// RunConformance runs the suite. newStore must return an empty store that
// the test may fill (a fresh directory or bucket per call); it is called
// once per subtest. corrupt must change the stored bytes of key behind the
// store's back, keeping the object readable and its size, so that Verify
// can catch it and Put of the original bytes must repair it.
//
// The bounded-memory test reads process-wide heap statistics: do not run
// RunConformance in parallel with other tests of the same binary.
func RunConformance(t *testing.T, newStore func(t *testing.T) sohoa.BlobStore, corrupt func(t *testing.T, key string)) {
	t.Helper()
	// The memory test runs first and alone: heap statistics are process-wide.
	t.Run("LargeStreamBoundedMemory", func(t *testing.T) { testLargeStream(t, newStore(t)) })
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore(t)) })
	t.Run("PutSameBytesTwice", func(t *testing.T) { testPutTwice(t, newStore(t)) })
	t.Run("ConcurrentSameContent", func(t *testing.T) { testConcurrentSame(t, newStore(t)) })
	t.Run("ConcurrentDifferentContent", func(t *testing.T) { testConcurrentDifferent(t, newStore(t)) })
	t.Run("RangedReads", func(t *testing.T) { testRangedReads(t, newStore(t)) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, newStore(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, newStore(t)) })
	t.Run("CancelledUpload", func(t *testing.T) { testCancelled(t, newStore(t)) })
	t.Run("FailingReader", func(t *testing.T) { testFailingReader(t, newStore(t)) })
	t.Run("Corrupted", func(t *testing.T) { testCorrupted(t, newStore(t), corrupt) })
	t.Run("RepairByPut", func(t *testing.T) { testRepair(t, newStore(t), corrupt) })
	t.Run("InvalidKey", func(t *testing.T) { testInvalidKey(t, newStore(t)) })
	t.Run("List", func(t *testing.T) { testList(t, newStore(t)) })
	t.Run("Health", func(t *testing.T) {
		require.NoError(t, newStore(t).Health(context.Background()))
	})
}

// Key returns the blob key of b.
func Key(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// RandomBytes returns n pseudo-random bytes derived from seed.
func RandomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	_, _ = Generator(seed, int64(n)).Read(b)
	return b
}

// Generator returns a reader of n pseudo-random bytes derived from seed that
// holds nothing in memory, so a test can stream large objects.
func Generator(seed uint64, n int64) io.Reader {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return io.LimitReader(rand.NewChaCha8(s), n)
}

func requireCode(t *testing.T, want sohoa.ErrorCode, err error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Equal(t, want, sohoa.Code(err), append([]any{"error: %v"}, err)...)
}

func putBytes(t *testing.T, s sohoa.BlobStore, b []byte) sohoa.BlobInfo {
	t.Helper()
	info, err := s.Put(context.Background(), bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, Key(b), info.Key)
	require.Equal(t, int64(len(b)), info.Size)
	return info
}

func readAll(t *testing.T, s sohoa.BlobStore, key string) []byte {
	t.Helper()
	r, err := s.Open(context.Background(), key)
	require.NoError(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, int64(len(b)), r.Size())
	return b
}

func listAll(t *testing.T, s sohoa.BlobStore) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	err := s.List(context.Background(), func(bi sohoa.BlobInfo) error {
		require.True(t, sohoa.ValidBlobKey(bi.Key), "List gave key %q", bi.Key)
		_, dup := got[bi.Key]
		require.False(t, dup, "List gave %s twice", bi.Key)
		got[bi.Key] = bi.Size
		return nil
	})
	require.NoError(t, err)
	return got
}

func testRoundTrip(t *testing.T, s sohoa.BlobStore) {
	ctx := context.Background()
	for i, n := range []int{0, 1, 100_000, 1<<20 + 3} {
		b := RandomBytes(uint64(i)+1, n)
		before := time.Now().Add(-time.Minute)
		info := putBytes(t, s, b)
		require.True(t, info.Created, "first Put of %d bytes", n)
		require.False(t, info.Repaired, "a first Put repairs nothing")
		require.WithinRange(t, info.ModTime, before, time.Now().Add(time.Minute))

		st, err := s.Stat(ctx, info.Key)
		require.NoError(t, err)
		require.Equal(t, info.Key, st.Key)
		require.Equal(t, int64(n), st.Size)
		require.False(t, st.Created, "Stat never reports Created")
		require.False(t, st.ModTime.IsZero())

		require.True(t, bytes.Equal(b, readAll(t, s, info.Key)), "bytes of the %d-byte blob differ", n)
		require.NoError(t, s.Verify(ctx, info.Key))
	}
}

func testPutTwice(t *testing.T, s sohoa.BlobStore) {
	ctx := context.Background()
	b := RandomBytes(7, 300_000)
	first := putBytes(t, s, b)
	require.True(t, first.Created)
	st1, err := s.Stat(ctx, first.Key)
	require.NoError(t, err)

	time.Sleep(1100 * time.Millisecond) // S3 LastModified has second resolution
	second := putBytes(t, s, b)
	require.False(t, second.Created, "second Put of the same bytes must not create")
	require.Equal(t, first.Key, second.Key)
	st2, err := s.Stat(ctx, first.Key)
	require.NoError(t, err)
	// A store may refresh the blob's age (fsblob does, so that fsck --gc
	// sees it as young), but never makes it older; Put reports the time
	// Stat then reports.
	require.False(t, st2.ModTime.Before(st1.ModTime), "mod time went back: %v then %v", st1.ModTime, st2.ModTime)
	require.True(t, second.ModTime.Equal(st2.ModTime), "Put says %v, Stat %v", second.ModTime, st2.ModTime)
	require.Equal(t, map[string]int64{first.Key: int64(len(b))}, listAll(t, s))
	require.True(t, bytes.Equal(b, readAll(t, s, first.Key)))
}

// Repairer is implemented by stores that count the damaged blobs Put has
// replaced.
type Repairer interface {
	Repaired() int64
}

// testRepair: a blob damaged at rest (same size, one byte changed) is
// repaired by putting the original bytes again, small or large.
func testRepair(t *testing.T, s sohoa.BlobStore, corrupt func(t *testing.T, key string)) {
	ctx := context.Background()
	var repaired int64
	for i, n := range []int{200_000, 6<<20 + 5} { // one S3 PUT; multipart and copy
		b := RandomBytes(uint64(40+i), n)
		putBytes(t, s, b)
		corrupt(t, Key(b))
		require.ErrorIs(t, s.Verify(ctx, Key(b)), sohoa.ErrCorrupt)

		again := putBytes(t, s, b)
		require.True(t, again.Created, "Put of the original bytes over a damaged blob of %d bytes stores them", n)
		require.True(t, again.Repaired, "and says it repaired the blob")
		require.NoError(t, s.Verify(ctx, Key(b)), "repaired")
		require.True(t, bytes.Equal(b, readAll(t, s, Key(b))))
		repaired++
		if r, ok := s.(Repairer); ok {
			require.Equal(t, repaired, r.Repaired())
		}

		third := putBytes(t, s, b)
		require.False(t, third.Created, "an intact blob is not rewritten")
		require.False(t, third.Repaired)
	}
	require.Len(t, listAll(t, s), 2)
}

func testConcurrentSame(t *testing.T, s sohoa.BlobStore) {
	ctx := context.Background()
	for _, n := range []int{50_000, 6 << 20} {
		b := RandomBytes(uint64(n), n)
		const workers = 16
		infos := make([]sohoa.BlobInfo, workers)
		errs := make([]error, workers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range workers {
			wg.Go(func() {
				<-start
				infos[i], errs[i] = s.Put(ctx, bytes.NewReader(b))
			})
		}
		close(start)
		wg.Wait()
		created := 0
		for i := range workers {
			require.NoError(t, errs[i], "worker %d", i)
			require.Equal(t, Key(b), infos[i].Key)
			require.Equal(t, int64(n), infos[i].Size)
			if infos[i].Created {
				created++
			}
		}
		require.GreaterOrEqual(t, created, 1, "one of the concurrent Puts stored the bytes")
		require.True(t, bytes.Equal(b, readAll(t, s, Key(b))))
		require.NoError(t, s.Verify(ctx, Key(b)))
	}
	require.Len(t, listAll(t, s), 2)
}

func testConcurrentDifferent(t *testing.T, s sohoa.BlobStore) {
	ctx := context.Background()
	const workers = 16
	contents := make([][]byte, workers)
	for i := range contents {
		n := 10_000 + i*37_000
		if i%4 == 0 {
			n = 6<<20 + i // past one S3 part
		}
		contents[i] = RandomBytes(uint64(1000+i), n)
	}
	errs := make([]error, workers)
	infos := make([]sohoa.BlobInfo, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { infos[i], errs[i] = s.Put(ctx, bytes.NewReader(contents[i])) })
	}
	wg.Wait()
	want := map[string]int64{}
	for i := range workers {
		require.NoError(t, errs[i])
		require.True(t, infos[i].Created)
		require.Equal(t, Key(contents[i]), infos[i].Key)
		want[infos[i].Key] = int64(len(contents[i]))
	}
	require.Equal(t, want, listAll(t, s))
	for i := range workers {
		require.True(t, bytes.Equal(contents[i], readAll(t, s, infos[i].Key)))
	}
}

// peakHeapGrowth runs f and returns how far HeapInuse rose above what it was
// before. The GC runs eagerly meanwhile, so garbage does not count as growth
// and only memory f keeps alive does.
func peakHeapGrowth(f func()) uint64 {
	old := debug.SetGCPercent(5)
	defer debug.SetGCPercent(old)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	peak.Store(base)
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	f()
	close(done)
	<-sampled
	runtime.ReadMemStats(&ms)
	p := max(peak.Load(), ms.HeapInuse)
	if p < base {
		return 0
	}
	return p - base
}

func testLargeStream(t *testing.T, s sohoa.BlobStore) {
	if testing.Short() {
		t.Skip("streams 64 MiB; skipped with -short")
	}
	ctx := context.Background()
	h := sha256.New()
	_, err := io.Copy(h, Generator(64, LargeSize))
	require.NoError(t, err)
	wantKey := hex.EncodeToString(h.Sum(nil))

	var info sohoa.BlobInfo
	var perr error
	start := time.Now()
	growth := peakHeapGrowth(func() { info, perr = s.Put(ctx, Generator(64, LargeSize)) })
	t.Logf("Put of %d MiB: %v, peak heap growth %.1f MiB (limit %d MiB)",
		LargeSize>>20, time.Since(start).Round(time.Millisecond), float64(growth)/(1<<20), MaxHeapGrowth>>20)
	require.NoError(t, perr)
	require.Equal(t, wantKey, info.Key)
	require.Equal(t, int64(LargeSize), info.Size)
	require.True(t, info.Created)
	require.Less(t, growth, uint64(MaxHeapGrowth), "Put appears to buffer the object in memory")

	r, err := s.Open(ctx, info.Key)
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, int64(LargeSize), r.Size())
	h.Reset()
	n, err := io.Copy(h, r)
	require.NoError(t, err)
	require.Equal(t, int64(LargeSize), n)
	require.Equal(t, wantKey, hex.EncodeToString(h.Sum(nil)))
	require.NoError(t, s.Verify(ctx, info.Key))
}

func testRangedReads(t *testing.T, s sohoa.BlobStore) {
	ctx := context.Background()
	b := RandomBytes(99, 3<<20+17)
	info := putBytes(t, s, b)
	r, err := s.Open(ctx, info.Key)
	require.NoError(t, err)
	defer r.Close()
	size := int64(len(b))
	require.Equal(t, size, r.Size())

	for _, c := range []struct{ off, n int64 }{
		{0, 10}, {size - 10, 10}, {1 << 20, 4096}, {12345, 1 << 20}, {size / 2, 1},
	} {
		p := make([]byte, c.n)
		n, err := r.ReadAt(p, c.off)
		if c.off+c.n == size && errors.Is(err, io.EOF) {
			err = nil // io.ReaderAt allows EOF with a full read at the end
		}
		require.NoError(t, err, "ReadAt(%d, %d)", c.off, c.n)
		require.Equal(t, int(c.n), n)
		require.True(t, bytes.Equal(b[c.off:c.off+c.n], p), "ReadAt(%d, %d) bytes", c.off, c.n)
	}
	// Reading across the end returns the tail and io.EOF (io.ReaderAt).
	p := make([]byte, 100)
	n, err := r.ReadAt(p, size-40)
	require.Equal(t, 40, n)
	require.ErrorIs(t, err, io.EOF)
	require.True(t, bytes.Equal(b[size-40:], p[:40]))

	pos, err := r.Seek(-1000, io.SeekEnd)
	require.NoError(t, err)
	require.Equal(t, size-1000, pos)
	tail, err := io.ReadAll(r)
	require.NoError(t, err)
	require.True(t, bytes.Equal(b[size-1000:], tail))

	pos, err = r.Seek(5000, io.SeekStart)
	require.NoError(t, err)
	require.Equal(t, int64(5000), pos)
	pos, err = r.Seek(100, io.SeekCurrent)
	require.NoError(t, err)
	require.Equal(t, int64(5100), pos)
	p = make([]byte, 200)
	_, err = io.ReadFull(r, p)
	require.NoError(t, err)
	require.True(t, bytes.Equal(b[5100:5300], p))
}

func testNotFound(t *testing.T, s sohoa.BlobStore) {
	ctx := context.Background()
	key := Key([]byte("never stored"))
	_, err := s.Open(ctx, key)
	requireCode(t, sohoa.ENOTFOUND, err, "Open")
	_, err = s.Stat(ctx, key)
	requireCode(t, sohoa.ENOTFOUND, err, "Stat")
	requireCode(t, sohoa.ENOTFOUND, s.Delete(ctx, key), "Delete")
	requireCode(t, sohoa.ENOTFOUND, s.Verify(ctx, key), "Verify")
}

func testDelete(t *testing.T, s sohoa.BlobStore) {
	ctx := context.Background()
	a, b := RandomBytes(1, 1000), RandomBytes(2, 2000)
	ia, ib := putBytes(t, s, a), putBytes(t, s, b)
	require.NoError(t, s.Delete(ctx, ia.Key))
	_, err := s.Stat(ctx, ia.Key)
	requireCode(t, sohoa.ENOTFOUND, err)
	_, err = s.Open(ctx, ia.Key)
	requireCode(t, sohoa.ENOTFOUND, err)
	requireCode(t, sohoa.ENOTFOUND, s.Delete(ctx, ia.Key), "second Delete")
	require.Equal(t, map[string]int64{ib.Key: 2000}, listAll(t, s))

	again := putBytes(t, s, a)
	require.True(t, again.Created, "Put after Delete stores the bytes again")
	require.True(t, bytes.Equal(a, readAll(t, s, ia.Key)))
}

// cancellingReader cancels its context once it has handed out after bytes,
// the way a client that hangs up mid-upload does.
type cancellingReader struct {
	r      io.Reader
	after  int64
	read   int64
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.read >= c.after {
		c.cancel()
		// Give a store that checks the context only between network
		// round trips a chance to notice.
		time.Sleep(time.Millisecond)
	}
	// Small reads, like a network peer's, so the cancel lands mid-stream.
	n, err := c.r.Read(p[:min(len(p), 32<<10)])
	c.read += int64(n)
	return n, err
}

func testCancelled(t *testing.T, s sohoa.BlobStore) {
	for _, n := range []int64{256 << 10, 20 << 20} {
		ctx, cancel := context.WithCancel(context.Background())
		r := &cancellingReader{r: Generator(uint64(n), n), after: n / 2, cancel: cancel}
		_, err := s.Put(ctx, r)
		cancel()
		require.Error(t, err, "Put of %d bytes whose context was cancelled halfway", n)
		require.ErrorIs(t, err, context.Canceled)

		all, err := io.ReadAll(Generator(uint64(n), n))
		require.NoError(t, err)
		_, err = s.Stat(context.Background(), Key(all))
		requireCode(t, sohoa.ENOTFOUND, err)
	}
	require.Empty(t, listAll(t, s), "a cancelled Put left a blob")
}

var errReader = errors.New("scanner unplugged")

type failingReader struct {
	r     io.Reader
	after int64
	read  int64
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.read >= f.after {
		return 0, errReader
	}
	p = p[:min(int64(len(p)), f.after-f.read)]
	n, err := f.r.Read(p)
	f.read += int64(n)
	return n, err
}

func testFailingReader(t *testing.T, s sohoa.BlobStore) {
	for _, n := range []int64{100_000, 12 << 20} {
		_, err := s.Put(context.Background(), &failingReader{r: Generator(3, 1<<30), after: n})
		require.ErrorIs(t, err, errReader)
	}
	require.Empty(t, listAll(t, s), "a failed Put left a blob")
	require.NoError(t, s.Health(context.Background()))
}

func testCorrupted(t *testing.T, s sohoa.BlobStore, corrupt func(t *testing.T, key string)) {
	ctx := context.Background()
	good := putBytes(t, s, RandomBytes(11, 200_000))
	bad := putBytes(t, s, RandomBytes(12, 200_000))
	corrupt(t, bad.Key)

	require.NoError(t, s.Verify(ctx, good.Key))
	err := s.Verify(ctx, bad.Key)
	require.ErrorIs(t, err, sohoa.ErrCorrupt)
	require.Equal(t, sohoa.EINTERNAL, sohoa.Code(err))
	require.Contains(t, err.Error(), bad.Key, "the error names the blob")
}

func testInvalidKey(t *testing.T, s sohoa.BlobStore) {
	ctx := context.Background()
	valid := Key([]byte("x"))
	for _, key := range []string{
		"",
		"abc",
		valid[:63],
		valid + "0",
		"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", // upper case
		"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"../../../../../../../../../../../../../../../../../../etc/passwd",
		"ab/cd/" + valid[:58],
	} {
		_, err := s.Open(ctx, key)
		requireCode(t, sohoa.EINVALID, err, "Open(%q)", key)
		_, err = s.Stat(ctx, key)
		requireCode(t, sohoa.EINVALID, err, "Stat(%q)", key)
		requireCode(t, sohoa.EINVALID, s.Delete(ctx, key), "Delete(%q)", key)
		requireCode(t, sohoa.EINVALID, s.Verify(ctx, key), "Verify(%q)", key)
	}
}

func testList(t *testing.T, s sohoa.BlobStore) {
	ctx := context.Background()
	require.Empty(t, listAll(t, s))
	want := map[string]int64{}
	for i := range 25 {
		b := RandomBytes(uint64(500+i), 100*i)
		want[putBytes(t, s, b).Key] = int64(len(b))
	}
	require.Equal(t, want, listAll(t, s))

	var seen []string
	err := s.List(ctx, func(bi sohoa.BlobInfo) error {
		require.False(t, bi.ModTime.IsZero())
		seen = append(seen, bi.Key)
		if len(seen) == 3 {
			return errStop
		}
		return nil
	})
	require.ErrorIs(t, err, errStop, "List returns the callback's error")
	require.Len(t, seen, 3)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err = s.List(cctx, func(sohoa.BlobInfo) error { return nil })
	require.ErrorIs(t, err, context.Canceled, "List honours its context")
}

var errStop = fmt.Errorf("stop here")
