// Package sqlite is the embedded default catalog: one SQLite file
// (modernc.org/sqlite, pure Go, no cgo) in the data directory. It
// implements sohoa.Catalog, applies the embedded migrations and River's own
// on Open, and passes storage/catalogtest like storage/postgres.
//
// SQLite allows one writer at a time. The DB therefore keeps a single
// writer connection (transactions begin IMMEDIATE, so a transaction that
// reads and then writes never deadlocks on the lock upgrade) and a small
// pool of read-only connections for queries outside transactions; WAL lets
// those read while the writer writes. River shares the writer (Writer()).
// Other processes on the same file wait up to the busy timeout.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/migrations"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

var _ sohoa.Catalog = (*DB)(nil)

// DB is a catalog in one SQLite file. A DB given to a WithTx callback runs
// its queries in that transaction.
type DB struct {
	writer *sql.DB
	reader *sql.DB
	r      querier // reads: the reader pool, or the transaction
	w      querier // writes: the writer, or the transaction
	tx     *sql.Tx // nil outside WithTx
	depth  int     // savepoint nesting inside tx
	log    *slog.Logger
	now    func() time.Time
	key    *sohoa.AuditKey // nil: the audit log is appended unkeyed

	path     string
	migrated []string
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Option configures Open.
type Option func(*DB)

// WithClock sets the clock used for created_at and audit times.
func WithClock(now func() time.Time) Option { return func(db *DB) { db.now = now } }

// BusyTimeout is how long a connection waits for another process's write
// lock before failing with "database is locked".
const BusyTimeout = 10 * time.Second

// readers is the size of the read-only connection pool.
const readers = 4

func dsn(path string, params ...string) string {
	base := []string{
		"_busy_timeout=" + strconv.Itoa(int(BusyTimeout/time.Millisecond)),
		"_foreign_keys=1",
		// Evidence: a committed row must survive a power cut, so every
		// commit is synced (in WAL mode NORMAL could lose the last ones).
		"_synchronous=FULL",
	}
	return path + "?" + strings.Join(append(base, params...), "&")
}

// Open opens (creating it and its directory if needed) the catalog in the
// SQLite file at path, applies pending catalog and River migrations and
// returns the catalog. Close it when done.
func Open(ctx context.Context, path string, logger *slog.Logger, opts ...Option) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "catalog", "driver", "sqlite")
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, sohoa.Errorf(sohoa.EINVALID, "SQLite catalog path %q: want a plain file path without '?' or '#'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create catalog directory: %w", err)
	}
	writer, err := openWriter(ctx, path)
	if err != nil {
		return nil, err
	}
	db := &DB{writer: writer, w: writer, log: logger, now: time.Now, path: path}
	for _, o := range opts {
		o(db)
	}
	if db.migrated, err = migrate(ctx, writer, logger); err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := sql.Open("sqlite", dsn(path, "_query_only=1"))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	db.reader, db.r = reader, reader
	return db, nil
}

// openWriter opens the single-connection writer pool. Switching a new file
// to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once,
// without waiting in the busy handler, when several processes create the
// same file at the same moment (it would otherwise risk a deadlock); those
// opens are retried until BusyTimeout has passed.
func openWriter(ctx context.Context, path string) (*sql.DB, error) {
	deadline := time.Now().Add(BusyTimeout)
	for attempt := 1; ; attempt++ {
		writer, err := sql.Open("sqlite", dsn(path, "_journal_mode=WAL", "_txlock=immediate"))
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		writer.SetMaxOpenConns(1)
		writer.SetMaxIdleConns(1)
		writer.SetConnMaxIdleTime(0)
		writer.SetConnMaxLifetime(0)
		err = writer.PingContext(ctx)
		if err == nil {
			return writer, nil
		}
		writer.Close()
		var se *sqlite.Error
		if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return nil, fmt.Errorf("open SQLite catalog %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("open SQLite catalog %s: %w", path, ctx.Err())
		case <-time.After(time.Duration(10*min(attempt, 10)) * time.Millisecond):
		}
	}
}

// Close closes both connection pools.
func (db *DB) Close() error {
	return errors.Join(db.reader.Close(), db.writer.Close())
}

// Writer is the single writer connection pool, for River's riversqlite
// driver: River must share it, or its writes and the catalog's would fight
// over SQLite's one write lock.
func (db *DB) Writer() *sql.DB { return db.writer }

// Path is the catalog file.
func (db *DB) Path() string { return db.path }

// Migrated lists the migrations Open applied ("catalog 1 …", "river 6 …").
func (db *DB) Migrated() []string { return db.migrated }

// migrate applies the catalog's goose migrations and River's. Processes
// opening a new file at the same moment can race between reading the
// applied versions and applying them (SQLite has no advisory locks); the
// loser fails on an existing table and simply tries again.
func migrate(ctx context.Context, writer *sql.DB, log *slog.Logger) ([]string, error) {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		var applied []string
		if applied, err = migrateOnce(ctx, writer, log); err == nil {
			return applied, nil
		}
		if ctx.Err() != nil {
			break
		}
		log.Info("migration failed, retrying", "attempt", attempt+1, "err", err)
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	return nil, err
}

func migrateOnce(ctx context.Context, writer *sql.DB, log *slog.Logger) ([]string, error) {
	return sqlcat.Migrate(ctx, goose.DialectSQLite3, writer, migrations.SQLite(), riversqlite.New(writer), log)
}

// SchemaVersions reports the catalog's goose version and River's newest
// applied migration.
func (db *DB) SchemaVersions(ctx context.Context) (catalog int64, river int, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT
		(SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied),
		(SELECT coalesce(max(version), 0) FROM river_migration WHERE line = 'main')`).Scan(&catalog, &river)
	if err != nil {
		return 0, 0, fmt.Errorf("schema versions: %w", err)
	}
	return catalog, river, nil
}

// WithDriverTx is WithTx that also hands fn the *sql.Tx under tx, so that
// another library writes in the same transaction: the pipeline inserts its
// River jobs (riversqlite on Writer()) with the document they are for. The
// transaction belongs to the writer connection. pipeline.SQLiteDB declares
// it where it is used.
func (db *DB) WithDriverTx(ctx context.Context, fn func(tx sohoa.Catalog, dtx *sql.Tx) error) error {
	return db.atomic(ctx, func(tx *DB) error { return fn(tx, tx.tx) })
}

// WithTx runs fn in a transaction (a savepoint when db is already in one).
func (db *DB) WithTx(ctx context.Context, fn func(tx sohoa.Catalog) error) error {
	return db.atomic(ctx, func(tx *DB) error { return fn(tx) })
}

func (db *DB) atomic(ctx context.Context, fn func(tx *DB) error) (err error) {
	if db.tx != nil {
		return db.savepoint(ctx, fn)
	}
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return wrap(err, "begin transaction")
	}
	child := *db
	child.tx, child.r, child.w, child.depth = tx, tx, tx, 0
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(&child); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			db.log.Warn("rollback failed", "err", rerr)
		}
		return noSpace(err) // also what others wrote in the transaction (River)
	}
	if err := tx.Commit(); err != nil {
		return wrap(err, "commit")
	}
	return nil
}

func (db *DB) savepoint(ctx context.Context, fn func(tx *DB) error) (err error) {
	name := "sp" + strconv.Itoa(db.depth+1)
	if _, err := db.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return wrap(err, "savepoint")
	}
	child := *db
	child.depth++
	undo := func() {
		ctx := context.WithoutCancel(ctx)
		if _, err := db.tx.ExecContext(ctx, "ROLLBACK TO "+name); err != nil {
			db.log.Warn("rollback to savepoint failed", "err", err)
		}
		_, _ = db.tx.ExecContext(ctx, "RELEASE "+name)
	}
	defer func() {
		if p := recover(); p != nil {
			undo()
			panic(p)
		}
	}()
	if err := fn(&child); err != nil {
		undo()
		return err
	}
	if _, err := db.tx.ExecContext(ctx, "RELEASE "+name); err != nil {
		return wrap(err, "release savepoint")
	}
	return nil
}

// timeFormat stores times as fixed-width UTC text, so text order is time
// order and values match PostgreSQL's microsecond precision.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Format(timeFormat) }

func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func parseTS(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func parseTSPtr(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTS(s.String)
	return &t, err
}

// nowTS is the clock's time as stored.
func (db *DB) nowTS() (time.Time, string) {
	t := db.now().UTC().Truncate(time.Microsecond)
	return t, ts(t)
}

// mapErr turns constraint errors into sohoa errors; the checks before each
// write catch the common cases with clearer messages, this is the backstop.
func mapErr(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return sohoa.Errorf(sohoa.ECONFLICT, "already exists: %s", se.Error())
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return sohoa.Errorf(sohoa.EINVALID, "refers to a record that does not exist")
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_DATATYPE:
			return sohoa.Errorf(sohoa.EINVALID, "rejected by the database: %s", se.Error())
		case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			return sohoa.Errorf(sohoa.EFORBIDDEN, "%s", se.Error())
		}
	}
	return noSpace(err)
}

// noSpace wraps SQLITE_FULL ("database or disk is full": a write to the
// database, its WAL or a temporary file met ENOSPC, or the file reached
// max_page_count) with sohoa.ErrNoSpace, keeping the driver's error in the
// chain.
func noSpace(err error) error {
	var se *sqlite.Error
	if err != nil && errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL && !errors.Is(err, sohoa.ErrNoSpace) {
		return fmt.Errorf("%w: %w", err, sohoa.ErrNoSpace)
	}
	return err
}

// dialect is SQLite's, for what this package shares with storage/postgres.
var dialect = &sqlcat.Dialect{Time: func(t time.Time) any { return ts(t) }, MapErr: mapErr}

// wrap maps err and adds context, leaving sohoa errors' codes intact.
func wrap(err error, format string, args ...any) error { return dialect.Wrap(err, format, args...) }

func (db *DB) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := db.r.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (db *DB) requireUnit(ctx context.Context, code, role string) error {
	ok, err := db.exists(ctx, `SELECT 1 FROM units WHERE code = ?`, code)
	return dialect.Require(ok, err, "unit", sohoa.EINVALID, "unknown %s %q", role, code)
}

// collect scans every row with scan.
func collect[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
