package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
)

// CatalogExists reports whether the database at url (in its search_path)
// holds a sohoa catalog, without creating one: read-only commands ask
// before Open, which would migrate an empty database into a new catalog.
func CatalogExists(ctx context.Context, url string) (bool, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return false, sohoa.Wrapf(err, sohoa.EINVALID, "database URL: %v", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("connect to PostgreSQL %s@%s/%s: %w", cfg.User, cfg.Host, cfg.Database, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL AND to_regclass('audit_log') IS NOT NULL`).Scan(&ok); err != nil {
		return false, fmt.Errorf("look for the catalog: %w", err)
	}
	return ok, nil
}
