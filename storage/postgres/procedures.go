package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

const procedureCols = `code, name, required_components, created_at`

func scanProcedure(row pgx.Row) (*sohoa.Procedure, error) {
	var p sohoa.Procedure
	if err := row.Scan(&p.Code, &p.Name, &p.RequiredComponents, &p.CreatedAt); err != nil {
		return nil, err
	}
	if p.RequiredComponents == nil {
		p.RequiredComponents = []string{}
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, nil
}

func (db *DB) CreateProcedure(ctx context.Context, p *sohoa.Procedure) error {
	if err := p.Validate(); err != nil {
		return err
	}
	created := db.nowUTC()
	tag, err := db.q.Exec(ctx, `INSERT INTO procedures (code, name, required_components, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (code) DO NOTHING`, p.Code, p.Name, p.RequiredComponents, created)
	if err != nil {
		return wrap(err, "create procedure %q", p.Code)
	}
	if tag.RowsAffected() == 0 {
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
		p, err := scanProcedure(tx.q.QueryRow(ctx, `SELECT `+procedureCols+` FROM procedures WHERE code = $1 FOR UPDATE`, code))
		if errors.Is(err, pgx.ErrNoRows) {
			return sohoa.Errorf(sohoa.ENOTFOUND, "procedure %q not found", code)
		} else if err != nil {
			return wrap(err, "update procedure %q", code)
		}
		if err := sqlcat.ApplyProcedureUpdate(p, upd); err != nil {
			return err
		}
		if _, err := tx.q.Exec(ctx, `UPDATE procedures SET name = $2, required_components = $3 WHERE code = $1`,
			p.Code, p.Name, p.RequiredComponents); err != nil {
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
	p, err := scanProcedure(db.q.QueryRow(ctx, `SELECT `+procedureCols+` FROM procedures WHERE code = $1`, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "procedure %q not found", code)
	}
	return p, wrap(err, "find procedure %q", code)
}

func (db *DB) FindProcedures(ctx context.Context) ([]*sohoa.Procedure, error) {
	rows, err := db.q.Query(ctx, `SELECT `+procedureCols+` FROM procedures ORDER BY code`)
	if err != nil {
		return nil, wrap(err, "find procedures")
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*sohoa.Procedure, error) { return scanProcedure(r) })
	return ps, wrap(err, "find procedures")
}
