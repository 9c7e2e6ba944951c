package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

// scanner is what *sql.Row and *sql.Rows share.
type scanner interface{ Scan(dest ...any) error }

const unitCols = `code, name, coalesce(parent_code, ''), require_gov_ca, created_at`

func scanUnit(row scanner) (*sohoa.Unit, error) {
	var u sohoa.Unit
	var created string
	if err := row.Scan(&u.Code, &u.Name, &u.ParentCode, &u.RequireGovCA, &created); err != nil {
		return nil, err
	}
	var err error
	u.CreatedAt, err = parseTS(created)
	return &u, err
}

func scanUnits(rows *sql.Rows) (*sohoa.Unit, error) { return scanUnit(rows) }

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (db *DB) CreateUnit(ctx context.Context, u *sohoa.Unit) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		if u.ParentCode != "" {
			if err := tx.requireUnit(ctx, u.ParentCode, "parent unit"); err != nil {
				return err
			}
		}
		created, createdTS := tx.nowTS()
		res, err := tx.w.ExecContext(ctx, `INSERT INTO units (code, name, parent_code, require_gov_ca, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (code) DO NOTHING`, u.Code, u.Name, nullIfEmpty(u.ParentCode), u.RequireGovCA, createdTS)
		if err != nil {
			return wrap(err, "create unit %q", u.Code)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sohoa.Errorf(sohoa.ECONFLICT, "unit %q already exists", u.Code)
		}
		u.CreatedAt = created
		return nil
	})
}

func (db *DB) UpdateUnit(ctx context.Context, code string, upd sohoa.UnitUpdate) (*sohoa.Unit, error) {
	if err := sohoa.ValidateCode("unit", code); err != nil {
		return nil, err
	}
	var out *sohoa.Unit
	err := db.atomic(ctx, func(tx *DB) error {
		u, err := scanUnit(tx.r.QueryRowContext(ctx, `SELECT `+unitCols+` FROM units WHERE code = ?`, code))
		if errors.Is(err, sql.ErrNoRows) {
			return sohoa.Errorf(sohoa.ENOTFOUND, "unit %q not found", code)
		} else if err != nil {
			return wrap(err, "update unit %q", code)
		}
		if err := sqlcat.ApplyUnitUpdate(u, upd); err != nil {
			return err
		}
		if upd.ParentCode != nil && u.ParentCode != "" {
			if err := tx.requireUnit(ctx, u.ParentCode, "parent unit"); err != nil {
				return err
			}
			// The new parent must not lie in the unit's own subtree; the
			// single writer keeps concurrent moves from racing.
			a := dialect.Args()
			cycle, err := tx.exists(ctx, sqlcat.AncestryQuery(a.Add(u.ParentCode), "code = "+a.Add(u.Code)), a.Values...)
			if err != nil {
				return wrap(err, "check unit tree")
			}
			if cycle {
				return sohoa.Errorf(sohoa.EINVALID, "moving unit %q under %q would make a cycle", u.Code, u.ParentCode)
			}
		}
		if _, err := tx.w.ExecContext(ctx, `UPDATE units SET name = ?, parent_code = ?, require_gov_ca = ? WHERE code = ?`,
			u.Name, nullIfEmpty(u.ParentCode), u.RequireGovCA, u.Code); err != nil {
			return wrap(err, "update unit %q", code)
		}
		out = u
		return nil
	})
	return out, err
}

func (db *DB) FindUnitByCode(ctx context.Context, code string) (*sohoa.Unit, error) {
	if err := sohoa.ValidateCode("unit", code); err != nil {
		return nil, err
	}
	u, err := scanUnit(db.r.QueryRowContext(ctx, `SELECT `+unitCols+` FROM units WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "unit %q not found", code)
	}
	return u, wrap(err, "find unit %q", code)
}

func (db *DB) FindUnits(ctx context.Context, f sohoa.UnitFilter) ([]*sohoa.Unit, error) {
	if err := f.Scope.Validate(); err != nil {
		return nil, err
	}
	a := dialect.Args()
	conds := []string{sqlcat.ScopeCond(f.Scope, "code", &a)}
	if f.Under != "" {
		if err := sohoa.ValidateCode("unit", f.Under); err != nil {
			return nil, err
		}
		conds = append(conds, "code IN "+sqlcat.SubtreeSQL([]string{f.Under}, &a))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+unitCols+` FROM units`+sqlcat.JoinConds(conds)+` ORDER BY code`, a.Values...)
	units, err := collect(rows, err, scanUnits)
	return units, wrap(err, "find units")
}

func (db *DB) CheckScope(ctx context.Context, scope sohoa.Scope, unitCode string) error {
	if err := scope.Validate(); err != nil {
		return err
	}
	if err := sohoa.ValidateCode("unit", unitCode); err != nil {
		return err
	}
	if scope.All {
		_, err := db.FindUnitByCode(ctx, unitCode)
		return err
	}
	a := dialect.Args()
	in, err := db.exists(ctx, sqlcat.AncestryQuery(a.Add(unitCode), a.In("code", scope.Units)), a.Values...)
	if err != nil {
		return wrap(err, "check scope")
	}
	if !in {
		return sohoa.Errorf(sohoa.EFORBIDDEN, "unit %q is outside your scope", unitCode)
	}
	return nil
}
