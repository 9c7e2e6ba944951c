package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/fsck"
)

// seedCatalog opens the embedded default in dataDir and records one
// document per content, returning the blob keys.
func seedCatalog(t *testing.T, dataDir string, contents ...string) []string {
	t.Helper()
	ctx := context.Background()
	e := &env{stderr: io.Discard, getenv: func(string) string { return "" }, log: slog.New(slog.DiscardHandler)}
	s, err := (&storeConfig{DataDir: dataDir}).open(ctx, e)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Catalog.CreateUnit(ctx, &sohoa.Unit{Code: "000.00.12.G05", Name: "Bộ phận Một cửa"}))
	require.NoError(t, s.Catalog.CreateProcedure(ctx, &sohoa.Procedure{Code: "1.001", Name: "Cấp giấy phép"}))
	d := &sohoa.Dossier{UnitCode: "000.00.12.G05", ProcedureCode: "1.001", ReceivedAt: time.Now()}
	require.NoError(t, s.Catalog.CreateDossier(ctx, d))
	var keys []string
	for i, c := range contents {
		info, err := s.Blobs.Put(ctx, bytes.NewReader([]byte(c)))
		require.NoError(t, err)
		require.NoError(t, s.Catalog.CreateDocument(ctx, &sohoa.Document{
			DossierCode: d.Code, BlobKey: info.Key, Size: info.Size, FileName: filepath.Base(c) + ".pdf",
			MediaType: "application/pdf", Role: sohoa.RoleComponent, ComponentName: "thành phần " + string(rune('A'+i)),
			Source: sohoa.SourceBulk, UploadedBy: "test",
		}))
		keys = append(keys, info.Key)
	}
	return keys
}

func blobPath(dataDir, key string) string {
	return filepath.Join(dataDir, "blobs", key[:2], key[2:4], key)
}

func TestFsck(t *testing.T) {
	dataDir := t.TempDir()
	vars := map[string]string{"SOHOA_DATA_DIR": dataDir}
	keys := seedCatalog(t, dataDir, "first document", "second document", "third document")

	code, out, errOut := runCLI(t, vars, "fsck", "--verify-hashes")
	require.Equal(t, 0, code, out+errOut)
	require.Contains(t, out, "ok")

	// An orphan (a blob written whose row never came) is reported, not an error.
	e := &env{stderr: io.Discard, getenv: func(string) string { return "" }, log: slog.New(slog.DiscardHandler)}
	blobs, err := (&storeConfig{DataDir: dataDir}).openBlobs(context.Background(), e)
	require.NoError(t, err)
	orphan, err := blobs.Put(context.Background(), bytes.NewReader([]byte("orphan")))
	require.NoError(t, err)

	// A missing blob and a corrupted one are errors.
	require.NoError(t, os.Remove(blobPath(dataDir, keys[0])))
	bad := blobPath(dataDir, keys[1])
	require.NoError(t, os.Chmod(bad, 0o644))
	require.NoError(t, os.WriteFile(bad, []byte("SECOND DOCUMENT"), 0o644))

	code, out, _ = runCLI(t, vars, "fsck", "--verify-hashes", "--json")
	require.Equal(t, exitFailure, code)
	var res fsck.Result
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, []string{keys[0]}, res.Missing)
	require.Equal(t, []string{keys[1]}, res.Corrupt)
	require.Equal(t, []string{orphan.Key}, res.Orphans)
	require.Empty(t, res.Removed)
	// Each damaged blob names the documents over it and the repair.
	require.Len(t, res.Damaged, 2)
	for i, d := range res.Damaged {
		require.Equal(t, keys[i], d.Key)
		require.Equal(t, []string{fsck.ProblemMissing, fsck.ProblemHash}[i], d.Problem)
		require.Len(t, d.Documents, 1)
		require.Equal(t, "thành phần "+string(rune('A'+i)), d.Documents[0].Component)
		require.Contains(t, d.Fix, "sohoa ingest")
	}
	_, out, _ = runCLI(t, vars, "fsck")
	require.Contains(t, out, "MISSING  "+keys[0])
	require.Contains(t, out, `(component "thành phần A") of dossier`)
	require.Contains(t, out, "fix: re-import the original file")

	// Re-importing the original bytes repairs both: the store replaces the
	// damaged copy, the catalog records nothing new.
	for _, c := range []string{"first document", "second document"} {
		info, err := blobs.Put(context.Background(), bytes.NewReader([]byte(c)))
		require.NoError(t, err)
		require.True(t, info.Created, "the damaged blob was written again")
	}
	code, out, _ = runCLI(t, vars, "fsck", "--verify-hashes")
	require.Equal(t, 0, code, out)

	// --gc leaves young orphans alone (an ingestion may be in progress)...
	_, out, _ = runCLI(t, vars, "fsck", "--gc")
	require.Contains(t, out, "ORPHAN")
	_, err = blobs.Stat(context.Background(), orphan.Key)
	require.NoError(t, err)
	// ...and removes old enough ones.
	_, out, _ = runCLI(t, vars, "fsck", "--gc", "--gc-min-age", "0s")
	require.Contains(t, out, "REMOVED  "+orphan.Key)
	_, err = blobs.Stat(context.Background(), orphan.Key)
	require.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
	// The catalog's own blobs are never collected.
	_, err = blobs.Stat(context.Background(), keys[2])
	require.NoError(t, err)
}

// A blob damaged at rest: fsck names its document and the repair, and
// `sohoa ingest --recheck` of the original file repairs it (a plain re-run
// skips the file: the journal knows it).
func TestFsckRepairByRecheck(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	in := t.TempDir()
	file := ingestCopy(t, sample("signed-valid-blt.pdf"), in, ingDossier+".1.pdf")
	vars := map[string]string{"SOHOA_DATA_DIR": dataDir}
	args := []string{"ingest", "--no-wait", "--progress", "none", in}
	code, out, errOut := runCLI(t, vars, args...)
	require.Equal(t, exitOK, code, out+errOut)

	key := ingestSHA(t, file)
	p := blobPath(dataDir, key)
	require.NoError(t, os.Chmod(p, 0o644))
	require.NoError(t, os.WriteFile(p, []byte("bit rot"), 0o644))

	code, out, _ = runCLI(t, vars, "fsck", "--verify-hashes")
	require.Equal(t, exitFailure, code, out)
	require.Contains(t, out, key)
	require.Contains(t, out, ingDossier)
	require.Contains(t, out, "--recheck")

	code, out, errOut = runCLI(t, vars, args...)
	require.Equal(t, exitOK, code, out+errOut)
	require.Contains(t, out, "skipped:    1")
	code, _, _ = runCLI(t, vars, "fsck", "--verify-hashes")
	require.Equal(t, exitFailure, code, "a plain re-run trusts the journal")

	code, out, errOut = runCLI(t, vars, append([]string{"ingest", "--recheck"}, args[1:]...)...)
	require.Equal(t, exitOK, code, out+errOut)
	code, out, _ = runCLI(t, vars, "fsck", "--verify-hashes")
	require.Equal(t, exitOK, code, out)
}

// fsck on a wrong data directory says so and creates nothing (it used to
// create an empty catalog and report "ok").
func TestFsckWrongDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	code, out, errOut := runCLI(t, map[string]string{"SOHOA_DATA_DIR": dir}, "fsck")
	require.NotEqual(t, exitOK, code, out)
	require.NotContains(t, out, "ok")
	require.Contains(t, errOut, dir)
	_, err := os.Stat(dir)
	require.True(t, os.IsNotExist(err), "fsck created %s", dir)
}
