package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
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

// ingestHelp is `sohoa help ingest` before the flags.
const ingestHelp = `Usage: sohoa ingest [flags] PATH...
       sohoa ingest [flags] --manifest FILE.csv [PATH...]

Imports scanned files into dossiers (hồ sơ): each file is stored once in the
blob store, recorded in the catalog, then inspected and its signatures
verified (in this process, unless --no-wait).

What is imported
  PATH is a file or a folder. Folders are walked recursively, skipping hidden
  files, temporary names (*.part, *.tmp, ~$…) and processed/ and failed/
  folders. Symbolic links inside folders are never followed; the summary lists
  them. Only PDF files (by content: "%PDF-" within the first 1024 bytes) and
  detached signatures (.p7s, CMS) beside the file they sign are imported,
  whatever their names.

Which dossier a file belongs to
  The manifest says, when it lists the file; otherwise the file name:
    CODE__<component>.pdf  a component by name (don_de_nghi matches "Đơn đề nghị")
    CODE.N.pdf             the procedure's N-th required component
    CODE__ket-qua.pdf      the dossier's result (also kq, result)
    NAME.pdf.p7s           a detached signature: where NAME.pdf goes
  A component name must be one of the procedure's required components, and a
  dossier holds a file once: the same bytes as another component fail. A
  dossier that does not exist is created from the manifest, or from the file
  name when --unit and --procedure are both given.

Manifest (--manifest FILE.csv)
  CSV, header file,dossier,unit,procedure,role,component,received_at (more
  columns may follow). file is relative to the manifest's folder and must stay
  inside it: no absolute paths, no "..", no symbolic links leading out, unless
  --allow-outside. The whole manifest is checked before anything is stored
  (files, units, procedures, components, --unit, a file given twice to one
  dossier): if any row is bad, nothing is imported and every bad row is
  listed with its line number.

--unit CODE
  Only dossiers of this unit are imported. A new dossier whose code has the
  Circular 01/2018 shape <unit code>-YYMMDD-NNNN must carry this unit's code;
  codes from other systems are accepted and their dossiers go into this unit.

Interrupting, re-running, running out of space
  Safe to interrupt (Ctrl-C, even kill -9) and re-run the same command: the
  journal <data dir>/ingest-journal.jsonl skips the files already stored
  (--recheck reads them all again: re-storing a file repairs a blob sohoa fsck
  reports damaged). When
  a store runs out of space the import stops at once, prints what was stored
  and where to free space; then run the same command.

The summary counts new, duplicate, skipped, failed and not imported files,
failures sharing a reason on one line; SOHOA_LOG_LEVEL=debug logs details.

Exit status: 0 every file imported (and checked, unless --no-wait); 1 a file
failed, the manifest was rejected, the import stopped (out of space,
interrupted); 4 the stores could not be opened; 64 bad usage.

Flags:
`

// ingestItem is one file for one target (a file a manifest lists for two
// dossiers is two items).
type ingestItem struct {
	file   source.File
	target source.Target
}

// ingestFailure is one failed file of the summary.
type ingestFailure struct {
	path   string
	where  string // "manifest line 7", or ""
	reason string
}

// ingestRun is one `sohoa ingest` in progress.
type ingestRun struct {
	e        *env
	cfg      *storeConfig
	st       *stores
	pipe     *pipeline.Pipeline
	resolver *source.Resolver
	journal  *source.Journal
	recheck  bool // --recheck: the journal skips nothing
	progress ingestProgress

	// Outcomes of the items: every item ends as exactly one of added,
	// dups, skipped, a failure, or not imported (the run stopped first).
	created, added, dups, skipped, itemFailed atomic.Int64

	// stop ends the run early (out of space); stopErr is why.
	stop    context.CancelFunc
	stopMu  sync.Mutex
	stopErr error

	mu        sync.Mutex
	failures  []ingestFailure
	unchecked []ingestFailure // stored, but the workers gave up on them
	links     []source.SkippedLink
	docIDs    []int64
	docPath   map[int64]string // for the checks' report
	dossiers  map[string]bool  // touched by this run
}

// runIngest is `sohoa ingest`. Exit 0: every file is stored (and, unless
// --no-wait, inspected and verified); 1: some file failed, the manifest was
// rejected (nothing imported), or the run stopped early (out of space,
// interrupted: re-run the same command to finish); 64: bad usage; 4: the
// stores could not be opened.
func runIngest(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "ingest", "")
	fs.Usage = func() {
		fmt.Fprint(e.stderr, ingestHelp)
		fs.PrintDefaults()
	}
	cfg := addStoreFlags(fs, e)
	trustDir := fs.String("trust-dir", "", "trust anchor directory (env SOHOA_TRUST_DIR; default <data dir>/trust when it exists)")
	manifestPath := fs.String("manifest", "", "CSV manifest saying which dossier each file belongs to (columns "+strings.Join(source.ManifestColumns, ",")+"); without PATH, imports every file it lists")
	allowOutsideEnv := e.getenv("SOHOA_INGEST_ALLOW_OUTSIDE")
	allowOutside := fs.Bool("allow-outside", false, "accept manifest rows naming files outside the manifest's folder: absolute paths, \"..\", symbolic links leading out (env SOHOA_INGEST_ALLOW_OUTSIDE)")
	unit := fs.String("unit", "", "the unit being imported: files of dossiers in other units fail, and so do new dossiers whose Circular 01/2018 code is another unit's; with --procedure, dossiers named by files that do not exist yet are created in this unit")
	procedure := fs.String("procedure", "", "procedure of the dossiers created from file names (needs --unit); also fills empty procedure cells of the manifest")
	recheck := fs.Bool("recheck", false, "read every file again, even one an earlier run stored (the journal is not consulted): storing the same bytes again repairs a blob sohoa fsck reports damaged")
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
		usage, _, _ := strings.Cut(ingestHelp, "\n\n")
		fmt.Fprintln(e.stderr, usage+"\n\nsohoa help ingest explains the rules and the flags.")
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
	if allowOutsideEnv != "" && !flagGiven(fs, "allow-outside") {
		b, err := strconv.ParseBool(allowOutsideEnv)
		if err != nil {
			return usageErr("SOHOA_INGEST_ALLOW_OUTSIDE=%q: want true or false", allowOutsideEnv)
		}
		*allowOutside = b
	}
	if err := cfg.finish(e); err != nil {
		fmt.Fprintln(e.stderr, "sohoa ingest:", clerkReason(err))
		return exitUsage
	}

	var manifest *source.Manifest
	if *manifestPath != "" {
		// Bad rows (m != nil) are reported with what the check against
		// the files and the catalog finds, below: all in one list.
		m, err := source.ReadManifestFile(*manifestPath, source.ManifestOptions{AllowOutside: *allowOutside})
		if m == nil {
			fmt.Fprintf(e.stderr, "sohoa ingest: %s: %s\n", *manifestPath, clerkReason(err))
			return exitFailure
		}
		manifest = m
	}

	st, pipe, err := openSourcePipeline(ctx, e, cfg, *trustDir, *workers)
	if err != nil {
		e.log.Debug("opening the stores", "err", scrub(err.Error()))
		fmt.Fprintln(e.stderr, "sohoa ingest:", clerkOpenError(err, cfg))
		return exitCode(err)
	}
	defer st.Close()

	// Check before anything is stored: the unit and procedure named on the
	// command line, then every row of the manifest (all or nothing).
	resolver := &source.Resolver{Manifest: manifest, Unit: *unit, Procedure: *procedure, Catalog: st.Catalog}
	if err := resolver.CheckUnitProcedure(ctx); err != nil {
		fmt.Fprintln(e.stderr, "sohoa ingest:", clerkReason(err))
		return exitCode(err)
	}
	if manifest != nil {
		if err := resolver.CheckManifest(ctx); err != nil {
			fmt.Fprintf(e.stderr, "sohoa ingest: %s: %s\n", *manifestPath, clerkReason(err))
			return exitCode(err)
		}
	}

	if !*noWait {
		// Workers run while files are still being stored, so inspection
		// and verification overlap the import instead of following it.
		if err := pipe.Start(ctx); err != nil {
			fmt.Fprintln(e.stderr, "sohoa ingest: starting the workers:", clerkReason(err))
			return exitInternal
		}
	}

	journal, err := source.OpenJournal(filepath.Join(cfg.DataDir, ingestJournalName))
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa ingest:", clerkReason(err))
		if isNoSpace(err) {
			fmt.Fprintf(e.stderr, "free space on %s, then run the same command\n", noSpaceWhere(err, cfg))
			return exitFailure
		}
		return exitInternal
	}
	defer journal.Close()

	run := &ingestRun{e: e, cfg: cfg, st: st, pipe: pipe, journal: journal, resolver: resolver, recheck: *recheck}
	started := time.Now()

	// Expand the arguments, then plan every file (no catalog access) so the
	// progress bar knows the total before the first byte is read.
	var files []source.File
	if len(paths) > 0 {
		skip := func(string) bool { return false }
		if manifest != nil {
			skip = func(abs string) bool { return abs == manifest.Path }
		}
		walked := source.Walk(ctx, paths, skip)
		files, run.links = walked.Files, walked.Links
		for _, p := range walked.Problems {
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
		// Not fatal: the next run re-reads the files it cannot skip and
		// reports them as duplicates.
		fmt.Fprintf(e.stderr, "sohoa ingest: the journal %s could not be saved (%s); a re-run reads the files again\n", journal.Path(), scrub(innermost(err)))
	}
	interrupted := ctx.Err() != nil
	stopErr := run.stopped()

	// Wait for the workers: the files just stored, and those a previous,
	// interrupted run stored without waiting. Not after running out of
	// space: the workers could not record their results either, and the
	// re-run waits for everything it skips.
	waited, waitErr := len(run.docIDs) == 0, error(nil)
	if !*noWait && !interrupted && stopErr == nil && len(run.docIDs) > 0 {
		waitErr = run.wait(ctx, *progressMode)
		waited = waitErr == nil
		interrupted = ctx.Err() != nil
	}
	var checks string
	if waited && stopErr == nil {
		if checks, waitErr = run.checks(ctx); waitErr != nil {
			waitErr = fmt.Errorf("reading the results: %w", waitErr)
		}
	}
	if !*noWait {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		if err := pipe.Stop(sctx); err != nil {
			e.log.Debug("stopping the workers", "err", scrub(err.Error()))
		}
		cancel()
	}

	notImported := int64(len(items)) - run.added.Load() - run.dups.Load() - run.skipped.Load() - run.itemFailed.Load()
	run.summary(time.Since(started), len(items)+unplanned, total, notImported, journal.Path(), checks)
	switch {
	case stopErr != nil:
		fmt.Fprintf(e.stdout, "stopped: %s. The %d file(s) stored so far are kept; %d file(s) were not imported.\n",
			clerkReason(stopErr), run.added.Load()+run.dups.Load()+run.skipped.Load(), notImported)
		fmt.Fprintf(e.stdout, "free space on %s, then run the same command: the files already stored are skipped\n", noSpaceWhere(stopErr, cfg))
	case interrupted:
		fmt.Fprintln(e.stdout, "interrupted: the files stored so far are kept; run the same command again to import the rest")
	case waitErr != nil:
		e.log.Debug("waiting for the workers", "err", scrub(waitErr.Error()))
		fmt.Fprintf(e.stdout, "waiting for inspection and verification failed: %s; `sohoa work` finishes them, and `sohoa status CODE` shows each dossier\n", clerkReason(waitErr))
	case *noWait:
		fmt.Fprintln(e.stdout, "not waiting for inspection and verification (--no-wait): `sohoa work` or `sohoa serve` finishes them")
	}
	if stopErr != nil || interrupted || waitErr != nil || len(run.failures) > 0 || len(run.unchecked) > 0 {
		return exitFailure
	}
	return exitOK
}

// flagGiven reports whether the flag was set on the command line.
func flagGiven(fs interface{ Visit(func(*flag.Flag)) }, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// openSourcePipeline opens the stores and a pipeline for the commands that
// take files in (ingest, watch); see openPipeline.
func openSourcePipeline(ctx context.Context, e *env, cfg *storeConfig, trustDir string, workers int) (*stores, *pipeline.Pipeline, error) {
	return openPipeline(ctx, e, cfg, trustDir, pipeline.Config{Workers: workers})
}

// manifestFiles stats the files a manifest lists (the input when no PATH
// is given). CheckManifest has checked them all; a file that changed since
// fails here. A name written in NFC is also found when the disk has it in
// NFD, as macOS writes names.
func (r *ingestRun) manifestFiles(m *source.Manifest) []source.File {
	var out []source.File
	for _, p := range m.Files() {
		found, err := source.FindFile(p)
		var f source.File
		if err == nil {
			f, err = source.StatFile(found)
			f.Abs = p // the manifest's key
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

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ingestAll stores the items, parallel at a time, until done, ctx ends, or
// the run stops (out of space).
func (r *ingestRun) ingestAll(ctx context.Context, items []ingestItem, parallel int) {
	ctx, r.stop = context.WithCancel(ctx)
	defer r.stop()
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

// stopFor stops the run because of err (the first reason wins): no more
// files are started, those in flight are cancelled.
func (r *ingestRun) stopFor(err error) {
	r.stopMu.Lock()
	if r.stopErr == nil {
		r.stopErr = err
		r.e.log.Debug("stopping the import", "err", scrub(err.Error()))
	}
	r.stopMu.Unlock()
	if r.stop != nil {
		r.stop()
	}
}

func (r *ingestRun) stopped() error {
	r.stopMu.Lock()
	defer r.stopMu.Unlock()
	return r.stopErr
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
	if e, ok := r.journal.Done(f, t.Key); ok && !r.recheck {
		doc, err := r.st.Catalog.FindDocumentByID(ctx, e.Document)
		if err == nil && doc.DossierCode == t.DossierCode && doc.BlobKey == e.SHA256 {
			r.skipped.Add(1)
			r.progress.addBytes(f.Size)
			r.addDoc(doc.ID, f.Path, doc.DossierCode)
			return
		}
		// A journal from another catalog, or one reset since: the
		// pipeline's duplicate detection decides instead.
	}
	// What the file is comes first: no name or row can make a non-PDF
	// importable, so that is the reason worth reading.
	err := checkFileContent(f.Path)
	if err == nil {
		err = r.resolver.Complete(ctx, f, &t)
	}
	if err != nil {
		r.itemError(ctx, f.Path, where, unwrapPath(err))
		r.progress.addBytes(f.Size)
		return
	}
	res, cur, err := ingestFile(ctx, r.pipe, f, t, sohoa.SourceBulk, "system:ingest", r.progress.addBytes)
	if err != nil {
		r.itemError(ctx, f.Path, where, err)
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
	r.addDoc(res.Document.ID, f.Path, t.DossierCode)
	// Journal only what was read as the walk saw it: a file rewritten
	// meanwhile is checked again next time.
	if now, err := source.StatFile(f.Path); err == nil && now.Size == cur.Size && now.ModTime.Equal(cur.ModTime) {
		if err := r.journal.Record(cur, t.Key, res.Document, time.Now()); err != nil {
			if isNoSpace(err) {
				r.stopFor(err) // the file is stored; the next would fail
			} else {
				r.e.log.Warn("ingest journal", "err", scrub(err.Error()))
			}
		}
	}
}

// itemError records why an item was not stored. Running out of space
// stops the run instead of failing this and every following file the same
// way; a file cancelled by the stop or by an interrupt is "not imported",
// not failed: the re-run imports it.
func (r *ingestRun) itemError(ctx context.Context, path, where string, err error) {
	switch {
	case isNoSpace(err):
		r.stopFor(err)
		return
	case ctx.Err() != nil:
		return
	}
	r.itemFailed.Add(1)
	r.fail(path, where, err)
}

// checkFileContent reads the start of the file at path and checks that it
// may be imported (source.CheckContent).
func checkFileContent(path string) error {
	head, err := source.ReadHead(path)
	if err != nil {
		return unwrapPath(err)
	}
	return source.CheckContent(path, head)
}

// ingestFile reads one file into the pipeline as target t. It refuses
// empty files and files that are neither PDFs nor detached signatures by
// content (source.CheckContent: they would only fail inspection, and stay
// stored for good), reports bytes read to onRead, and returns the file as
// it was when opened. The same bytes already in the dossier as another
// component or role are a conflict, not a duplicate: the catalog keeps a
// file once per dossier, so the dossier would silently lack the second
// component.
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
	head, _ := br.Peek(source.HeaderWindow)
	if err := source.CheckContent(f.Path, head); err != nil {
		return nil, cur, err
	}
	var body io.Reader = br
	if onRead != nil {
		body = &countingReader{r: br, add: onRead}
	}
	res, err := p.Ingest(ctx, pipeline.IngestRequest{
		DossierCode: t.DossierCode, NewDossier: t.NewDossier, Role: t.Role, Component: t.Component,
		FileName: t.FileName, Source: src, UploadedBy: actor, Body: body,
		// Met by a collector deleting the stored copy, the pipeline stores
		// the bytes again from here (it refuses other bytes).
		Reopen: func() (io.ReadCloser, error) { return os.Open(f.Path) },
	})
	if err != nil {
		return nil, cur, err
	}
	if d := res.Document; res.Duplicate && (d.Role != t.Role || source.NFC(d.ComponentName) != source.NFC(t.Component)) {
		return nil, cur, source.Permanent(sohoa.Errorf(sohoa.ECONFLICT,
			"the same bytes are already in the dossier as %s (file %s, document %d): a dossier holds a file once, so it was not added as %s",
			docRole(d.Role, d.ComponentName), d.FileName, d.ID, docRole(t.Role, t.Component)))
	}
	return res, cur, nil
}

// docRole describes what a document is to its dossier, for messages.
func docRole(role sohoa.DocumentRole, component string) string {
	if role == sohoa.RoleComponent && component != "" {
		return fmt.Sprintf("component %q", component)
	}
	return string(role)
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

func (r *ingestRun) addDoc(id int64, path, dossier string) {
	r.mu.Lock()
	r.docIDs = append(r.docIDs, id)
	if r.docPath == nil {
		r.docPath = map[int64]string{}
		r.dossiers = map[string]bool{}
	}
	if _, ok := r.docPath[id]; !ok {
		r.docPath[id] = path
	}
	r.dossiers[dossier] = true
	r.mu.Unlock()
}

func (r *ingestRun) fail(path, where string, err error) {
	reason := clerkReason(err)
	if sohoa.Code(err) == sohoa.EINTERNAL && !isNoSpace(err) {
		r.e.log.Debug("file not imported", "path", path, "err", scrub(err.Error()))
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
// digitized with it). A document whose jobs gave up is stored but not
// checked: listed apart, and the exit code is 1.
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
			r.unchecked = append(r.unchecked, ingestFailure{path: path, reason: scrub(d.Error)})
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
	fmt.Fprintf(w, "inspected and verified: %d document(s)\n", len(docs)-len(r.unchecked))
	fmt.Fprintf(w, "  inspection: %d ok, %d warn, %d fail\n",
		inspections[sohoa.InspectionOK], inspections[sohoa.InspectionWarn], inspections[sohoa.InspectionFail])
	fmt.Fprintf(w, "  signatures: %d TOTAL_PASSED, %d TOTAL_FAILED, %d INDETERMINATE (unsigned files included)\n",
		indications[sohoa.IndicationTotalPassed], indications[sohoa.IndicationTotalFailed], indications[sohoa.IndicationIndeterminate])
	if len(r.unchecked) > 0 {
		fmt.Fprintf(w, "stored but not checked: %d document(s) (`sohoa work` retries them; `sohoa status CODE` shows why):\n", len(r.unchecked))
		writeGrouped(w, r.unchecked)
	}
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

// summary prints what happened. The counts add up: every file (a file a
// manifest lists for two dossiers counts twice) is new, a duplicate,
// skipped, failed or not imported; "new", "duplicates" and "skipped" are
// documents `sohoa status` shows in their dossiers.
func (r *ingestRun) summary(took time.Duration, items int, total, notImported int64, journal, checks string) {
	w := r.e.stdout
	fmt.Fprintf(w, "ingest: %d file(s), %s, in %s\n", items, fmtBytes(total, true), took.Round(100*time.Millisecond))
	fmt.Fprintf(w, "  new:        %d\n", r.added.Load())
	fmt.Fprintf(w, "  duplicates: %d (same bytes already in the dossier)\n", r.dups.Load())
	fmt.Fprintf(w, "  skipped:    %d (imported by an earlier run; journal %s)\n", r.skipped.Load(), journal)
	fmt.Fprintf(w, "  failed:     %d\n", len(r.failures))
	if notImported > 0 {
		fmt.Fprintf(w, "  not imported: %d (the import stopped before them)\n", notImported)
	}
	if n := len(r.dossiers); n > 0 {
		fmt.Fprintf(w, "  dossiers:   %d\n", n)
	}
	if n := r.created.Load(); n > 0 {
		fmt.Fprintf(w, "  dossiers created: %d\n", n)
	}
	fmt.Fprint(w, checks)
	if len(r.links) > 0 {
		fmt.Fprintf(w, "symbolic links skipped (never followed; import the file itself): %d\n", len(r.links))
		for i, l := range r.links {
			if i == maxListed {
				fmt.Fprintf(w, "  … and %d more\n", len(r.links)-i)
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
	if len(r.failures) == 0 {
		return
	}
	fmt.Fprintln(w, "failed files:")
	writeGrouped(w, r.failures)
}

// maxListed is how many files a grouped line or list names before "and N
// more".
const maxListed = 10

// groupShown is how many files a line of failures sharing one reason
// names.
const groupShown = 3

// writeGrouped prints failures, one line per reason: a reason met once
// as "path: reason", a repeated one as "reason — N files: a, b, c and N-3
// more", most frequent first, so 3,400 files failing the same way take
// one line.
func writeGrouped(w io.Writer, fails []ingestFailure) {
	type group struct {
		reason string
		fails  []ingestFailure
	}
	byReason := map[string]*group{}
	var groups []*group
	for _, f := range fails {
		g := byReason[f.reason]
		if g == nil {
			g = &group{reason: f.reason}
			byReason[f.reason] = g
			groups = append(groups, g)
		}
		g.fails = append(g.fails, f)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if len(groups[i].fails) != len(groups[j].fails) {
			return len(groups[i].fails) > len(groups[j].fails)
		}
		return groups[i].reason < groups[j].reason
	})
	shown := func(f ingestFailure) string {
		if f.where != "" && !strings.Contains(f.reason, f.where) {
			return fmt.Sprintf("%s (%s)", f.path, f.where)
		}
		return f.path
	}
	for _, g := range groups {
		sort.SliceStable(g.fails, func(i, j int) bool { return g.fails[i].path < g.fails[j].path })
		if len(g.fails) == 1 {
			fmt.Fprintf(w, "  %s: %s\n", shown(g.fails[0]), g.reason)
			continue
		}
		var names []string
		for _, f := range g.fails[:min(groupShown, len(g.fails))] {
			names = append(names, shown(f))
		}
		list := strings.Join(names, ", ")
		if rest := len(g.fails) - len(names); rest > 0 {
			list += fmt.Sprintf(" and %d more", rest)
		}
		fmt.Fprintf(w, "  %s — %d files: %s\n", g.reason, len(g.fails), list)
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
