package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

const userCols = `u.username, u.display_name, u.created_at,
	coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.username = u.username), '{}'),
	coalesce((SELECT array_agg(s.unit_code ORDER BY s.unit_code) FROM user_unit_scopes s WHERE s.username = u.username), '{}'),
	u.password_hash <> '', u.disabled_at`

// scanUser reads userCols, then extra.
func scanUser(row pgx.Row, extra ...any) (*sohoa.User, error) {
	var u sohoa.User
	var roles []string
	if err := row.Scan(append([]any{&u.Username, &u.DisplayName, &u.CreatedAt, &roles, &u.UnitScopes, &u.HasPassword, &u.DisabledAt}, extra...)...); err != nil {
		return nil, err
	}
	u.Roles = make([]sohoa.Role, len(roles))
	for i, r := range roles {
		u.Roles[i] = sohoa.Role(r)
	}
	if u.UnitScopes == nil {
		u.UnitScopes = []string{}
	}
	u.CreatedAt, u.DisabledAt = u.CreatedAt.UTC(), utcPtr(u.DisabledAt)
	return &u, nil
}

// setRolesAndScopes replaces a user's roles and unit scopes.
func (db *DB) setRolesAndScopes(ctx context.Context, u *sohoa.User) error {
	for _, c := range u.UnitScopes {
		if err := db.requireUnit(ctx, c, "scope unit"); err != nil {
			return err
		}
	}
	roles := sqlcat.Strings(u.Roles)
	batch := []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM user_roles WHERE username = $1`, []any{u.Username}},
		{`DELETE FROM user_unit_scopes WHERE username = $1`, []any{u.Username}},
		{`INSERT INTO user_roles (username, role) SELECT $1, unnest($2::text[])`, []any{u.Username, roles}},
		{`INSERT INTO user_unit_scopes (username, unit_code) SELECT $1, unnest($2::text[])`, []any{u.Username, u.UnitScopes}},
	}
	for _, s := range batch {
		if _, err := db.q.Exec(ctx, s.sql, s.args...); err != nil {
			return wrap(err, "set roles of %q", u.Username)
		}
	}
	return nil
}

func (db *DB) CreateUser(ctx context.Context, u *sohoa.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		created := tx.nowUTC()
		tag, err := tx.q.Exec(ctx, `INSERT INTO users (username, display_name, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (username) DO NOTHING`, u.Username, u.DisplayName, created)
		if err != nil {
			return wrap(err, "create user %q", u.Username)
		}
		if tag.RowsAffected() == 0 {
			return sohoa.Errorf(sohoa.ECONFLICT, "user %q already exists", u.Username)
		}
		if err := tx.setRolesAndScopes(ctx, u); err != nil {
			return err
		}
		u.CreatedAt = created
		return nil
	})
}

func (db *DB) UpdateUser(ctx context.Context, username string, upd sohoa.UserUpdate) (*sohoa.User, error) {
	if err := sohoa.ValidateUsername(username); err != nil {
		return nil, err
	}
	var out *sohoa.User
	err := db.atomic(ctx, func(tx *DB) error {
		u, err := scanUser(tx.q.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.username = $1 FOR UPDATE`, username))
		if errors.Is(err, pgx.ErrNoRows) {
			return sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
		} else if err != nil {
			return wrap(err, "update user %q", username)
		}
		if err := upd.Apply(u); err != nil {
			return err
		}
		if _, err := tx.q.Exec(ctx, `UPDATE users SET display_name = $2 WHERE username = $1`, u.Username, u.DisplayName); err != nil {
			return wrap(err, "update user %q", username)
		}
		if err := tx.setRolesAndScopes(ctx, u); err != nil {
			return err
		}
		out = u
		return nil
	})
	return out, err
}

func (db *DB) FindUserByUsername(ctx context.Context, username string) (*sohoa.User, error) {
	if err := sohoa.ValidateUsername(username); err != nil {
		return nil, err
	}
	u, err := scanUser(db.q.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.username = $1`, username))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
	}
	return u, wrap(err, "find user %q", username)
}

func (db *DB) FindUsers(ctx context.Context) ([]*sohoa.User, error) {
	rows, err := db.q.Query(ctx, `SELECT `+userCols+` FROM users u ORDER BY u.username`)
	if err != nil {
		return nil, wrap(err, "find users")
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*sohoa.User, error) { return scanUser(r) })
	return us, wrap(err, "find users")
}

const tokenCols = `t.id, t.username, t.name, t.token_sha256, t.created_at, t.expires_at`

func scanToken(row pgx.Row) (*sohoa.APIToken, error) {
	var t sohoa.APIToken
	if err := row.Scan(&t.ID, &t.Username, &t.Name, &t.Hash, &t.CreatedAt, &t.ExpiresAt); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), utcPtr(t.ExpiresAt)
	return &t, nil
}

func (db *DB) CreateAPIToken(ctx context.Context, username, name string, expiresAt *time.Time) (*sohoa.APIToken, string, error) {
	t, err := sohoa.NewAPIToken(username, name, expiresAt)
	if err != nil {
		return nil, "", err
	}
	plaintext, hash := sohoa.NewAPITokenSecret()
	t.Hash = hash
	err = db.atomic(ctx, func(tx *DB) error {
		ok, err := tx.exists(ctx, `SELECT 1 FROM users WHERE username = $1`, username)
		if err := dialect.Require(ok, err, "user", sohoa.ENOTFOUND, "user %q not found", username); err != nil {
			return err
		}
		t.CreatedAt = tx.nowUTC()
		return wrap(tx.q.QueryRow(ctx, `INSERT INTO api_tokens (username, name, token_sha256, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, t.Username, t.Name, t.Hash, t.CreatedAt, t.ExpiresAt).Scan(&t.ID), "create API token")
	})
	if err != nil {
		return nil, "", err
	}
	return t, plaintext, nil
}

func (db *DB) Authenticate(ctx context.Context, plaintext string, now time.Time) (*sohoa.User, *sohoa.APIToken, error) {
	if plaintext == "" {
		return nil, nil, sohoa.Errorf(sohoa.EUNAUTHORIZED, "no API token")
	}
	t, err := scanToken(db.q.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens t WHERE t.token_sha256 = $1`, sohoa.HashAPIToken(plaintext)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, sohoa.Errorf(sohoa.EUNAUTHORIZED, "invalid API token")
	} else if err != nil {
		return nil, nil, wrap(err, "authenticate")
	}
	if err := sqlcat.CheckTokenExpiry(t, now); err != nil {
		return nil, nil, err
	}
	u, err := db.FindUserByUsername(ctx, t.Username)
	if err != nil {
		return nil, nil, err
	}
	if err := sqlcat.CheckUserEnabled(u); err != nil {
		return nil, nil, err
	}
	return u, t, nil
}

func (db *DB) FindAPITokens(ctx context.Context, username string) ([]*sohoa.APIToken, error) {
	if err := sohoa.ValidateUsername(username); err != nil {
		return nil, err
	}
	rows, err := db.q.Query(ctx, `SELECT `+tokenCols+` FROM api_tokens t WHERE t.username = $1 ORDER BY t.id`, username)
	if err != nil {
		return nil, wrap(err, "find API tokens")
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*sohoa.APIToken, error) { return scanToken(r) })
	return ts, wrap(err, "find API tokens")
}

func (db *DB) RevokeAPIToken(ctx context.Context, id int64) error {
	tag, err := db.q.Exec(ctx, `DELETE FROM api_tokens WHERE id = $1`, id)
	if err != nil {
		return wrap(err, "revoke API token")
	}
	if tag.RowsAffected() == 0 {
		return sohoa.Errorf(sohoa.ENOTFOUND, "API token %d not found", id)
	}
	return nil
}
