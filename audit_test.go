package sohoa_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func chain(t *testing.T, n int) []*sohoa.AuditEntry {
	t.Helper()
	return extend(t, nil, n, nil)
}

// extend appends n rows to rows, keyed with key when it is set.
func extend(t *testing.T, rows []*sohoa.AuditEntry, n int, key *sohoa.AuditKey) []*sohoa.AuditEntry {
	t.Helper()
	prevSeq, prevHash := int64(0), sohoa.GenesisHash
	if len(rows) > 0 {
		prevSeq, prevHash = rows[len(rows)-1].Seq, rows[len(rows)-1].Hash
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	for i := 0; i < n; i++ {
		e := &sohoa.AuditEntry{Actor: "alice", Action: "dossier.create", Object: "dossier:X", Details: json.RawMessage(`{ "n": ` + string(rune('0'+i)) + ` }`)}
		require.NoError(t, e.Validate())
		e.Seal(prevSeq, prevHash, at.Add(time.Duration(prevSeq)*time.Second), key)
		prevSeq, prevHash = e.Seq, e.Hash
		rows = append(rows, e)
	}
	return rows
}

func check(rows []*sohoa.AuditEntry, headSeq int64, headHash string) sohoa.AuditCheck {
	res, err := checkKeyed(rows, nil, sohoa.AuditHead{Seq: headSeq, Hash: headHash})
	if err != nil {
		panic(err)
	}
	return res
}

func checkKeyed(rows []*sohoa.AuditEntry, key *sohoa.AuditKey, head sohoa.AuditHead) (sohoa.AuditCheck, error) {
	c := sohoa.NewAuditChainChecker(key)
	for _, r := range rows {
		if !c.Add(r) {
			break
		}
	}
	return c.Finish(head)
}

func TestAuditChain(t *testing.T) {
	rows := chain(t, 5)
	assert.Equal(t, `{"n":0}`, string(rows[0].Details), "details are compacted before hashing")
	assert.Equal(t, sohoa.GenesisHash, rows[0].PrevHash)
	assert.Equal(t, int64(1), rows[0].Seq)
	assert.Equal(t, 0, rows[0].At.Nanosecond()%1000, "time truncated to µs")
	head := rows[4]

	res := check(rows, head.Seq, head.Hash)
	assert.True(t, res.OK)
	assert.Equal(t, int64(5), res.Entries)

	empty := check(nil, 0, "")
	assert.True(t, empty.OK)

	t.Run("edited", func(t *testing.T) {
		rows := chain(t, 5)
		rows[2].Actor = "mallory"
		res := check(rows, rows[4].Seq, rows[4].Hash)
		assert.False(t, res.OK)
		assert.Equal(t, int64(3), res.FirstBrokenSeq)
		assert.Contains(t, res.Problem, "altered")
	})
	t.Run("edited and rehashed", func(t *testing.T) {
		rows := chain(t, 5)
		rows[2].Actor = "mallory"
		rows[2].Hash = rows[2].ComputeHash(nil)
		res := check(rows, rows[4].Seq, rows[4].Hash)
		assert.Equal(t, int64(4), res.FirstBrokenSeq, "the next row no longer links")
	})
	t.Run("deleted", func(t *testing.T) {
		rows := chain(t, 5)
		rows = append(rows[:1], rows[2:]...)
		res := check(rows, 5, rows[3].Hash)
		assert.Equal(t, int64(2), res.FirstBrokenSeq)
		assert.Contains(t, res.Problem, "missing")
	})
	t.Run("tail deleted", func(t *testing.T) {
		rows := chain(t, 5)
		res := check(rows[:4], 5, rows[4].Hash)
		assert.Equal(t, int64(5), res.FirstBrokenSeq)
	})
	t.Run("all deleted", func(t *testing.T) {
		res := check(nil, 5, "x")
		assert.Equal(t, int64(1), res.FirstBrokenSeq)
	})
}

func TestAuditEntryValidate(t *testing.T) {
	for _, e := range []sohoa.AuditEntry{
		{Actor: "", Action: "x"},
		{Actor: "a", Action: ""},
		{Actor: "a", Action: "x", Details: json.RawMessage(`{`)},
		{Actor: "a\x00", Action: "x"},
		{Actor: string([]byte{0xff}), Action: "x"},
	} {
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(e.Validate()), "%+v", e)
	}
	e := sohoa.AuditEntry{Actor: "a", Action: "x"}
	require.NoError(t, e.Validate())
	assert.Equal(t, "{}", string(e.Details))
}

func testKey(t *testing.T, b byte) *sohoa.AuditKey {
	t.Helper()
	secret := make([]byte, sohoa.AuditKeySize)
	for i := range secret {
		secret[i] = b + byte(i)
	}
	k, err := sohoa.NewAuditKey(secret)
	require.NoError(t, err)
	return k
}

// headOf is the head an honest append leaves after rows.
func headOf(rows []*sohoa.AuditEntry, key *sohoa.AuditKey) sohoa.AuditHead {
	h := sohoa.AuditHead{Seq: 0, Hash: sohoa.GenesisHash}
	if len(rows) > 0 {
		h.Seq, h.Hash = rows[len(rows)-1].Seq, rows[len(rows)-1].Hash
	}
	if key != nil {
		h.SealWith(key)
	}
	return h
}

// rehashUnkeyed rewrites rows from index i on as an attacker without the
// key can: as unkeyed rows, each linked to the one before.
func rehashUnkeyed(rows []*sohoa.AuditEntry, i int) {
	for ; i < len(rows); i++ {
		if i > 0 {
			rows[i].PrevHash = rows[i-1].Hash
		}
		rows[i].KeyID = ""
		rows[i].Hash = rows[i].ComputeHash(nil)
	}
}

func TestAuditUnkeyedHashUnchanged(t *testing.T) {
	// The hash the version before keys computed for this row: unkeyed rows
	// written then stay valid.
	e := &sohoa.AuditEntry{Actor: "clerk1", Action: "dossier.create", Object: "dossier:D-1", Details: json.RawMessage(`{"i":1,"note":"tạo hồ sơ"}`)}
	e.Seal(41, "ab"+strings.Repeat("cd", 31), time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), nil)
	assert.Equal(t, "7140af001365358a715bd22503eda5b1221cc54155ad66bf63b77e6bcc3ab1de", e.Hash)
	assert.Empty(t, e.KeyID)
}

func TestAuditKeyNeverPrinted(t *testing.T) {
	secret := make([]byte, sohoa.AuditKeySize)
	for i := range secret {
		secret[i] = 0xa0 + byte(i)
	}
	k, err := sohoa.NewAuditKey(secret)
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{16}$`, k.ID())
	b, err := json.Marshal(k)
	require.NoError(t, err)
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "key", k)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k), fmt.Sprintf("%x", k), fmt.Sprintf("%v", *k), string(b), logged.String()} {
		assert.NotContains(t, s, hex.EncodeToString(secret)[:8], s)
		assert.NotContains(t, s, string(secret[:4]), s)
		assert.NotContains(t, s, "[", "no key material: %s", s)
	}
	assert.Contains(t, fmt.Sprint(k), k.ID())

	_, err = sohoa.NewAuditKey(secret[:31])
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
	other, err := sohoa.NewAuditKey(append([]byte{1}, secret[1:]...))
	require.NoError(t, err)
	assert.NotEqual(t, k.ID(), other.ID())
}

func TestAuditKeyedChain(t *testing.T) {
	key, other := testKey(t, 1), testKey(t, 2)
	// Three rows from before the key, then three keyed ones.
	build := func() []*sohoa.AuditEntry { return extend(t, chain(t, 3), 3, key) }

	rows := build()
	assert.Empty(t, rows[2].KeyID)
	assert.Equal(t, key.ID(), rows[3].KeyID)
	assert.Equal(t, rows[2].Hash, rows[3].PrevHash, "the first keyed row seals the unkeyed ones")
	assert.Empty(t, rows[3].ComputeHash(nil), "a keyed row's hash needs the key")
	assert.Empty(t, rows[3].ComputeHash(other))

	res, err := checkKeyed(rows, key, headOf(rows, key))
	require.NoError(t, err)
	assert.True(t, res.OK, "%+v", res)
	assert.Equal(t, int64(6), res.Entries)
	assert.Equal(t, int64(4), res.FirstKeyedSeq)
	assert.Equal(t, key.ID(), res.KeyID)

	t.Run("without the key", func(t *testing.T) {
		_, err := checkKeyed(rows, nil, headOf(rows, key))
		assert.ErrorIs(t, err, sohoa.ErrAuditKeyRequired)
		// Only the head is keyed (a key was made, nothing appended yet).
		old := chain(t, 3)
		_, err = checkKeyed(old, nil, headOf(old, key))
		assert.ErrorIs(t, err, sohoa.ErrAuditKeyRequired)
	})
	t.Run("another key", func(t *testing.T) {
		res, err := checkKeyed(rows, other, headOf(rows, key))
		require.NoError(t, err)
		assert.False(t, res.OK)
		assert.Equal(t, int64(4), res.FirstBrokenSeq)
		assert.Contains(t, res.Problem, "names key")
	})
	t.Run("keyed row edited and the chain recomputed without the key", func(t *testing.T) {
		rows := build()
		rows[4].Actor = "mallory"
		rehashUnkeyed(rows, 4)
		head := headOf(rows, nil)
		res, err := checkKeyed(rows, key, head)
		require.NoError(t, err)
		assert.Equal(t, int64(5), res.FirstBrokenSeq, "%+v", res)
		assert.Contains(t, res.Problem, "not keyed")
		// A verifier without the key still sees the downgrade.
		res, err = checkKeyed(rows, nil, head)
		if err == nil {
			assert.False(t, res.OK)
		}
	})
	t.Run("every row rewritten unkeyed, head unsealed", func(t *testing.T) {
		rows := build()
		rows[1].Actor = "mallory"
		rehashUnkeyed(rows, 1)
		res, err := checkKeyed(rows, key, headOf(rows, nil))
		require.NoError(t, err)
		assert.False(t, res.OK)
		assert.Contains(t, res.Problem, "not sealed")
	})
	t.Run("unkeyed row edited, recomputed up to the first keyed row", func(t *testing.T) {
		rows := build()
		rows[1].Actor = "mallory"
		rehashUnkeyed(rows[:3], 1)
		rows[3].PrevHash = rows[2].Hash
		res, err := checkKeyed(rows, key, headOf(rows, key))
		require.NoError(t, err)
		assert.Equal(t, int64(4), res.FirstBrokenSeq, "%+v", res)
		assert.Contains(t, res.Problem, "altered")
	})
	t.Run("tail cut and head moved back", func(t *testing.T) {
		rows := build()
		head := headOf(rows, key)
		rows = rows[:4]
		head.Seq, head.Hash = rows[3].Seq, rows[3].Hash // the seal cannot be recomputed
		res, err := checkKeyed(rows, key, head)
		require.NoError(t, err)
		assert.False(t, res.OK)
		assert.Equal(t, int64(4), res.FirstBrokenSeq)
		assert.Contains(t, res.Problem, "seal mismatch")
		// Moved back before the first keyed row, head unsealed.
		res, err = checkKeyed(rows[:3], key, headOf(rows[:3], nil))
		require.NoError(t, err)
		assert.False(t, res.OK)
		assert.Contains(t, res.Problem, "not sealed")
	})
	t.Run("wiped", func(t *testing.T) {
		res, err := checkKeyed(nil, key, sohoa.AuditHead{Seq: 0, Hash: sohoa.GenesisHash})
		require.NoError(t, err)
		assert.False(t, res.OK)
		assert.Equal(t, int64(1), res.FirstBrokenSeq)
		assert.Contains(t, res.Problem, "not sealed")
	})
	t.Run("sealed head without a keyed row", func(t *testing.T) {
		// Sealing appends the first keyed row: a sealed head over
		// unkeyed rows only (or none) is a log whose keyed rows were cut,
		// with a head saved from before.
		rows := chain(t, 3)
		res, err := checkKeyed(rows, key, headOf(rows, key))
		require.NoError(t, err)
		assert.False(t, res.OK)
		assert.Equal(t, int64(4), res.FirstBrokenSeq)
		assert.Contains(t, res.Problem, "no row is keyed")
		res, err = checkKeyed(nil, key, headOf(nil, key))
		require.NoError(t, err)
		assert.False(t, res.OK)
		assert.Equal(t, int64(1), res.FirstBrokenSeq)
	})
}

func TestAuditHeadCheckKey(t *testing.T) {
	key, other := testKey(t, 1), testKey(t, 2)
	unsealed := sohoa.AuditHead{Seq: 3, Hash: sohoa.GenesisHash}
	sealed := unsealed
	sealed.SealWith(key)

	assert.NoError(t, unsealed.CheckKey(nil))
	assert.NoError(t, sealed.CheckKey(key))
	assert.ErrorIs(t, sealed.CheckKey(nil), sohoa.ErrAuditKeyRequired)
	assert.ErrorIs(t, sealed.CheckKey(other), sohoa.ErrAuditKeyMismatch)
	assert.ErrorIs(t, unsealed.CheckKey(key), sohoa.ErrAuditHeadInvalid)
	moved := sealed
	moved.Seq = 2
	assert.ErrorIs(t, moved.CheckKey(key), sohoa.ErrAuditHeadInvalid)
	assert.Equal(t, sohoa.EFORBIDDEN, sohoa.Code(sealed.CheckKey(nil)))
}
