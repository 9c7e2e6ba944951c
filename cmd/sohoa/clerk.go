package main

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/minio/minio-go/v7"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sohoa/sohoa"
)

// What the clerks running `sohoa ingest` read: reasons in plain words, no
// Go error chains ("ingest x: store file: fsblob: put: write …"), no
// package or driver names, no connection strings. The full error goes to
// the log at debug level (SOHOA_LOG_LEVEL=debug) for whoever runs the
// servers.

// isNoSpace reports whether err means a store ran out of space. The
// stores wrap sohoa.ErrNoSpace; the errno, SQLite, PostgreSQL and S3
// codes are checked too, so a path that does not wrap (the ingest
// journal, a driver error passed through) still stops the import at once
// instead of failing every remaining file the same way.
func isNoSpace(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, sohoa.ErrNoSpace) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "53100" { // disk_full
		return true
	}
	var me minio.ErrorResponse
	if errors.As(err, &me) && (me.StatusCode == 507 || me.Code == "XMinioStorageFull") {
		return true
	}
	return false
}

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

// clerkReason is why a file was not imported, in words a clerk can act on.
func clerkReason(err error) string {
	switch {
	case err == nil:
		return ""
	case isNoSpace(err):
		return "out of storage space"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "interrupted before it was stored"
	}
	var se *sohoa.Error
	if errors.As(err, &se) {
		return scrub(se.Message) // written for users, whatever the code
	}
	if errno, ok := err.(syscall.Errno); ok {
		return errno.Error() // opening the file: "permission denied"
	}
	return "could not be stored: " + storeFailure(err)
}

// storeFailure describes a failing store without driver detail.
func storeFailure(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return "the catalog database refused the change (" + scrub(pe.Message) + ")"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) {
		return "a server could not be reached (" + scrub(innermost(err)) + ")"
	}
	var me minio.ErrorResponse
	if errors.As(err, &me) {
		return "the S3 server refused the file (" + scrub(me.Message) + ")"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return "the catalog database failed (" + scrub(se.Error()) + ")"
	}
	return scrub(innermost(err))
}

// clerkOpenError is why the stores could not be opened.
func clerkOpenError(err error, cfg *storeConfig) string {
	if c := sohoa.Code(err); c != sohoa.EINTERNAL && c != "" {
		return scrub(sohoa.Message(err))
	}
	return "cannot open the catalog (" + cfg.describeCatalogPlain() + ") or the blob store (" + cfg.describeBlobsPlain() + "): " + storeFailure(err)
}

// innermost is the text of the last error in err's chain (the first of
// joined errors): the cause, without the layers of context above it.
func innermost(err error) string {
	for {
		var next error
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			next = u.Unwrap()
		case interface{ Unwrap() []error }:
			if es := u.Unwrap(); len(es) > 0 {
				next = es[0]
			}
		}
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

var (
	urlRE       = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]*`)
	driverRE    = regexp.MustCompile(`\b(pq|pgx|pgconn|pgxpool|sqlite|sqlite3|fsblob|s3blob|minio|river):\s*`)
	sqlstateRE  = regexp.MustCompile(`\s*\(SQLSTATE [0-9A-Z]{5}\)`)
	sqliteRE    = regexp.MustCompile(`\s*\(\d+\)(\s*\(SQLITE_[A-Z_]+\))?`)
	kvPassRE    = regexp.MustCompile(`(?i)(password|secret|sslpassword)=\S+`)
	errorPrefix = regexp.MustCompile(`^(ERROR|FATAL):\s*`)
)

// scrub removes what a clerk must not read: URLs (which may carry
// passwords) become their host, driver prefixes ("pq: ", "fsblob: ") and
// SQL state codes go, key=value passwords are masked.
func scrub(s string) string {
	s = urlRE.ReplaceAllStringFunc(s, hostOnly)
	s = kvPassRE.ReplaceAllString(s, "$1=***")
	s = driverRE.ReplaceAllString(s, "")
	s = sqlstateRE.ReplaceAllString(s, "")
	s = sqliteRE.ReplaceAllString(s, "")
	s = errorPrefix.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}

// hostOnly reduces a URL or host:port to its host and port, without the
// scheme, user, password, path or query.
func hostOnly(u string) string {
	rest := u
	if _, after, ok := strings.Cut(u, "://"); ok {
		rest = after
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if slash := strings.Index(rest, "/"); slash < 0 || at < slash {
			rest = rest[at+1:]
		}
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
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
