package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestWatchProcessedAndFailed(t *testing.T) {
	for _, noEvents := range []bool{false, true} {
		name := "events+poll"
		if noEvents {
			name = "poll only"
		}
		t.Run(name, func(t *testing.T) {
			fixed := time.Date(2026, 3, 14, 18, 30, 0, 0, time.UTC) // 01:30 on the 15th in Hà Nội
			var mu sync.Mutex
			handled := map[string]int{}
			b := startWatch(t, WatchOptions{NoEvents: noEvents, Now: func() time.Time { return fixed }}, func(ctx context.Context, f File) error {
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
			time.Sleep(400 * time.Millisecond) // time enough to (wrongly) take the temp files

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
	b := startWatch(t, WatchOptions{StableFor: stable}, func(ctx context.Context, f File) error {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			return err
		}
		got <- seen{size: int64(len(data)), at: time.Now()}
		return nil
	})

	// A scanner writing a file slowly: a chunk every 100 ms for 1.5 s,
	// much longer than the poll interval and than the stable delay
	// between chunks would allow if events alone decided.
	path := filepath.Join(b.dir, "000.00.12.G05-261130-0007.1.pdf")
	f, err := os.Create(path)
	require.NoError(t, err)
	chunk := []byte(strings.Repeat("x", 1000))
	var lastWrite time.Time
	for range 15 {
		_, err := f.Write(chunk)
		require.NoError(t, err)
		lastWrite = time.Now()
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(t, f.Close())

	select {
	case s := <-got:
		assert.Equal(t, int64(15*len(chunk)), s.size, "the whole file, not a prefix")
		// lastWrite is read after the write returned, so the watcher's own
		// clock may start its stable window a little earlier; allow for that
		// scheduling slack, never for taking a file that is still growing.
		assert.GreaterOrEqual(t, s.at.Sub(lastWrite), stable-stable/4, "taken only after it was stable")
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
