package sqlite

import (
	"context"
	"database/sql"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

// addReused adds the reused counts (sqlcat.ProgressReusedQuery) to pc,
// inside CountProgress' read transaction.
func (db *DB) addReused(ctx context.Context, p sohoa.Period, codes []string, all bool, pc *sqlcat.ProgressCounts) error {
	a := dialect.Args()
	rows, err := db.r.QueryContext(ctx, sqlcat.ProgressReusedQuery(p, codes, all, &a), a.Values...)
	_, err = collect(rows, err, func(r *sql.Rows) (struct{}, error) {
		var unit string
		var n int64
		err := r.Scan(&unit, &n)
		pc.AddReused(unit, n)
		return struct{}{}, err
	})
	return wrap(err, "count reused dossiers")
}
