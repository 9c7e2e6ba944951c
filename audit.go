package sohoa

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEntry is one row of the append-only audit log. Rows are chained:
// Hash = SHA-256(PrevHash || CanonicalBytes()), PrevHash being the previous
// row's Hash (GenesisHash for the first), so editing or deleting any row
// breaks the chain from there on.
type AuditEntry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`  // username, or "system:<component>"
	Action   string          `json:"action"` // e.g. "dossier.create"
	Object   string          `json:"object"` // e.g. "dossier:000.00.12.G05-261130-0007"
	Details  json.RawMessage `json:"details"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// GenesisHash is the PrevHash of the first audit row.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditTimeFormat is how At enters the hash: UTC, microseconds.
const AuditTimeFormat = "2006-01-02T15:04:05.000000Z"

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

// CanonicalBytes is the encoding of the row's content that its hash
// covers: a version tag, then seq, at, actor, action, object and details,
// each prefixed with its length so no two rows encode alike.
func (e *AuditEntry) CanonicalBytes() []byte {
	var b []byte
	field := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	field("sohoa-audit-v1")
	field(fmt.Sprint(e.Seq))
	field(e.At.UTC().Format(AuditTimeFormat))
	field(e.Actor)
	field(e.Action)
	field(e.Object)
	field(string(e.Details))
	return b
}

// ComputeHash returns the hash the row must carry given its PrevHash.
func (e *AuditEntry) ComputeHash() string {
	prev, err := hex.DecodeString(e.PrevHash)
	if err != nil || len(prev) != sha256.Size {
		prev = []byte(e.PrevHash) // a malformed PrevHash still yields a (mismatching) hash
	}
	h := sha256.New()
	h.Write(prev)
	h.Write(e.CanonicalBytes())
	return hex.EncodeToString(h.Sum(nil))
}

// Seal sets Seq, At, PrevHash and Hash for a row appended after the row
// (prevSeq, prevHash); prevSeq 0 and GenesisHash for the first row.
func (e *AuditEntry) Seal(prevSeq int64, prevHash string, at time.Time) {
	e.Seq = prevSeq + 1
	e.At = at.UTC().Truncate(time.Microsecond)
	e.PrevHash = prevHash
	e.Hash = e.ComputeHash()
}

// AuditCheck is the outcome of VerifyAuditChain.
type AuditCheck struct {
	OK      bool  `json:"ok"`
	Entries int64 `json:"entries"` // rows read
	// FirstBrokenSeq is the first seq at which the chain does not hold:
	// an edited row's seq, or the seq of a missing row.
	FirstBrokenSeq int64  `json:"first_broken_seq,omitempty"`
	Problem        string `json:"problem,omitempty"`
}

// AuditChainChecker walks audit rows in seq order and finds the first
// break; the storage adapters feed it rows and the recorded head.
type AuditChainChecker struct {
	prevSeq  int64
	prevHash string
	res      AuditCheck
	broken   bool
}

// NewAuditChainChecker starts a walk at the genesis.
func NewAuditChainChecker() *AuditChainChecker {
	return &AuditChainChecker{prevHash: GenesisHash}
}

// Add checks the next row and reports whether the walk should go on (false
// once the chain is broken).
func (c *AuditChainChecker) Add(e *AuditEntry) bool {
	if c.broken {
		return false
	}
	c.res.Entries++
	want := c.prevSeq + 1
	switch {
	case e.Seq != want:
		return c.breakAt(want, fmt.Sprintf("row %d is missing (next row is %d)", want, e.Seq))
	case e.PrevHash != c.prevHash:
		return c.breakAt(e.Seq, fmt.Sprintf("row %d does not link to row %d (prev_hash mismatch)", e.Seq, c.prevSeq))
	case e.ComputeHash() != e.Hash:
		return c.breakAt(e.Seq, fmt.Sprintf("row %d was altered (hash mismatch)", e.Seq))
	}
	c.prevSeq, c.prevHash = e.Seq, e.Hash
	return true
}

// Finish compares the last row with the recorded head (the seq and hash of
// the newest append), which catches rows deleted from the end.
func (c *AuditChainChecker) Finish(headSeq int64, headHash string) AuditCheck {
	if !c.broken {
		switch {
		case headSeq > c.prevSeq:
			c.breakAt(c.prevSeq+1, fmt.Sprintf("rows %d..%d are missing from the end", c.prevSeq+1, headSeq))
		case headSeq < c.prevSeq:
			c.breakAt(headSeq+1, fmt.Sprintf("row %d is past the recorded head %d", headSeq+1, headSeq))
		case headHash != c.prevHash && headSeq > 0:
			c.breakAt(headSeq, fmt.Sprintf("row %d does not match the recorded head hash", headSeq))
		}
	}
	c.res.OK = !c.broken
	return c.res
}

func (c *AuditChainChecker) breakAt(seq int64, problem string) bool {
	c.broken = true
	c.res.FirstBrokenSeq = seq
	c.res.Problem = problem
	return false
}

// AuditFilter selects audit rows in seq order.
type AuditFilter struct {
	AfterSeq int64
	Object   string // exact match when set
	Limit    int
}

// AuditLog is the append-only, hash-chained audit log.
type AuditLog interface {
	// AppendAudit validates e, seals it (Seq, At from the catalog's
	// clock, PrevHash, Hash) and appends it. Appends are serialised, so
	// the chain has no forks; inside WithTx the row commits with the
	// change it describes.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	FindAuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
	// VerifyAuditChain walks every row and reports the first break.
	VerifyAuditChain(ctx context.Context) (*AuditCheck, error)
}
