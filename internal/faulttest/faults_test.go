package faulttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testenv"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/storage/postgres"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
	"github.com/sohoa/sohoa/storage/s3blob"
	"github.com/sohoa/sohoa/verify"
)

const (
	unitCode   = "000.00.12.G05"
	procCode   = "1.000894"
	nFiles     = 48
	perDossier = 8
	// faultAfter is how many files are stored before the fault: enough for
	// a queue of jobs to be waiting when it strikes.
	faultAfter = 16
	// pace is each caller's pause after a stored file.
	pace = 100 * time.Millisecond
)

var samples = filepath.Join("..", "..", "testdata", "samples")

// tb adapts testing.TB to testpdf's helper interface.
type tb struct{ testing.TB }

// file is one file to ingest.
type file struct {
	name, dossier, key string
	body               []byte
}

// variants makes n distinct signed PDFs: signed-valid-blt.pdf with an
// incremental update redefining its /Info dictionary, a change the
// verifier allows, so every one verifies TOTAL_PASSED.
func variants(t *testing.T, n int) []file {
	t.Helper()
	base, err := os.ReadFile(filepath.Join(samples, "signed-valid-blt.pdf"))
	require.NoError(t, err)
	tr, err := testpdf.ReadTrailer(base)
	require.NoError(t, err)
	require.NotZero(t, tr.Info)
	out := make([]file, n)
	for i := range n {
		body := testpdf.Append(tb{t}, base, testpdf.Update{Objects: map[int]string{
			tr.Info: fmt.Sprintf("<< /Title (Ban sao so %d) /Producer (sohoa faulttest) >>", i),
		}})
		dossier := fmt.Sprintf("%s-261130-%04d", unitCode, 1+i/perDossier)
		out[i] = file{name: fmt.Sprintf("trang-%02d.pdf", i), dossier: dossier, key: sha256Hex(body), body: body}
	}
	return out
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// rig is a pipeline over PostgreSQL and S3 with its workers running.
type rig struct {
	db    *postgres.DB
	blobs sohoa.BlobStore
	pipe  *pipeline.Pipeline
	log   *slog.Logger
}

func newRig(t *testing.T, dbURL string, s3 s3blob.Config) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := postgres.Open(ctx, dbURL, log)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.CreateUnit(ctx, &sohoa.Unit{Code: unitCode, Name: "Bộ phận Một cửa"}))
	require.NoError(t, db.CreateProcedure(ctx, &sohoa.Procedure{Code: procCode, Name: "Cấp giấy phép"}))

	s3.CreateBucket, s3.Insecure, s3.Logger = true, true, log
	blobs, err := s3blob.New(ctx, s3)
	require.NoError(t, err)

	anchors, err := verify.LoadTrustAnchors(filepath.Join(samples, "trust"))
	require.NoError(t, err)
	v, err := verify.New(verify.Config{TrustAnchors: anchors, Logger: log})
	require.NoError(t, err)
	pipe, err := pipeline.New(pipeline.Config{Catalog: pipeline.OnPostgres(db), Blobs: blobs, Verifier: v,
		Workers: 4, ReverifyInterval: -1, Logger: log})
	require.NoError(t, err)
	// River runs until the context given to Start ends: not ctx.
	require.NoError(t, pipe.Start(context.Background()))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = pipe.Stop(sctx)
	})
	return &rig{db: db, blobs: blobs, pipe: pipe, log: log}
}

// testWriter sends log lines to t.Log, so they show only when a test fails
// (or with -v).
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// ingestStats says what the callers went through.
type ingestStats struct {
	failedCalls  int64 // Ingest calls that returned an error (then retried)
	faultStarted time.Time
	faultEnded   time.Time
	lastStored   time.Time
}

// ingestDuring stores files with two callers, each retrying a failed call
// the way a source does (sohoa ingest re-run, the hot folder's next scan),
// and runs fault once faultAfter files are stored. It returns the document
// of each file.
func (r *rig) ingestDuring(t *testing.T, files []file, fault func()) ([]int64, ingestStats) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var (
		stored, failed atomic.Int64
		faulted        atomic.Bool
		st             ingestStats
		mu             sync.Mutex
		ids            = make([]int64, len(files))
		next           = make(chan int)
		wg             sync.WaitGroup
		faultDone      = make(chan struct{})
	)
	go func() {
		defer close(faultDone)
		for stored.Load() < faultAfter {
			if ctx.Err() != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
		mu.Lock()
		st.faultStarted = time.Now()
		mu.Unlock()
		faulted.Store(true)
		fault()
		mu.Lock()
		st.faultEnded = time.Now()
		mu.Unlock()
	}()
	for range 2 {
		wg.Go(func() {
			for i := range next {
				f := files[i]
				for attempt := 1; ; attempt++ {
					actx, acancel := context.WithTimeout(ctx, 15*time.Second)
					res, err := r.pipe.Ingest(actx, pipeline.IngestRequest{
						DossierCode: f.dossier,
						NewDossier: &sohoa.Dossier{UnitCode: unitCode, ProcedureCode: procCode,
							ReceivedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, sohoa.Location())},
						Role: sohoa.RoleComponent, Component: "Bản sao", FileName: f.name,
						Source: sohoa.SourceBulk, UploadedBy: "system:faulttest", Body: bytes.NewReader(f.body),
					})
					acancel()
					if err == nil {
						// A burst until the fault, so that a queue of jobs
						// meets it; then paced like a scanner, so that files
						// are still arriving when it ends.
						if faulted.Load() {
							time.Sleep(pace)
						}
						ids[i] = res.Document.ID
						n := stored.Add(1)
						if n == int64(len(files)) {
							mu.Lock()
							st.lastStored = time.Now()
							mu.Unlock()
						}
						break
					}
					failed.Add(1)
					if sohoa.Code(err) == sohoa.EINVALID || ctx.Err() != nil {
						t.Errorf("%s: giving up after %d attempt(s): %v", f.name, attempt, err)
						break
					}
					r.log.Info("ingest failed; retrying", "file", f.name, "attempt", attempt, "err", err)
					time.Sleep(200 * time.Millisecond)
				}
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	<-faultDone
	st.failedCalls = failed.Load()
	return ids, st
}

// check asserts that nothing was lost and nothing doubled: every file is
// one document of its dossier, with its inspection and a TOTAL_PASSED
// verification, no job gave up, and every blob the catalog names is in the
// store with its size.
func (r *rig) check(t *testing.T, files []file, ids []int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for i, id := range ids {
		require.NotZero(t, id, "file %s was never stored", files[i].name)
	}
	require.NoError(t, r.pipe.WaitDocuments(ctx, ids))

	docs, err := r.pipe.Documents(ctx, ids)
	require.NoError(t, err)
	for i, d := range docs {
		f := files[i]
		assert.Equal(t, f.key, d.BlobKey, f.name)
		assert.Equal(t, f.dossier, d.DossierCode, f.name)
		assert.Empty(t, d.Error, f.name)
		if assert.NotNil(t, d.Inspection, f.name) {
			assert.NotEqual(t, sohoa.InspectionFail, d.Inspection.Outcome, "%s: %+v", f.name, d.Inspection.Findings)
		}
		if assert.NotNil(t, d.Verification, f.name) {
			assert.Equal(t, sohoa.IndicationTotalPassed, d.Verification.Indication, "%s: %s %s", f.name, d.Verification.SubIndication, d.Verification.Error)
		}
	}

	// Exactly once: each dossier holds exactly its files.
	want := map[string][]string{}
	for _, f := range files {
		want[f.dossier] = append(want[f.dossier], f.key)
	}
	for dossier, keys := range want {
		got, err := r.db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: dossier, Limit: sohoa.MaxPageSize})
		require.NoError(t, err)
		var gotKeys []string
		for _, d := range got {
			gotKeys = append(gotKeys, d.BlobKey)
		}
		sort.Strings(keys)
		sort.Strings(gotKeys)
		assert.Equal(t, keys, gotKeys, "dossier %s", dossier)
	}

	// A job that ran again (its attempt failed after the result was
	// committed, or River could not record its completion) recorded
	// nothing twice.
	for _, table := range []string{"inspections", "verifications"} {
		var docs, rows int
		require.NoError(t, r.db.Pool().QueryRow(ctx, `SELECT count(DISTINCT document_id), count(*) FROM `+table).Scan(&docs, &rows))
		assert.Equal(t, len(files), docs, table)
		assert.Equal(t, len(files), rows, "%s: one per document", table)
	}

	// Blobs: every key the catalog names is stored with its size (sohoa
	// fsck's first pass).
	var n int
	require.NoError(t, r.db.ForEachBlobKey(ctx, func(key string, size int64) error {
		n++
		info, err := r.blobs.Stat(ctx, key)
		if err != nil {
			return fmt.Errorf("blob %s: %w", key, err)
		}
		if info.Size != size {
			return fmt.Errorf("blob %s: %d bytes stored, catalog says %d", key, info.Size, size)
		}
		return nil
	}))
	assert.Equal(t, len(files), n)
}

// jobReport waits up to 30 s for River to mark every inspect and verify
// job completed (River records completions in batches, after the job's own
// transaction, so a job whose result is in the catalog may still show as
// running for a moment), then reports how many ran more than once (an
// attempt failed and was retried) and any not completed.
func (r *rig) jobReport(t *testing.T) (retried int, notCompleted []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		retried, notCompleted = r.jobStates(t)
		if len(notCompleted) == 0 || time.Now().After(deadline) {
			return retried, notCompleted
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (r *rig) jobStates(t *testing.T) (retried int, notCompleted []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := r.db.Pool().Query(ctx, `SELECT kind, state::text, attempt, COALESCE(errors[array_length(errors, 1)]->>'error', '')
		FROM river_job WHERE kind IN ('inspect', 'verify') ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var kind, state, lastErr string
		var attempt int
		require.NoError(t, rows.Scan(&kind, &state, &attempt, &lastErr))
		if attempt > 1 {
			retried++
		}
		if state != "completed" {
			notCompleted = append(notCompleted, fmt.Sprintf("%s job %s after %d attempt(s), last error: %s", kind, state, attempt, lastErr))
		}
	}
	require.NoError(t, rows.Err())
	return retried, notCompleted
}

// TestS3StoppedDuringIngestion kills the S3 server (SIGKILL) once a third of
// a batch is stored, while the workers have a queue of jobs that read
// blobs, and starts it again on the same port and directory ten seconds
// later. Ingest calls made meanwhile fail and are retried by their caller;
// jobs fail and River retries them. At the end nothing is lost or doubled.
func TestS3StoppedDuringIngestion(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t, "faults_s3")
	s3 := StartS3(t)
	r := newRig(t, dbURL, s3blob.Config{Endpoint: s3.Addr, Bucket: "sohoa-faults", AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	files := variants(t, nFiles)

	start := time.Now()
	ids, st := r.ingestDuring(t, files, func() {
		s3.Kill()
		// minio-go retries a request for about 5 to 8 s (10 retries,
		// backoff capped at 1 s) before it gives up: a shorter outage
		// is hidden from sohoa altogether.
		time.Sleep(10 * time.Second)
		s3.Start()
	})
	r.check(t, files, ids)
	retried, notCompleted := r.jobReport(t)
	t.Logf("S3 down %s..%s after start; %d failed Ingest calls retried; %d jobs retried; all files stored %s after start, all processed %s after start",
		st.faultStarted.Sub(start).Round(time.Millisecond), st.faultEnded.Sub(start).Round(time.Millisecond),
		st.failedCalls, retried, st.lastStored.Sub(start).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	assert.Empty(t, notCompleted)
	// The fault struck during ingestion: files were still being stored
	// when the server came back.
	assert.True(t, st.lastStored.After(st.faultEnded), "every file was stored before the server came back: the fault was not exercised")
	assert.Positive(t, st.failedCalls, "no Ingest call failed: the outage was hidden, the callers' retries were not exercised")
}

// TestPostgresRestartedDuringIngestion restarts a private PostgreSQL (pg_ctl
// restart -m fast: every session is cut, open transactions roll back) once
// a third of a batch is stored, then stops it for five seconds. Ingest calls whose transaction was cut fail
// and are retried by their caller; River's workers reconnect; at the end
// nothing is lost or doubled.
func TestPostgresRestartedDuringIngestion(t *testing.T) {
	t.Parallel()
	endpoint, access, secret := testenv.S3(t)
	pg := StartPostgres(t)
	r := newRig(t, pg.URL(), s3blob.Config{Endpoint: endpoint, Bucket: testenv.NewBucket(t), AccessKey: access, SecretKey: secret})
	files := variants(t, nFiles)

	start := time.Now()
	ids, st := r.ingestDuring(t, files, func() {
		// A restart (about 0.2 s down), then, while the callers and the
		// workers are still recovering from it, an outage long enough
		// for reconnection attempts to fail too.
		pg.Restart()
		time.Sleep(300 * time.Millisecond)
		pg.Stop()
		time.Sleep(5 * time.Second)
		pg.Start()
	})
	r.check(t, files, ids)
	retried, notCompleted := r.jobReport(t)
	t.Logf("PostgreSQL restarting %s..%s after start; %d failed Ingest calls retried; %d jobs retried; all files stored %s after start, all processed %s after start",
		st.faultStarted.Sub(start).Round(time.Millisecond), st.faultEnded.Sub(start).Round(time.Millisecond),
		st.failedCalls, retried, st.lastStored.Sub(start).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	assert.Empty(t, notCompleted)
	assert.True(t, st.lastStored.After(st.faultEnded), "every file was stored before the server came back: the fault was not exercised")
	assert.Positive(t, st.failedCalls, "no Ingest call failed: the outage was hidden, the callers' retries were not exercised")
}
