// Package s3blob is the sohoa.BlobStore on an S3 server (AWS S3, MinIO,
// Versity S3 Gateway, …), through github.com/minio/minio-go/v7. The ministry
// runs sohoa this way, with several workers sharing one bucket.
//
// Objects are named ab/cd/<key> like fsblob's files: S3 does not need the
// sharding, but posix-backed gateways such as versitygw map "/" to
// directories and would otherwise put every blob in one directory.
//
// No object is ever visible under a content key unless it holds exactly the
// bytes that hash to it:
//
//   - Up to Config.PartSize bytes, Put reads the whole blob into memory,
//     hashes it and sends one PutObject to the content key with an
//     x-amz-checksum-sha256 header; the server refuses the write unless the
//     bytes it received have that SHA-256, and a single PUT is atomic. The
//     PUT is conditional (If-None-Match: *), so a new blob costs one request
//     and an existing one is not rewritten (see putSmall).
//   - Larger blobs are hashed while they stream as a multipart upload of
//     unknown size to a temporary key tmp/<random>. Then, unless the content
//     key exists already, a server-side CopyObject moves the object to the
//     content key, asking the server for a SHA-256 of the copy, which is
//     compared with the key; finally the temporary object is deleted. A
//     crashed Put leaves at most debris under tmp/, which New removes after
//     an hour.
//
// Memory per Put is bounded by about twice Config.PartSize (the first part
// is held while deciding which path to take, then minio-go holds one part).
//
// With Config.RetentionDays, every content object is written with an
// object-lock retention (COMPLIANCE unless Config.RetentionMode says
// GOVERNANCE) set in the same request that creates it, so there is no window
// in which stored evidence is unprotected. The bucket must have object lock
// enabled (New creates it so when allowed to create it).
package s3blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/sohoa/sohoa"
)

var _ sohoa.BlobStore = (*Store)(nil)

const (
	// DefaultPartSize is the multipart part size for large uploads.
	DefaultPartSize = 16 << 20
	// MinPartSize is S3's smallest part size (except the last part).
	MinPartSize = 5 << 20
	// maxCopySize is the largest object a single CopyObject may copy;
	// larger ones go through a multipart copy (ComposeObject).
	maxCopySize = 5 << 30
	tmpPrefix   = "tmp/"
)

// Config says where the bucket is and how to write to it. The SOHOA_S3_*
// variables of DESIGN.md map onto it one to one.
type Config struct {
	// Endpoint is host:port, or a URL whose scheme (http:// or https://)
	// overrides Insecure.
	Endpoint  string
	Bucket    string
	AccessKey string
	SecretKey string
	// Insecure selects plain HTTP, for local servers.
	Insecure bool
	// Region defaults to the server's (us-east-1 for most local servers).
	Region string
	// CreateBucket lets New create a missing bucket (with object lock when
	// RetentionDays is set).
	CreateBucket bool
	// RetentionDays, when positive, puts an object-lock retention of that
	// many days on every blob Put stores (SOHOA_S3_RETENTION_DAYS).
	RetentionDays int
	// RetentionMode is COMPLIANCE (default: nobody, not even the bucket
	// owner or root, can delete or shorten it before it expires, which is
	// what write-once evidence needs) or GOVERNANCE (users with
	// s3:BypassGovernanceRetention can lift it; for staging systems).
	RetentionMode string
	// PartSize is the multipart part size and the largest blob sent in a
	// single PUT. Default 16 MiB, minimum 5 MiB.
	PartSize uint64
	// Logger receives cleanup warnings. Default: discard.
	Logger *slog.Logger
	// Now is the clock for retention dates and temp-object ageing.
	Now func() time.Time
	// Transport, if set, replaces the HTTP transport (tests, proxies).
	Transport http.RoundTripper
}

// Store is a sohoa.BlobStore on one S3 bucket. It is safe for concurrent
// use, also by several processes sharing the bucket.
type Store struct {
	c         *minio.Client
	bucket    string
	partSize  uint64
	retention time.Duration
	mode      minio.RetentionMode
	versioned bool // delete by version ID so that nothing lingers
	locked    bool // bucket has object lock enabled
	// noCondPut is set once the server answered NotImplemented to a
	// conditional PUT; small Puts then check with a HEAD first instead.
	noCondPut atomic.Bool
	repaired  atomic.Int64
	now       func() time.Time
	log       *slog.Logger
}

// New connects to the bucket, creating it when cfg.CreateBucket allows, and
// removes temporary objects older than an hour left by crashed Puts.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, sohoa.Errorf(sohoa.EINVALID, "s3blob: endpoint and bucket are required")
	}
	if cfg.RetentionDays < 0 {
		return nil, sohoa.Errorf(sohoa.EINVALID, "s3blob: retention days must not be negative, got %d", cfg.RetentionDays)
	}
	mode := minio.Compliance
	switch strings.ToUpper(cfg.RetentionMode) {
	case "", "COMPLIANCE":
	case "GOVERNANCE":
		mode = minio.Governance
	default:
		return nil, sohoa.Errorf(sohoa.EINVALID, "s3blob: retention mode %q: want COMPLIANCE or GOVERNANCE", cfg.RetentionMode)
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.PartSize < MinPartSize {
		return nil, sohoa.Errorf(sohoa.EINVALID, "s3blob: part size %d is below the S3 minimum of %d", cfg.PartSize, MinPartSize)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	endpoint, secure := cfg.Endpoint, !cfg.Insecure
	switch {
	case strings.HasPrefix(endpoint, "http://"):
		endpoint, secure = strings.TrimPrefix(endpoint, "http://"), false
	case strings.HasPrefix(endpoint, "https://"):
		endpoint, secure = strings.TrimPrefix(endpoint, "https://"), true
	}
	endpoint = strings.TrimSuffix(endpoint, "/")

	c, err := minio.New(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       secure,
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupPath,
		// Needed for x-amz-checksum-* on uploads (see DESIGN.md).
		TrailingHeaders: true,
		Transport:       cfg.Transport,
	})
	if err != nil {
		return nil, sohoa.Wrapf(err, sohoa.EINVALID, "s3blob: endpoint %q: %v", cfg.Endpoint, err)
	}
	s := &Store{
		c:         c,
		bucket:    cfg.Bucket,
		partSize:  cfg.PartSize,
		retention: time.Duration(cfg.RetentionDays) * 24 * time.Hour,
		mode:      mode,
		now:       cfg.Now,
		log:       log.With("component", "s3blob", "bucket", cfg.Bucket),
	}

	exists, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3blob: bucket %s at %s: %w", cfg.Bucket, endpoint, err)
	}
	if !exists {
		if !cfg.CreateBucket {
			return nil, sohoa.Errorf(sohoa.EINVALID, "s3blob: bucket %s does not exist at %s and creating it is not allowed", cfg.Bucket, endpoint)
		}
		err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region, ObjectLocking: cfg.RetentionDays > 0})
		if err != nil && !isCode(err, "BucketAlreadyOwnedByYou") {
			return nil, fmt.Errorf("s3blob: create bucket %s: %w", cfg.Bucket, err)
		}
		s.log.Info("created bucket", "object_lock", cfg.RetentionDays > 0)
	}

	if enabled, _, _, _, err := c.GetObjectLockConfig(ctx, cfg.Bucket); err == nil && enabled == "Enabled" {
		s.locked = true
	}
	if cfg.RetentionDays > 0 && !s.locked {
		return nil, sohoa.Errorf(sohoa.EINVALID,
			"s3blob: retention of %d days requested but bucket %s has no object lock (create the bucket with object lock enabled)",
			cfg.RetentionDays, cfg.Bucket)
	}
	if v, err := c.GetBucketVersioning(ctx, cfg.Bucket); err == nil && (v.Enabled() || v.Suspended()) {
		s.versioned = true
	}
	s.cleanTemp(ctx, time.Hour)
	return s, nil
}

// Client returns the underlying minio-go client (for tests and tools).
func (s *Store) Client() *minio.Client { return s.c }

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.bucket }

// ObjectName returns the object that holds (or would hold) key.
func ObjectName(key string) string {
	return key[0:2] + "/" + key[2:4] + "/" + key
}

func (s *Store) cleanTemp(ctx context.Context, maxAge time.Duration) {
	cutoff := s.now().Add(-maxAge)
	for obj := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: tmpPrefix, Recursive: true, WithVersions: s.versioned}) {
		if obj.Err != nil {
			s.log.Warn("list temp objects", "err", obj.Err)
			break
		}
		if obj.LastModified.After(cutoff) {
			continue
		}
		if err := s.c.RemoveObject(ctx, s.bucket, obj.Key, minio.RemoveObjectOptions{VersionID: obj.VersionID}); err != nil {
			s.log.Warn("remove stale temp object", "object", obj.Key, "err", err)
			continue
		}
		s.log.Info("removed stale temp object", "object", obj.Key, "size", obj.Size, "modified", obj.LastModified)
	}
	for up := range s.c.ListIncompleteUploads(ctx, s.bucket, tmpPrefix, true) {
		if up.Err != nil {
			s.log.Debug("list incomplete uploads", "err", up.Err)
			break
		}
		if up.Initiated.After(cutoff) {
			continue
		}
		if err := s.c.RemoveIncompleteUpload(ctx, s.bucket, up.Key); err != nil {
			s.log.Warn("abort stale upload", "object", up.Key, "err", err)
		}
	}
}

// hashingReader hashes what passes through it and stops when ctx is done.
type hashingReader struct {
	ctx context.Context
	r   io.Reader
	h   hash.Hash
	n   int64
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	if err := hr.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	return n, err
}

// readUpTo reads from r until EOF or until it holds more than limit bytes,
// growing its buffer as it goes so that small blobs cost little memory.
// full reports that r has more than limit bytes.
func readUpTo(r io.Reader, limit int) (b []byte, full bool, err error) {
	b = make([]byte, 0, min(64<<10, limit+1))
	for {
		if len(b) == cap(b) {
			if len(b) > limit {
				return b, true, nil
			}
			nb := make([]byte, len(b), min(2*cap(b), limit+1))
			copy(nb, b)
			b = nb
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
}

func (s *Store) retentionOpts() (minio.RetentionMode, time.Time) {
	if s.retention <= 0 {
		return "", time.Time{}
	}
	return s.mode, s.now().Add(s.retention).UTC()
}

// Put implements sohoa.BlobStore (see the package comment for the two
// paths it takes).
//
// Bytes stored already are checked before Put reports them stored: the
// object's size, then its SHA-256 (one download of the object, since a
// server keeps the checksum it was sent, not one of the bytes it holds
// now). A damaged object, small or large, is replaced by the right bytes,
// so re-importing the original file repairs a blob damaged at rest; Put
// then reports Created. An intact object's age is not refreshed: S3 can
// change LastModified only by copying the object onto itself, a full
// rewrite, which would defeat content addressing's cheap second write
// (fsck --gc relies on the catalog's gc locks, not on ages).
//
// A server out of space (HTTP 507, InsufficientStorage, XMinioStorageFull,
// a quota) is reported wrapping sohoa.ErrNoSpace.
func (s *Store) Put(ctx context.Context, r io.Reader) (_ sohoa.BlobInfo, err error) {
	defer func() { err = noSpace(err) }()
	hr := &hashingReader{ctx: ctx, r: r, h: sha256.New()}
	first, large, err := readUpTo(hr, int(s.partSize))
	if err != nil {
		return sohoa.BlobInfo{}, fmt.Errorf("s3blob: put: %w", err)
	}
	if !large {
		return s.putSmall(ctx, first, hr.h.Sum(nil))
	}
	return s.putLarge(ctx, io.MultiReader(bytes.NewReader(first), hr), hr)
}

// putSmall stores b under its key with one conditional PUT (If-None-Match:
// *), so that the common case, a new blob, takes a single request. When the
// server answers 412 Precondition Failed the object exists already: a HEAD
// fetches its size and the server's modification time, a GET its bytes to
// hash, and if either is wrong (a damaged blob) an unconditional PUT writes
// the right bytes over it. A re-put of stored bytes thus costs the body
// upload, a HEAD and a download.
//
// Two servers' answers send Put back to HEAD-then-PUT, the way it worked
// before conditional writes: NotImplemented (a server without conditional
// PUT; remembered for the Store's life) and, on an object-lock bucket,
// AccessDenied (versitygw checks the retention of the object a PUT would
// replace before the precondition when the bucket is not versioned, so a
// retained blob answers AccessDenied instead of 412).
//
// A server that ignores If-None-Match simply overwrites the object with the
// identical content-addressed bytes (or adds an identical version), which
// is harmless; Created is then true for bytes that were stored already.
func (s *Store) putSmall(ctx context.Context, b, sum []byte) (sohoa.BlobInfo, error) {
	key := hex.EncodeToString(sum)
	info := sohoa.BlobInfo{Key: key, Size: int64(len(b))}
	if err := ctx.Err(); err != nil {
		return sohoa.BlobInfo{}, err
	}
	if !s.noCondPut.Load() {
		err := s.putObject(ctx, key, b, sum, true)
		switch {
		case err == nil:
			return s.created(info), nil
		case isPreconditionFailed(err):
			// Stored already, maybe by a concurrent Put: check its size.
		case isCode(err, "NotImplemented"):
			s.noCondPut.Store(true)
			s.log.Warn("server does not support conditional PUT; checking with HEAD before each small Put", "err", err)
		case s.locked && isCode(err, "AccessDenied"):
			// Maybe a retained blob (see above): look before writing.
		default:
			return sohoa.BlobInfo{}, fmt.Errorf("s3blob: put %s: %w", key, err)
		}
	}
	st, state, err := s.exists(ctx, key, info.Size)
	if err != nil {
		return sohoa.BlobInfo{}, err
	} else if state == stored {
		info.ModTime = st.LastModified.UTC()
		return info, nil
	}
	// Missing (never written, or deleted since the 412) or damaged.
	if err := ctx.Err(); err != nil {
		return sohoa.BlobInfo{}, err
	}
	if err := s.putObject(ctx, key, b, sum, false); err != nil {
		return sohoa.BlobInfo{}, fmt.Errorf("s3blob: put %s: %w", key, err)
	}
	s.countRepair(&info, state)
	return s.created(info), nil
}

// countRepair marks info Repaired, and counts it, when Put wrote over a
// damaged object.
func (s *Store) countRepair(info *sohoa.BlobInfo, state objectState) {
	if state == damaged {
		info.Repaired = true
		s.repaired.Add(1)
	}
}

func (s *Store) created(info sohoa.BlobInfo) sohoa.BlobInfo {
	info.Created = true
	info.ModTime = s.now().UTC() // the client's clock; Stat reports the server's
	return info
}

// putObject sends b to key's object in one PUT, only if no object is there
// when ifNone is set.
func (s *Store) putObject(ctx context.Context, key string, b, sum []byte, ifNone bool) error {
	mode, until := s.retentionOpts()
	opts := minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		// The server rejects the PUT unless the bytes it got hash to key.
		UserMetadata:     map[string]string{"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(sum)},
		Mode:             mode,
		RetainUntilDate:  until,
		DisableMultipart: true,
		// The signed checksum header already binds the body to key.
		DisableContentSha256: true,
	}
	if ifNone {
		opts.SetMatchETagExcept("*") // If-None-Match: *
	}
	for attempt := 1; ; attempt++ {
		_, err := s.c.PutObject(ctx, s.bucket, ObjectName(key), bytes.NewReader(b), int64(len(b)), opts)
		// Versity's posix backend answers 409 ExistingObjectIsDirectory
		// when a DELETE of another object in the same prefix removes the
		// now-empty parent directory while this PUT creates it: a race in
		// the server, gone on the next try (a real directory at a blob's
		// name cannot happen: keys are hex). Other servers never send it.
		if err == nil || !isCode(err, "ExistingObjectIsDirectory") || attempt == 5 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt) * 20 * time.Millisecond):
		}
	}
}

func (s *Store) putLarge(ctx context.Context, body io.Reader, hr *hashingReader) (info sohoa.BlobInfo, err error) {
	var rnd [16]byte
	_, _ = rand.Read(rnd[:])
	tmp := tmpPrefix + hex.EncodeToString(rnd[:])
	var uploaded bool
	var tmpVersion string
	defer func() {
		// A failed upload was aborted by minio-go (with a context that
		// survives cancellation); New removes what a crash leaves. A
		// completed temp object goes whatever happens next, with a context
		// of its own so that a cancelled Put still cleans up after itself.
		if !uploaded {
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		// By version ID, so a versioned bucket keeps no hidden copy.
		rerr := s.c.RemoveObject(cctx, s.bucket, tmp, minio.RemoveObjectOptions{VersionID: tmpVersion})
		if rerr != nil && !isNotFound(rerr) {
			s.log.Warn("remove temp object", "object", tmp, "err", rerr)
		}
	}()

	up, err := s.c.PutObject(ctx, s.bucket, tmp, body, -1, minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		PartSize:    s.partSize,
		// Each part carries a CRC32C and the copy below is checked against
		// the SHA-256 key, so signing the payload (one more full SHA-256
		// pass on plain HTTP) would add CPU and no assurance.
		DisableContentSha256: true,
	})
	if err != nil {
		return sohoa.BlobInfo{}, fmt.Errorf("s3blob: upload: %w", err)
	}
	uploaded, tmpVersion = true, up.VersionID
	if up.Size != hr.n {
		return sohoa.BlobInfo{}, sohoa.Errorf(sohoa.EINTERNAL, "s3blob: uploaded %d bytes but the server stored %d", hr.n, up.Size)
	}
	if err := ctx.Err(); err != nil {
		return sohoa.BlobInfo{}, err
	}
	sum := hr.h.Sum(nil)
	key := hex.EncodeToString(sum)
	info = sohoa.BlobInfo{Key: key, Size: hr.n}
	st, state, err := s.exists(ctx, key, info.Size)
	if err != nil {
		return sohoa.BlobInfo{}, err
	} else if state == stored {
		info.ModTime = st.LastModified.UTC()
		return info, nil
	}

	mode, until := s.retentionOpts()
	dst := minio.CopyDestOptions{
		Bucket: s.bucket, Object: ObjectName(key),
		ChecksumType: minio.ChecksumSHA256,
		Mode:         mode, RetainUntilDate: until,
	}
	src := minio.CopySrcOptions{Bucket: s.bucket, Object: tmp, VersionID: tmpVersion}
	var cp minio.UploadInfo
	if hr.n <= maxCopySize {
		cp, err = s.c.CopyObject(ctx, dst, src)
	} else {
		cp, err = s.c.ComposeObject(ctx, dst, src)
	}
	if err != nil {
		return sohoa.BlobInfo{}, fmt.Errorf("s3blob: copy %s to %s: %w", tmp, key, err)
	}
	// A single-request copy reports the SHA-256 of the whole new object;
	// it must be our key. (A multipart copy reports a checksum of part
	// checksums, which cannot be compared.)
	if want := base64.StdEncoding.EncodeToString(sum); hr.n <= maxCopySize && cp.ChecksumSHA256 != "" && cp.ChecksumSHA256 != want {
		got, _ := base64.StdEncoding.DecodeString(cp.ChecksumSHA256)
		derr := s.c.RemoveObject(context.WithoutCancel(ctx), s.bucket, ObjectName(key), minio.RemoveObjectOptions{VersionID: cp.VersionID})
		s.log.Error("server-side copy does not match its key", "key", key, "server_sha256", hex.EncodeToString(got), "removed", derr == nil)
		return sohoa.BlobInfo{}, fmt.Errorf("s3blob: copy of %s hashes to %x on the server: %w", key, got, sohoa.ErrCorrupt)
	}
	info.Created = true
	s.countRepair(&info, state)
	info.ModTime = cp.LastModified.UTC()
	if cp.LastModified.IsZero() {
		info.ModTime = s.now().UTC()
	}
	return info, nil
}

// objectState is what exists found under a content key.
type objectState int

const (
	absent  objectState = iota
	stored              // intact
	damaged             // another size, or bytes that do not hash to the key
)

// exists says whether key is stored intact: with the given size and bytes
// that hash to key. Put writes the right bytes over an absent or damaged
// object (in a versioned bucket, as a new version on top).
func (s *Store) exists(ctx context.Context, key string, size int64) (minio.ObjectInfo, objectState, error) {
	st, err := s.c.StatObject(ctx, s.bucket, ObjectName(key), minio.StatObjectOptions{})
	if isNotFound(err) {
		return st, absent, nil
	}
	if err != nil {
		return st, absent, fmt.Errorf("s3blob: stat %s: %w", key, err)
	}
	if st.Size != size {
		s.log.Warn("replacing damaged blob", "key", key, "size", st.Size, "want", size)
		return st, damaged, nil
	}
	switch err := s.Verify(ctx, key); {
	case err == nil:
		return st, stored, nil
	case errors.Is(err, sohoa.ErrCorrupt):
		s.log.Warn("replacing damaged blob", "key", key, "err", err)
		return st, damaged, nil
	case sohoa.Code(err) == sohoa.ENOTFOUND:
		return st, absent, nil // deleted since the HEAD
	default:
		return st, absent, err
	}
}

// Repaired counts the damaged blobs Put has found and written again since
// New.
func (s *Store) Repaired() int64 { return s.repaired.Load() }

// noSpace wraps the error of a server out of space with sohoa.ErrNoSpace,
// keeping the original in the chain.
func noSpace(err error) error {
	if err != nil && isNoSpace(err) && !errors.Is(err, sohoa.ErrNoSpace) {
		return fmt.Errorf("%w: %w", err, sohoa.ErrNoSpace)
	}
	return err
}

// isNoSpace recognises the answers of a server that cannot store more:
// HTTP 507 Insufficient Storage (versitygw's InsufficientStorage for a full
// disk, MinIO's XMinioStorageFull), and a quota used up (versitygw answers
// a full disk quota, EDQUOT, with 403 QuotaExceeded, as Ceph's gateway does
// for its quotas; MinIO has XMinioAdminBucketQuotaExceeded).
func isNoSpace(err error) bool {
	var er minio.ErrorResponse
	if !errors.As(err, &er) {
		return false
	}
	switch er.Code {
	case "InsufficientStorage", "XMinioStorageFull", "QuotaExceeded", "XMinioAdminBucketQuotaExceeded":
		return true
	}
	return er.StatusCode == http.StatusInsufficientStorage
}

// reader is the BlobReader: minio's *Object does ranged GETs for ReadAt and
// after Seek.
type reader struct {
	*minio.Object
	size int64
}

func (r *reader) Size() int64 { return r.size }

// Open implements sohoa.BlobStore. The reader's requests use ctx.
func (s *Store) Open(ctx context.Context, key string) (sohoa.BlobReader, error) {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return nil, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, ObjectName(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.keyErr("open", key, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, s.keyErr("open", key, err)
	}
	return &reader{Object: obj, size: st.Size}, nil
}

// Stat implements sohoa.BlobStore.
func (s *Store) Stat(ctx context.Context, key string) (sohoa.BlobInfo, error) {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return sohoa.BlobInfo{}, err
	}
	st, err := s.c.StatObject(ctx, s.bucket, ObjectName(key), minio.StatObjectOptions{})
	if err != nil {
		return sohoa.BlobInfo{}, s.keyErr("stat", key, err)
	}
	return sohoa.BlobInfo{Key: key, Size: st.Size, ModTime: st.LastModified.UTC()}, nil
}

// Delete implements sohoa.BlobStore. In a versioned bucket every version of
// the object is deleted, so the bytes are really gone rather than hidden
// behind a delete marker. A blob under object-lock retention cannot be
// deleted: that is reported as ECONFLICT.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return err
	}
	name := ObjectName(key)
	if _, err := s.c.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{}); err != nil {
		return s.keyErr("delete", key, err)
	}
	if !s.versioned {
		if err := s.c.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
			return s.keyErr("delete", key, err)
		}
		return nil
	}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var versions []string
	for obj := range s.c.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: name, WithVersions: true}) {
		if obj.Err != nil {
			return s.keyErr("delete", key, obj.Err)
		}
		if obj.Key == name {
			versions = append(versions, obj.VersionID)
		}
	}
	for _, v := range versions {
		if err := s.c.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{VersionID: v}); err != nil {
			return s.keyErr("delete", key, err)
		}
	}
	return nil
}

// List implements sohoa.BlobStore. Objects outside the ab/cd/<key> layout
// (temp objects, anything else in the bucket) are skipped.
func (s *Store) List(ctx context.Context, fn func(sohoa.BlobInfo) error) error {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops minio-go's listing goroutine when fn fails
	for obj := range s.c.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("s3blob: list: %w", obj.Err)
		}
		i := strings.LastIndexByte(obj.Key, '/')
		key := obj.Key[i+1:]
		if !sohoa.ValidBlobKey(key) || obj.Key != ObjectName(key) {
			continue
		}
		if err := fn(sohoa.BlobInfo{Key: key, Size: obj.Size, ModTime: obj.LastModified.UTC()}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Verify implements sohoa.BlobStore: it downloads the blob and hashes it.
func (s *Store) Verify(ctx context.Context, key string) error {
	if err := sohoa.CheckBlobKey(key); err != nil {
		return err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, ObjectName(key), minio.GetObjectOptions{})
	if err != nil {
		return s.keyErr("verify", key, err)
	}
	defer obj.Close()
	h := sha256.New()
	if _, err := io.Copy(h, obj); err != nil {
		return s.keyErr("verify", key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != key {
		return fmt.Errorf("s3blob: blob %s hashes to %s: %w", key, got, sohoa.ErrCorrupt)
	}
	return nil
}

// Health implements sohoa.BlobStore: the bucket answers and exists.
func (s *Store) Health(ctx context.Context) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("s3blob: health: %w", err)
	}
	if !ok {
		return sohoa.Errorf(sohoa.EINTERNAL, "s3blob: health: bucket %s does not exist", s.bucket)
	}
	return nil
}

func (s *Store) keyErr(op, key string, err error) error {
	switch {
	case isNotFound(err):
		return fmt.Errorf("s3blob: %s: %w", op, sohoa.Errorf(sohoa.ENOTFOUND, "blob %s not found", key))
	case s.locked && isCode(err, "AccessDenied"):
		return fmt.Errorf("s3blob: %s: %w (%v)", op, sohoa.Wrapf(err, sohoa.ECONFLICT, "blob %s is under object-lock retention", key), err)
	}
	return fmt.Errorf("s3blob: %s %s: %w", op, key, err)
}

func isNotFound(err error) bool {
	var er minio.ErrorResponse
	if !errors.As(err, &er) {
		return false
	}
	return er.Code == "NoSuchKey" || er.Code == "NoSuchVersion" || (er.StatusCode == http.StatusNotFound && er.Code != "NoSuchBucket")
}

// isPreconditionFailed reports the answer to a conditional PUT whose
// condition did not hold (versitygw: 412, code "PreconditionFailed").
func isPreconditionFailed(err error) bool {
	var er minio.ErrorResponse
	return errors.As(err, &er) && (er.Code == "PreconditionFailed" || er.StatusCode == http.StatusPreconditionFailed)
}

func isCode(err error, code string) bool {
	var er minio.ErrorResponse
	return errors.As(err, &er) && er.Code == code
}
