// Package postgres is the catalog on PostgreSQL (pgx/pgxpool), for
// installations with several processes and workers. It implements
// sohoa.Catalog, applies the embedded migrations and River's own on Open,
// and passes storage/catalogtest like storage/sqlite.
//
// Conflicting inserts use ON CONFLICT DO NOTHING and references are checked
// before writing, so the usual user errors (ECONFLICT, EINVALID) do not
// abort a surrounding WithTx transaction: a caller may handle them and go on.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/migrations"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

var _ sohoa.Catalog = (*DB)(nil)

// DB is a catalog on PostgreSQL. A DB given to a WithTx callback runs its
// queries in that transaction.
type DB struct {
	pool     *pgxpool.Pool
	q        querier
	tx       pgx.Tx // nil outside WithTx
	log      *slog.Logger
	now      func() time.Time
	key      *sohoa.AuditKey // nil: the audit log is appended unkeyed
	migrated []string
	sealer   *sealer  // the background audit sealer (auditseal.go)
	txs      *txState // the transaction's, shared by its savepoints; nil outside WithTx
}

// txState is what a transaction's savepoints share.
type txState struct {
	appended bool // an audit entry went to audit_pending: poke the sealer after the commit
}

// child is db running its queries in tx.
func (db *DB) child(tx pgx.Tx) *DB {
	txs := db.txs
	if txs == nil {
		txs = &txState{}
	}
	return &DB{pool: db.pool, q: tx, tx: tx, log: db.log, now: db.now, key: db.key, sealer: db.sealer, txs: txs}
}

// querier is what *pgxpool.Pool and pgx.Tx share; Begin on a pgx.Tx opens a
// savepoint.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Option configures Open.
type Option func(*options)

type options struct {
	now      func() time.Time
	key      *sohoa.AuditKey
	pool     []func(*pgxpool.Config)
	noSealer bool // tests: leave pending audit entries to readers
}

// WithClock sets the clock used for created_at and audit times.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithPoolConfig adjusts the pool configuration parsed from the URL before
// the pool is created (sizes, a pgx.QueryTracer for tracing).
func WithPoolConfig(fn func(*pgxpool.Config)) Option {
	return func(o *options) { o.pool = append(o.pool, fn) }
}

// Open connects to the database at url (a postgres:// URL or DSN pgx
// understands), applies pending catalog and River migrations and returns
// the catalog. Close it when done.
func Open(ctx context.Context, url string, logger *slog.Logger, opts ...Option) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "catalog", "driver", "postgres")
	o := options{now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, sohoa.Wrapf(err, sohoa.EINVALID, "database URL: %v", err)
	}
	for _, fn := range o.pool {
		fn(cfg)
	}
	if cfg.MaxConns < 4 {
		cfg.MaxConns = 4 // migrations hold one connection for their lock and use another
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL %s@%s/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	db := &DB{pool: pool, q: pool, log: logger, now: o.now, key: o.key}
	if db.migrated, err = migrate(ctx, pool, logger); err != nil {
		pool.Close()
		return nil, err
	}
	if !o.noSealer {
		db.sealer = startSealer(db)
	}
	return db, nil
}

// Close stops the audit sealer (after a last sealing) and closes the
// connection pool.
func (db *DB) Close() {
	if db.sealer != nil {
		db.sealer.close()
	}
	db.pool.Close()
}

// Pool is the connection pool, for River's riverpgxv5 driver.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Migrated lists the migrations Open applied ("catalog 1 …", "river 6 …").
func (db *DB) Migrated() []string { return db.migrated }

// migrationLock is the advisory lock key serialising migrators (several
// processes may start at once); "sohoa" in ASCII.
const migrationLock = 0x736f686f61

// migrate applies the catalog's goose migrations and River's, holding an
// advisory lock so concurrent starters take turns.
func migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (applied []string, err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return nil, fmt.Errorf("migrate: take lock: %w", err)
	}
	defer func() {
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock); uerr != nil && err == nil {
			err = fmt.Errorf("migrate: release lock: %w", uerr)
		}
	}()

	sqldb := stdlib.OpenDBFromPool(pool)
	defer sqldb.Close()
	return sqlcat.Migrate(ctx, goose.DialectPostgres, sqldb, migrations.Postgres(), riverpgxv5.New(pool), log)
}

// SchemaVersions reports the catalog's goose version and River's newest
// applied migration.
func (db *DB) SchemaVersions(ctx context.Context) (catalog int64, river int, err error) {
	err = db.q.QueryRow(ctx, `SELECT
		(SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied),
		(SELECT coalesce(max(version), 0) FROM river_migration WHERE line = 'main')`).Scan(&catalog, &river)
	if err != nil {
		return 0, 0, fmt.Errorf("schema versions: %w", err)
	}
	return catalog, river, nil
}

// WithDriverTx is WithTx that also hands fn the pgx.Tx under tx, so that
// another library writes in the same transaction: the pipeline inserts its
// River jobs (riverpgxv5) with the document they are for. It is the
// typed counterpart of the `any` handle the catalog interface once had;
// pipeline.PostgresDB declares it where it is used.
func (db *DB) WithDriverTx(ctx context.Context, fn func(tx sohoa.Catalog, dtx pgx.Tx) error) error {
	return db.begin(ctx, func(tx *DB) error { return fn(tx, tx.tx) })
}

// WithTx runs fn in a transaction (a savepoint when db is already in one).
func (db *DB) WithTx(ctx context.Context, fn func(tx sohoa.Catalog) error) error {
	return db.begin(ctx, func(tx *DB) error { return fn(tx) })
}

// atomic makes a method's statements one unit: a transaction of their own,
// or, inside the caller's transaction, simply that transaction. No
// savepoint is taken there (it would cost two round trips per method): a
// failed statement aborts a PostgreSQL transaction anyway, and a caller
// that means to go on after an expected failure (a conflict with a
// concurrent insert) wraps the call in WithTx, which is a savepoint.
func (db *DB) atomic(ctx context.Context, fn func(tx *DB) error) error {
	if db.tx != nil {
		return fn(db)
	}
	return db.begin(ctx, fn)
}

// begin runs fn in a new transaction, or a savepoint of db's.
func (db *DB) begin(ctx context.Context, fn func(tx *DB) error) (err error) {
	tx, err := db.q.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	child := db.child(tx)
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	if err := fn(child); err != nil {
		if rerr := tx.Rollback(context.WithoutCancel(ctx)); rerr != nil && !errors.Is(rerr, pgx.ErrTxClosed) {
			db.log.Warn("rollback failed", "err", rerr)
		}
		return noSpace(err) // also what others wrote in the transaction (River)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	if db.txs == nil && child.txs.appended {
		db.sealer.poke()
	}
	return nil
}

// nowUTC is the clock's time as stored.
func (db *DB) nowUTC() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// mapErr turns constraint and data errors the database reports into
// sohoa errors; the checks before each write catch the common cases with
// clearer messages, this is the backstop.
func mapErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return sohoa.Errorf(sohoa.ECONFLICT, "already exists (%s)", pe.ConstraintName)
		case "23503":
			return sohoa.Errorf(sohoa.EINVALID, "refers to a record that does not exist (%s)", pe.ConstraintName)
		case "23514", "23502", "22P02", "22021", "22001", "22003", "22007", "22008", "22P05":
			return sohoa.Errorf(sohoa.EINVALID, "rejected by the database: %s", pe.Message)
		case "42501":
			return sohoa.Errorf(sohoa.EFORBIDDEN, "%s", pe.Message)
		}
	}
	return noSpace(err)
}

// noSpace wraps a disk_full error (SQLSTATE 53100: a data file, temporary
// file or tablespace could not grow) with sohoa.ErrNoSpace, keeping the
// driver's error in the chain. The other insufficient-resources codes
// (53200 out of memory, 53300 too many connections, 53400 a configuration
// limit) are not about space and pass through: they are transient, or an
// operator's setting, and retrying may well succeed. A full WAL disk is
// not an error a client sees: the server stops (PANIC) and clients lose
// their connection.
func noSpace(err error) error {
	var pe *pgconn.PgError
	if err != nil && errors.As(err, &pe) && pe.Code == "53100" && !errors.Is(err, sohoa.ErrNoSpace) {
		return fmt.Errorf("%w: %w", err, sohoa.ErrNoSpace)
	}
	return err
}

// isForeignKeyViolation says whether err is a write that refers to a row
// that does not exist. Writes check their references this way rather than
// with a query first: one round trip fewer.
func isForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// dialect is PostgreSQL's, for what this package shares with storage/sqlite.
var dialect = &sqlcat.Dialect{Postgres: true, Time: func(t time.Time) any { return t }, MapErr: mapErr}

// wrap maps err and adds context, leaving sohoa errors' codes intact.
func wrap(err error, format string, args ...any) error { return dialect.Wrap(err, format, args...) }

// exists runs a SELECT 1 query and reports whether it found a row.
func (db *DB) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := db.q.QueryRow(ctx, query, args...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (db *DB) requireUnit(ctx context.Context, code, role string) error {
	ok, err := db.exists(ctx, `SELECT 1 FROM units WHERE code = $1`, code)
	return dialect.Require(ok, err, "unit", sohoa.EINVALID, "unknown %s %q", role, code)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
