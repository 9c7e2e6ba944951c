package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/pipeline/importer"
)

// What `sohoa ingest` prints: the progress display while importer.Import
// runs, and the summary after it.

// ingestPlainEvery is how often the progress line is printed when stderr
// is not a terminal.
var ingestPlainEvery = 10 * time.Second

// maxListed is how many symbolic links the summary names before "and N
// more".
const maxListed = 10

// groupShown is how many files a line of failures sharing one reason
// names.
const groupShown = 3

// printIngestSummary prints what the import did (see importer.Summary:
// the counts add up), then what inspection and verification found.
func printIngestSummary(w io.Writer, s *importer.Summary) {
	fmt.Fprintf(w, "ingest: %d file(s), %s, in %s\n", s.Files, humanize.Bytes(uint64(s.Bytes)), s.Took.Round(100*time.Millisecond))
	fmt.Fprintf(w, "  new:        %d\n", s.New)
	fmt.Fprintf(w, "  duplicates: %d (same bytes already in the dossier)\n", s.Duplicates)
	fmt.Fprintf(w, "  skipped:    %d (imported by an earlier run; journal %s)\n", s.Skipped, s.JournalPath)
	fmt.Fprintf(w, "  failed:     %d\n", len(s.Failures))
	if s.NotImported > 0 {
		fmt.Fprintf(w, "  not imported: %d (the import stopped before them)\n", s.NotImported)
	}
	if s.Dossiers > 0 {
		fmt.Fprintf(w, "  dossiers:   %d\n", s.Dossiers)
	}
	if s.DossiersCreated > 0 {
		fmt.Fprintf(w, "  dossiers created: %d\n", s.DossiersCreated)
	}
	if c := s.Checks; c != nil {
		fmt.Fprintf(w, "inspected and verified: %d document(s)\n", c.Documents)
		fmt.Fprintf(w, "  inspection: %d ok, %d warn, %d fail\n",
			c.Inspections[sohoa.InspectionOK], c.Inspections[sohoa.InspectionWarn], c.Inspections[sohoa.InspectionFail])
		fmt.Fprintf(w, "  signatures: %d TOTAL_PASSED, %d TOTAL_FAILED, %d INDETERMINATE (unsigned files included)\n",
			c.Indications[sohoa.IndicationTotalPassed], c.Indications[sohoa.IndicationTotalFailed], c.Indications[sohoa.IndicationIndeterminate])
	}
	if len(s.Unchecked) > 0 {
		fmt.Fprintf(w, "stored but not checked: %d document(s) (`sohoa work` retries them; `sohoa status CODE` shows why):\n", len(s.Unchecked))
		writeGrouped(w, s.Unchecked)
	}
	if c := s.Checks; c != nil && len(c.Attention) > 0 {
		fmt.Fprintln(w, "needs attention (stored; see `sohoa status DOSSIER-CODE`):")
		for _, a := range c.Attention {
			fmt.Fprintln(w, "  "+a.String())
		}
		if c.MoreAttention > 0 {
			fmt.Fprintf(w, "  … and %d more (see sohoa status DOSSIER-CODE)\n", c.MoreAttention)
		}
	}
	if len(s.Links) > 0 {
		fmt.Fprintf(w, "symbolic links skipped (never followed; import the file itself): %d\n", len(s.Links))
		for i, l := range s.Links {
			if i == maxListed {
				fmt.Fprintf(w, "  … and %d more\n", len(s.Links)-i)
				break
			}
			what := ""
			switch {
			case l.Outside:
				what = " (outside the folder)"
			case l.Broken:
				what = " (leads nowhere)"
			}
			fmt.Fprintf(w, "  %s → %s%s\n", l.Path, l.Target, what)
		}
	}
	if len(s.Failures) > 0 {
		fmt.Fprintln(w, "failed files:")
		writeGrouped(w, s.Failures)
	}
}

// writeGrouped prints failures, one line per reason (importer.Group): a
// reason met once as "path: reason", a repeated one as "reason — N files:
// a, b, c and N-3 more".
func writeGrouped(w io.Writer, fails []importer.Failure) {
	for _, g := range importer.Group(fails) {
		if len(g.Failures) == 1 {
			fmt.Fprintf(w, "  %s: %s\n", g.Failures[0].Shown(), g.Reason)
			continue
		}
		list := ""
		for i, f := range g.Failures[:min(groupShown, len(g.Failures))] {
			if i > 0 {
				list += ", "
			}
			list += f.Shown()
		}
		if rest := len(g.Failures) - groupShown; rest > 0 {
			list += fmt.Sprintf(" and %d more", rest)
		}
		fmt.Fprintf(w, "  %s — %d files: %s\n", g.Reason, len(g.Failures), list)
	}
}

// ingestEvents shows importer.Import's progress: a display over the files
// while they are stored, another over the documents while the workers
// check them.
type ingestEvents struct {
	e     *env
	mode  string
	mu    sync.Mutex
	prog  ingestProgress
	shown int
}

func (v *ingestEvents) Storing(files int, bytes int64) {
	v.prog = newIngestProgress(v.e, v.mode, int64(files), bytes)
}
func (v *ingestEvents) Read(n int64)                      { v.prog.addBytes(n) }
func (v *ingestEvents) FileDone(string, importer.Outcome) { v.prog.itemDone() }
func (v *ingestEvents) Checking(documents int) {
	v.prog.finish()
	v.prog = newIngestProgress(v.e, v.mode, int64(documents), 0)
	v.prog.setPhase("inspecting and verifying")
}
func (v *ingestEvents) Checked(done int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for ; v.shown < done; v.shown++ {
		v.prog.itemDone()
	}
}
func (v *ingestEvents) Finished() { v.prog.finish() }

// Stalled says what the wait is for, above the progress display.
func (v *ingestEvents) Stalled(h *pipeline.Holdup) {
	msg := h.String()
	switch p := v.prog.(type) {
	case *barProgress:
		_ = p.bar.Clear()
		fmt.Fprintln(v.e.stderr, msg)
		_ = p.bar.RenderBlank()
	case *plainProgress:
		fmt.Fprintln(p.w, msg)
	default:
		v.e.log.Warn(msg)
	}
}

// ingestProgress shows how far the import is: a bar on a terminal, a line
// every ingestPlainEvery otherwise, nothing with --progress none.
type ingestProgress interface {
	addBytes(n int64)
	itemDone()
	setPhase(string)
	finish()
}

func newIngestProgress(e *env, mode string, items, total int64) ingestProgress {
	if mode == "auto" {
		mode = "plain"
		if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "bar"
		}
	}
	switch mode {
	case "bar":
		return newBarProgress(e.stderr, items, total)
	case "plain":
		return newPlainProgress(e.stderr, items, total)
	}
	return nopProgress{}
}

type nopProgress struct{}

func (nopProgress) addBytes(int64)  {}
func (nopProgress) itemDone()       {}
func (nopProgress) setPhase(string) {}
func (nopProgress) finish()         {}

// barProgress drives a progressbar/v3 bar: over bytes while files are
// stored (rate and ETA in bytes, files counted in the description), over
// documents while waiting for the workers.
type barProgress struct {
	bar        *progressbar.ProgressBar
	items      int64
	done       atomic.Int64
	phase      string
	countItems bool
}

func newBarProgress(w io.Writer, items, total int64) *barProgress {
	b := &barProgress{items: items, phase: "storing", countItems: total == 0}
	max := total
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionShowIts(),
		progressbar.OptionFullWidth(),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	}
	if b.countItems {
		max = items
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionSetItsString("doc"))
	} else {
		opts = append(opts, progressbar.OptionShowBytes(true), progressbar.OptionShowTotalBytes(true))
	}
	b.bar = progressbar.NewOptions64(max, opts...)
	b.describe()
	return b
}

func (b *barProgress) describe() {
	if b.countItems {
		b.bar.Describe(b.phase)
		return
	}
	b.bar.Describe(fmt.Sprintf("%s %d/%d files", b.phase, b.done.Load(), b.items))
}

func (b *barProgress) addBytes(n int64) {
	if !b.countItems {
		_ = b.bar.Add64(n)
	}
}

func (b *barProgress) itemDone() {
	b.done.Add(1)
	if b.countItems {
		_ = b.bar.Add64(1)
		return
	}
	b.describe()
}

func (b *barProgress) setPhase(s string) { b.phase = s; b.describe() }
func (b *barProgress) finish()           { _ = b.bar.Finish() }

// plainProgress prints a progress line now and then, for logs and pipes.
type plainProgress struct {
	w            io.Writer
	items, total int64
	done, bytes  atomic.Int64
	start        time.Time
	phase        atomic.Value
	stop         chan struct{}
	stopped      chan struct{}
}

func newPlainProgress(w io.Writer, items, total int64) *plainProgress {
	p := &plainProgress{w: w, items: items, total: total, start: time.Now(), stop: make(chan struct{}), stopped: make(chan struct{})}
	p.phase.Store("ingest")
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(ingestPlainEvery)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.line()
			}
		}
	}()
	return p
}

func (p *plainProgress) line() {
	el := time.Since(p.start)
	done, b := p.done.Load(), p.bytes.Load()
	rate := float64(done) / max(el.Seconds(), 0.001)
	var eta string
	switch {
	case p.total > 0 && b > 0:
		eta = (time.Duration(float64(el) * float64(p.total-b) / float64(b))).Round(time.Second).String()
	case p.total == 0 && done > 0:
		eta = (time.Duration(float64(el) * float64(p.items-done) / float64(done))).Round(time.Second).String()
	default:
		eta = "?"
	}
	if p.total > 0 {
		fmt.Fprintf(p.w, "%s: %d/%d files, %s/%s, %.1f files/s, %s/s, ETA %s\n", p.phase.Load(), done, p.items,
			humanize.Bytes(uint64(b)), humanize.Bytes(uint64(p.total)), rate, humanize.Bytes(uint64(float64(b)/max(el.Seconds(), 0.001))), eta)
	} else {
		fmt.Fprintf(p.w, "%s: %d/%d documents, %.1f/s, ETA %s\n", p.phase.Load(), done, p.items, rate, eta)
	}
}

func (p *plainProgress) addBytes(n int64)  { p.bytes.Add(n) }
func (p *plainProgress) itemDone()         { p.done.Add(1) }
func (p *plainProgress) setPhase(s string) { p.phase.Store(s) }
func (p *plainProgress) finish() {
	close(p.stop)
	<-p.stopped
	if p.items > 0 {
		p.line()
	}
}
