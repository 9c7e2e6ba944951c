package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// watchBundle runs Watch in the background and collects its events.
type watchBundle struct {
	dir    string
	mu     sync.Mutex
	events []WatchEvent
	cancel context.CancelFunc
	done   chan error
	scans  atomic.Int64 // scans ended
}

func startWatch(t *testing.T, opts WatchOptions, handle Handler) *watchBundle {
	t.Helper()
	b := &watchBundle{dir: t.TempDir(), done: make(chan error, 1)}
	if opts.PollInterval == 0 {
		opts.PollInterval = 50 * time.Millisecond
	}
	if opts.StableFor == 0 {
		opts.StableFor = 300 * time.Millisecond
	}
	opts.scanned = func() { b.scans.Add(1) }
	opts.Report = func(ev WatchEvent) {
		b.mu.Lock()
		b.events = append(b.events, ev)
		b.mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go func() { b.done <- Watch(ctx, b.dir, opts, handle) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-b.done)
	})
	return b
}

func (b *watchBundle) snapshot() []WatchEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]WatchEvent(nil), b.events...)
}

// waitFor polls until cond holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitScans waits until the watcher has ended n scans that began after
// the call (n+1 ended ones: the scan running at the call may have begun
// before it).
func (b *watchBundle) waitScans(t *testing.T, n int64) {
	t.Helper()
	want := b.scans.Load() + n + 1
	waitFor(t, "the watcher's scans", func() bool { return b.scans.Load() >= want })
}

// waitScansPast waits until a scan began once the watcher's clock was
// past d from now: whatever that clock's stable or retry windows would
// make the watcher do by then, it has done.
func (b *watchBundle) waitScansPast(t *testing.T, clock func() time.Time, d time.Duration) {
	t.Helper()
	until := clock().Add(d)
	waitFor(t, "the watcher's clock", func() bool { return !clock().Before(until) })
	b.waitScans(t, 1)
}

// fakeClock is a watcher clock that moves only when the test says.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestWatchProcessedAndFailed(t *testing.T) {
	for _, noEvents := range []bool{false, true} {
		name := "events+poll"
		if noEvents {
			name = "poll only"
		}
		t.Run(name, func(t *testing.T) {
			// A running clock that started at 01:30 on the 15th in Hà Nội.
			fixed, start := time.Date(2026, 3, 14, 18, 30, 0, 0, time.UTC), time.Now()
			var mu sync.Mutex
			handled := map[string]int{}
			b := startWatch(t, WatchOptions{NoEvents: noEvents, Now: func() time.Time { return fixed.Add(time.Since(start)) }}, func(ctx context.Context, f File) error {
				mu.Lock()
				handled[filepath.Base(f.Path)]++
				mu.Unlock()
				if strings.HasPrefix(filepath.Base(f.Path), "bad") {
					return Permanent(sohoa.Errorf(sohoa.EINVALID, "cannot tell the dossier from the file name %q", filepath.Base(f.Path)))
				}
				return nil
			})
			// An older file of the same name is already in today's folder.
			writeFile(t, b.dir, "processed/2026-03-15/a.pdf", "old")
			writeFile(t, b.dir, "a.pdf", "a")
			writeFile(t, b.dir, "bad.pdf", "b")
			writeFile(t, b.dir, "sub/c.pdf", "c")
			writeFile(t, b.dir, "d.pdf.part", "still downloading")
			writeFile(t, b.dir, ".hidden.pdf", "h")
			writeFile(t, b.dir, "e.pdf~", "backup")

			waitFor(t, "three files filed", func() bool { return len(b.snapshot()) >= 3 })
			// Scans enough to (wrongly) take the temp files once stable.
			b.waitScansPast(t, time.Now, 2*300*time.Millisecond)

			day := filepath.Join(b.dir, "processed", "2026-03-15")
			assert.FileExists(t, filepath.Join(day, "a (2).pdf"), "a name collision gets a suffix")
			assert.FileExists(t, filepath.Join(day, "a.pdf"))
			assert.FileExists(t, filepath.Join(day, "sub", "c.pdf"), "the subfolder path is kept")
			assert.FileExists(t, filepath.Join(b.dir, "failed", "bad.pdf"))
			reason, err := os.ReadFile(filepath.Join(b.dir, "failed", "bad.pdf.error.txt"))
			require.NoError(t, err)
			assert.Contains(t, string(reason), `cannot tell the dossier from the file name "bad.pdf"`)
			assert.NotContains(t, string(reason), "invalid:", "the reason is the message, not the code")
			for _, stays := range []string{"d.pdf.part", ".hidden.pdf", "e.pdf~"} {
				assert.FileExists(t, filepath.Join(b.dir, stays))
			}
			assert.False(t, exists(filepath.Join(b.dir, "a.pdf")))
			mu.Lock()
			assert.Equal(t, map[string]int{"a.pdf": 1, "bad.pdf": 1, "c.pdf": 1}, handled, "each file once; processed/ and failed/ are not rescanned")
			mu.Unlock()

			evs := b.snapshot()
			outcomes := map[string]WatchOutcome{}
			for _, ev := range evs {
				outcomes[filepath.Base(ev.File.Path)] = ev.Outcome
			}
			assert.Equal(t, map[string]WatchOutcome{"a.pdf": Processed, "bad.pdf": Failed, "c.pdf": Processed}, outcomes)
		})
	}
}

func TestWatchWaitsForAStableFile(t *testing.T) {
	const stable = 400 * time.Millisecond
	type seen struct {
		size int64
		at   time.Time
	}
	got := make(chan seen, 4)
	// The watcher's clock moves only when the test says: however loaded
	// the machine, a pause of the writer is what the test makes it.
	clock := &fakeClock{now: time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)}
	b := startWatch(t, WatchOptions{StableFor: stable, Now: clock.Now}, func(ctx context.Context, f File) error {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			return err
		}
		got <- seen{size: int64(len(data)), at: clock.Now()}
		return nil
	})

	// A scanner writing a file slowly: a chunk every 100 ms for 1.5 s,
	// much longer than the poll interval, the watcher looking between
	// chunks.
	path := filepath.Join(b.dir, "000.00.12.G05-261130-0007.1.pdf")
	f, err := os.Create(path)
	require.NoError(t, err)
	chunk := []byte(strings.Repeat("x", 1000))
	for range 15 {
		_, err := f.Write(chunk)
		require.NoError(t, err)
		clock.Advance(100 * time.Millisecond)
		b.waitScans(t, 1)
	}
	require.NoError(t, f.Close())
	lastWrite := clock.Now()
	assert.Empty(t, got, "not taken while it grows")
	clock.Advance(stable - 10*time.Millisecond)
	b.waitScans(t, 2)
	assert.Empty(t, got, "not taken before it was stable for --stable")
	clock.Advance(20 * time.Millisecond)

	select {
	case s := <-got:
		assert.Equal(t, int64(15*len(chunk)), s.size, "the whole file, not a prefix")
		assert.GreaterOrEqual(t, s.at.Sub(lastWrite), stable, "taken only after it was stable")
	case <-time.After(10 * time.Second):
		t.Fatal("the file was never taken")
	}
	waitFor(t, "processed", func() bool { return len(b.snapshot()) == 1 })
	assert.Equal(t, Processed, b.snapshot()[0].Outcome)
	assert.Empty(t, got, "taken once")
}

func TestWatchRetriesTransientFailures(t *testing.T) {
	var mu sync.Mutex
	attempts := 0
	b := startWatch(t, WatchOptions{MaxRetryDelay: 200 * time.Millisecond}, func(ctx context.Context, f File) error {
		mu.Lock()
		defer mu.Unlock()
		attempts++
		if attempts <= 3 {
			// Still where it was while the database is down.
			if !exists(f.Path) {
				return Permanent(errors.New("the file was moved before success"))
			}
			return errors.New("catalog: connection refused")
		}
		return nil
	})
	writeFile(t, b.dir, "x.pdf", "x")
	waitFor(t, "processed after retries", func() bool {
		evs := b.snapshot()
		return len(evs) > 0 && evs[len(evs)-1].Outcome == Processed
	})
	evs := b.snapshot()
	require.Len(t, evs, 4)
	for _, ev := range evs[:3] {
		assert.Equal(t, Retry, ev.Outcome)
		assert.ErrorContains(t, ev.Err, "connection refused")
		assert.Positive(t, ev.RetryIn)
	}
	assert.False(t, exists(filepath.Join(b.dir, "failed")), "a transient failure never goes to failed/")
}

// signedSample is a real signed PDF with three revisions: the scan (ends
// at byte 1726), the signature (32508) and the validation data (41568).
// Cut at 32508 it is a complete, validly signed PDF: what a scanner that
// pauses between revisions leaves for a while.
func signedSample(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "samples", "signed-valid-blt.pdf"))
	require.NoError(t, err)
	return b
}

// handled records what the handler read of each file.
type handled struct {
	mu    sync.Mutex
	bytes map[string][][]byte
}

func (h *handled) handle(ctx context.Context, f File) error {
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.bytes == nil {
		h.bytes = map[string][][]byte{}
	}
	h.bytes[filepath.Base(f.Path)] = append(h.bytes[filepath.Base(f.Path)], data)
	return nil
}

func (h *handled) get(name string) [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.bytes[name]
}

// writeInTwo writes data to path in two parts with a pause between them:
// keepOpen holds the file open for writing during the pause (a scanner
// mid-page), otherwise it is closed and opened again to append (a copy
// that stalled and was resumed).
func writeInTwo(t *testing.T, path string, data []byte, cut int, pause time.Duration, keepOpen bool) chan error {
	done := make(chan error, 1)
	go func() {
		done <- func() error {
			f, err := os.Create(path)
			if err != nil {
				return err
			}
			if _, err := f.Write(data[:cut]); err != nil {
				return err
			}
			if !keepOpen {
				if err := f.Close(); err != nil {
					return err
				}
			}
			time.Sleep(pause)
			if !keepOpen {
				if f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err != nil {
					return err
				}
			}
			if _, err := f.Write(data[cut:]); err != nil {
				return err
			}
			return f.Close()
		}()
	}()
	return done
}

func TestWatchTakesAPausedPDFOnlyWhenWhole(t *testing.T) {
	pdf := signedSample(t)
	for _, tc := range []struct {
		name     string
		cut      int
		keepOpen bool
	}{
		// Half-way through an object: no trailer at the end yet.
		{"half, file closed during the pause", len(pdf) / 2, false},
		// At the end of the signed revision: a complete PDF whose
		// signature verifies; only the writer's open file tells.
		{"at an earlier revision, file open during the pause", 32508, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.keepOpen {
				requireLeases(t)
			}
			const stable = 200 * time.Millisecond
			var h handled
			b := startWatch(t, WatchOptions{StableFor: stable}, h.handle)
			path := filepath.Join(b.dir, "000.00.12.G05-261130-0007.1.pdf")
			// The pause is many times --stable: today's watcher took the
			// first part.
			require.NoError(t, <-writeInTwo(t, path, pdf, tc.cut, 8*stable, tc.keepOpen))
			waitFor(t, "processed", func() bool { return len(b.snapshot()) > 0 })
			b.waitScansPast(t, time.Now, 3*stable)
			got := h.get(filepath.Base(path))
			require.Len(t, got, 1, "taken once")
			assert.Equal(t, len(pdf), len(got[0]), "the whole file, never the part written before the pause")
			evs := b.snapshot()
			require.Len(t, evs, 1)
			assert.Equal(t, Processed, evs[0].Outcome)
			archived, err := os.ReadFile(evs[0].MovedTo)
			require.NoError(t, err)
			assert.Equal(t, pdf, archived, "processed/ holds what was ingested")
		})
	}
}

// requireLeases skips a test that needs the system to tell whether a file
// is open for writing.
func requireLeases(t *testing.T) {
	t.Helper()
	if !leasesWork(t) {
		t.Skip("this system cannot tell whether a file is open for writing (file leases)")
	}
}

func leasesWork(t *testing.T) bool {
	t.Helper()
	p := filepath.Join(t.TempDir(), "probe")
	f, err := os.Create(p)
	require.NoError(t, err)
	busy, known := openForWriting(p)
	require.NoError(t, f.Close())
	if !known {
		return false
	}
	require.True(t, busy)
	busy, _ = openForWriting(p)
	require.False(t, busy)
	return true
}

func TestWatchEmptyFiles(t *testing.T) {
	const stable = 200 * time.Millisecond
	var h handled
	b := startWatch(t, WatchOptions{StableFor: stable, MaxWait: time.Minute}, h.handle)
	// A scanner that creates its file and starts writing later, holding it
	// open meanwhile, is waited for (where the system can tell).
	var scanning *os.File
	if leasesWork(t) {
		f, err := os.Create(filepath.Join(b.dir, "scanning.pdf"))
		require.NoError(t, err)
		scanning = f
	}
	writeFile(t, b.dir, "empty.pdf", "")
	waitFor(t, "the empty file filed", func() bool { return len(b.snapshot()) > 0 })
	evs := b.snapshot()
	require.Len(t, evs, 1)
	assert.Equal(t, Failed, evs[0].Outcome)
	assert.Equal(t, filepath.Join(b.dir, "failed", "empty.pdf"), evs[0].MovedTo)
	reason, err := os.ReadFile(filepath.Join(b.dir, "failed", "empty.pdf.error.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(reason), "the file is empty (0 bytes), and nothing was written to it for 200ms")
	assert.Empty(t, h.get("empty.pdf"), "never handed over")

	if scanning != nil {
		b.waitScansPast(t, time.Now, 3*stable)
		assert.FileExists(t, scanning.Name(), "an empty file still open for writing waits")
		_, err := scanning.Write(signedSample(t))
		require.NoError(t, err)
		require.NoError(t, scanning.Close())
		waitFor(t, "the scan processed", func() bool { return len(b.snapshot()) > 1 })
		assert.Equal(t, Processed, b.snapshot()[1].Outcome)
	}
}

func TestWatchGivesUpOnAnUnfinishedPDF(t *testing.T) {
	const stable, maxWait = 100 * time.Millisecond, time.Second
	var h handled
	b := startWatch(t, WatchOptions{StableFor: stable, MaxWait: maxWait}, h.handle)
	pdf := signedSample(t)
	started := time.Now()
	writeFile(t, b.dir, "cut.pdf", string(pdf[:len(pdf)/2]))
	// Trailing junk after %%EOF is not a finished file either.
	writeFile(t, b.dir, "junk.pdf", string(pdf)+"garbage")
	waitFor(t, "both filed", func() bool { return len(b.snapshot()) == 2 })
	assert.GreaterOrEqual(t, time.Since(started), maxWait, "waited --max-wait")
	for _, name := range []string{"cut.pdf", "junk.pdf"} {
		assert.FileExists(t, filepath.Join(b.dir, "failed", name))
		reason, err := os.ReadFile(filepath.Join(b.dir, "failed", name+".error.txt"))
		require.NoError(t, err)
		assert.Contains(t, string(reason), "the file was not finished after 1s without a change: the PDF does not end with a complete trailer (startxref … %%EOF within its last 1024 bytes)")
		assert.Empty(t, h.get(name), "never handed over")
	}
	for _, ev := range b.snapshot() {
		assert.Equal(t, Failed, ev.Outcome)
	}
}

func TestPDFUnfinished(t *testing.T) {
	dir := t.TempDir()
	pdf := signedSample(t)
	for _, tc := range []struct {
		name, body string
		done       bool
	}{
		{"whole", string(pdf), true},
		{"earlier revision", string(pdf[:32508]), true},
		{"no EOL after %%EOF", strings.TrimRight(string(pdf), "\r\n"), true},
		{"trailing white space", string(pdf) + "\r\n \x00\n", true},
		{"half", string(pdf[:len(pdf)/2]), false},
		{"%%EOF without startxref", string(pdf[:len(pdf)-30]) + "\n%%EOF\n", false},
		{"not a PDF", "hello", true},
		{"short PDF header only", "%PDF-1.7\n", false},
	} {
		p := filepath.Join(dir, "f")
		require.NoError(t, os.WriteFile(p, []byte(tc.body), 0o644))
		why, err := pdfUnfinished(p, int64(len(tc.body)))
		require.NoError(t, err)
		assert.Equal(t, tc.done, why == "", "%s: %q", tc.name, why)
	}
}

// A writer the watcher cannot see (a share without kernel share modes)
// that pauses exactly at the end of the signed revision: that complete PDF
// is taken, and when the writer goes on in processed/, the file is moved
// back and its finished version taken too.
func TestWatchReopensAFileThatGrowsAfterItWasFiled(t *testing.T) {
	saved := writeOpen
	writeOpen = func(string) (bool, bool) { return false, false }
	t.Cleanup(func() { writeOpen = saved })

	const stable = 100 * time.Millisecond
	var h handled
	b := startWatch(t, WatchOptions{StableFor: stable}, h.handle)
	pdf := signedSample(t)
	path := filepath.Join(b.dir, "000.00.12.G05-261130-0007.1.pdf")
	f, err := os.Create(path)
	require.NoError(t, err)
	_, err = f.Write(pdf[:32508])
	require.NoError(t, err)
	waitFor(t, "the first part filed", func() bool { return len(b.snapshot()) == 1 })
	_, err = f.Write(pdf[32508:]) // through the open file, now in processed/
	require.NoError(t, err)
	require.NoError(t, f.Close())
	waitFor(t, "the whole file filed", func() bool { return len(b.snapshot()) == 3 })

	evs := b.snapshot()
	assert.Equal(t, []WatchOutcome{Processed, Reopened, Processed}, []WatchOutcome{evs[0].Outcome, evs[1].Outcome, evs[2].Outcome})
	assert.Equal(t, path, evs[1].MovedTo, "moved back where it was found")
	got := h.get(filepath.Base(path))
	require.Len(t, got, 2)
	assert.Len(t, got[0], 32508)
	assert.Equal(t, pdf, got[1], "the finished file is taken")
	archived, err := os.ReadFile(evs[2].MovedTo)
	require.NoError(t, err)
	assert.Equal(t, pdf, archived)
	entries, err := os.ReadDir(filepath.Dir(evs[2].MovedTo))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "processed/ holds no copy that disagrees with the archive")
}
