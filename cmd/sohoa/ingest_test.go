package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testenv"
	"github.com/sohoa/sohoa/pipeline/source"
	"github.com/sohoa/sohoa/storage/fsblob"
	"github.com/sohoa/sohoa/storage/postgres"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
	"github.com/sohoa/sohoa/storage/sqlite"
)

// Reference data of the ingest tests.
const (
	ingUnit      = "000.00.12.G05"
	ingProcedure = "1.001"
	ingDossier   = "000.00.12.G05-261130-0007"
)

// ingestSeed creates the embedded-default catalog in dataDir with a unit,
// a procedure with two components and one dossier, and closes it (SQLite
// has one writer: the command under test opens it again).
func ingestSeed(t *testing.T, dataDir string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, os.MkdirAll(dataDir, 0o755))
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, "sohoa.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer db.Close()
	ingestSeedCatalog(t, db)
}

// ingestSeedCatalog creates the tests' unit, procedure and dossier.
func ingestSeedCatalog(t *testing.T, db sohoa.Catalog) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, db.CreateUnit(ctx, &sohoa.Unit{Code: ingUnit, Name: "Bộ phận Một cửa"}))
	require.NoError(t, db.CreateProcedure(ctx, &sohoa.Procedure{Code: ingProcedure, Name: "Cấp giấy phép",
		RequiredComponents: []string{"Đơn đề nghị", "Bản sao CCCD"}}))
	require.NoError(t, db.CreateDossier(ctx, &sohoa.Dossier{Code: ingDossier, UnitCode: ingUnit, ProcedureCode: ingProcedure,
		ReceivedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, sohoa.Location())}))
}

// openCatalog opens the data directory's catalog for assertions.
func ingestOpenCatalog(t *testing.T, dataDir string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "sohoa.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// copyFile copies a sample to dir/name.
func ingestCopy(t *testing.T, src, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	dst := filepath.Join(dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	require.NoError(t, os.WriteFile(dst, data, 0o644))
	return dst
}

func ingestSHA(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

func TestIngestEndToEnd(t *testing.T) {
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	in := t.TempDir()
	signed := ingestCopy(t, sample("signed-valid-blt.pdf"), in, ingDossier+".1.pdf")
	cccd := ingestCopy(t, sample("unsigned.pdf"), in, "scans/"+ingDossier+"__ban_sao_cccd.pdf")
	listed := ingestCopy(t, sample("two-signatures.pdf"), in, "scans/scan0001.pdf")
	result := ingestCopy(t, sample("certified-p2.pdf"), in, "scans/scan0002.pdf")
	ingestCopy(t, sample("tampered-digest.pdf"), in, "unnamed.pdf")
	tampered := ingestCopy(t, sample("tampered-digest.pdf"), in, "scans/"+ingDossier+"__kq.pdf")
	require.NoError(t, os.WriteFile(filepath.Join(in, ingDossier+"__Tờ khai.pdf"), []byte("not a pdf at all"), 0o644))
	unknown := ingestCopy(t, sample("scan-300dpi.pdf"), in, ingDossier+"__Phụ lục.pdf")
	manifest := filepath.Join(in, "manifest.csv")
	require.NoError(t, os.WriteFile(manifest, []byte("\uFEFFfile,dossier,unit,procedure,role,component,received_at,note\n"+
		"scans/scan0001.pdf,EXT-2026-0001,"+ingUnit+","+ingProcedure+",component,don-de-nghi,2026-03-14T09:30:00+07:00,from the old system\n"+
		"scans/scan0002.pdf,EXT-2026-0001,,,result,,,\n"), 0o644))

	vars := map[string]string{"SOHOA_DATA_DIR": dataDir}
	args := []string{"ingest", "--trust-dir", sample("trust"), "--manifest", manifest, in}
	code, out, errOut := runCLI(t, vars, args...)
	require.Equal(t, exitFailure, code, "three files fail\nstdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "new:        5")
	assert.Contains(t, out, "failed:     3")
	assert.Contains(t, out, "dossiers:   2")
	assert.Contains(t, out, "dossiers created: 1")
	assert.Contains(t, out, "signatures: 3 TOTAL_PASSED, 1 TOTAL_FAILED, 1 INDETERMINATE")
	assert.Contains(t, out, "needs attention")
	assert.Contains(t, out, tampered+": signature TOTAL_FAILED HASH_FAILURE")
	assert.Contains(t, out, filepath.Join(in, "unnamed.pdf")+`: cannot tell the dossier from the file name: name it CODE__component.pdf or CODE.1.pdf, or list it in a manifest`)
	assert.Contains(t, out, "__Tờ khai.pdf: the file is not a PDF (no %PDF- header in its first 1024 bytes)")
	assert.Contains(t, out, unknown+`: component "Phụ lục" is not one of procedure 1.001's components (Đơn đề nghị; Bản sao CCCD)`)
	assert.Contains(t, out, "inspected and verified: 5 document(s)")
	assert.NotContains(t, out, "manifest.csv", "the manifest itself is not imported")
	assert.Contains(t, errOut, "ingest: 7/7 files", "a plain progress line when stderr is not a terminal")

	db := ingestOpenCatalog(t, dataDir)
	docs, err := db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: ingDossier})
	require.NoError(t, err)
	require.Len(t, docs, 3)
	byName := map[string]*sohoa.Document{}
	for _, d := range docs {
		byName[d.FileName] = d
		assert.Equal(t, sohoa.SourceBulk, d.Source)
		assert.Equal(t, "system:ingest", d.UploadedBy)
	}
	assert.Equal(t, "Đơn đề nghị", byName[filepath.Base(signed)].ComponentName, "CODE.1.pdf is the procedure's first component")
	assert.Equal(t, "Bản sao CCCD", byName[filepath.Base(cccd)].ComponentName, "a loosely written component takes the procedure's name")
	assert.Equal(t, ingestSHA(t, signed), byName[filepath.Base(signed)].BlobKey)

	d, err := db.FindDossierByCode(ctx, "EXT-2026-0001")
	require.NoError(t, err, "created from the manifest")
	assert.Equal(t, ingUnit, d.UnitCode)
	assert.True(t, d.ReceivedAt.Equal(time.Date(2026, 3, 14, 2, 30, 0, 0, time.UTC)))
	docs, err = db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: "EXT-2026-0001"})
	require.NoError(t, err)
	require.Len(t, docs, 2)
	for _, doc := range docs {
		switch doc.BlobKey {
		case ingestSHA(t, listed):
			assert.Equal(t, "Đơn đề nghị", doc.ComponentName)
		case ingestSHA(t, result):
			assert.Equal(t, sohoa.RoleResult, doc.Role)
		default:
			t.Errorf("unexpected document %+v", doc)
		}
	}
	// Waited for: every stored document is verified.
	ver, err := db.LatestVerification(ctx, byName[filepath.Base(signed)].ID)
	require.NoError(t, err)
	assert.Equal(t, sohoa.IndicationTotalPassed, ver.Indication, "verified with --trust-dir")
	require.NoError(t, db.Close())

	// Re-run: the journal skips what is done, the failures fail again.
	code, out, errOut = runCLI(t, vars, args...)
	require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "new:        0")
	assert.Contains(t, out, "skipped:    5")
	assert.Contains(t, out, "failed:     3")

	// Without the journal the pipeline's duplicate detection catches them.
	require.NoError(t, os.Remove(filepath.Join(dataDir, ingestJournalName)))
	code, out, _ = runCLI(t, vars, append(args[:len(args)-1], "--no-wait", signed, cccd)...)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "duplicates: 2")
	assert.Contains(t, out, "not waiting")
	assert.NotContains(t, out, "failed files")
}

func TestIngestManifestOnly(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	in := t.TempDir()
	ingestCopy(t, sample("unsigned.pdf"), in, "a/Đơn.pdf")
	manifest := filepath.Join(in, "list.csv")
	require.NoError(t, os.WriteFile(manifest, []byte("file,dossier,unit,procedure,role,component,received_at\n"+
		"a/Đơn.pdf,"+ingDossier+",,,component,Đơn đề nghị,\n"+
		"a/Đơn.pdf,NEW-1,"+ingUnit+","+ingProcedure+",component,,2026-03-01\n"), 0o644))
	code, out, errOut := runCLI(t, map[string]string{"SOHOA_DATA_DIR": dataDir}, "ingest", "--no-wait", "--manifest", manifest)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "new:        2", "one file, listed for two dossiers")
	assert.Contains(t, out, "dossiers:   2")
	assert.Contains(t, out, "failed:     0")
}

func TestIngestCreatesDossiersNamedByFiles(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	in := t.TempDir()
	ingestCopy(t, sample("unsigned.pdf"), in, "000.00.12.G05-261201-0001__Đơn đề nghị.pdf")
	vars := map[string]string{"SOHOA_DATA_DIR": dataDir}

	code, out, _ := runCLI(t, vars, "ingest", "--no-wait", in)
	require.Equal(t, exitFailure, code, out)
	assert.Contains(t, out, "000.00.12.G05-261201-0001__Đơn đề nghị.pdf: its dossier does not exist: create it first, list the file in a manifest with unit, procedure and received_at, or pass --unit and --procedure")

	code, out, errOut := runCLI(t, vars, "ingest", "--no-wait", "--progress", "bar", "--unit", ingUnit, "--procedure", ingProcedure, in)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "dossiers created: 1")
	assert.Contains(t, errOut, "storing 1/1 files", "the progress bar")
	db := ingestOpenCatalog(t, dataDir)
	d, err := db.FindDossierByCode(context.Background(), "000.00.12.G05-261201-0001")
	require.NoError(t, err)
	assert.Equal(t, ingProcedure, d.ProcedureCode)
	assert.True(t, d.ReceivedAt.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, sohoa.Location())), "received on the day in its code")
}

func TestIngestUsage(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"SOHOA_DATA_DIR": filepath.Join(dir, "data")}
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("file,dossier,unit,procedure,role,component,received_at\nx.pdf,D,U,P,scan,,\n"), 0o644))
	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"ingest"}, exitUsage, "no PATH given"},
		{[]string{"ingest", "--procedure", "P", dir}, exitUsage, "--procedure needs --unit"},
		{[]string{"ingest", "--unit", "bad unit", dir}, exitUsage, "not allowed"},
		{[]string{"ingest", "--progress", "fancy", dir}, exitUsage, "--progress"},
		{[]string{"ingest", "--manifest", bad}, exitFailure, "line 2: role \"scan\""},
		{[]string{"ingest", "--manifest", filepath.Join(dir, "nope.csv")}, exitFailure, "no such file"},
	}
	for _, tc := range cases {
		code, out, errOut := runCLI(t, vars, tc.args...)
		assert.Equal(t, tc.code, code, "%v\n%s%s", tc.args, out, errOut)
		assert.Contains(t, errOut, tc.err, tc.args)
	}
	code, out, _ := runCLI(t, vars, "help", "ingest")
	assert.Equal(t, exitOK, code)
	for _, want := range []string{
		"Usage: sohoa ingest", "--manifest", "--allow-outside", "SOHOA_INGEST_ALLOW_OUTSIDE", "--unit", "--procedure", "--no-wait",
		"CODE__<component>.pdf", "CODE.N.pdf", "file,dossier,unit,procedure,role,component,received_at",
		"nothing is imported", "Symbolic links", "%PDF-", ".p7s", "<unit code>-YYMMDD-NNNN", "ingest-journal.jsonl",
		"out of space", "Exit status",
	} {
		assert.Contains(t, out, want)
	}
}

// ingestVariants writes n distinct small PDFs: unsigned.pdf with a comment
// after %%EOF that differs per file (still a readable PDF), named for
// dossiers of the archive's code shape, ten files per dossier (pages of
// its first component, one folder per page).
func ingestVariants(t *testing.T, dir string, n int) []string {
	t.Helper()
	base, err := os.ReadFile(sample("unsigned.pdf"))
	require.NoError(t, err)
	paths := make([]string, n)
	for i := range n {
		name := fmt.Sprintf("trang %02d/%s-261130-%04d__don_de_nghi.pdf", i%10, ingUnit, 1000+i/10)
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		body := append(append([]byte(nil), base...), []byte(fmt.Sprintf("%% variant %d\n", i))...)
		require.NoError(t, os.WriteFile(p, body, 0o644))
		paths[i] = p
	}
	return paths
}

func ingestCountLines(p string) int {
	data, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	return strings.Count(string(data), "\n")
}

// TestIngestKill9 kills `sohoa ingest` (SIGKILL: no clean-up at all)
// half-way through a batch, runs it again, and checks that every file is
// in the catalog and the blob store exactly once.
func TestIngestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const n = 400
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "sohoa")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dataDir := filepath.Join(tmp, "data")
	ingestSeed(t, dataDir)
	in := filepath.Join(tmp, "in")
	require.NoError(t, os.MkdirAll(in, 0o755))
	paths := ingestVariants(t, in, n)
	journal := filepath.Join(dataDir, ingestJournalName)

	var environ []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SOHOA_") {
			environ = append(environ, kv)
		}
	}
	environ = append(environ, "SOHOA_DATA_DIR="+dataDir)
	args := []string{"ingest", "--no-wait", "--progress", "none", "--unit", ingUnit, "--procedure", ingProcedure, in}

	// An interrupt (Ctrl-C) first: a clean stop, the journal intact.
	intr := exec.Command(bin, args...)
	intr.Env = environ
	var intrOut strings.Builder
	intr.Stdout, intr.Stderr = &intrOut, &intrOut
	require.NoError(t, intr.Start())
	intrDone := make(chan error, 1)
	go func() { intrDone <- intr.Wait() }()
	for ingestCountLines(journal) < n/10 {
		select {
		case err := <-intrDone:
			t.Fatalf("ingest ended before it could be interrupted (%v)\n%s", err, intrOut.String())
		default:
		}
		time.Sleep(2 * time.Millisecond)
	}
	require.NoError(t, intr.Process.Signal(os.Interrupt))
	err := <-intrDone
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, intrOut.String())
	assert.Equal(t, exitFailure, exitErr.ExitCode())
	assert.Contains(t, intrOut.String(), "interrupted: the files stored so far are kept; run the same command again")
	j, err := source.OpenJournal(journal)
	require.NoError(t, err)
	assert.Zero(t, j.Corrupt, "a clean stop leaves no torn line")
	require.NoError(t, j.Close())

	first := exec.Command(bin, args...)
	first.Env = environ
	var firstOut strings.Builder
	first.Stdout, first.Stderr = &firstOut, &firstOut
	require.NoError(t, first.Start())
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for ingestCountLines(journal) < n/3 {
		select {
		case err := <-exited:
			t.Fatalf("ingest ended before it could be killed (%v): make the batch bigger\n%s", err, firstOut.String())
		default:
		}
		require.False(t, time.Now().After(deadline), "no progress in the journal")
		time.Sleep(2 * time.Millisecond)
	}
	require.NoError(t, first.Process.Kill())
	<-exited
	done := ingestCountLines(journal)
	t.Logf("killed after %d of %d files were journalled", done, n)
	require.Less(t, done, n, "killed half-way")

	second := exec.Command(bin, args...)
	second.Env = environ
	out, err := second.CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Logf("re-run:\n%s", out)
	assert.Contains(t, string(out), "failed:     0")
	assert.Regexp(t, `skipped: +\d{2,}`, string(out), "the files journalled before the kill are skipped")

	ctx := context.Background()
	db := ingestOpenCatalog(t, dataDir)
	want := map[string]bool{}
	for _, p := range paths {
		want[ingestSHA(t, p)] = true
	}
	require.Len(t, want, n, "the variants have distinct bytes")
	docs := 0
	for after := int64(0); ; {
		page, err := db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, AfterID: after, Limit: 1000})
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		for _, d := range page {
			assert.True(t, want[d.BlobKey], "document %d is one of the files", d.ID)
			after = d.ID
		}
		docs += len(page)
	}
	assert.Equal(t, n, docs, "one document per file")
	keys := 0
	require.NoError(t, db.ForEachBlobKey(ctx, func(key string, size int64) error {
		assert.True(t, want[key])
		keys++
		return nil
	}))
	assert.Equal(t, n, keys)
	blobs, err := fsblob.New(filepath.Join(dataDir, "blobs"), fsblob.Options{})
	require.NoError(t, err)
	stored := 0
	require.NoError(t, blobs.List(ctx, func(bi sohoa.BlobInfo) error {
		assert.True(t, want[bi.Key], "no orphan blob: %s", bi.Key)
		stored++
		return nil
	}))
	assert.Equal(t, n, stored, "every file's bytes stored once")
}

// TestIngestPostgresS3 runs the same import on PostgreSQL and an S3 server.
func TestIngestPostgresS3(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t, "cmd_sohoa_ingest")
	endpoint, access, secret := testenv.S3(t)
	db, err := postgres.Open(ctx, url, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer db.Close()
	ingestSeedCatalog(t, db)

	in := t.TempDir()
	signed := ingestCopy(t, sample("signed-valid-blt.pdf"), in, ingDossier+".1.pdf")
	ingestCopy(t, sample("unsigned.pdf"), in, ingDossier+"__Bản sao CCCD.pdf")
	vars := map[string]string{
		"SOHOA_DATA_DIR":      t.TempDir(),
		"SOHOA_DATABASE_URL":  url,
		"SOHOA_S3_ENDPOINT":   endpoint,
		"SOHOA_S3_BUCKET":     testenv.NewBucket(t),
		"SOHOA_S3_ACCESS_KEY": access,
		"SOHOA_S3_SECRET_KEY": secret,
		"SOHOA_S3_INSECURE":   "true",
	}
	code, out, errOut := runCLI(t, vars, "ingest", "--trust-dir", sample("trust"), in)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "new:        2")
	assert.Contains(t, out, "signatures: 1 TOTAL_PASSED, 0 TOTAL_FAILED, 1 INDETERMINATE")

	docs, err := db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: ingDossier})
	require.NoError(t, err)
	require.Len(t, docs, 2)
	v, err := db.LatestVerification(ctx, docs[0].ID)
	require.NoError(t, err)
	if docs[0].BlobKey == ingestSHA(t, signed) {
		assert.Equal(t, sohoa.IndicationTotalPassed, v.Indication)
	}

	code, out, _ = runCLI(t, vars, "ingest", "--trust-dir", sample("trust"), in)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "skipped:    2")
}
