package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/sohoa/sohoa"
)

// Defaults of WatchOptions.
const (
	DefaultPollInterval  = 2 * time.Second
	DefaultStableFor     = 5 * time.Second
	DefaultMaxRetryDelay = time.Minute
	DefaultMaxWait       = 10 * time.Minute
)

// WatchOptions configure Watch.
type WatchOptions struct {
	// PollInterval is how often the folder is scanned even without file
	// system events (network shares never send them); 0 means
	// DefaultPollInterval.
	PollInterval time.Duration
	// StableFor is how long a file's size and modification time must stay
	// unchanged, as observed by the watcher, before it is taken; 0 means
	// DefaultStableFor. Set it above the longest pause of the slowest
	// scanner writing to the folder.
	StableFor time.Duration
	// MaxWait is how long a file that has stopped changing may stay
	// unfinished (a PDF without its final trailer, a file another program
	// still has open for writing, an empty file another program holds
	// open) before it goes to failed/ with the reason; 0 means
	// DefaultMaxWait.
	MaxWait time.Duration
	// MaxRetryDelay caps the back-off between attempts at a file whose
	// handling failed transiently; 0 means DefaultMaxRetryDelay.
	MaxRetryDelay time.Duration
	// Now is the watcher's clock: it times stability, waits and retries,
	// and names the processed/YYYY-MM-DD folder (the local date in
	// Asia/Ho_Chi_Minh); nil means time.Now (whose monotonic reading keeps
	// stability immune to wall-clock jumps). A test's clock must advance.
	Now    func() time.Time
	Logger *slog.Logger
	// Report, if set, is told what happened to each file taken.
	Report func(WatchEvent)
	// NoEvents turns fsnotify off, leaving polling alone (tests; file
	// systems whose events misbehave).
	NoEvents bool

	// scanned, in tests, is told when a scan has ended, so that a test
	// waits for scans rather than sleeping.
	scanned func()
}

// WatchOutcome is what the watcher did with a file.
type WatchOutcome string

const (
	// Processed: handled, moved to processed/YYYY-MM-DD/.
	Processed WatchOutcome = "processed"
	// Failed: a permanent failure (the handler's, or the watcher's: an
	// empty file, a file never finished within MaxWait); moved to failed/
	// with a .error.txt.
	Failed WatchOutcome = "failed"
	// Retry: a transient failure; the file stays and is tried again.
	Retry WatchOutcome = "retry"
	// Reopened: a file filed in processed/ changed there within MaxWait
	// (its writer was not done, and the watcher could not see it): moved
	// back to where it was found (MovedTo), to be taken again once
	// finished.
	Reopened WatchOutcome = "reopened"
)

// WatchEvent reports one attempt at a file.
type WatchEvent struct {
	File    File
	Outcome WatchOutcome
	// MovedTo is the file's new path (Processed, Failed); empty when the
	// move itself failed (Err says why) or for Retry.
	MovedTo string
	Err     error
	// RetryIn is the delay before the next attempt (Retry).
	RetryIn time.Duration
}

// Handler ingests one file. It returns nil only once the file's bytes
// and catalog row are durable: the watcher moves the original right
// after. An error marked Permanent (or carrying a request error code, see
// IsPermanent) sends the file to failed/; any other error leaves it in
// place to be retried.
type Handler func(ctx context.Context, f File) error

// pending is what the watcher knows about a file not yet taken.
type pending struct {
	size    int64
	mtime   time.Time
	since   time.Time // when (monotonic) this size and mtime were first seen
	next    time.Time // not before (back-off after a transient failure)
	backoff time.Duration
	// unfinished is why this version cannot be taken yet (checked once
	// per version: the bytes of a version do not change); said is set once
	// it was logged.
	checked    bool
	unfinished string
	said       bool
}

// filedFile is a file moved to processed/, watched for MaxWait in case
// its writer goes on writing to it there.
type filedFile struct {
	orig  string // where it was found
	size  int64
	mtime time.Time
	until time.Time
}

// writeOpen is openForWriting; tests replace it to play a writer the
// system cannot see.
var writeOpen = openForWriting

type watcher struct {
	dir   string
	opts  WatchOptions
	log   *slog.Logger
	files map[string]*pending   // by absolute path
	filed map[string]*filedFile // by path in processed/
	fsw   *fsnotify.Watcher
	dirs  map[string]bool // directories given to fsw
}

// Watch runs the hot folder on dir until ctx ends, then returns nil (or
// the error that kept it from starting). Files are found by file system
// events where they arrive and by polling every PollInterval regardless;
// subfolders are watched too, except hidden ones and processed/ and
// failed/. A file is handed to handle once it has kept its size and
// modification time for StableFor, and then only when it looks finished:
// no program has it open for writing (where the system can tell, see
// openForWriting), and a PDF (a %PDF- header in its first KiB) ends with
// a complete trailer (startxref N %%EOF, then only white space, in its
// last KiB). A stable file that does not look finished waits, up to
// MaxWait without a change, then goes to failed/; so does an empty file
// once it has been stable (unless a program still holds it open for
// writing: scanners create the file first). Files with a temporary name
// are never taken (see Skipped).
//
// After handle succeeds the file moves to processed/YYYY-MM-DD/ (its
// subfolder path kept), and for MaxWait after that a change to it there
// (a writer the watcher could not see went on) moves it back to be taken
// again (Reopened); after a permanent failure to failed/, with
// <name>.error.txt beside it giving the reason; a name already taken
// there gets a " (2)", " (3)", … suffix. After a transient failure (the
// database or the blob store is down) it stays where it is and is tried
// again with a growing delay. Files are handled one at a time. Moves use
// os.Rename, so processed/ and failed/ are inside dir, on its file system.
func Watch(ctx context.Context, dir string, opts WatchOptions, handle Handler) error {
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.StableFor <= 0 {
		opts.StableFor = DefaultStableFor
	}
	if opts.MaxRetryDelay <= 0 {
		opts.MaxRetryDelay = DefaultMaxRetryDelay
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = DefaultMaxWait
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("hot folder: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("hot folder %s is not a directory", dir)
	}
	w := &watcher{dir: abs, opts: opts, log: opts.Logger.With("component", "watch", "dir", abs), files: map[string]*pending{}, filed: map[string]*filedFile{}, dirs: map[string]bool{}}

	var events <-chan fsnotify.Event
	var errs <-chan error
	if !opts.NoEvents {
		if fsw, err := fsnotify.NewWatcher(); err != nil {
			w.log.Warn("file system events unavailable; polling only", "err", err)
		} else {
			defer fsw.Close()
			w.fsw = fsw
			events, errs = fsw.Events, fsw.Errors
		}
	}

	timer := time.NewTimer(0)
	defer timer.Stop()
	wake := opts.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				delete(w.dirs, ev.Name) // re-added if it comes back
			}
			// An event only says "look soon"; whether a file is ready is
			// decided by the scan. Writes arrive in bursts, so wait a
			// little for the burst to end.
			if ev.Has(fsnotify.Create) || ev.Has(fsnotify.Write) || ev.Has(fsnotify.Rename) {
				if soon := opts.Now().Add(100 * time.Millisecond); soon.Before(wake) {
					wake = soon
					resetTimer(timer, wake.Sub(opts.Now()))
				}
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			// An overflowed event queue loses events, not files: the
			// next poll finds them.
			w.log.Warn("file system events", "err", err)
		case <-timer.C:
			next := w.scan(ctx, handle)
			if opts.scanned != nil {
				opts.scanned()
			}
			wake = next
			resetTimer(timer, next.Sub(opts.Now()))
		}
	}
}

func resetTimer(t *time.Timer, d time.Duration) {
	t.Stop()
	select {
	case <-t.C:
	default:
	}
	t.Reset(max(d, 0))
}

// scan looks at every file once, takes the ready ones, and returns when it
// wants to look again.
func (w *watcher) scan(ctx context.Context, handle Handler) time.Time {
	w.reopen()
	now := w.opts.Now()
	next := now.Add(w.opts.PollInterval)
	seen := map[string]bool{}
	var ready []File
	type failed struct {
		f   File
		why string
	}
	var failing []failed
	err := filepath.WalkDir(w.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == w.dir {
				return err
			}
			w.log.Warn("cannot read", "path", p, "err", err)
			return nil
		}
		if d.IsDir() {
			if p != w.dir && skippedDir(d.Name()) {
				return fs.SkipDir
			}
			if w.fsw != nil && !w.dirs[p] {
				w.dirs[p] = true
				if err := w.fsw.Add(p); err != nil {
					w.log.Debug("cannot watch; polling covers it", "path", p, "err", err)
				}
			}
			return nil
		}
		if !d.Type().IsRegular() || Skipped(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // gone since the directory was read
		}
		seen[p] = true
		f := File{Path: p, Abs: p, Size: info.Size(), ModTime: info.ModTime()}
		s := w.files[p]
		if s == nil || s.size != f.Size || !s.mtime.Equal(f.ModTime) {
			if s == nil {
				s = &pending{}
				w.files[p] = s
			}
			// A new version starts over, back-off included.
			*s = pending{size: f.Size, mtime: f.ModTime, since: now}
		}
		due := s.since.Add(w.opts.StableFor)
		if s.next.After(due) {
			due = s.next
		}
		if due.After(now) {
			next = earlier(next, due)
			return nil
		}
		// Stable; but a scanner that paused longer than StableFor may not
		// be done. Wait while the file is visibly unfinished, up to MaxWait.
		why := w.unfinished(f, s)
		switch {
		case why == "":
			ready = append(ready, f)
		case now.Sub(s.since) >= w.opts.MaxWait || f.Size == 0 && !strings.Contains(why, "open for writing"):
			failing = append(failing, failed{f, why})
		default:
			if !s.said {
				s.said = true
				w.log.Info("waiting for the file to be finished", "path", p, "why", why, "max_wait", w.opts.MaxWait.String())
			}
			next = earlier(next, s.since.Add(w.opts.MaxWait))
		}
		return nil
	})
	if err != nil {
		w.log.Error("cannot scan the hot folder", "err", err)
		return next
	}
	for p := range w.files {
		if !seen[p] {
			delete(w.files, p)
		}
	}
	for _, x := range failing {
		if ctx.Err() != nil {
			return next
		}
		if retryAt := w.giveUp(x.f, x.why); !retryAt.IsZero() {
			next = earlier(next, retryAt)
		}
	}
	sort.Slice(ready, func(i, j int) bool { return ready[i].Path < ready[j].Path })
	for _, f := range ready {
		if ctx.Err() != nil {
			return next
		}
		if retryAt := w.take(ctx, f, handle); !retryAt.IsZero() && retryAt.Before(next) {
			next = retryAt
		}
	}
	return next
}

// take handles one stable file and files it; it returns when to try again
// after a transient failure (zero otherwise).
func (w *watcher) take(ctx context.Context, f File, handle Handler) time.Time {
	// Look once more right before: the scan may be seconds old when a
	// long file was handled before this one.
	if cur, err := StatFile(f.Path); err != nil || cur.Size != f.Size || !cur.ModTime.Equal(f.ModTime) {
		return time.Time{}
	}
	s := w.files[f.Path]
	err := handle(ctx, f)
	if ctx.Err() != nil && err != nil {
		return time.Time{} // stopping: leave the file for the next run
	}
	if err == nil {
		// A writer that paused longer than StableFor and resumed while we
		// read would have us file away a file still growing: keep it, the
		// next stable version is ingested too.
		if cur, serr := StatFile(f.Path); serr == nil && (cur.Size != f.Size || !cur.ModTime.Equal(f.ModTime)) {
			w.log.Warn("file changed while it was ingested; it stays and is ingested again once stable (raise --stable)", "path", f.Path)
			return time.Time{}
		}
		dest, merr := w.move(f.Path, filepath.Join(ProcessedDir, w.opts.Now().In(sohoa.Location()).Format("2006-01-02")))
		if merr != nil {
			return w.retry(f, s, fmt.Errorf("ingested, but cannot move to %s/: %w", ProcessedDir, merr))
		}
		delete(w.files, f.Path)
		w.filed[dest] = &filedFile{orig: f.Path, size: f.Size, mtime: f.ModTime, until: w.opts.Now().Add(w.opts.MaxWait)}
		w.report(WatchEvent{File: f, Outcome: Processed, MovedTo: dest})
		return time.Time{}
	}
	if !IsPermanent(err) {
		return w.retry(f, s, err)
	}
	return w.toFailed(f, s, err)
}

// reopen moves back to where they were found the files filed in
// processed/ that changed there: a writer the watcher could not see (on a
// share, paused exactly at the end of an earlier revision of a PDF) went
// on writing through its open file. The finished file is then taken like
// any other; the part taken before stays in the catalog as an earlier
// document.
func (w *watcher) reopen() {
	now := w.opts.Now()
	for dest, ff := range w.filed {
		cur, err := StatFile(dest)
		if err != nil || now.After(ff.until) {
			delete(w.filed, dest)
			continue
		}
		if cur.Size == ff.size && cur.ModTime.Equal(ff.mtime) {
			continue
		}
		back, err := freeName(ff.orig)
		if err == nil {
			err = os.MkdirAll(filepath.Dir(back), 0o750)
		}
		if err == nil {
			err = os.Rename(dest, back)
		}
		if err != nil {
			w.log.Error("a filed file changed after it was ingested, and cannot be moved back", "path", dest, "err", err)
			delete(w.filed, dest)
			continue
		}
		delete(w.filed, dest)
		w.log.Warn("a file changed in processed/ after it was ingested: its writer was not done; moved back to be taken again once finished (raise --stable)",
			"path", dest, "moved_to", back, "size_ingested", ff.size, "size_now", cur.Size)
		w.report(WatchEvent{File: cur, Outcome: Reopened, MovedTo: back})
	}
}

// toFailed files f in failed/ with the reason err.
func (w *watcher) toFailed(f File, s *pending, err error) time.Time {
	dest, merr := w.move(f.Path, FailedDir)
	if merr != nil {
		return w.retry(f, s, fmt.Errorf("%s; and cannot move to %s/: %w", Reason(err), FailedDir, merr))
	}
	delete(w.files, f.Path)
	if werr := writeReason(dest, f, err, w.opts.Now()); werr != nil {
		w.log.Error("cannot write the failure reason", "path", dest+".error.txt", "err", werr)
	}
	w.report(WatchEvent{File: f, Outcome: Failed, MovedTo: dest, Err: err})
	return time.Time{}
}

// giveUp files away a file the watcher will not hand over: empty, or not
// finished within MaxWait.
func (w *watcher) giveUp(f File, why string) time.Time {
	// Look once more right before, as take does.
	if cur, err := StatFile(f.Path); err != nil || cur.Size != f.Size || !cur.ModTime.Equal(f.ModTime) {
		return time.Time{}
	}
	s := w.files[f.Path]
	var err error
	if f.Size == 0 {
		err = fmt.Errorf("the file is empty (0 bytes), and nothing was written to it for %s; scan the document again", w.opts.StableFor)
		if strings.Contains(why, "open for writing") {
			err = fmt.Errorf("the file stayed empty (0 bytes) for %s while %s; scan the document again", w.opts.MaxWait, why)
		}
	} else {
		err = fmt.Errorf("the file was not finished after %s without a change: %s; "+
			"the scanner or copy may have stopped part-way: scan or copy the document again", w.opts.MaxWait, why)
	}
	w.log.Warn("giving up on an unfinished file", "path", f.Path, "err", err)
	return w.toFailed(f, s, Permanent(err))
}

// unfinished says why a stable file cannot be taken yet, or "": another
// program still has it open for writing (where the system can tell), or
// it is a PDF whose end is not a complete trailer. The trailer is checked
// once per version of the file.
func (w *watcher) unfinished(f File, s *pending) string {
	if busy, _ := writeOpen(f.Path); busy {
		return "another program still has it open for writing"
	}
	if !s.checked {
		s.checked = true
		s.unfinished = ""
		if f.Size == 0 {
			s.unfinished = "it is empty"
		} else if why, err := pdfUnfinished(f.Path, f.Size); err != nil {
			s.checked = false // unreadable now; look again next time
			s.unfinished = "cannot read it: " + err.Error()
		} else {
			s.unfinished = why
		}
	}
	return s.unfinished
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (w *watcher) retry(f File, s *pending, err error) time.Time {
	if s.backoff == 0 {
		s.backoff = w.opts.PollInterval
	} else {
		s.backoff = min(2*s.backoff, w.opts.MaxRetryDelay)
	}
	s.next = w.opts.Now().Add(s.backoff)
	w.report(WatchEvent{File: f, Outcome: Retry, Err: err, RetryIn: s.backoff})
	return s.next
}

func (w *watcher) report(ev WatchEvent) {
	if w.opts.Report != nil {
		w.opts.Report(ev)
	}
}

// move renames path into dir/sub keeping its path relative to dir, adding
// " (2)", " (3)", … before the extension when the name is taken.
func (w *watcher) move(path, sub string) (string, error) {
	rel, err := filepath.Rel(w.dir, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(path)
	}
	dest := filepath.Join(w.dir, sub, rel)
	if err := os.MkdirAll(filepath.Dir(dest), 0o750); err != nil {
		return "", err
	}
	dest, err = freeName(dest)
	if err != nil {
		return "", err
	}
	if err := os.Rename(path, dest); err != nil {
		return "", err
	}
	return dest, nil
}

// freeName returns p, or p with a " (n)" suffix, whichever does not exist.
// Only this process files into processed/ and failed/, so checking first
// is enough.
func freeName(p string) (string, error) {
	ext := filepath.Ext(p)
	stem := p[:len(p)-len(ext)]
	for n := 1; n < 10000; n++ {
		cand := p
		if n > 1 {
			cand = fmt.Sprintf("%s (%d)%s", stem, n, ext)
		}
		if _, err := os.Lstat(cand); errors.Is(err, fs.ErrNotExist) {
			return cand, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("no free name for %s", p)
}

// writeReason writes <dest>.error.txt: why the file failed, for whoever
// empties failed/.
func writeReason(dest string, f File, cause error, now time.Time) error {
	text := fmt.Sprintf("%s\n\nfile: %s\nsize: %d bytes\nfailed at: %s\n",
		Reason(cause), f.Path, f.Size, now.In(sohoa.Location()).Format(time.RFC3339))
	tmp := dest + ".error.txt.tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, dest+".error.txt")
}
