package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/migrations"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
)

// runCmd runs sohoa in-process with the given environment.
func runCmd(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: bytes.NewReader(nil), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code = run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestMigrateSQLite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := map[string]string{"SOHOA_DATA_DIR": dir}

	code, out, errOut := runCmd(t, vars, "migrate")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "SQLite "+filepath.Join(dir, "sohoa.db"))
	assert.Contains(t, out, "applied: catalog 1 00001_catalog.sql")
	assert.Contains(t, out, "applied: river 1 ")
	assert.FileExists(t, filepath.Join(dir, "sohoa.db"))

	code, out, errOut = runCmd(t, vars, "migrate")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "already up to date")
	assert.Contains(t, out, fmt.Sprintf("catalog version %d", latestMigration(t)))

	// The flag wins over the environment.
	other := filepath.Join(t.TempDir(), "other")
	code, _, errOut = runCmd(t, vars, "migrate", "--data-dir", other)
	require.Equal(t, 0, code, errOut)
	assert.FileExists(t, filepath.Join(other, "sohoa.db"))

	code, _, _ = runCmd(t, vars, "migrate", "extra")
	assert.Equal(t, exitUsage, code)
	code, _, errOut = runCmd(t, map[string]string{"SOHOA_DATABASE_URL": "mysql://x"}, "migrate")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "postgres://")
}

func TestMigrateDefaultDataDir(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errOut := runCmd(t, map[string]string{}, "migrate")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, filepath.Join("sohoa-data", "sohoa.db"))
	assert.FileExists(t, filepath.Join("sohoa-data", "sohoa.db"))
}

func TestMigratePostgres(t *testing.T) {
	url := pgtest.NewDatabase(t, "cmd_sohoa_migrate")
	vars := map[string]string{"SOHOA_DATABASE_URL": url, "SOHOA_DATA_DIR": t.TempDir()}
	code, out, errOut := runCmd(t, vars, "migrate")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "PostgreSQL postgres://")
	assert.Contains(t, out, "applied: catalog 1 00001_catalog.sql")
	code, out, errOut = runCmd(t, vars, "migrate")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "already up to date")
}

func TestRedactURL(t *testing.T) {
	assert.Equal(t, "postgres://sohoa:***@db:5432/sohoa", redactURL("postgres://sohoa:s3cret@db:5432/sohoa"))
	assert.Equal(t, "postgres://postgres@127.0.0.1/x", redactURL("postgres://postgres@127.0.0.1/x"))
}

// latestMigration is the highest goose version among the embedded SQLite
// migrations (the NNNNN_ prefix of their names).
func latestMigration(t *testing.T) int64 {
	t.Helper()
	entries, err := fs.ReadDir(migrations.SQLite(), ".")
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
