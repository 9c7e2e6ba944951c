package postgres

import (
	"context"
	"encoding/json"
	"fmt"
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

// AppendAudit inside a transaction (WithTx) writes e into audit_pending,
// without locking audit_head: the entry commits with the change it
// describes, and many such transactions commit in parallel (the head lock
// held to each commit made them serial). A sealer chains committed pending
// entries into audit_log in batches (see sealPending); e's Seq, PrevHash
// and Hash stay unset then, its At and KeyID are set. The head is read (not
// locked) to refuse a key it does not accept, as before.
//
// Outside a transaction AppendAudit locks the head, seals what is pending
// and appends e after it, all in one transaction: e comes back sealed, as
// from SQLite.
func (db *DB) AppendAudit(ctx context.Context, e *sohoa.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if db.tx != nil {
		return db.appendPending(ctx, e)
	}
	return db.begin(ctx, func(tx *DB) error {
		head, err := tx.readHead(ctx, true)
		if err != nil {
			return err
		}
		if err := head.CheckKey(tx.key); err != nil {
			return fmt.Errorf("append audit entry: %w", err)
		}
		if _, err := tx.sealBatches(ctx, head, tx.key); err != nil {
			return err
		}
		return tx.appendAfter(ctx, head, e, tx.key)
	})
}

// appendPending writes e into audit_pending (and reads the head in the same
// round trip); when the head does not accept the catalog's key the row is
// deleted again and the error returned.
func (db *DB) appendPending(ctx context.Context, e *sohoa.AuditEntry) error {
	e.Seq, e.PrevHash, e.Hash, e.KeyID = 0, "", "", ""
	e.At = db.nowUTC()
	var mac string
	if db.key != nil {
		e.KeyID = db.key.ID()
		mac = sqlcat.PendingMAC(db.key, e)
	}
	var id int64
	var h sohoa.AuditHead
	err := db.q.QueryRow(ctx, `WITH p AS (
			INSERT INTO audit_pending (at, actor, action, object, details, key_id, mac) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
		)
		SELECT p.id, h.seq, h.hash, h.key_id, h.mac FROM p, audit_head h`,
		e.At, e.Actor, e.Action, e.Object, string(e.Details), e.KeyID, mac).Scan(&id, &h.Seq, &h.Hash, &h.KeyID, &h.MAC)
	if err != nil {
		return wrap(err, "append audit entry")
	}
	if err := h.CheckKey(db.key); err != nil {
		if _, derr := db.q.Exec(ctx, `DELETE FROM audit_pending WHERE id = $1`, id); derr != nil {
			return wrap(derr, "append audit entry: take back the refused entry")
		}
		return fmt.Errorf("append audit entry: %w", err)
	}
	if db.txs != nil {
		db.txs.appended = true
	}
	return nil
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
	if err != nil {
		return wrap(err, "append audit entry")
	}
	*head = next
	return nil
}

// FindAuditEntries seals the committed pending entries first (as far as
// the catalog's key allows), so an entry whose transaction committed is
// found.
func (db *DB) FindAuditEntries(ctx context.Context, f sohoa.AuditFilter) ([]*sohoa.AuditEntry, error) {
	if err := db.sealForRead(ctx); err != nil {
		return nil, err
	}
	a := dialect.Args()
	from, err := sqlcat.AuditFrom(&f, &a)
	if err != nil {
		return nil, err
	}
	rows, err := db.q.Query(ctx, `SELECT `+sqlcat.AuditCols+from, a.Values...)
	return collectAudit(rows, err, "find audit entries")
}

// ReadAuditHead seals the committed pending entries first, as
// FindAuditEntries does.
func (db *DB) ReadAuditHead(ctx context.Context) (*sohoa.AuditHead, error) {
	if err := db.sealForRead(ctx); err != nil {
		return nil, err
	}
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
		// Entries appended before the key was put in service are chained
		// first, unkeyed, as the head they were appended under takes them.
		if key != nil && head.KeyID == "" && !keyed {
			if _, err := tx.sealBatches(ctx, head, nil); err != nil {
				return err
			}
		}
		changed, err := sqlcat.SealHead(head, key, keyed)
		if err != nil || !changed {
			return err
		}
		return tx.appendAfter(ctx, head, sqlcat.KeyEntry(key, head.Seq), key)
	})
}

// VerifyAuditChain seals the committed pending entries first (Sealed
// counts them), then reads the head and every row in one repeatable-read
// snapshot, so appends running meanwhile cannot look like tampering, and
// counts the entries still pending in it (Pending: committed since; or
// Rejected, a problem).
func (db *DB) VerifyAuditChain(ctx context.Context) (*sohoa.AuditCheck, error) {
	return db.verifyAudit(ctx, false)
}

// VerifyAudit is VerifyAuditChain and the cross-check, in one snapshot.
func (db *DB) VerifyAudit(ctx context.Context) (*sohoa.AuditCheck, error) {
	return db.verifyAudit(ctx, true)
}

func (db *DB) verifyAudit(ctx context.Context, crossCheck bool) (*sohoa.AuditCheck, error) {
	sealed, err := db.sealCommitted(ctx)
	if err != nil && !isAuditKeyErr(err) {
		return nil, err
	}
	snap := db
	if db.tx == nil {
		tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return nil, wrap(err, "verify audit log")
		}
		defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
		snap = db.child(tx)
	}
	res, err := sqlcat.VerifyAudit(snap.auditSource(ctx), db.key, crossCheck)
	if err != nil {
		return nil, err
	}
	res.Sealed = sealed
	var rejected int64
	var why string
	if err := snap.q.QueryRow(ctx, `SELECT count(*) FILTER (WHERE rejected = ''), count(*) FILTER (WHERE rejected <> ''),
			coalesce(min(rejected) FILTER (WHERE rejected <> ''), '') FROM audit_pending`).Scan(&res.Pending, &rejected, &why); err != nil {
		return nil, wrap(err, "count pending audit entries")
	}
	if rejected > 0 {
		res.Rejected = rejected
		if res.Problem == "" {
			res.FirstBrokenSeq = res.HeadSeq + 1
			res.Problem = fmt.Sprintf("%d pending audit entries were refused by the sealer (audit_pending.rejected), e.g. %s", rejected, why)
		}
		res.OK = false
	}
	return res, nil
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
