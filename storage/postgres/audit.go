package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

const auditCols = `seq, at, actor, action, object, details, prev_hash, hash`

func scanAudit(row pgx.Row) (*sohoa.AuditEntry, error) {
	var e sohoa.AuditEntry
	var details []byte
	if err := row.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Object, &details, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.Details = json.RawMessage(details)
	e.At = e.At.UTC()
	return &e, nil
}

// AppendAudit locks the audit_head row, so appends are serialised across
// every connection and process until the appending transaction ends.
func (db *DB) AppendAudit(ctx context.Context, e *sohoa.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		var seq int64
		var hash string
		if err := tx.q.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id FOR UPDATE`).Scan(&seq, &hash); err != nil {
			return wrap(err, "read audit head")
		}
		e.Seal(seq, hash, tx.now())
		// One statement (one round trip) writes the row and advances the head.
		_, err := tx.q.Exec(ctx, `WITH entry AS (
				INSERT INTO audit_log (`+auditCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			)
			UPDATE audit_head SET seq = $1, hash = $8 WHERE id`,
			e.Seq, e.At, e.Actor, e.Action, e.Object, string(e.Details), e.PrevHash, e.Hash)
		return wrap(err, "append audit entry")
	})
}

func (db *DB) FindAuditEntries(ctx context.Context, f sohoa.AuditFilter) ([]*sohoa.AuditEntry, error) {
	a := dialect.Args()
	from, err := sqlcat.AuditFrom(&f, &a)
	if err != nil {
		return nil, err
	}
	rows, err := db.q.Query(ctx, `SELECT `+auditCols+from, a.Values...)
	if err != nil {
		return nil, wrap(err, "find audit entries")
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*sohoa.AuditEntry, error) { return scanAudit(r) })
	return es, wrap(err, "find audit entries")
}

// VerifyAuditChain reads the head and every row in one repeatable-read
// snapshot, so appends running meanwhile cannot look like tampering.
func (db *DB) VerifyAuditChain(ctx context.Context) (*sohoa.AuditCheck, error) {
	if db.tx != nil {
		return db.verifyAuditChain(ctx)
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, wrap(err, "verify audit chain")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	snap := &DB{pool: db.pool, q: tx, tx: tx, log: db.log, now: db.now}
	return snap.verifyAuditChain(ctx)
}

func (db *DB) verifyAuditChain(ctx context.Context) (*sohoa.AuditCheck, error) {
	var headSeq int64
	var headHash string
	if err := db.q.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id`).Scan(&headSeq, &headHash); err != nil {
		return nil, wrap(err, "read audit head")
	}
	return sqlcat.VerifyAuditChain(headSeq, headHash, func(after int64, n int) ([]*sohoa.AuditEntry, error) {
		rows, err := db.q.Query(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, n)
		if err != nil {
			return nil, wrap(err, "verify audit chain")
		}
		es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*sohoa.AuditEntry, error) { return scanAudit(r) })
		return es, wrap(err, "verify audit chain")
	})
}
