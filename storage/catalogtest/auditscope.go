package catalogtest

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// testAuditFilter checks the audit log's filters: newest first with
// paging, action and actor, and the scope matched through the object (a
// unit, a dossier of the unit, a document of such a dossier).
func (s *suite) testAuditFilter(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	s.dossier(t, c, "D-OSS1", "OSS1", base)
	s.dossier(t, c, "D-OSS3", "OSS3", base)
	doc1 := s.document(t, c, "D-OSS1", 1)
	doc3 := s.document(t, c, "D-OSS3", 3)
	objects := []string{
		"unit:OSS1", "dossier:D-OSS1", "document:" + strconv.FormatInt(doc1.ID, 10), // 1-3: OSS1
		"unit:OSS3", "dossier:D-OSS3", "document:" + strconv.FormatInt(doc3.ID, 10), // 4-6: OSS3
		"user:clerk1", "procedure:1.001", "document:abc", "document:", "dossier:GONE", "", // 7-12: no unit
	}
	for i, o := range objects {
		actor := "user:clerk1"
		if i%2 == 1 {
			actor = "user:auditor1"
		}
		require.NoError(t, c.AppendAudit(ctx, &sohoa.AuditEntry{Actor: actor, Action: "test.a" + strconv.Itoa(i%3), Object: o}))
	}
	seqs := func(f sohoa.AuditFilter) []int64 {
		t.Helper()
		es, err := c.FindAuditEntries(ctx, f)
		require.NoError(t, err)
		out := []int64{}
		for _, e := range es {
			out = append(out, e.Seq)
		}
		return out
	}
	dep1 := &sohoa.Scope{Units: []string{"DEP1"}}
	assert.Equal(t, []int64{1, 2, 3}, seqs(sohoa.AuditFilter{Scope: dep1}))
	assert.Equal(t, []int64{6, 5, 4}, seqs(sohoa.AuditFilter{Scope: &sohoa.Scope{Units: []string{"OSS3"}}, Newest: true}))
	assert.Equal(t, []int64{6, 5, 4, 3, 2, 1}, seqs(sohoa.AuditFilter{Scope: &sohoa.Scope{Units: []string{"OSS1", "DEP2"}}, Newest: true}))
	assert.Empty(t, seqs(sohoa.AuditFilter{Scope: &sohoa.Scope{Units: []string{"OSS2"}}}))
	assert.Len(t, seqs(sohoa.AuditFilter{Scope: &sohoa.Scope{All: true}}), len(objects))
	assert.Len(t, seqs(sohoa.AuditFilter{}), len(objects))

	// Newest first, paged with BeforeSeq.
	assert.Equal(t, []int64{12, 11, 10}, seqs(sohoa.AuditFilter{Newest: true, Limit: 3}))
	assert.Equal(t, []int64{9, 8, 7}, seqs(sohoa.AuditFilter{Newest: true, BeforeSeq: 10, Limit: 3}))
	assert.Equal(t, []int64{2, 1}, seqs(sohoa.AuditFilter{Scope: dep1, Newest: true, BeforeSeq: 3}))

	// Action, actor and object, alone and with the scope.
	assert.Equal(t, []int64{1, 4, 7, 10}, seqs(sohoa.AuditFilter{Action: "test.a0"}))
	assert.Equal(t, []int64{2, 4, 6, 8, 10, 12}, seqs(sohoa.AuditFilter{Actor: "user:auditor1"}))
	assert.Equal(t, []int64{2}, seqs(sohoa.AuditFilter{Actor: "user:auditor1", Scope: dep1}))
	assert.Equal(t, []int64{1}, seqs(sohoa.AuditFilter{Action: "test.a0", Scope: dep1}))
	assert.Empty(t, seqs(sohoa.AuditFilter{Object: "dossier:D-OSS3", Scope: dep1}))
	assert.Equal(t, []int64{5}, seqs(sohoa.AuditFilter{Object: "dossier:D-OSS3"}))

	_, err := c.FindAuditEntries(ctx, sohoa.AuditFilter{Scope: &sohoa.Scope{}})
	requireCode(t, sohoa.EFORBIDDEN, err)
}
