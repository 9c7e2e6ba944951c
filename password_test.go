package sohoa_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/sohoa/sohoa"
)

func TestHashPassword(t *testing.T) {
	const pw = "mật khẩu rất dài"
	h, err := sohoa.HashPassword(pw)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$"), h)
	assert.NotContains(t, h, pw)
	parts := strings.Split(h, "$")
	require.Len(t, parts, 6)
	assert.Len(t, parts[4], 22, "16-byte salt, unpadded base64")
	assert.Len(t, parts[5], 43, "32-byte key, unpadded base64")

	h2, err := sohoa.HashPassword(pw)
	require.NoError(t, err)
	assert.NotEqual(t, h, h2, "every hash has its own salt")

	ok, rehash, err := sohoa.CheckPassword(h, pw)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.False(t, rehash)

	for _, wrong := range []string{"mật khẩu rất dàI", "mat khau rat dai", "", pw + " ", strings.Repeat("x", 5000)} {
		ok, _, err = sohoa.CheckPassword(h, wrong)
		require.NoError(t, err)
		assert.False(t, ok, "%q", wrong)
	}

	// The same letters typed decomposed (e + combining marks) sign in.
	decomposed := "ma\u0302\u0323t kha\u0302\u0309u ra\u0302\u0301t da\u0300i"
	require.NotEqual(t, pw, decomposed)
	ok, _, err = sohoa.CheckPassword(h, decomposed)
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestValidatePassword(t *testing.T) {
	for pw, want := range map[string]error{
		"short":                             sohoa.ErrPasswordTooShort,
		"mười một ký":                       sohoa.ErrPasswordTooShort, // 11 characters, more bytes
		"mười hai ký ":                      nil,                       // 12 characters, spaces count
		"ngựa ô ăn cỏ":                      nil,
		strings.Repeat("a", 256):            nil,
		strings.Repeat("a", 257):            sohoa.ErrPasswordTooLong,
		"has a line\nbreak in it":           sohoa.ErrPasswordInvalid,
		"not utf-8 at all \xff\xfe the end": sohoa.ErrPasswordInvalid,
	} {
		err := sohoa.ValidatePassword(pw)
		if want == nil {
			assert.NoError(t, err, "%q", pw)
			continue
		}
		assert.ErrorIs(t, err, want, "%q", pw)
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
		_, herr := sohoa.HashPassword(pw)
		assert.ErrorIs(t, herr, want)
	}
	assert.Contains(t, sohoa.Message(sohoa.ErrPasswordTooShort), "at least 12 characters")
}

func TestCheckPasswordOtherParameters(t *testing.T) {
	// A hash made with other (older, or OWASP's other) parameters still
	// verifies and asks to be redone.
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("correct horse battery"), salt, 1, 64*1024, 4, 32)
	b64 := base64.RawStdEncoding.EncodeToString
	h := "$argon2id$v=19$m=65536,t=1,p=4$" + b64(salt) + "$" + b64(key)
	ok, rehash, err := sohoa.CheckPassword(h, "correct horse battery")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.True(t, rehash)
	ok, _, err = sohoa.CheckPassword(h, "correct horse batterY")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestCheckPasswordBadHash(t *testing.T) {
	good, err := sohoa.HashPassword("a good long password")
	require.NoError(t, err)
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":        "",
		"bcrypt":       "$2a$10$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		"argon2i":      strings.Replace(good, "argon2id", "argon2i", 1),
		"version":      strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":  strings.Replace(good, "m=19456", "m=99999999", 1),
		"huge time":    strings.Replace(good, "t=2", "t=1000", 1),
		"zero threads": strings.Replace(good, "p=1", "p=0", 1),
		"junk params":  strings.Replace(good, "p=1", "p=1,x=2", 1),
		"bad salt":     strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"short key":    strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
	} {
		ok, _, err := sohoa.CheckPassword(h, "a good long password")
		assert.False(t, ok, name)
		assert.Equal(t, sohoa.EINTERNAL, sohoa.Code(err), "%s: %v", name, err)
	}
}

// An unknown user costs about as much as a wrong password: the dummy check
// is not a shortcut. Only the lower bound is asserted: a busy machine can
// slow either, but not make a real argon2id run return at once.
func TestSpendPasswordCheck(t *testing.T) {
	h, err := sohoa.HashPassword("a good long password")
	require.NoError(t, err)
	sohoa.SpendPasswordCheck("warm up the dummy hash")
	real, dummy := time.Hour, time.Hour
	for range 5 { // alternate, and keep the fastest of each
		start := time.Now()
		_, _, _ = sohoa.CheckPassword(h, "wrong password here")
		real = min(real, time.Since(start))
		start = time.Now()
		sohoa.SpendPasswordCheck("wrong password here")
		dummy = min(dummy, time.Since(start))
	}
	assert.Greater(t, float64(dummy), float64(real)/4, "real %v, dummy %v", real, dummy)
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p := sohoa.GeneratePassword()
		require.Len(t, p, 20)
		require.NoError(t, sohoa.ValidatePassword(p))
		require.NotContains(t, p, "0")
		require.NotContains(t, p, "l")
		require.False(t, seen[p])
		seen[p] = true
	}
}
