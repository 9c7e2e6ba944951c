package s3blob

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/faulttest"
	"github.com/sohoa/sohoa/internal/testenv"
	"github.com/sohoa/sohoa/storage/blobtest"
)

// TestNoSpace runs a private Versity S3 Gateway whose disk is a 2 MiB
// tmpfs and fills it: both upload paths report sohoa.ErrNoSpace, with the
// server's answer (507 InsufficientStorage) still in the chain.
func TestNoSpace(t *testing.T) {
	srv := faulttest.StartS3In(t, testenv.Tmpfs(t, "size=2m"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := New(ctx, Config{
		Endpoint: srv.Addr, Bucket: "full", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Insecure: true, CreateBucket: true, PartSize: MinPartSize,
	})
	require.NoError(t, err)

	small, err := s.Put(ctx, bytes.NewReader([]byte("fits")))
	require.NoError(t, err)
	for _, n := range []int64{3 << 20, 2*MinPartSize + 1} { // one PUT; multipart
		_, err := s.Put(ctx, blobtest.Generator(uint64(n), n))
		require.ErrorIs(t, err, sohoa.ErrNoSpace, "Put of %d bytes", n)
		var er minio.ErrorResponse
		require.True(t, errors.As(err, &er), "the server's answer is kept: %v", err)
		t.Logf("%d bytes: %v (HTTP %d %s)", n, err, er.StatusCode, er.Code)
	}
	require.NoError(t, s.Verify(ctx, small.Key), "what was stored is still there")
}

func TestNoSpaceClassification(t *testing.T) {
	for _, er := range []minio.ErrorResponse{
		{StatusCode: http.StatusInsufficientStorage, Code: "InsufficientStorage"}, // versitygw, ENOSPC
		{StatusCode: http.StatusInsufficientStorage, Code: "XMinioStorageFull"},   // MinIO
		{StatusCode: http.StatusInsufficientStorage, Code: "SomethingElse"},
		{StatusCode: http.StatusForbidden, Code: "QuotaExceeded"}, // versitygw EDQUOT, Ceph RGW quotas
		{StatusCode: http.StatusBadRequest, Code: "XMinioAdminBucketQuotaExceeded"},
	} {
		err := noSpace(fmtErr(er))
		require.ErrorIs(t, err, sohoa.ErrNoSpace, "%+v", er)
		require.True(t, errors.As(err, new(minio.ErrorResponse)))
		require.Same(t, err, noSpace(err), "wrapped once")
	}
	for _, er := range []minio.ErrorResponse{
		{StatusCode: http.StatusInternalServerError, Code: "InternalError"},
		{StatusCode: http.StatusForbidden, Code: "AccessDenied"},
		{StatusCode: http.StatusServiceUnavailable, Code: "SlowDown"},
	} {
		require.NotErrorIs(t, noSpace(fmtErr(er)), sohoa.ErrNoSpace, "%+v", er)
	}
	require.NoError(t, noSpace(nil))
}

func fmtErr(er minio.ErrorResponse) error { return errors.Join(errors.New("s3blob: put"), er) }
