package testpdf

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// This file is a deliberately small PDF reader: enough to follow the
// cross-reference chain (tables and streams, object streams, PNG
// predictors) of files this package and pdfsign write, and to edit
// dictionaries textually. Fixture builders need the exact bytes, which a
// full PDF library would normalise away.

func isWS(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	return strings.IndexByte("()<>[]{}/%", c) >= 0
}

// skipWS skips whitespace and comments.
func skipWS(s string, i int) int {
	for i < len(s) {
		switch {
		case isWS(s[i]):
			i++
		case s[i] == '%':
			for i < len(s) && s[i] != '\n' && s[i] != '\r' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

// valueEnd returns the index just after the PDF value starting at i
// (after whitespace), treating "N G R" as one value.
func valueEnd(s string, i int) (int, error) {
	i = skipWS(s, i)
	if i >= len(s) {
		return i, fmt.Errorf("value expected at end of input")
	}
	switch {
	case strings.HasPrefix(s[i:], "<<"):
		j := i + 2
		for {
			j = skipWS(s, j)
			if j >= len(s) {
				return j, fmt.Errorf("unterminated dictionary at %d", i)
			}
			if strings.HasPrefix(s[j:], ">>") {
				return j + 2, nil
			}
			var err error
			if j, err = valueEnd(s, j); err != nil { // key
				return j, err
			}
			if j, err = valueEnd(s, j); err != nil { // value
				return j, err
			}
		}
	case s[i] == '<':
		k := strings.IndexByte(s[i:], '>')
		if k < 0 {
			return len(s), fmt.Errorf("unterminated hex string at %d", i)
		}
		return i + k + 1, nil
	case s[i] == '[':
		j := i + 1
		for {
			j = skipWS(s, j)
			if j >= len(s) {
				return j, fmt.Errorf("unterminated array at %d", i)
			}
			if s[j] == ']' {
				return j + 1, nil
			}
			var err error
			if j, err = valueEnd(s, j); err != nil {
				return j, err
			}
		}
	case s[i] == '(':
		depth := 0
		for j := i; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return len(s), fmt.Errorf("unterminated string at %d", i)
	case s[i] == '/':
		j := i + 1
		for j < len(s) && !isWS(s[j]) && !isDelim(s[j]) {
			j++
		}
		return j, nil
	case s[i] == ')' || s[i] == '>' || s[i] == ']' || s[i] == '{' || s[i] == '}':
		return i, fmt.Errorf("unexpected %q at %d", s[i], i)
	}
	j := i
	for j < len(s) && !isWS(s[j]) && !isDelim(s[j]) {
		j++
	}
	// An integer may start an indirect reference "N G R".
	if isUint(s[i:j]) {
		k := skipWS(s, j)
		l := k
		for l < len(s) && s[l] >= '0' && s[l] <= '9' {
			l++
		}
		if l > k {
			m := skipWS(s, l)
			if m < len(s) && s[m] == 'R' && (m+1 == len(s) || isWS(s[m+1]) || isDelim(s[m+1])) {
				return m + 1, nil
			}
		}
	}
	return j, nil
}

func isUint(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// dictEntry is one key of a dictionary and the [start,end) span of its value.
type dictEntry struct {
	key                  string
	keyStart, valueStart int
	valueEnd             int
}

// dictEntries returns the entries of the dictionary starting at the
// beginning of d, and the index of its closing ">>".
func dictEntries(d string) ([]dictEntry, int, error) {
	i := skipWS(d, 0)
	if !strings.HasPrefix(d[i:], "<<") {
		return nil, 0, fmt.Errorf("not a dictionary: %.40q", d[i:])
	}
	j := i + 2
	var out []dictEntry
	for {
		j = skipWS(d, j)
		if j >= len(d) {
			return nil, 0, fmt.Errorf("unterminated dictionary")
		}
		if strings.HasPrefix(d[j:], ">>") {
			return out, j, nil
		}
		if d[j] != '/' {
			return nil, 0, fmt.Errorf("dictionary key expected at %d: %.20q", j, d[j:])
		}
		ke, _ := valueEnd(d, j)
		vs := skipWS(d, ke)
		ve, err := valueEnd(d, vs)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, dictEntry{key: d[j+1 : ke], keyStart: j, valueStart: vs, valueEnd: ve})
		j = ve
	}
}

// DictGet returns the raw text of key's value in the dictionary d (which
// may be followed by a stream), without the leading slash in key.
func DictGet(d, key string) (string, bool) {
	es, _, err := dictEntries(d)
	if err != nil {
		return "", false
	}
	for _, e := range es {
		if e.key == key {
			return d[e.valueStart:e.valueEnd], true
		}
	}
	return "", false
}

// DictSet returns d with key set to the raw value text (replacing an
// existing entry, or appending one before the closing ">>"); an empty
// value deletes the key. Anything after the dictionary (a stream) is kept.
func DictSet(d, key, value string) string {
	es, end, err := dictEntries(d)
	if err != nil {
		panic(fmt.Sprintf("testpdf: DictSet on %.60q: %v", d, err))
	}
	for _, e := range es {
		if e.key == key {
			if value == "" {
				return d[:e.keyStart] + strings.TrimLeft(d[e.valueEnd:], " ")
			}
			return d[:e.valueStart] + value + d[e.valueEnd:]
		}
	}
	if value == "" {
		return d
	}
	sep := " "
	if end > 0 && (d[end-1] == '\n' || d[end-1] == ' ') {
		sep = ""
	}
	return d[:end] + sep + "/" + key + " " + value + "\n" + d[end:]
}

// ArrayItems splits a raw array "[a b c]" into its items' raw text.
func ArrayItems(a string) ([]string, error) {
	i := skipWS(a, 0)
	if i >= len(a) || a[i] != '[' {
		return nil, fmt.Errorf("not an array: %.40q", a)
	}
	var out []string
	j := i + 1
	for {
		j = skipWS(a, j)
		if j >= len(a) {
			return nil, fmt.Errorf("unterminated array")
		}
		if a[j] == ']' {
			return out, nil
		}
		e, err := valueEnd(a, j)
		if err != nil {
			return nil, err
		}
		out = append(out, a[j:e])
		j = e
	}
}

var refRE = regexp.MustCompile(`^\s*(\d+)\s+(\d+)\s+R\s*$`)

// RefNum returns the object number of an indirect reference "N G R".
func RefNum(v string) (int, bool) {
	m := refRE.FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return n, true
}

// Ref formats an indirect reference to generation 0 of object n.
func Ref(n int) string { return strconv.Itoa(n) + " 0 R" }

// xref holds the merged cross-reference information of a file.
type xref struct {
	entries map[int]xrefEntry // newest definition wins
	trailer string            // newest trailer dictionary (or xref stream dictionary)
	start   int64             // offset of the newest xref section
	stream  bool              // newest section is an xref stream
}

type xrefEntry struct {
	kind   int   // 0 free, 1 in use at offset, 2 compressed in an object stream
	offset int64 // kind 1
	stm    int   // kind 2: object stream number
	idx    int   // kind 2: index in it
}

var startxrefRE = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)

// lastStartXref returns the offset after the last "startxref".
func lastStartXref(pdf []byte) (int64, error) {
	tail := pdf
	if len(tail) > 2048 {
		tail = tail[len(tail)-2048:]
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, fmt.Errorf("no startxref")
	}
	m := startxrefRE.FindSubmatch(tail[i:])
	if m == nil {
		return 0, fmt.Errorf("malformed startxref/%%%%EOF at end of file")
	}
	return strconv.ParseInt(string(m[1]), 10, 64)
}

func parseXref(pdf []byte) (*xref, error) {
	start, err := lastStartXref(pdf)
	if err != nil {
		return nil, err
	}
	x := &xref{entries: map[int]xrefEntry{}, start: start}
	seen := map[int64]bool{}
	first := true
	for off := start; ; {
		if off <= 0 || off >= int64(len(pdf)) || seen[off] {
			if first {
				return nil, fmt.Errorf("startxref %d out of range", off)
			}
			break
		}
		seen[off] = true
		// Readers skip whitespace before a section, and some writers rely
		// on it: @signpdf's placeholder-plain points startxref and /Prev at
		// the newline before "xref".
		at := off
		for at < int64(len(pdf)) && isWS(pdf[at]) {
			at++
		}
		var trailer string
		var isStream bool
		if bytes.HasPrefix(pdf[at:], []byte("xref")) {
			trailer, err = x.readTable(pdf, at)
		} else {
			isStream = true
			trailer, err = x.readStream(pdf, at)
		}
		if err != nil {
			return nil, fmt.Errorf("xref section at %d: %w", off, err)
		}
		if first {
			x.trailer, x.stream, first = trailer, isStream, false
		}
		// A hybrid file's table points at a stream with more entries.
		if v, ok := DictGet(trailer, "XRefStm"); ok {
			if so, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && !seen[so] {
				seen[so] = true
				if _, err := x.readStream(pdf, so); err != nil {
					return nil, err
				}
			}
		}
		v, ok := DictGet(trailer, "Prev")
		if !ok {
			break
		}
		if off, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
			return nil, fmt.Errorf("bad /Prev %q", v)
		}
	}
	return x, nil
}

func (x *xref) set(n int, e xrefEntry) {
	if _, ok := x.entries[n]; !ok {
		x.entries[n] = e
	}
}

func (x *xref) readTable(pdf []byte, off int64) (string, error) {
	s := string(pdf[off:])
	i := len("xref")
	field := func() string {
		i = skipWS(s, i)
		j := i
		for j < len(s) && !isWS(s[j]) {
			j++
		}
		f := s[i:j]
		i = j
		return f
	}
	for {
		i = skipWS(s, i)
		if strings.HasPrefix(s[i:], "trailer") {
			i += len("trailer")
			i = skipWS(s, i)
			e, err := valueEnd(s, i)
			if err != nil {
				return "", err
			}
			return s[i:e], nil
		}
		first, err1 := strconv.Atoi(field())
		count, err2 := strconv.Atoi(field())
		if err1 != nil || err2 != nil {
			return "", fmt.Errorf("bad subsection header")
		}
		for k := 0; k < count; k++ {
			o, err1 := strconv.ParseInt(field(), 10, 64)
			_, err2 := strconv.Atoi(field())
			typ := field()
			if err1 != nil || err2 != nil || (typ != "n" && typ != "f") {
				return "", fmt.Errorf("bad entry for object %d", first+k)
			}
			if typ == "n" {
				x.set(first+k, xrefEntry{kind: 1, offset: o})
			} else {
				x.set(first+k, xrefEntry{kind: 0})
			}
		}
	}
}

func (x *xref) readStream(pdf []byte, off int64) (string, error) {
	_, dict, data, err := objectAt(pdf, off, nil)
	if err != nil {
		return "", err
	}
	w, err := intArray(dict, "W")
	if err != nil || len(w) != 3 {
		return "", fmt.Errorf("bad /W")
	}
	index, err := intArray(dict, "Index")
	if err != nil {
		sz, _ := DictGet(dict, "Size")
		n, _ := strconv.Atoi(strings.TrimSpace(sz))
		index = []int{0, n}
	}
	row := w[0] + w[1] + w[2]
	get := func(b []byte, width int, def int64) int64 {
		if width == 0 {
			return def
		}
		var v int64
		for _, c := range b[:width] {
			v = v<<8 | int64(c)
		}
		return v
	}
	p := 0
	for k := 0; k+1 < len(index); k += 2 {
		for n := index[k]; n < index[k]+index[k+1]; n++ {
			if p+row > len(data) {
				return "", fmt.Errorf("xref stream too short")
			}
			r := data[p : p+row]
			p += row
			typ := get(r, w[0], 1)
			f2 := get(r[w[0]:], w[1], 0)
			f3 := get(r[w[0]+w[1]:], w[2], 0)
			switch typ {
			case 0:
				x.set(n, xrefEntry{kind: 0})
			case 1:
				x.set(n, xrefEntry{kind: 1, offset: f2})
			case 2:
				x.set(n, xrefEntry{kind: 2, stm: int(f2), idx: int(f3)})
			}
		}
	}
	return dict, nil
}

func intArray(dict, key string) ([]int, error) {
	v, ok := DictGet(dict, key)
	if !ok {
		return nil, fmt.Errorf("no /%s", key)
	}
	items, err := ArrayItems(v)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(items))
	for i, it := range items {
		if out[i], err = strconv.Atoi(strings.TrimSpace(it)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var objHeaderRE = regexp.MustCompile(`^\s*(\d+)\s+(\d+)\s+obj\b`)

// objectAt parses the indirect object at off and returns its number, its
// body text (dictionary or other value, without a stream) and, for a
// stream, its decoded data. x resolves an indirect /Length; it may be nil.
func objectAt(pdf []byte, off int64, x *xref) (int, string, []byte, error) {
	s := string(pdf[off:min(int64(len(pdf)), off+1<<22)])
	m := objHeaderRE.FindStringSubmatchIndex(s)
	if m == nil {
		return 0, "", nil, fmt.Errorf("no object at offset %d", off)
	}
	num, _ := strconv.Atoi(s[m[2]:m[3]])
	i := skipWS(s, m[1])
	e, err := valueEnd(s, i)
	if err != nil {
		return num, "", nil, err
	}
	body := s[i:e]
	j := skipWS(s, e)
	if !strings.HasPrefix(s[j:], "stream") {
		return num, body, nil, nil
	}
	j += len("stream")
	if strings.HasPrefix(s[j:], "\r\n") {
		j += 2
	} else if j < len(s) && (s[j] == '\n' || s[j] == '\r') {
		j++
	}
	lv, _ := DictGet(body, "Length")
	length, err := strconv.Atoi(strings.TrimSpace(lv))
	if err != nil {
		ln, ok := RefNum(lv)
		if !ok || x == nil {
			return num, body, nil, fmt.Errorf("object %d: bad /Length %q", num, lv)
		}
		lb, err := x.object(pdf, ln)
		if err != nil {
			return num, body, nil, err
		}
		if length, err = strconv.Atoi(strings.TrimSpace(lb)); err != nil {
			return num, body, nil, fmt.Errorf("object %d: bad indirect /Length", num)
		}
	}
	if j+length > len(s) {
		return num, body, nil, fmt.Errorf("object %d: stream runs past end of file", num)
	}
	data, err := decodeStream(body, []byte(s[j:j+length]))
	return num, body, data, err
}

func decodeStream(dict string, raw []byte) ([]byte, error) {
	f, _ := DictGet(dict, "Filter")
	f = strings.Trim(strings.TrimSpace(f), "[]")
	f = strings.TrimSpace(f)
	switch f {
	case "":
		return raw, nil
	case "/FlateDecode":
	default:
		return raw, nil // left encoded; callers here only need Flate
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	parms, _ := DictGet(dict, "DecodeParms")
	pred, _ := DictGet(parms, "Predictor")
	p, _ := strconv.Atoi(strings.TrimSpace(pred))
	if p < 10 {
		return data, nil
	}
	cols, _ := DictGet(parms, "Columns")
	c, _ := strconv.Atoi(strings.TrimSpace(cols))
	if c == 0 {
		c = 1
	}
	return unPNG(data, c)
}

// unPNG undoes PNG row predictors (one byte per pixel, as xref streams use).
func unPNG(data []byte, cols int) ([]byte, error) {
	var out []byte
	prev := make([]byte, cols)
	for len(data) > 0 {
		if len(data) < cols+1 {
			return nil, fmt.Errorf("truncated predictor row")
		}
		typ, row := data[0], append([]byte(nil), data[1:cols+1]...)
		data = data[cols+1:]
		for i := range row {
			var left, up, ul byte
			if i > 0 {
				left, ul = row[i-1], prev[i-1]
			}
			up = prev[i]
			switch typ {
			case 1:
				row[i] += left
			case 2:
				row[i] += up
			case 3:
				row[i] += byte((int(left) + int(up)) / 2)
			case 4:
				pa, pb, pc := abs(int(up)-int(ul)), abs(int(left)-int(ul)), abs(int(left)+int(up)-2*int(ul))
				switch {
				case pa <= pb && pa <= pc:
					row[i] += left
				case pb <= pc:
					row[i] += up
				default:
					row[i] += ul
				}
			}
		}
		out = append(out, row...)
		prev = row
	}
	return out, nil
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// object returns the body text of object n (its dictionary or value; a
// stream object's body is its dictionary only).
func (x *xref) object(pdf []byte, n int) (string, error) {
	e, ok := x.entries[n]
	if !ok || e.kind == 0 {
		return "", fmt.Errorf("object %d is not defined", n)
	}
	if e.kind == 1 {
		got, body, _, err := objectAt(pdf, e.offset, x)
		if err == nil && got != n {
			err = fmt.Errorf("xref says object %d is at %d, found object %d", n, e.offset, got)
		}
		return body, err
	}
	se, ok := x.entries[e.stm]
	if !ok || se.kind != 1 {
		return "", fmt.Errorf("object stream %d not found", e.stm)
	}
	_, dict, data, err := objectAt(pdf, se.offset, x)
	if err != nil {
		return "", err
	}
	fv, _ := DictGet(dict, "First")
	first, _ := strconv.Atoi(strings.TrimSpace(fv))
	nv, _ := DictGet(dict, "N")
	count, _ := strconv.Atoi(strings.TrimSpace(nv))
	header := strings.Fields(string(data[:min(first, len(data))]))
	if e.idx >= count || 2*e.idx+1 >= len(header) {
		return "", fmt.Errorf("object %d: index %d outside object stream %d", n, e.idx, e.stm)
	}
	o, _ := strconv.Atoi(header[2*e.idx+1])
	s := string(data[first+o:])
	end, err := valueEnd(s, 0)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(s[:end]), nil
}

// streamData returns the decoded data of stream object n.
func (x *xref) streamData(pdf []byte, n int) (string, []byte, error) {
	e, ok := x.entries[n]
	if !ok || e.kind != 1 {
		return "", nil, fmt.Errorf("object %d is not an uncompressed object", n)
	}
	_, dict, data, err := objectAt(pdf, e.offset, x)
	return dict, data, err
}

// Trailer summarises the newest trailer of a file.
type Trailer struct {
	Root, Info int    // object numbers (Info 0 if absent)
	Size       int    // /Size
	ID         string // raw /ID array text, "" if absent
	StartXRef  int64  // offset of the newest xref section
	XRefStream bool   // newest section is a cross-reference stream
	Dict       string // raw dictionary text
}

// ReadTrailer returns the newest trailer of pdf.
func ReadTrailer(pdf []byte) (Trailer, error) {
	x, err := parseXref(pdf)
	if err != nil {
		return Trailer{}, err
	}
	return x.summary()
}

func (x *xref) summary() (Trailer, error) {
	t := Trailer{StartXRef: x.start, XRefStream: x.stream, Dict: x.trailer}
	rv, _ := DictGet(x.trailer, "Root")
	var ok bool
	if t.Root, ok = RefNum(rv); !ok {
		return t, fmt.Errorf("trailer has no /Root")
	}
	iv, _ := DictGet(x.trailer, "Info")
	t.Info, _ = RefNum(iv)
	sv, _ := DictGet(x.trailer, "Size")
	t.Size, _ = strconv.Atoi(strings.TrimSpace(sv))
	t.ID, _ = DictGet(x.trailer, "ID")
	return t, nil
}

// Object returns the body of object n as the newest revision of pdf
// defines it: its dictionary (for a stream, without the stream data) or
// other value.
func Object(pdf []byte, n int) (string, error) {
	x, err := parseXref(pdf)
	if err != nil {
		return "", err
	}
	return x.object(pdf, n)
}

// resolve returns v itself, or the body of the object it references.
func (x *xref) resolve(pdf []byte, v string) (string, error) {
	if n, ok := RefNum(v); ok {
		return x.object(pdf, n)
	}
	return v, nil
}

// pages returns the page object numbers in order.
func (x *xref) pages(pdf []byte) ([]int, error) {
	t, err := x.summary()
	if err != nil {
		return nil, err
	}
	cat, err := x.object(pdf, t.Root)
	if err != nil {
		return nil, err
	}
	pv, _ := DictGet(cat, "Pages")
	root, ok := RefNum(pv)
	if !ok {
		return nil, fmt.Errorf("catalog has no /Pages reference")
	}
	var out []int
	var walk func(n, depth int) error
	walk = func(n, depth int) error {
		if depth > 32 {
			return fmt.Errorf("page tree too deep")
		}
		d, err := x.object(pdf, n)
		if err != nil {
			return err
		}
		typ, _ := DictGet(d, "Type")
		if typ == "/Page" {
			out = append(out, n)
			return nil
		}
		kv, _ := DictGet(d, "Kids")
		kids, err := ArrayItems(kv)
		if err != nil {
			return fmt.Errorf("object %d: /Kids: %w", n, err)
		}
		for _, k := range kids {
			kn, ok := RefNum(k)
			if !ok {
				return fmt.Errorf("object %d: kid %q is not a reference", n, k)
			}
			if err := walk(kn, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(root, 0)
}

// PageObject returns the object number of page n (1-based).
func PageObject(pdf []byte, n int) (int, error) {
	x, err := parseXref(pdf)
	if err != nil {
		return 0, err
	}
	ps, err := x.pages(pdf)
	if err != nil {
		return 0, err
	}
	if n < 1 || n > len(ps) {
		return 0, fmt.Errorf("page %d out of range (1..%d)", n, len(ps))
	}
	return ps[n-1], nil
}

// Revisions returns the end offsets (just after each "%%EOF" line) of the
// file's revisions, oldest first.
func Revisions(pdf []byte) []int {
	var out []int
	for i := 0; ; {
		k := bytes.Index(pdf[i:], []byte("%%EOF"))
		if k < 0 {
			break
		}
		e := i + k + len("%%EOF")
		for e < len(pdf) && (pdf[e] == '\r' || pdf[e] == '\n') {
			e++
		}
		out = append(out, e)
		i = e
	}
	return out
}

func sortedKeys(m map[int]string) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

func putUint(b []byte, v uint64) {
	var tmp [8]byte
	binary.BigEndian.PutUint64(tmp[:], v)
	copy(b, tmp[8-len(b):])
}
