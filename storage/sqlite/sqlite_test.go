package sqlite_test

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/migrations"
	"github.com/sohoa/sohoa/storage/catalogtest"
	"github.com/sohoa/sohoa/storage/sqlite"
)

func open(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	return db
}

func TestConformance(t *testing.T) {
	catalogtest.RunConformance(t, func(t *testing.T) sohoa.Catalog {
		return open(t, filepath.Join(t.TempDir(), "sohoa.db"))
	}, tamperer{})
}

// tamperer edits the file through its own connection, dropping the
// append-only triggers for the moment, as someone with the file could.
type tamperer struct{}

func (tp tamperer) exec(t *testing.T, c sohoa.Catalog, stmt string, args ...any) {
	t.Helper()
	require.EqualValues(t, 1, tp.run(t, c, stmt, args...))
}

func (tp tamperer) Exec(t *testing.T, c sohoa.Catalog, stmt string, args ...any) {
	t.Helper()
	tp.run(t, c, stmt, args...)
}

func (tamperer) Reopen(t *testing.T, c sohoa.Catalog, key *sohoa.AuditKey) sohoa.Catalog {
	t.Helper()
	db, err := sqlite.Open(t.Context(), c.(*sqlite.DB).Path(), nil, sqlite.WithAuditKey(key))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	return db
}

// run drops the triggers, runs stmt and puts them back, in one
// transaction, and returns the rows affected.
func (tamperer) run(t *testing.T, c sohoa.Catalog, stmt string, args ...any) int64 {
	t.Helper()
	raw, err := sql.Open("sqlite", c.(*sqlite.DB).Path()+"?_busy_timeout=10000")
	require.NoError(t, err)
	defer raw.Close()
	tx, err := raw.Begin()
	require.NoError(t, err)
	defer tx.Rollback()
	rows, err := tx.Query(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'`)
	require.NoError(t, err)
	triggers := map[string]string{}
	for rows.Next() {
		var name, sql string
		require.NoError(t, rows.Scan(&name, &sql))
		triggers[name] = sql
	}
	require.NoError(t, rows.Err())
	require.Len(t, triggers, 2)
	for name := range triggers {
		_, err = tx.Exec(`DROP TRIGGER ` + name)
		require.NoError(t, err)
	}
	res, err := tx.Exec(stmt, args...)
	require.NoError(t, err, stmt)
	n, _ := res.RowsAffected()
	for _, sql := range triggers {
		_, err = tx.Exec(sql)
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit())
	return n
}

func (tp tamperer) EditAuditRow(t *testing.T, c sohoa.Catalog, seq int64, actor string) {
	tp.exec(t, c, `UPDATE audit_log SET actor = ? WHERE seq = ?`, actor, seq)
}

func (tp tamperer) DeleteAuditRow(t *testing.T, c sohoa.Catalog, seq int64) {
	tp.exec(t, c, `DELETE FROM audit_log WHERE seq = ?`, seq)
}

func TestAuditRowsCannotBeChangedThroughSQL(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "sohoa.db"))
	require.NoError(t, db.AppendAudit(t.Context(), &sohoa.AuditEntry{Actor: "a", Action: "b"}))
	_, err := db.Writer().Exec(`UPDATE audit_log SET actor = 'x'`)
	require.ErrorContains(t, err, "append-only")
	_, err = db.Writer().Exec(`DELETE FROM audit_log`)
	require.ErrorContains(t, err, "append-only")
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nested", "dir", "sohoa.db")

	// Several processes (here: pools) opening a new file at once.
	var wg sync.WaitGroup
	dbs := make([]*sqlite.DB, 3)
	errs := make([]error, 3)
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = sqlite.Open(t.Context(), path, nil)
		}()
	}
	wg.Wait()
	for i, db := range dbs {
		require.NoError(t, errs[i])
		require.NoError(t, db.Close())
	}

	db := open(t, path)
	assert.Empty(t, db.Migrated(), "a second open applies nothing")
	cat, river, err := db.SchemaVersions(t.Context())
	require.NoError(t, err)
	assert.Equal(t, latestMigration(t, migrations.SQLite()), cat)
	assert.Positive(t, river)

	var mode string
	require.NoError(t, db.Writer().QueryRow(`PRAGMA journal_mode`).Scan(&mode))
	assert.Equal(t, "wal", mode)
	var fk int
	require.NoError(t, db.Writer().QueryRow(`PRAGMA foreign_keys`).Scan(&fk))
	assert.Equal(t, 1, fk)

	for _, bad := range []string{"", ":memory:", "file:x.db", filepath.Join(dir, "a?b.db")} {
		_, err := sqlite.Open(t.Context(), bad, nil)
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(err), bad)
	}
}

// Catalog changes in a transaction and a River job inserted with the same
// *sql.Tx commit or roll back together.
func TestDriverTxIsWriterTx(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "sohoa.db"))
	ctx := t.Context()
	require.NoError(t, db.CreateUnit(ctx, &sohoa.Unit{Code: "U", Name: "u"}))
	err := db.WithDriverTx(ctx, func(tx sohoa.Catalog, sqlTx *sql.Tx) error {
		require.NotNil(t, sqlTx)
		_, err := sqlTx.ExecContext(ctx, `INSERT INTO units (code, name, created_at) VALUES ('RAW', 'raw', '2026-01-01T00:00:00.000000Z')`)
		require.NoError(t, err)
		_, err = tx.FindUnitByCode(ctx, "RAW")
		require.NoError(t, err, "catalog reads in the tx see writes made through the handle")
		return nil
	})
	require.NoError(t, err)
	_, err = db.FindUnitByCode(ctx, "RAW")
	require.NoError(t, err)
}

// latestMigration is the highest goose version among the embedded
// migrations (the NNNNN_ prefix of their names).
func latestMigration(t *testing.T, fsys fs.FS) int64 {
	t.Helper()
	entries, err := fs.ReadDir(fsys, ".")
	require.NoError(t, err)
	var latest int64
	for _, e := range entries {
		prefix, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(prefix, 10, 64)
		require.NoError(t, err, e.Name())
		latest = max(latest, v)
	}
	return latest
}
