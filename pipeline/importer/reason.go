package importer

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/minio/minio-go/v7"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sohoa/sohoa"
)

// What the clerks running an import read: reasons in plain words, no Go
// error chains ("ingest x: store file: fsblob: put: write …"), no package
// or driver names, no connection strings. Every front end words a file's
// failure the same way (Failure.Reason); the full error goes to the log at
// debug level for whoever runs the servers.

// IsNoSpace reports whether err means a store ran out of space. The
// stores wrap sohoa.ErrNoSpace; the errno, SQLite, PostgreSQL and S3
// codes are checked too, so a path that does not wrap (the journal, a
// driver error passed through) still stops the import at once instead of
// failing every remaining file the same way.
func IsNoSpace(err error) bool {
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

// Reason is why a file was not imported, in words a clerk can act on.
func Reason(err error) string {
	switch {
	case err == nil:
		return ""
	case IsNoSpace(err):
		return "out of storage space"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "interrupted before it was stored"
	}
	var se *sohoa.Error
	if errors.As(err, &se) {
		return Scrub(se.Message) // written for users, whatever the code
	}
	if errno, ok := err.(syscall.Errno); ok {
		return errno.Error() // opening the file: "permission denied"
	}
	return "could not be stored: " + StoreFailure(err)
}

// StoreFailure describes a failing store without driver detail.
func StoreFailure(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return "the catalog database refused the change (" + Scrub(pe.Message) + ")"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) {
		return "a server could not be reached (" + Scrub(Innermost(err)) + ")"
	}
	var me minio.ErrorResponse
	if errors.As(err, &me) {
		return "the S3 server refused the file (" + Scrub(me.Message) + ")"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return "the catalog database failed (" + Scrub(se.Error()) + ")"
	}
	return Scrub(Innermost(err))
}

// Innermost is the text of the last error in err's chain (the first of
// joined errors): the cause, without the layers of context above it.
func Innermost(err error) string {
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

// Scrub removes what a clerk must not read: URLs (which may carry
// passwords) become their host, driver prefixes ("pq: ", "fsblob: ") and
// SQL state codes go, key=value passwords are masked.
func Scrub(s string) string {
	s = urlRE.ReplaceAllStringFunc(s, HostOnly)
	s = kvPassRE.ReplaceAllString(s, "$1=***")
	s = driverRE.ReplaceAllString(s, "")
	s = sqlstateRE.ReplaceAllString(s, "")
	s = sqliteRE.ReplaceAllString(s, "")
	s = errorPrefix.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}

// HostOnly reduces a URL or host:port to its host and port, without the
// scheme, user, password, path or query.
func HostOnly(u string) string {
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
