package pdfraw

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"slices"
	"strings"
)

// builder writes small PDFs for tests, keeping correct offsets.
type builder struct {
	buf      bytes.Buffer
	cur      map[uint32]XrefEntry // entries of the revision being written
	prevXref int64
	size     uint32
	revs     int
}

func newBuilder() *builder {
	b := &builder{cur: map[uint32]XrefEntry{}, prevXref: -1}
	b.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return b
}

func (b *builder) off() int64 { return int64(b.buf.Len()) }

func (b *builder) note(num uint32, e XrefEntry) {
	b.cur[num] = e
	if num+1 > b.size {
		b.size = num + 1
	}
}

// obj writes "num gen obj body endobj" and returns its offset.
func (b *builder) objGen(num uint32, gen uint16, body string) int64 {
	off := b.off()
	b.note(num, XrefEntry{Type: EntryInUse, Offset: off, Gen: gen})
	fmt.Fprintf(&b.buf, "%d %d obj\n%s\nendobj\n", num, gen, body)
	return off
}

func (b *builder) obj(num uint32, body string) int64 { return b.objGen(num, 0, body) }

// free marks num free in the current revision.
func (b *builder) free(num uint32, gen uint16) {
	b.note(num, XrefEntry{Type: EntryFree, Gen: gen})
}

// stream writes a stream object with the given dictionary entries (without
// /Length) and raw data; it returns the data offset.
func (b *builder) stream(num uint32, dict string, data []byte) int64 {
	return b.streamLen(num, dict, data, fmt.Sprint(len(data)))
}

func (b *builder) streamLen(num uint32, dict string, data []byte, length string) int64 {
	b.note(num, XrefEntry{Type: EntryInUse, Offset: b.off()})
	fmt.Fprintf(&b.buf, "%d 0 obj\n<<%s /Length %s>>\nstream\r\n", num, dict, length)
	at := b.off()
	b.buf.Write(data)
	b.buf.WriteString("\r\nendstream\nendobj\n")
	return at
}

func deflate(data []byte) []byte {
	var out bytes.Buffer
	w := zlib.NewWriter(&out)
	w.Write(data)
	w.Close()
	return out.Bytes()
}

// objStm writes an object stream holding the given objects (in order).
func (b *builder) objStm(num uint32, nums []uint32, bodies []string) {
	var hdr, body strings.Builder
	for i, n := range nums {
		fmt.Fprintf(&hdr, "%d %d ", n, body.Len())
		body.WriteString(bodies[i])
		body.WriteString("\n")
	}
	data := hdr.String() + body.String()
	b.stream(num, fmt.Sprintf("/Type/ObjStm/N %d/First %d/Filter/FlateDecode", len(nums), hdr.Len()), deflate([]byte(data)))
	for i, n := range nums {
		b.note(n, XrefEntry{Type: EntryCompressed, StmNum: num, StmIndex: i})
	}
}

func (b *builder) nums() []uint32 {
	var ns []uint32
	for n := range b.cur {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}

func (b *builder) endRevision(xref int64) {
	fmt.Fprintf(&b.buf, "startxref\n%d\n%%%%EOF\n", xref)
	b.prevXref = xref
	b.cur = map[uint32]XrefEntry{}
	b.revs++
}

// table writes a classic xref table and trailer for the current revision.
// extra is added to the trailer. It returns the xref offset.
func (b *builder) table(extra string) int64 {
	if b.revs == 0 {
		b.cur[0] = XrefEntry{Type: EntryFree, Gen: 65535}
	}
	xref := b.off()
	b.buf.WriteString("xref\n")
	b.writeSubsections(b.cur)
	fmt.Fprintf(&b.buf, "trailer\n<</Size %d%s", b.size, extra)
	if b.prevXref >= 0 {
		fmt.Fprintf(&b.buf, "/Prev %d", b.prevXref)
	}
	b.buf.WriteString(">>\n")
	b.endRevision(xref)
	return xref
}

func (b *builder) writeSubsections(entries map[uint32]XrefEntry) {
	var ns []uint32
	for n, e := range entries {
		if e.Type != EntryCompressed {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	for i := 0; i < len(ns); {
		j := i + 1
		for j < len(ns) && ns[j] == ns[j-1]+1 {
			j++
		}
		fmt.Fprintf(&b.buf, "%d %d\n", ns[i], j-i)
		for _, n := range ns[i:j] {
			e := entries[n]
			t := byte('n')
			if e.Type == EntryFree {
				t = 'f'
			}
			fmt.Fprintf(&b.buf, "%010d %05d %c\r\n", e.Offset, e.Gen, t)
		}
		i = j
	}
}

// pngEncode applies PNG predictors to rows of rowLen bytes, cycling through
// filter types 0-4.
func pngEncode(data []byte, rowLen int, bpp int) []byte {
	var out []byte
	prev := make([]byte, rowLen)
	for r := 0; r*rowLen < len(data); r++ {
		row := data[r*rowLen : (r+1)*rowLen]
		t := byte(r % 5)
		out = append(out, t)
		for i := range row {
			var a, bb, c int
			if i >= bpp {
				a, c = int(row[i-bpp]), int(prev[i-bpp])
			}
			bb = int(prev[i])
			var p byte
			switch t {
			case 0:
			case 1:
				p = byte(a)
			case 2:
				p = byte(bb)
			case 3:
				p = byte((a + bb) / 2)
			case 4:
				p = paeth(a, bb, c)
			}
			out = append(out, row[i]-p)
		}
		prev = row
	}
	return out
}

// xrefStream writes a cross-reference stream (object num) for the current
// revision, with /W [1 4 2] and a PNG predictor when predict is set.
func (b *builder) xrefStream(num uint32, extra string, predict bool) int64 {
	xref := b.off()
	b.note(num, XrefEntry{Type: EntryInUse, Offset: xref})
	if b.revs == 0 {
		b.cur[0] = XrefEntry{Type: EntryFree, Gen: 65535}
	}
	if b.prevXref >= 0 {
		extra = fmt.Sprintf("/Prev %d", b.prevXref) + extra
	}
	b.writeXrefStream(num, b.cur, extra, predict)
	b.cur = map[uint32]XrefEntry{}
	b.endRevision(xref)
	return xref
}

// writeXrefStream writes cross-reference stream object num for entries.
func (b *builder) writeXrefStream(num uint32, entries map[uint32]XrefEntry, extra string, predict bool) int64 {
	xref := b.off()
	var ns []uint32
	for n := range entries {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	var data []byte
	var index strings.Builder
	for i := 0; i < len(ns); {
		j := i + 1
		for j < len(ns) && ns[j] == ns[j-1]+1 {
			j++
		}
		fmt.Fprintf(&index, "%d %d ", ns[i], j-i)
		for _, n := range ns[i:j] {
			e := entries[n]
			var t byte
			var f2, f3 int64
			switch e.Type {
			case EntryFree:
				t, f2, f3 = 0, e.Offset, int64(e.Gen)
			case EntryInUse:
				t, f2, f3 = 1, e.Offset, int64(e.Gen)
			case EntryCompressed:
				t, f2, f3 = 2, int64(e.StmNum), int64(e.StmIndex)
			}
			data = append(data, t, byte(f2>>24), byte(f2>>16), byte(f2>>8), byte(f2), byte(f3>>8), byte(f3))
		}
		i = j
	}
	dict := fmt.Sprintf("/Type/XRef/Size %d/W[1 4 2]/Index[%s]/Filter/FlateDecode", b.size, index.String())
	if predict {
		data = pngEncode(data, 7, 1)
		dict += "/DecodeParms<</Predictor 12/Columns 7>>"
	}
	dict += extra
	enc := deflate(data)
	fmt.Fprintf(&b.buf, "%d 0 obj\n<<%s /Length %d>>\nstream\r\n", num, dict, len(enc))
	b.buf.Write(enc)
	b.buf.WriteString("\r\nendstream\nendobj\n")
	return xref
}

func (b *builder) bytes() []byte { return bytes.Clone(b.buf.Bytes()) }
