package pdfraw

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/require"
)

func openFile(t *testing.T, name string) (*File, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "encrypted", name))
	require.NoError(t, err)
	f, err := Open(bytes.NewReader(data), int64(len(data)), Limits{})
	require.NoError(t, err, name)
	return f, data
}

// sample is what the tests read from the files made from src.pdf.
type sample struct {
	catalog    Dict
	content    *Stream // the page's content stream
	metadata   *Stream
	title      String // /Info /Title
	sig        Dict   // the signature dictionary (/V of the field)
	contentRef Ref
}

func resolveT(t *testing.T, f *File, o Object) Object {
	t.Helper()
	o, err := f.Resolve(-1, o)
	require.NoError(t, err)
	return o
}

func readSample(t *testing.T, f *File) sample {
	t.Helper()
	var s sample
	s.catalog = resolveT(t, f, f.Trailer(-1)["Root"]).(Dict)
	require.Equal(t, Name("Catalog"), s.catalog["Type"])
	pages := resolveT(t, f, s.catalog["Pages"]).(Dict)
	page := resolveT(t, f, pages["Kids"].(Array)[0]).(Dict)
	s.contentRef = page["Contents"].(Ref)
	s.content = resolveT(t, f, s.contentRef).(*Stream)
	s.metadata = resolveT(t, f, s.catalog["Metadata"]).(*Stream)
	s.title = resolveT(t, f, f.Trailer(-1)["Info"]).(Dict)["Title"].(String)
	acro := resolveT(t, f, s.catalog["AcroForm"]).(Dict)
	field := resolveT(t, f, acro["Fields"].(Array)[0]).(Dict)
	s.sig = resolveT(t, f, field["V"]).(Dict)
	return s
}

func utf16be(s string) []byte {
	out := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u>>8), byte(u))
	}
	return out
}

func TestEncryptedQPDF(t *testing.T) {
	plain, _ := openFile(t, "plain.pdf")
	require.Nil(t, plain.Encryption())
	ps := readSample(t, plain)
	wantContent, err := plain.StreamData(ps.content, 0)
	require.NoError(t, err)
	require.Equal(t, "BT /F1 24 Tf 72 720 Td (Hello, encrypted world) Tj ET", string(bytes.TrimSpace(wantContent)))
	wantMeta, err := plain.StreamData(ps.metadata, 0)
	require.NoError(t, err)
	require.Contains(t, string(wantMeta), "metadata text")
	require.Equal(t, utf16be("Báo cáo số hóa – Quý 1"), ps.title.Bytes)
	require.Equal(t, utf16be("Phê duyệt"), ps.sig["Reason"].(String).Bytes)
	plainHash, err := plain.StreamHash(ps.content)
	require.NoError(t, err)

	for _, c := range []struct {
		file       string
		v, r, bits int
		alg        string
		clearMeta  bool
		owner      bool
	}{
		{file: "rc4-40.pdf", v: 1, r: 2, bits: 40, alg: "RC4-40"},
		{file: "rc4-128.pdf", v: 2, r: 3, bits: 128, alg: "RC4-128"},
		{file: "rc4-128-objstm.pdf", v: 2, r: 3, bits: 128, alg: "RC4-128"},
		{file: "aes-128.pdf", v: 4, r: 4, bits: 128, alg: "AES-128"},
		{file: "aes-128-objstm.pdf", v: 4, r: 4, bits: 128, alg: "AES-128"},
		{file: "aes-128-clearmeta.pdf", v: 4, r: 4, bits: 128, alg: "AES-128", clearMeta: true},
		{file: "aes-256-r5.pdf", v: 5, r: 5, bits: 256, alg: "AES-256"},
		{file: "aes-256.pdf", v: 5, r: 6, bits: 256, alg: "AES-256"},
		{file: "aes-256-objstm.pdf", v: 5, r: 6, bits: 256, alg: "AES-256"},
		{file: "empty-owner.pdf", v: 5, r: 6, bits: 256, alg: "AES-256", owner: true},
	} {
		t.Run(c.file, func(t *testing.T) {
			f, data := openFile(t, c.file)
			info := f.Encryption()
			require.NotNil(t, info)
			require.Equal(t, EncryptionInfo{
				Filter: "Standard", V: c.v, R: c.r, Algorithm: c.alg, StringAlgorithm: c.alg,
				KeyBits: c.bits, P: -4, EncryptMetadata: !c.clearMeta, Decrypted: true, OwnerPassword: c.owner,
			}, *info)
			require.Same(t, info, f.Sections()[0].Encryption)
			if c.owner {
				require.Equal(t, []string{"revision 1: decrypted with the empty owner password (the user password is not empty)"}, f.Anomalies())
			} else {
				require.Empty(t, f.Anomalies()) // /Perms checks out (R5, R6)
			}
			s := readSample(t, f)
			require.True(t, s.content.Encrypted())

			// Strings, decrypted with the object's key.
			require.Equal(t, ps.title.Bytes, s.title.Bytes)
			require.Equal(t, "Signature1", string(resolveT(t, f, resolveT(t, f, s.catalog["AcroForm"]).(Dict)["Fields"].(Array)[0]).(Dict)["T"].(String).Bytes))
			require.Equal(t, ps.sig["M"].(String).Bytes, s.sig["M"].(String).Bytes)
			require.Equal(t, ps.sig["Reason"].(String).Bytes, s.sig["Reason"].(String).Bytes)
			// A signature's /Contents is not encrypted, and its offsets are
			// those of the token in the file.
			sc := s.sig["Contents"].(String)
			require.Equal(t, ps.sig["Contents"].(String).Bytes, sc.Bytes)
			require.True(t, sc.Hex)
			require.Equal(t, "<30820102030405060708090a0b0c0d0e0f00000000000000000000>", string(data[sc.Start:sc.End]))

			// Streams: decrypted, then decoded.
			got, err := f.StreamData(s.content, 0)
			require.NoError(t, err)
			require.Equal(t, string(wantContent), string(got))
			meta, err := f.StreamData(s.metadata, 0)
			require.NoError(t, err)
			require.Equal(t, string(wantMeta), string(meta))
			raw := data[s.metadata.DataOffset : s.metadata.DataOffset+s.metadata.Length]
			if c.clearMeta {
				require.Equal(t, plainRaw(t, plain, ps.metadata), raw)
			} else {
				require.NotEqual(t, plainRaw(t, plain, ps.metadata), raw)
			}
			// StreamHash hashes the decrypted, still encoded data: the same
			// content encrypted under another key has the same hash.
			h, err := f.StreamHash(s.content)
			require.NoError(t, err)
			require.Equal(t, plainHash, h)
			require.NotEqual(t, sha256.Sum256(data[s.content.DataOffset:s.content.DataOffset+s.content.Length]), h)

			// Trailer strings (/ID) are never decrypted.
			require.Equal(t, plain.Trailer(-1)["ID"].(Array)[0].(String).Bytes, f.Trailer(-1)["ID"].(Array)[0].(String).Bytes)
			walkAll(f, 1<<16)
		})
	}
}

func plainRaw(t *testing.T, f *File, s *Stream) []byte {
	t.Helper()
	b := make([]byte, s.Length)
	_, err := f.ReaderAt().ReadAt(b, s.DataOffset)
	require.NoError(t, err)
	return b
}

func TestEncryptedNeedsUserPassword(t *testing.T) {
	plain, _ := openFile(t, "plain.pdf")
	ps := readSample(t, plain)
	for _, c := range []struct {
		file string
		v, r int
		alg  string
	}{
		{"user-pw.pdf", 5, 6, "AES-256"},
		{"user-pw-rc4.pdf", 2, 3, "RC4-128"},
	} {
		t.Run(c.file, func(t *testing.T) {
			f, _ := openFile(t, c.file)
			info := f.Encryption()
			require.NotNil(t, info)
			require.Equal(t, c.v, info.V)
			require.Equal(t, c.r, info.R)
			require.Equal(t, c.alg, info.Algorithm)
			require.False(t, info.Decrypted)
			require.Equal(t, "needs a user password", info.Reason)
			// Dictionaries and arrays are readable, strings come back as
			// stored, except a signature's /Contents, which is not encrypted.
			s := readSample(t, f)
			require.NotEqual(t, ps.title.Bytes, s.title.Bytes)
			require.Equal(t, ps.sig["Contents"].(String).Bytes, s.sig["Contents"].(String).Bytes)
			require.Equal(t, ps.sig["ByteRange"], s.sig["ByteRange"])
			_, err := f.StreamData(s.content, 0)
			require.ErrorIs(t, err, ErrEncrypted)
			require.ErrorContains(t, err, "needs a user password")
			_, err = f.StreamHash(s.content)
			require.ErrorIs(t, err, ErrEncrypted)
		})
	}
	// Objects inside an object stream cannot be read at all.
	f, _ := openFile(t, "user-pw-objstm.pdf")
	require.False(t, f.Encryption().Decrypted)
	cat := resolveT(t, f, f.Trailer(-1)["Root"]).(Dict)
	e, _, ok := f.Entry(-1, cat["Pages"].(Ref).Num)
	require.True(t, ok)
	require.Equal(t, EntryCompressed, e.Type)
	_, err := f.Resolve(-1, cat["Pages"])
	require.ErrorIs(t, err, ErrEncrypted)
	require.ErrorContains(t, err, "object stream")
}

func TestEncryptDictMalformed(t *testing.T) {
	o32 := fmt.Sprintf("<%x>", bytes.Repeat([]byte{1}, 32))
	o48 := fmt.Sprintf("<%x>", bytes.Repeat([]byte{1}, 48))
	for _, enc := range []string{
		"<</Filter/Standard/V 2/R 3>>",                                                 // no /P, /O, /U
		"<</Filter/Standard/V 2/R 3/P -4/O (short)/U " + o32 + ">>",                    // /O too short
		"<</Filter/Standard/V 2/R 3/P -4/O " + o32 + ">>",                              // no /U
		"<</Filter/Standard/V 2/P -4/O " + o32 + "/U " + o32 + ">>",                    // no /R
		"<</Filter/Standard/V 5/R 6/P -4/O " + o48 + "/U " + o48 + "/OE " + o32 + ">>", // no /UE
		"<</V 2/R 3/P -4/O " + o32 + "/U " + o32 + ">>",                                // no /Filter
		"<</Filter/Standard/V(2)/R 3/P -4/O " + o32 + "/U " + o32 + ">>",
		"<</Filter/Standard/V 2/R 3/P 99999999999/O " + o32 + "/U " + o32 + ">>",
		"<</Filter/Standard/V 4/R 4/P -4/O " + o32 + "/U " + o32 + "/CF<</StdCF<</CFM/AESV2>>>>/StmF/Nope>>",
		"<</Filter/Standard/V 4/R 4/P -4/O " + o32 + "/U " + o32 + "/CF 5>>",
		"[/Filter/Standard]",
	} {
		b := classic()
		b.obj(9, enc)
		b.table("/Root 1 0 R/Encrypt 9 0 R")
		err := openErr(b.bytes(), Limits{})
		require.ErrorIs(t, err, ErrMalformed, enc)
		require.ErrorContains(t, err, "revision 2: /Encrypt", enc)
	}
	// A direct value that is not a dictionary, and an encryption
	// dictionary inside an object stream.
	b := classic()
	b.table("/Root 1 0 R/Encrypt 5")
	require.ErrorIs(t, openErr(b.bytes(), Limits{}), ErrMalformed)
	b = newBuilder()
	b.obj(1, "<</Type/Catalog>>")
	b.objStm(5, []uint32{9}, []string{"<</Filter/Standard/V 2/R 3/P -4/O " + o32 + "/U " + o32 + ">>"})
	b.xrefStream(6, "/Root 1 0 R/Encrypt 9 0 R", false)
	err := openErr(b.bytes(), Limits{})
	require.ErrorIs(t, err, ErrMalformed)
	require.ErrorContains(t, err, "inside an object stream")
}

func TestEncryptUnsupported(t *testing.T) {
	o32 := fmt.Sprintf("<%x>", bytes.Repeat([]byte{1}, 32))
	for _, c := range []struct{ enc, reason string }{
		{"<</Filter/Adobe.PubSec/SubFilter/adbe.pkcs7.s5/V 4/CF<</DefaultCryptFilter<</CFM/AESV2/Recipients[<3000>]>>>>/StmF/DefaultCryptFilter/StrF/DefaultCryptFilter>>", "public-key security handler is not supported"},
		{"<</Filter/FooSecurity/V 2/Length 128>>", "security handler /FooSecurity is not supported"},
		{"<</Filter/Standard/V 3/R 3/P -4/O " + o32 + "/U " + o32 + ">>", "unsupported encryption algorithm /V 3"},
		{"<</Filter/Standard/V 2/R 7/P -4/O " + o32 + "/U " + o32 + ">>", "unsupported standard security handler revision /R 7"},
		{"<</Filter/Standard/V 2/R 3/Length 20/P -4/O " + o32 + "/U " + o32 + ">>", "unsupported key length /Length 20"},
		{"<</Filter/Standard/V 4/R 4/P -4/O " + o32 + "/U " + o32 + "/CF<</X<</CFM/Foo>>>>/StmF/X/StrF/X>>", "unsupported method /Foo"},
		{"<</Filter/Standard/V 2/R 3/P -4/O " + o32 + "/U " + o32 + ">>", "needs a user password"},
	} {
		b := classic()
		b.obj(9, c.enc)
		b.table("/Root 1 0 R/Encrypt 9 0 R")
		f := open(t, b.bytes())
		info := f.Encryption()
		require.NotNil(t, info, c.enc)
		require.False(t, info.Decrypted, c.enc)
		require.Contains(t, info.Reason, c.reason)
		require.Nil(t, f.Sections()[0].Encryption)
		require.Same(t, info, f.Sections()[1].Encryption)
		require.Contains(t, f.Anomalies(), "revision 2 adds /Encrypt; the revisions before it are not encrypted")
		// Revision 0 is not encrypted; revision 1 sees object 4 (defined
		// in revision 0) as revision 0 wrote it.
		page := obj(t, f, 1, 3).(Dict)
		require.Equal(t, "Hello (world)", string(page["Title"].(String).Bytes))
		st := obj(t, f, 1, 4).(*Stream)
		require.False(t, st.Encrypted())
		_, err := f.StreamData(st, 0)
		require.NoError(t, err)
	}
	// A stream of an encrypted revision that cannot be decrypted.
	b := classic()
	b.stream(5, "", []byte("secret"))
	b.obj(9, "<</Filter/Adobe.PubSec/V 4/CF<</DefaultCryptFilter<</CFM/AESV2>>>>/StmF/DefaultCryptFilter/StrF/DefaultCryptFilter>>")
	b.table("/Root 1 0 R/Encrypt 9 0 R")
	f := open(t, b.bytes())
	st := obj(t, f, 1, 5).(*Stream)
	require.True(t, st.Encrypted())
	_, err := f.StreamData(st, 0)
	require.ErrorIs(t, err, ErrEncrypted)
	require.ErrorContains(t, err, "public-key security handler is not supported")
	_, err = f.StreamHash(st)
	require.ErrorIs(t, err, ErrEncrypted)
	require.Equal(t, "AES-128", f.Encryption().Algorithm)
}

// aesEncrypt is AES-CBC with PKCS#5 padding, the IV first.
func aesEncrypt(key, iv, plain []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	p := 16 - len(plain)%16
	in := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(p)}, p)...)
	out := make([]byte, len(in))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, in)
	return append(bytes.Clone(iv), out...)
}

// aesFile encrypts the strings and streams it writes like a V4 /AESV2
// writer with the empty user password (the key derivation itself is
// checked against qpdf's files in TestEncryptedQPDF).
type aesFile struct {
	*builder
	sc  *security
	enc string // the encryption dictionary
	id0 []byte
}

func newAESFile() *aesFile {
	a := &aesFile{builder: newBuilder(), id0: []byte("0123456789abcdef")}
	o := bytes.Repeat([]byte{0x42}, 32)
	key := rc4FileKey(4, 16, padPassword(nil), o, -4, a.id0, true)
	h := md5.New()
	h.Write(passwordPad[:])
	h.Write(a.id0)
	x := rc4Crypt(key, h.Sum(nil))
	for i := 1; i <= 19; i++ {
		x = rc4Crypt(xorKey(key, byte(i)), x)
	}
	u := append(x, make([]byte, 16)...)
	a.sc = &security{key: key}
	a.enc = fmt.Sprintf("<</Filter/Standard/V 4/R 4/Length 128/P -4/O<%x>/U<%x>/CF<</StdCF<</CFM/AESV2/Length 16>>/RC<</CFM/V2>>>>/StmF/StdCF/StrF/StdCF>>", o, u)
	return a
}

// str returns the hex token of s encrypted for object num.
func (a *aesFile) str(num uint32, s string) string {
	return fmt.Sprintf("<%x>", aesEncrypt(a.sc.objectKey(cmAES128, Ref{Num: num}), bytes.Repeat([]byte{7}, 16), []byte(s)))
}

func (a *aesFile) data(num uint32, s []byte) []byte {
	return aesEncrypt(a.sc.objectKey(cmAES128, Ref{Num: num}), bytes.Repeat([]byte{9}, 16), s)
}

func (a *aesFile) trailer() string {
	return fmt.Sprintf("/Root 1 0 R/Encrypt 9 0 R/ID[<%x><%x>]", a.id0, a.id0)
}

func TestEncryptionRules(t *testing.T) {
	a := newAESFile()
	a.obj(1, "<</Type/Catalog/Pages 2 0 R/T "+a.str(1, "catalog")+">>")
	a.obj(2, "<</Type/Pages/Kids[]/Count 0/A["+a.str(2, "in array")+"<</B "+a.str(2, "nested")+">>]>>")
	// Signature dictionaries: /Contents is not encrypted, other strings are.
	a.obj(3, "<</Type/Sig/Contents<3082abcd>/M "+a.str(3, "D:2026")+">>")
	a.obj(4, "<</ByteRange[0 1 2 3]/Contents<3082ef01>/Name "+a.str(4, "signer")+">>")
	a.obj(5, "<</Contents "+a.str(5, "not a signature")+">>")
	a.stream(6, "/Filter/FlateDecode", a.data(6, deflate([]byte("page content"))))
	// A stream's own crypt filter overrides the default.
	a.stream(7, "/Filter[/Crypt/FlateDecode]/DecodeParms[<</Name/Identity>>null]", deflate([]byte("identity")))
	a.stream(8, "/Filter/Crypt/DecodeParms<</Name/RC>>", rc4Crypt(a.sc.objectKey(cmRC4, Ref{Num: 8}), []byte("rc4 filter")))
	a.obj(9, a.enc)
	a.obj(10, "["+a.str(10, "")+" <0102> <"+strings.Repeat("00", 16)+"> "+a.str(10, "ok")+"]")
	a.stream(11, "/Type/Metadata/Subtype/XML", a.data(11, []byte("<xmp/>")))
	a.stream(12, "", a.data(12, bytes.Repeat([]byte("0123456789abcdef"), 2000)))
	a.stream(13, "", []byte("short")) // not whole AES blocks
	a.table(a.trailer())
	data := a.bytes()
	f := open(t, data)
	info := f.Encryption()
	require.True(t, info.Decrypted, info.Reason)
	require.Equal(t, "AES-128", info.Algorithm)

	str := func(o Object) string { return string(o.(String).Bytes) }
	require.Equal(t, "catalog", str(obj(t, f, 0, 1).(Dict)["T"]))
	d2 := obj(t, f, 0, 2).(Dict)
	require.Equal(t, "in array", str(d2["A"].(Array)[0]))
	require.Equal(t, "nested", str(d2["A"].(Array)[1].(Dict)["B"]))
	sig := obj(t, f, 0, 3).(Dict)
	require.Equal(t, []byte{0x30, 0x82, 0xab, 0xcd}, sig["Contents"].(String).Bytes)
	require.Equal(t, "D:2026", str(sig["M"]))
	sig = obj(t, f, 0, 4).(Dict)
	require.Equal(t, []byte{0x30, 0x82, 0xef, 0x01}, sig["Contents"].(String).Bytes)
	require.Equal(t, "signer", str(sig["Name"]))
	require.Equal(t, "not a signature", str(obj(t, f, 0, 5).(Dict)["Contents"]))
	sd := func(num uint32) string {
		d, err := f.StreamData(obj(t, f, 0, num).(*Stream), 0)
		require.NoError(t, err, "stream %d", num)
		return string(d)
	}
	require.Equal(t, "page content", sd(6))
	require.Equal(t, "identity", sd(7))
	require.Equal(t, "rc4 filter", sd(8))
	require.Equal(t, "<xmp/>", sd(11))
	require.Equal(t, strings.Repeat("0123456789abcdef", 2000), sd(12))
	h, err := f.StreamHash(obj(t, f, 0, 12).(*Stream))
	require.NoError(t, err)
	require.Equal(t, sha256.Sum256(bytes.Repeat([]byte("0123456789abcdef"), 2000)), h)
	_, err = f.StreamData(obj(t, f, 0, 13).(*Stream), 0)
	require.ErrorIs(t, err, ErrMalformed)
	_, err = f.StreamHash(obj(t, f, 0, 13).(*Stream))
	require.ErrorIs(t, err, ErrMalformed)
	// The encryption dictionary's strings are not decrypted.
	enc := obj(t, f, 0, 9).(Dict)
	require.Len(t, enc["O"].(String).Bytes, 32)
	require.Equal(t, bytes.Repeat([]byte{0x42}, 32), enc["O"].(String).Bytes)
	// An empty string, a string too short to be AES data (kept as
	// stored, with an anomaly), an IV alone (empty), a good one.
	arr := obj(t, f, 0, 10).(Array)
	require.Equal(t, "", str(arr[0]))
	require.Equal(t, []byte{1, 2}, arr[1].(String).Bytes)
	require.Equal(t, "", str(arr[2]))
	require.Equal(t, "ok", str(arr[3]))
	require.Contains(t, f.Anomalies(), "object 10 0: 1 string(s) are not valid AES-128 data; read as stored")

	// An update that keeps the same /Encrypt shares the state; one whose
	// trailer forgets /Encrypt inherits it.
	a.obj(1, "<</Type/Catalog/Pages 2 0 R/T "+a.str(1, "catalog v1")+">>")
	a.table(a.trailer())
	a.obj(1, "<</Type/Catalog/Pages 2 0 R/T "+a.str(1, "catalog v2")+">>")
	a.table("/Root 1 0 R")
	f = open(t, a.bytes())
	require.Len(t, f.Sections(), 3)
	require.Same(t, f.Sections()[0].Encryption, f.Sections()[1].Encryption)
	require.Same(t, f.Sections()[0].Encryption, f.Sections()[2].Encryption)
	require.Contains(t, f.Anomalies(), "revision 3: the trailer has no /Encrypt; its objects are read with the encryption of revision 2")
	require.Equal(t, "catalog", str(obj(t, f, 0, 1).(Dict)["T"]))
	require.Equal(t, "catalog v1", str(obj(t, f, 1, 1).(Dict)["T"]))
	require.Equal(t, "catalog v2", str(obj(t, f, 2, 1).(Dict)["T"]))
	// The same stream in two revisions under two object numbers: the
	// same StreamHash, though the encrypted bytes differ.
	a.stream(14, "/Filter/FlateDecode", a.data(14, deflate([]byte("page content"))))
	a.table(a.trailer())
	f = open(t, a.bytes())
	h6, err := f.StreamHash(obj(t, f, -1, 6).(*Stream))
	require.NoError(t, err)
	h14, err := f.StreamHash(obj(t, f, -1, 14).(*Stream))
	require.NoError(t, err)
	require.Equal(t, h6, h14)
	s6, s14 := obj(t, f, -1, 6).(*Stream), obj(t, f, -1, 14).(*Stream)
	raw := f.ReaderAt().(*bytes.Reader)
	r6, r14 := make([]byte, s6.Length), make([]byte, s14.Length)
	raw.ReadAt(r6, s6.DataOffset)
	raw.ReadAt(r14, s14.DataOffset)
	require.NotEqual(t, r6, r14)
}

func TestEncryptedTamperedPermissions(t *testing.T) {
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", "encrypted", name))
		require.NoError(t, err)
		require.Equal(t, 1, bytes.Count(data, []byte("/P -4 ")), name)
		return bytes.Replace(data, []byte("/P -4 "), []byte("/P -8 "), 1)
	}
	// R6: /P is not part of the key; /Perms no longer matches it.
	data := read("aes-256.pdf")
	f := open(t, data)
	require.True(t, f.Encryption().Decrypted)
	require.Equal(t, int32(-8), f.Encryption().P)
	require.Equal(t, []string{"revision 1: the permissions in /Perms (-4) differ from /P (-8)"}, f.Anomalies())
	// R4: /P is part of the key; the empty password no longer opens it.
	f = open(t, read("aes-128.pdf"))
	require.False(t, f.Encryption().Decrypted)
	require.Equal(t, "needs a user password", f.Encryption().Reason)
}

func TestEncryptionChangesBound(t *testing.T) {
	o32 := fmt.Sprintf("<%x>", bytes.Repeat([]byte{1}, 32))
	build := func(n int) []byte {
		b := classic()
		for i := range n {
			b.obj(uint32(10+i), fmt.Sprintf("<</Filter/Standard/V 2/R 3/P %d/O %s/U %s>>", -4-i, o32, o32))
			b.table(fmt.Sprintf("/Root 1 0 R/Encrypt %d 0 R", 10+i))
		}
		return b.bytes()
	}
	f := open(t, build(maxSecurities))
	require.Contains(t, f.Anomalies(), "revision 3 changes the encryption (its /Encrypt dictionary or first /ID string differs from revision 2's)")
	require.NotSame(t, f.Sections()[1].Encryption, f.Sections()[2].Encryption)
	require.ErrorIs(t, openErr(build(maxSecurities+1), Limits{}), ErrLimit)
}
