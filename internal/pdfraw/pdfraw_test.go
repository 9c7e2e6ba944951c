package pdfraw

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func open(t testing.TB, data []byte) *File {
	t.Helper()
	f, err := Open(bytes.NewReader(data), int64(len(data)), Limits{})
	require.NoError(t, err)
	return f
}

func openErr(data []byte, lim Limits) error {
	_, err := Open(bytes.NewReader(data), int64(len(data)), lim)
	return err
}

func obj(t testing.TB, f *File, rev int, num uint32) Object {
	t.Helper()
	o, err := f.Object(rev, Ref{Num: num})
	require.NoError(t, err)
	return o
}

func classic() *builder {
	b := newBuilder()
	b.obj(1, "<</Type/Catalog/Pages 2 0 R>>")
	b.obj(2, "<</Type/Pages/Kids[3 0 R]/Count 1>>")
	b.obj(3, "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Title(Hello \\(world\\))/ID<414243>>>")
	b.stream(4, "", []byte("BT /F1 12 Tf (x) Tj ET"))
	b.table("/Root 1 0 R")
	return b
}

func TestClassic(t *testing.T) {
	data := classic().bytes()
	f := open(t, data)
	require.Equal(t, "1.7", f.Version())
	require.Equal(t, int64(len(data)), f.Size())
	secs := f.Sections()
	require.Len(t, secs, 1)
	s := secs[0]
	require.Equal(t, 0, s.Index)
	require.False(t, s.IsStream)
	require.Equal(t, int64(-1), s.Prev)
	require.Equal(t, int64(len(data)), s.End)
	require.Equal(t, int64(bytes.LastIndex(data, []byte("\nxref\n"))+1), s.XrefOffset)
	require.Len(t, s.Entries, 5)
	require.Equal(t, Ref{Num: 1}, f.Trailer(-1)["Root"])
	require.Equal(t, f.Trailer(0), f.Trailer(-1))
	require.Nil(t, f.Trailer(1))

	cat := obj(t, f, -1, 1).(Dict)
	require.Equal(t, Name("Catalog"), cat["Type"])
	pages, err := f.Resolve(0, cat["Pages"])
	require.NoError(t, err)
	require.Equal(t, Int(1), pages.(Dict)["Count"])

	page := obj(t, f, 0, 3).(Dict)
	title := page["Title"].(String)
	require.Equal(t, "Hello (world)", string(title.Bytes))
	require.Equal(t, `(Hello \(world\))`, string(data[title.Start:title.End]))
	id := page["ID"].(String)
	require.True(t, id.Hex)
	require.Equal(t, "ABC", string(id.Bytes))
	require.Equal(t, "<414243>", string(data[id.Start:id.End]))
	require.Equal(t, Array{Int(0), Int(0), Int(612), Int(792)}, page["MediaBox"])

	st := obj(t, f, 0, 4).(*Stream)
	require.Equal(t, int64(22), st.Length)
	got, err := f.StreamData(st, 0)
	require.NoError(t, err)
	require.Equal(t, "BT /F1 12 Tf (x) Tj ET", string(got))
	_, err = f.StreamData(st, 21)
	require.ErrorIs(t, err, ErrLimit)
	got, err = f.StreamData(st, 22)
	require.NoError(t, err)
	require.Len(t, got, 22)
	sum, err := f.StreamHash(st)
	require.NoError(t, err)
	require.Equal(t, sha256.Sum256(got), sum)
	require.Equal(t, "BT /F1 12 Tf (x) Tj ET", string(data[st.DataOffset:st.DataOffset+st.Length]))

	// Free, absent, generation mismatch.
	require.Equal(t, Null{}, obj(t, f, 0, 0))
	require.Equal(t, Null{}, obj(t, f, 0, 99))
	o, err := f.Object(0, Ref{Num: 1, Gen: 1})
	require.NoError(t, err)
	require.Equal(t, Null{}, o)
	_, _, ok := f.Entry(0, 99)
	require.False(t, ok)
	e, sec, ok := f.Entry(-1, 3)
	require.True(t, ok)
	require.Equal(t, 0, sec)
	require.Equal(t, EntryInUse, e.Type)

	_, err = f.Object(5, Ref{Num: 1})
	require.Error(t, err)
}

func TestXrefStreamAndObjectStreams(t *testing.T) {
	for _, predict := range []bool{false, true} {
		t.Run(fmt.Sprint("predict=", predict), func(t *testing.T) {
			b := newBuilder()
			b.obj(1, "<</Type/Catalog/Pages 2 0 R>>")
			b.objStm(5, []uint32{2, 3, 6}, []string{"<</Type/Pages/Kids[3 0 R]/Count 1>>", "<</Type/Page/T(in stm)>>", "[1 2.5 /N#20x (a) <ff>]"})
			b.stream(4, "/Filter/FlateDecode", deflate([]byte("hello stream")))
			// Enough objects that the predictor rows matter.
			for i := uint32(10); i < 60; i++ {
				b.obj(i, fmt.Sprintf("%d", i*1000))
			}
			b.xrefStream(7, "/Root 1 0 R", predict)
			data := b.bytes()
			f := open(t, data)
			require.Len(t, f.Sections(), 1)
			s := f.Sections()[0]
			require.True(t, s.IsStream)
			require.Equal(t, Name("XRef"), s.Trailer["Type"])
			require.Equal(t, int64(len(data)), s.End)
			e, _, ok := f.Entry(0, 3)
			require.True(t, ok)
			require.Equal(t, XrefEntry{Type: EntryCompressed, StmNum: 5, StmIndex: 1}, e)

			p := obj(t, f, 0, 3).(Dict)
			str := p["T"].(String)
			require.Equal(t, "in stm", string(str.Bytes))
			require.Equal(t, int64(-1), str.Start)
			require.Equal(t, int64(-1), str.End)
			arr := obj(t, f, 0, 6).(Array)
			require.Equal(t, Name("N x"), arr[2])
			require.Equal(t, Real(2.5), arr[1])
			require.Equal(t, []byte{0xff}, arr[4].(String).Bytes)
			for i := uint32(10); i < 60; i++ {
				require.Equal(t, Int(i*1000), obj(t, f, 0, i))
			}
			// A compressed object asked for with a nonzero generation is null.
			o, err := f.Object(0, Ref{Num: 3, Gen: 1})
			require.NoError(t, err)
			require.Equal(t, Null{}, o)

			st := obj(t, f, 0, 4).(*Stream)
			d, err := f.StreamData(st, 100)
			require.NoError(t, err)
			require.Equal(t, "hello stream", string(d))
			_, err = f.StreamData(st, 5)
			require.ErrorIs(t, err, ErrLimit)

			// The xref stream itself is an object.
			xs := obj(t, f, 0, 7).(*Stream)
			require.Equal(t, Name("XRef"), xs.Dict["Type"])
		})
	}
}

func TestHybrid(t *testing.T) {
	b := newBuilder()
	b.obj(1, "<</Type/Catalog/Pages 2 0 R>>")
	b.objStm(5, []uint32{2, 3}, []string{"<</Type/Pages/Count 0>>", "(three)"})
	compressed := map[uint32]XrefEntry{2: b.cur[2], 3: b.cur[3]}
	delete(b.cur, 2)
	delete(b.cur, 3)
	b.free(3, 0) // marked free in the table, supplied by the stream
	xs := b.writeXrefStream(6, compressed, "", true)
	b.note(6, XrefEntry{Type: EntryInUse, Offset: xs})
	b.size = 7
	b.table(fmt.Sprintf("/Root 1 0 R/XRefStm %d", xs))
	f := open(t, b.bytes())
	s := f.Sections()[0]
	require.False(t, s.IsStream)
	require.Equal(t, EntryCompressed, s.Entries[2].Type)
	require.Equal(t, EntryCompressed, s.Entries[3].Type)
	require.Equal(t, Name("Pages"), obj(t, f, 0, 2).(Dict)["Type"])
	require.Equal(t, "three", string(obj(t, f, 0, 3).(String).Bytes))
}

// threeRevisions builds a file with three revisions and returns it with
// the end offset of each.
func threeRevisions(t testing.TB) ([]byte, []int64) {
	b := newBuilder()
	b.obj(1, "<</Type/Catalog/V 0>>")
	b.obj(2, "(two)")
	b.obj(3, "(three)")
	b.table("/Root 1 0 R")
	end0 := b.off()
	// Revision 1: redefine 2, free 3, add 4 in an object stream (xref stream).
	b.obj(2, "(two v1)")
	b.free(3, 1)
	b.objStm(5, []uint32{4}, []string{"(four)"})
	b.xrefStream(6, "/Root 1 0 R", true)
	end1 := b.off()
	// Revision 2: redefine 1, reuse 3 with generation 1.
	b.obj(1, "<</Type/Catalog/V 2>>")
	b.objGen(3, 1, "(three again)")
	b.table("/Root 1 0 R")
	end2 := b.off()
	return b.bytes(), []int64{end0, end1, end2}
}

func TestIncrementalRevisions(t *testing.T) {
	data, ends := threeRevisions(t)
	f := open(t, data)
	secs := f.Sections()
	require.Len(t, secs, 3)
	for i, s := range secs {
		require.Equal(t, i, s.Index)
		require.Equal(t, ends[i], s.End, "End of revision %d", i)
		if i > 0 {
			require.Equal(t, secs[i-1].XrefOffset, s.Prev)
		}
	}
	require.Equal(t, int64(-1), secs[0].Prev)
	require.True(t, secs[1].IsStream)
	require.False(t, secs[2].IsStream)
	// Each revision is itself a readable PDF ending at End.
	for i, s := range secs {
		g := open(t, data[:s.End])
		require.Len(t, g.Sections(), i+1)
	}

	str := func(rev int, num uint32, gen uint16) string {
		o, err := f.Object(rev, Ref{Num: num, Gen: gen})
		require.NoError(t, err)
		if s, ok := o.(String); ok {
			return string(s.Bytes)
		}
		return fmt.Sprint(o)
	}
	require.Equal(t, "two", str(0, 2, 0))
	require.Equal(t, "two v1", str(1, 2, 0))
	require.Equal(t, "two v1", str(2, 2, 0))
	require.Equal(t, "three", str(0, 3, 0))
	require.Equal(t, "{}", str(1, 3, 0)) // freed
	require.Equal(t, "{}", str(2, 3, 0)) // generation 1 now
	require.Equal(t, "three again", str(2, 3, 1))
	require.Equal(t, "three again", str(-1, 3, 1))
	require.Equal(t, "{}", str(0, 4, 0))
	require.Equal(t, "four", str(1, 4, 0))
	require.Equal(t, "four", str(2, 4, 0))
	require.Equal(t, Int(0), obj(t, f, 0, 1).(Dict)["V"])
	require.Equal(t, Int(0), obj(t, f, 1, 1).(Dict)["V"])
	require.Equal(t, Int(2), obj(t, f, 2, 1).(Dict)["V"])

	_, sec, ok := f.Entry(2, 2)
	require.True(t, ok)
	require.Equal(t, 1, sec)
	e, sec, ok := f.Entry(1, 3)
	require.True(t, ok)
	require.Equal(t, 1, sec)
	require.Equal(t, EntryFree, e.Type)

	require.True(t, Equal(obj(t, f, 0, 1), obj(t, f, 1, 1)))
	require.False(t, Equal(obj(t, f, 1, 1), obj(t, f, 2, 1)))
}

func TestTrailingDataAfterEOF(t *testing.T) {
	data := append(classic().bytes(), "\n\n   garbage after the end"...)
	f := open(t, data)
	require.Less(t, f.Sections()[0].End, int64(len(data)))
}

func TestEOLAfterEOF(t *testing.T) {
	base := classic().bytes()
	base = base[:len(base)-1] // drop "\n" after %%EOF
	for _, eol := range []string{"", "\r\n", "\n", "\r", " "} {
		data := append(bytes.Clone(base), eol...)
		f := open(t, data)
		want := len(base) + len(eol)
		if eol == " " {
			want = len(base)
		}
		require.Equal(t, int64(want), f.Sections()[0].End, "eol %q", eol)
	}
	// \n\n: only one is part of the revision.
	f := open(t, append(bytes.Clone(base), "\n\n"...))
	require.Equal(t, int64(len(base)+1), f.Sections()[0].End)
}

func TestIndirectLength(t *testing.T) {
	b := newBuilder()
	b.obj(1, "<<>>")
	b.streamLen(2, "", []byte("0123456789"), "3 0 R")
	b.obj(3, "10")
	b.table("/Root 1 0 R")
	f := open(t, b.bytes())
	s := obj(t, f, 0, 2).(*Stream)
	require.Equal(t, int64(10), s.Length)
}

func TestWrongLength(t *testing.T) {
	for _, length := range []string{"9", "8", "13", "3 0 R", "-1", "(x)", "100000", "1 0 R", "99 0 R"} {
		b := newBuilder()
		b.obj(1, "<<>>")
		b.streamLen(2, "", []byte("0123456789"), length)
		b.obj(3, "7")
		b.table("/Root 1 0 R")
		f := open(t, b.bytes())
		_, err := f.Object(0, Ref{Num: 2})
		require.ErrorIs(t, err, ErrMalformed, "length %s", length)
		require.Contains(t, err.Error(), "offset")
	}
}

func TestStreamEOLVariants(t *testing.T) {
	for _, v := range []struct{ after, before string }{
		{"\n", "\n"}, {"\r\n", "\r\n"}, {"\r", "\r"}, {"  \n", ""}, {"\n", "  \r\n \n"},
	} {
		data := []byte("%PDF-1.4\n1 0 obj\n<</Length 3>>stream" + v.after + "abc" + v.before + "endstream\nendobj\n")
		xref := len(data)
		data = fmt.Appendf(data, "xref\n0 2\n0000000000 65535 f \n%010d 00000 n \ntrailer\n<</Size 2>>\nstartxref\n%d\n%%%%EOF", 9, xref)
		f := open(t, data)
		s := obj(t, f, 0, 1).(*Stream)
		d, err := f.StreamData(s, 0)
		require.NoError(t, err)
		require.Equal(t, "abc", string(d))
	}
}

func TestPrevLoopAndOrder(t *testing.T) {
	// Broken /Prev chains do not stop Open any more: the revisions are
	// found by their %%EOF markers, and the sections that carry a wrong
	// /Prev are marked repaired.
	type want struct {
		xref, prev int
		repair     string
	}
	check := func(data []byte, ws []want) {
		t.Helper()
		f := open(t, data)
		require.Len(t, f.Sections(), len(ws))
		var notes []string
		for i, w := range ws {
			s := f.Sections()[i]
			require.Equal(t, int64(w.xref), s.XrefOffset, "revision %d", i)
			require.Equal(t, int64(w.prev), s.Prev, "revision %d", i)
			require.Equal(t, w.repair, s.Repair, "revision %d", i)
			require.Equal(t, w.repair != "", s.Repaired, "revision %d", i)
			if w.repair != "" {
				notes = append(notes, fmt.Sprintf("revision %d: %s", i+1, w.repair))
			}
		}
		require.Equal(t, notes, f.Anomalies())
	}

	// A /Prev that points to itself.
	data := []byte("%PDF-1.4\n")
	xref := len(data)
	data = fmt.Appendf(data, "xref\n0 1\n0000000000 65535 f \ntrailer\n<</Size 1/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", xref, xref)
	check(data, []want{{xref, xref, "/Prev 9 points at no cross-reference section of an earlier revision"}})

	// Two sections pointing to each other.
	data = []byte("%PDF-1.4\n")
	x1 := len(data)
	sec := func(prev int) string {
		return fmt.Sprintf("xref\n0 1\n0000000000 65535 f \ntrailer\n<</Size 1/Prev %010d>>\n", prev)
	}
	x2 := x1 + len(sec(0)) + len(fmt.Sprintf("startxref\n%d\n%%%%EOF\n", x1))
	data = append(data, sec(x2)...)
	data = fmt.Appendf(data, "startxref\n%d\n%%%%EOF\n", x1)
	require.Equal(t, x2, len(data))
	data = append(data, sec(x1)...)
	data = fmt.Appendf(data, "startxref\n%d\n%%%%EOF\n", x2)
	check(data, []want{{x1, x2, "/Prev 92 points at no cross-reference section of an earlier revision"}, {x2, x1, ""}})

	// Newest section -> oldest -> a section in between: not backwards.
	data = []byte("%PDF-1.4\n")
	x1 = len(data)
	data = append(data, sec(0)...)
	data = fmt.Appendf(data, "startxref\n%d\n%%%%EOF\n", x1)
	x2 = len(data)
	data = append(data, sec(0)...)
	data = fmt.Appendf(data, "startxref\n%d\n%%%%EOF\n", x2)
	x3 := len(data)
	data = append(data, sec(x1)...)
	data = fmt.Appendf(data, "startxref\n%d\n%%%%EOF\n", x3)
	copy(data[x1:], sec(x2))
	copy(data[x2:], strings.Replace(sec(0), "/Prev 0000000000", "               ", 1))
	check(data, []want{
		{x1, x2, "/Prev 92 points at no cross-reference section of an earlier revision"},
		{x2, -1, "it has no /Prev"},
		{x3, x1, "/Prev 9 does not point at revision 1's cross-reference section (at offset 92)"},
	})
}

func TestMaxRevisions(t *testing.T) {
	b := newBuilder()
	b.obj(1, "<<>>")
	b.table("")
	for i := 0; i < 12; i++ {
		b.obj(1, fmt.Sprintf("<</V %d>>", i))
		b.table("")
	}
	data := b.bytes()
	require.NoError(t, openErr(data, Limits{}))
	require.ErrorIs(t, openErr(data, Limits{MaxRevisions: 5}), ErrLimit)
	require.ErrorIs(t, openErr(data, Limits{MaxXrefEntries: 10}), ErrLimit)
}

func TestObjStmCycle(t *testing.T) {
	// Object stream 5 claims to be stored in itself.
	b := newBuilder()
	b.obj(1, "<<>>")
	b.objStm(5, []uint32{2}, []string{"(x)"})
	b.cur[5] = XrefEntry{Type: EntryCompressed, StmNum: 5, StmIndex: 0}
	b.xrefStream(6, "", false)
	f := open(t, b.bytes())
	_, err := f.Object(0, Ref{Num: 2})
	require.ErrorIs(t, err, ErrMalformed)

	// Object stream 5 inside object stream 7, and 7 inside 5.
	b = newBuilder()
	b.objStm(5, []uint32{2}, []string{"(x)"})
	b.objStm(7, []uint32{3}, []string{"(y)"})
	b.cur[5] = XrefEntry{Type: EntryCompressed, StmNum: 7, StmIndex: 1}
	b.cur[7] = XrefEntry{Type: EntryCompressed, StmNum: 5, StmIndex: 1}
	b.xrefStream(6, "", false)
	f = open(t, b.bytes())
	_, err = f.Object(0, Ref{Num: 2})
	require.ErrorIs(t, err, ErrMalformed)

	// The /Length of object stream 5 is stored inside object stream 5.
	b = newBuilder()
	var hdr = "2 0 3 4 "
	body := "(x)\n99\n"
	enc := deflate([]byte(hdr + body))
	b.streamLen(5, fmt.Sprintf("/Type/ObjStm/N 2/First %d/Filter/FlateDecode", len(hdr)), enc, "3 0 R")
	b.note(2, XrefEntry{Type: EntryCompressed, StmNum: 5, StmIndex: 0})
	b.note(3, XrefEntry{Type: EntryCompressed, StmNum: 5, StmIndex: 1})
	b.xrefStream(6, "", false)
	f = open(t, b.bytes())
	_, err = f.Object(0, Ref{Num: 2})
	require.ErrorIs(t, err, ErrMalformed)
	require.Contains(t, err.Error(), "needed to read itself")
}

func TestObjStmWrongNumber(t *testing.T) {
	b := newBuilder()
	b.objStm(5, []uint32{2}, []string{"(x)"})
	b.cur[3] = XrefEntry{Type: EntryCompressed, StmNum: 5, StmIndex: 0}
	b.cur[4] = XrefEntry{Type: EntryCompressed, StmNum: 5, StmIndex: 9}
	b.size = 5
	b.xrefStream(6, "", false)
	f := open(t, b.bytes())
	_, err := f.Object(0, Ref{Num: 3})
	require.ErrorIs(t, err, ErrMalformed)
	_, err = f.Object(0, Ref{Num: 4})
	require.ErrorIs(t, err, ErrMalformed)
}

// zeroBomb returns zlib data inflating to about n zero bytes: one fixed-
// Huffman block of a literal 0 and (length 258, distance 1) copies, 13 bits
// per 258 bytes, built directly so that tests need not compress a gigabyte.
func zeroBomb(t testing.TB, n int64) []byte {
	k := (n - 1) / 258
	n = 1 + k*258
	out := []byte{0x78, 0x01}
	var acc uint64
	var nb uint
	put := func(v uint64, bits uint) {
		acc |= v << nb
		nb += bits
		for nb >= 8 {
			out = append(out, byte(acc))
			acc >>= 8
			nb -= 8
		}
	}
	huff := func(code uint64, bits uint) { // Huffman codes go most significant bit first
		var r uint64
		for i := uint(0); i < bits; i++ {
			r = r<<1 | (code>>i)&1
		}
		put(r, bits)
	}
	put(1, 1) // BFINAL
	put(1, 2) // fixed Huffman
	huff(0x30, 8)
	for i := int64(0); i < k; i++ {
		huff(0xC5, 8) // length 258
		huff(0, 5)    // distance 1
	}
	huff(0, 7) // end of block
	if nb > 0 {
		put(0, 8-nb)
	}
	adler := uint32(n%65521)<<16 | 1
	return append(out, byte(adler>>24), byte(adler>>16), byte(adler>>8), byte(adler))
}

func TestZeroBomb(t *testing.T) {
	z, err := zlib.NewReader(bytes.NewReader(zeroBomb(t, 100000)))
	require.NoError(t, err)
	got, err := io.ReadAll(z)
	require.NoError(t, err)
	require.Equal(t, 1+(99999/258)*258, len(got))
	require.Equal(t, make([]byte, len(got)), got)
}

func TestDeflateBomb(t *testing.T) {
	bomb := zeroBomb(t, 1<<30)
	b := newBuilder()
	b.stream(1, "/Filter/FlateDecode", bomb)
	b.stream(2, "/Filter[/FlateDecode/FlateDecode]", deflate(bomb))
	b.objStm(3, []uint32{4}, []string{"(x)"})
	// Make the object stream a bomb too.
	b.table("")
	data := b.bytes()
	f, err := Open(bytes.NewReader(data), int64(len(data)), Limits{MaxDecodedStream: 8 << 20})
	require.NoError(t, err)
	for _, num := range []uint32{1, 2} {
		s := obj(t, f, 0, num).(*Stream)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err = f.StreamData(s, 1<<20)
		runtime.ReadMemStats(&after)
		require.ErrorIs(t, err, ErrLimit)
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "allocated while decoding a bomb")
		_, err = f.StreamData(s, 0) // MaxDecodedStream
		require.ErrorIs(t, err, ErrLimit)
	}
}

func TestObjStmBomb(t *testing.T) {
	b := newBuilder()
	bomb := zeroBomb(t, 32<<20)
	b.stream(5, "/Type/ObjStm/N 1/First 4/Filter/FlateDecode", bomb)
	b.note(2, XrefEntry{Type: EntryCompressed, StmNum: 5})
	b.xrefStream(6, "", false)
	data := b.bytes()
	f, err := Open(bytes.NewReader(data), int64(len(data)), Limits{MaxDecodedStream: 1 << 20})
	require.NoError(t, err)
	_, err = f.Object(0, Ref{Num: 2})
	require.ErrorIs(t, err, ErrLimit)
}

func TestDeepNesting(t *testing.T) {
	mk := func(depth int, open, close string) []byte {
		b := newBuilder()
		b.obj(1, strings.Repeat(open, depth)+"null"+strings.Repeat(close, depth))
		b.table("")
		return b.bytes()
	}
	for _, oc := range [][2]string{{"[", "]"}, {"<</A ", ">>"}} {
		f := open(t, mk(64, oc[0], oc[1]))
		_, err := f.Object(0, Ref{Num: 1})
		require.NoError(t, err)
		f = open(t, mk(65, oc[0], oc[1]))
		_, err = f.Object(0, Ref{Num: 1})
		require.ErrorIs(t, err, ErrLimit)
		f = open(t, mk(100000, oc[0], oc[1]))
		_, err = f.Object(0, Ref{Num: 1})
		require.ErrorIs(t, err, ErrLimit)
	}
	// Deep nesting in a trailer.
	b := newBuilder()
	b.table("/X" + strings.Repeat("[", 10000) + strings.Repeat("]", 10000))
	require.ErrorIs(t, openErr(b.bytes(), Limits{}), ErrLimit)
}

func TestNotPDF(t *testing.T) {
	require.ErrorIs(t, openErr(nil, Limits{}), ErrNotPDF)
	require.ErrorIs(t, openErr([]byte("hello world, this is not a PDF"), Limits{}), ErrNotPDF)
	require.ErrorIs(t, openErr(append(make([]byte, 2000), "%PDF-1.4"...), Limits{}), ErrNotPDF)
	require.ErrorIs(t, openErr([]byte("%PDF-x.y\n"), Limits{}), ErrNotPDF)
	require.ErrorIs(t, openErr([]byte("%PDF-1.4\nsome garbage here"), Limits{}), ErrMalformed)
	_, err := Open(nil, 10, Limits{})
	require.Error(t, err)
}

func TestTruncated(t *testing.T) {
	data, ends := threeRevisions(t)
	for n := 0; n < len(data); n++ {
		f, err := Open(bytes.NewReader(data[:n]), int64(n), Limits{})
		if err != nil {
			require.True(t, errors.Is(err, ErrNotPDF) || errors.Is(err, ErrMalformed), "cut at %d: %v", n, err)
			continue
		}
		// A cut file opens only as the earlier revisions it still holds
		// (the rest is trailing data).
		secs := f.Sections()
		last := secs[len(secs)-1]
		require.LessOrEqual(t, last.End, int64(n))
		require.True(t, last.End == ends[len(secs)-1] || last.End == ends[len(secs)-1]-1, "cut at %d", n)
		if len(secs) < 3 {
			require.Less(t, int64(n), ends[len(secs)])
		}
		walkAll(f, 1<<16)
	}
}

// A reader whose size is larger than its data must give an I/O error, not a panic.
func TestShortReader(t *testing.T) {
	data := classic().bytes()
	_, err := Open(bytes.NewReader(data[:len(data)-50]), int64(len(data)), Limits{})
	require.Error(t, err)
}

func TestGarbageOffsets(t *testing.T) {
	b := newBuilder()
	b.obj(1, "<<>>")
	b.cur[2] = XrefEntry{Type: EntryInUse, Offset: 3}          // inside the header
	b.cur[3] = XrefEntry{Type: EntryInUse, Offset: 9999999999} // beyond the end
	b.cur[4] = XrefEntry{Type: EntryInUse, Offset: b.cur[1].Offset}
	b.size = 5
	b.table("")
	f := open(t, b.bytes())
	for _, n := range []uint32{2, 3, 4} {
		_, err := f.Object(0, Ref{Num: n})
		require.ErrorIs(t, err, ErrMalformed, "object %d", n)
		require.Contains(t, err.Error(), fmt.Sprintf("object %d 0", n))
	}
}

func TestResolveHops(t *testing.T) {
	b := newBuilder()
	for i := uint32(1); i < 50; i++ {
		b.obj(i, fmt.Sprintf("%d 0 R", i+1))
	}
	b.obj(50, "(end)")
	b.obj(60, "60 0 R") // a self-reference
	b.table("")
	f := open(t, b.bytes())
	o, err := f.Resolve(0, Ref{Num: 30})
	require.NoError(t, err)
	require.Equal(t, "end", string(o.(String).Bytes))
	_, err = f.Resolve(0, Ref{Num: 1})
	require.ErrorIs(t, err, ErrLimit)
	_, err = f.Resolve(0, Ref{Num: 60})
	require.ErrorIs(t, err, ErrLimit)
	o, err = f.Resolve(0, Int(3))
	require.NoError(t, err)
	require.Equal(t, Int(3), o)
}

func TestLinearized(t *testing.T) {
	// Layout of a linearized file: the first-page section near the start
	// points forward (/Prev) to the main section at the end.
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	lin := buf.Len()
	buf.WriteString("10 0 obj\n<</Linearized 1/L 0>>\nendobj\n")
	firstXref := buf.Len()
	// Pad the /Prev so the offsets don't move when we fill it in.
	fp := func(prev int, o11, o12 int) string {
		return fmt.Sprintf("xref\n10 3\n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \ntrailer\n<</Size 13/Root 11 0 R/Prev %010d>>\nstartxref\n0\n%%%%EOF\n", lin, o11, o12, prev)
	}
	buf.WriteString(fp(0, 0, 0))
	o11 := buf.Len()
	buf.WriteString("11 0 obj\n<</Type/Catalog/Pages 1 0 R>>\nendobj\n")
	o12 := buf.Len()
	buf.WriteString("12 0 obj\n(page 1)\nendobj\n")
	o1 := buf.Len()
	buf.WriteString("1 0 obj\n<</Type/Pages/Count 1>>\nendobj\n")
	mainXref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 2\n0000000000 65535 f \n%010d 00000 n \ntrailer\n<</Size 10>>\nstartxref\n%d\n%%%%EOF\n", o1, firstXref)
	data := buf.Bytes()
	copy(data[firstXref:], fp(mainXref, o11, o12))

	f := open(t, data)
	require.Len(t, f.Sections(), 1)
	s := f.Sections()[0]
	require.Equal(t, int64(firstXref), s.XrefOffset)
	require.Equal(t, int64(len(data)), s.End)
	require.Len(t, s.Entries, 5)
	require.Equal(t, Ref{Num: 11}, f.Trailer(0)["Root"])
	require.Equal(t, Name("Pages"), obj(t, f, 0, 1).(Dict)["Type"])
	require.Equal(t, "page 1", string(obj(t, f, 0, 12).(String).Bytes))

	// An incremental update on top.
	upd := bytes.Clone(data)
	o12b := len(upd)
	upd = append(upd, "12 0 obj\n(page 1 v2)\nendobj\n"...)
	x := len(upd)
	upd = fmt.Appendf(upd, "xref\n12 1\n%010d 00000 n \ntrailer\n<</Size 13/Root 11 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", o12b, firstXref, x)
	f = open(t, upd)
	require.Len(t, f.Sections(), 2)
	require.Equal(t, int64(len(data)), f.Sections()[0].End)
	require.Equal(t, "page 1", string(obj(t, f, 0, 12).(String).Bytes))
	require.Equal(t, "page 1 v2", string(obj(t, f, 1, 12).(String).Bytes))

	// Without the linearization dictionary the forward /Prev is not
	// followed: each %%EOF marker ends a revision, each revision holds the
	// objects its bytes define.
	bad := bytes.Clone(data)
	copy(bad[lin:], "10 0 obj\n<</Linearizex 1/L 0>>")
	f = open(t, bad)
	require.Len(t, f.Sections(), 2)
	s0, s1 := f.Sections()[0], f.Sections()[1]
	require.True(t, s0.Repaired)
	require.Contains(t, s0.Repair, "rebuilt from its 1 objects")
	require.Equal(t, map[uint32]XrefEntry{10: {Type: EntryInUse, Offset: int64(lin)}}, s0.Entries)
	require.True(t, s1.Repaired)
	require.Contains(t, s1.Repair, "the cross-reference section at offset")
	require.Equal(t, []uint32{1, 11, 12}, sortedNums(s1.Entries))
	require.Equal(t, "page 1", string(obj(t, f, 1, 12).(String).Bytes))

	// A linearized file whose main section's startxref is off: repaired
	// as one revision.
	off := bytes.Clone(data)
	i := bytes.LastIndex(off, []byte(fmt.Sprintf("startxref\n%d\n", firstXref)))
	copy(off[i:], fmt.Sprintf("startxref\n%d\n", firstXref+1))
	f = open(t, off)
	require.Len(t, f.Sections(), 1)
	s0 = f.Sections()[0]
	require.Len(t, s0.Entries, 5)
	require.Equal(t, int64(firstXref), s0.XrefOffset)
	require.Equal(t, Ref{Num: 11}, s0.Trailer["Root"])
	require.Equal(t, fmt.Sprintf("startxref %d points at no cross-reference section; the cross-reference section at offset %d was used", firstXref+1, firstXref), s0.Repair)
	require.Equal(t, "page 1", string(obj(t, f, 0, 12).(String).Bytes))

	// And with both sections unreadable: rebuilt, with the first-page
	// trailer's /Root.
	copy(off[firstXref:], "xreX")
	copy(off[mainXref:], "xreX")
	f = open(t, off)
	require.Len(t, f.Sections(), 1)
	s0 = f.Sections()[0]
	require.Equal(t, []uint32{1, 10, 11, 12}, sortedNums(s0.Entries))
	require.Equal(t, Ref{Num: 11}, s0.Trailer["Root"])
	require.Contains(t, s0.Repair, "rebuilt from its 4 objects")
}

func sortedNums(m map[uint32]XrefEntry) []uint32 {
	var ns []uint32
	for n, e := range m {
		if e.Type != EntryFree {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	return ns
}

func TestLexer(t *testing.T) {
	lim := DefaultLimits()
	parse := func(s string) (Object, error) {
		lx := newMemLexer([]byte(s), &lim)
		return newParser(lx, &lim).object(0)
	}
	cases := []struct {
		in   string
		want Object
	}{
		{"(a(b)c)", "a(b)c"},
		{`(\n\r\t\b\f\(\)\\\q)`, "\n\r\t\b\f()\\q"},
		{`(\101\60\0601\7777)`, "A001\xff7"},
		{"(a\\\r\nb\\\nc\\\rd)", "abcd"},
		{"(a\r\nb\rc\nd)", "a\nb\nc\nd"},
		{"<41 42\n4>", "AB@"},
		{"<>", ""},
		{"()", ""},
		{"/A#20B", Name("A B")},
		{"/", Name("")},
		{"/a#zz", Name("a#zz")},
		{"-.5", Real(-0.5)},
		{"+3", Int(3)},
		{"4.", Real(4)},
		{"-0", Int(0)},
		{"99999999999999999999", Real(1e20)},
		{"true", Bool(true)},
		{"false", Bool(false)},
		{"null", Null{}},
		{"12 0 R", Ref{Num: 12}},
		{"[1 2 R 3 0 R 4%comment\n]", Array{Ref{1, 2}, Ref{3, 0}, Int(4)}},
		{"[1 R]", Array{Int(1), Keyword("R")}},
		{"[1 2 0 R 3]", Array{Int(1), Ref{Num: 2}, Int(3)}},
		{"<</Version/1.5/Version/1.4>>", Dict{"Version": Name("1.4")}},
		{"<</Length 5/Length 5>>", Dict{"Length": Int(5)}},
		{"<</ByteRange[0 1 2 3]/ByteRange[0 1 2 4]>>", Dict{"ByteRange": Array{Int(0), Int(1), Int(2), Int(4)}}},
		{"<</A 1/B[/C]/D<</E null>>>>", Dict{"A": Int(1), "B": Array{Name("C")}, "D": Dict{"E": Null{}}}},
		{"[5 70000 R]", Array{Int(5), Int(70000), Keyword("R")}},
		{"[4294967296 0 R]", Array{Int(4294967296), Int(0), Keyword("R")}},
	}
	for _, c := range cases {
		o, err := parse(c.in)
		if k, ok := c.want.(Array); ok && len(k) > 0 {
			if _, ok := k[len(k)-1].(Keyword); ok {
				require.Error(t, err, c.in) // a bare R is an error
				continue
			}
		}
		require.NoError(t, err, c.in)
		if s, ok := c.want.(string); ok {
			require.Equal(t, s, string(o.(String).Bytes), c.in)
			continue
		}
		require.Equal(t, c.want, o, c.in)
	}
	for _, bad := range []string{"(abc", "<41", "<4x>", "1.2.3", "--5", ".", "-", ">", ")", "{", "<</A>>", "<<1 2>>", "[1 2", "/A#00", "R", "obj", "1e5"} {
		_, err := parse(bad)
		require.Error(t, err, bad)
		require.ErrorIs(t, err, ErrMalformed, bad)
	}
	small := lim
	small.MaxTokenBytes = 8
	for _, s := range []string{"(123456789)", "<3132333435363738393a>", "/abcdefghij", "1234567890"} {
		_, err := newParser(newMemLexer([]byte(s), &small), &small).object(0)
		require.ErrorIs(t, err, ErrLimit, s)
	}
}

// Keyword is only used in the lexer test table.
type Keyword string

func TestFilters(t *testing.T) {
	data := []byte(strings.Repeat("The quick brown fox. ", 50))
	hexed := []byte(fmt.Sprintf("%x", data) + ">")
	a85 := ascii85(data)
	rl := runLength(data)
	tiffRaw := make([]byte, 30) // 3 rows of 10 columns, 1 colour, 8 bits
	for i := range tiffRaw {
		tiffRaw[i] = byte(i * 7)
	}
	tiffEnc := make([]byte, len(tiffRaw))
	for r := 0; r < 3; r++ {
		for c := 0; c < 10; c++ {
			i := r*10 + c
			tiffEnc[i] = tiffRaw[i]
			if c > 0 {
				tiffEnc[i] -= tiffRaw[i-1]
			}
		}
	}
	png := pngEncode(data[:1000], 20, 2)

	b := newBuilder()
	b.stream(1, "/Filter/ASCIIHexDecode", hexed)
	b.stream(2, "/Filter/ASCII85Decode", a85)
	b.stream(3, "/Filter[/ASCIIHexDecode/FlateDecode]", []byte(fmt.Sprintf("%x>", deflate(data))))
	b.stream(4, "/Filter/RunLengthDecode", rl)
	b.stream(5, "/Filter/FlateDecode/DecodeParms<</Predictor 2/Columns 10>>", deflate(tiffEnc))
	b.stream(6, "/Filter/FlateDecode/DecodeParms<</Predictor 15/Columns 10/Colors 2>>", deflate(png))
	b.stream(7, "/Filter/LZWDecode", []byte("x"))
	b.stream(8, "/Filter[/ASCII85Decode/DCTDecode]", []byte("x"))
	b.stream(9, "/Filter 10 0 R/DecodeParms[11 0 R]", deflate(png))
	b.obj(10, "[/FlateDecode]")
	b.obj(11, "<</Predictor 12/Columns 10/Colors 2>>")
	b.stream(12, "/Filter/FlateDecode", deflate(data)[:40]) // truncated
	b.stream(13, "/Filter/FlateDecode/DecodeParms<</Predictor 12/Columns 7>>", deflate(png[:50]))
	b.stream(14, "/Filter[/FlateDecode/FlateDecode]/DecodeParms[null<<>>]", deflate(deflate(data)))
	b.stream(15, "/Filter/Crypt/DecodeParms<</Name/Identity>>", data)
	b.table("")
	f := open(t, b.bytes())
	sd := func(num uint32) ([]byte, error) {
		return f.StreamData(obj(t, f, 0, num).(*Stream), 0)
	}
	for num, want := range map[uint32][]byte{1: data, 2: data, 3: data, 4: data, 5: tiffRaw, 6: data[:1000], 9: data[:1000], 14: data, 15: data} {
		got, err := sd(num)
		require.NoError(t, err, "stream %d", num)
		require.Equal(t, string(want), string(got), "stream %d", num)
	}
	_, err := sd(7)
	require.ErrorContains(t, err, "LZWDecode")
	require.ErrorIs(t, err, ErrUnsupported)
	require.NotErrorIs(t, err, ErrMalformed)
	_, err = sd(8)
	require.ErrorContains(t, err, "DCTDecode")
	require.ErrorIs(t, err, ErrUnsupported)
	_, err = sd(12)
	require.ErrorIs(t, err, ErrMalformed)
	_, err = sd(13)
	require.ErrorIs(t, err, ErrMalformed)
}

func ascii85(data []byte) []byte {
	var out []byte
	for i := 0; i < len(data); i += 4 {
		var g [4]byte
		n := copy(g[:], data[i:])
		v := uint32(g[0])<<24 | uint32(g[1])<<16 | uint32(g[2])<<8 | uint32(g[3])
		if v == 0 && n == 4 {
			out = append(out, 'z')
			continue
		}
		var c [5]byte
		for j := 4; j >= 0; j-- {
			c[j] = byte(v%85) + '!'
			v /= 85
		}
		out = append(out, c[:n+1]...)
		if i%40 == 0 {
			out = append(out, '\n')
		}
	}
	return append(out, "~>"...)
}

func runLength(data []byte) []byte {
	var out []byte
	for i := 0; i < len(data); {
		// A repeat run when the next 3 bytes are equal, else a literal run.
		j := i + 1
		for j < len(data) && j-i < 128 && data[j] == data[i] {
			j++
		}
		if j-i >= 3 {
			out = append(out, byte(257-(j-i)), data[i])
			i = j
			continue
		}
		j = min(i+1, len(data))
		out = append(out, byte(j-i-1))
		out = append(out, data[i:j]...)
		i = j
	}
	return append(out, 128)
}

func TestEqual(t *testing.T) {
	s1 := String{Bytes: []byte("a"), Start: 1, End: 4}
	s2 := String{Bytes: []byte("a"), Hex: true, Start: -1, End: -1}
	require.True(t, Equal(s1, s2))
	require.False(t, Equal(Int(1), Real(1)))
	require.True(t, Equal(Dict{"A": Null{}, "B": Array{s1}}, Dict{"B": Array{s2}}))
	require.False(t, Equal(Dict{"A": Int(1)}, Dict{}))
	require.False(t, Equal(Array{Int(1)}, Array{Int(1), Int(2)}))
	require.True(t, Equal(&Stream{Dict: Dict{}, DataOffset: 5, Length: 3}, &Stream{Dict: Dict{}, DataOffset: 5, Length: 3}))
	require.False(t, Equal(&Stream{Dict: Dict{}, DataOffset: 5, Length: 3}, &Stream{Dict: Dict{}, DataOffset: 6, Length: 3}))
	require.True(t, Equal(Ref{1, 0}, Ref{1, 0}))
	require.False(t, Equal(Ref{1, 0}, Ref{1, 1}))
	require.True(t, Equal(nil, Null{}))
	deep := Object(Int(1))
	for i := 0; i < 2000; i++ {
		deep = Array{deep}
	}
	require.False(t, Equal(deep, deep))
}

func TestConcurrent(t *testing.T) {
	data, _ := threeRevisions(t)
	f := open(t, data)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				walkAll(f, 1<<16)
			}
		}()
	}
	wg.Wait()
}

// walkAll reads every object of every section and the data of every stream.
func walkAll(f *File, max int64) {
	for _, s := range f.Sections() {
		for num, e := range s.Entries {
			o, err := f.Object(s.Index, Ref{Num: num, Gen: e.Gen})
			if err != nil {
				continue
			}
			if st, ok := o.(*Stream); ok {
				f.StreamData(st, max)
				f.StreamHash(st)
			}
			f.Resolve(s.Index, o)
			Equal(o, o)
		}
	}
}

// countingReader counts the bytes read, to show Open reads little.
type countingReader struct {
	r     io.ReaderAt
	mu    sync.Mutex
	n     int64
	calls int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.mu.Lock()
	c.n += int64(n)
	c.calls++
	c.mu.Unlock()
	return n, err
}

// bigFile builds a file of about size bytes with a huge stream and three
// revisions of objects.
func bigFile(t testing.TB, size int) []byte {
	b := newBuilder()
	b.obj(1, "<</Type/Catalog>>")
	big := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	b.stream(2, "", big)
	for i := uint32(10); i < 2000; i++ {
		b.obj(i, fmt.Sprintf("<</N %d/S(object %d)>>", i, i))
	}
	b.table("/Root 1 0 R")
	for r := 0; r < 2; r++ {
		for i := uint32(10); i < 500; i++ {
			b.obj(i, fmt.Sprintf("<</N %d/R %d>>", i, r))
		}
		b.xrefStream(uint32(3000+r), "/Root 1 0 R", true)
	}
	return b.bytes()
}

func TestOpenReadsLittle(t *testing.T) {
	data := bigFile(t, 20<<20)
	cr := &countingReader{r: bytes.NewReader(data)}
	f, err := Open(cr, int64(len(data)), Limits{})
	require.NoError(t, err)
	require.Len(t, f.Sections(), 3)
	require.Less(t, cr.n, int64(1<<20), "Open read %d bytes", cr.n)
	s := obj(t, f, 0, 2).(*Stream)
	require.Equal(t, int64(len(data)), f.Sections()[2].End)
	require.Less(t, cr.n, int64(2<<20), "Object read %d bytes", cr.n)
	sum, err := f.StreamHash(s)
	require.NoError(t, err)
	require.Equal(t, sha256.Sum256(data[s.DataOffset:s.DataOffset+s.Length]), sum)
	require.Nil(t, obj(t, f, 0, 10).(Dict)["R"])
	require.Equal(t, Int(0), obj(t, f, 1, 10).(Dict)["R"])
	require.Equal(t, Int(1), obj(t, f, 2, 10).(Dict)["R"])
	require.Equal(t, "object 1999", string(obj(t, f, 2, 1999).(Dict)["S"].(String).Bytes))
}

func BenchmarkOpen(b *testing.B) {
	data := bigFile(b, 100<<20)
	r := bytes.NewReader(data)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f, err := Open(r, int64(len(data)), Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Sections()) != 3 {
			b.Fatal("sections")
		}
	}
}

func TestObjStmHeaderBounds(t *testing.T) {
	for _, nf := range []string{"/N 9223372036854775807/First 4", "/N 1/First 999", "/N -1/First 4", "/N 1/First 4/Filter/LZWDecode", "/N 2/First 2"} {
		b := newBuilder()
		b.stream(5, "/Type/ObjStm"+nf, []byte("2 0 (x)"))
		b.note(2, XrefEntry{Type: EntryCompressed, StmNum: 5})
		b.xrefStream(6, "", false)
		f := open(t, b.bytes())
		_, err := f.Object(0, Ref{Num: 2})
		require.ErrorIs(t, err, ErrMalformed, nf)
	}
}

func TestFilterChainBudget(t *testing.T) {
	// Stream 1's /Filter is object 100, stored in object stream 10, whose
	// /Filter is object 101 in object stream 11, and so on: each step
	// decodes another object stream.
	build := func(depth uint32) *File {
		b := newBuilder()
		b.stream(1, "/Filter 100 0 R", deflate([]byte("x")))
		for i := uint32(0); i < depth; i++ {
			filter := fmt.Sprintf("/Filter %d 0 R", 100+i+1)
			if i == depth-1 {
				filter = "/Filter/FlateDecode"
			}
			hdr := fmt.Sprintf("%d 0 ", 100+i)
			b.stream(10+i, fmt.Sprintf("/Type/ObjStm/N 1/First %d%s", len(hdr), filter), deflate([]byte(hdr+"/FlateDecode")))
			b.note(100+i, XrefEntry{Type: EntryCompressed, StmNum: 10 + i})
		}
		b.xrefStream(9, "", false)
		return open(t, b.bytes())
	}
	f := build(5)
	d, err := f.StreamData(obj(t, f, 0, 1).(*Stream), 0)
	require.NoError(t, err)
	require.Equal(t, "x", string(d))
	f = build(40)
	_, err = f.StreamData(obj(t, f, 0, 1).(*Stream), 0)
	require.ErrorIs(t, err, ErrLimit)
}

func TestObjectAfterRevisionEnd(t *testing.T) {
	// Revision 0 claims object 2 at an offset inside revision 1.
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.4\n")
	o1 := buf.Len()
	buf.WriteString("1 0 obj\n<<>>\nendobj\n")
	x0 := buf.Len()
	const rev0Len = len("xref\n0 3\n0000000000 65535 f\r\n0000000009 00000 n\r\n0000000000 00000 n\r\ntrailer\n<</Size 3>>\nstartxref\n00\n%%EOF\n")
	o2 := x0 + rev0Len
	fmt.Fprintf(&buf, "xref\n0 3\n0000000000 65535 f\r\n%010d 00000 n\r\n%010d 00000 n\r\ntrailer\n<</Size 3>>\nstartxref\n%d\n%%%%EOF\n", o1, o2, x0)
	require.Equal(t, o2, buf.Len())
	buf.WriteString("2 0 obj\n(later)\nendobj\n")
	x1 := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 3/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", x0, x1)
	f := open(t, buf.Bytes())
	require.Len(t, f.Sections(), 2)
	_, err := f.Object(1, Ref{Num: 2})
	require.ErrorIs(t, err, ErrMalformed)
	require.ErrorContains(t, err, "after the revision's end")
}
