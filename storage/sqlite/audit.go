package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

const auditCols = `seq, at, actor, action, object, details, prev_hash, hash`

func scanAudit(row scanner) (*sohoa.AuditEntry, error) {
	var e sohoa.AuditEntry
	var at, details string
	if err := row.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Object, &details, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.Details = json.RawMessage(details)
	var err error
	e.At, err = parseTS(at)
	return &e, err
}

func scanAudits(r *sql.Rows) (*sohoa.AuditEntry, error) { return scanAudit(r) }

// AppendAudit runs in an IMMEDIATE transaction on the single writer, so
// appends are serialised across connections and processes.
func (db *DB) AppendAudit(ctx context.Context, e *sohoa.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		var seq int64
		var hash string
		if err := tx.r.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
			return wrap(err, "read audit head")
		}
		e.Seal(seq, hash, tx.now())
		if _, err := tx.w.ExecContext(ctx, `INSERT INTO audit_log (`+auditCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, ts(e.At), e.Actor, e.Action, e.Object, string(e.Details), e.PrevHash, e.Hash); err != nil {
			return wrap(err, "append audit entry")
		}
		_, err := tx.w.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash)
		return wrap(err, "advance audit head")
	})
}

func (db *DB) FindAuditEntries(ctx context.Context, f sohoa.AuditFilter) ([]*sohoa.AuditEntry, error) {
	a := dialect.Args()
	from, err := sqlcat.AuditFrom(&f, &a)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+auditCols+from, a.Values...)
	es, err := collect(rows, err, scanAudits)
	return es, wrap(err, "find audit entries")
}

// VerifyAuditChain reads the head and every row in one read transaction
// (a WAL snapshot), so appends running meanwhile cannot look like tampering.
func (db *DB) VerifyAuditChain(ctx context.Context) (*sohoa.AuditCheck, error) {
	if db.tx != nil {
		return db.verifyAuditChain(ctx, db.tx)
	}
	tx, err := db.reader.BeginTx(ctx, nil)
	if err != nil {
		return nil, wrap(err, "verify audit chain")
	}
	defer func() { _ = tx.Rollback() }()
	return db.verifyAuditChain(ctx, tx)
}

func (db *DB) verifyAuditChain(ctx context.Context, q querier) (*sohoa.AuditCheck, error) {
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return nil, wrap(err, "read audit head")
	}
	return sqlcat.VerifyAuditChain(headSeq, headHash, func(after int64, n int) ([]*sohoa.AuditEntry, error) {
		rows, err := q.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`, after, n)
		es, err := collect(rows, err, scanAudits)
		return es, wrap(err, "verify audit chain")
	})
}
