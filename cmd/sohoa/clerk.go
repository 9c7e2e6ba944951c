package main

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/minio/minio-go/v7"
	"modernc.org/sqlite"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline/importer"
)

// What the clerks running `sohoa ingest` read: reasons in plain words, no
// Go error chains ("ingest x: store file: fsblob: put: write …"), no
// package or driver names, no connection strings. The full error goes to
// the log at debug level (SOHOA_LOG_LEVEL=debug) for whoever runs the
// servers.

// The wording of failures is shared with every front end that imports
// files (pipeline/importer); these are its names here.
var (
	isNoSpace    = importer.IsNoSpace
	clerkReason  = importer.Reason
	storeFailure = importer.StoreFailure
	innermost    = importer.Innermost
	scrub        = importer.Scrub
	hostOnly     = importer.HostOnly
)

// noSpaceWhere says where to free space for err: the disk holding the
// data directory (SQLite catalog, filesystem blobs, journal), the S3
// server, or the PostgreSQL server.
func noSpaceWhere(err error, cfg *storeConfig) string {
	dataDisk := "the disk holding the data directory " + cfg.DataDir
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		if abs, aerr := filepath.Abs(pathErr.Path); aerr == nil {
			if dd, derr := filepath.Abs(cfg.DataDir); derr == nil {
				if rel, rerr := filepath.Rel(dd, abs); rerr == nil && filepath.IsLocal(rel) {
					return dataDisk
				}
			}
			return "the disk holding " + filepath.Dir(abs)
		}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return dataDisk
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return "the PostgreSQL server (" + pgWhere(cfg.DatabaseURL) + ")"
	}
	var me minio.ErrorResponse
	if errors.As(err, &me) && cfg.S3Endpoint != "" {
		return "the S3 server " + hostOnly(cfg.S3Endpoint) + " (bucket " + cfg.S3Bucket + ")"
	}
	var places []string
	if cfg.DatabaseURL == "" || cfg.S3Endpoint == "" {
		places = append(places, dataDisk)
	}
	if cfg.S3Endpoint != "" {
		places = append(places, "the S3 server "+hostOnly(cfg.S3Endpoint)+" (bucket "+cfg.S3Bucket+")")
	}
	if cfg.DatabaseURL != "" {
		places = append(places, "the PostgreSQL server ("+pgWhere(cfg.DatabaseURL)+")")
	}
	return strings.Join(places, " or ")
}

// clerkOpenError is why the stores could not be opened.
func clerkOpenError(err error, cfg *storeConfig) string {
	if c := sohoa.Code(err); c != sohoa.EINTERNAL && c != "" {
		return scrub(sohoa.Message(err))
	}
	return "cannot open the catalog (" + cfg.describeCatalogPlain() + ") or the blob store (" + cfg.describeBlobsPlain() + "): " + storeFailure(err)
}

// pgWhere is a PostgreSQL URL as host/database, without user or password.
func pgWhere(u string) string {
	host := hostOnly(u)
	rest := u
	if _, after, ok := strings.Cut(u, "://"); ok {
		rest = after
	}
	if i := strings.Index(rest, "/"); i >= 0 {
		db := rest[i+1:]
		if j := strings.IndexAny(db, "?#"); j >= 0 {
			db = db[:j]
		}
		if db != "" {
			return host + "/" + db
		}
	}
	return host
}

// describeCatalogPlain names the catalog without credentials.
func (c *storeConfig) describeCatalogPlain() string {
	if c.DatabaseURL != "" {
		return "PostgreSQL at " + pgWhere(c.DatabaseURL)
	}
	return "SQLite " + c.catalogPath()
}

// describeBlobsPlain names the blob store without credentials.
func (c *storeConfig) describeBlobsPlain() string {
	if c.S3Endpoint != "" {
		return "S3 " + hostOnly(c.S3Endpoint) + ", bucket " + c.S3Bucket
	}
	return c.blobDir()
}
