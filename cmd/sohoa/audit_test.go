package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the attacker's PostgreSQL client
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/storage/fsblob"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
	_ "github.com/sohoa/sohoa/storage/sqlite" // registers modernc's "sqlite" driver
)

// These tests play an attacker who can write to the database (SQLite
// file, or PostgreSQL as its owner) but has not got the audit key file:
// the append-only triggers are dropped and rows changed with plain SQL,
// as such a person would. They use only the CLI and SQL, so they also run
// against a sohoa from before the audit key (where they fail: it read
// every one of these logs as intact).

// auditSite is a catalog filled through the CLI: reference data, and two
// files ingested, inspected and verified (one TOTAL_PASSED, one
// TOTAL_FAILED) into a dossier the import created.
type auditSite struct {
	backend string
	dataDir string
	dbURL   string // PostgreSQL; empty for the embedded SQLite
	vars    map[string]string
}

const (
	audUnit    = "000.00.12.G05"
	audProc    = "1.001"
	audDossier = "000.00.12.G05-261130-0007"
)

func newAuditSite(t *testing.T, backend string) *auditSite {
	t.Helper()
	s := &auditSite{backend: backend, dataDir: filepath.Join(t.TempDir(), "data")}
	s.vars = map[string]string{"SOHOA_DATA_DIR": s.dataDir, "SOHOA_TRUST_DIR": sample("trust")}
	if backend == "postgres" {
		s.dbURL = pgtest.NewDatabase(t, "cmd_sohoa_audit")
		s.vars["SOHOA_DATABASE_URL"] = s.dbURL
	}
	for _, args := range [][]string{
		{"unit", "add", audUnit, "Bộ phận Một cửa"},
		{"procedure", "add", audProc, "Cấp giấy phép", "--components", "Đơn đề nghị;Bản sao CCCD"},
	} {
		code, out, errOut := runCmd(t, s.vars, args...)
		require.Equal(t, 0, code, "%s\n%s", out, errOut)
	}
	in := t.TempDir()
	ingestCopy(t, sample("signed-valid-blt.pdf"), in, audDossier+".1.pdf")
	ingestCopy(t, sample("tampered-digest.pdf"), in, audDossier+".2.pdf")
	code, out, errOut := runCmd(t, s.vars, "ingest", "--unit", audUnit, "--procedure", audProc, in)
	require.Equal(t, 0, code, "%s\n%s", out, errOut)
	require.Contains(t, out, "1 TOTAL_PASSED, 1 TOTAL_FAILED")

	code, out, errOut = runCmd(t, s.vars, "audit", "verify")
	require.Equal(t, 0, code, "%s\n%s", out, errOut)
	require.Contains(t, out, "audit log intact")
	return s
}

func (s *auditSite) keyFile() string { return filepath.Join(s.dataDir, "audit.key") }

// db opens the attacker's own connection.
func (s *auditSite) db(t *testing.T) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if s.dbURL != "" {
		db, err = sql.Open("pgx", s.dbURL)
	} else {
		db, err = sql.Open("sqlite", filepath.Join(s.dataDir, "sohoa.db")+"?_busy_timeout=10000")
	}
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// exec drops the audit log's append-only triggers (once) and runs stmt,
// whose parameters are written ?.
func (s *auditSite) exec(t *testing.T, stmt string, args ...any) {
	t.Helper()
	db := s.db(t)
	drops := []string{`DROP TRIGGER IF EXISTS audit_log_no_update`, `DROP TRIGGER IF EXISTS audit_log_no_delete`}
	if s.dbURL != "" {
		drops = []string{`DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log`, `DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log`}
		n := 0
		stmt = replaceEach(stmt, "?", func() string { n++; return "$" + strconv.Itoa(n) })
	}
	for _, q := range drops {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	_, err := db.Exec(stmt, args...)
	require.NoError(t, err, stmt)
}

func replaceEach(s, old string, repl func() string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			return b.String() + s
		}
		b.WriteString(s[:i] + repl())
		s = s[i+len(old):]
	}
}

// hasColumn says whether the catalog has table.column (the audit key's
// columns exist from migration 4 on).
func (s *auditSite) hasColumn(t *testing.T, table, column string) bool {
	_, err := s.db(t).Exec(`SELECT ` + column + ` FROM ` + table + ` WHERE 1 = 0`)
	return err == nil
}

type auditRow struct {
	seq                                         int64
	at, actor, action, object, details, prevHex string
}

func (s *auditSite) rows(t *testing.T) []auditRow {
	t.Helper()
	rs, err := s.db(t).Query(`SELECT seq, at, actor, action, object, details, prev_hash FROM audit_log ORDER BY seq`)
	require.NoError(t, err)
	defer rs.Close()
	var out []auditRow
	for rs.Next() {
		var r auditRow
		var at, details any
		require.NoError(t, rs.Scan(&r.seq, &at, &r.actor, &r.action, &r.object, &details, &r.prevHex))
		switch v := at.(type) {
		case time.Time:
			r.at = v.UTC().Format("2006-01-02T15:04:05.000000Z")
		case string:
			r.at = v
		default:
			t.Fatalf("at: %T", at)
		}
		switch v := details.(type) {
		case []byte:
			r.details = string(v)
		case string:
			r.details = v
		}
		out = append(out, r)
	}
	require.NoError(t, rs.Err())
	return out
}

// unkeyedHash is how the log hashed rows before it had a key, and how
// anyone with the database can still hash one: SHA-256 over the previous
// hash and the length-prefixed fields.
func unkeyedHash(prevHex string, r auditRow) string {
	var b []byte
	for _, f := range []string{"sohoa-audit-v1", strconv.FormatInt(r.seq, 10), r.at, r.actor, r.action, r.object, r.details} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	prev, _ := hex.DecodeString(prevHex)
	sum := sha256.Sum256(append(prev, b...))
	return hex.EncodeToString(sum[:])
}

// setHead moves the head, and clears its seal where there is one (it
// cannot be recomputed without the key).
func (s *auditSite) setHead(t *testing.T, seq int64, hash string) {
	t.Helper()
	if s.hasColumn(t, "audit_head", "mac") {
		s.exec(t, `UPDATE audit_head SET seq = ?, hash = ?, key_id = '', mac = ''`, seq, hash)
	} else {
		s.exec(t, `UPDATE audit_head SET seq = ?, hash = ?`, seq, hash)
	}
}

func (s *auditSite) auditVerify(t *testing.T) (int, string, string) {
	t.Helper()
	return runCmd(t, s.vars, "audit", "verify")
}

func TestAuditVerifyTampering(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			if backend == "postgres" {
				pgtest.BaseURL(t)
			}
			t.Run("row edited, chain and head recomputed without the key", func(t *testing.T) {
				t.Parallel()
				s := newAuditSite(t, backend)
				rows := s.rows(t)
				require.Greater(t, len(rows), 4)
				rows[1].actor = "mallory" // who created the procedure
				prev := rows[0].prevHex
				hash := ""
				for i, r := range rows {
					if i == 0 {
						// Row 1 stays; its stored hash is the next row's prev_hash.
						prev = rows[1].prevHex
						continue
					}
					hash = unkeyedHash(prev, r)
					if s.hasColumn(t, "audit_log", "key_id") {
						s.exec(t, `UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ?, key_id = '' WHERE seq = ?`, r.actor, prev, hash, r.seq)
					} else {
						s.exec(t, `UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?`, r.actor, prev, hash, r.seq)
					}
					prev = hash
				}
				s.setHead(t, rows[len(rows)-1].seq, hash)

				code, out, errOut := s.auditVerify(t)
				assert.Equal(t, 1, code, "%s\n%s", out, errOut)
				assert.Contains(t, out, "audit log BROKEN at seq 2")
			})
			t.Run("tail cut and head moved back", func(t *testing.T) {
				t.Parallel()
				s := newAuditSite(t, backend)
				rows := s.rows(t)
				keep := rows[len(rows)-3] // the last ones record the verdicts
				var keepHash string
				require.NoError(t, s.db(t).QueryRow(`SELECT hash FROM audit_log WHERE seq = `+strconv.FormatInt(keep.seq, 10)).Scan(&keepHash))
				s.exec(t, `DELETE FROM audit_log WHERE seq > ?`, keep.seq)
				s.exec(t, `UPDATE audit_head SET seq = ?, hash = ?`, keep.seq, keepHash)

				code, out, errOut := s.auditVerify(t)
				assert.Equal(t, 1, code, "%s\n%s", out, errOut)
				assert.Contains(t, out, fmt.Sprintf("audit log BROKEN at seq %d: the head (seq %d) was moved or edited without the key", keep.seq, keep.seq))

				// The next append must not seal the cut over.
				code, _, errOut = runCmd(t, s.vars, "unit", "add", "U2", "Another unit")
				assert.NotEqual(t, 0, code)
				assert.Contains(t, errOut, "audit key "+s.keyFile())
				assert.Contains(t, errOut, "was changed without the key")
			})
			t.Run("everything deleted", func(t *testing.T) {
				t.Parallel()
				s := newAuditSite(t, backend)
				s.exec(t, `DELETE FROM audit_log`)
				s.setHead(t, 0, strings.Repeat("0", 64))

				code, out, errOut := s.auditVerify(t)
				assert.Equal(t, 1, code, "%s\n%s", out, errOut)
				assert.Contains(t, out, "audit log BROKEN at seq 1: the head (seq 0) is not sealed although the log has an audit key")
				assert.NotContains(t, out, "intact")
				code, _, errOut = runCmd(t, s.vars, "unit", "add", "U2", "Another unit")
				assert.NotEqual(t, 0, code, "a wiped log is not sealed again")
				assert.Contains(t, errOut, "is not sealed")
			})
			t.Run("document pointed at another blob", func(t *testing.T) {
				t.Parallel()
				s := newAuditSite(t, backend)
				// The attacker stores their own file and points the
				// failing document at it: fsck finds nothing wrong.
				blobs, err := fsblob.New(filepath.Join(s.dataDir, "blobs"), fsblob.Options{})
				require.NoError(t, err)
				f, err := os.Open(sample("unsigned.pdf"))
				require.NoError(t, err)
				info, err := blobs.Put(t.Context(), f)
				f.Close()
				require.NoError(t, err)
				failed := ingestSHA(t, sample("tampered-digest.pdf"))
				s.exec(t, `UPDATE documents SET blob_key = ?, size = ? WHERE blob_key = ?`, info.Key, info.Size, failed)
				code, out, errOut := runCmd(t, s.vars, "fsck")
				require.Equal(t, 0, code, "%s\n%s", out, errOut)

				code, out, errOut = s.auditVerify(t)
				assert.Equal(t, 1, code, "%s\n%s", out, errOut)
				assert.Contains(t, out, "audit log intact", "the chain holds: the catalog was changed")
				assert.Contains(t, out, "catalog DIFFERS from the log: 2 mismatches")
				assert.Regexp(t, `log row \d+ document:\d+: sha256: log says `+failed+`, catalog says `+info.Key, out)
				assert.Regexp(t, `log row \d+ document:\d+: size: log says \d+, catalog says `+strconv.FormatInt(info.Size, 10), out)
			})
			t.Run("verification indication changed", func(t *testing.T) {
				t.Parallel()
				s := newAuditSite(t, backend)
				s.exec(t, `UPDATE verifications SET indication = 'TOTAL_PASSED', sub_indication = '' WHERE indication = 'TOTAL_FAILED'`)
				code, out, errOut := s.auditVerify(t)
				assert.Equal(t, 1, code, "%s\n%s", out, errOut)
				assert.Regexp(t, `log row \d+ verification:\d+: indication: log says TOTAL_FAILED, catalog says TOTAL_PASSED`, out)
				assert.Regexp(t, `log row \d+ verification:\d+: sub_indication: log says HASH_FAILURE, catalog says ""`, out)

				code, out, _ = runCmd(t, s.vars, "audit", "verify", "--json")
				assert.Equal(t, 1, code)
				var res struct {
					OK         bool `json:"ok"`
					CrossCheck struct {
						Mismatches []struct {
							Seq                         int64
							Object, Field, Log, Catalog string
						} `json:"mismatches"`
					} `json:"cross_check"`
				}
				require.NoError(t, json.Unmarshal([]byte(out), &res), out)
				assert.False(t, res.OK)
				require.Len(t, res.CrossCheck.Mismatches, 2)
				m := res.CrossCheck.Mismatches[0]
				assert.Positive(t, m.Seq)
				assert.Equal(t, "indication", m.Field)
				assert.Equal(t, "TOTAL_FAILED", m.Log)
				assert.Equal(t, "TOTAL_PASSED", m.Catalog)
			})
			t.Run("key file readable by others", func(t *testing.T) {
				t.Parallel()
				s := newAuditSite(t, backend)
				require.NoError(t, os.Chmod(s.keyFile(), 0o644))
				for _, args := range [][]string{{"audit", "verify"}, {"unit", "add", "U2", "Another unit"}, {"status", audDossier}} {
					code, out, errOut := runCmd(t, s.vars, args...)
					assert.NotEqual(t, 0, code, "%v: %s", args, out)
					assert.Contains(t, errOut, "audit key file "+s.keyFile()+" has mode 0644", "%v", args)
					assert.Contains(t, errOut, "refusing to use it", "%v", args)
				}
				require.NoError(t, os.Chmod(s.keyFile(), 0o600))
				code, _, errOut := s.auditVerify(t)
				assert.Equal(t, 0, code, errOut)
			})
			t.Run("key file missing", func(t *testing.T) {
				t.Parallel()
				s := newAuditSite(t, backend)
				moved := filepath.Join(t.TempDir(), "audit.key")
				require.NoError(t, os.Rename(s.keyFile(), moved))

				code, out, errOut := s.auditVerify(t)
				assert.Equal(t, 1, code, "%s\n%s", out, errOut)
				assert.Contains(t, errOut, "the audit log is keyed, and the key file "+s.keyFile()+" does not exist")
				code, _, errOut = runCmd(t, s.vars, "unit", "add", "U2", "Another unit")
				assert.NotEqual(t, 0, code)
				assert.Contains(t, errOut, "but the key file "+s.keyFile()+" does not exist")
				assert.Contains(t, errOut, "does not make a new key")
				assert.NoFileExists(t, s.keyFile(), "no new key was made")
				assert.NoFileExists(t, s.keyFile()+".new")

				// The key from elsewhere (another host's copy) works.
				vars := map[string]string{"SOHOA_AUDIT_KEY_FILE": moved}
				for k, v := range s.vars {
					vars[k] = v
				}
				code, out, errOut = runCmd(t, vars, "audit", "verify")
				assert.Equal(t, 0, code, "%s\n%s", out, errOut)
				code, _, errOut = runCmd(t, vars, "unit", "add", "U2", "Another unit", "--audit-key-file", moved)
				assert.Equal(t, 0, code, errOut)
			})
		})
	}
}

func TestAuditVerifyNeedsACatalog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	code, out, errOut := runCmd(t, map[string]string{"SOHOA_DATA_DIR": dir}, "audit", "verify")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, errOut, "data directory "+dir+" does not exist")
	assert.NoDirExists(t, dir, "nothing was created")

	require.NoError(t, os.MkdirAll(dir, 0o755))
	code, out, errOut = runCmd(t, map[string]string{"SOHOA_DATA_DIR": dir}, "audit", "verify")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, errOut, "no catalog in data directory "+dir)
	assert.NotContains(t, out, "intact")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no catalog, no key")

	t.Run("postgres", func(t *testing.T) {
		url := pgtest.NewDatabase(t, "cmd_sohoa_audit_empty")
		vars := map[string]string{"SOHOA_DATABASE_URL": url, "SOHOA_DATA_DIR": t.TempDir()}
		code, out, errOut := runCmd(t, vars, "audit", "verify")
		assert.Equal(t, 1, code, out)
		assert.Contains(t, errOut, "no sohoa catalog in PostgreSQL")
		db, err := sql.Open("pgx", url)
		require.NoError(t, err)
		defer db.Close()
		var tables int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables))
		assert.Zero(t, tables, "nothing was created")
	})
}

// TestAuditKeyMultiHost: hosts sharing one PostgreSQL catalog each need a
// copy of the one key file; the first start makes it, a host without it is
// refused, never given a key of its own.
func TestAuditKeyMultiHost(t *testing.T) {
	url := pgtest.NewDatabase(t, "cmd_sohoa_audit_hosts")
	hostA := map[string]string{"SOHOA_DATABASE_URL": url, "SOHOA_DATA_DIR": t.TempDir()}
	hostB := map[string]string{"SOHOA_DATABASE_URL": url, "SOHOA_DATA_DIR": t.TempDir()}

	code, out, errOut := runCmd(t, hostA, "migrate")
	require.Equal(t, 0, code, errOut)
	keyA := filepath.Join(hostA["SOHOA_DATA_DIR"], "audit.key")
	assert.Contains(t, out, "audit key: "+keyA)
	assert.Contains(t, errOut, "made the audit key "+keyA)
	fi, err := os.Stat(keyA)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	assert.EqualValues(t, 32, fi.Size())

	keyB := filepath.Join(hostB["SOHOA_DATA_DIR"], "audit.key")
	code, _, errOut = runCmd(t, hostB, "unit", "add", "U1", "Một cửa")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "the key file "+keyB+" does not exist: copy it from a host")
	assert.NoFileExists(t, keyB)

	secret, err := os.ReadFile(keyA)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(keyB, secret, 0o600))
	code, _, errOut = runCmd(t, hostB, "unit", "add", "U1", "Một cửa")
	require.Equal(t, 0, code, errOut)
	code, _, errOut = runCmd(t, hostA, "unit", "add", "U2", "Một cửa 2")
	require.Equal(t, 0, code, errOut)
	for _, host := range []map[string]string{hostA, hostB} {
		code, out, errOut = runCmd(t, host, "audit", "verify")
		require.Equal(t, 0, code, "%s\n%s", out, errOut)
		assert.Contains(t, out, "audit log intact: 3 entries, sealed with audit key")
	}
	// The key's bytes are never printed.
	assert.NotContains(t, out+errOut, hex.EncodeToString(secret)[:16])

	// A host with another catalog's key is refused.
	other := filepath.Join(t.TempDir(), "other.key")
	otherSecret := make([]byte, 32)
	require.NoError(t, os.WriteFile(other, otherSecret, 0o600))
	code, _, errOut = runCmd(t, hostB, "unit", "add", "U3", "x", "--audit-key-file", other)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, "audit key "+other)
	assert.Contains(t, errOut, "sealed with another audit key")
}

func TestAuditUsage(t *testing.T) {
	vars := map[string]string{"SOHOA_DATA_DIR": t.TempDir()}
	code, _, _ := runCmd(t, vars, "audit")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCmd(t, vars, "audit", "list")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCmd(t, vars, "help", "audit")
	assert.Equal(t, 0, code)
}
