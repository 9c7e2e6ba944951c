package catalogtest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// Audit entries appended inside transactions (WithTx), as the pipeline and
// the web server append them: storage/postgres chains them after the
// commit (a sequencer), SQLite as they are appended; either way every
// committed entry is in the chain exactly once, visible to the next read,
// and a rolled-back one never.

// testAuditTxConcurrent appends from many goroutines, each entry in a
// transaction of its own with a catalog change beside it, and checks that
// the chain holds every entry exactly once.
func (s *suite) testAuditTxConcurrent(t *testing.T) {
	c := s.newCatalog(t)
	ctx := t.Context()
	const workers, each = 16, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- c.WithTx(ctx, func(tx sohoa.Catalog) error {
					code := fmt.Sprintf("W%02dU%02d", w, i)
					if err := tx.CreateUnit(ctx, &sohoa.Unit{Code: code, Name: "đơn vị " + code}); err != nil {
						return err
					}
					return tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: fmt.Sprintf("w%d", w), Action: "unit.create", Object: "unit:" + code})
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	res, err := c.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.True(t, res.OK, "%+v", res)
	assert.Equal(t, int64(workers*each), res.Entries)
	assert.Zero(t, res.Pending)

	es, err := c.FindAuditEntries(ctx, sohoa.AuditFilter{Limit: sohoa.MaxPageSize})
	require.NoError(t, err)
	require.Len(t, es, workers*each)
	seen := map[string]int{}
	for i, e := range es {
		assert.Equal(t, int64(i+1), e.Seq)
		seen[e.Object]++
	}
	for w := 0; w < workers; w++ {
		for i := 0; i < each; i++ {
			assert.Equal(t, 1, seen[fmt.Sprintf("unit:W%02dU%02d", w, i)], "worker %d entry %d", w, i)
		}
	}
	head, err := c.ReadAuditHead(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(workers*each), head.Seq)
	assert.Equal(t, es[len(es)-1].Hash, head.Hash)
}

// testAuditTxVisibility: an entry whose transaction committed is found by
// the very next read (of this catalog and of another on the same
// database), with the At and KeyID AppendAudit set; one whose transaction
// rolled back is never found, and takes no seq.
func (s *suite) testAuditTxVisibility(t *testing.T) {
	for _, keyed := range []bool{false, true} {
		t.Run(fmt.Sprintf("keyed=%v", keyed), func(t *testing.T) {
			ctx := t.Context()
			c := s.newCatalog(t)
			var key *sohoa.AuditKey
			if keyed {
				key = auditKey(t, 4)
				c = s.tamper.Reopen(t, c, key)
				require.NoError(t, c.SealAuditHead(ctx, key))
			}
			other := s.tamper.Reopen(t, c, key)
			start := int64(0)
			if keyed {
				start = 1 // the audit.key row
			}

			errBoom := errors.New("boom")
			for i := 0; i < 3; i++ {
				assert.ErrorIs(t, c.WithTx(ctx, func(tx sohoa.Catalog) error {
					require.NoError(t, tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "a", Action: "test.rollback", Object: fmt.Sprintf("x:%d", i)}))
					return errBoom
				}), errBoom)
				var e *sohoa.AuditEntry
				require.NoError(t, c.WithTx(ctx, func(tx sohoa.Catalog) error {
					e = &sohoa.AuditEntry{Actor: "a", Action: "test.commit", Object: fmt.Sprintf("x:%d", i), Details: []byte(`{"n": 1}`)}
					return tx.AppendAudit(ctx, e)
				}))
				assert.False(t, e.At.IsZero(), "AppendAudit sets At")
				if keyed {
					assert.Equal(t, key.ID(), e.KeyID)
				}
				for name, r := range map[string]sohoa.Catalog{"same catalog": c, "another catalog": other} {
					got, err := r.FindAuditEntries(ctx, sohoa.AuditFilter{Object: fmt.Sprintf("x:%d", i)})
					require.NoError(t, err, name)
					require.Len(t, got, 1, "%s: the committed entry, and not the rolled-back one", name)
					assert.Equal(t, "test.commit", got[0].Action, name)
					assert.Equal(t, start+int64(i)+1, got[0].Seq, "%s: rolled-back entries take no seq", name)
					assert.Equal(t, e.At, got[0].At, "%s: At is the append's", name)
					assert.Equal(t, `{"n":1}`, string(got[0].Details), name)
					assert.Equal(t, e.KeyID, got[0].KeyID, name)
				}
				head, err := other.ReadAuditHead(ctx)
				require.NoError(t, err)
				assert.Equal(t, start+int64(i)+1, head.Seq)
			}
			// An append after them, outside a transaction, comes back
			// sealed after them.
			e := &sohoa.AuditEntry{Actor: "a", Action: "test.after"}
			require.NoError(t, c.AppendAudit(ctx, e))
			assert.Equal(t, start+4, e.Seq)
			res, err := other.VerifyAuditChain(ctx)
			require.NoError(t, err)
			assert.True(t, res.OK, "%+v", res)
			assert.Equal(t, start+4, res.Entries)
			es, err := c.FindAuditEntries(ctx, sohoa.AuditFilter{Action: "test.rollback"})
			require.NoError(t, err)
			assert.Empty(t, es)
		})
	}
}

// testAuditTxRefused: inside a transaction too, an append the head does
// not accept is refused at once, and nothing of it is left once the
// caller's transaction commits anyway.
func (s *suite) testAuditTxRefused(t *testing.T) {
	ctx := t.Context()
	c, _ := s.keyedLog(t)
	head, err := c.ReadAuditHead(ctx)
	require.NoError(t, err)
	for name, cat := range map[string]sohoa.Catalog{"no key": s.tamper.Reopen(t, c, nil), "another key": s.tamper.Reopen(t, c, auditKey(t, 2))} {
		err := cat.WithTx(ctx, func(tx sohoa.Catalog) error {
			err := tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "a", Action: "test.refused"})
			if name == "no key" {
				assert.ErrorIs(t, err, sohoa.ErrAuditKeyRequired)
			} else {
				assert.ErrorIs(t, err, sohoa.ErrAuditKeyMismatch)
			}
			return nil // the caller goes on and commits
		})
		require.NoError(t, err, name)
	}
	res, err := c.VerifyAuditChain(ctx)
	require.NoError(t, err)
	assert.True(t, res.OK, "%+v", res)
	assert.Equal(t, head.Seq, res.Entries)
	assert.Zero(t, res.Pending+res.Rejected)
	es, err := c.FindAuditEntries(ctx, sohoa.AuditFilter{Action: "test.refused"})
	require.NoError(t, err)
	assert.Empty(t, es)
}
