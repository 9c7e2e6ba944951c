package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

// WithAuditKey makes the catalog append keyed audit rows and verify the
// log with key (see sohoa.AuditLog).
func WithAuditKey(key *sohoa.AuditKey) Option { return func(db *DB) { db.key = key } }

func scanAudit(row scanner) (*sohoa.AuditEntry, error) {
	var e sohoa.AuditEntry
	var at, details string
	if err := row.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Object, &details, &e.PrevHash, &e.Hash, &e.KeyID); err != nil {
		return nil, err
	}
	e.Details = json.RawMessage(details)
	var err error
	e.At, err = parseTS(at)
	return &e, err
}

func scanAudits(r *sql.Rows) (*sohoa.AuditEntry, error) { return scanAudit(r) }

func readHead(ctx context.Context, q querier) (*sohoa.AuditHead, error) {
	var h sohoa.AuditHead
	err := q.QueryRowContext(ctx, `SELECT `+sqlcat.AuditHeadCols+` FROM audit_head WHERE id = 1`).Scan(&h.Seq, &h.Hash, &h.KeyID, &h.MAC)
	if err != nil {
		return nil, wrap(err, "read audit head")
	}
	return &h, nil
}

func (db *DB) writeHead(ctx context.Context, h *sohoa.AuditHead) error {
	_, err := db.w.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ?, key_id = ?, mac = ? WHERE id = 1`, h.Seq, h.Hash, h.KeyID, h.MAC)
	return wrap(err, "advance audit head")
}

// AppendAudit runs in an IMMEDIATE transaction on the single writer, so
// appends are serialised across connections and processes.
func (db *DB) AppendAudit(ctx context.Context, e *sohoa.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		head, err := readHead(ctx, tx.r)
		if err != nil {
			return err
		}
		return tx.appendAfter(ctx, head, e, tx.key)
	})
}

// appendAfter appends e after head, sealed with key, and advances the head.
func (db *DB) appendAfter(ctx context.Context, head *sohoa.AuditHead, e *sohoa.AuditEntry, key *sohoa.AuditKey) error {
	next, err := sqlcat.NextAudit(head, e, key, db.now())
	if err != nil {
		return err
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO audit_log (`+sqlcat.AuditCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, ts(e.At), e.Actor, e.Action, e.Object, string(e.Details), e.PrevHash, e.Hash, e.KeyID); err != nil {
		return wrap(err, "append audit entry")
	}
	return db.writeHead(ctx, &next)
}

func (db *DB) FindAuditEntries(ctx context.Context, f sohoa.AuditFilter) ([]*sohoa.AuditEntry, error) {
	a := dialect.Args()
	from, err := sqlcat.AuditFrom(&f, &a)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+sqlcat.AuditCols+from, a.Values...)
	es, err := collect(rows, err, scanAudits)
	return es, wrap(err, "find audit entries")
}

func (db *DB) ReadAuditHead(ctx context.Context) (*sohoa.AuditHead, error) {
	return readHead(ctx, db.r)
}

func (db *DB) SealAuditHead(ctx context.Context, key *sohoa.AuditKey) error {
	return db.atomic(ctx, func(tx *DB) error {
		head, err := readHead(ctx, tx.r)
		if err != nil {
			return err
		}
		var keyed bool
		if err := tx.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM audit_log WHERE key_id <> '')`).Scan(&keyed); err != nil {
			return wrap(err, "look for keyed audit rows")
		}
		changed, err := sqlcat.SealHead(head, key, keyed)
		if err != nil || !changed {
			return err
		}
		return tx.appendAfter(ctx, head, sqlcat.KeyEntry(key, head.Seq), key)
	})
}

// VerifyAuditChain reads the head and every row in one read transaction
// (a WAL snapshot), so appends running meanwhile cannot look like tampering.
func (db *DB) VerifyAuditChain(ctx context.Context) (*sohoa.AuditCheck, error) {
	return db.verifyAudit(ctx, false)
}

// VerifyAudit is VerifyAuditChain and the cross-check, in one snapshot.
func (db *DB) VerifyAudit(ctx context.Context) (*sohoa.AuditCheck, error) {
	return db.verifyAudit(ctx, true)
}

func (db *DB) verifyAudit(ctx context.Context, crossCheck bool) (*sohoa.AuditCheck, error) {
	q := querier(db.tx)
	if db.tx == nil {
		tx, err := db.reader.BeginTx(ctx, nil)
		if err != nil {
			return nil, wrap(err, "verify audit log")
		}
		defer func() { _ = tx.Rollback() }()
		q = tx
	}
	return sqlcat.VerifyAudit(auditSource(ctx, q), db.key, crossCheck)
}

// inspectionOutcomeCols are inspectionCols without the findings.
var inspectionOutcomeCols = strings.Replace(inspectionCols, "i.findings", "'[]'", 1)

func auditSource(ctx context.Context, q querier) sqlcat.AuditSource {
	return sqlcat.AuditSource{
		Head: func() (*sohoa.AuditHead, error) { return readHead(ctx, q) },
		Entries: func(after int64, n int) ([]*sohoa.AuditEntry, error) {
			rows, err := q.QueryContext(ctx, `SELECT `+sqlcat.AuditCols+` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`, after, n)
			es, err := collect(rows, err, scanAudits)
			return es, wrap(err, "read audit log")
		},
		Documents: func(after int64, n int) ([]*sohoa.Document, error) {
			rows, err := q.QueryContext(ctx, `SELECT `+documentCols+` FROM documents doc WHERE doc.id > ? ORDER BY doc.id LIMIT ?`, after, n)
			ds, err := collect(rows, err, func(r *sql.Rows) (*sohoa.Document, error) { return scanDocument(r) })
			return ds, wrap(err, "read documents")
		},
		Dossiers: func(after string, n int) ([]*sohoa.Dossier, error) {
			rows, err := q.QueryContext(ctx, `SELECT `+dossierCols+` FROM dossiers d WHERE d.code > ? ORDER BY d.code LIMIT ?`, after, n)
			ds, err := collect(rows, err, func(r *sql.Rows) (*sohoa.Dossier, error) { return scanDossier(r) })
			return ds, wrap(err, "read dossiers")
		},
		Inspections: func(after int64, n int) ([]*sohoa.Inspection, error) {
			rows, err := q.QueryContext(ctx, `SELECT `+inspectionOutcomeCols+` FROM inspections i WHERE i.id > ? ORDER BY i.id LIMIT ?`, after, n)
			ins, err := collect(rows, err, scanInspections)
			return ins, wrap(err, "read inspections")
		},
		Verifications: func(after int64, n int) ([]*sohoa.Verification, error) {
			rows, err := q.QueryContext(ctx, `SELECT `+verdictCols+` FROM verifications v WHERE v.id > ? ORDER BY v.id LIMIT ?`, after, n)
			vs, err := collect(rows, err, scanVerifications)
			return vs, wrap(err, "read verifications")
		},
	}
}
