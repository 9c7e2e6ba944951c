package pdfraw

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// EncryptionInfo describes how a revision of the file is encrypted
// (ISO 32000-2, 7.6). Only the standard security handler (/Standard) with
// the empty password is decrypted: that is the common "permissions only"
// protection, which every viewer opens without asking.
type EncryptionInfo struct {
	Filter    Name // security handler: Standard, Adobe.PubSec, ...
	SubFilter Name
	V, R      int
	// Algorithm is the cipher of streams ("RC4-40", "RC4-128", "AES-128",
	// "AES-256"; "none" for the /Identity crypt filter; "" when unknown),
	// StringAlgorithm that of strings.
	Algorithm       string
	StringAlgorithm string
	KeyBits         int   // file key length; 0 when unknown
	P               int32 // permission flags
	EncryptMetadata bool
	// Decrypted is true when the strings and streams read through File are
	// plain text: the empty password authenticated (or no crypt filter
	// needs a key). Otherwise strings come back as stored (encrypted) and
	// reading stream data fails with ErrEncrypted; Reason says why.
	Decrypted bool
	// OwnerPassword is true when it was the empty owner password, not the
	// user password, that authenticated (the user password is not empty).
	OwnerPassword bool
	Reason        string
}

type cryptMethod uint8

const (
	cmNone cryptMethod = iota // Identity: not encrypted
	cmRC4
	cmAES128
	cmAES256
	cmUnknown // an unsupported /CFM
)

// security is the decryption state of one or more revisions: those whose
// trailers carry the same /Encrypt dictionary and first /ID string.
type security struct {
	id      int // 1-based, part of cache keys
	info    *EncryptionInfo
	encDict Dict
	id0     []byte
	key     []byte // file encryption key; nil when not authenticated
	// Methods of the default crypt filters for strings, streams and
	// embedded files, and of every named crypt filter (V4, V5).
	str, stm, eff cryptMethod
	filters       map[Name]cryptMethod
	// locked, when not nil, is why data that needs decrypting cannot be
	// decrypted; it wraps ErrEncrypted.
	locked error
	// unknown names an unsupported crypt filter method; perms a /Perms
	// check that failed (revisions 5 and 6), reported as an anomaly.
	unknown, perms string
}

// Encryption returns how the newest encrypted revision of the file is
// encrypted, or nil when no trailer has an /Encrypt entry. Section.Encryption
// gives it per revision.
func (f *File) Encryption() *EncryptionInfo {
	for i := len(f.sections) - 1; i >= 0; i-- {
		if e := f.sections[i].Encryption; e != nil {
			return e
		}
	}
	return nil
}

// secOf returns the decryption state of section i (nil: not encrypted).
func (f *File) secOf(i int) *security {
	if i < 0 || i >= len(f.secs) {
		return nil
	}
	return f.secs[i]
}

func (sc *security) ident() int {
	if sc == nil {
		return 0
	}
	return sc.id
}

// maxSecurities bounds the distinct encryption dictionaries of a file: each
// costs a few milliseconds of key derivation (revision 6).
const maxSecurities = 8

// setupEncryption reads the /Encrypt dictionary of every revision that has
// one. A revision whose trailer lacks /Encrypt keeps the encryption of the
// revision before it (ISO 32000-2, 7.5.6: an update's trailer repeats the
// previous trailer's entries).
func (f *File) setupEncryption() error {
	for _, s := range f.sections {
		if r, ok := s.Trailer["Encrypt"].(Ref); ok {
			if f.encRefs == nil {
				f.encRefs = map[Ref]bool{}
			}
			f.encRefs[r] = true
		}
	}
	any := false
	for _, s := range f.sections {
		if !isNull(s.Trailer["Encrypt"]) {
			any = true
		}
	}
	if !any {
		return nil
	}
	f.secs = make([]*security, len(f.sections))
	var prev *security
	n := 0
	for i, s := range f.sections {
		eo := s.Trailer["Encrypt"]
		if isNull(eo) {
			if prev != nil {
				f.note(fmt.Sprintf("revision %d: the trailer has no /Encrypt; its objects are read with the encryption of revision %d", i+1, i))
				s.Encryption = prev.info
			}
			f.secs[i] = prev
			continue
		}
		what := fmt.Sprintf("revision %d: /Encrypt", i+1)
		d, err := f.encryptDict(i, eo, what)
		if err != nil {
			return err
		}
		id0, err := firstID(s.Trailer, what)
		if err != nil {
			return err
		}
		if prev != nil && bytes.Equal(id0, prev.id0) && Equal(d, prev.encDict) {
			f.secs[i] = prev
			s.Encryption = prev.info
			continue
		}
		if n == maxSecurities {
			return fmt.Errorf("%w: %s: more than %d different encryption dictionaries", ErrLimit, what, maxSecurities)
		}
		sc, err := newSecurity(d, id0, what)
		if err != nil {
			return err
		}
		switch {
		case prev != nil:
			f.note(fmt.Sprintf("revision %d changes the encryption (its /Encrypt dictionary or first /ID string differs from revision %d's)", i+1, i))
		case i > 0:
			f.note(fmt.Sprintf("revision %d adds /Encrypt; the revisions before it are not encrypted", i+1))
		}
		if sc.info.OwnerPassword {
			f.note(fmt.Sprintf("revision %d: decrypted with the empty owner password (the user password is not empty)", i+1))
		}
		if sc.perms != "" {
			f.note(fmt.Sprintf("revision %d: %s", i+1, sc.perms))
		}
		n++
		sc.id = n
		f.secs[i] = sc
		s.Encryption = sc.info
		prev = sc
	}
	return nil
}

// encryptDict reads the /Encrypt value of revision rev without decrypting it.
func (f *File) encryptDict(rev int, eo Object, what string) (Dict, error) {
	switch v := eo.(type) {
	case Dict:
		return v, nil
	case Ref:
		e, _, ok := f.Entry(rev, v.Num)
		if ok && e.Type == EntryCompressed {
			return nil, fmt.Errorf("%w: %s: the encryption dictionary %d %d R is inside an object stream", ErrMalformed, what, v.Num, v.Gen)
		}
		o, err := f.Object(rev, v)
		if err != nil {
			return nil, fmt.Errorf("%s %d %d R: %w", what, v.Num, v.Gen, err)
		}
		d, ok := o.(Dict)
		if !ok {
			return nil, fmt.Errorf("%w: %s %d %d R is not a dictionary", ErrMalformed, what, v.Num, v.Gen)
		}
		return d, nil
	}
	return nil, fmt.Errorf("%w: %s is neither a dictionary nor a reference", ErrMalformed, what)
}

// firstID returns the first string of the trailer's /ID (empty when there
// is none: the key derivation then uses the empty string, as qpdf does).
func firstID(tr Dict, what string) ([]byte, error) {
	v, ok := tr["ID"]
	if !ok || isNull(v) {
		return []byte{}, nil
	}
	a, ok := v.(Array)
	if !ok || len(a) == 0 {
		return nil, fmt.Errorf("%w: %s: the trailer's /ID is not an array of strings", ErrMalformed, what)
	}
	s, ok := a[0].(String)
	if !ok {
		return nil, fmt.Errorf("%w: %s: the trailer's /ID is not an array of strings", ErrMalformed, what)
	}
	return s.Bytes, nil
}

func methodName(m cryptMethod, keyLen int) string {
	switch m {
	case cmNone:
		return "none"
	case cmRC4:
		return fmt.Sprintf("RC4-%d", keyLen*8)
	case cmAES128:
		return "AES-128"
	case cmAES256:
		return "AES-256"
	}
	return ""
}

func intEntry(d Dict, key Name, def int64, what string) (int64, error) {
	v, ok := d[key]
	if !ok || isNull(v) {
		return def, nil
	}
	n, ok := v.(Int)
	if !ok {
		return 0, fmt.Errorf("%w: %s: /%s is not an integer", ErrMalformed, what, key)
	}
	return int64(n), nil
}

// newSecurity interprets an encryption dictionary and tries the empty
// password. Wrong types and missing required entries are ErrMalformed;
// values it does not support leave the file locked, with a reason.
func newSecurity(d Dict, id0 []byte, what string) (*security, error) {
	filter, ok := d["Filter"].(Name)
	if !ok {
		return nil, fmt.Errorf("%w: %s: /Filter is missing or not a name", ErrMalformed, what)
	}
	info := &EncryptionInfo{Filter: filter, EncryptMetadata: true}
	info.SubFilter, _ = d["SubFilter"].(Name)
	sc := &security{info: info, encDict: d, id0: id0}
	v, err := intEntry(d, "V", 0, what)
	if err != nil {
		return nil, err
	}
	if v < 0 || v > 1000 {
		return nil, fmt.Errorf("%w: %s: bad /V %d", ErrMalformed, what, v)
	}
	info.V = int(v)
	if em, ok := d["EncryptMetadata"]; ok && !isNull(em) {
		b, ok := em.(Bool)
		if !ok {
			return nil, fmt.Errorf("%w: %s: /EncryptMetadata is not a boolean", ErrMalformed, what)
		}
		info.EncryptMetadata = bool(b) || v < 4
	}
	lock := func(format string, args ...any) (*security, error) {
		info.Reason = fmt.Sprintf(format, args...)
		sc.locked = fmt.Errorf("%w: %s", ErrEncrypted, info.Reason)
		// Without a key, data that no crypt filter encrypts is still
		// plain text.
		info.Decrypted = v >= 4 && !sc.needsKey()
		return sc, nil
	}

	// The key length in bytes and the crypt filters.
	n := 5
	switch v {
	case 1:
		sc.str, sc.stm, sc.eff = cmRC4, cmRC4, cmRC4
	case 2, 3:
		bits, err := intEntry(d, "Length", 40, what)
		if err != nil {
			return nil, err
		}
		if bits < 40 || bits > 128 || bits%8 != 0 {
			return lock("unsupported key length /Length %d", bits)
		}
		n = int(bits / 8)
		sc.str, sc.stm, sc.eff = cmRC4, cmRC4, cmRC4
	case 4, 5:
		if err := sc.cryptFilters(d, int(v), what); err != nil {
			return nil, err
		}
		n = 32
		if v == 4 {
			n = 16
			bits, err := intEntry(d, "Length", 128, what)
			if err != nil {
				return nil, err
			}
			if bits < 40 || bits > 128 || bits%8 != 0 {
				return lock("unsupported key length /Length %d", bits)
			}
			n = int(bits / 8)
		}
	}
	info.KeyBits = n * 8
	if v == 1 || v == 2 || v == 3 || v == 4 || v == 5 {
		info.Algorithm = methodName(sc.stm, n)
		info.StringAlgorithm = methodName(sc.str, n)
		if sc.stm == cmNone {
			info.Algorithm = "none"
		}
	} else {
		info.KeyBits = 0
	}
	if sc.unknown != "" {
		return lock("%s", sc.unknown)
	}
	if filter != "Standard" {
		switch filter {
		case "Adobe.PubSec":
			return lock("public-key security handler is not supported (/Filter /Adobe.PubSec: it needs the recipient's private key)")
		}
		return lock("security handler /%s is not supported", filter)
	}

	// Standard security handler.
	r, err := intEntry(d, "R", -1, what)
	if err != nil {
		return nil, err
	}
	if r < 0 {
		return nil, fmt.Errorf("%w: %s: /R is missing", ErrMalformed, what)
	}
	if r > 1000 {
		return nil, fmt.Errorf("%w: %s: bad /R %d", ErrMalformed, what, r)
	}
	info.R = int(r)
	p, ok := d["P"].(Int)
	if !ok {
		return nil, fmt.Errorf("%w: %s: /P is missing or not an integer", ErrMalformed, what)
	}
	if p < math.MinInt32 || p > math.MaxUint32 {
		return nil, fmt.Errorf("%w: %s: /P %d out of range", ErrMalformed, what, p)
	}
	info.P = int32(uint32(p))
	str := func(key Name, min int) ([]byte, error) {
		s, ok := d[key].(String)
		if !ok {
			return nil, fmt.Errorf("%w: %s: /%s is missing or not a string", ErrMalformed, what, key)
		}
		if len(s.Bytes) < min {
			return nil, fmt.Errorf("%w: %s: /%s has %d bytes, fewer than %d", ErrMalformed, what, key, len(s.Bytes), min)
		}
		return s.Bytes, nil
	}
	switch {
	case v < 1 || v == 3 || v > 5:
		return lock("unsupported encryption algorithm /V %d", v)
	case v <= 2 && (r < 2 || r > 4), v == 4 && r != 4, v == 5 && r != 5 && r != 6:
		return lock("unsupported standard security handler revision /R %d with /V %d", r, v)
	}
	for _, m := range []cryptMethod{sc.str, sc.stm, sc.eff} {
		switch {
		case m == cmAES256 && v != 5, m != cmAES256 && m != cmNone && v == 5:
			return lock("crypt filter method %s is not supported with /V %d", methodName(m, n), v)
		case m == cmAES128 && n != 16:
			return lock("AES-128 crypt filter with a %d-bit key", n*8)
		}
	}
	if r <= 4 {
		o, err := str("O", 32)
		if err != nil {
			return nil, err
		}
		u, err := str("U", 32)
		if err != nil {
			return nil, err
		}
		if r == 2 {
			n = 5
			info.KeyBits = 40
			info.Algorithm = methodName(sc.stm, n)
			info.StringAlgorithm = methodName(sc.str, n)
		}
		o, u = o[:32], u[:32]
		key := rc4FileKey(int(r), n, padPassword(nil), o, info.P, id0, info.EncryptMetadata)
		if !rc4UserOK(int(r), key, u, id0) {
			upw := rc4OwnerToUser(int(r), n, padPassword(nil), o)
			key = rc4FileKey(int(r), n, upw, o, info.P, id0, info.EncryptMetadata)
			if !rc4UserOK(int(r), key, u, id0) {
				return lock("needs a user password")
			}
			info.OwnerPassword = true
		}
		sc.key = key
	} else {
		o, err := str("O", 48)
		if err != nil {
			return nil, err
		}
		u, err := str("U", 48)
		if err != nil {
			return nil, err
		}
		oe, err := str("OE", 32)
		if err != nil {
			return nil, err
		}
		ue, err := str("UE", 32)
		if err != nil {
			return nil, err
		}
		o, u, oe, ue = o[:48], u[:48], oe[:32], ue[:32]
		var wrapped, ik []byte
		switch {
		case bytes.Equal(hashV5(int(r), nil, u[32:40], nil), u[:32]):
			wrapped, ik = ue, hashV5(int(r), nil, u[40:48], nil)
		case bytes.Equal(hashV5(int(r), nil, o[32:40], u), o[:32]):
			wrapped, ik = oe, hashV5(int(r), nil, o[40:48], u)
			info.OwnerPassword = true
		default:
			return lock("needs a user password")
		}
		block, _ := aes.NewCipher(ik)
		key := make([]byte, 32)
		cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, wrapped)
		sc.key = key
		if pv, ok := d["Perms"].(String); ok && len(pv.Bytes) >= 16 {
			kb, _ := aes.NewCipher(key)
			var pb [16]byte
			kb.Decrypt(pb[:], pv.Bytes[:16])
			switch {
			case string(pb[9:12]) != "adb":
				sc.perms = "the /Perms entry of the encryption dictionary does not decrypt to a valid value"
			case int32(binary.LittleEndian.Uint32(pb[:4])) != info.P:
				sc.perms = fmt.Sprintf("the permissions in /Perms (%d) differ from /P (%d)", int32(binary.LittleEndian.Uint32(pb[:4])), info.P)
			}
		} else if r == 6 {
			sc.perms = "the encryption dictionary has no valid /Perms entry"
		}
	}
	info.Decrypted = true
	return sc, nil
}

// cryptFilters reads /CF, /StmF, /StrF and /EFF (V4 and V5).
func (sc *security) cryptFilters(d Dict, v int, what string) error {
	sc.filters = map[Name]cryptMethod{}
	if cfo, ok := d["CF"]; ok && !isNull(cfo) {
		cf, ok := cfo.(Dict)
		if !ok {
			return fmt.Errorf("%w: %s: /CF is not a dictionary", ErrMalformed, what)
		}
		for name, fo := range cf {
			fd, ok := fo.(Dict)
			if !ok {
				return fmt.Errorf("%w: %s: crypt filter /%s is not a dictionary", ErrMalformed, what, name)
			}
			cfm := Name("None")
			if c, ok := fd["CFM"]; ok && !isNull(c) {
				if cfm, ok = c.(Name); !ok {
					return fmt.Errorf("%w: %s: /CFM of crypt filter /%s is not a name", ErrMalformed, what, name)
				}
			}
			switch cfm {
			case "None":
				sc.filters[name] = cmNone
			case "V2":
				sc.filters[name] = cmRC4
			case "AESV2":
				sc.filters[name] = cmAES128
			case "AESV3":
				sc.filters[name] = cmAES256
			default:
				sc.filters[name] = cmUnknown
				if sc.unknown == "" {
					sc.unknown = fmt.Sprintf("crypt filter /%s uses the unsupported method /%s", name, cfm)
				}
			}
		}
	}
	get := func(key Name, def cryptMethod) (cryptMethod, error) {
		o, ok := d[key]
		if !ok || isNull(o) {
			return def, nil
		}
		name, ok := o.(Name)
		if !ok {
			return 0, fmt.Errorf("%w: %s: /%s is not a name", ErrMalformed, what, key)
		}
		return sc.filter(name, what)
	}
	var err error
	if sc.str, err = get("StrF", cmNone); err != nil {
		return err
	}
	if sc.stm, err = get("StmF", cmNone); err != nil {
		return err
	}
	if sc.eff, err = get("EFF", sc.stm); err != nil {
		return err
	}
	return nil
}

// needsKey reports whether any crypt filter encrypts (V4, V5).
func (sc *security) needsKey() bool {
	if sc.str != cmNone || sc.stm != cmNone || sc.eff != cmNone {
		return true
	}
	for _, m := range sc.filters {
		if m != cmNone {
			return true
		}
	}
	return false
}

// filter returns the method of the named crypt filter.
func (sc *security) filter(name Name, what string) (cryptMethod, error) {
	if name == "Identity" {
		return cmNone, nil
	}
	m, ok := sc.filters[name]
	if !ok {
		return 0, fmt.Errorf("%w: %s: crypt filter /%s is not defined in /CF", ErrMalformed, what, name)
	}
	return m, nil
}

// Algorithms of the standard security handler (ISO 32000-2, 7.6.4.3).

var passwordPad = [32]byte{
	0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
}

// padPassword pads or truncates a password to 32 bytes (algorithm 2, step a).
func padPassword(pw []byte) []byte {
	out := make([]byte, 32)
	n := copy(out, pw)
	copy(out[n:], passwordPad[:])
	return out
}

// rc4FileKey is algorithm 2: the file key from a padded user password.
func rc4FileKey(r, n int, padded, o []byte, p int32, id0 []byte, encryptMetadata bool) []byte {
	h := md5.New()
	h.Write(padded)
	h.Write(o)
	var pb [4]byte
	binary.LittleEndian.PutUint32(pb[:], uint32(p))
	h.Write(pb[:])
	h.Write(id0)
	if r >= 4 && !encryptMetadata {
		h.Write([]byte{0xFF, 0xFF, 0xFF, 0xFF})
	}
	sum := h.Sum(nil)
	if r >= 3 {
		for range 50 {
			s := md5.Sum(sum[:n])
			sum = s[:]
		}
	}
	return sum[:n]
}

func rc4Crypt(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		panic(err) // keys here are 5 to 16 bytes
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

func xorKey(key []byte, b byte) []byte {
	k := make([]byte, len(key))
	for i, c := range key {
		k[i] = c ^ b
	}
	return k
}

// rc4UserOK is algorithms 4 and 5 followed by the comparison of algorithm
// 6: does key turn into /U?
func rc4UserOK(r int, key, u, id0 []byte) bool {
	if r == 2 {
		return bytes.Equal(rc4Crypt(key, passwordPad[:]), u)
	}
	h := md5.New()
	h.Write(passwordPad[:])
	h.Write(id0)
	x := rc4Crypt(key, h.Sum(nil))
	for i := 1; i <= 19; i++ {
		x = rc4Crypt(xorKey(key, byte(i)), x)
	}
	return bytes.Equal(x[:16], u[:16])
}

// rc4OwnerToUser is algorithm 7 up to the user password: /O decrypted with
// the key made from the (padded) owner password.
func rc4OwnerToUser(r, n int, paddedOwner, o []byte) []byte {
	sum := md5.Sum(paddedOwner)
	if r >= 3 {
		for range 50 {
			sum = md5.Sum(sum[:])
		}
	}
	key := sum[:n]
	if r == 2 {
		return rc4Crypt(key, o)
	}
	x := bytes.Clone(o)
	for i := 19; i >= 0; i-- {
		x = rc4Crypt(xorKey(key, byte(i)), x)
	}
	return x
}

// hashV5 is the password hash of revisions 5 (SHA-256) and 6 (algorithm
// 2.B) over password, salt and, for the owner password, the 48 bytes of /U.
func hashV5(r int, pw, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(pw)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	if r == 5 {
		return k
	}
	// K1 is (password, K, udata) 64 times; K is 32, 48 or 64 bytes.
	maxSeq := len(pw) + 64 + len(udata)
	k1 := make([]byte, 0, 64*maxSeq)
	e := make([]byte, 64*maxSeq)
	for round := 1; ; round++ {
		k1 = append(append(append(k1[:0], pw...), k...), udata...)
		seq := len(k1)
		for range 63 {
			k1 = append(k1, k1[:seq]...)
		}
		block, _ := aes.NewCipher(k[:16])
		e = e[:len(k1)]
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		// The first 16 bytes as a big-endian number, modulo 3, is the
		// sum of those bytes modulo 3 (256 = 1 mod 3).
		sum := 0
		for _, c := range e[:16] {
			sum += int(c)
		}
		switch sum % 3 {
		case 0:
			s := sha256.Sum256(e)
			k = s[:]
		case 1:
			s := sha512.Sum384(e)
			k = s[:]
		default:
			s := sha512.Sum512(e)
			k = s[:]
		}
		if round >= 64 && int(e[len(e)-1]) <= round-32 {
			break
		}
	}
	return k[:32]
}

// objectKey is algorithm 1 (RC4, AES-128: the key depends on the object)
// and 1.A (AES-256: the file key).
func (sc *security) objectKey(m cryptMethod, ref Ref) []byte {
	if m == cmAES256 {
		return sc.key
	}
	buf := make([]byte, 0, len(sc.key)+9)
	buf = append(buf, sc.key...)
	buf = append(buf, byte(ref.Num), byte(ref.Num>>8), byte(ref.Num>>16), byte(ref.Gen), byte(ref.Gen>>8))
	if m == cmAES128 {
		buf = append(buf, "sAlT"...)
	}
	sum := md5.Sum(buf)
	return sum[:min(len(sc.key)+5, 16)]
}

var errAESLength = errors.New("AES-encrypted data is not an initialisation vector followed by whole 16-byte blocks")

// decryptBytes decrypts a string.
func decryptBytes(m cryptMethod, key, data []byte) ([]byte, error) {
	switch m {
	case cmRC4:
		return rc4Crypt(key, data), nil
	case cmAES128, cmAES256:
		if len(data) == 0 {
			return data, nil
		}
		if len(data) < 16 || len(data)%16 != 0 {
			return nil, errAESLength
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		out := make([]byte, len(data)-16)
		cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
		return unpad(out), nil
	}
	return data, nil
}

// unpad removes PKCS#5 padding when it is well formed and leaves the data
// alone otherwise (some writers pad badly; the key was already checked).
func unpad(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	p := int(b[len(b)-1])
	if p < 1 || p > 16 || p > len(b) {
		return b
	}
	for _, c := range b[len(b)-p:] {
		if int(c) != p {
			return b
		}
	}
	return b[:len(b)-p]
}

// isSigDict reports whether d is a signature dictionary, whose /Contents
// is never encrypted (ISO 32000-2, 7.6.2). Like pdf.js and qpdf, a
// dictionary with both /ByteRange and /Contents counts as one.
func isSigDict(d Dict) bool {
	if t, _ := d["Type"].(Name); t == "Sig" || t == "DocTimeStamp" {
		return true
	}
	_, br := d["ByteRange"]
	_, c := d["Contents"]
	return br && c
}

// decryptObject decrypts the strings of the indirect object o (object
// ref), in place: o was just parsed and is not shared yet. Streams get
// what StreamData needs to decrypt their data. Cross-reference streams
// and the encryption dictionary are not encrypted.
func (f *File) decryptObject(sc *security, o Object, ref Ref) Object {
	if sc == nil || f.encRefs[ref] {
		return o
	}
	st, isStream := o.(*Stream)
	if isStream {
		if t, _ := st.Dict["Type"].(Name); t == "XRef" {
			return o
		}
		st.sec, st.ref = sc, ref
	}
	if sc.str == cmNone || sc.locked != nil {
		return o
	}
	key := sc.objectKey(sc.str, ref)
	bad := 0
	var walk func(o Object) Object
	walk = func(o Object) Object {
		switch v := o.(type) {
		case String:
			b, err := decryptBytes(sc.str, key, v.Bytes)
			if err != nil {
				bad++
				return v
			}
			v.Bytes = b
			return v
		case Array:
			for i, e := range v {
				v[i] = walk(e)
			}
		case Dict:
			sig := isSigDict(v)
			for k, e := range v {
				if k == "Contents" && sig {
					continue
				}
				switch e.(type) {
				case String, Array, Dict:
					v[k] = walk(e)
				}
			}
		case *Stream:
			walk(v.Dict)
		}
		return o
	}
	o = walk(o)
	if bad > 0 {
		f.note(fmt.Sprintf("object %d %d: %d string(s) are not valid %s data; read as stored", ref.Num, ref.Gen, bad, methodName(sc.str, len(sc.key))))
	}
	return o
}

// Encrypted reports whether s belongs to an encrypted revision (and is not
// a cross-reference stream): StreamData and StreamHash then decrypt its
// data, unless a crypt filter (/Identity, or clear-text metadata) leaves it
// unencrypted, and fail with ErrEncrypted when it cannot be decrypted.
func (s *Stream) Encrypted() bool { return s.sec != nil }

// streamCrypt returns the decryption method and key of stream s, and the
// filter chain left once a leading /Crypt filter has been applied.
func (f *File) streamCrypt(s *Stream, names []Name, parms []Dict, what string) (cryptMethod, []byte, []Name, []Dict, error) {
	sc := s.sec
	if sc == nil {
		return cmNone, nil, names, parms, nil
	}
	m := sc.stm
	switch t, _ := s.Dict["Type"].(Name); {
	case t == "EmbeddedFile":
		m = sc.eff
	case t == "Metadata" && !sc.info.EncryptMetadata:
		m = cmNone
	}
	if len(names) > 0 && names[0] == "Crypt" {
		name := Name("Identity")
		if parms[0] != nil {
			if n, ok := parms[0]["Name"]; ok {
				if name, ok = n.(Name); !ok {
					return 0, nil, nil, nil, fmt.Errorf("%w: %s: /Crypt filter /Name is not a name", ErrMalformed, what)
				}
			}
		}
		var err error
		if sc.filters == nil {
			if name != "Identity" {
				return 0, nil, nil, nil, fmt.Errorf("%w: %s: /Crypt filter /%s in a file without crypt filters", ErrMalformed, what, name)
			}
			m = cmNone
		} else if m, err = sc.filter(name, what); err != nil {
			return 0, nil, nil, nil, err
		}
		names, parms = names[1:], parms[1:]
	}
	if m == cmNone {
		return cmNone, nil, names, parms, nil
	}
	if sc.locked != nil {
		return 0, nil, nil, nil, fmt.Errorf("%s of object %d %d: %w", what, s.ref.Num, s.ref.Gen, sc.locked)
	}
	return m, sc.objectKey(m, s.ref), names, parms, nil
}

// decryptReader decrypts rd with method m.
func decryptReader(m cryptMethod, key []byte, rd io.Reader) (io.Reader, error) {
	switch m {
	case cmRC4:
		c, err := rc4.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return cipher.StreamReader{S: c, R: rd}, nil
	case cmAES128, cmAES256:
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return &cbcReader{r: rd, block: block}, nil
	}
	return rd, nil
}

// cbcReader decrypts AES-CBC data (a 16-byte IV, then blocks) as it is
// read, holding back the last block until the end to remove its padding.
type cbcReader struct {
	r     io.Reader
	block cipher.Block
	mode  cipher.BlockMode
	buf   []byte
	out   []byte // ready to be read
	obuf  []byte
	held  []byte // the last decrypted block, which may be padding
	err   error
}

func (c *cbcReader) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		c.fill()
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

func (c *cbcReader) fill() {
	if c.mode == nil {
		iv := make([]byte, 16)
		n, err := io.ReadFull(c.r, iv)
		switch {
		case n == 0 && err == io.EOF:
			c.err = io.EOF // empty stream
			return
		case err == io.ErrUnexpectedEOF:
			c.err = errAESLength
			return
		case err != nil:
			c.err = err
			return
		}
		c.mode = cipher.NewCBCDecrypter(c.block, iv)
		c.buf = make([]byte, 16<<10)
		c.held = make([]byte, 0, 16)
	}
	n, err := io.ReadFull(c.r, c.buf)
	final := false
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		final = true
	case err != nil:
		c.err = err
		return
	}
	if n%16 != 0 {
		c.err = errAESLength
		return
	}
	data := c.buf[:n]
	c.mode.CryptBlocks(data, data)
	c.obuf = append(append(c.obuf[:0], c.held...), data...)
	if final {
		c.out = unpad(c.obuf)
		c.held = c.held[:0]
		c.err = io.EOF
		return
	}
	k := len(c.obuf) - 16
	c.held = append(c.held[:0], c.obuf[k:]...)
	c.out = c.obuf[:k]
}
