package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

// CountProgress reads the units first, then counts their dossiers received
// and resolved in the period and their reports, with three aggregate
// queries (and the units' targets) in one snapshot (so the figures agree with each other). The
// received counts are index-only scans of (unit_code, received_at, code)
// INCLUDE (digitization_state, scan_state); the resolved ones of the partial index on
// resolved dossiers.
func (db *DB) CountProgress(ctx context.Context, f sohoa.ProgressFilter) ([]sohoa.UnitCounts, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	snap, done, err := db.snapshot(ctx)
	if err != nil {
		return nil, wrap(err, "count progress")
	}
	defer done()
	units, err := snap.FindUnits(ctx, sohoa.UnitFilter{Scope: f.Scope, Under: f.UnitCode})
	if err != nil {
		return nil, err
	}
	pc := sqlcat.NewProgressCounts(units)
	if len(units) == 0 {
		return pc.Rows(), nil
	}
	codes, all := pc.Codes(), f.Scope.All && f.UnitCode == ""
	for _, resolved := range []bool{false, true} {
		a := dialect.Args()
		rows, err := snap.q.Query(ctx, sqlcat.ProgressDossiersQuery(f.Period, resolved, codes, all, &a), a.Values...)
		if err != nil {
			return nil, wrap(err, "count progress")
		}
		var unit string
		var state sohoa.DigitizationState
		var scan sohoa.ScanState
		var n int64
		_, err = pgx.ForEachRow(rows, []any{&unit, &state, &scan, &n}, func() error {
			pc.AddDossiers(resolved, unit, state, scan, n)
			return nil
		})
		if err != nil {
			return nil, wrap(err, "count progress")
		}
	}
	a := dialect.Args()
	rows, err := snap.q.Query(ctx, sqlcat.ProgressReportsQuery(f.Period, codes, all, &a), a.Values...)
	if err != nil {
		return nil, wrap(err, "count progress reports")
	}
	var unit string
	var n int64
	var first, firstSigned *time.Time
	_, err = pgx.ForEachRow(rows, []any{&unit, &n, &first, &firstSigned}, func() error {
		pc.AddReports(unit, n, first, firstSigned)
		return nil
	})
	if err != nil {
		return nil, wrap(err, "count progress reports")
	}
	if err := snap.addReused(ctx, f.Period, codes, all, pc); err != nil {
		return nil, err
	}
	err = snap.eachTargets(ctx, codes, func(code string, t sohoa.Targets, _ time.Time) { pc.AddTargets(code, t) })
	if err != nil {
		return nil, err
	}
	return pc.Rows(), nil
}

// snapshot is db inside a transaction: the caller's, or a new read-only
// repeatable-read one that done ends.
func (db *DB) snapshot(ctx context.Context) (snap *DB, done func(), err error) {
	if db.tx != nil {
		return db, func() {}, nil
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, err
	}
	snap = &DB{pool: db.pool, q: tx, tx: tx, log: db.log, now: db.now, key: db.key}
	return snap, func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }, nil
}

// CountProgressSeries is CountProgress for each of periods in one read
// snapshot: the units and targets once, then one statement for the
// received dossiers of every period (a UNION ALL of CountProgress' index-only
// scans, each row tagged with its period), one for the resolved ones and
// one for the reports.
func (db *DB) CountProgressSeries(ctx context.Context, f sohoa.ProgressFilter, periods []sohoa.Period) ([][]sohoa.UnitCounts, error) {
	if err := sqlcat.ValidateSeries(periods); err != nil {
		return nil, err
	}
	f.Period = periods[0]
	if err := f.Validate(); err != nil {
		return nil, err
	}
	snap, done, err := db.snapshot(ctx)
	if err != nil {
		return nil, wrap(err, "count progress")
	}
	defer done()
	units, err := snap.FindUnits(ctx, sohoa.UnitFilter{Scope: f.Scope, Under: f.UnitCode})
	if err != nil {
		return nil, err
	}
	ps := sqlcat.NewProgressSeries(units, periods)
	if len(units) == 0 {
		return ps.Rows(), nil
	}
	codes, all := ps.Periods[0].Codes(), f.Scope.All && f.UnitCode == ""
	for _, resolved := range []bool{false, true} {
		a := dialect.Args()
		rows, err := snap.q.Query(ctx, sqlcat.ProgressSeriesQuery(periods, resolved, codes, all, &a), a.Values...)
		if err != nil {
			return nil, wrap(err, "count progress")
		}
		var unit string
		var bucket int
		var state sohoa.DigitizationState
		var scan sohoa.ScanState
		var n int64
		_, err = pgx.ForEachRow(rows, []any{&unit, &bucket, &state, &scan, &n}, func() error {
			ps.AddDossiers(resolved, unit, bucket, state, scan, n)
			return nil
		})
		if err != nil {
			return nil, wrap(err, "count progress")
		}
	}
	a := dialect.Args()
	rows, err := snap.q.Query(ctx, sqlcat.ProgressSeriesReportsQuery(periods, codes, all, &a), a.Values...)
	if err != nil {
		return nil, wrap(err, "count progress reports")
	}
	var period, unit string
	var n int64
	var first, firstSigned *time.Time
	_, err = pgx.ForEachRow(rows, []any{&period, &unit, &n, &first, &firstSigned}, func() error {
		ps.AddReports(period, unit, n, first, firstSigned)
		return nil
	})
	if err != nil {
		return nil, wrap(err, "count progress reports")
	}
	err = snap.eachTargets(ctx, codes, func(code string, t sohoa.Targets, _ time.Time) { ps.AddTargets(code, t) })
	if err != nil {
		return nil, err
	}
	return ps.Rows(), nil
}
