package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

// addReused adds the reused counts (sqlcat.ProgressReusedQuery) to pc,
// inside CountProgress' snapshot.
func (db *DB) addReused(ctx context.Context, p sohoa.Period, codes []string, all bool, pc *sqlcat.ProgressCounts) error {
	a := dialect.Args()
	rows, err := db.q.Query(ctx, sqlcat.ProgressReusedQuery(p, codes, all, &a), a.Values...)
	if err != nil {
		return wrap(err, "count reused dossiers")
	}
	var unit string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&unit, &n}, func() error {
		pc.AddReused(unit, n)
		return nil
	})
	return wrap(err, "count reused dossiers")
}
