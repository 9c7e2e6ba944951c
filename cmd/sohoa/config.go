package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sohoa/sohoa"
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
// one of Postgres and SQLite is set (the pipeline builds its River driver
// from it: riverpgxv5 on Postgres.Pool(), riversqlite on SQLite.Writer()).
type stores struct {
	Catalog  sohoa.Catalog
	Postgres *postgres.DB
	SQLite   *sqlite.DB
	Blobs    sohoa.BlobStore // nil from openCatalog

	closers []func() error
}

// Close releases everything opened, in reverse order.
func (s *stores) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	return errors.Join(errs...)
}

// openCatalog opens the configured catalog, applying pending migrations.
func (c *storeConfig) openCatalog(ctx context.Context, e *env) (*stores, error) {
	s := &stores{}
	if c.DatabaseURL != "" {
		db, err := postgres.Open(ctx, c.DatabaseURL, e.log)
		if err != nil {
			return nil, fmt.Errorf("open catalog (%s): %w", c.describeCatalog(), err)
		}
		s.Catalog, s.Postgres = db, db
		s.closers = append(s.closers, func() error { db.Close(); return nil })
		return s, nil
	}
	db, err := sqlite.Open(ctx, c.catalogPath(), e.log)
	if err != nil {
		return nil, fmt.Errorf("open catalog (%s): %w", c.describeCatalog(), err)
	}
	s.Catalog, s.SQLite = db, db
	s.closers = append(s.closers, db.Close)
	return s, nil
}

// open opens the catalog and the blob store.
func (c *storeConfig) open(ctx context.Context, e *env) (*stores, error) {
	s, err := c.openCatalog(ctx, e)
	if err != nil {
		return nil, err
	}
	blobs, err := c.openBlobs(ctx, e)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	s.Blobs = blobs
	return s, nil
}

// start finishes the configuration and opens the catalog, and the blob
// store too when blobs is set: the common start of a command. On failure
// it has printed "sohoa NAME: reason" and ok is false; code is then the
// exit code.
func (c *storeConfig) start(ctx context.Context, e *env, name string, blobs bool) (s *stores, code int, ok bool) {
	err := c.finish(e)
	if err == nil {
		if blobs {
			s, err = c.open(ctx, e)
		} else {
			s, err = c.openCatalog(ctx, e)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "sohoa %s: %v\n", name, err)
		return nil, exitCode(err), false
	}
	return s, exitOK, true
}

// openBlobs opens the configured blob store.
func (c *storeConfig) openBlobs(ctx context.Context, e *env) (sohoa.BlobStore, error) {
	if c.S3Endpoint != "" {
		st, err := s3blob.New(ctx, s3blob.Config{
			Endpoint:      c.S3Endpoint,
			Bucket:        c.S3Bucket,
			AccessKey:     c.S3AccessKey,
			SecretKey:     c.S3SecretKey,
			Insecure:      c.S3Insecure,
			CreateBucket:  true,
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
