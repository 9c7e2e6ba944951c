package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

const userCols = `u.username, u.display_name, u.created_at,
	(SELECT json_group_array(role) FROM (SELECT role FROM user_roles r WHERE r.username = u.username ORDER BY role)),
	(SELECT json_group_array(unit_code) FROM (SELECT unit_code FROM user_unit_scopes s WHERE s.username = u.username ORDER BY unit_code)),
	u.password_hash <> '', u.disabled_at`

// scanUser reads userCols, then extra.
func scanUser(row scanner, extra ...any) (*sohoa.User, error) {
	var u sohoa.User
	var created, roles, scopes string
	var disabled sql.NullString
	if err := row.Scan(append([]any{&u.Username, &u.DisplayName, &created, &roles, &scopes, &u.HasPassword, &disabled}, extra...)...); err != nil {
		return nil, err
	}
	u.Roles, u.UnitScopes = []sohoa.Role{}, []string{}
	if err := json.Unmarshal([]byte(roles), &u.Roles); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &u.UnitScopes); err != nil {
		return nil, err
	}
	var err1, err2 error
	u.CreatedAt, err1 = parseTS(created)
	u.DisabledAt, err2 = parseTSPtr(disabled)
	return &u, errors.Join(err1, err2)
}

func (db *DB) setRolesAndScopes(ctx context.Context, u *sohoa.User) error {
	for _, c := range u.UnitScopes {
		if err := db.requireUnit(ctx, c, "scope unit"); err != nil {
			return err
		}
	}
	roles := sqlcat.Strings(u.Roles)
	for _, s := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM user_roles WHERE username = ?`, []any{u.Username}},
		{`DELETE FROM user_unit_scopes WHERE username = ?`, []any{u.Username}},
		{`INSERT INTO user_roles (username, role) SELECT ?, value FROM json_each(?)`, []any{u.Username, sqlcat.JSONList(roles)}},
		{`INSERT INTO user_unit_scopes (username, unit_code) SELECT ?, value FROM json_each(?)`, []any{u.Username, sqlcat.JSONList(u.UnitScopes)}},
	} {
		if _, err := db.w.ExecContext(ctx, s.sql, s.args...); err != nil {
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
		created, createdTS := tx.nowTS()
		res, err := tx.w.ExecContext(ctx, `INSERT INTO users (username, display_name, created_at) VALUES (?, ?, ?)
			ON CONFLICT (username) DO NOTHING`, u.Username, u.DisplayName, createdTS)
		if err != nil {
			return wrap(err, "create user %q", u.Username)
		}
		if n, _ := res.RowsAffected(); n == 0 {
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
		u, err := scanUser(tx.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.username = ?`, username))
		if errors.Is(err, sql.ErrNoRows) {
			return sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
		} else if err != nil {
			return wrap(err, "update user %q", username)
		}
		if err := upd.Apply(u); err != nil {
			return err
		}
		if _, err := tx.w.ExecContext(ctx, `UPDATE users SET display_name = ? WHERE username = ?`, u.DisplayName, u.Username); err != nil {
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
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "user %q not found", username)
	}
	return u, wrap(err, "find user %q", username)
}

func (db *DB) FindUsers(ctx context.Context) ([]*sohoa.User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+userCols+` FROM users u ORDER BY u.username`)
	us, err := collect(rows, err, func(r *sql.Rows) (*sohoa.User, error) { return scanUser(r) })
	return us, wrap(err, "find users")
}

const tokenCols = `t.id, t.username, t.name, t.token_sha256, t.created_at, t.expires_at`

func scanToken(row scanner) (*sohoa.APIToken, error) {
	var t sohoa.APIToken
	var created string
	var expires sql.NullString
	if err := row.Scan(&t.ID, &t.Username, &t.Name, &t.Hash, &created, &expires); err != nil {
		return nil, err
	}
	var err1, err2 error
	t.CreatedAt, err1 = parseTS(created)
	t.ExpiresAt, err2 = parseTSPtr(expires)
	return &t, errors.Join(err1, err2)
}

func (db *DB) CreateAPIToken(ctx context.Context, username, name string, expiresAt *time.Time) (*sohoa.APIToken, string, error) {
	t, err := sohoa.NewAPIToken(username, name, expiresAt)
	if err != nil {
		return nil, "", err
	}
	plaintext, hash := sohoa.NewAPITokenSecret()
	t.Hash = hash
	err = db.atomic(ctx, func(tx *DB) error {
		ok, err := tx.exists(ctx, `SELECT 1 FROM users WHERE username = ?`, username)
		if err := dialect.Require(ok, err, "user", sohoa.ENOTFOUND, "user %q not found", username); err != nil {
			return err
		}
		var createdTS string
		t.CreatedAt, createdTS = tx.nowTS()
		return wrap(tx.w.QueryRowContext(ctx, `INSERT INTO api_tokens (username, name, token_sha256, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, t.Username, t.Name, t.Hash, createdTS, tsPtr(t.ExpiresAt)).Scan(&t.ID), "create API token")
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
	t, err := scanToken(db.r.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens t WHERE t.token_sha256 = ?`, sohoa.HashAPIToken(plaintext)))
	if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := db.r.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens t WHERE t.username = ? ORDER BY t.id`, username)
	ts, err := collect(rows, err, func(r *sql.Rows) (*sohoa.APIToken, error) { return scanToken(r) })
	return ts, wrap(err, "find API tokens")
}

func (db *DB) RevokeAPIToken(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = ?`, id)
	if err != nil {
		return wrap(err, "revoke API token")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return sohoa.Errorf(sohoa.ENOTFOUND, "API token %d not found", id)
	}
	return nil
}
