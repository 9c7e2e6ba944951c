package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testenv"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/storage/fsblob"
	"github.com/sohoa/sohoa/storage/postgres"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
	"github.com/sohoa/sohoa/storage/s3blob"
	"github.com/sohoa/sohoa/storage/sqlite"
	"github.com/sohoa/sohoa/verify"
)

const (
	testUnit      = "U1"
	testProcedure = "P1"
	compForm      = "Đơn đề nghị"
	compID        = "Bản sao CCCD"
)

// backend opens a fresh catalog and blob store for one test.
type backend struct {
	name string
	open func(t testing.TB) Config
}

// backends are the ones every scenario runs on: the embedded default
// always, PostgreSQL + S3 when the test services are there (under CI they
// must be).
func backends(t testing.TB) []backend {
	bs := []backend{{name: "SQLite+fs", open: openSQLite}}
	if os.Getenv("SOHOA_TEST_DATABASE_URL") != "" || os.Getenv("CI") != "" {
		bs = append(bs, backend{name: "Postgres+S3", open: func(t testing.TB) Config {
			return openPostgres(t, pgtest.NewDatabase(t, "pipeline"))
		}})
	} else {
		t.Log("PostgreSQL + S3 backend skipped: SOHOA_TEST_DATABASE_URL is not set (source scripts/test-services.sh)")
	}
	return bs
}

func openSQLite(t testing.TB) Config {
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "sohoa.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	blobs, err := fsblob.New(filepath.Join(dir, "blobs"), fsblob.Options{})
	require.NoError(t, err)
	return Config{Catalog: OnSQLite(db), Blobs: blobs}
}

func openPostgres(t testing.TB, dbURL string) Config {
	db, err := postgres.Open(t.Context(), pgtest.NewSchema(t, dbURL), nil)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	endpoint, access, secret := testenv.S3(t)
	blobs, err := s3blob.New(t.Context(), s3blob.Config{
		Endpoint: endpoint, Bucket: testenv.NewBucket(t), AccessKey: access, SecretKey: secret,
		Insecure: true, CreateBucket: true,
	})
	require.NoError(t, err)
	return Config{Catalog: OnPostgres(db), Blobs: blobs}
}

// The catalog adapters hand the pipeline what River needs.
var (
	_ PostgresDB = (*postgres.DB)(nil)
	_ SQLiteDB   = (*sqlite.DB)(nil)
)

// forEachBackend runs fn as a parallel subtest per backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, b *bundle)) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			fn(t, newBundle(t, be.open(t)))
		})
	}
}

type bundle struct {
	cfg Config
	cat sohoa.Catalog
	p   *Pipeline
}

func samplesDir() string { return filepath.Join("..", "testdata", "samples") }

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir(), name))
	require.NoError(t, err)
	return b
}

func testVerifier(t testing.TB, trusted bool) *verify.Verifier {
	t.Helper()
	var cfg verify.Config
	if trusted {
		certs, err := verify.LoadTrustAnchors(filepath.Join(samplesDir(), "trust"))
		require.NoError(t, err)
		cfg.TrustAnchors = certs
	}
	v, err := verify.New(cfg)
	require.NoError(t, err)
	return v
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() && os.Getenv("PIPELINE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// newBundle seeds reference data and builds a pipeline with fast retries;
// it is not started.
func newBundle(t testing.TB, cfg Config) *bundle {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, cfg.Catalog.CreateUnit(ctx, &sohoa.Unit{Code: testUnit, Name: "Bộ phận Một cửa"}))
	require.NoError(t, cfg.Catalog.CreateProcedure(ctx, &sohoa.Procedure{Code: testProcedure, Name: "Cấp giấy phép",
		RequiredComponents: []string{compForm, compID}}))
	cfg.Verifier = testVerifier(t, true)
	cfg.Logger = testLogger(t)
	cfg.Workers = 4
	cfg.ReverifyInterval = -1
	b := &bundle{cfg: cfg, cat: cfg.Catalog}
	b.p = b.pipeline(t, cfg)
	return b
}

// pipeline builds a pipeline over the bundle's stores with test timings,
// stopped when t ends.
func (b *bundle) pipeline(t testing.TB, cfg Config) *Pipeline {
	t.Helper()
	p, err := New(cfg)
	require.NoError(t, err)
	p.retryPolicy = fastRetry{}
	p.pollEvery = 50 * time.Millisecond
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Stop(ctx)
	})
	return p
}

type fastRetry struct{}

func (fastRetry) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(20 * time.Millisecond)
}

func (b *bundle) start(t testing.TB) {
	t.Helper()
	require.NoError(t, b.p.Start(context.WithoutCancel(t.Context())))
}

func newDossier() *sohoa.Dossier {
	return &sohoa.Dossier{UnitCode: testUnit, ProcedureCode: testProcedure, ReceivedAt: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
}

func req(code, component, name string, body []byte) IngestRequest {
	return IngestRequest{
		DossierCode: code, NewDossier: newDossier(), Role: sohoa.RoleComponent, Component: component,
		FileName: name, Source: sohoa.SourceBulk, UploadedBy: "clerk1", Body: bytes.NewReader(body),
	}
}

func (b *bundle) ingest(t *testing.T, r IngestRequest) *IngestResult {
	t.Helper()
	res, err := b.p.Ingest(t.Context(), r)
	require.NoError(t, err)
	return res
}

func (b *bundle) wait(t testing.TB, ids ...int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	require.NoError(t, b.p.WaitDocuments(ctx, ids))
	b.settle(t, ids...)
}

// settle waits for River to mark the documents' jobs finished:
// WaitDocuments returns once results are recorded, which is a moment
// before River's completer gets to the job rows.
func (b *bundle) settle(t testing.TB, ids ...int64) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, j := range b.jobs(t, ids...) {
			if j.FinalizedAt == nil {
				return false
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond)
}

func (b *bundle) inspections(t *testing.T, id int64) []*sohoa.Inspection {
	t.Helper()
	ins, err := b.cat.FindInspections(t.Context(), id)
	require.NoError(t, err)
	return ins
}

func (b *bundle) verifications(t *testing.T, id int64) []*sohoa.Verification {
	t.Helper()
	vs, err := b.cat.FindVerifications(t.Context(), id)
	require.NoError(t, err)
	return vs
}

func (b *bundle) jobs(t testing.TB, ids ...int64) []*rivertype.JobRow {
	t.Helper()
	q, err := b.p.client()
	require.NoError(t, err)
	jobs, err := b.p.docJobs(t.Context(), q, ids, rivertype.JobStates()...)
	require.NoError(t, err)
	return jobs
}

func (b *bundle) dossier(t *testing.T, code string) *sohoa.Dossier {
	t.Helper()
	d, err := b.cat.FindDossierByCode(t.Context(), code)
	require.NoError(t, err)
	return d
}

// uniquePDF is a small valid unsigned PDF whose bytes differ for every n.
func uniquePDF(n int) []byte {
	return testpdf.Base(testpdf.BaseOptions{Lines: []string{fmt.Sprintf("Tài liệu số %d", n)}}).Bytes
}

// flakyBlobs fails the first n Opens.
type flakyBlobs struct {
	sohoa.BlobStore
	fails atomic.Int32
	opens atomic.Int32
}

func (f *flakyBlobs) Open(ctx context.Context, key string) (sohoa.BlobReader, error) {
	f.opens.Add(1)
	if f.fails.Add(-1) >= 0 {
		return nil, fmt.Errorf("flaky store: connection reset by peer")
	}
	return f.BlobStore.Open(ctx, key)
}
