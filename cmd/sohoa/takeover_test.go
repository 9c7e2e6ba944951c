package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testenv"
	"github.com/sohoa/sohoa/storage/postgres"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
)

// TestIngestAfterKill9TakesOverJobs kills `sohoa ingest` with SIGKILL
// while River shows jobs running in it, then runs the same import again:
// the new process must take those jobs over (they belong to a process that
// no longer answers) and finish every file within two minutes, where River
// alone would leave them running for JobTimeout plus an hour. On the
// embedded default and on PostgreSQL + S3.
func TestIngestAfterKill9TakesOverJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits for a lease to run out")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "sohoa")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		dataDir := filepath.Join(t.TempDir(), "data")
		ingestSeed(t, dataDir)
		dbPath := filepath.Join(dataDir, "sohoa.db")
		running := func() (int, error) {
			db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(1000)")
			if err != nil {
				return 0, err
			}
			defer db.Close()
			var n int
			err = db.QueryRow(`SELECT count(*) FROM river_job WHERE state = 'running' AND kind = 'process'`).Scan(&n)
			return n, err
		}
		killAndRerun(t, bin, map[string]string{"SOHOA_DATA_DIR": dataDir}, running, func() sohoa.Catalog {
			return ingestOpenCatalog(t, dataDir)
		})
	})

	t.Run("Postgres+S3", func(t *testing.T) {
		if os.Getenv("SOHOA_TEST_DATABASE_URL") == "" && os.Getenv("CI") == "" {
			t.Skip("SOHOA_TEST_DATABASE_URL is not set (source scripts/test-services.sh)")
		}
		t.Parallel()
		url := pgtest.NewDatabase(t, "cmd_takeover")
		endpoint, access, secret := testenv.S3(t)
		db, err := postgres.Open(t.Context(), url, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		t.Cleanup(db.Close)
		ingestSeedCatalog(t, db)
		vars := map[string]string{
			"SOHOA_DATA_DIR":      t.TempDir(),
			"SOHOA_DATABASE_URL":  url,
			"SOHOA_S3_ENDPOINT":   endpoint,
			"SOHOA_S3_BUCKET":     testenv.NewBucket(t),
			"SOHOA_S3_ACCESS_KEY": access,
			"SOHOA_S3_SECRET_KEY": secret,
			"SOHOA_S3_INSECURE":   "true",
		}
		running := func() (int, error) {
			var n int
			err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE state = 'running' AND kind = 'process'`).Scan(&n)
			return n, err
		}
		killAndRerun(t, bin, vars, running, func() sohoa.Catalog { return db })
	})
}

// killAndRerun runs the import, freezes it (SIGSTOP) until the job table
// shows process jobs running in it, kills it (SIGKILL), and runs the same
// import again with two minutes to finish.
func killAndRerun(t *testing.T, bin string, vars map[string]string, running func() (int, error), catalog func() sohoa.Catalog) {
	const n = 200
	in := filepath.Join(t.TempDir(), "in")
	require.NoError(t, os.MkdirAll(in, 0o755))
	ingestVariants(t, in, n)
	var environ []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SOHOA_") {
			environ = append(environ, kv)
		}
	}
	for k, v := range vars {
		environ = append(environ, k+"="+v)
	}
	args := []string{"ingest", "--progress", "plain", "--trust-dir", sample("trust"), "--unit", ingUnit, "--procedure", ingProcedure, in}

	first := exec.Command(bin, args...)
	first.Env = environ
	var firstOut strings.Builder
	first.Stdout, first.Stderr = &firstOut, &firstOut
	require.NoError(t, first.Start())
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	ended := func(err error) {
		t.Helper()
		t.Fatalf("ingest ended before it could be killed with jobs running (%v): make the batch bigger\n%s", err, firstOut.String())
	}
	held := 0
	for held == 0 {
		select {
		case err := <-exited:
			ended(err)
		default:
		}
		require.False(t, time.Now().After(deadline), "no job ever seen running\n%s", firstOut.String())
		time.Sleep(time.Millisecond)
		if err := first.Process.Signal(syscall.SIGSTOP); err != nil {
			ended(<-exited)
		}
		// A frozen writer can leave SQLite's shared-memory index mid-update:
		// a read may fail then; try again at another moment.
		held, _ = running()
		if held == 0 {
			if err := first.Process.Signal(syscall.SIGCONT); err != nil {
				ended(<-exited)
			}
		}
	}
	require.NoError(t, first.Process.Kill())
	<-exited
	pid := first.Process.Pid
	t.Logf("killed pid %d with %d process job(s) running", pid, held)
	left, err := running()
	require.NoError(t, err)
	require.Positive(t, left, "the dead process's jobs still show as running")

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	second := exec.CommandContext(ctx, bin, args...)
	second.Env = environ
	var out, errOut strings.Builder
	second.Stdout, second.Stderr = &out, &errOut
	started := time.Now()
	err = second.Run()
	t.Logf("re-run took %v:\n%s\nstderr:\n%s", time.Since(started).Round(100*time.Millisecond), out.String(), errOut.String())
	require.NoError(t, ctx.Err(), "the re-run did not finish within two minutes")
	require.NoError(t, err)
	assert.Contains(t, out.String(), "failed:     0")
	assert.Contains(t, out.String(), fmt.Sprintf("inspected and verified: %d document(s)", n))
	// While it waited, it said for what.
	assert.Regexp(t, fmt.Sprintf(`waiting for \d+ documents? held by a worker that stopped answering at \d\d:\d\d:\d\d \(sohoa ingest, pid %d on host [^)]+\); taking them over`, pid), errOut.String())

	left, err = running()
	require.NoError(t, err)
	assert.Zero(t, left)
	cat := catalog()
	var ids []int64
	for after := int64(0); ; {
		page, err := cat.FindDocuments(t.Context(), sohoa.DocumentFilter{Scope: sohoa.AllUnits, AfterID: after, Limit: 1000})
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		for _, d := range page {
			ids = append(ids, d.ID)
			after = d.ID
		}
	}
	require.Len(t, ids, n)
	ins, err := cat.LatestInspections(t.Context(), ids)
	require.NoError(t, err)
	ver, err := cat.LatestVerdicts(t.Context(), ids)
	require.NoError(t, err)
	assert.Len(t, ins, n, "every document inspected")
	assert.Len(t, ver, n, "every document verified")
}
