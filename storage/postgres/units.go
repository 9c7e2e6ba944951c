package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

const unitCols = `code, name, coalesce(parent_code, ''), require_gov_ca, created_at`

func scanUnit(row pgx.Row) (*sohoa.Unit, error) {
	var u sohoa.Unit
	if err := row.Scan(&u.Code, &u.Name, &u.ParentCode, &u.RequireGovCA, &u.CreatedAt); err != nil {
		return nil, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return &u, nil
}

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
		created := tx.nowUTC()
		tag, err := tx.q.Exec(ctx, `INSERT INTO units (code, name, parent_code, require_gov_ca, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (code) DO NOTHING`, u.Code, u.Name, nullIfEmpty(u.ParentCode), u.RequireGovCA, created)
		if err != nil {
			return wrap(err, "create unit %q", u.Code)
		}
		if tag.RowsAffected() == 0 {
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
		if upd.ParentCode != nil {
			// Moves are rare; locking the table stops two concurrent moves
			// from building a cycle neither could see alone.
			if _, err := tx.q.Exec(ctx, `LOCK TABLE units IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return wrap(err, "lock units")
			}
		}
		u, err := scanUnit(tx.q.QueryRow(ctx, `SELECT `+unitCols+` FROM units WHERE code = $1 FOR UPDATE`, code))
		if errors.Is(err, pgx.ErrNoRows) {
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
			// The new parent must not lie in the unit's own subtree.
			a := dialect.Args()
			cycle, err := tx.exists(ctx, sqlcat.AncestryQuery(a.Add(u.ParentCode), "code = "+a.Add(u.Code)), a.Values...)
			if err != nil {
				return wrap(err, "check unit tree")
			}
			if cycle {
				return sohoa.Errorf(sohoa.EINVALID, "moving unit %q under %q would make a cycle", u.Code, u.ParentCode)
			}
		}
		if _, err := tx.q.Exec(ctx, `UPDATE units SET name = $2, parent_code = $3, require_gov_ca = $4 WHERE code = $1`,
			u.Code, u.Name, nullIfEmpty(u.ParentCode), u.RequireGovCA); err != nil {
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
	u, err := scanUnit(db.q.QueryRow(ctx, `SELECT `+unitCols+` FROM units WHERE code = $1`, code))
	if errors.Is(err, pgx.ErrNoRows) {
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
	rows, err := db.q.Query(ctx, `SELECT `+unitCols+` FROM units`+sqlcat.JoinConds(conds)+` ORDER BY code`, a.Values...)
	if err != nil {
		return nil, wrap(err, "find units")
	}
	units, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*sohoa.Unit, error) { return scanUnit(r) })
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
		if _, err := db.FindUnitByCode(ctx, unitCode); err != nil {
			return err
		}
		return nil
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
