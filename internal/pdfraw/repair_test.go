package pdfraw

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// setStartxref rewrites, in place and with the same width, the startxref
// value of the revision ending at end; it returns the old value.
func setStartxref(t *testing.T, data []byte, end int64, v func(old int64) int64) int64 {
	t.Helper()
	i := bytes.LastIndex(data[:end], []byte("startxref\n"))
	require.GreaterOrEqual(t, i, 0)
	i += len("startxref\n")
	j := i + bytes.IndexByte(data[i:], '\n')
	old, err := strconv.ParseInt(string(data[i:j]), 10, 64)
	require.NoError(t, err)
	s := fmt.Sprintf("%0*d", j-i, v(old))
	require.Len(t, s, j-i)
	copy(data[i:], s)
	return old
}

// replaceIn replaces the first old after offset from with new (same length).
func replaceIn(t *testing.T, data []byte, from int64, old, new string) {
	t.Helper()
	require.Len(t, new, len(old))
	i := bytes.Index(data[from:], []byte(old))
	require.GreaterOrEqual(t, i, 0, "%q not found", old)
	copy(data[from+int64(i):], new)
}

func entriesOf(f *File) []map[uint32]XrefEntry {
	var out []map[uint32]XrefEntry
	for _, s := range f.Sections() {
		out = append(out, s.Entries)
	}
	return out
}

func TestRepairStartxrefOff(t *testing.T) {
	data, ends := threeRevisions(t)
	want := open(t, data)
	// Each revision's startxref a few bytes off in turn, or pointing at
	// nothing (the header): the section is found inside the revision.
	for rev := range 3 {
		for _, delta := range []func(int64) int64{
			func(v int64) int64 { return v + 3 },
			func(v int64) int64 { return v - 2 },
			func(int64) int64 { return 5 },
		} {
			bad := bytes.Clone(data)
			old := setStartxref(t, bad, ends[rev], delta)
			f := open(t, bad)
			require.Len(t, f.Sections(), 3)
			require.Equal(t, entriesOf(want), entriesOf(f))
			for i, s := range f.Sections() {
				require.Equal(t, ends[i], s.End)
				require.Equal(t, want.Sections()[i].XrefOffset, s.XrefOffset)
				require.Equal(t, i == rev, s.Repaired, "revision %d", i)
			}
			s := f.Sections()[rev]
			require.Contains(t, s.Repair, fmt.Sprintf("the cross-reference section at offset %d was used", old))
			require.Contains(t, f.Anomalies(), fmt.Sprintf("revision %d: %s", rev+1, s.Repair))
			o, err := f.Object(2, Ref{Num: 3, Gen: 1})
			require.NoError(t, err)
			require.Equal(t, "three again", string(o.(String).Bytes))
		}
	}
}

func TestRepairWrongPrev(t *testing.T) {
	data, ends := threeRevisions(t)
	want := open(t, data)
	// Revision 2's /Prev points into revision 0's objects.
	x1 := want.Sections()[1].XrefOffset
	replaceIn(t, data, ends[1], fmt.Sprintf("/Prev %d", x1), fmt.Sprintf("/Prev %0*d", len(fmt.Sprint(x1)), 20))
	f := open(t, data)
	require.Len(t, f.Sections(), 3)
	require.Equal(t, entriesOf(want), entriesOf(f))
	require.False(t, f.Sections()[1].Repaired)
	require.True(t, f.Sections()[2].Repaired)
	require.Equal(t, fmt.Sprintf("/Prev 20 does not point at revision 1's cross-reference section (at offset %d)", x1), f.Sections()[2].Repair)
	require.Equal(t, []string{"revision 3: " + f.Sections()[2].Repair}, f.Anomalies())
}

func TestRepairRebuildsTable(t *testing.T) {
	data, ends := threeRevisions(t)
	want := open(t, data)
	// Revision 2's table is unreadable ("xref" damaged): its entries are
	// rebuilt from the objects in its bytes.
	replaceIn(t, data, ends[1], "xref\n", "xreX\n")
	f := open(t, data)
	require.Len(t, f.Sections(), 3)
	s := f.Sections()[2]
	require.True(t, s.Repaired)
	require.Equal(t, fmt.Sprintf("startxref %d points at no cross-reference section; its cross-reference data was rebuilt from its 2 objects", want.Sections()[2].XrefOffset), s.Repair)
	require.Equal(t, map[uint32]XrefEntry{1: want.Sections()[2].Entries[1], 3: want.Sections()[2].Entries[3]}, s.Entries)
	require.False(t, s.IsStream)
	require.Equal(t, want.Sections()[2].Trailer, s.Trailer)
	require.Equal(t, ends[2], s.End)
	require.Equal(t, Int(2), obj(t, f, 2, 1).(Dict)["V"])
	o, err := f.Object(2, Ref{Num: 3, Gen: 1})
	require.NoError(t, err)
	require.Equal(t, "three again", string(o.(String).Bytes))
	require.Equal(t, entriesOf(want)[:2], entriesOf(f)[:2])
}

// sloppyUpdate appends to base an update written by a writer that counts
// every offset (its table's and startxref) skew bytes too far.
func sloppyUpdate(base []byte, prev int64, skew int, objs map[uint32]string, listed []uint32) []byte {
	out := bytes.Clone(base)
	offs := map[uint32]int{}
	for _, num := range []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9} {
		if body, ok := objs[num]; ok {
			offs[num] = len(out)
			out = fmt.Appendf(out, "%d 0 obj\n%s\nendobj\n", num, body)
		}
	}
	xref := len(out)
	out = append(out, "xref\n"...)
	for _, num := range listed {
		out = fmt.Appendf(out, "%d 1\n%010d 00000 n\r\n", num, offs[num]+skew)
	}
	out = fmt.Appendf(out, "trailer\n<</Size 10/Root 1 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", prev, xref+skew)
	return out
}

func shadowBase(t *testing.T) ([]byte, *File) {
	b := newBuilder()
	b.obj(1, "<</Type/Catalog/Pages 2 0 R>>")
	b.obj(2, "<</Type/Pages/Kids[3 0 R]/Count 1>>")
	b.obj(3, "<</Type/Page/Parent 2 0 R/Contents 4 0 R>>")
	b.stream(4, "", []byte("(signed text) Tj"))
	b.table("/Root 1 0 R")
	data := b.bytes()
	return data, open(t, data)
}

func TestRepairSloppyWriter(t *testing.T) {
	base, bf := shadowBase(t)
	data := sloppyUpdate(base, bf.Sections()[0].XrefOffset, 2, map[uint32]string{5: "(annotation)", 6: "<</A 1>>"}, []uint32{5, 6})
	f := open(t, data)
	require.Len(t, f.Sections(), 2)
	s := f.Sections()[1]
	require.True(t, s.Repaired)
	require.Contains(t, s.Repair, "its cross-reference data was rebuilt from its 2 objects")
	require.Equal(t, []uint32{5, 6}, sortedNums(s.Entries))
	require.Equal(t, "annotation", string(obj(t, f, 1, 5).(String).Bytes))
	require.False(t, f.Sections()[0].Repaired)
	require.Equal(t, int64(len(base)), f.Sections()[0].End)
}

// A later revision that changes the signed page's content but hides it
// behind a broken table is still a later revision defining that object.
func TestRepairShadowAttack(t *testing.T) {
	base, bf := shadowBase(t)
	x0 := bf.Sections()[0].XrefOffset
	evil := "<</Length 14>>\nstream\n(evil text) Tj\nendstream"
	for name, data := range map[string][]byte{
		// The table lists only object 5; startxref points at nothing.
		"unlisted": sloppyUpdate(base, x0, 1, map[uint32]string{4: evil, 5: "(harmless)"}, []uint32{5}),
		// The table is right except that it leaves 4 out, startxref is off.
		"unlisted, table found": sloppyUpdate(base, x0, 0, map[uint32]string{4: evil, 5: "(harmless)"}, []uint32{5}),
	} {
		t.Run(name, func(t *testing.T) {
			if name == "unlisted, table found" {
				setStartxref(t, data, int64(len(data)), func(v int64) int64 { return v + 1 })
			} else {
				// Entries point one byte off too: the table is not used.
				require.Equal(t, -1, bytes.Index(data[len(base):], []byte("%%EOF\n%%EOF")))
			}
			f := open(t, data)
			require.Len(t, f.Sections(), 2)
			s := f.Sections()[1]
			require.True(t, s.Repaired)
			e, sec, ok := f.Entry(1, 4)
			require.True(t, ok)
			require.Equal(t, 1, sec)
			require.GreaterOrEqual(t, e.Offset, int64(len(base)))
			st := obj(t, f, 1, 4).(*Stream)
			d, err := f.StreamData(st, 0)
			require.NoError(t, err)
			require.Equal(t, "(evil text) Tj", string(d))
			d, err = f.StreamData(obj(t, f, 0, 4).(*Stream), 0)
			require.NoError(t, err)
			require.Equal(t, "(signed text) Tj", string(d))
		})
	}
	// The table names the old definition of 4 (in revision 0) though the
	// update's bytes redefine it: the later definition wins.
	data := sloppyUpdate(base, x0, 0, map[uint32]string{4: evil, 5: "(harmless)"}, []uint32{5})
	old := bf.Sections()[0].Entries[4].Offset
	data = bytes.Replace(data, []byte("xref\n5 1\n"), fmt.Appendf(nil, "xref\n4 1\n%010d 00000 n\r\n5 1\n", old), 1)
	setStartxref(t, data, int64(len(data)), func(v int64) int64 { return v + 1 })
	f := open(t, data)
	s := f.Sections()[1]
	require.True(t, s.Repaired)
	require.Contains(t, s.Repair, "does not give the latest definition of object 4 0")
	st := obj(t, f, 1, 4).(*Stream)
	require.Greater(t, st.DataOffset, int64(len(base)))
}

func TestRepairEOFInsideStream(t *testing.T) {
	// Stream data holding what looks like a marker and an object, with a
	// correct /Length and with an indirect one: neither splits the revision.
	for _, length := range []string{"", "9 0 R"} {
		b := newBuilder()
		b.obj(1, "<</Type/Catalog>>")
		fake := []byte("endstream\nendobj\nstartxref\n9\n%%EOF\n7 0 obj\n(fake)\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<</Size 1>>\n")
		fake = bytes.ReplaceAll(fake, []byte("endstream"), []byte("endstreaX"))
		if length == "" {
			b.stream(2, "", fake)
		} else {
			b.streamLen(2, "", fake, length)
			b.obj(9, fmt.Sprint(len(fake)))
		}
		b.table("/Root 1 0 R")
		data := b.bytes()
		setStartxref(t, data, int64(len(data)), func(int64) int64 { return 3 })
		f := open(t, data)
		require.Len(t, f.Sections(), 1, "length %q", length)
		s := f.Sections()[0]
		require.True(t, s.Repaired)
		_, ok := s.Entries[7]
		require.False(t, ok)
		st := obj(t, f, 0, 2).(*Stream)
		d, err := f.StreamData(st, 0)
		require.NoError(t, err)
		require.Equal(t, fake, d)
	}
}

func TestRepairObjectStreams(t *testing.T) {
	b := newBuilder()
	b.obj(1, "<</Type/Catalog/Pages 2 0 R>>")
	b.table("/Root 1 0 R")
	end0 := b.off()
	b.objStm(5, []uint32{2, 3}, []string{"<</Type/Pages/Count 0>>", "(in stream)"})
	b.obj(3, "(direct, later)")
	b.xrefStream(6, "/Root 1 0 R", false)
	data := b.bytes()
	// Damage the cross-reference stream's data.
	xs := bytes.LastIndex(data, []byte("6 0 obj"))
	i := xs + bytes.Index(data[xs:], []byte("stream\r\n")) + len("stream\r\n")
	copy(data[i:], "garbage!")
	f := open(t, data)
	require.Len(t, f.Sections(), 2)
	require.Equal(t, end0, f.Sections()[0].End)
	s := f.Sections()[1]
	require.True(t, s.Repaired)
	require.True(t, s.IsStream)
	require.Equal(t, int64(xs), s.XrefOffset)
	require.Equal(t, Name("XRef"), s.Trailer["Type"])
	require.Contains(t, s.Repair, "rebuilt from its 3 objects and the 1 objects in its object streams")
	require.Equal(t, XrefEntry{Type: EntryCompressed, StmNum: 5}, s.Entries[2])
	require.Equal(t, EntryInUse, s.Entries[3].Type) // the later, direct definition
	require.Equal(t, Name("Pages"), obj(t, f, 1, 2).(Dict)["Type"])
	require.Equal(t, "direct, later", string(obj(t, f, 1, 3).(String).Bytes))
}

func TestRepairMarkerWithoutTrailer(t *testing.T) {
	b := newBuilder()
	b.obj(1, "<</Type/Catalog/V 0>>")
	x0 := b.table("/Root 1 0 R")
	end0 := b.off()
	// An update with a marker but no cross-reference data, then a proper
	// one whose startxref is off.
	b.buf.WriteString("2 0 obj\n(orphan)\nendobj\nstartxref\n9\n%%EOF\n")
	end1 := b.off()
	b.obj(1, "<</Type/Catalog/V 2>>")
	b.prevXref = x0
	b.table("/Root 1 0 R")
	data := b.bytes()
	setStartxref(t, data, int64(len(data)), func(v int64) int64 { return v + 1 })
	f := open(t, data)
	require.Len(t, f.Sections(), 2)
	require.Equal(t, end0, f.Sections()[0].End)
	s := f.Sections()[1]
	require.Equal(t, int64(len(data)), s.End)
	require.Equal(t, []uint32{1, 2}, sortedNums(s.Entries))
	require.Contains(t, f.Anomalies(), fmt.Sprintf("the bytes from offset %d to %d end with a startxref marker but hold no trailer or cross-reference stream; they are read as part of the next revision", end0, end1))
	require.Equal(t, "orphan", string(obj(t, f, 1, 2).(String).Bytes))
}

func TestRepairTrailingObjects(t *testing.T) {
	data := classic().bytes()
	setStartxref(t, data, int64(len(data)), func(v int64) int64 { return v + 1 })
	n := len(data)
	data = append(data, "9 0 obj\n(after the end)\nendobj\n"...)
	f := open(t, data)
	require.Len(t, f.Sections(), 1)
	require.Equal(t, int64(n), f.Sections()[0].End)
	require.Contains(t, f.Anomalies(), fmt.Sprintf("1 object(s) after the last revision's end at offset %d belong to no revision", n))
	_, ok := f.Sections()[0].Entries[9]
	require.False(t, ok)
}

func TestRepairRefusesNonPDF(t *testing.T) {
	for _, data := range []string{
		"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n",                      // no marker
		"%PDF-1.4\nstartxref\n0\n%%EOF\n",                        // no trailer
		"%PDF-1.4\n1 0 obj\n<<>>\nendobj\nstartxref\n9\n%%EOF\n", // no trailer
		"%PDF-1.4\n1 0 obj\n(startxref 9 %%EOF trailer <<>>)\nendobj\n",
	} {
		err := openErr([]byte(data), Limits{})
		require.ErrorIs(t, err, ErrMalformed, "%q", data)
		require.ErrorContains(t, err, "rebuilding the revisions", "%q", data)
	}
	for _, data := range []string{
		"<html><body>startxref 1 %%EOF 1 0 obj</body></html>",
		"",
		"\x00\x01\x02 random bytes 1 0 obj trailer <<>> startxref 0 %%EOF",
	} {
		require.ErrorIs(t, openErr([]byte(data), Limits{}), ErrNotPDF, "%q", data)
	}
	// A trailer and a marker, but no objects: a (degenerate) revision.
	f := open(t, []byte("%PDF-1.4\ntrailer\n<</Size 1>>\nstartxref 999\n%%EOF\n"))
	require.Len(t, f.Sections(), 1)
	require.Equal(t, "startxref 999 points outside the revision (offsets 0 to 49); its cross-reference data was rebuilt from its 0 objects", f.Sections()[0].Repair)
	require.Empty(t, f.Sections()[0].Entries)
}

func TestRepairBudget(t *testing.T) {
	// Many object headers whose bodies never end: each would read to the
	// end of the file; the repair stops at its read budget.
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.4\n")
	for buf.Len() < 1<<20 {
		buf.WriteString("1 0 obj (")
	}
	buf.WriteString("\nstartxref\n9\n%%EOF\n")
	data := buf.Bytes()
	cr := &countingReader{r: bytes.NewReader(data)}
	_, err := Open(cr, int64(len(data)), Limits{MaxTokenBytes: 1 << 30})
	require.ErrorIs(t, err, ErrLimit)
	require.ErrorIs(t, err, ErrMalformed)
	require.Less(t, cr.n, 4*int64(len(data))+repairSlack+(1<<20))
}

func TestOpenIntactDoesNotScan(t *testing.T) {
	data := bigFile(t, 20<<20)
	cr := &countingReader{r: bytes.NewReader(data)}
	f, err := Open(cr, int64(len(data)), Limits{})
	require.NoError(t, err)
	require.Less(t, cr.n, int64(1<<20))
	for _, s := range f.Sections() {
		require.False(t, s.Repaired)
	}
	// A damaged one is scanned once, about its own size.
	setStartxref(t, data, int64(len(data)), func(v int64) int64 { return v + 7 })
	cr = &countingReader{r: bytes.NewReader(data)}
	f, err = Open(cr, int64(len(data)), Limits{})
	require.NoError(t, err)
	require.Len(t, f.Sections(), 3)
	require.True(t, f.Sections()[2].Repaired)
	require.Less(t, cr.n, 3*int64(len(data)))
	require.True(t, strings.HasPrefix(f.Anomalies()[0], "revision 3: startxref"), "%q", f.Anomalies())
}

func TestRepairObjectLimit(t *testing.T) {
	b := newBuilder()
	for i := uint32(1); i <= 300; i++ {
		b.obj(i, "null")
	}
	b.table("")
	data := b.bytes()
	setStartxref(t, data, int64(len(data)), func(v int64) int64 { return v + 1 })
	f, err := Open(bytes.NewReader(data), int64(len(data)), Limits{MaxXrefEntries: 400})
	require.NoError(t, err)
	require.Len(t, f.Sections()[0].Entries, 301)
	_, err = Open(bytes.NewReader(data), int64(len(data)), Limits{MaxXrefEntries: 200})
	require.ErrorIs(t, err, ErrLimit)
}
