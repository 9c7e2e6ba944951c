package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/sohoa/sohoa"
)

// What the pipeline needs of the catalog's database besides sohoa.Catalog:
// River's driver over the same database, and the driver's transaction
// under a WithTx, so that a document and its job commit together. Each
// catalog adapter hands it over typed, through the small interfaces below
// (declared here, where they are used; storage/postgres.DB and
// storage/sqlite.DB satisfy them structurally, so storage never imports
// the pipeline). OnPostgres and OnSQLite pair the catalog with its driver
// once, at wiring time: no `any` transaction handle and no type switch at
// the point where a job is inserted. The adapters need no River import:
// River's drivers are built here from the pool (or writer connection)
// they expose.

// TxDB is a catalog whose transactions other libraries can join: TTx is
// the driver's transaction type (pgx.Tx, *sql.Tx).
type TxDB[TTx any] interface {
	sohoa.Catalog
	// WithDriverTx is WithTx that also hands fn the driver transaction
	// under tx.
	WithDriverTx(ctx context.Context, fn func(tx sohoa.Catalog, dtx TTx) error) error
}

// PostgresDB is storage/postgres.DB as the pipeline uses it: River runs on
// riverpgxv5 over Pool, the heartbeat table lives in the same database.
type PostgresDB interface {
	TxDB[pgx.Tx]
	Pool() *pgxpool.Pool
}

// SQLiteDB is storage/sqlite.DB as the pipeline uses it: River on SQLite
// must share the catalog's single writer connection (Writer), or the two
// fight over SQLite's one write lock.
type SQLiteDB interface {
	TxDB[*sql.Tx]
	Writer() *sql.DB
}

// Catalog is the catalog as the pipeline uses it: sohoa.Catalog paired
// with River's side of the same database. Make one with OnPostgres or
// OnSQLite.
type Catalog interface {
	sohoa.Catalog
	jobs() jobsDB
}

// jobsDB is what a Catalog adds for the pipeline.
type jobsDB struct {
	newQueue func(rc *river.Config) (queue, error)
	leases   leaseStore
	// polled: no LISTEN/NOTIFY, River finds new jobs by polling.
	polled bool
	// queued counts the pipeline's jobs waiting to run.
	queued func(ctx context.Context) (int, error)
}

// queuedJobsSQL counts the jobs of the pipeline's queue that wait to run:
// available now, scheduled for later, or waiting to retry. River's own
// index on (state, queue, priority, scheduled_at, id) serves it.
const queuedJobsSQL = `SELECT count(*) FROM river_job WHERE queue = 'default' AND state IN ('available', 'scheduled', 'retryable')`

type postgresCatalog struct{ PostgresDB }

// OnPostgres is a storage/postgres catalog for the pipeline.
func OnPostgres(db PostgresDB) Catalog { return postgresCatalog{db} }

func (c postgresCatalog) jobs() jobsDB {
	return jobsDB{
		newQueue: func(rc *river.Config) (queue, error) {
			return newRiverQueue(c.PostgresDB, riverpgxv5.New(c.Pool()), rc, pgDocsWhere)
		},
		leases: &pgLeases{pool: c.Pool()},
		queued: func(ctx context.Context) (n int, err error) {
			err = c.Pool().QueryRow(ctx, queuedJobsSQL).Scan(&n)
			return n, err
		},
	}
}

type sqliteCatalog struct{ SQLiteDB }

// OnSQLite is a storage/sqlite catalog for the pipeline.
func OnSQLite(db SQLiteDB) Catalog { return sqliteCatalog{db} }

func (c sqliteCatalog) jobs() jobsDB {
	return jobsDB{
		newQueue: func(rc *river.Config) (queue, error) {
			return newRiverQueue(c.SQLiteDB, riversqlite.New(c.Writer()), rc, sqliteDocsWhere)
		},
		leases: &sqliteLeases{db: c.Writer()},
		polled: true,
		queued: func(ctx context.Context) (n int, err error) {
			err = c.Writer().QueryRowContext(ctx, queuedJobsSQL).Scan(&n)
			return n, err
		},
	}
}

// insertFunc inserts jobs in the transaction it was handed with.
type insertFunc func(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)

// queue is the part of a River client the pipeline uses, without River's
// transaction type parameter.
type queue interface {
	// withTx runs fn in a catalog transaction; insert enqueues jobs in
	// that same transaction.
	withTx(ctx context.Context, fn func(tx sohoa.Catalog, insert insertFunc) error) error
	insert(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	list(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	// docsWhere is a JobListParams.Where predicate selecting jobs whose
	// args name one of the documents.
	docsWhere(ids []int64) (string, river.NamedArgs)
	// rescue makes running jobs available again (or discards them) with
	// River's own rescue statement: only jobs still running and taken
	// before params.StuckHorizon change, so a job another process took in
	// the meantime is left alone.
	rescue(ctx context.Context, params *riverdriver.JobRescueManyParams) error
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
}

type riverQueue[TTx any] struct {
	db     TxDB[TTx]
	c      *river.Client[TTx]
	driver riverdriver.Driver[TTx]
	where  func(ids []int64) (string, river.NamedArgs)
}

func newRiverQueue[TTx any](db TxDB[TTx], d riverdriver.Driver[TTx], rc *river.Config, where func([]int64) (string, river.NamedArgs)) (queue, error) {
	c, err := river.NewClient(d, rc)
	if err != nil {
		return nil, err
	}
	return &riverQueue[TTx]{db: db, c: c, driver: d, where: where}, nil
}

func (q *riverQueue[TTx]) withTx(ctx context.Context, fn func(tx sohoa.Catalog, insert insertFunc) error) error {
	return q.db.WithDriverTx(ctx, func(tx sohoa.Catalog, dtx TTx) error {
		return fn(tx, func(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
			return q.c.InsertManyTx(ctx, dtx, params)
		})
	})
}

func (q *riverQueue[TTx]) insert(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return q.c.InsertMany(ctx, params)
}

func (q *riverQueue[TTx]) list(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error) {
	return q.c.JobList(ctx, params)
}

func (q *riverQueue[TTx]) docsWhere(ids []int64) (string, river.NamedArgs) { return q.where(ids) }

func sqliteDocsWhere(ids []int64) (string, river.NamedArgs) {
	b, _ := json.Marshal(ids)
	return `json_extract(args, '$.document_id') IN (SELECT value FROM json_each(@doc_ids))`, river.NamedArgs{"doc_ids": string(b)}
}

func pgDocsWhere(ids []int64) (string, river.NamedArgs) {
	return `(args->>'document_id')::bigint = any(@doc_ids::bigint[])`, river.NamedArgs{"doc_ids": ids}
}

// rescue uses River's driver directly: River's own rescuer only rescues
// by age (RescueStuckJobsAfter), and its client has no call that touches a
// running job.
func (q *riverQueue[TTx]) rescue(ctx context.Context, params *riverdriver.JobRescueManyParams) error {
	_, err := q.driver.GetExecutor().JobRescueMany(ctx, params)
	return err
}

func (q *riverQueue[TTx]) start(ctx context.Context) error         { return q.c.Start(ctx) }
func (q *riverQueue[TTx]) stop(ctx context.Context) error          { return q.c.Stop(ctx) }
func (q *riverQueue[TTx]) stopAndCancel(ctx context.Context) error { return q.c.StopAndCancel(ctx) }
