package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

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
		if err := tx.q.QueryRow(ctx, `SELECT count(*) FROM units WHERE code = ANY($1)`, codes).Scan(&known); err != nil {
			return wrap(err, "look up units")
		}
		if known != len(codes) {
			return sohoa.Errorf(sohoa.EINVALID, "the snapshot names %d unknown units", len(codes)-known)
		}
		a := dialect.Args()
		var taken string
		err := tx.q.QueryRow(ctx, sqlcat.SnapshotTaken(period, codes, &a), a.Values...).Scan(&taken)
		if err == nil {
			return sohoa.Errorf(sohoa.ECONFLICT, "unit %s is already closed for %s", taken, period)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return wrap(err, "look up snapshots")
		}
		for i := 0; i < len(rows); i += sqlcat.SnapshotBatch {
			a := dialect.Args()
			q := sqlcat.SnapshotInsert(rows[i:min(i+sqlcat.SnapshotBatch, len(rows))], &a)
			if _, err := tx.q.Exec(ctx, q, a.Values...); err != nil {
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
	rows, err := db.q.Query(ctx, sqlcat.SnapshotQuery(f, &a), a.Values...)
	if err != nil {
		return nil, wrap(err, "find progress snapshot")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (sohoa.ProgressSnapshotRow, error) {
		var r sohoa.ProgressSnapshotRow
		var parent *string
		var status string
		dest := append([]any{&r.Period, &r.UnitCode, &r.Name, &parent, &r.ClosedAt, &r.ClosedBy, &r.Early, &status, &r.ReportSubmittedAt},
			sqlcat.SnapshotInts(&r)...)
		if err := row.Scan(dest...); err != nil {
			return r, err
		}
		if parent != nil {
			r.ParentCode = *parent
		}
		r.Report = sohoa.ReportStatus(status)
		r.ClosedAt = r.ClosedAt.UTC()
		r.ReportSubmittedAt = utcPtr(r.ReportSubmittedAt)
		return r, nil
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
		now := tx.nowUTC()
		_, err := tx.q.Exec(ctx, `INSERT INTO unit_targets (unit_code, digitized, results, reports, updated_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (unit_code) DO UPDATE
			SET digitized = EXCLUDED.digitized, results = EXCLUDED.results, reports = EXCLUDED.reports, updated_at = EXCLUDED.updated_at`,
			t.UnitCode, t.Digitized, t.Results, t.Reports, now)
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
	tag, err := db.q.Exec(ctx, `DELETE FROM unit_targets WHERE unit_code = $1`, unitCode)
	if err != nil {
		return wrap(err, "delete unit targets")
	}
	if tag.RowsAffected() == 0 {
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
	err = db.eachTargets(ctx, codes, func(code string, t sohoa.Targets, at time.Time) {
		out = append(out, &sohoa.UnitTargets{UnitCode: code, Targets: t, UpdatedAt: at.UTC()})
	})
	return out, err
}

// eachTargets calls fn with the stored targets of units, by unit code.
func (db *DB) eachTargets(ctx context.Context, units []string, fn func(code string, t sohoa.Targets, at time.Time)) error {
	a := dialect.Args()
	rows, err := db.q.Query(ctx, sqlcat.TargetsQuery(units, &a), a.Values...)
	if err != nil {
		return wrap(err, "find unit targets")
	}
	var code string
	var t sohoa.Targets
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&code, &t.Digitized, &t.Results, &t.Reports, &at}, func() error {
		fn(code, t, at)
		return nil
	})
	return wrap(err, "find unit targets")
}
