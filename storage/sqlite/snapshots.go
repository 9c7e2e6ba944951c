package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

var (
	_ sohoa.ProgressSnapshotService = (*DB)(nil)
	_ sohoa.TargetService           = (*DB)(nil)
)

func (db *DB) CreateProgressSnapshot(ctx context.Context, rows []sohoa.ProgressSnapshotRow) error {
	period, codes, err := sqlcat.SnapshotUnits(rows)
	if err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		var known int
		err := tx.w.QueryRowContext(ctx, `SELECT count(*) FROM units WHERE code IN (SELECT value FROM json_each(?))`,
			sqlcat.JSONList(codes)).Scan(&known)
		if err != nil {
			return wrap(err, "look up units")
		}
		if known != len(codes) {
			return sohoa.Errorf(sohoa.EINVALID, "the snapshot names %d unknown units", len(codes)-known)
		}
		a := dialect.Args()
		var taken string
		err = tx.w.QueryRowContext(ctx, sqlcat.SnapshotTaken(period, codes, &a), a.Values...).Scan(&taken)
		if err == nil {
			return sohoa.Errorf(sohoa.ECONFLICT, "unit %s is already closed for %s", taken, period)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return wrap(err, "look up snapshots")
		}
		for i := 0; i < len(rows); i += sqlcat.SnapshotBatch {
			a := dialect.Args()
			q := sqlcat.SnapshotInsert(rows[i:min(i+sqlcat.SnapshotBatch, len(rows))], &a)
			if _, err := tx.w.ExecContext(ctx, q, a.Values...); err != nil {
				return wrap(err, "record progress snapshot")
			}
		}
		return nil
	})
}

func (db *DB) FindProgressSnapshot(ctx context.Context, f sohoa.ProgressFilter) ([]sohoa.ProgressSnapshotRow, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	a := dialect.Args()
	rows, err := db.r.QueryContext(ctx, sqlcat.SnapshotQuery(f, &a), a.Values...)
	out, err := collect(rows, err, func(row *sql.Rows) (sohoa.ProgressSnapshotRow, error) {
		var r sohoa.ProgressSnapshotRow
		var parent, submitted sql.NullString
		var closed, status string
		var early int
		dest := append([]any{&r.Period, &r.UnitCode, &r.Name, &parent, &closed, &r.ClosedBy, &early, &status, &submitted},
			sqlcat.SnapshotInts(&r)...)
		if err := row.Scan(dest...); err != nil {
			return r, err
		}
		r.ParentCode, r.Early, r.Report = parent.String, early == 1, sohoa.ReportStatus(status)
		var err error
		if r.ClosedAt, err = parseTS(closed); err != nil {
			return r, err
		}
		r.ReportSubmittedAt, err = parseTSPtr(submitted)
		return r, err
	})
	if out == nil {
		out = []sohoa.ProgressSnapshotRow{}
	}
	return out, wrap(err, "find progress snapshot")
}

func (db *DB) SetUnitTargets(ctx context.Context, t *sohoa.UnitTargets) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		if err := tx.requireUnit(ctx, t.UnitCode, "unit"); err != nil {
			return err
		}
		now, nowTS := tx.nowTS()
		_, err := tx.w.ExecContext(ctx, `INSERT INTO unit_targets (unit_code, digitized, results, reports, updated_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (unit_code) DO UPDATE
			SET digitized = excluded.digitized, results = excluded.results, reports = excluded.reports, updated_at = excluded.updated_at`,
			t.UnitCode, t.Digitized, t.Results, t.Reports, nowTS)
		if err != nil {
			return wrap(err, "set unit targets")
		}
		t.UpdatedAt = now
		return nil
	})
}

func (db *DB) DeleteUnitTargets(ctx context.Context, unitCode string) error {
	if err := sohoa.ValidateCode("unit", unitCode); err != nil {
		return err
	}
	res, err := db.w.ExecContext(ctx, `DELETE FROM unit_targets WHERE unit_code = ?`, unitCode)
	if err != nil {
		return wrap(err, "delete unit targets")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return sohoa.Errorf(sohoa.ENOTFOUND, "unit %q has no targets of its own", unitCode)
	}
	return nil
}

func (db *DB) FindUnitTargets(ctx context.Context, f sohoa.UnitFilter) ([]*sohoa.UnitTargets, error) {
	units, err := db.FindUnits(ctx, f)
	if err != nil {
		return nil, err
	}
	out := []*sohoa.UnitTargets{}
	if len(units) == 0 {
		return out, nil
	}
	codes := make([]string, len(units))
	for i, u := range units {
		codes[i] = u.Code
	}
	got, err := db.targets(ctx, codes)
	return append(out, got...), err
}

// targets reads the stored targets of units, by unit code.
func (db *DB) targets(ctx context.Context, units []string) ([]*sohoa.UnitTargets, error) {
	a := dialect.Args()
	rows, err := db.r.QueryContext(ctx, sqlcat.TargetsQuery(units, &a), a.Values...)
	out, err := collect(rows, err, func(r *sql.Rows) (*sohoa.UnitTargets, error) {
		var t sohoa.UnitTargets
		var at string
		if err := r.Scan(&t.UnitCode, &t.Digitized, &t.Results, &t.Reports, &at); err != nil {
			return nil, err
		}
		var err error
		t.UpdatedAt, err = parseTS(at)
		return &t, err
	})
	return out, wrap(err, "find unit targets")
}
