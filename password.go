package sohoa

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Password rules. Length is counted in characters (runes, after NFC
// normalisation), so "mật khẩu" is 8 characters however it was typed.
const (
	MinPasswordLen = 12
	// MaxPasswordLen bounds what a sign-in form may make the server hash;
	// a long passphrase fits easily.
	MaxPasswordLen = 256
)

// Argon2id parameters of new hashes. OWASP's Password Storage Cheat Sheet
// lists equivalent settings trading memory for passes; sohoa takes the
// low-memory one, m=19 MiB, t=2, p=1, rather than m=64 MiB, t=1, p=4: the
// server runs on 2 cores beside uploads and workers and must stay under
// 150 MiB RSS while streaming a 1 GB upload (issue 10), so a burst of
// sign-ins at 64 MiB each would push it over, and p=4 on 2 cores only
// takes CPU from requests without making a hash faster. One hash costs
// about 30–50 ms here. Hashes made with other parameters still verify;
// CheckPassword reports them as needing a rehash.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// Bounds on the parameters read from a stored hash, so a corrupt or
// planted row cannot make one check take gigabytes or minutes.
const (
	maxArgonMemoryKiB = 1 << 20 // 1 GiB
	maxArgonTime      = 64
	maxArgonKeyLen    = 128
	maxArgonSaltLen   = 64
)

// ErrPasswordTooShort and friends are the reasons a new password is
// refused; their messages tell the person what to type instead.
var (
	ErrPasswordTooShort = &Error{Code: EINVALID, Message: fmt.Sprintf(
		"the password is too short: use at least %d characters; a phrase of a few words, with or without Vietnamese diacritics, is easy to remember and hard to guess", MinPasswordLen)}
	ErrPasswordTooLong = &Error{Code: EINVALID, Message: fmt.Sprintf(
		"the password is too long: use at most %d characters", MaxPasswordLen)}
	ErrPasswordInvalid = &Error{Code: EINVALID, Message: "the password is not valid text (UTF-8) or contains control characters such as a line break"}
)

// normalizePassword puts a password in NFC, so the same Vietnamese letters
// typed on keyboards and systems that compose diacritics differently
// (precomposed "ế", or "e" + U+0302 + U+0301) give the same bytes.
func normalizePassword(plain string) string { return norm.NFC.String(plain) }

// ValidatePassword checks a new password: valid UTF-8 without control
// characters, MinPasswordLen to MaxPasswordLen characters. Spaces are
// allowed, at the ends too (a passphrase is a good password).
func ValidatePassword(plain string) error {
	if !utf8.ValidString(plain) {
		return ErrPasswordInvalid
	}
	plain = normalizePassword(plain)
	for _, r := range plain {
		if unicode.IsControl(r) {
			return ErrPasswordInvalid
		}
	}
	switch n := utf8.RuneCountInString(plain); {
	case n < MinPasswordLen:
		return ErrPasswordTooShort
	case n > MaxPasswordLen:
		return ErrPasswordTooLong
	}
	return nil
}

var b64 = base64.RawStdEncoding // PHC strings use unpadded standard base64

// HashPassword validates plain (ValidatePassword) and returns its argon2id
// hash in PHC string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with a fresh random 16-byte salt.
func HashPassword(plain string) (string, error) {
	if err := ValidatePassword(plain); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails
	p := argonParams{memory: argonMemoryKiB, time: argonTime, threads: argonThreads}
	key := argon2.IDKey([]byte(normalizePassword(plain)), salt, p.time, p.memory, p.threads, argonKeyLen)
	return p.encode(salt, key), nil
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

func (p argonParams) encode(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// errBadHash: a stored password hash that cannot be read. It is the
// catalog's data that is wrong, not the caller's input.
func errBadHash(format string, args ...any) error {
	return Errorf(EINTERNAL, "stored password hash: "+format, args...)
}

func parsePasswordHash(hash string) (p argonParams, salt, key []byte, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, errBadHash("not a PHC string")
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, errBadHash("algorithm %.20q is not argon2id", parts[1])
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash("version %.20q is not v=%d", parts[2], argon2.Version)
	}
	var m, t, th uint64
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", m, t, th) != parts[3] {
		return p, nil, nil, errBadHash("parameters %.40q are not m=…,t=…,p=…", parts[3])
	}
	if m < 8*th || m > maxArgonMemoryKiB || t < 1 || t > maxArgonTime || th < 1 || th > 255 {
		return p, nil, nil, errBadHash("parameters %.40q are out of range", parts[3])
	}
	p = argonParams{memory: uint32(m), time: uint32(t), threads: uint8(th)}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 || len(salt) > maxArgonSaltLen {
		return p, nil, nil, errBadHash("bad salt")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > maxArgonKeyLen {
		return p, nil, nil, errBadHash("bad hash")
	}
	return p, salt, key, nil
}

// CheckPassword reports whether plain matches hash (a HashPassword
// result), comparing in constant time. needsRehash says the hash was made
// with other parameters than HashPassword uses now: after a successful
// check, store HashPassword(plain) in its place. A hash that cannot be
// read is EINTERNAL. The length rules are not applied: a password set
// under older rules still signs in.
func CheckPassword(hash, plain string) (ok, needsRehash bool, err error) {
	p, salt, want, err := parsePasswordHash(hash)
	if err != nil {
		return false, false, err
	}
	if len(plain) > 4*MaxPasswordLen { // bytes: a rune is at most 4
		plain = "" // still spend the time, then fail
	}
	got := argon2.IDKey([]byte(normalizePassword(plain)), salt, p.time, p.memory, p.threads, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1 && plain != ""
	needsRehash = p != (argonParams{memory: argonMemoryKiB, time: argonTime, threads: argonThreads}) ||
		len(salt) != argonSaltLen || len(want) != argonKeyLen
	return ok, needsRehash, nil
}

var (
	dummyHashOnce sync.Once
	dummyHash     string
)

// SpendPasswordCheck does the work of a CheckPassword against a hash of
// nothing anyone knows, and always fails. A sign-in for a username that
// does not exist (or has no password) calls it, so it takes as long as one
// for a real user and the timing does not tell which usernames exist.
func SpendPasswordCheck(plain string) {
	dummyHashOnce.Do(func() {
		var b [24]byte
		_, _ = rand.Read(b[:])
		dummyHash, _ = HashPassword(b64.EncodeToString(b[:]))
	})
	_, _, _ = CheckPassword(dummyHash, plain)
}

// GeneratePassword returns a random password for `sohoa user add
// --generate` and the first administrator: 20 characters from an alphabet
// without look-alikes (no 0/O, 1/l/I), about 115 bits.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	const n = 20
	b := make([]byte, n)
	var r [1]byte
	for i := 0; i < n; {
		_, _ = rand.Read(r[:])
		if int(r[0]) >= 256-256%len(alphabet) {
			continue // reject to keep the choice uniform
		}
		b[i] = alphabet[int(r[0])%len(alphabet)]
		i++
	}
	return string(b)
}
