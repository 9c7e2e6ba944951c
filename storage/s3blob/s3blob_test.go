package s3blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testenv"
	"github.com/sohoa/sohoa/storage/blobtest"
)

func testConfig(t testing.TB) Config {
	t.Helper()
	endpoint, access, secret := testenv.S3(t)
	return Config{
		Endpoint:     endpoint,
		Bucket:       testenv.NewBucket(t),
		AccessKey:    access,
		SecretKey:    secret,
		Insecure:     true,
		CreateBucket: true,
		// The smallest part S3 allows, so that the conformance suite's
		// multi-MiB objects take the multipart path and the bounded-memory
		// check has a wide margin.
		PartSize: MinPartSize,
	}
}

func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := New(ctx, cfg)
	require.NoError(t, err)
	return s
}

// corrupter overwrites an object behind the store's back through a plain
// client (no checksum, no store), as a faulty or tampered backend would.
func corrupter(get func() *Store) func(t *testing.T, key string) {
	return func(t *testing.T, key string) {
		s := get()
		ctx := context.Background()
		obj, err := s.c.GetObject(ctx, s.bucket, ObjectName(key), minio.GetObjectOptions{})
		require.NoError(t, err)
		var buf bytes.Buffer
		_, err = buf.ReadFrom(obj)
		require.NoError(t, err)
		b := buf.Bytes()
		b[1000] ^= 0x20
		_, err = s.c.PutObject(ctx, s.bucket, ObjectName(key), bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{})
		require.NoError(t, err)
	}
}

func TestConformance(t *testing.T) {
	testenv.S3(t) // skip (or fail under CI) once, not in every subtest
	var current *Store
	blobtest.RunConformance(t,
		func(t *testing.T) sohoa.BlobStore {
			current = newStore(t, testConfig(t))
			return current
		},
		corrupter(func() *Store { return current }))
}

// TestConformanceVersioned runs the suite on a bucket with versioning on, as
// an object-lock bucket has: deletes must remove versions, not add markers.
func TestConformanceVersioned(t *testing.T) {
	testenv.S3(t)
	var current *Store
	blobtest.RunConformance(t,
		func(t *testing.T) sohoa.BlobStore {
			cfg := testConfig(t)
			s := newStore(t, cfg)
			require.NoError(t, s.c.EnableVersioning(context.Background(), cfg.Bucket))
			current = newStore(t, cfg)
			require.True(t, current.versioned)
			return current
		},
		corrupter(func() *Store { return current }))
	// No version of anything is left behind by the suite's deletes and
	// temp uploads: checked in TestNoHiddenVersions.
}

func TestNoHiddenVersions(t *testing.T) {
	cfg := testConfig(t)
	s := newStore(t, cfg)
	ctx := context.Background()
	require.NoError(t, s.c.EnableVersioning(ctx, cfg.Bucket))
	s = newStore(t, cfg)

	small, err := s.Put(ctx, bytes.NewReader([]byte("small")))
	require.NoError(t, err)
	large, err := s.Put(ctx, blobtest.Generator(1, 2*MinPartSize+5))
	require.NoError(t, err)
	require.NoError(t, s.Delete(ctx, small.Key))

	var left []string
	for obj := range s.c.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		require.NoError(t, obj.Err)
		left = append(left, obj.Key)
	}
	require.Equal(t, []string{ObjectName(large.Key)}, left,
		"only the live blob remains: no temp object, delete marker or old version")
}

func TestRetention(t *testing.T) {
	cfg := testConfig(t)
	cfg.RetentionDays = 1
	now := time.Now()
	cfg.Now = func() time.Time { return now }
	s := newStore(t, cfg)
	require.True(t, s.locked)
	ctx := context.Background()

	for _, size := range []int64{1000, 2*MinPartSize + 1} { // single PUT and temp+copy
		info, err := s.Put(ctx, blobtest.Generator(uint64(size), size))
		require.NoError(t, err)
		require.True(t, info.Created)

		st, err := s.c.StatObject(ctx, cfg.Bucket, ObjectName(info.Key), minio.StatObjectOptions{})
		require.NoError(t, err)
		require.Equal(t, "COMPLIANCE", st.Metadata.Get("X-Amz-Object-Lock-Mode"))
		until, err := time.Parse(time.RFC3339, st.Metadata.Get("X-Amz-Object-Lock-Retain-Until-Date"))
		require.NoError(t, err)
		require.WithinDuration(t, now.Add(24*time.Hour), until, 2*time.Second)

		err = s.Delete(ctx, info.Key)
		require.Equal(t, sohoa.ECONFLICT, sohoa.Code(err), "Delete of a retained blob: %v", err)
		require.NoError(t, s.Verify(ctx, info.Key), "the blob survived the delete attempt")

		again, err := s.Put(ctx, blobtest.Generator(uint64(size), size))
		require.NoError(t, err)
		require.False(t, again.Created)
	}
}

func TestRetentionGovernance(t *testing.T) {
	cfg := testConfig(t)
	cfg.RetentionDays = 2
	cfg.RetentionMode = "governance"
	s := newStore(t, cfg)
	info, err := s.Put(context.Background(), bytes.NewReader([]byte("governed")))
	require.NoError(t, err)
	st, err := s.c.StatObject(context.Background(), cfg.Bucket, ObjectName(info.Key), minio.StatObjectOptions{})
	require.NoError(t, err)
	require.Equal(t, "GOVERNANCE", st.Metadata.Get("X-Amz-Object-Lock-Mode"))
}

func TestRetentionNeedsObjectLock(t *testing.T) {
	cfg := testConfig(t)
	newStore(t, cfg) // creates the bucket without object lock
	cfg.RetentionDays = 30
	_, err := New(context.Background(), cfg)
	require.Equal(t, sohoa.EINVALID, sohoa.Code(err), "%v", err)
}

func TestConfigErrors(t *testing.T) {
	ctx := context.Background()
	for _, cfg := range []Config{
		{},
		{Endpoint: "127.0.0.1:1"},
		{Endpoint: "127.0.0.1:1", Bucket: "b", PartSize: 1 << 20},
		{Endpoint: "127.0.0.1:1", Bucket: "b", RetentionMode: "forever"},
		{Endpoint: "127.0.0.1:1", Bucket: "b", RetentionDays: -1},
	} {
		_, err := New(ctx, cfg)
		require.Equal(t, sohoa.EINVALID, sohoa.Code(err), "%+v: %v", cfg, err)
	}

	cfg := testConfig(t)
	cfg.CreateBucket = false
	_, err := New(ctx, cfg)
	require.Equal(t, sohoa.EINVALID, sohoa.Code(err), "missing bucket without CreateBucket: %v", err)
}

func TestEndpointScheme(t *testing.T) {
	cfg := testConfig(t)
	cfg.Endpoint = "http://" + cfg.Endpoint + "/"
	cfg.Insecure = false
	s := newStore(t, cfg)
	require.NoError(t, s.Health(context.Background()))
}

func TestNewRemovesStaleTempObjects(t *testing.T) {
	cfg := testConfig(t)
	s := newStore(t, cfg)
	ctx := context.Background()
	_, err := s.c.PutObject(ctx, cfg.Bucket, "tmp/stale", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{})
	require.NoError(t, err)
	_, err = s.c.PutObject(ctx, cfg.Bucket, "notes.txt", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{})
	require.NoError(t, err)

	fresh := newStore(t, cfg)
	_, err = fresh.c.StatObject(ctx, cfg.Bucket, "tmp/stale", minio.StatObjectOptions{})
	require.NoError(t, err, "a temp object younger than an hour may be an upload in progress")

	cfg.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	later := newStore(t, cfg)
	_, err = later.c.StatObject(ctx, cfg.Bucket, "tmp/stale", minio.StatObjectOptions{})
	require.True(t, isNotFound(err), "stale temp object removed: %v", err)

	var keys []string
	require.NoError(t, later.List(ctx, func(bi sohoa.BlobInfo) error { keys = append(keys, bi.Key); return nil }))
	require.Empty(t, keys, "List skips objects outside the blob layout")
}

func TestBadCredentials(t *testing.T) {
	cfg := testConfig(t)
	cfg.SecretKey = "wrong"
	_, err := New(context.Background(), cfg)
	require.Error(t, err)
}

func TestCancelledUploadAbortsMultipart(t *testing.T) {
	cfg := testConfig(t)
	s := newStore(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	n := int64(0)
	r := readerFunc(func(p []byte) (int, error) {
		if n >= 3*MinPartSize {
			cancel()
			return 0, ctx.Err()
		}
		m := min(len(p), 64<<10)
		n += int64(m)
		return m, nil
	})
	_, err := s.Put(ctx, r)
	require.ErrorIs(t, err, context.Canceled)
	for up := range s.c.ListIncompleteUploads(context.Background(), cfg.Bucket, "", true) {
		require.NoError(t, up.Err)
		t.Errorf("multipart upload left behind: %s (%s)", up.Key, up.UploadID)
	}
	for obj := range s.c.ListObjects(context.Background(), cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		require.NoError(t, obj.Err)
		t.Errorf("object left behind: %s", obj.Key)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// tamperCopy makes the server's answer to CopyObject report another SHA-256,
// standing in for a server that copied the wrong bytes.
type tamperCopy struct{ rt http.RoundTripper }

var checksumElem = regexp.MustCompile(`<ChecksumSHA256>[^<]*</ChecksumSHA256>`)

func (tc tamperCopy) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tc.rt.RoundTrip(req)
	if err != nil || req.Method != http.MethodPut || req.Header.Get("X-Amz-Copy-Source") == "" {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	other := sha256.Sum256([]byte("other bytes"))
	body = checksumElem.ReplaceAll(body, []byte("<ChecksumSHA256>"+base64.StdEncoding.EncodeToString(other[:])+"</ChecksumSHA256>"))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func TestCopyChecksumMismatch(t *testing.T) {
	cfg := testConfig(t)
	tr, err := minio.DefaultTransport(false)
	require.NoError(t, err)
	cfg.Transport = tamperCopy{rt: tr}
	s := newStore(t, cfg)
	ctx := context.Background()
	size := int64(2*MinPartSize + 7)
	_, err = s.Put(ctx, blobtest.Generator(9, size))
	require.ErrorIs(t, err, sohoa.ErrCorrupt)

	all, err := io.ReadAll(blobtest.Generator(9, size))
	require.NoError(t, err)
	_, err = s.Stat(ctx, blobtest.Key(all))
	require.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err), "the suspect copy was removed: %v", err)
}

func TestPutRepairsTruncatedBlob(t *testing.T) {
	cfg := testConfig(t)
	s := newStore(t, cfg)
	ctx := context.Background()
	for _, size := range []int{1000, 2*MinPartSize + 3} {
		b := blobtest.RandomBytes(uint64(size), size)
		info, err := s.Put(ctx, bytes.NewReader(b))
		require.NoError(t, err)
		_, err = s.c.PutObject(ctx, cfg.Bucket, ObjectName(info.Key), bytes.NewReader(b[:size-1]), int64(size-1), minio.PutObjectOptions{})
		require.NoError(t, err)
		require.ErrorIs(t, s.Verify(ctx, info.Key), sohoa.ErrCorrupt)

		again, err := s.Put(ctx, bytes.NewReader(b))
		require.NoError(t, err)
		require.True(t, again.Created, "the damaged copy was replaced")
		require.NoError(t, s.Verify(ctx, info.Key))
	}
}

// recorder is an HTTP transport that notes every request to an object
// (method, If-None-Match and the status of the answer).
type recorder struct {
	rt   http.RoundTripper
	mu   sync.Mutex
	reqs []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.rt.RoundTrip(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if strings.Count(req.URL.Path, "/") > 2 { // /bucket/ab/cd/key, not bucket calls
		cond := ""
		if v := req.Header.Get("If-None-Match"); v != "" {
			cond = " if-none-match=" + v
		}
		r.reqs = append(r.reqs, fmt.Sprintf("%s%s %d", req.Method, cond, status))
	}
	return resp, err
}

// take returns the requests recorded since the last call.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	reqs := r.reqs
	r.reqs = nil
	return reqs
}

func recordingConfig(t *testing.T) (Config, *recorder) {
	cfg := testConfig(t)
	tr, err := minio.DefaultTransport(false)
	require.NoError(t, err)
	rec := &recorder{rt: tr}
	cfg.Transport = rec
	return cfg, rec
}

func TestPutSmallOneRequest(t *testing.T) {
	for _, retention := range []int{0, 1} {
		t.Run(fmt.Sprintf("retention=%d", retention), func(t *testing.T) {
			cfg, rec := recordingConfig(t)
			cfg.RetentionDays = retention
			s := newStore(t, cfg)
			ctx := context.Background()
			rec.take()

			b := blobtest.RandomBytes(uint64(100+retention), 1000)
			info, err := s.Put(ctx, bytes.NewReader(b))
			require.NoError(t, err)
			require.True(t, info.Created)
			require.Equal(t, []string{"PUT if-none-match=* 200"}, rec.take(), "a new blob takes one conditional PUT")
			require.NoError(t, s.Verify(ctx, info.Key))
			st, err := s.Stat(ctx, info.Key)
			require.NoError(t, err)
			rec.take()

			again, err := s.Put(ctx, bytes.NewReader(b))
			require.NoError(t, err)
			require.False(t, again.Created)
			require.Equal(t, info.Key, again.Key)
			require.Equal(t, int64(len(b)), again.Size)
			require.Equal(t, st.ModTime, again.ModTime, "the server's time of the stored blob")
			require.Equal(t, []string{"PUT if-none-match=* 412", "HEAD 200", "GET 200"}, rec.take(),
				"an existing blob: the conditional PUT fails, a HEAD checks its size, a GET its bytes, nothing is rewritten")
			require.False(t, s.noCondPut.Load())

			// What the server says, exactly, to a second If-None-Match PUT.
			opts := minio.PutObjectOptions{}
			opts.SetMatchETagExcept("*")
			_, err = s.c.PutObject(ctx, cfg.Bucket, ObjectName(info.Key), bytes.NewReader(b), int64(len(b)), opts)
			er := minio.ToErrorResponse(err)
			require.Equal(t, "PreconditionFailed", er.Code, "%v", err)
			require.Equal(t, http.StatusPreconditionFailed, er.StatusCode)
		})
	}
}

func TestPutSmallReplacesDamaged(t *testing.T) {
	cfg, rec := recordingConfig(t)
	s := newStore(t, cfg)
	ctx := context.Background()
	b := blobtest.RandomBytes(7, 3000)
	key := blobtest.Key(b)
	// Written directly, no store: same key, wrong (shorter) bytes.
	_, err := s.c.PutObject(ctx, cfg.Bucket, ObjectName(key), bytes.NewReader(b[:2000]), 2000, minio.PutObjectOptions{})
	require.NoError(t, err)
	require.ErrorIs(t, s.Verify(ctx, key), sohoa.ErrCorrupt)
	rec.take()

	info, err := s.Put(ctx, bytes.NewReader(b))
	require.NoError(t, err)
	require.True(t, info.Created, "the damaged copy was replaced")
	require.Equal(t, key, info.Key)
	require.Equal(t, []string{"PUT if-none-match=* 412", "HEAD 200", "PUT 200"}, rec.take(), "a wrong size needs no download")
	require.NoError(t, s.Verify(ctx, key))
	require.EqualValues(t, 1, s.Repaired())
	st, err := s.Stat(ctx, key)
	require.NoError(t, err)
	require.Equal(t, int64(len(b)), st.Size)
}

// noConditional answers every If-None-Match request with 501 NotImplemented,
// as a server without conditional writes may.
type noConditional struct{ rt http.RoundTripper }

func (nc noConditional) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("If-None-Match") == "" {
		return nc.rt.RoundTrip(req)
	}
	if req.Body != nil {
		req.Body.Close()
	}
	body := "<Error><Code>NotImplemented</Code><Message>not here</Message></Error>"
	return &http.Response{
		StatusCode: http.StatusNotImplemented, Status: "501 Not Implemented",
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/xml"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: req,
	}, nil
}

func TestPutSmallWithoutConditionalPut(t *testing.T) {
	cfg, rec := recordingConfig(t)
	rec.rt = noConditional{rt: rec.rt}
	s := newStore(t, cfg)
	ctx := context.Background()
	rec.take()

	b := []byte("no conditional writes here")
	info, err := s.Put(ctx, bytes.NewReader(b))
	require.NoError(t, err)
	require.True(t, info.Created)
	require.Equal(t, []string{"PUT if-none-match=* 501", "HEAD 404", "PUT 200"}, rec.take())
	require.True(t, s.noCondPut.Load())

	again, err := s.Put(ctx, bytes.NewReader(b))
	require.NoError(t, err)
	require.False(t, again.Created)
	require.Equal(t, []string{"HEAD 200", "GET 200"}, rec.take(), "HEAD-then-PUT from then on (and a GET to check the bytes)")
	require.NoError(t, s.Verify(ctx, info.Key))
}
