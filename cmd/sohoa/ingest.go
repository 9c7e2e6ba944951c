package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/pipeline/source"
)

func init() {
	register("ingest", "import files into dossiers (bulk import; safe to interrupt and re-run)", runIngest)
}

// ingestJournalName is the ingest journal's file in the data directory.
const ingestJournalName = "ingest-journal.jsonl"

// ingestPlainEvery is how often the progress line is printed when stderr
// is not a terminal.
var ingestPlainEvery = 10 * time.Second

// ingestItem is one file for one target (a file a manifest lists for two
// dossiers is two items).
type ingestItem struct {
	file   source.File
	target source.Target
}

// ingestFailure is one line of the summary's failed list.
type ingestFailure struct {
	path   string
	where  string // "manifest line 7", or ""
	reason string
}

// ingestRun is one `sohoa ingest` in progress.
type ingestRun struct {
	e        *env
	st       *stores
	pipe     *pipeline.Pipeline
	resolver *source.Resolver
	journal  *source.Journal
	progress ingestProgress

	created, added, dups, skipped atomic.Int64
	mu                            sync.Mutex
	failures                      []ingestFailure
	docIDs                        []int64
	docPath                       map[int64]string // for the checks' report
}

// runIngest is `sohoa ingest`. Exit 0: every file is stored (and, unless
// --no-wait, inspected and verified); 1: some file failed or the run was
// interrupted (re-run the same command to finish); 64: bad usage; 4: the
// stores could not be opened.
func runIngest(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "ingest", "[--manifest FILE.csv] [--unit CODE --procedure CODE] [--no-wait] PATH...")
	cfg := addStoreFlags(fs, e)
	trustDir := fs.String("trust-dir", "", "trust anchor directory (env SOHOA_TRUST_DIR; default <data dir>/trust when it exists)")
	manifestPath := fs.String("manifest", "", "CSV manifest saying which dossier each file belongs to (columns "+strings.Join(source.ManifestColumns, ",")+"); without PATH, imports every file it lists")
	unit := fs.String("unit", "", "the unit being imported: files of dossiers in other units fail; with --procedure, dossiers named by files that do not exist yet are created in this unit")
	procedure := fs.String("procedure", "", "procedure of the dossiers created from file names (needs --unit); also fills empty procedure cells of the manifest")
	noWait := fs.Bool("no-wait", false, "return once the files are stored (sohoa work or sohoa serve inspects and verifies them)")
	parallel := fs.Int("parallel", min(4, 2*runtime.GOMAXPROCS(0)), "files stored at once")
	workers := fs.Int("workers", 0, "inspection and verification workers in this process (0: 2 per CPU)")
	progressMode := fs.String("progress", "auto", "progress display: auto (a bar on a terminal, a line every 10 s otherwise), bar, plain or none")
	paths, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "sohoa ingest: "+format+"\n", a...)
		return exitUsage
	}
	if len(paths) == 0 && *manifestPath == "" {
		fs.Usage()
		return usageErr("no PATH given (files or folders to import, or --manifest FILE.csv)")
	}
	if *procedure != "" && *unit == "" {
		return usageErr("--procedure needs --unit: the unit the new dossiers belong to")
	}
	for kind, v := range map[string]string{"--unit": *unit, "--procedure": *procedure} {
		if v != "" {
			if err := sohoa.ValidateCode(kind, v); err != nil {
				return usageErr("%s", sohoa.Message(err))
			}
		}
	}
	if *parallel < 1 || *workers < 0 {
		return usageErr("--parallel must be at least 1 and --workers not negative")
	}
	switch *progressMode {
	case "auto", "bar", "plain", "none":
	default:
		return usageErr("--progress %q: want auto, bar, plain or none", *progressMode)
	}
	if err := cfg.finish(e); err != nil {
		fmt.Fprintln(e.stderr, "sohoa ingest:", err)
		return exitUsage
	}

	var manifest *source.Manifest
	if *manifestPath != "" {
		m, err := source.ReadManifestFile(*manifestPath)
		if err != nil {
			fmt.Fprintf(e.stderr, "sohoa ingest: %s: %s\n", *manifestPath, source.Reason(err))
			return exitFailure
		}
		manifest = m
	}

	st, pipe, err := openSourcePipeline(ctx, e, cfg, *trustDir, *workers)
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa ingest:", err)
		return exitCode(err)
	}
	defer st.Close()
	if !*noWait {
		// Workers run while files are still being stored, so inspection
		// and verification overlap the import instead of following it.
		if err := pipe.Start(ctx); err != nil {
			fmt.Fprintln(e.stderr, "sohoa ingest:", err)
			return exitInternal
		}
	}

	journal, err := source.OpenJournal(filepath.Join(cfg.DataDir, ingestJournalName))
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa ingest:", err)
		return exitInternal
	}
	defer journal.Close()

	run := &ingestRun{
		e: e, st: st, pipe: pipe, journal: journal,
		resolver: &source.Resolver{Manifest: manifest, Unit: *unit, Procedure: *procedure, Catalog: st.Catalog},
	}
	started := time.Now()

	// Expand the arguments, then plan every file (no catalog access) so the
	// progress bar knows the total before the first byte is read.
	var files []source.File
	if len(paths) > 0 {
		skip := func(string) bool { return false }
		if manifest != nil {
			skip = func(abs string) bool { return abs == manifest.Path }
		}
		var problems []*source.PathError
		files, _, problems = source.Walk(ctx, paths, skip)
		for _, p := range problems {
			run.fail(p.Path, "", p.Err)
		}
	} else {
		files = run.manifestFiles(manifest)
	}
	var items []ingestItem
	var total int64
	unplanned := len(run.failures) // paths that could not be read
	for _, f := range files {
		targets, err := run.resolver.Plan(f)
		if err != nil {
			run.fail(f.Path, "", err)
			unplanned++
			continue
		}
		for _, t := range targets {
			items = append(items, ingestItem{file: f, target: t})
			total += f.Size
		}
	}

	run.progress = newIngestProgress(e, *progressMode, int64(len(items)), total)
	run.ingestAll(ctx, items, *parallel)
	run.progress.finish()
	if err := journal.Close(); err != nil {
		fmt.Fprintln(e.stderr, "sohoa ingest:", err)
	}
	interrupted := ctx.Err() != nil

	// Wait for the workers: the files just stored, and those a previous,
	// interrupted run stored without waiting.
	waited, waitErr := len(run.docIDs) == 0, error(nil)
	if !*noWait && !interrupted && len(run.docIDs) > 0 {
		waitErr = run.wait(ctx, *progressMode)
		waited = waitErr == nil
		interrupted = ctx.Err() != nil
	}
	var checks string
	if waited {
		if checks, waitErr = run.checks(ctx); waitErr != nil {
			waitErr = fmt.Errorf("reading the results: %w", waitErr)
		}
	}
	if !*noWait {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		if err := pipe.Stop(sctx); err != nil {
			e.log.Warn("stopping the workers", "err", err)
		}
		cancel()
	}

	run.summary(time.Since(started), len(items)+unplanned, total, journal.Path(), checks)
	switch {
	case interrupted:
		fmt.Fprintln(e.stdout, "interrupted: the files stored so far are kept; run the same command again to import the rest")
	case waitErr != nil:
		fmt.Fprintf(e.stdout, "waiting for inspection and verification failed: %v\n", waitErr)
	case *noWait:
		fmt.Fprintln(e.stdout, "not waiting for inspection and verification (--no-wait): `sohoa work` or `sohoa serve` finishes them")
	}
	if interrupted || waitErr != nil || len(run.failures) > 0 {
		return exitFailure
	}
	return exitOK
}

// openSourcePipeline opens the stores and a pipeline for the commands that
// take files in (ingest, watch); see openPipeline.
func openSourcePipeline(ctx context.Context, e *env, cfg *storeConfig, trustDir string, workers int) (*stores, *pipeline.Pipeline, error) {
	return openPipeline(ctx, e, cfg, trustDir, pipeline.Config{Workers: workers})
}

// manifestFiles stats the files a manifest lists (the input when no PATH
// is given). A name written in NFC is also found when the disk has it in
// NFD, as macOS writes names.
func (r *ingestRun) manifestFiles(m *source.Manifest) []source.File {
	var out []source.File
	for _, p := range m.Files() {
		f, err := source.StatFile(p)
		if errors.Is(err, os.ErrNotExist) {
			if alt, ok := findNFC(p); ok {
				f, err = source.StatFile(alt)
				f.Abs = p // the manifest's key
			}
		}
		if err != nil {
			line := 0
			if rows := m.Lookup(p); len(rows) > 0 {
				line = rows[0].Line
			}
			r.fail(p, fmt.Sprintf("manifest line %d", line), unwrapPath(err))
			continue
		}
		out = append(out, f)
	}
	return out
}

// findNFC finds the directory entry whose name equals p's base name once
// both are in NFC.
func findNFC(p string) (string, bool) {
	want := source.NFC(filepath.Base(p))
	entries, err := os.ReadDir(filepath.Dir(p))
	if err != nil {
		return "", false
	}
	for _, de := range entries {
		if source.NFC(de.Name()) == want {
			return filepath.Join(filepath.Dir(p), de.Name()), true
		}
	}
	return "", false
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ingestAll stores the items, parallel at a time, until done or ctx ends.
func (r *ingestRun) ingestAll(ctx context.Context, items []ingestItem, parallel int) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(parallel, max(len(items), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r.ingestOne(ctx, items[i])
				r.progress.itemDone()
			}
		}()
	}
	for i := range items {
		if ctx.Err() != nil {
			break
		}
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
}

// ingestOne stores one item: skipped when the journal knows it (and the
// catalog still has it), otherwise resolved, read and ingested, then
// journalled.
func (r *ingestRun) ingestOne(ctx context.Context, it ingestItem) {
	f, t := it.file, it.target
	where := ""
	if t.Line > 0 {
		where = t.Where()
	}
	if e, ok := r.journal.Done(f, t.Key); ok {
		doc, err := r.st.Catalog.FindDocumentByID(ctx, e.Document)
		if err == nil && doc.DossierCode == t.DossierCode && doc.BlobKey == e.SHA256 {
			r.skipped.Add(1)
			r.progress.addBytes(f.Size)
			r.addDoc(doc.ID, f.Path)
			return
		}
		// A journal from another catalog, or one reset since: the
		// pipeline's duplicate detection decides instead.
	}
	if err := r.resolver.Complete(ctx, f, &t); err != nil {
		r.fail(f.Path, where, err)
		r.progress.addBytes(f.Size)
		return
	}
	res, cur, err := ingestFile(ctx, r.pipe, f, t, sohoa.SourceBulk, "system:ingest", r.progress.addBytes)
	if err != nil {
		r.fail(f.Path, where, err)
		return
	}
	if res.DossierCreated {
		r.created.Add(1)
	}
	if res.Duplicate {
		r.dups.Add(1)
	} else {
		r.added.Add(1)
	}
	r.addDoc(res.Document.ID, f.Path)
	// Journal only what was read as the walk saw it: a file rewritten
	// meanwhile is checked again next time.
	if now, err := source.StatFile(f.Path); err == nil && now.Size == cur.Size && now.ModTime.Equal(cur.ModTime) {
		if err := r.journal.Record(cur, t.Key, res.Document, time.Now()); err != nil {
			r.e.log.Warn("ingest journal", "err", err)
		}
	}
}

// ingestFile reads one file into the pipeline as target t. It refuses
// empty files and files named .pdf that are not PDFs (they would only fail
// inspection), reports bytes read to onRead, and returns the file as it was
// when opened.
func ingestFile(ctx context.Context, p *pipeline.Pipeline, f source.File, t source.Target, src sohoa.DocumentSource, actor string, onRead func(int64)) (*pipeline.IngestResult, source.File, error) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, f, unwrapPath(err)
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, f, err
	}
	cur := f
	cur.Size, cur.ModTime = info.Size(), info.ModTime()
	if cur.Size == 0 {
		return nil, cur, source.Permanent(sohoa.Errorf(sohoa.EINVALID, "the file is empty"))
	}
	br := bufio.NewReaderSize(fh, 64<<10)
	if strings.EqualFold(filepath.Ext(f.Path), ".pdf") {
		// The PDF header may follow up to 1 KiB of junk (ISO 32000-1,
		// annex H.3); a file without one is not a PDF at all.
		head, _ := br.Peek(1024)
		if !bytes.Contains(head, []byte("%PDF-")) {
			return nil, cur, source.Permanent(sohoa.Errorf(sohoa.EINVALID, "the file is not a PDF (no %%PDF- header)"))
		}
	}
	var body io.Reader = br
	if onRead != nil {
		body = &countingReader{r: br, add: onRead}
	}
	res, err := p.Ingest(ctx, pipeline.IngestRequest{
		DossierCode: t.DossierCode, NewDossier: t.NewDossier, Role: t.Role, Component: t.Component,
		FileName: t.FileName, Source: src, UploadedBy: actor, Body: body,
	})
	return res, cur, err
}

// countingReader reports how many bytes were read, for the progress bar.
type countingReader struct {
	r   io.Reader
	add func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.add(int64(n))
	}
	return n, err
}

func (r *ingestRun) addDoc(id int64, path string) {
	r.mu.Lock()
	r.docIDs = append(r.docIDs, id)
	if r.docPath == nil {
		r.docPath = map[int64]string{}
	}
	if _, ok := r.docPath[id]; !ok {
		r.docPath[id] = path
	}
	r.mu.Unlock()
}

func (r *ingestRun) fail(path, where string, err error) {
	reason := source.Reason(err)
	if errors.Is(err, context.Canceled) {
		reason = "interrupted before it was stored"
	}
	r.mu.Lock()
	r.failures = append(r.failures, ingestFailure{path: path, where: where, reason: reason})
	r.mu.Unlock()
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// wait waits for the documents' inspect and verify jobs, moving the
// progress display as they finish, and says what it waits for when it
// stalls.
func (r *ingestRun) wait(ctx context.Context, mode string) error {
	ids := uniqueIDs(r.docIDs)
	prog := newIngestProgress(r.e, mode, int64(len(ids)), 0)
	prog.setPhase("inspecting and verifying")
	defer prog.finish()
	stall := r.watchStall(ctx, ids, prog)
	defer stall.end()
	shown := 0
	return r.pipe.WaitDocumentsReport(ctx, ids, func(done int) {
		for ; shown < done; shown++ {
			prog.itemDone()
		}
		stall.progressed(done)
	})
}

// checks reports what inspection and verification found, after the
// wait: counts, then one line per file that needs attention (a failing
// inspection or signature: stored, but the dossier will not count as
// digitized with it). A document whose jobs gave up is a failed file.
// maxAttentionLines caps the "needs attention" list so a large import's
// summary stays readable; the count of the rest is printed.
const maxAttentionLines = 50

func (r *ingestRun) checks(ctx context.Context) (string, error) {
	ids := uniqueIDs(r.docIDs)
	if len(ids) == 0 {
		return "", nil
	}
	docs, err := r.pipe.Documents(ctx, ids)
	if err != nil {
		return "", err
	}
	inspections := map[sohoa.InspectionOutcome]int{}
	indications := map[string]int{}
	var attention []string
	for _, d := range docs {
		path := r.docPath[d.ID]
		if d.Error != "" {
			r.fail(path, "", fmt.Errorf("stored as document %d, but not checked: %s", d.ID, d.Error))
			continue
		}
		if in := d.Inspection; in != nil {
			inspections[in.Outcome]++
			if in.Outcome == sohoa.InspectionFail {
				var why []string
				for _, f := range in.Findings {
					if f.Outcome == sohoa.InspectionFail {
						why = append(why, f.Message)
					}
				}
				attention = append(attention, fmt.Sprintf("  %s: inspection fails: %s", path, strings.Join(why, "; ")))
			}
		}
		if v := d.Verification; v != nil {
			indications[v.Indication]++
			if v.Indication == sohoa.IndicationTotalFailed {
				msg := v.SubIndication
				if v.Summary != "" {
					msg += ": " + v.Summary
				}
				attention = append(attention, fmt.Sprintf("  %s: signature %s %s", path, v.Indication, msg))
			}
		}
	}
	w := &strings.Builder{}
	fmt.Fprintf(w, "inspected and verified: %d document(s)\n", len(docs))
	fmt.Fprintf(w, "  inspection: %d ok, %d warn, %d fail\n",
		inspections[sohoa.InspectionOK], inspections[sohoa.InspectionWarn], inspections[sohoa.InspectionFail])
	fmt.Fprintf(w, "  signatures: %d TOTAL_PASSED, %d TOTAL_FAILED, %d INDETERMINATE (unsigned files included)\n",
		indications[sohoa.IndicationTotalPassed], indications[sohoa.IndicationTotalFailed], indications[sohoa.IndicationIndeterminate])
	if len(attention) > 0 {
		sort.Strings(attention)
		fmt.Fprintln(w, "needs attention (stored; see `sohoa status DOSSIER-CODE`):")
		for i, a := range attention {
			if i == maxAttentionLines {
				fmt.Fprintf(w, "  … and %d more (see sohoa status DOSSIER-CODE)\n", len(attention)-i)
				break
			}
			fmt.Fprintln(w, a)
		}
	}
	return w.String(), nil
}

// summary prints what happened, failures last, one line each.
func (r *ingestRun) summary(took time.Duration, items int, total int64, journal, checks string) {
	w := r.e.stdout
	fmt.Fprintf(w, "ingest: %d file(s), %s, in %s\n", items, fmtBytes(total, true), took.Round(100*time.Millisecond))
	fmt.Fprintf(w, "  new:        %d\n", r.added.Load())
	fmt.Fprintf(w, "  duplicates: %d (same bytes already in the dossier)\n", r.dups.Load())
	fmt.Fprintf(w, "  skipped:    %d (imported by an earlier run; journal %s)\n", r.skipped.Load(), journal)
	fmt.Fprintf(w, "  failed:     %d\n", len(r.failures))
	if n := r.created.Load(); n > 0 {
		fmt.Fprintf(w, "  dossiers created: %d\n", n)
	}
	fmt.Fprint(w, checks)
	if len(r.failures) == 0 {
		return
	}
	sort.SliceStable(r.failures, func(i, j int) bool { return r.failures[i].path < r.failures[j].path })
	fmt.Fprintln(w, "failed files:")
	for _, f := range r.failures {
		if f.where != "" && !strings.Contains(f.reason, f.where) {
			fmt.Fprintf(w, "  %s (%s): %s\n", f.path, f.where, f.reason)
		} else {
			fmt.Fprintf(w, "  %s: %s\n", f.path, f.reason)
		}
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
			fmtBytes(b, true), fmtBytes(p.total, true), rate, fmtBytes(int64(float64(b)/max(el.Seconds(), 0.001)), true), eta)
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
