package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

const dossierCols = `d.code, d.unit_code, d.procedure_code, d.received_at, d.due_at, d.resolved_at,
	d.status, d.digitization_state, d.scan_state, d.created_at, d.applicant_id`

func scanDossier(row pgx.Row) (*sohoa.Dossier, error) {
	var d sohoa.Dossier
	var applicant *string
	if err := row.Scan(&d.Code, &d.UnitCode, &d.ProcedureCode, &d.ReceivedAt, &d.DueAt, &d.ResolvedAt,
		&d.Status, &d.DigitizationState, &d.ScanState, &d.CreatedAt, &applicant); err != nil {
		return nil, err
	}
	d.ApplicantID = sqlcat.Text(applicant)
	d.ReceivedAt, d.CreatedAt = d.ReceivedAt.UTC(), d.CreatedAt.UTC()
	d.DueAt, d.ResolvedAt = utcPtr(d.DueAt), utcPtr(d.ResolvedAt)
	return &d, nil
}

func (db *DB) CreateDossier(ctx context.Context, d *sohoa.Dossier) error {
	if err := d.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		if err := tx.requireUnit(ctx, d.UnitCode, "unit"); err != nil {
			return err
		}
		ok, err := tx.exists(ctx, `SELECT 1 FROM procedures WHERE code = $1`, d.ProcedureCode)
		if err := dialect.Require(ok, err, "procedure", sohoa.EINVALID, "unknown procedure %q", d.ProcedureCode); err != nil {
			return err
		}
		created := tx.nowUTC()
		code, err := sqlcat.InsertDossier(d,
			func() (string, error) { return tx.nextCode(ctx, d.UnitCode, d.ReceivedAt) },
			func(code string) (bool, error) {
				tag, err := tx.q.Exec(ctx, `INSERT INTO dossiers (code, unit_code, procedure_code, received_at, due_at, resolved_at,
					status, digitization_state, scan_state, created_at, applicant_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
					ON CONFLICT (code) DO NOTHING`,
					code, d.UnitCode, d.ProcedureCode, d.ReceivedAt, d.DueAt, d.ResolvedAt, d.Status, d.DigitizationState, d.ScanState, created, sqlcat.NullText(d.ApplicantID))
				return tag.RowsAffected() == 1, wrap(err, "create dossier %q", code)
			})
		if err != nil {
			return err
		}
		d.Code, d.CreatedAt = code, created
		return nil
	})
}

func (db *DB) NextDossierCode(ctx context.Context, unitCode string, at time.Time) (string, error) {
	if err := sohoa.ValidateCode("unit", unitCode); err != nil {
		return "", err
	}
	at, err := sohoa.NormalizeTime("dossier date", at)
	if err != nil {
		return "", err
	}
	if err := db.requireUnit(ctx, unitCode, "unit"); err != nil {
		return "", err
	}
	return db.nextCode(ctx, unitCode, at)
}

// nextCode bumps the (unit, day) counter; the upsert's row lock makes
// concurrent callers take turns.
func (db *DB) nextCode(ctx context.Context, unitCode string, at time.Time) (string, error) {
	var n int
	err := db.q.QueryRow(ctx, `INSERT INTO dossier_code_counters AS c (unit_code, day, last_number) VALUES ($1, $2, 1)
		ON CONFLICT (unit_code, day) DO UPDATE SET last_number = c.last_number + 1
		RETURNING last_number`, unitCode, sohoa.DossierDay(at)).Scan(&n)
	if err != nil {
		return "", wrap(err, "next dossier code for %q", unitCode)
	}
	return sohoa.FormatDossierCode(unitCode, at, n), nil
}

func (db *DB) FindDossierByCode(ctx context.Context, code string) (*sohoa.Dossier, error) {
	if err := sohoa.ValidateDossierCode(code); err != nil {
		return nil, err
	}
	d, err := scanDossier(db.q.QueryRow(ctx, `SELECT `+dossierCols+` FROM dossiers d WHERE d.code = $1`, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "dossier %q not found", code)
	}
	return d, wrap(err, "find dossier %q", code)
}

// lateralMaxUnits bounds the unit sets FindDossiers reads unit by unit.
const lateralMaxUnits = 200

// dossierUnits resolves the units f may return from its scope and unit
// filter: all is true when nothing restricts them, otherwise units lists
// them (possibly none). Resolving them first, rather than joining a
// recursive query, gives the planner exact unit codes to estimate with.
func (db *DB) dossierUnits(ctx context.Context, f *sohoa.DossierFilter) (units []string, all bool, err error) {
	switch {
	case f.Scope.All && f.UnitCode == "":
		return nil, true, nil
	case f.Scope.All && !f.IncludeSubunits:
		return []string{f.UnitCode}, false, nil
	}
	a := dialect.Args()
	conds := sqlcat.UnitConds(f, "code", &a)
	rows, err := db.q.Query(ctx, `SELECT code FROM units`+sqlcat.JoinConds(conds)+` ORDER BY code`, a.Values...)
	if err != nil {
		return nil, false, wrap(err, "resolve units")
	}
	units, err = pgx.CollectRows(rows, pgx.RowTo[string])
	return units, false, wrap(err, "resolve units")
}

// unitCond restricts d.unit_code to units (nothing for all units).
func unitCond(units []string, all bool, a *sqlcat.Args) string {
	switch {
	case all:
		return ""
	case len(units) == 1:
		return "d.unit_code = " + a.Add(units[0])
	}
	return a.In("d.unit_code", units)
}

// FindDossiers pages by keyset on (received_at, code). For a few units it
// reads each unit's next page from the (unit_code, received_at, code) index
// and merges them (one bounded index scan per unit), so a small or empty
// subtree never scans a whole period of the ministry's dossiers; for all
// units it walks the (received_at, code) index.
func (db *DB) FindDossiers(ctx context.Context, f sohoa.DossierFilter) (*sohoa.DossierPage, error) {
	limit, err := f.Validate()
	if err != nil {
		return nil, err
	}
	units, all, err := db.dossierUnits(ctx, &f)
	if err != nil {
		return nil, err
	}
	if !all && len(units) == 0 {
		return sqlcat.DossierPage(nil, limit), nil
	}
	a := dialect.Args()
	conds, orderBy := sqlcat.DossierOrder(&f, limit, sqlcat.DossierConds(&f, &a), &a)
	var q string
	if !all && len(units) > 1 && len(units) <= lateralMaxUnits {
		conds = append(conds, "d.unit_code = want.code")
		q = `SELECT ` + dossierCols + ` FROM unnest(` + a.Add(units) + `::text[]) AS want(code)
			CROSS JOIN LATERAL (SELECT d.* FROM dossiers d` + sqlcat.JoinConds(conds) + orderBy + `) d` + orderBy
	} else {
		conds = append(conds, unitCond(units, all, &a))
		q = `SELECT ` + dossierCols + ` FROM dossiers d` + sqlcat.JoinConds(conds) + orderBy
	}
	rows, err := db.q.Query(ctx, q, searchArgs(&f, a.Values)...)
	if err != nil {
		return nil, wrap(err, "find dossiers")
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*sohoa.Dossier, error) { return scanDossier(r) })
	if err != nil {
		return nil, wrap(err, "find dossiers")
	}
	return sqlcat.DossierPage(ds, limit), nil
}

// searchArgs are a dossier query's arguments, first asking pgx for an
// unnamed statement when f searches the code text. pgx otherwise prepares
// and caches statements, and after a few runs PostgreSQL may plan a cached
// statement once for any pattern: that generic plan walks the (received_at,
// code) index and filters, reading every dossier for a rare text (1.2 s at
// 1,000,000 dossiers, bench/web.sh) where the trigram index
// (dossiers_code_trgm_idx) answers in milliseconds. An unnamed statement is
// planned with the pattern it carries, every time.
func searchArgs(f *sohoa.DossierFilter, values []any) []any {
	if f.CodeContains == "" {
		return values
	}
	return append([]any{pgx.QueryExecModeExec}, values...)
}

func (db *DB) CountDossiers(ctx context.Context, f sohoa.DossierFilter) ([]sohoa.DossierCount, error) {
	f.Cursor, f.Limit = "", 0
	if _, err := f.Validate(); err != nil {
		return nil, err
	}
	units, all, err := db.dossierUnits(ctx, &f)
	if err != nil {
		return nil, err
	}
	if !all && len(units) == 0 {
		return []sohoa.DossierCount{}, nil
	}
	a := dialect.Args()
	conds := append(sqlcat.DossierConds(&f, &a), unitCond(units, all, &a))
	rows, err := db.q.Query(ctx, sqlcat.CountDossiersQuery(conds), searchArgs(&f, a.Values)...)
	if err != nil {
		return nil, wrap(err, "count dossiers")
	}
	counts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sohoa.DossierCount, error) {
		var c sohoa.DossierCount
		err := r.Scan(&c.UnitCode, &c.DigitizationState, &c.Count)
		return c, err
	})
	if counts == nil {
		counts = []sohoa.DossierCount{}
	}
	return counts, wrap(err, "count dossiers")
}

func (db *DB) UpdateDossier(ctx context.Context, code string, upd sohoa.DossierUpdate) (*sohoa.Dossier, error) {
	if err := sohoa.ValidateDossierCode(code); err != nil {
		return nil, err
	}
	var out *sohoa.Dossier
	err := db.atomic(ctx, func(tx *DB) error {
		d, err := scanDossier(tx.q.QueryRow(ctx, `SELECT `+dossierCols+` FROM dossiers d WHERE d.code = $1 FOR UPDATE`, code))
		if errors.Is(err, pgx.ErrNoRows) {
			return sohoa.Errorf(sohoa.ENOTFOUND, "dossier %q not found", code)
		} else if err != nil {
			return wrap(err, "update dossier %q", code)
		}
		if err := upd.Apply(d); err != nil {
			return err
		}
		out = d
		if upd == (sohoa.DossierUpdate{}) {
			return nil // the row is locked; nothing to write
		}
		if _, err := tx.q.Exec(ctx, `UPDATE dossiers SET status = $2, digitization_state = $3, due_at = $4, resolved_at = $5, scan_state = $6
			WHERE code = $1`, d.Code, d.Status, d.DigitizationState, d.DueAt, d.ResolvedAt, d.ScanState); err != nil {
			return wrap(err, "update dossier %q", code)
		}
		return nil
	})
	return out, err
}
