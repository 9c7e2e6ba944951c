package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testenv"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
)

// TestWorkSQLite runs `sohoa work` in-process on the embedded default while
// another pipeline (as `sohoa ingest --no-wait` would) only ingests.
func TestWorkSQLite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := map[string]string{"SOHOA_DATA_DIR": dir, "SOHOA_TRUST_DIR": filepath.Join(samplesDir, "trust"), "SOHOA_LOG_LEVEL": "warn"}
	seedRefData(t, vars)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		e := &env{stdout: io.Discard, stderr: &syncWriter{w: &stderr}, getenv: func(k string) string { return vars[k] }}
		done <- run(ctx, e, []string{"work", "--workers", "2"})
	}()

	e := testEnvFor(vars)
	cfg := &storeConfig{DataDir: dir}
	require.NoError(t, cfg.finish(e))
	st, p, err := openPipeline(t.Context(), e, cfg, "", pipeline.Config{ReverifyInterval: -1})
	require.NoError(t, err)
	defer st.Close()
	doc := ingestSample(t, p, "U1-260302-0001", "Đơn đề nghị", "signed-valid-blt.pdf")
	wctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	require.NoError(t, p.WaitDocuments(wctx, []int64{doc.ID}))
	v, err := st.Catalog.LatestVerification(t.Context(), doc.ID)
	require.NoError(t, err)
	assert.Equal(t, sohoa.IndicationTotalPassed, v.Indication, "the worker found the trust anchors through SOHOA_TRUST_DIR")

	stop()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("sohoa work did not stop")
	}

	code, _, _ := runCmd(t, vars, "work", "extra")
	assert.Equal(t, exitUsage, code)
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// TestWorkTwoProcesses proves that `sohoa work` processes sharing one
// PostgreSQL catalog and one S3 bucket split the jobs between them, run
// each exactly once and lose none: two worker processes (the real binary),
// 200 documents ingested by this process while they run.
func TestWorkTwoProcesses(t *testing.T) {
	dbURL := pgtest.NewDatabase(t, "cmd_work")
	endpoint, access, secret := testenv.S3(t)
	vars := map[string]string{
		"SOHOA_DATA_DIR":      filepath.Join(t.TempDir(), "data"),
		"SOHOA_DATABASE_URL":  dbURL,
		"SOHOA_S3_ENDPOINT":   endpoint,
		"SOHOA_S3_BUCKET":     testenv.NewBucket(t),
		"SOHOA_S3_ACCESS_KEY": access,
		"SOHOA_S3_SECRET_KEY": secret,
		"SOHOA_S3_INSECURE":   "true",
		"SOHOA_TRUST_DIR":     filepath.Join(samplesDir, "trust"),
		"SOHOA_LOG_LEVEL":     "info",
	}
	seedRefData(t, vars) // also creates the schema and the bucket

	bin := filepath.Join(t.TempDir(), "sohoa")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	t0 := time.Now()
	require.NoError(t, build.Run(), "go build")
	t.Logf("go build: %v", time.Since(t0).Round(time.Millisecond))

	type worker struct {
		cmd  *exec.Cmd
		logs bytes.Buffer
		done chan error
	}
	workers := make([]*worker, 2)
	for i := range workers {
		w := &worker{cmd: exec.Command(bin, "work", "--workers", "4"), done: make(chan error, 1)}
		w.cmd.Env = os.Environ()
		for k, v := range vars {
			w.cmd.Env = append(w.cmd.Env, k+"="+v)
		}
		w.cmd.Stderr = &syncWriter{w: &w.logs}
		require.NoError(t, w.cmd.Start())
		go func() { w.done <- w.cmd.Wait() }()
		t.Cleanup(func() { _ = w.cmd.Process.Kill() })
		workers[i] = w
	}

	// Ingest while they work: 200 documents in 50 dossiers, most unique
	// unsigned files, five the same signed file in different dossiers.
	e := testEnvFor(vars)
	cfg := &storeConfig{DataDir: vars["SOHOA_DATA_DIR"], DatabaseURL: dbURL, S3Endpoint: endpoint, S3Bucket: vars["SOHOA_S3_BUCKET"]}
	require.NoError(t, cfg.finish(e))
	st, p, err := openPipeline(t.Context(), e, cfg, "", pipeline.Config{})
	require.NoError(t, err)
	defer st.Close()
	signed, err := os.ReadFile(filepath.Join(samplesDir, "signed-valid-blt.pdf"))
	require.NoError(t, err)
	const n = 200
	t0 = time.Now()
	ids := make([]int64, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		body := testpdf.Base(testpdf.BaseOptions{Lines: []string{fmt.Sprintf("Tài liệu số %d", i)}}).Bytes
		if i < 50 && i%10 == 0 {
			body = signed
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			res, err := p.Ingest(t.Context(), pipeline.IngestRequest{
				DossierCode: fmt.Sprintf("U1-260302-%04d", i%50),
				NewDossier:  &sohoa.Dossier{UnitCode: "U1", ProcedureCode: "P1", ReceivedAt: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)},
				Role:        sohoa.RoleComponent, Component: "Đơn đề nghị", FileName: fmt.Sprintf("f%03d.pdf", i),
				Source: sohoa.SourceBulk, UploadedBy: "system:test", Body: bytes.NewReader(body),
			})
			if err != nil {
				errs <- err
				return
			}
			ids[i] = res.Document.ID
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	t.Logf("ingested %d documents in %v", n, time.Since(t0).Round(time.Millisecond))
	wctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	require.NoError(t, p.WaitDocuments(wctx, ids))
	t.Logf("all processed %v after the first ingest", time.Since(t0).Round(time.Millisecond))

	// Stop both gracefully.
	for _, w := range workers {
		require.NoError(t, w.cmd.Process.Signal(syscall.SIGTERM))
	}
	for i, w := range workers {
		select {
		case err := <-w.done:
			require.NoError(t, err, "worker %d:\n%s", i, w.logs.String())
		case <-time.After(40 * time.Second):
			t.Fatalf("worker %d did not stop", i)
		}
	}

	// Every job ran exactly once, and both processes worked.
	started := regexp.MustCompile(`msg="job started".* kind=(\w+) document=(\d+)`)
	runs := map[string]int{}
	perWorker := make([]int, len(workers))
	for i, w := range workers {
		sc := bufio.NewScanner(bytes.NewReader(w.logs.Bytes()))
		for sc.Scan() {
			if m := started.FindStringSubmatch(sc.Text()); m != nil {
				runs[m[1]+" "+m[2]]++
				perWorker[i]++
			}
		}
	}
	assert.Len(t, runs, n, "one process job per document")
	for job, count := range runs {
		assert.Equal(t, 1, count, "job %s ran %d times", job, count)
	}
	for i, c := range perWorker {
		assert.Positive(t, c, "worker %d ran no job", i)
	}
	t.Logf("jobs run per worker process: %v", perWorker)

	// One result of each kind per document, and River agrees.
	ins, err := st.Catalog.LatestInspections(t.Context(), ids)
	require.NoError(t, err)
	ver, err := st.Catalog.LatestVerifications(t.Context(), ids)
	require.NoError(t, err)
	assert.Len(t, ins, n)
	assert.Len(t, ver, n)
	var passed int
	for _, id := range ids {
		all, err := st.Catalog.FindInspections(t.Context(), id)
		require.NoError(t, err)
		assert.Len(t, all, 1, "document %d", id)
		vs, err := st.Catalog.FindVerifications(t.Context(), id)
		require.NoError(t, err)
		assert.Len(t, vs, 1, "document %d", id)
		if len(vs) == 1 && vs[0].Indication == sohoa.IndicationTotalPassed {
			passed++
		}
	}
	assert.Equal(t, 5, passed)
	var rows []struct {
		state   string
		attempt int
	}
	r, err := st.Postgres.Pool().Query(t.Context(), `SELECT state, attempt FROM river_job WHERE kind = 'process'`)
	require.NoError(t, err)
	for r.Next() {
		var s string
		var a int
		require.NoError(t, r.Scan(&s, &a))
		rows = append(rows, struct {
			state   string
			attempt int
		}{s, a})
	}
	require.NoError(t, r.Err())
	assert.Len(t, rows, n)
	for _, row := range rows {
		assert.Equal(t, string(rivertype.JobStateCompleted), row.state)
		assert.Equal(t, 1, row.attempt)
	}
}
