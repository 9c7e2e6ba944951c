package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/pipeline/importer"
	"github.com/sohoa/sohoa/pipeline/source"
)

func init() {
	register("ingest", "import files into dossiers (bulk import; safe to interrupt and re-run)", runIngest)
}

// ingestJournalName is the ingest journal's file in the data directory.
const ingestJournalName = "ingest-journal.jsonl"

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

// runIngest is `sohoa ingest`: flags and output around importer.Import.
// Exit 0: every file is stored (and, unless --no-wait, inspected and
// verified); 1: some file failed, the manifest was rejected (nothing
// imported), or the run stopped early (out of space, interrupted: re-run
// the same command to finish); 64: bad usage; 4: the stores could not be
// opened.
func runIngest(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "ingest", "")
	fs.Usage = func() {
		fmt.Fprint(e.stderr, ingestHelp)
		fs.PrintDefaults()
	}
	cfg := addStoreFlags(fs, e)
	trustDir := fs.String("trust-dir", "", "trust anchor directory (env SOHOA_TRUST_DIR; default <data dir>/trust when it exists)")
	cfg.NoBuiltinTrust = noBuiltinTrustFlag(fs, e)
	manifestPath := fs.String("manifest", "", "CSV manifest saying which dossier each file belongs to (columns "+strings.Join(source.ManifestColumns, ",")+"); without PATH, imports every file it lists")
	allowOutsideEnv := e.getenv("SOHOA_INGEST_ALLOW_OUTSIDE")
	allowOutside := fs.Bool("allow-outside", false, "accept manifest rows naming files outside the manifest's folder: absolute paths, \"..\", symbolic links leading out (env SOHOA_INGEST_ALLOW_OUTSIDE)")
	unit := fs.String("unit", "", "the unit being imported: files of dossiers in other units fail, and so do new dossiers whose Circular 01/2018 code is another unit's; with --procedure, dossiers named by files that do not exist yet are created in this unit")
	procedure := fs.String("procedure", "", "procedure of the dossiers created from file names (needs --unit); also fills empty procedure cells of the manifest")
	recheck := fs.Bool("recheck", false, "read every file again, even one an earlier run stored (the journal is not consulted): storing the same bytes again repairs a blob sohoa fsck reports damaged")
	noWait := fs.Bool("no-wait", false, "return once the files are stored (another process, sohoa work, inspects and verifies them)")
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
		// the files and the catalog finds: all in one list.
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

	events := &ingestEvents{e: e, mode: *progressMode}
	sum, err := importer.Import(ctx, importer.Config{Pipeline: pipe, Catalog: st.Catalog, Logger: e.log}, importer.Options{
		Paths: paths, Manifest: manifest, Unit: *unit, Procedure: *procedure, Recheck: *recheck, NoWait: *noWait,
		Parallel: *parallel, JournalPath: filepath.Join(cfg.DataDir, ingestJournalName), Events: events,
	})
	if err != nil {
		return ingestRefused(e, cfg, *manifestPath, err)
	}
	if err := sum.JournalErr; err != nil {
		fmt.Fprintf(e.stderr, "sohoa ingest: the journal %s could not be saved (%s); a re-run reads the files again\n", sum.JournalPath, scrub(innermost(err)))
	}
	printIngestSummary(e.stdout, sum)
	switch {
	case sum.Stopped != nil:
		fmt.Fprintf(e.stdout, "stopped: %s. The %d file(s) stored so far are kept; %d file(s) were not imported.\n",
			clerkReason(sum.Stopped), sum.Stored(), sum.NotImported)
		fmt.Fprintf(e.stdout, "free space on %s, then run the same command: the files already stored are skipped\n", noSpaceWhere(sum.Stopped, cfg))
	case sum.Interrupted:
		fmt.Fprintln(e.stdout, "interrupted: the files stored so far are kept; run the same command again to import the rest")
	case sum.WaitErr != nil:
		e.log.Debug("waiting for the workers", "err", scrub(sum.WaitErr.Error()))
		fmt.Fprintf(e.stdout, "waiting for inspection and verification failed: %s; `sohoa work` finishes them, and `sohoa status CODE` shows each dossier\n", clerkReason(sum.WaitErr))
	case *noWait:
		fmt.Fprintln(e.stdout, "not waiting for inspection and verification (--no-wait): `sohoa work` finishes them")
	}
	if !sum.OK() {
		return exitFailure
	}
	return exitOK
}

// ingestRefused prints why the import was refused before anything was
// stored and returns the exit code.
func ingestRefused(e *env, cfg *storeConfig, manifestPath string, err error) int {
	var ie *importer.Error
	if !errors.As(err, &ie) {
		fmt.Fprintln(e.stderr, "sohoa ingest:", clerkReason(err))
		return exitCode(err)
	}
	switch ie.Stage {
	case importer.StageManifest:
		fmt.Fprintf(e.stderr, "sohoa ingest: %s: %s\n", manifestPath, clerkReason(ie.Err))
	case importer.StageWorkers:
		fmt.Fprintln(e.stderr, "sohoa ingest: starting the workers:", clerkReason(ie.Err))
		return exitInternal
	case importer.StageJournal:
		fmt.Fprintln(e.stderr, "sohoa ingest:", clerkReason(ie.Err))
		if isNoSpace(ie.Err) {
			fmt.Fprintf(e.stderr, "free space on %s, then run the same command\n", noSpaceWhere(ie.Err, cfg))
			return exitFailure
		}
		return exitInternal
	default:
		fmt.Fprintln(e.stderr, "sohoa ingest:", clerkReason(ie.Err))
	}
	return exitCode(ie.Err)
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
