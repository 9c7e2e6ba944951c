package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/auditkey"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/storage/fsblob"
	"github.com/sohoa/sohoa/storage/postgres"
	"github.com/sohoa/sohoa/storage/s3blob"
	"github.com/sohoa/sohoa/storage/sqlite"
)

// defaultDataDir is the embedded default's home when neither --data-dir nor
// SOHOA_DATA_DIR says otherwise.
const defaultDataDir = "./sohoa-data"

// storeConfig says where sohoa keeps its catalog and blobs (DESIGN.md,
// "Configuration"): with nothing set, a SQLite catalog (sohoa.db) and
// filesystem blobs (blobs/) in the data directory; SOHOA_DATABASE_URL
// selects PostgreSQL and SOHOA_S3_ENDPOINT an S3 bucket instead. Flags win
// over environment variables. S3 credentials come only from the
// environment, so they do not show up in process listings.
type storeConfig struct {
	DataDir     string
	DatabaseURL string
	// AuditKeyFile is the audit key's file; empty for <data dir>/audit.key.
	AuditKeyFile string
	// NoBuiltinTrust is --no-builtin-trust of the commands that verify;
	// nil (a command without the flag) means SOHOA_NO_BUILTIN_TRUST.
	NoBuiltinTrust *bool
	// Offline is --offline of work, watch and serve; nil (a command
	// without the flag) keeps revocation checks offline.
	Offline *bool

	S3Endpoint      string
	S3Bucket        string
	S3AccessKey     string
	S3SecretKey     string
	S3Insecure      bool
	S3RetentionDays int
}

// addStoreFlags registers --data-dir and --database-url (and the S3
// endpoint and bucket) on fs, defaulting from the environment; call
// cfg.finish after parsing.
func addStoreFlags(fs *flag.FlagSet, e *env) *storeConfig {
	cfg := &storeConfig{}
	fs.StringVar(&cfg.DataDir, "data-dir", envOr(e, "SOHOA_DATA_DIR", defaultDataDir), "data directory (env SOHOA_DATA_DIR)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", e.getenv("SOHOA_DATABASE_URL"), "PostgreSQL URL; empty for the SQLite catalog in the data directory (env SOHOA_DATABASE_URL)")
	fs.StringVar(&cfg.S3Endpoint, "s3-endpoint", e.getenv("SOHOA_S3_ENDPOINT"), "S3 endpoint host:port or URL; empty for blobs in the data directory (env SOHOA_S3_ENDPOINT)")
	fs.StringVar(&cfg.S3Bucket, "s3-bucket", envOr(e, "SOHOA_S3_BUCKET", "sohoa"), "S3 bucket (env SOHOA_S3_BUCKET)")
	fs.StringVar(&cfg.AuditKeyFile, "audit-key-file", e.getenv("SOHOA_AUDIT_KEY_FILE"), "the audit log's key file, made on the first start that appends (every host sharing the catalog needs a copy); default <data dir>/"+auditkey.FileName+" (env SOHOA_AUDIT_KEY_FILE)")
	return cfg
}

// finish reads the settings that have no flag and checks the rest.
func (c *storeConfig) finish(e *env) error {
	c.S3AccessKey = e.getenv("SOHOA_S3_ACCESS_KEY")
	c.S3SecretKey = e.getenv("SOHOA_S3_SECRET_KEY")
	if v := e.getenv("SOHOA_S3_INSECURE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return sohoa.Errorf(sohoa.EINVALID, "SOHOA_S3_INSECURE=%q: want true or false", v)
		}
		c.S3Insecure = b
	}
	if v := e.getenv("SOHOA_S3_RETENTION_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return sohoa.Errorf(sohoa.EINVALID, "SOHOA_S3_RETENTION_DAYS=%q: want a whole number of days", v)
		}
		c.S3RetentionDays = n
	}
	if c.DataDir == "" {
		c.DataDir = defaultDataDir
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return sohoa.Errorf(sohoa.EINVALID, "database URL must start with postgres:// (got %.20q…)", c.DatabaseURL)
	}
	return nil
}

// catalogPath is the SQLite catalog's file in the data directory.
func (c *storeConfig) catalogPath() string { return filepath.Join(c.DataDir, "sohoa.db") }

// auditKeyPath is the audit key's file.
func (c *storeConfig) auditKeyPath() string {
	if c.AuditKeyFile != "" {
		return c.AuditKeyFile
	}
	return filepath.Join(c.DataDir, auditkey.FileName)
}

// blobDir is the filesystem blob store's root in the data directory.
func (c *storeConfig) blobDir() string { return filepath.Join(c.DataDir, "blobs") }

// describeCatalog says which catalog the configuration selects, without
// the URL's password.
func (c *storeConfig) describeCatalog() string {
	if c.DatabaseURL != "" {
		return "PostgreSQL " + redactURL(c.DatabaseURL)
	}
	return "SQLite " + c.catalogPath()
}

func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "(unparseable URL)"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if user, _, hasPass := strings.Cut(rest[:at], ":"); hasPass {
			rest = user + ":***" + rest[at:]
		}
	}
	return scheme + "://" + rest
}

// stores are the opened catalog and, when asked for, blob store. Exactly
// one of Postgres and SQLite is set; Catalog is that one paired with its
// River driver for the pipeline (pipeline.OnPostgres, pipeline.OnSQLite).
type stores struct {
	Catalog  pipeline.Catalog
	Postgres *postgres.DB
	SQLite   *sqlite.DB
	Blobs    sohoa.BlobStore // nil from openCatalog
	// AuditKey is the audit log's key the catalog was opened with, nil
	// when AuditKeyFile does not exist (the log is then unkeyed, or
	// cannot be appended to or verified).
	AuditKey     *sohoa.AuditKey
	AuditKeyFile string

	closers  []func() error
	migrated []string // by an earlier open of the same catalog (to make the key)
}

// Migrated lists the migrations applied while opening the catalog.
func (s *stores) Migrated() []string {
	if s.Postgres != nil {
		return slices.Concat(s.migrated, s.Postgres.Migrated())
	}
	return slices.Concat(s.migrated, s.SQLite.Migrated())
}

// Close releases everything opened, in reverse order.
func (s *stores) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	return errors.Join(errs...)
}

// openOptions say what a command needs of the stores. The zero value opens
// the catalog (creating it when there is none) with the audit key when its
// file exists.
type openOptions struct {
	// Blobs: open the blob store too.
	Blobs bool
	// Existing: the catalog must exist already. Read-only commands set
	// it, so a mistyped --data-dir or database is an error naming it,
	// rather than a new empty catalog that reads as "nothing wrong".
	Existing bool
	// AppendsAudit: the command appends audit entries, so it needs the
	// audit key. The first such start makes the key (and seals the log
	// with it); later starts check that the log still carries its seal.
	AppendsAudit bool
}

// openCatalog opens the configured catalog, applying pending migrations.
func (c *storeConfig) openCatalog(ctx context.Context, e *env) (*stores, error) {
	return c.openWith(ctx, e, openOptions{})
}

// open opens the catalog and the blob store.
func (c *storeConfig) open(ctx context.Context, e *env) (*stores, error) {
	return c.openWith(ctx, e, openOptions{Blobs: true})
}

// openWith opens the stores as o says.
func (c *storeConfig) openWith(ctx context.Context, e *env, o openOptions) (*stores, error) {
	if o.Existing {
		if err := c.requireCatalog(ctx); err != nil {
			return nil, err
		}
	}
	keyPath := c.auditKeyPath()
	key, err := auditkey.Load(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	var migrated []string
	if key == nil && o.AppendsAudit {
		if key, migrated, err = c.makeAuditKey(ctx, e, keyPath); err != nil {
			return nil, err
		}
	}
	s, err := c.openCatalogWith(ctx, e, key)
	if err != nil {
		return nil, err
	}
	s.AuditKey, s.AuditKeyFile, s.migrated = key, keyPath, migrated
	if key != nil && o.AppendsAudit {
		// Fail now, naming the file, rather than at the first append.
		head, err := s.Catalog.ReadAuditHead(ctx)
		if err == nil {
			err = head.CheckKey(key)
		}
		if err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("audit key %s: %w", keyPath, err)
		}
	}
	if o.Blobs {
		blobs, err := c.openBlobsFor(ctx, e, !o.Existing)
		if err != nil {
			_ = s.Close()
			return nil, err
		}
		s.Blobs = blobs
	}
	return s, nil
}

// requireCatalog fails when the configured catalog does not exist yet.
func (c *storeConfig) requireCatalog(ctx context.Context) error {
	if c.DatabaseURL != "" {
		ok, err := postgres.CatalogExists(ctx, c.DatabaseURL)
		if err != nil {
			return fmt.Errorf("open catalog (%s): %w", c.describeCatalog(), err)
		}
		if !ok {
			return sohoa.Errorf(sohoa.ENOTFOUND, "no sohoa catalog in %s: check --database-url / SOHOA_DATABASE_URL", c.describeCatalog())
		}
		return nil
	}
	if fi, err := os.Stat(c.DataDir); err != nil || !fi.IsDir() {
		return sohoa.Errorf(sohoa.ENOTFOUND, "data directory %s does not exist: check --data-dir / SOHOA_DATA_DIR", c.DataDir)
	}
	if _, err := os.Stat(c.catalogPath()); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return sohoa.Errorf(sohoa.ENOTFOUND, "no catalog in data directory %s (no %s): check --data-dir / SOHOA_DATA_DIR", c.DataDir, filepath.Base(c.catalogPath()))
		}
		return fmt.Errorf("open catalog (%s): %w", c.describeCatalog(), err)
	}
	return nil
}

// makeAuditKey puts a new audit key in service at path: the catalog's
// audit head is sealed with it before the file appears (auditkey.Ensure).
// A log already sealed with another key means this host lacks the key
// file: that is an error naming the file, never a new key.
func (c *storeConfig) makeAuditKey(ctx context.Context, e *env, path string) (_ *sohoa.AuditKey, migrated []string, err error) {
	s, err := c.openCatalogWith(ctx, e, nil)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	migrated = s.Migrated()
	key, created, err := auditkey.Ensure(path, func(k *sohoa.AuditKey) error { return s.Catalog.SealAuditHead(ctx, k) })
	switch {
	case errors.Is(err, sohoa.ErrAuditKeyMismatch):
		id := "?"
		if head, herr := s.Catalog.ReadAuditHead(ctx); herr == nil {
			id = head.KeyID
		}
		return nil, nil, sohoa.Errorf(sohoa.EFORBIDDEN, "the audit log of %s is sealed with audit key %s, but the key file %s does not exist: copy it from a host that appends to this catalog (each needs the same file), or point --audit-key-file / SOHOA_AUDIT_KEY_FILE at it; sohoa does not make a new key for a keyed log", c.describeCatalog(), id, path)
	case errors.Is(err, sohoa.ErrAuditHeadInvalid):
		return nil, nil, fmt.Errorf("the key file %s does not exist, and the audit log of %s cannot take a new key: %w", path, c.describeCatalog(), err)
	case err != nil:
		return nil, nil, err
	}
	if created {
		fmt.Fprintf(e.stderr, "sohoa: made the audit key %s (key %s) and sealed the audit log of %s with it; keep a copy somewhere safe, and give every host that shares this catalog the same file (mode 0600)\n", path, key.ID(), c.describeCatalog())
	}
	return key, migrated, nil
}

// openCatalogWith opens the configured catalog with the audit key (nil:
// none), applying pending migrations.
func (c *storeConfig) openCatalogWith(ctx context.Context, e *env, key *sohoa.AuditKey) (*stores, error) {
	s := &stores{}
	if c.DatabaseURL != "" {
		db, err := postgres.Open(ctx, c.DatabaseURL, e.log, postgres.WithAuditKey(key))
		if err != nil {
			return nil, fmt.Errorf("open catalog (%s): %w", c.describeCatalog(), err)
		}
		s.Catalog, s.Postgres = pipeline.OnPostgres(db), db
		s.closers = append(s.closers, func() error { db.Close(); return nil })
		return s, nil
	}
	db, err := sqlite.Open(ctx, c.catalogPath(), e.log, sqlite.WithAuditKey(key))
	if err != nil {
		return nil, fmt.Errorf("open catalog (%s): %w", c.describeCatalog(), err)
	}
	s.Catalog, s.SQLite = pipeline.OnSQLite(db), db
	s.closers = append(s.closers, db.Close)
	return s, nil
}

// start finishes the configuration and opens the catalog, and the blob
// store too when blobs is set: the common start of a command. On failure
// it has printed "sohoa NAME: reason" and ok is false; code is then the
// exit code.
func (c *storeConfig) start(ctx context.Context, e *env, name string, blobs bool) (s *stores, code int, ok bool) {
	return c.startWith(ctx, e, name, openOptions{Blobs: blobs})
}

// startWith is start with openOptions.
func (c *storeConfig) startWith(ctx context.Context, e *env, name string, o openOptions) (s *stores, code int, ok bool) {
	err := c.finish(e)
	if err == nil {
		s, err = c.openWith(ctx, e, o)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "sohoa %s: %v\n", name, err)
		return nil, exitCode(err), false
	}
	return s, exitOK, true
}

// openBlobs opens the configured blob store.
func (c *storeConfig) openBlobs(ctx context.Context, e *env) (sohoa.BlobStore, error) {
	return c.openBlobsFor(ctx, e, true)
}

// openBlobsFor opens the configured blob store; create says whether a
// missing S3 bucket (or blob directory) may be created.
func (c *storeConfig) openBlobsFor(ctx context.Context, e *env, create bool) (sohoa.BlobStore, error) {
	if c.S3Endpoint != "" {
		st, err := s3blob.New(ctx, s3blob.Config{
			Endpoint:      c.S3Endpoint,
			Bucket:        c.S3Bucket,
			AccessKey:     c.S3AccessKey,
			SecretKey:     c.S3SecretKey,
			Insecure:      c.S3Insecure,
			CreateBucket:  create,
			RetentionDays: c.S3RetentionDays,
			Logger:        e.log.With("component", "blobs", "driver", "s3"),
		})
		if err != nil {
			return nil, fmt.Errorf("open blob store (S3 %s/%s): %w", c.S3Endpoint, c.S3Bucket, err)
		}
		return st, nil
	}
	st, err := fsblob.New(c.blobDir(), fsblob.Options{Logger: e.log.With("component", "blobs", "driver", "fs")})
	if err != nil {
		return nil, fmt.Errorf("open blob store (%s): %w", c.blobDir(), err)
	}
	return st, nil
}
