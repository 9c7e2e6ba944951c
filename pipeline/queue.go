package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
)

// queue is the part of a River client the pipeline uses, without River's
// transaction type parameter (pgx.Tx on PostgreSQL, *sql.Tx on SQLite).
type queue interface {
	// insertTx inserts jobs in the catalog transaction tx
	// (sohoa.Catalog.TxHandle).
	insertTx(ctx context.Context, tx any, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
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
	c      *river.Client[TTx]
	driver riverdriver.Driver[TTx]
	sqlite bool
}

func newQueue(cfg Config, rc *river.Config) (queue, error) {
	if cfg.PGPool != nil {
		d := riverpgxv5.New(cfg.PGPool)
		c, err := river.NewClient(d, rc)
		if err != nil {
			return nil, err
		}
		return &riverQueue[pgx.Tx]{c: c, driver: d}, nil
	}
	d := riversqlite.New(cfg.SQLiteDB)
	c, err := river.NewClient(d, rc)
	if err != nil {
		return nil, err
	}
	return &riverQueue[*sql.Tx]{c: c, driver: d, sqlite: true}, nil
}

func (q *riverQueue[TTx]) insertTx(ctx context.Context, tx any, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	t, ok := tx.(TTx)
	if !ok {
		var want TTx
		return nil, fmt.Errorf("catalog transaction is a %T, River's driver needs a %T: Config's PGPool/SQLiteDB does not match the catalog", tx, want)
	}
	return q.c.InsertManyTx(ctx, t, params)
}

func (q *riverQueue[TTx]) insert(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return q.c.InsertMany(ctx, params)
}

func (q *riverQueue[TTx]) list(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error) {
	return q.c.JobList(ctx, params)
}

func (q *riverQueue[TTx]) docsWhere(ids []int64) (string, river.NamedArgs) {
	if q.sqlite {
		b, _ := json.Marshal(ids)
		return `json_extract(args, '$.document_id') IN (SELECT value FROM json_each(@doc_ids))`, river.NamedArgs{"doc_ids": string(b)}
	}
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
