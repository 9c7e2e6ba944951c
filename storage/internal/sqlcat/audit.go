package sqlcat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/sohoa/sohoa"
)

// AuditCols are the audit_log columns both adapters read and write, in
// this order.
const AuditCols = `seq, at, actor, action, object, details, prev_hash, hash, key_id`

// AuditHeadCols are the audit_head columns, in AuditHead's field order.
const AuditHeadCols = `seq, hash, key_id, mac`

// NextAudit seals e as the row after head for a catalog holding key (nil:
// none), at the catalog's time at, and returns the head to record after
// it; it refuses (with AuditHead.CheckKey's error) when the head does not
// accept the key.
func NextAudit(head *sohoa.AuditHead, e *sohoa.AuditEntry, key *sohoa.AuditKey, at time.Time) (sohoa.AuditHead, error) {
	if err := head.CheckKey(key); err != nil {
		return sohoa.AuditHead{}, fmt.Errorf("append audit entry: %w", err)
	}
	e.Seal(head.Seq, head.Hash, at, key)
	next := sohoa.AuditHead{Seq: e.Seq, Hash: e.Hash}
	if key != nil {
		next.SealWith(key)
	}
	return next, nil
}

// PendingAudit is an audit entry appended but not yet chained (the
// PostgreSQL adapter's audit_pending): ID orders the entries, Entry holds
// what the appender set (At, Actor, Action, Object, Details and KeyID, the
// key the appender held), MAC the appender's PendingMAC.
type PendingAudit struct {
	ID    int64
	Entry sohoa.AuditEntry
	MAC   string
}

// pendingPurpose is the label of the key PendingMAC derives from the
// audit key.
const pendingPurpose = "sohoa audit pending entry v1"

// PendingMAC is the HMAC a holder of key writes beside a pending entry
// (over At, Actor, Action, Object, Details and KeyID, each length-prefixed),
// under a key derived from key: a sealer chains a keyed pending entry only
// when it holds, so a row written into the pending table without the key
// never becomes a keyed row of the log.
func PendingMAC(key *sohoa.AuditKey, e *sohoa.AuditEntry) string {
	secret := key.DeriveSecret(pendingPurpose)
	m := hmac.New(sha256.New, secret[:])
	var b []byte
	for _, s := range []string{pendingPurpose, e.At.UTC().Format(sohoa.AuditTimeFormat), e.Actor, e.Action, e.Object, string(e.Details), e.KeyID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// SealedPending is what SealPending makes of a batch of pending entries.
type SealedPending struct {
	Entries  []*sohoa.AuditEntry // chained, in order
	IDs      []int64             // their pending IDs
	Rejected map[int64]string    // pending ID: why it was not chained
	Head     sohoa.AuditHead     // the head after the last entry
}

// SealPending chains ps, in order, after head (which must accept key:
// AuditHead.CheckKey), each at its own At, with key (nil: unkeyed rows).
// An entry is chained only if it was appended under the head's key (none
// for an unkeyed head) and, keyed, carries a valid PendingMAC; the others
// are rejected with the reason.
func SealPending(head *sohoa.AuditHead, key *sohoa.AuditKey, ps []PendingAudit) (SealedPending, error) {
	out := SealedPending{Head: *head}
	for i := range ps {
		p := &ps[i]
		e := p.Entry
		switch {
		case key == nil && e.KeyID != "":
			out.reject(p.ID, fmt.Sprintf("appended with audit key %s, but the head is not keyed", e.KeyID))
			continue
		case key != nil && e.KeyID != key.ID():
			out.reject(p.ID, fmt.Sprintf("appended with audit key %q, but the log is sealed with %s", e.KeyID, key.ID()))
			continue
		case key != nil && !hmac.Equal([]byte(p.MAC), []byte(PendingMAC(key, &e))):
			out.reject(p.ID, "its MAC does not hold: it was not appended with the audit key, or was edited")
			continue
		}
		next, err := NextAudit(&out.Head, &e, key, e.At)
		if err != nil {
			return SealedPending{}, err
		}
		out.Head = next
		out.Entries = append(out.Entries, &e)
		out.IDs = append(out.IDs, p.ID)
	}
	return out, nil
}

func (s *SealedPending) reject(id int64, why string) {
	if s.Rejected == nil {
		s.Rejected = map[int64]string{}
	}
	s.Rejected[id] = why
}

// KeyEntry is the row SealAuditHead appends right after sealing the head:
// the log's first keyed row, which seals the unkeyed rows before it and
// means a keyed log is never empty (a head sealed over no row could be
// replayed after a wipe).
func KeyEntry(key *sohoa.AuditKey, unkeyed int64) *sohoa.AuditEntry {
	return &sohoa.AuditEntry{Actor: "system:audit", Action: sohoa.AuditKeyInService, Object: "audit-key:" + key.ID(),
		Details: []byte(fmt.Sprintf(`{"key_id":%q,"unkeyed_rows":%d}`, key.ID(), unkeyed))}
}

// SealHead seals head with key for SealAuditHead (keyedRows: the log has
// keyed rows) and reports whether it changed.
func SealHead(head *sohoa.AuditHead, key *sohoa.AuditKey, keyedRows bool) (changed bool, err error) {
	switch {
	case key == nil:
		return false, sohoa.Errorf(sohoa.EINVALID, "seal the audit head: no key")
	case head.KeyID == key.ID():
		if err := head.CheckKey(key); err != nil {
			return false, err
		}
		return false, nil
	case head.KeyID != "":
		return false, fmt.Errorf("%w: sealed with key %s, given %s", sohoa.ErrAuditKeyMismatch, head.KeyID, key.ID())
	case keyedRows:
		return false, fmt.Errorf("%w: the log has keyed rows but its head (seq %d) is not sealed: it was reset; refusing to seal it again", sohoa.ErrAuditHeadInvalid, head.Seq)
	}
	head.SealWith(key)
	return true, nil
}

// AuditBatch is how many rows VerifyAudit reads per query.
const AuditBatch = 1000

// AuditSource reads what VerifyAudit needs, in batches of up to n rows
// after the key given, in key order. The caller runs every read in one
// snapshot, so appends and ingestion running meanwhile cannot look like
// tampering.
type AuditSource struct {
	Head    func() (*sohoa.AuditHead, error)
	Entries func(after int64, n int) ([]*sohoa.AuditEntry, error)
	// The catalog rows the log records, for the cross-check: documents
	// and dossiers without what the log does not record, inspections
	// without findings, verifications without reports.
	Documents     func(after int64, n int) ([]*sohoa.Document, error)
	Dossiers      func(after string, n int) ([]*sohoa.Dossier, error)
	Inspections   func(after int64, n int) ([]*sohoa.Inspection, error)
	Verifications func(after int64, n int) ([]*sohoa.Verification, error)
}

// forEach reads every row with batch, in key order, and calls fn for each.
func forEach[T any, K any](batch func(after K, n int) ([]T, error), start K, key func(T) K, fn func(T)) error {
	after := start
	for {
		xs, err := batch(after, AuditBatch)
		if err != nil {
			return err
		}
		for _, x := range xs {
			fn(x)
		}
		if len(xs) < AuditBatch {
			return nil
		}
		after = key(xs[len(xs)-1])
	}
}

// VerifyAudit checks the log's chain and head with key (nil: the catalog
// has none) and, with crossCheck, compares the catalog's rows with what
// the log recorded (every row is read then, past a break too: what they
// say is still worth comparing).
func VerifyAudit(src AuditSource, key *sohoa.AuditKey, crossCheck bool) (*sohoa.AuditCheck, error) {
	head, err := src.Head()
	if err != nil {
		return nil, err
	}
	chain := sohoa.NewAuditChainChecker(key)
	var cc *sohoa.AuditCrossChecker
	if crossCheck {
		cc = sohoa.NewAuditCrossChecker()
	}
	going := true
	after := int64(-1 << 62)
	for going || cc != nil {
		es, err := src.Entries(after, AuditBatch)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			going = going && chain.Add(e)
			if cc != nil {
				cc.AddEntry(e)
			}
		}
		if len(es) < AuditBatch {
			break
		}
		after = es[len(es)-1].Seq
	}
	res, err := chain.Finish(*head)
	if err != nil {
		return nil, err
	}
	if cc == nil {
		return &res, nil
	}
	if err := forEach(src.Documents, 0, func(d *sohoa.Document) int64 { return d.ID }, cc.Document); err != nil {
		return nil, err
	}
	if err := forEach(src.Dossiers, "", func(d *sohoa.Dossier) string { return d.Code }, cc.Dossier); err != nil {
		return nil, err
	}
	if err := forEach(src.Inspections, 0, func(in *sohoa.Inspection) int64 { return in.ID }, cc.Inspection); err != nil {
		return nil, err
	}
	if err := forEach(src.Verifications, 0, func(v *sohoa.Verification) int64 { return v.ID }, cc.Verification); err != nil {
		return nil, err
	}
	res.CrossCheck = cc.Finish()
	res.OK = res.OK && len(res.CrossCheck.Mismatches) == 0
	return &res, nil
}
