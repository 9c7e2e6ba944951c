package pdfraw

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Repair. When the cross-reference structure cannot be read by following
// startxref and /Prev (a pointer off by a few bytes, or pointing at
// nothing, as sloppy incremental writers leave them), Open scans the whole
// file once and rebuilds it revision by revision:
//
//   - A revision is the bytes up to and including a "startxref N %%EOF"
//     marker found outside every object (a "%%EOF" inside stream data or a
//     string does not count), starting where the previous one ended. Bytes
//     are never moved from one revision to another.
//   - Its cross-reference section is the one N points at, if that lies
//     inside the revision and is followed by the revision's marker; else
//     the last table or cross-reference stream found inside the revision,
//     if its in-use entries all point at the objects they name; else it is
//     rebuilt from the "N G obj" headers inside the revision (and the
//     object streams among them), with the last trailer dictionary or
//     cross-reference stream of the revision as its trailer.
//   - Every object the revision's bytes define is in its Entries: an object
//     its section leaves out, or for which it names an older definition,
//     is added (later definitions win, as in a viewer that reconstructs
//     the file), so that a later revision hiding a change behind a broken
//     table is still seen as a change.
//
// Each repaired revision has Section.Repaired set and an anomaly saying
// what was done.

// A repair reads at most four times the file plus repairSlack, against
// inputs crafted to make the scan re-read the file many times.
const repairSlack = 128 << 20

var errRepairBudget = fmt.Errorf("%w: repair read more than four times the file", ErrLimit)

// scanReader serves a repair's reads from a small window and counts what it
// reads from the file.
type scanReader struct {
	r       io.ReaderAt
	size    int64
	win     []byte
	winOff  int64
	read    int64
	budget  int64
	scratch []byte
}

const scanWindow = 64 << 10

func (s *scanReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.winOff && off+int64(len(p)) <= s.winOff+int64(len(s.win)) {
		return copy(p, s.win[off-s.winOff:]), nil
	}
	if len(p) >= scanWindow/2 {
		s.read += int64(len(p))
		if s.read > s.budget {
			return 0, errRepairBudget
		}
		return s.r.ReadAt(p, off)
	}
	n := min(int64(scanWindow), s.size-off)
	if n < int64(len(p)) {
		n = int64(len(p))
	}
	s.read += n
	if s.read > s.budget {
		return 0, errRepairBudget
	}
	if cap(s.scratch) < int(n) {
		s.scratch = make([]byte, n)
	}
	w := s.scratch[:n]
	m, err := s.r.ReadAt(w, off)
	s.win, s.winOff = w[:m], off
	if m < len(p) {
		copy(p, w[:m])
		if err == nil {
			err = io.EOF
		}
		return m, err
	}
	return copy(p, w), nil
}

// What the scan found.
type scanObj struct {
	off, end int64 // the object number; just past endobj (or the header, if the body did not parse)
	num      uint32
	gen      uint16
	typ      Name // /Type of a dictionary or stream dictionary
	dict     Dict // kept for cross-reference streams only
}

type eofMark struct{ at, value, end int64 }

type scanTrailer struct {
	at, end int64
	dict    Dict
}

type scanned struct {
	objs     []scanObj // by offset, not overlapping
	marks    []eofMark
	xrefs    []int64 // "xref" keywords outside objects
	trailers []scanTrailer
	nested   []int64 // object header candidates inside other objects
}

type candKind uint8

const (
	cObj candKind = iota
	cStartxref
	cTrailer
	cXref
)

// cand is a candidate's offset and kind, packed (offset<<2 | kind) so that
// a million candidates take 8 MB and sort by offset.
type cand int64

func (c cand) off() int64     { return int64(c) >> 2 }
func (c cand) kind() candKind { return candKind(c & 3) }

// repairInfo is what repair knows about a section until finishRepair.
type repairInfo struct {
	reasons []string
	intact  bool  // its section was found where its pointers say
	shadows []Ref // second definitions an intact section does not use
	nested  int   // object headers inside other objects
	rebuilt bool
	why     string // why the section at startxref was not used
	direct  int    // objects a rebuilt section defines directly
	added   []Ref  // objects added to the section's own entries
	stms    []scanObj
	alt     int64 // a linearized revision's main section, or -1
}

func (f *File) repair() error {
	sr := &scanReader{r: f.r, size: f.size, budget: 4*f.size + repairSlack}
	orig := f.r
	f.r = sr
	defer func() { f.r = orig }()
	sc, err := f.scan(sr)
	if err != nil {
		return err
	}
	if len(sc.marks) == 0 {
		return fmt.Errorf("%w: no \"startxref N %%%%EOF\" marker outside the objects", ErrMalformed)
	}
	if len(sc.marks) > f.lim.MaxRevisions {
		return fmt.Errorf("%w: more than %d revisions", ErrLimit, f.lim.MaxRevisions)
	}
	type rng struct {
		start, end int64
		value      int64 // the startxref of its marker
		lin        bool  // holds a linearized file's two sections
	}
	var ranges []rng
	start := int64(0)
	for _, m := range sc.marks {
		ranges = append(ranges, rng{start: start, end: m.end, value: m.value})
		start = m.end
	}
	if len(ranges) >= 2 && f.linearized() {
		// The first-page section's marker does not end a revision.
		ranges[1] = rng{start: 0, end: ranges[1].end, value: ranges[1].value, lin: true}
		ranges = ranges[1:]
	}
	total := 0
	var secs []*Section
	var infos []*repairInfo
	var carried int64 = -1 // start of bytes carried into the next revision
	for ri, rg := range ranges {
		if carried >= 0 {
			rg.start = carried
		}
		objs := objsIn(sc.objs, rg.start, rg.end)
		info := &repairInfo{alt: -1}
		for _, o := range objs {
			if o.typ == "ObjStm" {
				info.stms = append(info.stms, o)
			}
		}
		t := total
		sec, alt, why, err := f.sectionIn(rg.value, rg.start, rg.end, &t, rg.lin)
		if err != nil && !errors.Is(err, ErrMalformed) {
			return err
		}
		info.alt = alt
		info.intact = sec != nil
		if sec == nil {
			info.why = why
			// The last table or cross-reference stream inside the revision.
			var cs []int64
			for _, x := range sc.xrefs {
				if x >= rg.start && x < rg.end {
					cs = append(cs, x)
				}
			}
			for _, o := range objs {
				if o.typ == "XRef" {
					cs = append(cs, o.off)
				}
			}
			slices.Sort(cs)
			cs = slices.DeleteFunc(cs, func(x int64) bool { return x == rg.value })
			var try []int64
			if rg.lin && len(cs) > 0 {
				// A linearized file's first-page section comes first.
				try = append(try, cs[0])
			}
			for k := len(cs) - 1; k >= 0 && k >= len(cs)-2; k-- {
				try = append(try, cs[k])
			}
			for _, c := range try {
				t = total
				s, alt, _, err := f.sectionIn(c, rg.start, rg.end, &t, rg.lin)
				if err != nil && !errors.Is(err, ErrMalformed) {
					return err
				}
				if s != nil && f.entriesPointAtObjects(s, objs, rg.start, rg.end) {
					sec, info.alt = s, alt
					info.reasons = append(info.reasons, fmt.Sprintf("%s; the cross-reference section at offset %d was used", why, s.XrefOffset))
					break
				}
			}
		}
		if sec == nil {
			sec = f.rebuild(sc, objs, rg.start, rg.end)
			if sec == nil {
				// No trailer: these bytes are not a revision of their own.
				if ri == len(ranges)-1 {
					f.note(fmt.Sprintf("the %d bytes after offset %d end with a startxref marker but hold no trailer or cross-reference stream (%d objects); they belong to no revision", rg.end-rg.start, rg.start, len(objs)))
					break
				}
				f.note(fmt.Sprintf("the bytes from offset %d to %d end with a startxref marker but hold no trailer or cross-reference stream; they are read as part of the next revision", rg.start, rg.end))
				carried = rg.start
				continue
			}
			info.rebuilt = true
		}
		carried = -1
		sec.End = rg.end
		info.nested = countIn(sc.nested, rg.start, rg.end)
		if info.intact {
			// Its own section stands: a second body it does not use is
			// not read (strict readers ignore it), but readers that rebuild
			// the whole damaged file take it, so it is reported.
			info.shadows = f.shadows(sec, secs, objs)
		} else {
			info.added = f.reconcile(sec, secs, objs)
		}
		if info.rebuilt {
			info.direct, info.added = len(sec.Entries), nil
		}
		total += len(sec.Entries)
		if total > f.lim.MaxXrefEntries {
			return fmt.Errorf("%w: more than %d cross-reference entries in the file", ErrLimit, f.lim.MaxXrefEntries)
		}
		secs = append(secs, sec)
		infos = append(infos, info)
	}
	if len(secs) == 0 {
		return fmt.Errorf("%w: no revision has a trailer or a cross-reference stream", ErrMalformed)
	}
	if n := len(objsIn(sc.objs, secs[len(secs)-1].End, f.size)); n > 0 {
		f.note(fmt.Sprintf("%d object(s) after the last revision's end at offset %d belong to no revision", n, secs[len(secs)-1].End))
	}
	// /Prev must point at the previous revision's section.
	for i, s := range secs {
		switch {
		case i == 0 && s.Prev >= 0 && !(ranges[0].lin && s.Prev > s.XrefOffset):
			infos[i].reasons = append(infos[i].reasons, fmt.Sprintf("/Prev %d points at no cross-reference section of an earlier revision", s.Prev))
		case i > 0 && s.Prev != secs[i-1].XrefOffset && (infos[i-1].alt < 0 || s.Prev != infos[i-1].alt):
			if s.Prev < 0 {
				infos[i].reasons = append(infos[i].reasons, "it has no /Prev")
			} else {
				infos[i].reasons = append(infos[i].reasons, fmt.Sprintf("/Prev %d does not point at revision %d's cross-reference section (at offset %d)", s.Prev, i-1, secs[i-1].XrefOffset))
			}
		}
		s.Index = i
	}
	f.sections = secs
	f.repairs = infos
	return nil
}

// objsIn returns the scanned objects that start in [start, end).
func objsIn(objs []scanObj, start, end int64) []scanObj {
	i := sort.Search(len(objs), func(i int) bool { return objs[i].off >= start })
	j := sort.Search(len(objs), func(i int) bool { return objs[i].off >= end })
	return objs[i:j]
}

// sectionIn reads the cross-reference section at x strictly and checks that
// it lies in [start, end) and is followed by the marker ending at end. For
// a linearized file's first revision (lin) the first-page section's /Prev
// leads to the main section, whose offset alt is then (else -1). why says
// what is wrong when it returns nil.
func (f *File) sectionIn(x, start, end int64, total *int, lin bool) (sec *Section, alt int64, why string, err error) {
	if x < start || x >= end {
		return nil, -1, fmt.Sprintf("startxref %d points outside the revision (offsets %d to %d)", x, start, end), nil
	}
	rs, err := f.parseSection(x, total)
	if err != nil {
		return nil, -1, fmt.Sprintf("startxref %d points at no cross-reference section", x), err
	}
	sec, last, alt := rs.sec, rs, int64(-1)
	if lin && sec.Prev > x && sec.Prev < end {
		main, err := f.parseSection(sec.Prev, total)
		if err != nil {
			return nil, -1, fmt.Sprintf("the main cross-reference section of the linearized file at /Prev %d is unreadable", sec.Prev), err
		}
		if main.sec.Prev >= 0 {
			return nil, -1, "the main cross-reference section of the linearized file has a /Prev", nil
		}
		sec, last, alt = mergeLinearized(main.sec, rs.sec), main, main.sec.XrefOffset
	}
	e, _, junk, err := f.findEOF(last.bodyEnd, last.sec.XrefOffset)
	if err != nil || e != end {
		return nil, -1, fmt.Sprintf("the cross-reference section at startxref %d is not followed by the revision's %%%%EOF marker", x), err
	}
	f.noteJunk(junk)
	return sec, alt, "", nil
}

// entriesPointAtObjects reports whether every in-use entry of s that points
// into [start, end) points at the object it names, and none points beyond.
func (f *File) entriesPointAtObjects(s *Section, objs []scanObj, start, end int64) bool {
	for num, e := range s.Entries {
		if e.Type != EntryInUse || e.Offset < start {
			continue
		}
		if e.Offset >= end {
			return false
		}
		o, ok := f.objAt(objs, e.Offset)
		if !ok || o.num != num || o.gen != e.Gen {
			return false
		}
	}
	return true
}

// objAt finds the scanned object whose header starts at off, or after
// white space at off.
func (f *File) objAt(objs []scanObj, off int64) (scanObj, bool) {
	i := sort.Search(len(objs), func(i int) bool { return objs[i].off >= off })
	if i == len(objs) {
		return scanObj{}, false
	}
	o := objs[i]
	if o.off == off {
		return o, true
	}
	if o.off-off > 64 {
		return scanObj{}, false
	}
	buf := make([]byte, o.off-off)
	if _, err := f.r.ReadAt(buf, off); err != nil {
		return scanObj{}, false
	}
	for _, c := range buf {
		if !isSpace(int(c)) {
			return scanObj{}, false
		}
	}
	return o, true
}

// rebuild makes an empty section with the revision's last trailer (nil
// when it has none); reconcile fills it with the objects in [start, end).
func (f *File) rebuild(sc *scanned, objs []scanObj, start, end int64) *Section {
	var tr *scanTrailer
	for i := range sc.trailers {
		if t := &sc.trailers[i]; t.at >= start && t.at < end {
			tr = t
		}
	}
	var xs *scanObj
	for i := range objs {
		if objs[i].typ == "XRef" && objs[i].dict != nil {
			xs = &objs[i]
		}
	}
	sec := &Section{Entries: map[uint32]XrefEntry{}, Prev: -1}
	switch {
	case xs != nil && (tr == nil || xs.off > tr.at):
		sec.XrefOffset, sec.IsStream, sec.Trailer = xs.off, true, xs.dict
	case tr != nil:
		sec.XrefOffset, sec.Trailer = tr.at, tr.dict
		for _, x := range sc.xrefs {
			if x >= start && x < tr.at {
				sec.XrefOffset = x
			}
		}
	default:
		return nil
	}
	// The document-level entries a last trailer lacks (the main section of
	// a linearized file has no /Root) come from the revision's earlier
	// trailers or cross-reference streams, the latest first.
	var earlier []Dict
	for i := range sc.trailers {
		if t := &sc.trailers[i]; t.at >= start && t.at < sec.XrefOffset {
			earlier = append(earlier, t.dict)
		}
	}
	for i := range objs {
		if objs[i].typ == "XRef" && objs[i].dict != nil && objs[i].off < sec.XrefOffset {
			earlier = append(earlier, objs[i].dict)
		}
	}
	copied := false
	for _, key := range []Name{"Root", "Info", "ID", "Encrypt"} {
		if _, ok := sec.Trailer[key]; ok {
			continue
		}
		for i := len(earlier) - 1; i >= 0; i-- {
			if v, ok := earlier[i][key]; ok {
				if !copied {
					sec.Trailer = maps.Clone(sec.Trailer)
					copied = true
				}
				sec.Trailer[key] = v
				break
			}
		}
	}
	if p, ok := sec.Trailer["Prev"].(Int); ok && p >= 0 {
		sec.Prev = int64(p)
	}
	return sec
}

// reconcile puts into s every object defined in the revision's bytes
// (objs) that s leaves out or for which it names an older definition; it
// returns them. prior are the sections before s.
func (f *File) reconcile(s *Section, prior []*Section, objs []scanObj) []Ref {
	var added []Ref
	for _, o := range objs {
		if o.num == 0 {
			continue
		}
		if e, ok := s.Entries[o.num]; ok {
			switch e.Type {
			case EntryInUse:
				if e.Offset > o.off {
					continue // a later definition
				}
				if e.Gen == o.gen && (e.Offset == o.off || f.sameObj(objs, e.Offset, o)) {
					continue
				}
			case EntryCompressed:
				if stmOffset(s, prior, e.StmNum) > o.off {
					continue
				}
			}
		}
		s.Entries[o.num] = XrefEntry{Type: EntryInUse, Offset: o.off, Gen: o.gen}
		added = append(added, Ref{Num: o.num, Gen: o.gen})
	}
	return added
}

// shadows lists the objects defined in the revision's bytes (objs) after
// the definition s (or an earlier section) gives: second bodies of objects
// in use, which an intact section does not read.
func (f *File) shadows(s *Section, prior []*Section, objs []scanObj) []Ref {
	var out []Ref
	for _, o := range objs {
		if o.num == 0 {
			continue
		}
		e, ok := s.Entries[o.num]
		if !ok {
			for i := len(prior) - 1; i >= 0 && !ok; i-- {
				e, ok = prior[i].Entries[o.num]
			}
			if !ok || e.Type == EntryFree {
				continue // an unlisted new number: nothing refers to it
			}
		}
		switch e.Type {
		case EntryInUse:
			if e.Offset >= o.off || (e.Gen == o.gen && f.sameObj(objs, e.Offset, o)) {
				continue
			}
		case EntryCompressed:
			if stmOffset(s, prior, e.StmNum) > o.off {
				continue
			}
		case EntryFree:
			continue
		}
		out = append(out, Ref{Num: o.num, Gen: o.gen})
	}
	return out
}

func countIn(offs []int64, start, end int64) int {
	i := sort.Search(len(offs), func(i int) bool { return offs[i] >= start })
	j := sort.Search(len(offs), func(i int) bool { return offs[i] >= end })
	return j - i
}

// sameObj reports whether an entry at off (maybe white space before a
// header) points at o.
func (f *File) sameObj(objs []scanObj, off int64, o scanObj) bool {
	o2, ok := f.objAt(objs, off)
	return ok && o2.off == o.off
}

// stmOffset is the offset of object stream num as s sees it (-1 unknown).
func stmOffset(s *Section, prior []*Section, num uint32) int64 {
	if e, ok := s.Entries[num]; ok {
		if e.Type == EntryInUse {
			return e.Offset
		}
		return -1
	}
	for i := len(prior) - 1; i >= 0; i-- {
		if e, ok := prior[i].Entries[num]; ok {
			if e.Type == EntryInUse {
				return e.Offset
			}
			return -1
		}
	}
	return -1
}

// finishRepair adds the objects of the object streams inside repaired
// revisions (which needs decryption, so it runs after setupEncryption) and
// records what each repair did.
func (f *File) finishRepair() {
	entries := 0
	for _, s := range f.sections {
		entries += len(s.Entries)
	}
	for i, info := range f.repairs {
		s := f.sections[i]
		s.Shadows = info.shadows
		s.NestedHeaders = info.nested
		if len(info.shadows) > 0 {
			f.note(fmt.Sprintf("revision %d: its cross-reference section does not use the later definition of %s in its bytes, which readers that rebuild the damaged file take instead", i+1, refList(info.shadows)))
		}
		if info.nested > 0 {
			f.note(fmt.Sprintf("revision %d: %d object header(s) inside other objects (stream data or strings), which readers that rebuild the damaged file may take for objects", i+1, info.nested))
		}
		stmObjs := 0
		for _, so := range info.stms {
			if info.intact {
				break // its own section says which objects it defines
			}
			e, ok := s.Entries[so.num]
			if !ok || e.Type != EntryInUse || e.Offset != so.off {
				continue // the revision uses another definition
			}
			stm, err := f.objStream(i, so.num, newRctx())
			if err != nil {
				info.reasons = append(info.reasons, fmt.Sprintf("object stream %d at offset %d is unreadable (%v); the objects it holds are not in the rebuilt cross-reference data", so.num, so.off, err))
				continue
			}
			for idx, num := range stm.nums {
				if num == 0 || num == so.num {
					continue
				}
				cur, ok := s.Entries[num]
				if ok && !f.olderThan(i, cur, so.off) {
					continue
				}
				if !ok {
					if entries >= f.lim.MaxXrefEntries {
						break
					}
					entries++
				}
				s.Entries[num] = XrefEntry{Type: EntryCompressed, StmNum: so.num, StmIndex: idx}
				stmObjs++
				if !info.rebuilt {
					info.added = append(info.added, Ref{Num: num})
				}
			}
		}
		if info.rebuilt {
			what := fmt.Sprintf("its cross-reference data was rebuilt from its %d objects", info.direct)
			if stmObjs > 0 {
				what = fmt.Sprintf("its cross-reference data was rebuilt from its %d objects and the %d objects in its object streams", info.direct, stmObjs)
			}
			info.reasons = append([]string{info.why + "; " + what}, info.reasons...)
		} else if len(info.added) > 0 {
			info.reasons = append(info.reasons, fmt.Sprintf("its cross-reference section does not give the latest definition of %s defined in its bytes; %s added", refList(info.added), pronoun(len(info.added))))
		}
		if len(info.reasons) > 0 {
			s.Repaired = true
			s.Repair = strings.Join(info.reasons, "; ")
			f.note(fmt.Sprintf("revision %d: %s", i+1, s.Repair))
		}
	}
	f.repairs = nil
}

func pronoun(n int) string {
	if n == 1 {
		return "it was"
	}
	return "they were"
}

func refList(refs []Ref) string {
	var b strings.Builder
	if len(refs) == 1 {
		b.WriteString("object ")
	} else {
		fmt.Fprintf(&b, "%d objects (", len(refs))
	}
	for i, r := range refs {
		if i == 8 {
			b.WriteString(", ...")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %d", r.Num, r.Gen)
	}
	if len(refs) > 1 {
		b.WriteString(")")
	}
	return b.String()
}

// olderThan reports whether entry e of section i defines its object before
// offset off in the file (or not at all).
func (f *File) olderThan(i int, e XrefEntry, off int64) bool {
	switch e.Type {
	case EntryInUse:
		return e.Offset < off
	case EntryCompressed:
		se, _, ok := f.Entry(i, e.StmNum)
		return !ok || se.Type != EntryInUse || se.Offset < off
	}
	return true
}

// scan finds, in one pass over the file, the objects (with the extent of
// their data), the "startxref N %%EOF" markers, the "trailer" dictionaries
// and the "xref" keywords outside objects.
func (f *File) scan(sr *scanReader) (*scanned, error) {
	cands, endstreams, err := f.scanCandidates(sr)
	if err != nil {
		return nil, err
	}
	sc := &scanned{}
	skip := int64(0)
	for _, c := range cands {
		if c.off() < skip {
			if c.kind() == cObj {
				sc.nested = append(sc.nested, c.off())
			}
			continue
		}
		switch c.kind() {
		case cObj:
			o, err := f.scanObject(c.off(), endstreams)
			if err != nil {
				return nil, err
			}
			if o == nil {
				continue
			}
			if len(sc.objs) >= f.lim.MaxXrefEntries {
				return nil, fmt.Errorf("%w: more than %d objects", ErrLimit, f.lim.MaxXrefEntries)
			}
			sc.objs = append(sc.objs, *o)
			skip = max(skip, o.end)
		case cStartxref:
			lx := newFileLexer(f.r, f.size, c.off(), c.off()+256, &f.lim)
			v, end, err := parseEOFMarker(lx)
			if errors.Is(lx.ioErr, errRepairBudget) {
				return nil, errRepairBudget
			}
			if err == nil {
				sc.marks = append(sc.marks, eofMark{at: c.off(), value: v, end: end})
				skip = end
			}
		case cTrailer:
			lx := newFileLexer(f.r, f.size, c.off()+int64(len("trailer")), c.off()+f.lim.MaxObjectBytes, &f.lim)
			o, err := newParser(lx, &f.lim).object(0)
			if errors.Is(lx.ioErr, errRepairBudget) {
				return nil, errRepairBudget
			}
			if d, ok := o.(Dict); ok && err == nil {
				sc.trailers = append(sc.trailers, scanTrailer{at: c.off(), end: lx.pos, dict: d})
				skip = lx.pos
			}
		case cXref:
			sc.xrefs = append(sc.xrefs, c.off())
		}
	}
	return sc, nil
}

// scanObject reads the object whose header is at off: nil if it is not
// "N G obj"; its end is just past the header when its body does not parse.
func (f *File) scanObject(off int64, endstreams []int64) (*scanObj, error) {
	lx := newFileLexer(f.r, f.size, off, off+f.lim.MaxObjectBytes, &f.lim)
	defer lx.release()
	budget := func() error {
		if errors.Is(lx.ioErr, errRepairBudget) {
			return errRepairBudget
		}
		return nil
	}
	p := newParser(lx, &f.lim)
	num, err1 := p.expectInt("object number")
	gen, err2 := p.expectInt("generation")
	_, err3 := p.expectKeyword("obj")
	if err1 != nil || err2 != nil || err3 != nil || num < 0 || num > 1<<32-1 || gen < 0 || gen > 65535 {
		return nil, budget()
	}
	so := &scanObj{off: off, end: lx.pos, num: uint32(num), gen: uint16(gen)}
	o, err := p.object(0)
	if err != nil {
		return so, budget()
	}
	d, _ := o.(Dict)
	so.typ, _ = d["Type"].(Name)
	t, err := lx.token()
	if err != nil {
		return so, budget()
	}
	switch {
	case t.isKeyword("endobj"):
		so.end = lx.pos
	case t.isKeyword("stream") && d != nil:
		for c := lx.peek(); c == ' ' || c == '\t'; c = lx.peek() {
			lx.pos++
		}
		if lx.peek() == '\r' {
			lx.pos++
		}
		if lx.peek() == '\n' {
			lx.pos++
		}
		data := lx.pos
		so.end = data
		found := false
		if n, ok := d["Length"].(Int); ok && n >= 0 && int64(n) <= f.size-data {
			lx.pos = data + int64(n)
			lx.limit = min(lx.pos+(64<<10), f.size)
			lx.skipWhite()
			if lx.keywordAt("endstream") {
				lx.pos += int64(len("endstream"))
				found = true
			}
		}
		if !found {
			// A wrong or indirect /Length: the data ends at the first
			// endstream after it.
			k := sort.Search(len(endstreams), func(i int) bool { return endstreams[i] >= data })
			if k == len(endstreams) {
				return so, budget()
			}
			lx.pos = endstreams[k] + int64(len("endstream"))
			lx.limit = min(lx.pos+(64<<10), f.size)
		}
		so.end = lx.pos
		save := lx.pos
		if t2, err := lx.token(); err == nil && t2.isKeyword("endobj") {
			so.end = lx.pos
		} else {
			lx.pos = save
		}
		if so.typ == "XRef" {
			so.dict = d
		}
	default:
		// No endobj: the object ends where the next token starts.
		so.end = t.start
	}
	return so, budget()
}

// scanCandidates finds, reading the file once in chunks, where objects,
// markers, trailers and xref tables may start, and every "endstream".
func (f *File) scanCandidates(sr *scanReader) ([]cand, []int64, error) {
	const chunk = 1 << 20
	const back, ahead = 64, 16
	buf := make([]byte, back+chunk+ahead)
	var cands []cand
	var endstreams []int64
	maxCands := f.lim.MaxXrefEntries + 4*f.lim.MaxRevisions + 1024
	for base := int64(0); base < f.size; base += chunk {
		from := max(base-back, 0)
		to := min(base+chunk+ahead, f.size)
		b := buf[:to-from]
		sr.read += int64(len(b))
		if sr.read > sr.budget {
			return nil, nil, errRepairBudget
		}
		if n, err := sr.r.ReadAt(b, from); n < len(b) {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, nil, fmt.Errorf("repair: reading at offset %d: %w", from, err)
		}
		lo := int(base - from)
		hi := min(lo+chunk, len(b))
		atEnd := to == f.size
		// after reports whether the keyword ending at i is followed by a
		// delimiter, white space or the end of the file.
		after := func(i int) bool {
			if i >= len(b) {
				return atEnd
			}
			return !isRegular(int(b[i]))
		}
		before := func(i int) bool { return i > 0 && !isRegular(int(b[i-1])) || i == 0 && from == 0 }
		find := func(kw string, fn func(i int)) {
			for i := lo; i < hi; {
				j := bytes.Index(b[i:], []byte(kw))
				if j < 0 || i+j >= hi {
					return
				}
				fn(i + j)
				i += j + 1
			}
		}
		add := func(off int64, k candKind) {
			cands = append(cands, cand(off<<2|int64(k)))
		}
		find("obj", func(i int) {
			if !after(i+3) || (i >= 3 && string(b[i-3:i]) == "end") {
				return
			}
			if h, ok := objHeaderStart(b, i, from == 0); ok {
				add(from+int64(h), cObj)
			}
		})
		find("startxref", func(i int) {
			if before(i) && after(i+9) {
				add(from+int64(i), cStartxref)
			}
		})
		find("trailer", func(i int) {
			if before(i) && after(i+7) {
				add(from+int64(i), cTrailer)
			}
		})
		find("xref", func(i int) {
			if before(i) && after(i+4) {
				add(from+int64(i), cXref)
			}
		})
		find("endstream", func(i int) {
			if after(i + 9) {
				endstreams = append(endstreams, from+int64(i))
			}
		})
		if len(cands) > maxCands || len(endstreams) > f.lim.MaxXrefEntries {
			return nil, nil, fmt.Errorf("%w: repair: more than %d objects and keywords", ErrLimit, maxCands)
		}
	}
	slices.Sort(cands)
	return cands, endstreams, nil
}

// objHeaderStart checks that "obj" at i ends "N G obj" (white space
// between, N and G unsigned integers, a delimiter before N) and returns the
// index of N. fileStart says b[0] is the file's first byte.
func objHeaderStart(b []byte, i int, fileStart bool) (int, bool) {
	j := i - 1
	skip := func(class func(int) bool, maxN int) bool {
		n := 0
		for j >= 0 && class(int(b[j])) {
			j--
			n++
			if n > maxN {
				return false
			}
		}
		return n > 0
	}
	if !skip(isSpace, 32) || !skip(isDigit, 5) || !skip(isSpace, 32) || !skip(isDigit, 10) {
		return 0, false
	}
	if j < 0 {
		return 0, fileStart
	}
	if isRegular(int(b[j])) {
		return 0, false
	}
	return j + 1, true
}
