package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

// The audit sequencer. AppendAudit inside a transaction leaves its entry in
// audit_pending; sealing chains the committed pending entries into
// audit_log: in one transaction it locks audit_head, takes up to
// sealBatch pending rows in ID order, seals each after the one before
// (sqlcat.SealPending: Seq, PrevHash, Hash and KeyID, at the entry's own
// At), inserts them, deletes them from audit_pending and advances the head
// (re-sealed with the key). Sealers in other transactions, connections or
// processes wait on the head lock and then find the rows gone, so every
// entry is chained exactly once. Who seals: every DB's background sealer
// (below), AppendAudit outside a transaction, and the readers that must
// see every committed entry (FindAuditEntries, ReadAuditHead,
// VerifyAuditChain, VerifyAudit, SealAuditHead).

// sealBatch is how many pending entries one sealing transaction chains.
const sealBatch = 1000

// Background sealing: after a commit that appended (in this process) the
// sealer runs at once, but at most once per sealMinGap, so entries
// committed meanwhile are chained in one batch; otherwise it polls, every
// sealMinGap while it finds entries (other processes' appends), backing
// off to sealMaxPoll while there are none.
const (
	sealMinGap  = 20 * time.Millisecond
	sealMaxPoll = time.Second
	sealTimeout = 30 * time.Second
)

// isAuditKeyErr says whether err is a refusal of the catalog's key by the
// head: this catalog cannot seal then, one holding the log's key can.
func isAuditKeyErr(err error) bool {
	return errors.Is(err, sohoa.ErrAuditKeyRequired) || errors.Is(err, sohoa.ErrAuditKeyMismatch) || errors.Is(err, sohoa.ErrAuditHeadInvalid)
}

// sealForRead seals what is pending before a read; a catalog whose key the
// head refuses reads what is sealed.
func (db *DB) sealForRead(ctx context.Context) error {
	if _, err := db.sealCommitted(ctx); err != nil && !isAuditKeyErr(err) {
		return err
	}
	return nil
}

// sealCommitted chains every committed pending entry, a transaction per
// batch, and returns how many it chained. It looks first, without a lock,
// and returns at once when nothing is pending or the head refuses the
// catalog's key (that error), so readers cost one query when nothing is
// pending.
func (db *DB) sealCommitted(ctx context.Context) (int64, error) {
	var total int64
	for {
		var pending bool
		var h sohoa.AuditHead
		err := db.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_pending WHERE rejected = ''), `+sqlcat.AuditHeadCols+` FROM audit_head`).
			Scan(&pending, &h.Seq, &h.Hash, &h.KeyID, &h.MAC)
		if err != nil {
			return total, wrap(err, "seal audit entries")
		}
		if !pending {
			return total, nil
		}
		if err := h.CheckKey(db.key); err != nil {
			return total, fmt.Errorf("seal audit entries: %w", err)
		}
		var n int64
		var more bool
		err = db.atomic(ctx, func(tx *DB) error {
			head, err := tx.readHead(ctx, true)
			if err != nil {
				return err
			}
			if err := head.CheckKey(tx.key); err != nil {
				return fmt.Errorf("seal audit entries: %w", err)
			}
			n, more, err = tx.sealPending(ctx, head, tx.key)
			return err
		})
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// sealBatches chains every pending entry after head, locked in db's
// transaction, with key (which head accepts) and advances head.
func (db *DB) sealBatches(ctx context.Context, head *sohoa.AuditHead, key *sohoa.AuditKey) (int64, error) {
	var total int64
	for {
		n, more, err := db.sealPending(ctx, head, key)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// sealPending chains up to sealBatch committed pending entries after head
// (locked FOR UPDATE in db's transaction, accepting key) and advances head
// to the last; more reports a full batch. Entries the head's key does not
// vouch for are marked rejected and left in audit_pending.
func (db *DB) sealPending(ctx context.Context, head *sohoa.AuditHead, key *sohoa.AuditKey) (n int64, more bool, err error) {
	rows, err := db.q.Query(ctx, `SELECT id, at, actor, action, object, details, key_id, mac FROM audit_pending
		WHERE rejected = '' ORDER BY id LIMIT $1`, sealBatch)
	if err != nil {
		return 0, false, wrap(err, "read pending audit entries")
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sqlcat.PendingAudit, error) {
		var p sqlcat.PendingAudit
		var details []byte
		err := r.Scan(&p.ID, &p.Entry.At, &p.Entry.Actor, &p.Entry.Action, &p.Entry.Object, &details, &p.Entry.KeyID, &p.MAC)
		p.Entry.Details = details
		p.Entry.At = p.Entry.At.UTC()
		return p, err
	})
	if err != nil {
		return 0, false, wrap(err, "read pending audit entries")
	}
	if len(ps) == 0 {
		return 0, false, nil
	}
	s, err := sqlcat.SealPending(head, key, ps)
	if err != nil {
		return 0, false, err
	}
	k := len(s.Entries)
	seq, hash, keyID, prev, at := make([]int64, k), make([]string, k), make([]string, k), make([]string, k), make([]time.Time, k)
	actor, action, object, details := make([]string, k), make([]string, k), make([]string, k), make([]string, k)
	for i, e := range s.Entries {
		seq[i], at[i], actor[i], action[i], object[i], details[i] = e.Seq, e.At, e.Actor, e.Action, e.Object, string(e.Details)
		prev[i], hash[i], keyID[i] = e.PrevHash, e.Hash, e.KeyID
	}
	rejIDs, rejWhy := make([]int64, 0, len(s.Rejected)), make([]string, 0, len(s.Rejected))
	for id, why := range s.Rejected {
		rejIDs, rejWhy = append(rejIDs, id), append(rejWhy, why)
		db.log.Error("audit entry refused by the sealer", "pending_id", id, "reason", why)
	}
	// One statement (one round trip) chains the batch, marks the rejected
	// entries, and advances the head.
	_, err = db.q.Exec(ctx, `WITH entries AS (
			INSERT INTO audit_log (`+sqlcat.AuditCols+`)
			SELECT s, a, ac, act, o, d::json, p, h, k
			FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
				AS u(s, a, ac, act, o, d, p, h, k)
		), sealed AS (
			DELETE FROM audit_pending WHERE id = ANY($10::bigint[])
		), rejected AS (
			UPDATE audit_pending SET rejected = r.why FROM unnest($11::bigint[], $12::text[]) AS r(id, why) WHERE audit_pending.id = r.id
		)
		UPDATE audit_head SET seq = $13, hash = $14, key_id = $15, mac = $16 WHERE id`,
		seq, at, actor, action, object, details, prev, hash, keyID, s.IDs, rejIDs, rejWhy,
		s.Head.Seq, s.Head.Hash, s.Head.KeyID, s.Head.MAC)
	if err != nil {
		return 0, false, wrap(err, "seal audit entries")
	}
	*head = s.Head
	return int64(k), len(ps) == sealBatch, nil
}

// sealer is a DB's background sealer goroutine.
type sealer struct {
	wake chan struct{} // capacity 1: a commit that appended
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func startSealer(db *DB) *sealer {
	s := &sealer{wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go s.run(db)
	return s
}

// poke asks for a sealing soon; it never blocks.
func (s *sealer) poke() {
	if s == nil {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// close stops the sealer after a last sealing; closing again does nothing.
func (s *sealer) close() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

func (s *sealer) run(db *DB) {
	defer close(s.done)
	seal := func(timeout time.Duration) (int64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return db.sealCommitted(ctx)
	}
	poll := sealMaxPoll // this process's commits poke it; the poll is for other processes'
	timer := time.NewTimer(poll)
	defer timer.Stop()
	failing := false
	finish := func() {
		if _, err := seal(5 * time.Second); err != nil && !isAuditKeyErr(err) {
			db.log.Warn("sealing pending audit entries on close failed; the next sealer will", "err", err)
		}
	}
	for {
		select {
		case <-s.stop:
			finish()
			return
		case <-s.wake:
		case <-timer.C:
		}
		start := time.Now()
		n, err := seal(sealTimeout)
		switch {
		case err != nil && isAuditKeyErr(err):
			// Another process, holding the log's key, seals them.
			db.log.Debug("pending audit entries left to a catalog with the log's key", "err", err)
			poll = sealMaxPoll
		case err != nil:
			if !failing {
				db.log.Error("sealing pending audit entries failed; retrying", "err", err)
			}
			failing = true
			poll = sealMaxPoll
		case n > 0:
			if failing {
				db.log.Info("sealing pending audit entries works again", "sealed", n)
			}
			failing = false
			poll = sealMinGap
		default:
			failing = false
			poll = min(poll*2, sealMaxPoll)
		}
		// At most one sealing per sealMinGap, whatever wakes it.
		if gap := sealMinGap - time.Since(start); gap > 0 {
			select {
			case <-s.stop:
				finish()
				return
			case <-time.After(gap):
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(poll)
	}
}
