package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/fsblob"
)

// Issue 8 (reliability): what `sohoa ingest` refuses to import, and how
// it fails.

// ingestState is what the catalog and blob store hold, to show that a
// refused import changed nothing.
type ingestState struct {
	docs, blobs int
	dossiers    []string
}

func ingestSnapshot(t *testing.T, dataDir string) ingestState {
	t.Helper()
	ctx := context.Background()
	db := ingestOpenCatalog(t, dataDir)
	defer db.Close()
	var s ingestState
	docs, err := db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, Limit: 1000})
	require.NoError(t, err)
	s.docs = len(docs)
	page, err := db.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, Limit: 1000})
	require.NoError(t, err)
	for _, d := range page.Dossiers {
		s.dossiers = append(s.dossiers, d.Code)
	}
	blobs, err := fsblob.New(filepath.Join(dataDir, "blobs"), fsblob.Options{})
	require.NoError(t, err)
	require.NoError(t, blobs.List(ctx, func(sohoa.BlobInfo) error { s.blobs++; return nil }))
	return s
}

// ingestVariant writes a distinct PDF (unsigned.pdf plus a comment after
// %%EOF, pad bytes long) to dir/name.
func ingestVariant(t *testing.T, dir, name string, i, pad int) string {
	t.Helper()
	base, err := os.ReadFile(sample("unsigned.pdf"))
	require.NoError(t, err)
	body := append(append([]byte(nil), base...), fmt.Sprintf("%% variant %d %s\n", i, strings.Repeat("x", pad))...)
	p := filepath.Join(dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, body, 0o644))
	return p
}

func writeManifest(t *testing.T, dir string, rows ...string) string {
	t.Helper()
	p := filepath.Join(dir, "manifest.csv")
	require.NoError(t, os.WriteFile(p, []byte("file,dossier,unit,procedure,role,component,received_at\n"+strings.Join(rows, "\n")+"\n"), 0o644))
	return p
}

// Manifest rows may not name files outside the manifest's folder: not by
// "..", not by an absolute path, not through a symbolic link. Before, the
// rows below stored /etc/passwd and /etc/hostname for good.
func TestIngestManifestTraversal(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	before := ingestSnapshot(t, dataDir)
	in, outside := t.TempDir(), t.TempDir()
	secret := ingestVariant(t, outside, "secret.pdf", 1, 0)
	require.NoError(t, os.Symlink(secret, filepath.Join(in, "link.pdf")))
	ingestVariant(t, in, "ok.pdf", 2, 0)
	up := strings.Repeat("../", strings.Count(in, "/")+2)
	manifest := writeManifest(t, in,
		"ok.pdf,"+ingDossier+",,,component,Đơn đề nghị,",
		up+"etc/passwd,"+ingDossier+",,,result,,",
		"/etc/hostname,"+ingDossier+",,,report,,",
		"link.pdf,"+ingDossier+",,,report,,")
	vars := map[string]string{"SOHOA_DATA_DIR": dataDir}

	code, out, errOut := runCLI(t, vars, "ingest", "--no-wait", "--manifest", manifest)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, errOut, "manifest has 3 bad rows; nothing was imported")
	assert.Contains(t, errOut, `line 3: file "`+up+`etc/passwd" is outside the manifest's folder`)
	assert.Contains(t, errOut, `line 4: file "/etc/hostname" is an absolute path`)
	assert.Contains(t, errOut, "line 5: link.pdf: a symbolic link leads it outside the manifest's folder (to "+secret+")")
	assert.Equal(t, before, ingestSnapshot(t, dataDir), "nothing stored")

	// Only the symbolic link: still refused (the path check alone passes).
	manifest = writeManifest(t, in, "link.pdf,"+ingDossier+",,,report,,")
	code, out, errOut = runCLI(t, vars, "ingest", "--no-wait", "--manifest", manifest)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, errOut, "line 2: link.pdf: a symbolic link leads it outside")
	assert.Equal(t, before, ingestSnapshot(t, dataDir), "nothing stored")

	// --allow-outside (or SOHOA_INGEST_ALLOW_OUTSIDE) lets an operator
	// import from elsewhere on purpose; the content rule still applies.
	manifest = writeManifest(t, in,
		"link.pdf,"+ingDossier+",,,report,,",
		"/etc/hostname,"+ingDossier+",,,report,,")
	code, out, errOut = runCLI(t, vars, "ingest", "--no-wait", "--allow-outside", "--manifest", manifest)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, errOut, "line 3: /etc/hostname: the file is not a PDF")
	manifest = writeManifest(t, in, "link.pdf,"+ingDossier+",,,report,,", "../"+filepath.Base(outside)+"/secret.pdf,"+ingDossier+",,,report,,")
	vars["SOHOA_INGEST_ALLOW_OUTSIDE"] = "true"
	code, out, errOut = runCLI(t, vars, "ingest", "--no-wait", "--manifest", manifest)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "new:        1")
	assert.Contains(t, out, "duplicates: 1", "the link and the path name the same file")
}

// Folder walks never follow symbolic links, and say which they skipped.
func TestIngestWalkSkipsSymlinks(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	in, outside := t.TempDir(), t.TempDir()
	ingestVariant(t, in, ingDossier+"__don_de_nghi.pdf", 1, 0)
	secret := ingestVariant(t, outside, "secret.pdf", 2, 0)
	link := filepath.Join(in, ingDossier+"__ban_sao_cccd.pdf")
	require.NoError(t, os.Symlink(secret, link))
	require.NoError(t, os.Symlink(outside, filepath.Join(in, "more")))

	code, out, errOut := runCLI(t, map[string]string{"SOHOA_DATA_DIR": dataDir}, "ingest", "--no-wait", in)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "new:        1")
	assert.Contains(t, out, "symbolic links skipped (never followed; import the file itself): 2")
	assert.Contains(t, out, link+" → "+secret+" (outside the folder)")
	assert.Contains(t, out, filepath.Join(in, "more")+" → "+outside+" (outside the folder)")
	assert.Equal(t, 1, ingestSnapshot(t, dataDir).blobs)
}

// Files are accepted by content, not name: a PDF, or a detached CMS
// signature beside the file it signs. Before, a manifest imported any
// file whose name did not end in .pdf.
func TestIngestContentNotName(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	before := ingestSnapshot(t, dataDir)
	in := t.TempDir()
	vars := map[string]string{"SOHOA_DATA_DIR": dataDir}
	ingestVariant(t, in, "scan.pdf", 1, 0)
	require.NoError(t, os.WriteFile(filepath.Join(in, "fake.pdf"), []byte("PK\x03\x04 a zip archive named .pdf"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(in, "photo.jpg"), []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00 a photo"), 0o644))
	manifest := writeManifest(t, in,
		"scan.pdf,"+ingDossier+",,,component,Đơn đề nghị,",
		"fake.pdf,"+ingDossier+",,,component,Bản sao CCCD,",
		"photo.jpg,"+ingDossier+",,,result,,")
	code, out, errOut := runCLI(t, vars, "ingest", "--no-wait", "--manifest", manifest)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, errOut, "line 3: fake.pdf: the file is not a PDF (no %PDF- header in its first 1024 bytes)")
	assert.Contains(t, errOut, "line 4: photo.jpg: the file is not a PDF")
	assert.Equal(t, before, ingestSnapshot(t, dataDir), "nothing stored, not even scan.pdf")

	// Walked: each file on its own.
	walk := t.TempDir()
	ingestVariant(t, walk, ingDossier+"__don_de_nghi.pdf", 2, 0)
	require.NoError(t, os.WriteFile(filepath.Join(walk, ingDossier+"__ban_sao_cccd.pdf"), []byte("<html>an error page saved as .pdf</html>"), 0o644))
	code, out, errOut = runCLI(t, vars, "ingest", "--no-wait", walk)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "new:        1")
	assert.Contains(t, out, "__ban_sao_cccd.pdf: the file is not a PDF")

	// A detached signature beside the file it signs is imported with it.
	sig := t.TempDir()
	for _, n := range []string{"report.xml", "report.xml.p7s"} {
		ingestCopy(t, sample(n), sig, n)
	}
	manifest = writeManifest(t, sig, "report.xml,"+ingDossier+",,,report,,", "report.xml.p7s,"+ingDossier+",,,report,,")
	code, out, errOut = runCLI(t, vars, "ingest", "--no-wait", "--manifest", manifest)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "new:        2")
}

// A manifest is checked whole against the catalog before anything is
// stored. Before, the good rows were imported and the bad ones failed one
// by one, leaving a half-imported batch.
func TestIngestManifestAllOrNothing(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	before := ingestSnapshot(t, dataDir)
	in := t.TempDir()
	for i := range 6 {
		ingestVariant(t, in, fmt.Sprintf("f%d.pdf", i), i, 0)
	}
	manifest := writeManifest(t, in,
		"f0.pdf,"+ingDossier+",,,component,Đơn đề nghị,",          // 2 good
		"f1.pdf,NEW-1,"+ingUnit+","+ingProcedure+",,,2026-03-01",  // 3 good: creates NEW-1
		"f2.pdf,NEW-2,NO.SUCH.UNIT,"+ingProcedure+",,,2026-03-01", // 4 unknown unit
		"f3.pdf,NEW-3,"+ingUnit+",9.999,,,2026-03-01",             // 5 unknown procedure
		"f4.pdf,"+ingDossier+",,,component,Phụ lục,",              // 6 not a component of 1.001
		"f5.pdf,"+ingDossier+",,,component,ban sao cccd,",         // 7 good (loosely written)
		"missing.pdf,"+ingDossier+",,,result,,")                   // 8 no such file
	vars := map[string]string{"SOHOA_DATA_DIR": dataDir}
	code, out, errOut := runCLI(t, vars, "ingest", "--manifest", manifest)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Empty(t, out, "no summary: nothing was tried")
	for _, want := range []string{
		"manifest has 4 bad rows; nothing was imported",
		"line 4: unit NO.SUCH.UNIT does not exist (add it with sohoa unit add)",
		"line 5: procedure 9.999 does not exist (add it with sohoa procedure add)",
		`line 6: component "Phụ lục" is not one of procedure 1.001's components (Đơn đề nghị; Bản sao CCCD)`,
		"line 8: missing.pdf: no such file or directory",
	} {
		assert.Contains(t, errOut, want)
	}
	assert.Equal(t, before, ingestSnapshot(t, dataDir), "catalog and blob store unchanged")
	_, err := os.Stat(filepath.Join(dataDir, ingestJournalName))
	assert.ErrorIs(t, err, os.ErrNotExist, "not even the journal is written")
}

// A component name must be one of the procedure's: a document under any
// other name could never make its dossier digitized.
func TestIngestUnknownComponent(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	in := t.TempDir()
	bad := ingestVariant(t, in, ingDossier+"__Giấy tờ khác.pdf", 1, 0)
	ingestVariant(t, in, ingDossier+"__Don-de-nghi.pdf", 2, 0)
	code, out, errOut := runCLI(t, map[string]string{"SOHOA_DATA_DIR": dataDir}, "ingest", "--no-wait", in)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "new:        1")
	assert.Contains(t, out, bad+`: component "Giấy tờ khác" is not one of procedure 1.001's components (Đơn đề nghị; Bản sao CCCD)`)
	assert.Equal(t, 1, ingestSnapshot(t, dataDir).docs)
}

// --unit restricts new dossiers' codes: a Circular 01/2018 code carries
// its unit's code. Before, a file named for unit G05's dossier was
// created in whatever unit --unit named.
func TestIngestUnitForeignCode(t *testing.T) {
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	db := ingestOpenCatalog(t, dataDir)
	require.NoError(t, db.CreateUnit(ctx, &sohoa.Unit{Code: "000.00.13.H10", Name: "Một cửa khác"}))
	require.NoError(t, db.Close())
	before := ingestSnapshot(t, dataDir)
	vars := map[string]string{"SOHOA_DATA_DIR": dataDir}
	in := t.TempDir()
	foreign := ingestVariant(t, in, "000.00.12.G05-261201-0001__Đơn đề nghị.pdf", 1, 0)
	own := ingestVariant(t, in, "000.00.13.H10-261201-0001__Đơn đề nghị.pdf", 2, 0)
	other := ingestVariant(t, in, "HS-2026-77__Đơn đề nghị.pdf", 3, 0)

	code, out, errOut := runCLI(t, vars, "ingest", "--no-wait", "--unit", "000.00.13.H10", "--procedure", ingProcedure, foreign, own, other)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, foreign+": its dossier does not exist, and its code is a code of unit 000.00.12.G05 (Circular 01/2018: <unit code>-YYMMDD-NNNN), not of 000.00.13.H10 (--unit)")
	assert.Contains(t, out, "new:        2", "its own unit's code and another system's code")
	after := ingestSnapshot(t, dataDir)
	assert.ElementsMatch(t, append(before.dossiers, "000.00.13.H10-261201-0001", "HS-2026-77"), after.dossiers)

	// The same through a manifest: the whole manifest is refused.
	manifest := writeManifest(t, in,
		filepath.Base(own)+",000.00.13.H10-261201-0002,,,,,",
		filepath.Base(foreign)+",000.00.12.G05-261201-0002,,,,,",
		filepath.Base(own)+","+ingDossier+",,,result,,")
	code, out, errOut = runCLI(t, vars, "ingest", "--no-wait", "--unit", "000.00.13.H10", "--procedure", ingProcedure, "--manifest", manifest)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, errOut, "line 3: dossier code 000.00.12.G05-261201-0002 is a code of unit 000.00.12.G05 (Circular 01/2018: <unit code>-YYMMDD-NNNN), not of unit 000.00.13.H10")
	assert.Contains(t, errOut, "line 4: dossier "+ingDossier+" belongs to unit 000.00.12.G05, not 000.00.13.H10 (--unit)")
	assert.Contains(t, errOut, "2 bad rows")
	assert.Equal(t, after, ingestSnapshot(t, dataDir))

	// A --unit or --procedure that does not exist is said at once.
	code, _, errOut = runCLI(t, vars, "ingest", "--no-wait", "--unit", "NO.SUCH", "--procedure", ingProcedure, in)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "unit NO.SUCH does not exist")
}

// One file under two components of one dossier: the catalog keeps a file
// once per dossier, so the second used to be dropped as a "duplicate" and
// the dossier lacked a component for good.
func TestIngestSameFileTwoComponents(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	before := ingestSnapshot(t, dataDir)
	vars := map[string]string{"SOHOA_DATA_DIR": dataDir}
	in := t.TempDir()
	a := ingestVariant(t, in, "a.pdf", 1, 0)
	data, err := os.ReadFile(a)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(in, "copy of a.pdf"), data, 0o644))
	manifest := writeManifest(t, in,
		"a.pdf,"+ingDossier+",,,component,Đơn đề nghị,",
		"a.pdf,"+ingDossier+",,,component,Bản sao CCCD,")
	code, out, errOut := runCLI(t, vars, "ingest", "--no-wait", "--manifest", manifest)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, errOut, `line 3: a.pdf is listed for dossier `+ingDossier+` as component "Bản sao CCCD" here and as component "Đơn đề nghị" on line 2: a dossier holds a file once`)
	manifest = writeManifest(t, in,
		"a.pdf,"+ingDossier+",,,component,Đơn đề nghị,",
		"copy of a.pdf,"+ingDossier+",,,result,,")
	code, out, errOut = runCLI(t, vars, "ingest", "--no-wait", "--manifest", manifest)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, errOut, `line 3: copy of a.pdf has the same bytes as a.pdf (line 2), listed for dossier `+ingDossier+` as result here and as component "Đơn đề nghị" there`)
	assert.Equal(t, before, ingestSnapshot(t, dataDir))

	// Named by convention, the second is a conflict, not a duplicate.
	walk := t.TempDir()
	first := filepath.Join(walk, ingDossier+"__ban_sao_cccd.pdf")
	second := filepath.Join(walk, ingDossier+"__don_de_nghi.pdf")
	require.NoError(t, os.WriteFile(first, data, 0o644))
	require.NoError(t, os.WriteFile(second, data, 0o644))
	code, out, errOut = runCLI(t, vars, "ingest", "--no-wait", "--parallel", "1", walk)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "new:        1")
	assert.Contains(t, out, "duplicates: 0")
	assert.Regexp(t, regexp.QuoteMeta(second+`: the same bytes are already in the dossier as component "Bản sao CCCD" (file `+filepath.Base(first)+", document ")+`\d+\): a dossier holds a file once, so it was not added as component "Đơn đề nghị"`, out)
}

// Repeated failures take one line; messages carry no Go error chains,
// driver names or connection strings.
func TestIngestClerkOutput(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	in := t.TempDir()
	for i := range 12 {
		require.NoError(t, os.WriteFile(filepath.Join(in, fmt.Sprintf("%s__don_de_nghi-%02d.pdf", ingDossier, i)), []byte("not a PDF"), 0o644))
	}
	code, out, errOut := runCLI(t, map[string]string{"SOHOA_DATA_DIR": dataDir}, "ingest", "--no-wait", in)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "failed:     12")
	assert.Contains(t, out, "  the file is not a PDF (no %PDF- header in its first 1024 bytes): only PDF files, and detached .p7s signatures beside the file they sign, are imported — 12 files: "+
		filepath.Join(in, ingDossier+"__don_de_nghi-00.pdf")+", "+filepath.Join(in, ingDossier+"__don_de_nghi-01.pdf")+", "+filepath.Join(in, ingDossier+"__don_de_nghi-02.pdf")+" and 9 more\n")
	assert.Equal(t, 1, strings.Count(out, "the file is not a PDF"), "one line for the 12 files")

	// A catalog that cannot be reached: which one, why, and nothing else.
	code, out, errOut = runCLI(t, map[string]string{"SOHOA_DATA_DIR": dataDir, "SOHOA_DATABASE_URL": "postgres://clerk:s3cr3t@127.0.0.1:1/sohoa?sslmode=disable"}, "ingest", "--no-wait", in)
	require.Equal(t, exitInternal, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, errOut, "sohoa ingest: cannot open the catalog (PostgreSQL at 127.0.0.1:1/sohoa)")
	assert.Contains(t, errOut, "connection refused")
	for _, leak := range []string{"s3cr3t", "clerk", "postgres://", "pgx", "pgconn", "failed to connect", "user=", "dial tcp"} {
		assert.NotContains(t, errOut, leak)
	}
}

func TestClerkReason(t *testing.T) {
	pgErr := fmt.Errorf("ingest a.pdf into dossier D: look up dossier D: %w", &pgconn.PgError{Severity: "ERROR", Code: "42P01", Message: `relation "dossiers" does not exist`})
	assert.Equal(t, `could not be stored: the catalog database refused the change (relation "dossiers" does not exist)`, clerkReason(pgErr))
	assert.Equal(t, "out of storage space", clerkReason(fmt.Errorf("ingest a.pdf: store file: fsblob: put: %w", &os.PathError{Op: "write", Path: "/d/blobs/tmp/put-1", Err: syscall.ENOSPC})))
	assert.Equal(t, "out of storage space", clerkReason(fmt.Errorf("x: %w", sohoa.ErrNoSpace)))
	assert.Equal(t, "permission denied", clerkReason(syscall.EACCES))
	assert.Equal(t, "could not be stored: server at db.example:5432 said no", clerkReason(errors.New("pq: server at postgres://u:pw@db.example:5432/x said no")))
	assert.Equal(t, "dossier X does not exist", clerkReason(fmt.Errorf("ingest a.pdf: %w", sohoa.Errorf(sohoa.EINVALID, "dossier X does not exist"))))
	assert.Equal(t, "host=db password=*** user", scrub("host=db password=hunter2 user"))
}

// A full data disk stops the import at once with one message, the
// summary so far and where to free space; the same command then finishes
// the job, skipping what was stored. The data directory is a small tmpfs.
func TestIngestOutOfSpace(t *testing.T) {
	root := t.TempDir()
	dataDir := filepath.Join(root, "data")
	require.NoError(t, os.MkdirAll(dataDir, 0o755))
	if err := syscall.Mount("tmpfs", dataDir, "tmpfs", 0, "size=6m,mode=0755"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mount a tmpfs (needs root or CAP_SYS_ADMIN): %v; CI is set, so this test may not skip", err)
		}
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dataDir, syscall.MNT_DETACH) })
	ingestSeed(t, dataDir)
	var fs syscall.Statfs_t
	require.NoError(t, syscall.Statfs(dataDir, &fs))
	free := int64(fs.Bavail) * int64(fs.Bsize)
	// Files of a quarter of the free space: the fourth or fifth does not fit.
	const n = 12
	size := int(free / 4)
	in := filepath.Join(root, "in")
	var files []string
	for i := range n {
		files = append(files, ingestVariant(t, in, fmt.Sprintf("p%02d/%s-261130-%04d__don_de_nghi.pdf", i, ingUnit, 2000+i), i, size))
	}
	vars := map[string]string{"SOHOA_DATA_DIR": dataDir}
	args := []string{"ingest", "--progress", "none", "--parallel", "2", "--unit", ingUnit, "--procedure", ingProcedure, in}

	start := time.Now()
	code, out, errOut := runCLI(t, vars, args...)
	t.Logf("full disk (%s):\nstdout:\n%s\nstderr:\n%s", time.Since(start), out, errOut)
	require.Equal(t, exitFailure, code)
	stored := summaryCount(t, out, "new")
	assert.Greater(t, stored, 0)
	assert.Less(t, stored, n)
	assert.Contains(t, out, "  failed:     0\n", "running out of space fails no file: they are not imported yet")
	assert.Contains(t, out, fmt.Sprintf("  not imported: %d (the import stopped before them)", n-stored))
	assert.Contains(t, out, fmt.Sprintf("stopped: out of storage space. The %d file(s) stored so far are kept; %d file(s) were not imported.", stored, n-stored))
	assert.Contains(t, out, "free space on the disk holding the data directory "+dataDir+", then run the same command: the files already stored are skipped")
	assert.Equal(t, 1, strings.Count(out, "out of storage space"), "one message, not one per file")
	assert.NotContains(t, out+errOut, "no space left on device", "the reason in words, not errno text per file")
	assert.Less(t, strings.Count(errOut, "\n"), 5, "no storm of log lines:\n%s", errOut)
	assert.Less(t, time.Since(start), 30*time.Second)

	// Free space, run the same command.
	require.NoError(t, syscall.Mount("tmpfs", dataDir, "tmpfs", syscall.MS_REMOUNT, "size=64m,mode=0755"))
	code, out, errOut = runCLI(t, vars, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Equal(t, stored, summaryCount(t, out, "skipped"), "what the first run stored is skipped")
	assert.Equal(t, n-stored, summaryCount(t, out, "new"))
	s := ingestSnapshot(t, dataDir)
	assert.Equal(t, n, s.docs)
	assert.GreaterOrEqual(t, s.blobs, n)
}

// summaryCount reads "  name: N" from ingest's summary.
func summaryCount(t *testing.T, out, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^  ` + name + `: +(\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m, "no %q line in\n%s", name, out)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return n
}
