package pdfraw

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
)

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxRevisions <= 0 {
		l.MaxRevisions = d.MaxRevisions
	}
	if l.MaxXrefEntries <= 0 {
		l.MaxXrefEntries = d.MaxXrefEntries
	}
	if l.MaxDecodedStream <= 0 {
		l.MaxDecodedStream = d.MaxDecodedStream
	}
	if l.MaxDecodedStream > math.MaxInt64/2 {
		l.MaxDecodedStream = math.MaxInt64 / 2
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxTokenBytes <= 0 {
		l.MaxTokenBytes = d.MaxTokenBytes
	}
	if l.MaxObjectBytes <= 0 {
		l.MaxObjectBytes = d.MaxObjectBytes
	}
	if l.MaxObjectBytes > math.MaxInt64/4 {
		l.MaxObjectBytes = math.MaxInt64 / 4
	}
	if l.MaxResolveHops <= 0 {
		l.MaxResolveHops = d.MaxResolveHops
	}
	return l
}

const (
	headerWindow = 1024
	tailWindow   = 16 << 10
)

// rawSection is a section as found while walking the /Prev chain.
type rawSection struct {
	sec     *Section
	ptr     int64 // the startxref or /Prev value that led here
	bodyEnd int64 // just past the trailer dictionary or the xref stream's endobj
}

// Open reads the header and every cross-reference section of the PDF in r,
// and nothing else when the file is intact.
//
// The /Prev chain must strictly decrease, with one exception: the
// first-page cross-reference section of a linearized file points forward to
// the main section, which must end the chain; the two are reported as one
// Section (the file's original revision). A chain that revisits an offset,
// does not decrease, or leads to no cross-reference section, and a
// startxref that does not point at its revision's section, make Open
// rebuild the revisions from their %%EOF markers (see repair); a chain
// longer than MaxRevisions is ErrLimit. Either way the walk stops at once,
// so a loop can never hang.
//
// An encrypted file opens; see Encryption.
func Open(r io.ReaderAt, size int64, lim Limits) (*File, error) {
	if r == nil {
		return nil, errors.New("pdfraw: nil reader")
	}
	if size <= 0 {
		return nil, fmt.Errorf("%w: empty file", ErrNotPDF)
	}
	f := &File{r: r, size: size, lim: lim.withDefaults(), cache: newCaches()}
	badHeader, err := f.readHeader()
	if err != nil {
		return nil, err
	}
	if err := f.openStrict(); err != nil {
		if badHeader != "" {
			// Neither a header nor an intact structure: not a PDF.
			return nil, fmt.Errorf("%w: %s", ErrNotPDF, badHeader)
		}
		if !errors.Is(err, ErrMalformed) {
			return nil, err
		}
		f.sections, f.anomalies, f.noted, f.dups = nil, nil, nil, nil
		f.cache = newCaches()
		if rerr := f.repair(); rerr != nil {
			return nil, fmt.Errorf("%w (rebuilding the revisions from their %%%%EOF markers failed too: %w)", err, rerr)
		}
	}
	if badHeader != "" {
		f.note(badHeader + "; read as PDF anyway")
	}
	if err := f.setupEncryption(); err != nil {
		return nil, err
	}
	f.finishRepair()
	return f, nil
}

// openStrict reads the sections by following startxref and /Prev.
func (f *File) openStrict() error {
	start, err := f.findStartxref()
	if err != nil {
		return err
	}
	chain, lin, err := f.walk(start)
	if err != nil {
		return err
	}
	// Oldest first.
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	if lin {
		// chain[0] is the main section, chain[1] the first-page section.
		main, first := chain[0], chain[1]
		merged := mergeLinearized(main.sec, first.sec)
		end, sx, junk, err := f.findEOF(main.bodyEnd, main.sec.XrefOffset)
		if err != nil {
			return err
		}
		if sx != first.ptr && sx != main.ptr {
			return fmt.Errorf("%w: linearized file: startxref %d after the main cross-reference section at offset %d points to neither it nor the first-page section at %d", ErrMalformed, sx, main.sec.XrefOffset, first.sec.XrefOffset)
		}
		f.noteJunk(junk)
		merged.End = end
		f.sections = append(f.sections, merged)
		chain = chain[2:]
	}
	for _, rs := range chain {
		end, sx, junk, err := f.findEOF(rs.bodyEnd, rs.sec.XrefOffset)
		if err != nil {
			return err
		}
		if sx != rs.ptr {
			return fmt.Errorf("%w: cross-reference section at offset %d: the startxref after it says %d", ErrMalformed, rs.sec.XrefOffset, sx)
		}
		f.noteJunk(junk)
		rs.sec.End = end
		f.sections = append(f.sections, rs.sec)
	}
	for i, s := range f.sections {
		s.Index = i
		if i > 0 && f.sections[i-1].End > s.XrefOffset {
			return fmt.Errorf("%w: cross-reference section at offset %d lies inside the previous revision (which ends at %d)", ErrMalformed, s.XrefOffset, f.sections[i-1].End)
		}
	}
	return nil
}

func (f *File) noteJunk(junk string) {
	if junk != "" {
		f.note(junk)
	}
}

// mergeLinearized makes one Section of a linearized file's main and
// first-page cross-reference sections.
func mergeLinearized(main, first *Section) *Section {
	merged := &Section{
		XrefOffset: first.XrefOffset,
		IsStream:   first.IsStream,
		Trailer:    first.Trailer,
		Entries:    make(map[uint32]XrefEntry, len(main.Entries)+len(first.Entries)),
		Prev:       -1,
	}
	for k, v := range main.Entries {
		merged.Entries[k] = v
	}
	for k, v := range first.Entries {
		merged.Entries[k] = v
	}
	return merged
}

// readHeader reads the %PDF-x.y header. A missing or malformed header is
// not an error yet: badHeader says what is wrong, and Open decides (the
// file opens only if its cross-reference structure is intact).
func (f *File) readHeader() (badHeader string, err error) {
	n := int64(headerWindow)
	if n > f.size {
		n = f.size
	}
	buf := make([]byte, n)
	if _, err := f.r.ReadAt(buf, 0); err != nil && !(errors.Is(err, io.EOF) && int64(len(buf)) == n) {
		return "", fmt.Errorf("reading header: %w", err)
	}
	i := bytes.Index(buf, []byte("%PDF-"))
	if i < 0 {
		return fmt.Sprintf("no %%PDF- header in the first %d bytes", headerWindow), nil
	}
	v := buf[i+5:]
	j := 0
	for j < len(v) && isDigit(int(v[j])) {
		j++
	}
	if j == 0 || j >= len(v) || v[j] != '.' {
		return fmt.Sprintf("malformed version in the %%PDF- header at offset %d", i), nil
	}
	k := j + 1
	for k < len(v) && isDigit(int(v[k])) {
		k++
	}
	if k == j+1 || (k < len(v) && isRegular(int(v[k]))) {
		return fmt.Sprintf("malformed version in the %%PDF- header at offset %d", i), nil
	}
	f.version = string(v[:k])
	f.headerOff = int64(i)
	return "", nil
}

// findStartxref finds the last "startxref N %%EOF" in the tail of the file.
func (f *File) findStartxref() (int64, error) {
	n := int64(tailWindow)
	if n > f.size {
		n = f.size
	}
	off := f.size - n
	buf := make([]byte, n)
	if _, err := f.r.ReadAt(buf, off); err != nil && !(errors.Is(err, io.EOF)) {
		return 0, fmt.Errorf("reading the end of the file: %w", err)
	}
	i := bytes.LastIndex(buf, []byte("startxref"))
	if i < 0 {
		return 0, fmt.Errorf("%w: no startxref in the last %d bytes", ErrMalformed, n)
	}
	lx := newFileLexer(f.r, f.size, off+int64(i), f.size, &f.lim)
	lx.what = "last startxref"
	v, _, err := f.eofMarker(lx)
	return v, err
}

// eofMarker parses "startxref N %%EOF" and the one end-of-line after it at
// the lexer position; it returns N and the position just past it all.
func (f *File) eofMarker(lx *lexer) (int64, int64, error) {
	at := lx.pos
	v, end, err := parseEOFMarker(lx)
	if err != nil {
		return 0, 0, err
	}
	if v >= f.size {
		return 0, 0, lx.errAt(at, "startxref %d beyond the end of the file (%d bytes)", v, f.size)
	}
	return v, end, nil
}

// parseEOFMarker is eofMarker without the check that N lies in the file.
func parseEOFMarker(lx *lexer) (int64, int64, error) {
	at := lx.pos
	if !lx.keywordAt("startxref") {
		return 0, 0, lx.errf("expected startxref")
	}
	lx.pos += int64(len("startxref"))
	lx.skipWhite()
	v := int64(0)
	nd := 0
	for isDigit(lx.peek()) {
		if nd >= 18 {
			return 0, 0, lx.errAt(at, "startxref offset too long")
		}
		v = v*10 + int64(lx.next()-'0')
		nd++
	}
	if nd == 0 || isRegular(lx.peek()) {
		return 0, 0, lx.errAt(at, "startxref not followed by an offset")
	}
	lx.skipWhite()
	if !lx.hasPrefix("%%EOF") {
		return 0, 0, lx.errAt(at, "startxref %d not followed by %%%%EOF", v)
	}
	lx.pos += 5
	switch lx.peek() {
	case '\r':
		lx.pos++
		if lx.peek() == '\n' {
			lx.pos++
		}
	case '\n':
		lx.pos++
	}
	return v, lx.pos, nil
}

// findEOF reads the "startxref N %%EOF" that must follow a section's trailer
// (or xref stream object) at pos, allowing only white space before it. junk
// describes bytes between the two that belong to no object.
func (f *File) findEOF(pos, xref int64) (end, startxref int64, junk string, err error) {
	lx := newFileLexer(f.r, f.size, pos, pos+(1<<20), &f.lim)
	defer lx.release()
	lx.what = fmt.Sprintf("xref at offset %d: end of revision", xref)
	// White space and comments (some writers sign their work there) may
	// come before startxref; "%%EOF" is not a comment here.
	for {
		lx.skipWhite()
		if lx.peek() != '%' || lx.hasPrefix("%%EOF") {
			break
		}
		for c := lx.peek(); c >= 0 && c != '\r' && c != '\n'; c = lx.peek() {
			lx.pos++
		}
	}
	if lx.peek() < 0 {
		return 0, 0, "", lx.eofErr("expected startxref")
	}
	if !lx.keywordAt("startxref") {
		// Bytes that no cross-reference section accounts for sit between
		// the trailer and startxref. Viewers ignore them, and attacks
		// (signature wrapping) hide signed bytes there, so they are not an
		// error: the section records them and the verifier reports them.
		at := lx.pos
		for lx.peek() >= 0 && !lx.hasPrefix("startxref") {
			lx.pos++
		}
		if lx.peek() < 0 {
			return 0, 0, "", lx.errAt(at, "expected startxref")
		}
		junk = fmt.Sprintf("%d bytes at offset %d between the trailer of the cross-reference section at offset %d and its startxref belong to no object", lx.pos-at, at, xref)
	}
	sx, end, err := f.eofMarker(lx)
	return end, sx, junk, err
}

// walk follows startxref and /Prev, newest section first.
func (f *File) walk(start int64) (chain []*rawSection, linearized bool, err error) {
	seen := map[int64]bool{}
	total := 0
	cur := start
	increased := false
	for cur >= 0 {
		if seen[cur] {
			return nil, false, fmt.Errorf("%w: /Prev loop: cross-reference section at offset %d reached twice", ErrMalformed, cur)
		}
		seen[cur] = true
		if len(chain) >= f.lim.MaxRevisions {
			return nil, false, fmt.Errorf("%w: more than %d cross-reference sections", ErrLimit, f.lim.MaxRevisions)
		}
		if len(chain) > 0 {
			newer := chain[len(chain)-1]
			if cur >= newer.ptr {
				// Only a linearized file's first-page section may point forward,
				// and only once.
				if increased || !f.linearized() {
					return nil, false, fmt.Errorf("%w: /Prev %d of the cross-reference section at offset %d does not point backwards", ErrMalformed, cur, newer.sec.XrefOffset)
				}
				increased = true
			}
		}
		rs, err := f.parseSection(cur, &total)
		if err != nil {
			if f.headerOff > 0 {
				err = fmt.Errorf("%w (the header is at offset %d; offsets relative to it are not supported)", err, f.headerOff)
			}
			return nil, false, err
		}
		if increased && rs.sec.Prev >= 0 {
			return nil, false, fmt.Errorf("%w: linearized file: main cross-reference section at offset %d has a /Prev", ErrMalformed, rs.sec.XrefOffset)
		}
		chain = append(chain, rs)
		cur = rs.sec.Prev
	}
	return chain, increased, nil
}

// linearized reports whether the first object of the file is a
// linearization parameter dictionary.
func (f *File) linearized() bool {
	lx := newFileLexer(f.r, f.size, f.headerOff, f.headerOff+(1<<20), &f.lim)
	lx.skipSpace()
	p := newParser(lx, &f.lim)
	if _, err := p.expectInt("object number"); err != nil {
		return false
	}
	if _, err := p.expectInt("generation"); err != nil {
		return false
	}
	if _, err := p.expectKeyword("obj"); err != nil {
		return false
	}
	o, err := p.object(0)
	if err != nil {
		return false
	}
	d, ok := o.(Dict)
	if !ok {
		return false
	}
	_, ok = d["Linearized"]
	return ok
}

// parseSection parses the cross-reference section at off: a table with its
// trailer (and /XRefStm), or a cross-reference stream.
func (f *File) parseSection(off int64, total *int) (*rawSection, error) {
	if off < 0 || off >= f.size {
		return nil, fmt.Errorf("%w: cross-reference offset %d outside the file (%d bytes)", ErrMalformed, off, f.size)
	}
	lx := newFileLexer(f.r, f.size, off, f.size, &f.lim)
	lx.what = fmt.Sprintf("xref at offset %d", off)
	lx.skipWhite()
	at := lx.pos
	if lx.keywordAt("xref") {
		lx.pos += 4
		return f.parseTable(lx, off, at, total)
	}
	if !isDigit(lx.peek()) {
		if lx.peek() < 0 {
			return nil, lx.eofErr("expected xref")
		}
		return nil, lx.errf("expected \"xref\" or a cross-reference stream object")
	}
	trailer, entries, end, err := f.parseXrefStream(at, total)
	if err != nil {
		return nil, err
	}
	sec := &Section{XrefOffset: at, IsStream: true, Trailer: trailer, Entries: entries, Prev: -1}
	if err := f.trailerFields(sec, lx.what); err != nil {
		return nil, err
	}
	return &rawSection{sec: sec, ptr: off, bodyEnd: end}, nil
}

func (f *File) addEntries(total *int, n int64, what string) error {
	if n < 0 || int64(*total)+n > int64(f.lim.MaxXrefEntries) {
		return fmt.Errorf("%w: %s: more than %d cross-reference entries in the file", ErrLimit, what, f.lim.MaxXrefEntries)
	}
	*total += int(n)
	return nil
}

func (f *File) parseTable(lx *lexer, ptr, at int64, total *int) (*rawSection, error) {
	p := newParser(lx, &f.lim)
	entries := map[uint32]XrefEntry{}
	for {
		lx.skipSpace()
		c := lx.peek()
		if lx.keywordAt("trailer") {
			lx.pos += int64(len("trailer"))
			break
		}
		if !isDigit(c) {
			if c < 0 {
				return nil, lx.eofErr("expected a subsection or trailer")
			}
			return nil, lx.errf("expected a subsection or \"trailer\"")
		}
		subAt := lx.pos
		first, err := p.expectInt("first object number")
		if err != nil {
			return nil, err
		}
		count, err := p.expectInt("entry count")
		if err != nil {
			return nil, err
		}
		if first < 0 || count < 0 || first+count > math.MaxUint32+1 {
			return nil, lx.errAt(subAt, "bad subsection %d %d", first, count)
		}
		if err := f.addEntries(total, count, lx.what); err != nil {
			return nil, err
		}
		if count*19 > f.size-lx.pos {
			return nil, lx.errAt(subAt, "subsection of %d entries runs past the end of the file", count)
		}
		for i := int64(0); i < count; i++ {
			e, err := readTableEntry(lx)
			if err != nil {
				return nil, err
			}
			num := uint32(first + i)
			if _, dup := entries[num]; dup {
				return nil, lx.errf("object %d has two entries in this section", num)
			}
			entries[num] = e
		}
	}
	trailerAt := lx.pos
	lx.limit = lx.pos + f.lim.MaxObjectBytes
	if lx.limit > f.size || lx.limit < 0 {
		lx.limit = f.size
	}
	p.dup = f.newParser(lx).dup
	o, err := p.object(0)
	if err != nil {
		return nil, err
	}
	trailer, ok := o.(Dict)
	if !ok {
		return nil, lx.errAt(trailerAt, "trailer is not a dictionary")
	}
	sec := &Section{XrefOffset: at, Trailer: trailer, Entries: entries, Prev: -1}
	if err := f.trailerFields(sec, lx.what); err != nil {
		return nil, err
	}
	if xs, ok := trailer["XRefStm"]; ok {
		xo, ok := xs.(Int)
		if !ok || xo < 0 || int64(xo) >= f.size {
			return nil, lx.errAt(trailerAt, "bad /XRefStm")
		}
		_, sentries, _, err := f.parseXrefStream(int64(xo), total)
		if err != nil {
			return nil, fmt.Errorf("hybrid file: %w", err)
		}
		// In a hybrid file the table's in-use entries win; the stream
		// supplies what the table leaves free or out.
		for num, e := range sentries {
			if te, ok := entries[num]; ok && te.Type == EntryInUse {
				continue
			}
			if e.Type == EntryFree {
				if _, ok := entries[num]; ok {
					continue
				}
			}
			entries[num] = e
		}
	}
	return &rawSection{sec: sec, ptr: ptr, bodyEnd: lx.pos}, nil
}

// readTableEntry reads one "oooooooooo ggggg n" entry. Field widths are
// strict; the white space around them is not (20-byte entries with " \n",
// " \r" or "\r\n", and the common 19-byte variant).
func readTableEntry(lx *lexer) (XrefEntry, error) {
	lx.skipWhite()
	at := lx.pos
	var off, gen int64
	for i := 0; i < 10; i++ {
		c := lx.next()
		if !isDigit(c) {
			return XrefEntry{}, entryErr(lx, at, c)
		}
		off = off*10 + int64(c-'0')
	}
	if c := lx.next(); c != ' ' {
		return XrefEntry{}, entryErr(lx, at, c)
	}
	for i := 0; i < 5; i++ {
		c := lx.next()
		if !isDigit(c) {
			return XrefEntry{}, entryErr(lx, at, c)
		}
		gen = gen*10 + int64(c-'0')
	}
	if c := lx.next(); c != ' ' {
		return XrefEntry{}, entryErr(lx, at, c)
	}
	typ := lx.next()
	if typ != 'n' && typ != 'f' {
		return XrefEntry{}, entryErr(lx, at, typ)
	}
	if c := lx.peek(); !isSpace(c) {
		return XrefEntry{}, entryErr(lx, at, c)
	}
	if typ == 'f' && gen > math.MaxUint16 {
		// Some writers put 65536 on the head of the free list; a free
		// entry's generation only matters for reuse, so clamp it.
		gen = math.MaxUint16
	}
	if gen > math.MaxUint16 {
		return XrefEntry{}, lx.errAt(at, "generation %d too large", gen)
	}
	if typ == 'n' {
		return XrefEntry{Type: EntryInUse, Offset: off, Gen: uint16(gen)}, nil
	}
	return XrefEntry{Type: EntryFree, Offset: off, Gen: uint16(gen)}, nil
}

func entryErr(lx *lexer, at int64, c int) error {
	if c < 0 {
		return lx.eofErr("reading a cross-reference entry")
	}
	return lx.errAt(at, "malformed cross-reference entry")
}

// trailerFields checks /Size and reads /Prev.
func (f *File) trailerFields(sec *Section, what string) error {
	sz, ok := sec.Trailer["Size"].(Int)
	if !ok || sz < 0 {
		return fmt.Errorf("%w: %s: trailer has no valid /Size", ErrMalformed, what)
	}
	if pv, ok := sec.Trailer["Prev"]; ok {
		p, ok := pv.(Int)
		if !ok || p < 0 {
			return fmt.Errorf("%w: %s: bad /Prev", ErrMalformed, what)
		}
		sec.Prev = int64(p)
	}
	return nil
}

// parseXrefStream reads the cross-reference stream object at off.
func (f *File) parseXrefStream(off int64, total *int) (Dict, map[uint32]XrefEntry, int64, error) {
	what := fmt.Sprintf("xref stream at offset %d", off)
	o, end, _, err := f.readIndirect(off, Ref{}, true, noXref, newRctx())
	if err != nil {
		return nil, nil, 0, err
	}
	s, ok := o.(*Stream)
	if !ok {
		return nil, nil, 0, fmt.Errorf("%w: %s: not a stream", ErrMalformed, what)
	}
	d := s.Dict
	if t, _ := d["Type"].(Name); t != "XRef" {
		return nil, nil, 0, fmt.Errorf("%w: %s: /Type is not /XRef", ErrMalformed, what)
	}
	size, ok := d["Size"].(Int)
	if !ok || size < 0 || size > math.MaxUint32+1 {
		return nil, nil, 0, fmt.Errorf("%w: %s: bad /Size", ErrMalformed, what)
	}
	wa, ok := d["W"].(Array)
	if !ok || len(wa) != 3 {
		return nil, nil, 0, fmt.Errorf("%w: %s: /W must be an array of 3 integers", ErrMalformed, what)
	}
	var w [3]int
	for i, v := range wa {
		n, ok := v.(Int)
		if !ok || n < 0 || n > 8 {
			return nil, nil, 0, fmt.Errorf("%w: %s: bad /W entry %v", ErrMalformed, what, v)
		}
		w[i] = int(n)
	}
	index := []int64{0, int64(size)}
	if iv, ok := d["Index"]; ok {
		ia, ok := iv.(Array)
		if !ok || len(ia)%2 != 0 {
			return nil, nil, 0, fmt.Errorf("%w: %s: /Index must be an array of pairs", ErrMalformed, what)
		}
		index = index[:0]
		for _, v := range ia {
			n, ok := v.(Int)
			if !ok || n < 0 || n > math.MaxUint32 {
				return nil, nil, 0, fmt.Errorf("%w: %s: bad /Index entry", ErrMalformed, what)
			}
			index = append(index, int64(n))
		}
	}
	var rows int64
	for i := 0; i < len(index); i += 2 {
		if index[i]+index[i+1] > math.MaxUint32+1 {
			return nil, nil, 0, fmt.Errorf("%w: %s: /Index subsection %d %d out of range", ErrMalformed, what, index[i], index[i+1])
		}
		rows += index[i+1]
	}
	if err := f.addEntries(total, rows, what); err != nil {
		return nil, nil, 0, err
	}
	rowLen := int64(w[0] + w[1] + w[2])
	if rows > 0 && rowLen == 0 {
		return nil, nil, 0, fmt.Errorf("%w: %s: /W is all zero", ErrMalformed, what)
	}
	if rows*rowLen > f.lim.MaxDecodedStream {
		return nil, nil, 0, fmt.Errorf("%w: %s: %d entries need more than %d decoded bytes", ErrLimit, what, rows, f.lim.MaxDecodedStream)
	}
	data, err := f.streamData(s, f.lim.MaxDecodedStream, noXref, newRctx())
	if errors.Is(err, ErrUnsupported) {
		return nil, nil, 0, fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
	}
	if err != nil {
		return nil, nil, 0, err
	}
	if int64(len(data)) < rows*rowLen {
		return nil, nil, 0, fmt.Errorf("%w: %s: %d bytes of data for %d entries of %d bytes", ErrMalformed, what, len(data), rows, rowLen)
	}
	entries := make(map[uint32]XrefEntry, min(rows, 1<<16))
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	pos := int64(0)
	for i := 0; i < len(index); i += 2 {
		for j := int64(0); j < index[i+1]; j++ {
			row := data[pos : pos+rowLen]
			pos += rowLen
			typ := int64(1)
			if w[0] > 0 {
				typ = field(row[:w[0]])
			}
			f2 := field(row[w[0] : w[0]+w[1]])
			f3 := field(row[w[0]+w[1]:])
			num := uint32(index[i] + j)
			if _, dup := entries[num]; dup {
				return nil, nil, 0, fmt.Errorf("%w: %s: object %d has two entries", ErrMalformed, what, num)
			}
			var e XrefEntry
			switch typ {
			case 1:
				if f2 < 0 || f3 > math.MaxUint16 {
					return nil, nil, 0, fmt.Errorf("%w: %s: bad entry for object %d", ErrMalformed, what, num)
				}
				e = XrefEntry{Type: EntryInUse, Offset: f2, Gen: uint16(f3)}
			case 2:
				if f2 < 0 || f2 > math.MaxUint32 || f3 > math.MaxInt32 || f3 < 0 {
					return nil, nil, 0, fmt.Errorf("%w: %s: bad entry for object %d", ErrMalformed, what, num)
				}
				e = XrefEntry{Type: EntryCompressed, StmNum: uint32(f2), StmIndex: int(f3)}
			default:
				// Type 0, and unknown types, which stand for the null object.
				e = XrefEntry{Type: EntryFree, Offset: f2, Gen: uint16(min(max(f3, 0), math.MaxUint16))}
			}
			entries[num] = e
		}
	}
	return d, entries, end, nil
}
