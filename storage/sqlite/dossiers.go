package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

const dossierCols = `d.code, d.unit_code, d.procedure_code, d.received_at, d.due_at, d.resolved_at,
	d.status, d.digitization_state, d.scan_state, d.created_at, d.applicant_id`

func scanDossier(row scanner) (*sohoa.Dossier, error) {
	var d sohoa.Dossier
	var received, created string
	var due, resolved sql.NullString
	var applicant *string
	if err := row.Scan(&d.Code, &d.UnitCode, &d.ProcedureCode, &received, &due, &resolved,
		&d.Status, &d.DigitizationState, &d.ScanState, &created, &applicant); err != nil {
		return nil, err
	}
	d.ApplicantID = sqlcat.Text(applicant)
	var errs [4]error
	d.ReceivedAt, errs[0] = parseTS(received)
	d.CreatedAt, errs[1] = parseTS(created)
	d.DueAt, errs[2] = parseTSPtr(due)
	d.ResolvedAt, errs[3] = parseTSPtr(resolved)
	return &d, errors.Join(errs[:]...)
}

func (db *DB) CreateDossier(ctx context.Context, d *sohoa.Dossier) error {
	if err := d.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		if err := tx.requireUnit(ctx, d.UnitCode, "unit"); err != nil {
			return err
		}
		ok, err := tx.exists(ctx, `SELECT 1 FROM procedures WHERE code = ?`, d.ProcedureCode)
		if err := dialect.Require(ok, err, "procedure", sohoa.EINVALID, "unknown procedure %q", d.ProcedureCode); err != nil {
			return err
		}
		created, createdTS := tx.nowTS()
		code, err := sqlcat.InsertDossier(d,
			func() (string, error) { return tx.nextCode(ctx, d.UnitCode, d.ReceivedAt) },
			func(code string) (bool, error) {
				res, err := tx.w.ExecContext(ctx, `INSERT INTO dossiers (code, unit_code, procedure_code, received_at, due_at, resolved_at,
					status, digitization_state, scan_state, created_at, applicant_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
					ON CONFLICT (code) DO NOTHING`,
					code, d.UnitCode, d.ProcedureCode, ts(d.ReceivedAt), tsPtr(d.DueAt), tsPtr(d.ResolvedAt), d.Status, d.DigitizationState, d.ScanState, createdTS, sqlcat.NullText(d.ApplicantID))
				if err != nil {
					return false, wrap(err, "create dossier %q", code)
				}
				n, _ := res.RowsAffected()
				return n == 1, nil
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

// nextCode bumps the (unit, day) counter; SQLite's single writer makes
// concurrent callers take turns.
func (db *DB) nextCode(ctx context.Context, unitCode string, at time.Time) (string, error) {
	var n int
	err := db.w.QueryRowContext(ctx, `INSERT INTO dossier_code_counters (unit_code, day, last_number) VALUES (?, ?, 1)
		ON CONFLICT (unit_code, day) DO UPDATE SET last_number = last_number + 1
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
	d, err := scanDossier(db.r.QueryRowContext(ctx, `SELECT `+dossierCols+` FROM dossiers d WHERE d.code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "dossier %q not found", code)
	}
	return d, wrap(err, "find dossier %q", code)
}

// dossierConds builds the WHERE conditions of f other than its cursor.
func dossierConds(f *sohoa.DossierFilter, a *sqlcat.Args) []string {
	return append(sqlcat.UnitConds(f, "d.unit_code", a), sqlcat.DossierConds(f, a)...)
}

func (db *DB) FindDossiers(ctx context.Context, f sohoa.DossierFilter) (*sohoa.DossierPage, error) {
	limit, err := f.Validate()
	if err != nil {
		return nil, err
	}
	a := dialect.Args()
	conds, orderBy := sqlcat.DossierOrder(&f, limit, dossierConds(&f, &a), &a)
	q := `SELECT ` + dossierCols + ` FROM dossiers d` + sqlcat.JoinConds(conds) + orderBy
	rows, err := db.r.QueryContext(ctx, q, a.Values...)
	ds, err := collect(rows, err, func(r *sql.Rows) (*sohoa.Dossier, error) { return scanDossier(r) })
	if err != nil {
		return nil, wrap(err, "find dossiers")
	}
	return sqlcat.DossierPage(ds, limit), nil
}

func (db *DB) CountDossiers(ctx context.Context, f sohoa.DossierFilter) ([]sohoa.DossierCount, error) {
	f.Cursor, f.Limit = "", 0
	if _, err := f.Validate(); err != nil {
		return nil, err
	}
	a := dialect.Args()
	rows, err := db.r.QueryContext(ctx, sqlcat.CountDossiersQuery(dossierConds(&f, &a)), a.Values...)
	counts, err := collect(rows, err, func(r *sql.Rows) (sohoa.DossierCount, error) {
		var c sohoa.DossierCount
		err := r.Scan(&c.UnitCode, &c.DigitizationState, &c.Count)
		return c, err
	})
	return counts, wrap(err, "count dossiers")
}

func (db *DB) UpdateDossier(ctx context.Context, code string, upd sohoa.DossierUpdate) (*sohoa.Dossier, error) {
	if err := sohoa.ValidateDossierCode(code); err != nil {
		return nil, err
	}
	var out *sohoa.Dossier
	err := db.atomic(ctx, func(tx *DB) error {
		d, err := scanDossier(tx.r.QueryRowContext(ctx, `SELECT `+dossierCols+` FROM dossiers d WHERE d.code = ?`, code))
		if errors.Is(err, sql.ErrNoRows) {
			return sohoa.Errorf(sohoa.ENOTFOUND, "dossier %q not found", code)
		} else if err != nil {
			return wrap(err, "update dossier %q", code)
		}
		if err := upd.Apply(d); err != nil {
			return err
		}
		out = d
		if upd == (sohoa.DossierUpdate{}) {
			return nil // nothing to write (transactions begin IMMEDIATE: the write lock is held)
		}
		if _, err := tx.w.ExecContext(ctx, `UPDATE dossiers SET status = ?, digitization_state = ?, due_at = ?, resolved_at = ?, scan_state = ?
			WHERE code = ?`, d.Status, d.DigitizationState, tsPtr(d.DueAt), tsPtr(d.ResolvedAt), d.ScanState, d.Code); err != nil {
			return wrap(err, "update dossier %q", code)
		}
		return nil
	})
	return out, err
}
