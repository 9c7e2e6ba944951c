package postgres

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

// WithAuditKey makes the catalog append keyed audit rows and verify the
// log with key (see sohoa.AuditLog).
func WithAuditKey(key *sohoa.AuditKey) Option { return func(o *options) { o.key = key } }

func scanAudit(row pgx.Row) (*sohoa.AuditEntry, error) {
	var e sohoa.AuditEntry
	var details []byte
	if err := row.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Object, &details, &e.PrevHash, &e.Hash, &e.KeyID); err != nil {
		return nil, err
	}
	e.Details = json.RawMessage(details)
	e.At = e.At.UTC()
	return &e, nil
}

func collectAudit(rows pgx.Rows, err error, what string) ([]*sohoa.AuditEntry, error) {
	if err != nil {
		return nil, wrap(err, "%s", what)
	}
	es, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*sohoa.AuditEntry, error) { return scanAudit(r) })
	return es, wrap(err, "%s", what)
}

func (db *DB) readHead(ctx context.Context, forUpdate bool) (*sohoa.AuditHead, error) {
	q := `SELECT ` + sqlcat.AuditHeadCols + ` FROM audit_head WHERE id`
	if forUpdate {
		q += ` FOR UPDATE`
	}
	var h sohoa.AuditHead
	if err := db.q.QueryRow(ctx, q).Scan(&h.Seq, &h.Hash, &h.KeyID, &h.MAC); err != nil {
		return nil, wrap(err, "read audit head")
	}
	return &h, nil
}

// AppendAudit locks the audit_head row, so appends are serialised across
// every connection and process until the appending transaction ends.
func (db *DB) AppendAudit(ctx context.Context, e *sohoa.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		head, err := tx.readHead(ctx, true)
		if err != nil {
			return err
		}
		return tx.appendAfter(ctx, head, e, tx.key)
	})
}

// appendAfter appends e after head (read FOR UPDATE), sealed with key, and
// advances the head.
func (db *DB) appendAfter(ctx context.Context, head *sohoa.AuditHead, e *sohoa.AuditEntry, key *sohoa.AuditKey) error {
	next, err := sqlcat.NextAudit(head, e, key, db.now())
	if err != nil {
		return err
	}
	// One statement (one round trip) writes the row and advances the head.
	_, err = db.q.Exec(ctx, `WITH entry AS (
			INSERT INTO audit_log (`+sqlcat.AuditCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		)
		UPDATE audit_head SET seq = $1, hash = $8, key_id = $10, mac = $11 WHERE id`,
		e.Seq, e.At, e.Actor, e.Action, e.Object, string(e.Details), e.PrevHash, e.Hash, e.KeyID, next.KeyID, next.MAC)
	return wrap(err, "append audit entry")
}

func (db *DB) FindAuditEntries(ctx context.Context, f sohoa.AuditFilter) ([]*sohoa.AuditEntry, error) {
	a := dialect.Args()
	from, err := sqlcat.AuditFrom(&f, &a)
	if err != nil {
		return nil, err
	}
	rows, err := db.q.Query(ctx, `SELECT `+sqlcat.AuditCols+from, a.Values...)
	return collectAudit(rows, err, "find audit entries")
}

func (db *DB) ReadAuditHead(ctx context.Context) (*sohoa.AuditHead, error) {
	return db.readHead(ctx, false)
}

func (db *DB) SealAuditHead(ctx context.Context, key *sohoa.AuditKey) error {
	return db.atomic(ctx, func(tx *DB) error {
		head, err := tx.readHead(ctx, true)
		if err != nil {
			return err
		}
		var keyed bool
		if err := tx.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_log WHERE key_id <> '')`).Scan(&keyed); err != nil {
			return wrap(err, "look for keyed audit rows")
		}
		changed, err := sqlcat.SealHead(head, key, keyed)
		if err != nil || !changed {
			return err
		}
		return tx.appendAfter(ctx, head, sqlcat.KeyEntry(key, head.Seq), key)
	})
}

// VerifyAuditChain reads the head and every row in one repeatable-read
// snapshot, so appends running meanwhile cannot look like tampering.
func (db *DB) VerifyAuditChain(ctx context.Context) (*sohoa.AuditCheck, error) {
	return db.verifyAudit(ctx, false)
}

// VerifyAudit is VerifyAuditChain and the cross-check, in one snapshot.
func (db *DB) VerifyAudit(ctx context.Context) (*sohoa.AuditCheck, error) {
	return db.verifyAudit(ctx, true)
}

func (db *DB) verifyAudit(ctx context.Context, crossCheck bool) (*sohoa.AuditCheck, error) {
	if db.tx != nil {
		return sqlcat.VerifyAudit(db.auditSource(ctx), db.key, crossCheck)
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, wrap(err, "verify audit log")
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	snap := &DB{pool: db.pool, q: tx, tx: tx, log: db.log, now: db.now, key: db.key}
	return sqlcat.VerifyAudit(snap.auditSource(ctx), db.key, crossCheck)
}

// inspectionOutcomeCols are inspectionCols without the findings.
var inspectionOutcomeCols = strings.Replace(inspectionCols, "i.findings", "'[]'::jsonb", 1)

func (db *DB) auditSource(ctx context.Context) sqlcat.AuditSource {
	return sqlcat.AuditSource{
		Head: func() (*sohoa.AuditHead, error) { return db.readHead(ctx, false) },
		Entries: func(after int64, n int) ([]*sohoa.AuditEntry, error) {
			rows, err := db.q.Query(ctx, `SELECT `+sqlcat.AuditCols+` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, n)
			return collectAudit(rows, err, "read audit log")
		},
		Documents: func(after int64, n int) ([]*sohoa.Document, error) {
			return collectAll(ctx, db, "read documents", scanDocument,
				`SELECT `+documentCols+` FROM documents doc WHERE doc.id > $1 ORDER BY doc.id LIMIT $2`, after, n)
		},
		Dossiers: func(after string, n int) ([]*sohoa.Dossier, error) {
			return collectAll(ctx, db, "read dossiers", scanDossier,
				`SELECT `+dossierCols+` FROM dossiers d WHERE d.code > $1 ORDER BY d.code LIMIT $2`, after, n)
		},
		Inspections: func(after int64, n int) ([]*sohoa.Inspection, error) {
			return collectAll(ctx, db, "read inspections", scanInspection,
				`SELECT `+inspectionOutcomeCols+` FROM inspections i WHERE i.id > $1 ORDER BY i.id LIMIT $2`, after, n)
		},
		Verifications: func(after int64, n int) ([]*sohoa.Verification, error) {
			return collectAll(ctx, db, "read verifications", scanVerification,
				`SELECT `+verdictCols+` FROM verifications v WHERE v.id > $1 ORDER BY v.id LIMIT $2`, after, n)
		},
	}
}

func collectAll[T any](ctx context.Context, db *DB, what string, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := db.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrap(err, "%s", what)
	}
	xs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	return xs, wrap(err, "%s", what)
}
