package sqlite

import (
	"context"
	"database/sql"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

// CountProgress reads the units first, then counts their dossiers received
// and resolved in the period and their reports, with three aggregate
// queries in one read transaction (so the figures agree with each other).
func (db *DB) CountProgress(ctx context.Context, f sohoa.ProgressFilter) ([]sohoa.UnitCounts, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	snap := db
	if db.tx == nil {
		tx, err := db.reader.BeginTx(ctx, nil)
		if err != nil {
			return nil, wrap(err, "count progress")
		}
		defer func() { _ = tx.Rollback() }()
		c := *db
		c.r = tx
		snap = &c
	}
	units, err := snap.FindUnits(ctx, sohoa.UnitFilter{Scope: f.Scope, Under: f.UnitCode})
	if err != nil {
		return nil, err
	}
	pc := sqlcat.NewProgressCounts(units)
	if len(units) == 0 {
		return pc.Rows(), nil
	}
	codes, all := pc.Codes(), f.Scope.All && f.UnitCode == ""
	type dossierRow struct {
		unit  string
		state sohoa.DigitizationState
		scan  sohoa.ScanState
		n     int64
	}
	for _, resolved := range []bool{false, true} {
		a := dialect.Args()
		rows, err := snap.r.QueryContext(ctx, sqlcat.ProgressDossiersQuery(f.Period, resolved, codes, all, &a), a.Values...)
		got, err := collect(rows, err, func(r *sql.Rows) (dossierRow, error) {
			var d dossierRow
			err := r.Scan(&d.unit, &d.state, &d.scan, &d.n)
			return d, err
		})
		if err != nil {
			return nil, wrap(err, "count progress")
		}
		for _, d := range got {
			pc.AddDossiers(resolved, d.unit, d.state, d.scan, d.n)
		}
	}
	a := dialect.Args()
	rows, err := snap.r.QueryContext(ctx, sqlcat.ProgressReportsQuery(f.Period, codes, all, &a), a.Values...)
	_, err = collect(rows, err, func(r *sql.Rows) (struct{}, error) {
		var unit string
		var n int64
		var first, firstSigned sql.NullString
		if err := r.Scan(&unit, &n, &first, &firstSigned); err != nil {
			return struct{}{}, err
		}
		ft, err := parseTSPtr(first)
		if err != nil {
			return struct{}{}, err
		}
		fst, err := parseTSPtr(firstSigned)
		if err != nil {
			return struct{}{}, err
		}
		pc.AddReports(unit, n, ft, fst)
		return struct{}{}, nil
	})
	if err != nil {
		return nil, wrap(err, "count progress reports")
	}
	if err := snap.addReused(ctx, f.Period, codes, all, pc); err != nil {
		return nil, err
	}
	targets, err := snap.targets(ctx, codes)
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		pc.AddTargets(t.UnitCode, t.Targets)
	}
	return pc.Rows(), nil
}

// CountProgressSeries is CountProgress for each of periods in one read
// transaction: the units and targets once, then one statement for the
// received dossiers of every period, one for the resolved ones and one for
// the reports.
func (db *DB) CountProgressSeries(ctx context.Context, f sohoa.ProgressFilter, periods []sohoa.Period) ([][]sohoa.UnitCounts, error) {
	if err := sqlcat.ValidateSeries(periods); err != nil {
		return nil, err
	}
	f.Period = periods[0]
	if err := f.Validate(); err != nil {
		return nil, err
	}
	snap := db
	if db.tx == nil {
		tx, err := db.reader.BeginTx(ctx, nil)
		if err != nil {
			return nil, wrap(err, "count progress")
		}
		defer func() { _ = tx.Rollback() }()
		c := *db
		c.r = tx
		snap = &c
	}
	units, err := snap.FindUnits(ctx, sohoa.UnitFilter{Scope: f.Scope, Under: f.UnitCode})
	if err != nil {
		return nil, err
	}
	ps := sqlcat.NewProgressSeries(units, periods)
	if len(units) == 0 {
		return ps.Rows(), nil
	}
	codes, all := ps.Periods[0].Codes(), f.Scope.All && f.UnitCode == ""
	type dossierRow struct {
		unit   string
		bucket int
		state  sohoa.DigitizationState
		scan   sohoa.ScanState
		n      int64
	}
	for _, resolved := range []bool{false, true} {
		a := dialect.Args()
		rows, err := snap.r.QueryContext(ctx, sqlcat.ProgressSeriesQuery(periods, resolved, codes, all, &a), a.Values...)
		got, err := collect(rows, err, func(r *sql.Rows) (dossierRow, error) {
			var d dossierRow
			err := r.Scan(&d.unit, &d.bucket, &d.state, &d.scan, &d.n)
			return d, err
		})
		if err != nil {
			return nil, wrap(err, "count progress")
		}
		for _, d := range got {
			ps.AddDossiers(resolved, d.unit, d.bucket, d.state, d.scan, d.n)
		}
	}
	a := dialect.Args()
	rows, err := snap.r.QueryContext(ctx, sqlcat.ProgressSeriesReportsQuery(periods, codes, all, &a), a.Values...)
	_, err = collect(rows, err, func(r *sql.Rows) (struct{}, error) {
		var period, unit string
		var n int64
		var first, firstSigned sql.NullString
		if err := r.Scan(&period, &unit, &n, &first, &firstSigned); err != nil {
			return struct{}{}, err
		}
		ft, err := parseTSPtr(first)
		if err != nil {
			return struct{}{}, err
		}
		fst, err := parseTSPtr(firstSigned)
		if err != nil {
			return struct{}{}, err
		}
		ps.AddReports(period, unit, n, ft, fst)
		return struct{}{}, nil
	})
	if err != nil {
		return nil, wrap(err, "count progress reports")
	}
	targets, err := snap.targets(ctx, codes)
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		ps.AddTargets(t.UnitCode, t.Targets)
	}
	return ps.Rows(), nil
}
