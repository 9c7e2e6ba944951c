package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

func (db *DB) CreatePeriodicReport(ctx context.Context, r *sohoa.PeriodicReport) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		if err := tx.requireUnit(ctx, r.UnitCode, "unit"); err != nil {
			return err
		}
		if err := tx.requireDocument(ctx, r.DocumentID); err != nil {
			return err
		}
		err := tx.w.QueryRowContext(ctx, `INSERT INTO periodic_reports (unit_code, period, document_id, submitted_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (unit_code, period, document_id) DO NOTHING RETURNING id`,
			r.UnitCode, r.Period, r.DocumentID, ts(r.SubmittedAt)).Scan(&r.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return sohoa.Errorf(sohoa.ECONFLICT, "document %d is already %s's report for %s", r.DocumentID, r.UnitCode, r.Period)
		}
		return wrap(err, "record periodic report")
	})
}

func (db *DB) FindPeriodicReports(ctx context.Context, f sohoa.ReportFilter) ([]*sohoa.PeriodicReport, error) {
	a := dialect.Args()
	from, err := sqlcat.ReportsFrom(&f, &a)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT r.id, r.unit_code, r.period, r.document_id, r.submitted_at`+from, a.Values...)
	rs, err := collect(rows, err, func(row *sql.Rows) (*sohoa.PeriodicReport, error) {
		var r sohoa.PeriodicReport
		var submitted string
		if err := row.Scan(&r.ID, &r.UnitCode, &r.Period, &r.DocumentID, &submitted); err != nil {
			return nil, err
		}
		var err error
		r.SubmittedAt, err = parseTS(submitted)
		return &r, err
	})
	return rs, wrap(err, "find periodic reports")
}
