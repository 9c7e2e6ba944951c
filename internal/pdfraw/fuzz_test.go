package pdfraw

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	seeds = append(seeds, classic().bytes())
	three, _ := threeRevisions(t)
	seeds = append(seeds, three)

	b := newBuilder()
	b.obj(1, "<</Type/Catalog/Pages 2 0 R>>")
	b.objStm(5, []uint32{2, 3}, []string{"<</Type/Pages/Kids[3 0 R]/Count 1>>", "<</T(x)/A[1 2.5/N#20]>>"})
	b.stream(4, "/Filter[/ASCIIHexDecode/FlateDecode]/DecodeParms[null<</Predictor 12/Columns 4>>]",
		[]byte(fmt.Sprintf("%x>", deflate(pngEncode([]byte("0123456789abcdef"), 4, 1)))))
	b.stream(8, "/Filter/ASCII85Decode", ascii85([]byte("hello world")))
	b.stream(9, "/Filter/RunLengthDecode", runLength([]byte("aaaaaaabcd")))
	b.streamLen(10, "/Filter/FlateDecode/DecodeParms<</Predictor 2/Colors 3/BitsPerComponent 4/Columns 3>>", deflate([]byte("abcdefghijklmnop")), "11 0 R")
	b.obj(11, fmt.Sprint(len(deflate([]byte("abcdefghijklmnop")))))
	b.xrefStream(7, "/Root 1 0 R", true)
	seeds = append(seeds, b.bytes())

	b = newBuilder()
	b.obj(1, "<</Type/Catalog>>")
	b.objStm(5, []uint32{2, 3}, []string{"<</Type/Pages/Count 0>>", "(three)"})
	compressed := map[uint32]XrefEntry{2: b.cur[2], 3: b.cur[3]}
	delete(b.cur, 2)
	delete(b.cur, 3)
	xs := b.writeXrefStream(6, compressed, "", false)
	b.note(6, XrefEntry{Type: EntryInUse, Offset: xs})
	b.table(fmt.Sprintf("/Root 1 0 R/XRefStm %d", xs))
	seeds = append(seeds, b.bytes())

	seeds = append(seeds, []byte("%PDF-1.4\n1 0 obj\n<</Length 3>>stream\nabc\nendstream\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<</Size 2>>\nstartxref\n59\n%%EOF"))
	seeds = append(seeds, []byte("%PDF-1.7\n"+strings.Repeat("[", 70)+"\nstartxref\n0\n%%EOF"))

	// Repaired files: a startxref off by a few bytes, a table that is
	// unreadable, a sloppy update hiding an object.
	bad := bytes.Clone(three)
	i := bytes.LastIndex(bad, []byte("startxref\n")) + len("startxref\n")
	bad[i+1]++
	seeds = append(seeds, bad)
	bad = bytes.Clone(three)
	i = bytes.LastIndex(bad, []byte("xref\n"))
	bad[i+3] = 'X'
	seeds = append(seeds, bad)
	base := classic().bytes()
	seeds = append(seeds, sloppyUpdate(base, int64(bytes.LastIndex(base, []byte("xref\n"))), 1, map[uint32]string{4: "<</Length 3>>\nstream\nnew\nendstream", 5: "(x)"}, []uint32{5}))
	// A damaged header; repeated critical keys.
	bad = classic().bytes()
	copy(bad, "%PDX")
	seeds = append(seeds, bad)
	b = newBuilder()
	b.obj(1, "<</Type/Sig/ByteRange[0 1 2 3]/ByteRange[0 1 2 4]/Contents<00>>>")
	b.table("/Root 1 0 R/Root 2 0 R")
	seeds = append(seeds, b.bytes())
	// Encrypted files (qpdf; and the AES rules test file).
	for _, name := range []string{"rc4-40.pdf", "aes-128-objstm.pdf", "aes-256.pdf", "user-pw-objstm.pdf"} {
		data, err := os.ReadFile(filepath.Join("testdata", "encrypted", name))
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	a := newAESFile()
	a.obj(1, "<</Type/Sig/Contents<3082>/M "+a.str(1, "D:2026")+">>")
	a.stream(2, "/Filter[/Crypt/FlateDecode]/DecodeParms[<</Name/StdCF>>null]", a.data(2, deflate([]byte("content"))))
	a.obj(9, a.enc)
	a.table(a.trailer())
	seeds = append(seeds, a.bytes())
	return seeds
}

func FuzzOpen(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	lim := Limits{
		MaxRevisions:     50,
		MaxXrefEntries:   20000,
		MaxDecodedStream: 1 << 20,
		MaxTokenBytes:    1 << 16,
		MaxObjectBytes:   1 << 20,
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := Open(bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			if !errors.Is(err, ErrNotPDF) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrEncrypted) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		secs := pf.Sections()
		if len(secs) == 0 {
			t.Fatal("no sections")
		}
		for i, s := range secs {
			if s.Index != i || s.End > int64(len(data)) || s.End <= s.XrefOffset {
				t.Fatalf("bad section %d: %+v", i, s)
			}
			if i > 0 && s.XrefOffset < secs[i-1].End {
				t.Fatalf("section %d starts inside section %d: %+v", i, i-1, s)
			}
			if s.Repaired != (s.Repair != "") {
				t.Fatalf("section %d: Repaired %v with Repair %q", i, s.Repaired, s.Repair)
			}
		}
		if len(pf.Anomalies()) > maxNotes+1 {
			t.Fatalf("%d anomalies", len(pf.Anomalies()))
		}
		n := 0
		for _, s := range secs {
			for num, e := range s.Entries {
				if n++; n > 2000 {
					return
				}
				o, err := pf.Object(s.Index, Ref{Num: num, Gen: e.Gen})
				if err != nil {
					if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrEncrypted) {
						t.Fatalf("error without a sentinel: %v", err)
					}
					continue
				}
				if st, ok := o.(*Stream); ok {
					if st.DataOffset < 0 || st.DataOffset+st.Length > int64(len(data)) {
						t.Fatalf("stream outside the file: %+v", st)
					}
					d, err := pf.StreamData(st, 1<<16)
					if err == nil && len(d) > 1<<16 {
						t.Fatalf("StreamData returned %d bytes", len(d))
					}
					if _, err := pf.StreamHash(st); err != nil && (!st.Encrypted() || !errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit)) {
						t.Fatal(err)
					}
				}
				checkStrings(t, o, data, 0)
				pf.Resolve(s.Index, o)
				if !Equal(o, o) {
					t.Fatalf("object %d not equal to itself", num)
				}
			}
		}
	})
}

// checkStrings checks that file strings' offsets point at their tokens.
func checkStrings(t *testing.T, o Object, data []byte, depth int) {
	if depth > 100 {
		return
	}
	switch v := o.(type) {
	case String:
		if v.Start == -1 {
			return
		}
		if v.Start < 0 || v.End > int64(len(data)) || v.Start >= v.End {
			t.Fatalf("string offsets %d-%d", v.Start, v.End)
		}
		if c := data[v.Start]; (c != '(' || data[v.End-1] != ')') && (c != '<' || data[v.End-1] != '>') {
			t.Fatalf("string offsets %d-%d do not delimit a string", v.Start, v.End)
		}
	case Array:
		for _, e := range v {
			checkStrings(t, e, data, depth+1)
		}
	case Dict:
		for _, e := range v {
			checkStrings(t, e, data, depth+1)
		}
	case *Stream:
		checkStrings(t, v.Dict, data, depth+1)
	}
}

func TestFuzzSeedsOpen(t *testing.T) {
	seeds := fuzzSeeds(t)
	for i, s := range append(seeds[:4:4], seeds[6:]...) {
		f, err := Open(bytes.NewReader(s), int64(len(s)), Limits{})
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		walkAll(f, 1<<16)
	}
}
