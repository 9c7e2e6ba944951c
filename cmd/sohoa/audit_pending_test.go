package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// pendingMAC is storage/internal/sqlcat.PendingMAC, written out: the MAC a
// holder of the audit key writes beside an entry waiting in audit_pending.
func pendingMAC(key *sohoa.AuditKey, at time.Time, actor, action, object, details string) string {
	const purpose = "sohoa audit pending entry v1"
	secret := key.DeriveSecret(purpose)
	var b []byte
	for _, s := range []string{purpose, at.UTC().Format(sohoa.AuditTimeFormat), actor, action, object, details, key.ID()} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	m := hmac.New(sha256.New, secret[:])
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}

// On PostgreSQL entries appended in a transaction wait in audit_pending
// until a sealer chains them; one left there (a crash after the commit)
// is chained by `sohoa audit verify`, which says so; one written there
// without the key is refused and reported as a break.
func TestAuditVerifyPending(t *testing.T) {
	s := newAuditSite(t, "postgres")
	secret, err := os.ReadFile(s.keyFile())
	require.NoError(t, err)
	key, err := sohoa.NewAuditKey(secret)
	require.NoError(t, err)
	entries := func(out string) int {
		m := regexp.MustCompile(`audit log intact: (\d+) entries`).FindStringSubmatch(out)
		require.NotNil(t, m, out)
		n, _ := strconv.Atoi(m[1])
		return n
	}
	code, out, errOut := runCmd(t, s.vars, "audit", "verify")
	require.Equal(t, 0, code, "%s\n%s", out, errOut)
	before := entries(out)
	at := time.Now().UTC().Truncate(time.Microsecond)
	s.exec(t, `INSERT INTO audit_pending (at, actor, action, object, details, key_id, mac) VALUES (?, 'system:test', 'test.pending', 'x:1', '{}', ?, ?)`,
		at, key.ID(), pendingMAC(key, at, "system:test", "test.pending", "x:1", "{}"))

	code, out, errOut = runCmd(t, s.vars, "audit", "verify")
	require.Equal(t, 0, code, "%s\n%s", out, errOut)
	assert.Equal(t, before+1, entries(out), "the pending entry is chained")
	if strings.Contains(out, "pending entries") { // unless the process's background sealer was first
		assert.Contains(t, out, "pending entries (committed, not yet chained): 1 chained before the check, 0 committed during it")
	}

	code, out, errOut = runCmd(t, s.vars, "audit", "verify")
	require.Equal(t, 0, code, "%s\n%s", out, errOut)
	assert.NotContains(t, out, "pending entries", "nothing left")

	s.exec(t, `INSERT INTO audit_pending (at, actor, action, object, details, key_id, mac) VALUES (?, 'mallory', 'user.create', 'user:mallory', '{}', ?, 'forged')`,
		at, key.ID())
	code, out, _ = runCmd(t, s.vars, "audit", "verify")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "audit log BROKEN")
	assert.Contains(t, out, "refused by the sealer")
}
