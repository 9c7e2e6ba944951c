package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

const procedureCols = `code, name, required_components, created_at`

func scanProcedure(row scanner) (*sohoa.Procedure, error) {
	var p sohoa.Procedure
	var comps, created string
	if err := row.Scan(&p.Code, &p.Name, &comps, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(comps), &p.RequiredComponents); err != nil {
		return nil, err
	}
	if p.RequiredComponents == nil {
		p.RequiredComponents = []string{}
	}
	var err error
	p.CreatedAt, err = parseTS(created)
	return &p, err
}

func componentsJSON(cs []string) string {
	b, _ := json.Marshal(cs) // []string always marshals
	return string(b)
}

func (db *DB) CreateProcedure(ctx context.Context, p *sohoa.Procedure) error {
	if err := p.Validate(); err != nil {
		return err
	}
	created, createdTS := db.nowTS()
	res, err := db.w.ExecContext(ctx, `INSERT INTO procedures (code, name, required_components, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (code) DO NOTHING`, p.Code, p.Name, componentsJSON(p.RequiredComponents), createdTS)
	if err != nil {
		return wrap(err, "create procedure %q", p.Code)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return sohoa.Errorf(sohoa.ECONFLICT, "procedure %q already exists", p.Code)
	}
	p.CreatedAt = created
	return nil
}

func (db *DB) UpdateProcedure(ctx context.Context, code string, upd sohoa.ProcedureUpdate) (*sohoa.Procedure, error) {
	if err := sohoa.ValidateCode("procedure", code); err != nil {
		return nil, err
	}
	var out *sohoa.Procedure
	err := db.atomic(ctx, func(tx *DB) error {
		p, err := scanProcedure(tx.r.QueryRowContext(ctx, `SELECT `+procedureCols+` FROM procedures WHERE code = ?`, code))
		if errors.Is(err, sql.ErrNoRows) {
			return sohoa.Errorf(sohoa.ENOTFOUND, "procedure %q not found", code)
		} else if err != nil {
			return wrap(err, "update procedure %q", code)
		}
		if err := sqlcat.ApplyProcedureUpdate(p, upd); err != nil {
			return err
		}
		if _, err := tx.w.ExecContext(ctx, `UPDATE procedures SET name = ?, required_components = ? WHERE code = ?`,
			p.Name, componentsJSON(p.RequiredComponents), p.Code); err != nil {
			return wrap(err, "update procedure %q", code)
		}
		out = p
		return nil
	})
	return out, err
}

func (db *DB) FindProcedureByCode(ctx context.Context, code string) (*sohoa.Procedure, error) {
	if err := sohoa.ValidateCode("procedure", code); err != nil {
		return nil, err
	}
	p, err := scanProcedure(db.r.QueryRowContext(ctx, `SELECT `+procedureCols+` FROM procedures WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "procedure %q not found", code)
	}
	return p, wrap(err, "find procedure %q", code)
}

func (db *DB) FindProcedures(ctx context.Context) ([]*sohoa.Procedure, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+procedureCols+` FROM procedures ORDER BY code`)
	ps, err := collect(rows, err, func(r *sql.Rows) (*sohoa.Procedure, error) { return scanProcedure(r) })
	return ps, wrap(err, "find procedures")
}
