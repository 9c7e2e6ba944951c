package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
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
	"github.com/sohoa/sohoa/storage/fsck"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
)

// The importer child process: TestGCRace runs this test binary again with
// gcRaceChildEnv naming a directory of files to import.
const gcRaceChildEnv = "SOHOA_GC_RACE_IMPORT_DIR"

// retryMsg is what the pipeline logs when a collector's lock made it store
// a file again.
const retryMsg = "blob being collected as an orphan; storing it again"

// TestGCRace imports files whose bytes are already stored as orphan blobs
// while `sohoa fsck --gc --gc-min-age 0s` collects orphans, for a while,
// on the embedded default and on PostgreSQL + S3: importers in this
// process and in a child process, collectors in this process and as the
// real binary in a loop. Every imported document must keep its blob, and
// no fsck run may ever see a blob missing. (Before the catalog's gc locks,
// a run like this lost hundreds of blobs.) SOHOA_GC_RACE_FOR sets how long
// each backend is raced (default 8s, 3s with -short).
func TestGCRace(t *testing.T) {
	if os.Getenv(gcRaceChildEnv) != "" {
		t.Skip("running as the importer child")
	}
	dur := 8 * time.Second
	if testing.Short() {
		dur = 3 * time.Second
	}
	if v := os.Getenv("SOHOA_GC_RACE_FOR"); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err, "SOHOA_GC_RACE_FOR")
		dur = d
	}
	bin := filepath.Join(t.TempDir(), "sohoa")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run(), "go build")

	t.Run("SQLite+fs", func(t *testing.T) {
		raceGC(t, bin, dur, map[string]string{"SOHOA_DATA_DIR": filepath.Join(t.TempDir(), "data")})
	})
	t.Run("Postgres+S3", func(t *testing.T) {
		dbURL := pgtest.NewDatabase(t, "cmd_gc_race")
		endpoint, access, secret := testenv.S3(t)
		raceGC(t, bin, dur, map[string]string{
			"SOHOA_DATA_DIR":      filepath.Join(t.TempDir(), "data"),
			"SOHOA_DATABASE_URL":  dbURL,
			"SOHOA_S3_ENDPOINT":   endpoint,
			"SOHOA_S3_BUCKET":     testenv.NewBucket(t),
			"SOHOA_S3_ACCESS_KEY": access,
			"SOHOA_S3_SECRET_KEY": secret,
			"SOHOA_S3_INSECURE":   "true",
		})
	})
}

// countingWriter counts the log lines that say a file was stored again.
type countingWriter struct{ n atomic.Int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(bytes.Count(p, []byte(retryMsg))))
	return len(p), nil
}

// gcRacePipeline opens the stores and a pipeline (no workers) as `sohoa
// ingest --no-wait` would, logging at info level into retries.
func gcRacePipeline(t *testing.T, vars map[string]string, retries io.Writer) (*stores, *pipeline.Pipeline) {
	t.Helper()
	e := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return vars[k] },
		log: slog.New(slog.NewTextHandler(retries, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	cfg := &storeConfig{DataDir: vars["SOHOA_DATA_DIR"], DatabaseURL: vars["SOHOA_DATABASE_URL"],
		S3Endpoint: vars["SOHOA_S3_ENDPOINT"], S3Bucket: vars["SOHOA_S3_BUCKET"]}
	require.NoError(t, cfg.finish(e))
	st, p, err := openPipeline(t.Context(), e, cfg, "", pipeline.Config{ReverifyInterval: -1})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st, p
}

func gcRaceRequest(dossier, name string, body io.Reader) pipeline.IngestRequest {
	return pipeline.IngestRequest{
		DossierCode: dossier,
		NewDossier:  &sohoa.Dossier{UnitCode: "U1", ProcedureCode: "P1", ReceivedAt: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)},
		Role:        sohoa.RoleComponent, Component: "Đơn đề nghị", FileName: name,
		Source: sohoa.SourceBulk, UploadedBy: "system:test", Body: body,
	}
}

// gcRaceDoc is one imported document, as the child reports it.
type gcRaceDoc struct {
	ID  int64  `json:"id"`
	Key string `json:"sha256"`
}

func raceGC(t *testing.T, bin string, dur time.Duration, vars map[string]string) {
	vars["SOHOA_LOG_LEVEL"] = "warn"
	seedRefData(t, vars) // also creates the schema and the bucket
	var retries countingWriter
	st, p := gcRacePipeline(t, vars, &retries)
	ctx := t.Context()

	const perImporter = 40 // files per importer and round
	var (
		rounds, docs, childRetries int
		inRemoved, binRemoved      atomic.Int64
		inRuns, binRuns            atomic.Int64
		imported                   []gcRaceDoc
	)
	deadline := time.Now().Add(dur)
	for rounds == 0 || time.Now().Before(deadline) {
		rounds++
		// The round's files, stored first as orphans (an earlier import
		// that failed before recording them, say).
		dir := filepath.Join(t.TempDir(), "import")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		bodies := make([][]byte, 2*perImporter)
		for i := range bodies {
			bodies[i] = testpdf.Base(testpdf.BaseOptions{Lines: []string{fmt.Sprintf("Vòng %d, tài liệu %d, %s", rounds, i, t.Name())}}).Bytes
			_, err := st.Blobs.Put(ctx, bytes.NewReader(bodies[i]))
			require.NoError(t, err)
			if i >= perImporter {
				require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.pdf", i)), bodies[i], 0o644))
			}
		}

		stop := make(chan struct{})
		var gcs, importers sync.WaitGroup
		var failures []string
		var mu sync.Mutex
		fail := func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			failures = append(failures, fmt.Sprintf(format, args...))
		}
		stopped := func() bool {
			select {
			case <-stop:
				return true
			default:
				return false
			}
		}
		// Collector in this process.
		gcs.Go(func() {
			for !stopped() {
				res, err := fsck.Run(ctx, st.Catalog, st.Blobs, fsck.Options{GC: true})
				if err != nil {
					fail("fsck --gc in process: %v", err)
					return
				}
				inRuns.Add(1)
				inRemoved.Add(int64(len(res.Removed)))
				if len(res.Missing) > 0 {
					fail("fsck in process: missing blobs %v", res.Missing)
				}
			}
		})
		// Collector as the real binary, run again and again.
		gcs.Go(func() {
			for !stopped() {
				cmd := exec.Command(bin, "fsck", "--gc", "--gc-min-age", "0s", "--json")
				cmd.Env = os.Environ()
				for k, v := range vars {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				var res fsck.Result
				if jerr := json.Unmarshal(out, &res); jerr != nil {
					fail("sohoa fsck --gc: %v, %v: %s", err, jerr, stderr.String())
					return
				}
				binRuns.Add(1)
				binRemoved.Add(int64(len(res.Removed)))
				if len(res.Missing) > 0 || err != nil {
					fail("sohoa fsck --gc: %v: missing blobs %v", err, res.Missing)
				}
			}
		})
		// Importer child process.
		var childDocs []gcRaceDoc
		importers.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestGCRaceChild$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), gcRaceChildEnv+"="+dir, "SOHOA_GC_RACE_DOSSIER="+fmt.Sprintf("GC%03d-child", rounds))
			for k, v := range vars {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				fail("importer child: %v\n%s\n%s", err, out, stderr.String())
				return
			}
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				line := sc.Text()
				if rest, ok := strings.CutPrefix(line, "DOC "); ok {
					var d gcRaceDoc
					if err := json.Unmarshal([]byte(rest), &d); err != nil {
						fail("importer child output %q: %v", line, err)
						return
					}
					childDocs = append(childDocs, d)
				} else if rest, ok := strings.CutPrefix(line, "RETRIES "); ok {
					var n int
					fmt.Sscan(rest, &n)
					mu.Lock()
					childRetries += n
					mu.Unlock()
				}
			}
		})
		// Importers in this process.
		ownDocs := make([]gcRaceDoc, perImporter)
		for w := range 4 {
			importers.Go(func() {
				for i := w; i < perImporter; i += 4 {
					res, err := p.Ingest(ctx, gcRaceRequest(fmt.Sprintf("GC%03d-own-%d", rounds, i%5),
						fmt.Sprintf("%03d.pdf", i), bytes.NewReader(bodies[i])))
					if err != nil {
						fail("ingest %d: %v", i, err)
						continue
					}
					ownDocs[i] = gcRaceDoc{ID: res.Document.ID, Key: res.Document.BlobKey}
				}
			})
		}
		importers.Wait()
		close(stop)
		gcs.Wait()

		// Every imported document has its blob, intact.
		var lost []int64
		for _, d := range append(ownDocs, childDocs...) {
			if d.ID == 0 {
				continue // its ingest failed, reported below
			}
			doc, err := st.Catalog.FindDocumentByID(ctx, d.ID)
			require.NoError(t, err)
			require.Equal(t, d.Key, doc.BlobKey)
			if err := st.Blobs.Verify(ctx, d.Key); err != nil {
				require.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err), "%v", err)
				lost = append(lost, d.ID)
			}
			imported = append(imported, d)
			docs++
		}
		require.Empty(t, lost, "round %d: %d of %d documents imported in this round lost their blob", rounds, len(lost), 2*perImporter)
		require.Empty(t, failures, "round %d", rounds)
		require.Len(t, childDocs, perImporter, "the child imported every file")
	}

	// And fsck agrees, with nothing left to collect.
	res, err := fsck.Run(ctx, st.Catalog, st.Blobs, fsck.Options{VerifyHashes: true, GC: true})
	require.NoError(t, err)
	assert.True(t, res.OK, "%+v", res)
	assert.Empty(t, res.Missing)
	assert.Equal(t, docs, res.CatalogKeys)
	assert.Equal(t, docs, res.Blobs-len(res.Removed))
	sort.Slice(imported, func(i, j int) bool { return imported[i].Key < imported[j].Key })
	t.Logf("%d rounds, %d documents imported over orphan blobs; collectors: %d runs in process removed %d orphans, %d runs of sohoa fsck --gc removed %d; "+
		"imports that met a gc lock and stored the file again: %d in process, %d in the child",
		rounds, docs, inRuns.Load(), inRemoved.Load(), binRuns.Load(), binRemoved.Load(), retries.n.Load(), childRetries)
	assert.Positive(t, inRemoved.Load()+binRemoved.Load(), "the collectors removed orphans: they raced the imports")
}

// TestGCRaceChild is TestGCRace's importer child: it imports every file in
// the directory gcRaceChildEnv names, reading each like `sohoa ingest`
// does (a stream, reopened by path when the pipeline needs the bytes
// again), and prints each document and how often it stored a file again.
func TestGCRaceChild(t *testing.T) {
	dir := os.Getenv(gcRaceChildEnv)
	if dir == "" {
		t.Skip("only run by TestGCRace")
	}
	vars := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "SOHOA_") {
			vars[k] = v
		}
	}
	var retries countingWriter
	_, p := gcRacePipeline(t, vars, &retries)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, e := range entries {
		path := filepath.Join(dir, e.Name())
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			f, err := os.Open(path)
			if !assert.NoError(t, err) {
				return
			}
			defer f.Close()
			req := gcRaceRequest(fmt.Sprintf("%s-%d", vars["SOHOA_GC_RACE_DOSSIER"], i%5), e.Name(), bufio.NewReader(f))
			req.Reopen = func() (io.ReadCloser, error) { return os.Open(path) }
			res, err := p.Ingest(t.Context(), req)
			if !assert.NoError(t, err, path) {
				return
			}
			b, _ := json.Marshal(gcRaceDoc{ID: res.Document.ID, Key: res.Document.BlobKey})
			mu.Lock()
			fmt.Printf("DOC %s\n", b)
			mu.Unlock()
		})
	}
	wg.Wait()
	fmt.Printf("RETRIES %d\n", retries.n.Load())
}
