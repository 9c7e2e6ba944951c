// Package pgtest gives tests their own PostgreSQL database or schema on the
// server named by SOHOA_TEST_DATABASE_URL, so test packages can run in
// parallel without seeing each other's rows. Without the variable tests are
// skipped, unless CI is set: then they fail, so a CI run cannot pass
// without the integration tests having run.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa/internal/testenv"
)

// BaseURL returns SOHOA_TEST_DATABASE_URL, or skips t (fails it when CI is
// set) if it is empty.
func BaseURL(t testing.TB) string {
	t.Helper()
	return testenv.DatabaseURL(t)
}

var unsafe = regexp.MustCompile(`[^a-z0-9_]+`)

func randomSuffix() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewDatabase creates the database sohoa_test_<name>_<random> and returns
// a URL for it; the database is dropped when t ends.
func NewDatabase(t testing.TB, name string) string {
	t.Helper()
	base := BaseURL(t)
	dbName := "sohoa_test_" + unsafe.ReplaceAllString(strings.ToLower(name), "_") + "_" + randomSuffix()
	exec(t, base, `CREATE DATABASE `+pgx.Identifier{dbName}.Sanitize())
	t.Cleanup(func() {
		exec(t, base, `DROP DATABASE IF EXISTS `+pgx.Identifier{dbName}.Sanitize()+` WITH (FORCE)`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("SOHOA_TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + dbName
	// Migration 00006 needs pg_trgm. Made here, in public, once: tests
	// migrating schemas in parallel would otherwise race to create it, and
	// the first schema to hold it would take it along when dropped.
	exec(t, u.String(), `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`)
	return u.String()
}

// NewSchema creates a fresh schema in the database at dbURL and returns a
// URL whose connections use it (search_path), so every table, River's
// included, lands there. The schema is dropped when t ends.
func NewSchema(t testing.TB, dbURL string) string {
	t.Helper()
	schema := "s_" + randomSuffix()
	exec(t, dbURL, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { exec(t, dbURL, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`) })
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("database URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	// Tests need no crash durability; not waiting for WAL flushes makes
	// the many small DDL transactions of migrations several times faster.
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

func exec(t testing.TB, dbURL, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
