package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/postgres"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
)

func testKey(t *testing.T, n byte) *sohoa.AuditKey {
	t.Helper()
	secret := make([]byte, sohoa.AuditKeySize)
	for i := range secret {
		secret[i] = n + byte(i)*7
	}
	k, err := sohoa.NewAuditKey(secret)
	require.NoError(t, err)
	return k
}

// openAt opens the catalog at url holding key (nil: none); without a
// background sealer unless sealer is set.
func openAt(t *testing.T, url string, key *sohoa.AuditKey, sealer bool) *postgres.DB {
	t.Helper()
	opts := []postgres.Option{postgres.WithAuditKey(key)}
	if !sealer {
		opts = append(opts, postgres.WithoutSealerForTest())
	}
	db, err := postgres.Open(t.Context(), url, nil, opts...)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return db
}

func count(t *testing.T, db *postgres.DB, sql string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.Pool().QueryRow(t.Context(), sql).Scan(&n))
	return n
}

// appendTx appends n entries, each in a transaction of its own.
func appendTx(t *testing.T, db *postgres.DB, prefix string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		require.NoError(t, db.WithTx(t.Context(), func(tx sohoa.Catalog) error {
			return tx.AppendAudit(t.Context(), &sohoa.AuditEntry{Actor: "a", Action: "test.pending", Object: fmt.Sprintf("%s:%d", prefix, i)})
		}))
	}
}

// TestAuditPending covers what only PostgreSQL has: entries appended in a
// transaction wait in audit_pending until a sealer chains them.
func TestAuditPending(t *testing.T) {
	dbURL := pgtest.NewDatabase(t, "storage_postgres_audit")

	// A crash between the commits and the sealing leaves pending rows:
	// the next catalog opened on the database chains them, in order.
	t.Run("SealedAfterReopen", func(t *testing.T) {
		ctx := t.Context()
		url := pgtest.NewSchema(t, dbURL)
		key := testKey(t, 1)
		db := openAt(t, url, key, false)
		require.NoError(t, db.SealAuditHead(ctx, key))
		appendTx(t, db, "x", 5)
		assert.Equal(t, int64(5), count(t, db, `SELECT count(*) FROM audit_pending`), "committed, not sealed")
		assert.Equal(t, int64(1), count(t, db, `SELECT count(*) FROM audit_log`))
		db.Close() // no sealer: as if the process died

		again := openAt(t, url, key, false)
		es, err := again.FindAuditEntries(ctx, sohoa.AuditFilter{Action: "test.pending"})
		require.NoError(t, err)
		require.Len(t, es, 5)
		for i, e := range es {
			assert.Equal(t, fmt.Sprintf("x:%d", i), e.Object)
			assert.Equal(t, int64(i+2), e.Seq)
			assert.Equal(t, key.ID(), e.KeyID)
		}
		assert.Zero(t, count(t, again, `SELECT count(*) FROM audit_pending`))
		res, err := again.VerifyAudit(ctx)
		require.NoError(t, err)
		assert.True(t, res.OK, "%+v", res)
		assert.Equal(t, int64(6), res.Entries)
		assert.Zero(t, res.Sealed, "FindAuditEntries sealed them")
	})

	// VerifyAuditChain seals what is pending first and says how many.
	t.Run("VerifySealsFirst", func(t *testing.T) {
		ctx := t.Context()
		db := openAt(t, pgtest.NewSchema(t, dbURL), nil, false)
		appendTx(t, db, "v", 3)
		res, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		assert.True(t, res.OK, "%+v", res)
		assert.Equal(t, int64(3), res.Sealed)
		assert.Equal(t, int64(3), res.Entries)
		assert.Zero(t, res.Pending)
	})

	// The background sealer chains entries without any reader.
	t.Run("BackgroundSealer", func(t *testing.T) {
		url := pgtest.NewSchema(t, dbURL)
		db := openAt(t, url, nil, true)
		appendTx(t, db, "b", 20)
		require.Eventually(t, func() bool {
			return count(t, db, `SELECT count(*) FROM audit_pending`) == 0
		}, 30*time.Second, 10*time.Millisecond)
		assert.Equal(t, int64(20), count(t, db, `SELECT count(*) FROM audit_log`))
		// And on Close, what is left.
		other := openAt(t, url, nil, true)
		appendTx(t, other, "c", 3)
		other.Close()
		assert.Zero(t, count(t, db, `SELECT count(*) FROM audit_pending`))
		assert.Equal(t, int64(23), count(t, db, `SELECT count(*) FROM audit_log`))
	})

	// A catalog without the log's key cannot seal: it reads what is sealed,
	// and the entries wait for one holding the key.
	t.Run("NoKeyReaderLeavesPending", func(t *testing.T) {
		ctx := t.Context()
		url := pgtest.NewSchema(t, dbURL)
		key := testKey(t, 2)
		db := openAt(t, url, key, false)
		require.NoError(t, db.SealAuditHead(ctx, key))
		appendTx(t, db, "k", 2)
		nokey := openAt(t, url, nil, false)
		es, err := nokey.FindAuditEntries(ctx, sohoa.AuditFilter{})
		require.NoError(t, err)
		assert.Len(t, es, 1, "only the sealed audit.key row")
		head, err := nokey.ReadAuditHead(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(1), head.Seq)
		_, err = nokey.VerifyAuditChain(ctx)
		assert.ErrorIs(t, err, sohoa.ErrAuditKeyRequired)
		assert.Equal(t, int64(2), count(t, db, `SELECT count(*) FROM audit_pending`))
		es, err = db.FindAuditEntries(ctx, sohoa.AuditFilter{})
		require.NoError(t, err)
		assert.Len(t, es, 3)
	})

	// Rows written into audit_pending without the key are never chained
	// as keyed rows: the sealer marks them rejected and verification
	// reports them.
	t.Run("ForgedPendingRowsRejected", func(t *testing.T) {
		ctx := t.Context()
		url := pgtest.NewSchema(t, dbURL)
		key := testKey(t, 3)
		db := openAt(t, url, key, false)
		require.NoError(t, db.SealAuditHead(ctx, key))
		appendTx(t, db, "ok", 1)
		_, err := db.Pool().Exec(ctx, `INSERT INTO audit_pending (at, actor, action, object, details, key_id, mac) VALUES
			(now(), 'mallory', 'user.create', 'user:mallory', '{}', $1, 'forged'),
			(now(), 'mallory', 'user.create', 'user:mallory2', '{}', '', '')`, key.ID())
		require.NoError(t, err)
		appendTx(t, db, "ok2", 1)

		res, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		assert.False(t, res.OK)
		assert.Equal(t, int64(2), res.Sealed)
		assert.Equal(t, int64(2), res.Rejected)
		assert.Equal(t, int64(4), res.FirstBrokenSeq)
		assert.Contains(t, res.Problem, "refused by the sealer")
		es, err := db.FindAuditEntries(ctx, sohoa.AuditFilter{Actor: "mallory"})
		require.NoError(t, err)
		assert.Empty(t, es)
		assert.Equal(t, int64(2), count(t, db, `SELECT count(*) FROM audit_pending WHERE rejected <> ''`), "kept as evidence")
		es, err = db.FindAuditEntries(ctx, sohoa.AuditFilter{Action: "test.pending"})
		require.NoError(t, err)
		require.Len(t, es, 2)
		assert.Equal(t, int64(3), es[1].Seq)
	})

	// Entries appended unkeyed before a key is put in service are chained
	// unkeyed, before the audit.key row.
	t.Run("SealAuditHeadChainsUnkeyedFirst", func(t *testing.T) {
		ctx := t.Context()
		url := pgtest.NewSchema(t, dbURL)
		old := openAt(t, url, nil, false)
		appendTx(t, old, "u", 2)
		key := testKey(t, 4)
		db := openAt(t, url, key, false)
		require.NoError(t, db.SealAuditHead(ctx, key))
		es, err := db.FindAuditEntries(ctx, sohoa.AuditFilter{})
		require.NoError(t, err)
		require.Len(t, es, 3)
		assert.Empty(t, es[0].KeyID)
		assert.Empty(t, es[1].KeyID)
		assert.Equal(t, sohoa.AuditKeyInService, es[2].Action)
		assert.JSONEq(t, `{"key_id":"`+key.ID()+`","unkeyed_rows":2}`, string(es[2].Details))
		res, err := db.VerifyAuditChain(ctx)
		require.NoError(t, err)
		assert.True(t, res.OK, "%+v", res)
	})
}
