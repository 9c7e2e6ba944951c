package sohoa

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"log/slog"
	"strconv"
	"time"
)

// AuditEntry is one row of the append-only audit log. Rows are chained:
// each row's Hash covers PrevHash, the previous row's Hash (GenesisHash for
// the first), so editing or deleting any row breaks the chain from there
// on. Rows written without a key (version 1, KeyID empty) are hashed as
// SHA-256(PrevHash || CanonicalBytes()), which anyone with write access to
// the database can recompute; rows written with an AuditKey (version 2)
// are hashed as HMAC-SHA256(key, PrevHash || CanonicalBytes()), which only
// holders of the key can.
type AuditEntry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`  // username, or "system:<component>"
	Action   string          `json:"action"` // e.g. "dossier.create"
	Object   string          `json:"object"` // e.g. "dossier:000.00.12.G05-261130-0007"
	Details  json.RawMessage `json:"details"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
	// KeyID names the AuditKey the row was sealed with (AuditKey.ID);
	// empty for unkeyed (version 1) rows.
	KeyID string `json:"key_id,omitempty"`
}

// GenesisHash is the PrevHash of the first audit row.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditTimeFormat is how At enters the hash: UTC, microseconds.
const AuditTimeFormat = "2006-01-02T15:04:05.000000Z"

// Version tags at the start of the hashed encodings.
const (
	auditV1     = "sohoa-audit-v1"
	auditV2     = "sohoa-audit-v2"
	auditHeadV2 = "sohoa-audit-head-v2"
)

// Validate checks what a caller supplies (actor, action, object, details)
// and compacts Details, so the stored bytes are the hashed bytes.
func (e *AuditEntry) Validate() error {
	var err error
	if e.Actor, err = validateText("audit actor", e.Actor, MaxNameLen, true, false); err != nil {
		return err
	}
	if e.Action, err = validateText("audit action", e.Action, MaxCodeLen, true, false); err != nil {
		return err
	}
	if e.Object, err = validateText("audit object", e.Object, MaxNameLen, false, false); err != nil {
		return err
	}
	if len(bytes.TrimSpace(e.Details)) == 0 {
		e.Details = json.RawMessage("{}")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, e.Details); err != nil {
		return invalidf("audit details are not valid JSON")
	}
	if buf.Len() > 64<<10 {
		return invalidf("audit details are %d bytes, more than 64 KiB", buf.Len())
	}
	e.Details = json.RawMessage(buf.String())
	return nil
}

// lengthPrefixed appends each field prefixed with its length, so no two
// different field lists encode alike.
func lengthPrefixed(b []byte, fields ...string) []byte {
	for _, s := range fields {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// CanonicalBytes is the encoding of the row's content that its hash
// covers: a version tag, then seq, at, actor, action, object and details
// (and, for keyed rows, the key's ID), each prefixed with its length.
func (e *AuditEntry) CanonicalBytes() []byte {
	tag := auditV1
	if e.KeyID != "" {
		tag = auditV2
	}
	b := lengthPrefixed(nil, tag, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(AuditTimeFormat),
		e.Actor, e.Action, e.Object, string(e.Details))
	if e.KeyID != "" {
		b = lengthPrefixed(b, e.KeyID)
	}
	return b
}

// ComputeHash returns the hash the row must carry given its PrevHash: for
// an unkeyed row (KeyID empty) SHA-256, for a keyed row HMAC-SHA256 with
// key, which must be the key named by KeyID. A keyed row's hash cannot be
// computed without its key: with a nil key, or another, the result never
// matches.
func (e *AuditEntry) ComputeHash(key *AuditKey) string {
	prev, err := hex.DecodeString(e.PrevHash)
	if err != nil || len(prev) != sha256.Size {
		prev = []byte(e.PrevHash) // a malformed PrevHash still yields a (mismatching) hash
	}
	var h hash.Hash
	switch {
	case e.KeyID == "":
		h = sha256.New()
	case key == nil || key.id != e.KeyID:
		return ""
	default:
		h = hmac.New(sha256.New, key.row[:])
	}
	h.Write(prev)
	h.Write(e.CanonicalBytes())
	return hex.EncodeToString(h.Sum(nil))
}

// Seal sets Seq, At, PrevHash, KeyID and Hash for a row appended after the
// row (prevSeq, prevHash); prevSeq 0 and GenesisHash for the first row.
// With a key the row is keyed (version 2); without, unkeyed (version 1).
func (e *AuditEntry) Seal(prevSeq int64, prevHash string, at time.Time, key *AuditKey) {
	e.Seq = prevSeq + 1
	e.At = at.UTC().Truncate(time.Microsecond)
	e.PrevHash = prevHash
	e.KeyID = ""
	if key != nil {
		e.KeyID = key.id
	}
	e.Hash = e.ComputeHash(key)
}

// AuditKeySize is the size of an audit key's secret.
const AuditKeySize = 32

// AuditKey is the secret that seals the audit log: it is kept outside the
// catalog (a key file on every host that appends to or verifies the log),
// so that someone who can write to the database cannot recompute the
// chain. Rows and the head are sealed with keys derived from it; ID names
// it without revealing it. Its String, GoString and LogValue show only the
// ID, so the key is never printed or logged by accident.
type AuditKey struct {
	row, head [sha256.Size]byte
	kdf       [sha256.Size]byte // root of DeriveSecret
	id        string
}

// NewAuditKey makes the key from its AuditKeySize secret bytes.
func NewAuditKey(secret []byte) (*AuditKey, error) {
	if len(secret) != AuditKeySize {
		return nil, invalidf("an audit key is %d bytes, not %d", AuditKeySize, len(secret))
	}
	derive := func(label string) (out [sha256.Size]byte) {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(label))
		copy(out[:], m.Sum(nil))
		return out
	}
	k := &AuditKey{row: derive(auditV2 + " row"), head: derive(auditV2 + " head"), kdf: derive(auditV2 + " kdf")}
	id := derive(auditV2 + " key id")
	k.id = hex.EncodeToString(id[:8])
	return k, nil
}

// DeriveSecret returns a 32-byte key for purpose (a fixed label such as
// "unit signing key v1"), derived from the audit key's secret and
// independent of the keys that seal the log. Other secrets sohoa keeps at
// rest (units' signing keys) are sealed under such keys, so the audit key
// file stays the one server secret every host sharing the catalog has.
func (k *AuditKey) DeriveSecret(purpose string) [sha256.Size]byte {
	m := hmac.New(sha256.New, k.kdf[:])
	m.Write([]byte(purpose))
	var out [sha256.Size]byte
	copy(out[:], m.Sum(nil))
	return out
}

// ID is a short public name of the key (16 hex digits), stored with every
// row it seals.
func (k *AuditKey) ID() string { return k.id }

// Value receivers, so a copy of the key prints only its ID too.
func (k AuditKey) String() string       { return "audit key " + k.id }
func (k AuditKey) GoString() string     { return "sohoa.AuditKey{id: " + k.id + "}" }
func (k AuditKey) LogValue() slog.Value { return slog.StringValue(k.id) }

// AuditHead is the log's newest row (its seq and hash), as the catalog
// records it beside the rows, so rows deleted from the end are noticed.
// Once the log is keyed the head is sealed: MAC covers seq, hash and the
// key's ID, so moving the head back after cutting the tail needs the key.
type AuditHead struct {
	Seq   int64  `json:"seq"`
	Hash  string `json:"hash"`
	KeyID string `json:"key_id,omitempty"` // empty: not sealed (an unkeyed log)
	MAC   string `json:"-"`
}

// ComputeMAC returns the seal the head must carry under key.
func (h *AuditHead) ComputeMAC(key *AuditKey) string {
	m := hmac.New(sha256.New, key.head[:])
	m.Write(lengthPrefixed(nil, auditHeadV2, strconv.FormatInt(h.Seq, 10), h.Hash, key.id))
	return hex.EncodeToString(m.Sum(nil))
}

// SealWith sets KeyID and MAC for key.
func (h *AuditHead) SealWith(key *AuditKey) {
	h.KeyID = key.id
	h.MAC = h.ComputeMAC(key)
}

// Audit log errors a caller may act on (errors.Is).
var (
	// ErrAuditKeyRequired: the log is keyed and the caller has no key
	// (appending or verifying needs it).
	ErrAuditKeyRequired = &Error{Code: EFORBIDDEN, Message: "the audit log is keyed: this needs its audit key"}
	// ErrAuditKeyMismatch: the log is sealed with another key than the
	// caller's.
	ErrAuditKeyMismatch = &Error{Code: EFORBIDDEN, Message: "the audit log is sealed with another audit key"}
	// ErrAuditHeadInvalid: the head's seal does not hold, or the head is
	// not sealed although the caller holds a key (the log was reset,
	// wiped or moved back): appending is refused until it is looked into.
	ErrAuditHeadInvalid = &Error{Code: EINTERNAL, Message: "the audit log's head does not carry a valid seal"}
)

// CheckKey says whether rows may be appended after h by a caller holding
// key (nil: none): an unsealed head takes only unkeyed rows, a sealed one
// only rows of its own key, and only when its seal holds. Appending after
// a head that was moved would otherwise re-seal the tampering.
func (h *AuditHead) CheckKey(key *AuditKey) error {
	switch {
	case h.KeyID == "" && key == nil:
		return nil
	case key == nil:
		return fmt.Errorf("%w (key %s)", ErrAuditKeyRequired, h.KeyID)
	case h.KeyID == "":
		return fmt.Errorf("%w: the head (seq %d) is not sealed, but %s is given: the log was reset or wiped, or the key belongs to another catalog", ErrAuditHeadInvalid, h.Seq, key)
	case h.KeyID != key.id:
		return fmt.Errorf("%w: sealed with key %s, given %s", ErrAuditKeyMismatch, h.KeyID, key.id)
	case !hmac.Equal([]byte(h.MAC), []byte(h.ComputeMAC(key))):
		return fmt.Errorf("%w: the head (seq %d) was changed without the key; run sohoa audit verify", ErrAuditHeadInvalid, h.Seq)
	}
	return nil
}

// AuditCheck is the outcome of VerifyAuditChain and VerifyAudit.
type AuditCheck struct {
	// OK: the chain and its head hold (and, from VerifyAudit, the catalog
	// agrees with the log).
	OK      bool  `json:"ok"`
	Entries int64 `json:"entries"` // rows read
	// HeadSeq and HeadHash are the recorded head; KeyID the key it is
	// sealed with (empty: the log is not keyed); FirstKeyedSeq the first
	// keyed row.
	HeadSeq       int64  `json:"head_seq"`
	HeadHash      string `json:"head_hash"`
	KeyID         string `json:"key_id,omitempty"`
	FirstKeyedSeq int64  `json:"first_keyed_seq,omitempty"`
	// FirstBrokenSeq is the first seq at which the chain does not hold:
	// an edited row's seq, or the seq of a missing row.
	FirstBrokenSeq int64  `json:"first_broken_seq,omitempty"`
	Problem        string `json:"problem,omitempty"`
	// Sealed counts the entries the check chained before reading the log
	// (appended in committed transactions, not yet sealed: storage/postgres
	// chains such entries in batches). Pending counts those still waiting
	// in the snapshot it read (committed meanwhile), Rejected those the
	// sealer refused to chain (written without the log's key: OK is false).
	Sealed   int64 `json:"sealed,omitempty"`
	Pending  int64 `json:"pending,omitempty"`
	Rejected int64 `json:"rejected,omitempty"`
	// CrossCheck is what VerifyAudit found comparing the catalog with the
	// log; nil from VerifyAuditChain.
	CrossCheck *AuditCrossCheck `json:"cross_check,omitempty"`
}

// AuditChainChecker walks audit rows in seq order and finds the first
// break; the storage adapters feed it rows and the recorded head.
type AuditChainChecker struct {
	key      *AuditKey
	prevSeq  int64
	prevHash string
	res      AuditCheck
	broken   bool
	needKey  string // a keyed row's key ID when no key was given
}

// NewAuditChainChecker starts a walk at the genesis. key is the log's
// AuditKey, nil when the caller has none: keyed rows then cannot be
// checked and Finish reports ErrAuditKeyRequired.
func NewAuditChainChecker(key *AuditKey) *AuditChainChecker {
	return &AuditChainChecker{key: key, prevHash: GenesisHash}
}

// Add checks the next row and reports whether the walk should go on (false
// once the chain is broken).
func (c *AuditChainChecker) Add(e *AuditEntry) bool {
	if c.broken || c.needKey != "" {
		return false
	}
	c.res.Entries++
	want := c.prevSeq + 1
	switch {
	case e.Seq != want:
		return c.breakAt(want, fmt.Sprintf("row %d is missing (next row is %d)", want, e.Seq))
	case e.PrevHash != c.prevHash:
		return c.breakAt(e.Seq, fmt.Sprintf("row %d does not link to row %d (prev_hash mismatch)", e.Seq, c.prevSeq))
	case e.KeyID == "" && c.res.FirstKeyedSeq > 0:
		return c.breakAt(e.Seq, fmt.Sprintf("row %d is not keyed, but the rows from %d on are: a keyed row was replaced", e.Seq, c.res.FirstKeyedSeq))
	case e.KeyID != "" && c.key == nil:
		c.needKey = e.KeyID
		return false
	case e.KeyID != "" && e.KeyID != c.key.id:
		return c.breakAt(e.Seq, fmt.Sprintf("row %d names key %s, not this log's key %s", e.Seq, e.KeyID, c.key.id))
	case !hmac.Equal([]byte(e.ComputeHash(c.key)), []byte(e.Hash)):
		return c.breakAt(e.Seq, fmt.Sprintf("row %d was altered (hash mismatch)", e.Seq))
	}
	if e.KeyID != "" && c.res.FirstKeyedSeq == 0 {
		c.res.FirstKeyedSeq = e.Seq
	}
	c.prevSeq, c.prevHash = e.Seq, e.Hash
	return true
}

// Finish compares the last row with the recorded head, which catches rows
// deleted from the end, and checks the head's seal: with a key the head
// must be sealed with it (an unsealed head means the log was reset, wiped
// or rewritten without the key), and a sealed head or keyed rows need the
// key (ErrAuditKeyRequired).
func (c *AuditChainChecker) Finish(head AuditHead) (AuditCheck, error) {
	c.res.HeadSeq, c.res.HeadHash, c.res.KeyID = head.Seq, head.Hash, head.KeyID
	if c.needKey != "" || (head.KeyID != "" && c.key == nil) {
		id := c.needKey
		if id == "" {
			id = head.KeyID
		}
		return c.res, fmt.Errorf("%w (key %s)", ErrAuditKeyRequired, id)
	}
	if !c.broken {
		switch {
		case head.Seq > c.prevSeq:
			c.breakAt(c.prevSeq+1, fmt.Sprintf("rows %d..%d are missing from the end", c.prevSeq+1, head.Seq))
		case head.Seq < c.prevSeq:
			c.breakAt(head.Seq+1, fmt.Sprintf("row %d is past the recorded head %d", head.Seq+1, head.Seq))
		case head.Hash != c.prevHash && head.Seq > 0:
			c.breakAt(head.Seq, fmt.Sprintf("row %d does not match the recorded head hash", head.Seq))
		case head.KeyID == "" && c.key != nil:
			c.breakAt(max(head.Seq, 1), fmt.Sprintf("the head (seq %d) is not sealed although the log has an audit key (%s): the log was reset, wiped or rewritten without the key (or the key belongs to another catalog)", head.Seq, c.key.id))
		case head.KeyID == "" && c.res.FirstKeyedSeq > 0:
			c.breakAt(head.Seq, fmt.Sprintf("the head (seq %d) is not sealed, but rows from %d on are keyed", head.Seq, c.res.FirstKeyedSeq))
		case head.KeyID != "" && c.res.FirstKeyedSeq == 0:
			// Sealing a head appends the first keyed row with it.
			c.breakAt(head.Seq+1, fmt.Sprintf("the head (seq %d) is sealed, but no row is keyed: the keyed rows were deleted", head.Seq))
		case head.KeyID != "" && head.KeyID != c.key.id:
			c.breakAt(max(head.Seq, 1), fmt.Sprintf("the head is sealed with key %s, not with this log's key %s", head.KeyID, c.key.id))
		case head.KeyID != "" && !hmac.Equal([]byte(head.MAC), []byte(head.ComputeMAC(c.key))):
			c.breakAt(max(head.Seq, 1), fmt.Sprintf("the head (seq %d) was moved or edited without the key (seal mismatch)", head.Seq))
		}
	}
	c.res.OK = !c.broken
	return c.res, nil
}

func (c *AuditChainChecker) breakAt(seq int64, problem string) bool {
	c.broken = true
	c.res.FirstBrokenSeq = seq
	c.res.Problem = problem
	return false
}

// AuditFilter selects audit rows, in seq order (newest first when
// Newest is set).
type AuditFilter struct {
	AfterSeq  int64
	BeforeSeq int64  // only rows before this seq when > 0 (paging newest first)
	Object    string // exact match when set
	Action    string // exact match when set
	Actor     string // exact match when set
	// Scope, when not nil, keeps only the rows about what it may see: the
	// objects unit:<code>, dossier:<code> and document:<id> of units in
	// the scope. Rows about anything else (users, tokens, procedures, the
	// audit key) are outside every scope but All. nil selects every row
	// (system callers: the CLI, the chain check).
	Scope  *Scope
	Newest bool
	Limit  int
}

// AuditLog is the append-only, hash-chained audit log. A catalog opened
// with an AuditKey (the adapters' WithAuditKey option) appends keyed rows
// and seals the head; without one it appends unkeyed rows, and only as
// long as the log has never been keyed.
type AuditLog interface {
	// AppendAudit validates e, seals it (Seq, At from the catalog's
	// clock, PrevHash, KeyID, Hash) and appends it, advancing the head
	// (sealed with the key). Entries are chained one after another, so
	// the chain has no forks; inside WithTx the entry commits with the
	// change it describes. The head must accept the catalog's key
	// (AuditHead.CheckKey): ErrAuditKeyRequired, ErrAuditKeyMismatch or
	// ErrAuditHeadInvalid otherwise, and nothing is written.
	//
	// storage/postgres, inside WithTx, does not chain the entry in the
	// caller's transaction (which would serialise every such commit on
	// the head): it sets At (the append's time) and KeyID, leaves Seq,
	// PrevHash and Hash unset, and writes the entry to a pending table
	// that commits with the transaction; a sealer chains committed
	// entries in order of appending, each with its At, so At may step
	// back by a commit's duration from one row to the next. Every
	// committed entry is in the log for the reads below, which seal what
	// is pending first. Outside a transaction, and on SQLite, e comes back
	// sealed.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	FindAuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
	// ReadAuditHead returns the recorded head.
	ReadAuditHead(ctx context.Context) (*AuditHead, error)
	// SealAuditHead seals the head with key and appends the log's first
	// keyed row (action audit.key, which seals the unkeyed rows before
	// it): the step that puts a new key in service, before any process
	// uses it. A head already sealed with key is left as it is; one sealed
	// with another key is ErrAuditKeyMismatch, and an unsealed head after
	// keyed rows (someone reset it) ErrAuditHeadInvalid.
	SealAuditHead(ctx context.Context, key *AuditKey) error
	// VerifyAuditChain walks every row and the head in one snapshot and
	// reports the first break, checking keyed rows and the head's seal
	// with the catalog's key (ErrAuditKeyRequired when the log is keyed
	// and the catalog has no key).
	VerifyAuditChain(ctx context.Context) (*AuditCheck, error)
	// VerifyAudit is VerifyAuditChain plus, in the same snapshot, the
	// comparison of the catalog's documents, dossiers, inspections and
	// verifications with what the log recorded about them
	// (AuditCrossChecker); OK is false on any mismatch.
	VerifyAudit(ctx context.Context) (*AuditCheck, error)
}
