package sohoa_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func chain(t *testing.T, n int) []*sohoa.AuditEntry {
	t.Helper()
	var rows []*sohoa.AuditEntry
	prevSeq, prevHash := int64(0), sohoa.GenesisHash
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	for i := 0; i < n; i++ {
		e := &sohoa.AuditEntry{Actor: "alice", Action: "dossier.create", Object: "dossier:X", Details: json.RawMessage(`{ "n": ` + string(rune('0'+i)) + ` }`)}
		require.NoError(t, e.Validate())
		e.Seal(prevSeq, prevHash, at.Add(time.Duration(i)*time.Second))
		prevSeq, prevHash = e.Seq, e.Hash
		rows = append(rows, e)
	}
	return rows
}

func check(rows []*sohoa.AuditEntry, headSeq int64, headHash string) sohoa.AuditCheck {
	c := sohoa.NewAuditChainChecker()
	for _, r := range rows {
		if !c.Add(r) {
			break
		}
	}
	return c.Finish(headSeq, headHash)
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
		rows[2].Hash = rows[2].ComputeHash()
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
