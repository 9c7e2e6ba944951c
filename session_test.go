package sohoa_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func TestSessionCheck(t *testing.T) {
	start := time.Date(2026, 3, 1, 1, 2, 3, 456789123, time.FixedZone("ICT", 7*3600))
	s, err := sohoa.NewSession("lan", start, start.Add(8*time.Hour), strings.Repeat("ệ", 600)+"\x07", " 192.0.2.1 ")
	require.NoError(t, err)
	assert.Equal(t, time.UTC, s.CreatedAt.Location())
	assert.Equal(t, 0, s.CreatedAt.Nanosecond()%1000, "microseconds, as stored")
	assert.Equal(t, s.CreatedAt, s.LastSeenAt)
	assert.Equal(t, sohoa.MaxUserAgentLen, len([]rune(s.UserAgent)))
	assert.Equal(t, "192.0.2.1", s.Addr)

	idle := 20 * time.Minute
	require.NoError(t, s.Check(s.CreatedAt.Add(idle-time.Microsecond), idle))
	assert.Equal(t, sohoa.EUNAUTHORIZED, sohoa.Code(s.Check(s.CreatedAt.Add(idle), idle)))
	require.NoError(t, s.Check(s.CreatedAt.Add(idle), 0))
	assert.Equal(t, sohoa.EUNAUTHORIZED, sohoa.Code(s.Check(s.ExpiresAt, 0)))
	assert.False(t, s.NeedsTouch(s.LastSeenAt.Add(59*time.Second)))
	assert.True(t, s.NeedsTouch(s.LastSeenAt.Add(time.Minute)))

	_, err = sohoa.NewSession("bad name", start, start.Add(time.Hour), "", "")
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
	_, err = sohoa.NewSession("lan", time.Time{}, start, "", "")
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
	_, err = sohoa.NewSession("lan", start, start.Add(time.Hour), "", strings.Repeat("1", 65))
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
}

func TestSessionSecrets(t *testing.T) {
	token, id, csrf := sohoa.NewSessionSecrets()
	assert.Len(t, token, 43)
	assert.Equal(t, sohoa.SessionID(token), id)
	assert.Len(t, id, 64)
	assert.Len(t, csrf, 64)
	assert.NotContains(t, token, csrf)
	token2, _, csrf2 := sohoa.NewSessionSecrets()
	assert.NotEqual(t, token, token2)
	assert.NotEqual(t, csrf, csrf2)
}

func TestSignInKey(t *testing.T) {
	assert.Equal(t, "lan.nguyen@bo", sohoa.SignInKey("lan.nguyen@bo"))
	assert.Equal(t, "", sohoa.SignInKey("lan nguyen"))
	assert.Equal(t, "", sohoa.SignInKey(strings.Repeat("a", 65)))
}
