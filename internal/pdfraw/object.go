package pdfraw

import (
	"container/list"
	"errors"
	"fmt"
	"math"
	"sync"
)

// noXref is the revision used while reading cross-reference streams, when
// no cross-reference is available to resolve references.
const noXref = -2

// noXrefRev is Stream.xrefRev for streams read with noXref.
const noXrefRev = -1

// rctx carries the state of one resolution through nested reads: the
// number of references followed and the object streams being opened, so
// that /Length and object-stream cycles end.
type rctx struct {
	hops int
	stms []uint32
	work *work
}

// work bounds the total effort of one call (Object, Resolve, StreamData):
// without it, a stream whose /Filter entries refer into other object
// streams, whose filters refer into others, ... could cost exponential
// time within the hop limit.
type work struct {
	objects int // indirect objects parsed
	decodes int // streams decoded
}

const (
	maxWorkObjects = 1024
	maxWorkDecodes = 16
)

func newRctx() rctx { return rctx{work: &work{}} }

func (rc rctx) parsed(what string) error {
	rc.work.objects++
	if rc.work.objects > maxWorkObjects {
		return fmt.Errorf("%w: %s: more than %d objects read for one request", ErrLimit, what, maxWorkObjects)
	}
	return nil
}

func (rc rctx) decoded(what string) error {
	rc.work.decodes++
	if rc.work.decodes > maxWorkDecodes {
		return fmt.Errorf("%w: %s: more than %d streams decoded for one request", ErrLimit, what, maxWorkDecodes)
	}
	return nil
}

func (rc rctx) hop() rctx {
	rc.hops++
	return rc
}

// Entry returns the effective cross-reference entry of object num as seen
// by revision rev (-1: the latest), searching rev, rev-1, ... 0, and the
// index of the section that defines it.
func (f *File) Entry(rev int, num uint32) (XrefEntry, int, bool) {
	r, ok := f.rev(rev)
	if !ok {
		return XrefEntry{}, -1, false
	}
	for i := r; i >= 0; i-- {
		if e, ok := f.sections[i].Entries[num]; ok {
			return e, i, true
		}
	}
	return XrefEntry{}, -1, false
}

// Object returns object ref as seen by revision rev (-1: the latest): Null{}
// for a free or absent entry and for a generation mismatch. The result may
// be shared with other callers and must not be modified.
func (f *File) Object(rev int, ref Ref) (Object, error) {
	return f.object(rev, ref, newRctx())
}

// Resolve follows references from o as seen by revision rev, at most
// MaxResolveHops of them. Non-references are returned unchanged.
func (f *File) Resolve(rev int, o Object) (Object, error) {
	return f.resolve(rev, o, newRctx())
}

func (f *File) resolve(rev int, o Object, rc rctx) (Object, error) {
	for {
		r, ok := o.(Ref)
		if !ok {
			return o, nil
		}
		rc = rc.hop()
		if rc.hops > f.lim.MaxResolveHops {
			return nil, fmt.Errorf("%w: resolving %d %d R: more than %d references in a chain", ErrLimit, r.Num, r.Gen, f.lim.MaxResolveHops)
		}
		var err error
		o, err = f.object(rev, r, rc)
		if err != nil {
			return nil, err
		}
	}
}

func (f *File) object(rev int, ref Ref, rc rctx) (Object, error) {
	if rev == noXref {
		return nil, fmt.Errorf("%w: reference %d %d R where no cross-reference is available (inside a cross-reference stream)", ErrMalformed, ref.Num, ref.Gen)
	}
	r, ok := f.rev(rev)
	if !ok {
		return nil, fmt.Errorf("pdfraw: revision %d out of range (the file has %d)", rev, len(f.sections))
	}
	if rc.hops > f.lim.MaxResolveHops {
		return nil, fmt.Errorf("%w: object %d %d: more than %d nested references", ErrLimit, ref.Num, ref.Gen, f.lim.MaxResolveHops)
	}
	e, sec, ok := f.Entry(r, ref.Num)
	if !ok {
		return Null{}, nil
	}
	switch e.Type {
	case EntryInUse:
		if e.Gen != ref.Gen {
			return Null{}, nil
		}
		// A revision can only define objects written before its end; an
		// entry pointing into a later update would make the signed bytes
		// of that revision an incomplete file.
		if end := f.sections[sec].End; e.Offset >= end {
			return nil, fmt.Errorf("%w: object %d %d: revision %d puts it at offset %d, after the revision's end at %d", ErrMalformed, ref.Num, ref.Gen, sec, e.Offset, end)
		}
		// The object is decrypted as the revision that defines it was
		// encrypted.
		sc := f.secOf(sec)
		key := objKey{off: e.Offset, idx: -1, num: ref.Num, gen: ref.Gen, sec: sc.ident()}
		if o, ok := f.cache.getObj(key); ok {
			return o, nil
		}
		o, end, revDep, err := f.readIndirect(e.Offset, ref, false, r, rc)
		if err != nil {
			return nil, err
		}
		o = f.decryptObject(sc, o, ref)
		if !revDep {
			cost := end - e.Offset
			if s, ok := o.(*Stream); ok {
				cost = s.DataOffset - e.Offset
			}
			f.cache.putObj(key, o, cost)
		}
		return o, nil
	case EntryCompressed:
		if ref.Gen != 0 {
			return Null{}, nil
		}
		stm, err := f.objStream(r, e.StmNum, rc)
		if err != nil {
			return nil, fmt.Errorf("object %d 0 in object stream %d: %w", ref.Num, e.StmNum, err)
		}
		key := objKey{off: stm.dataOff, len: stm.length, idx: e.StmIndex, num: ref.Num, sec: stm.sec}
		if o, ok := f.cache.getObj(key); ok {
			return o, nil
		}
		o, cost, err := stm.object(e.StmIndex, ref.Num, f)
		if err != nil {
			return nil, err
		}
		f.cache.putObj(key, o, cost)
		return o, nil
	}
	return Null{}, nil
}

// readIndirect parses "num gen obj ... endobj" at off. With anyRef the
// object number is not checked (cross-reference streams). It returns the
// object, the offset just past "endobj", and whether the object depends on
// the revision (a stream with an indirect /Length).
func (f *File) readIndirect(off int64, ref Ref, anyRef bool, rev int, rc rctx) (Object, int64, bool, error) {
	what := fmt.Sprintf("object %d %d at offset %d", ref.Num, ref.Gen, off)
	if anyRef {
		what = fmt.Sprintf("object at offset %d", off)
	}
	if off < 0 || off >= f.size {
		return nil, 0, false, fmt.Errorf("%w: %s: offset outside the file (%d bytes)", ErrMalformed, what, f.size)
	}
	if err := rc.parsed(what); err != nil {
		return nil, 0, false, err
	}
	lx := newFileLexer(f.r, f.size, off, off+f.lim.MaxObjectBytes, &f.lim)
	defer lx.release()
	lx.what = what
	p := f.newParser(lx)
	lx.skipWhite()
	num, err := p.expectInt("object number")
	if err != nil {
		return nil, 0, false, err
	}
	gen, err := p.expectInt("generation number")
	if err != nil {
		return nil, 0, false, err
	}
	if _, err := p.expectKeyword("obj"); err != nil {
		return nil, 0, false, err
	}
	if !anyRef && (num != int64(ref.Num) || gen != int64(ref.Gen)) {
		return nil, 0, false, lx.errAt(off, "cross-reference entry points to object %d %d", num, gen)
	}
	o, err := p.object(0)
	if err != nil {
		return nil, 0, false, err
	}
	t, err := lx.token()
	if err != nil {
		return nil, 0, false, err
	}
	if t.isKeyword("endobj") {
		return o, lx.pos, false, nil
	}
	if !t.isKeyword("stream") {
		if t.kind == tEOF {
			return nil, 0, false, lx.eofErr("expected endobj")
		}
		return nil, 0, false, lx.errAt(t.start, "expected endobj or stream, found %s", t.describe())
	}
	d, ok := o.(Dict)
	if !ok {
		return nil, 0, false, lx.errAt(t.start, "stream without a dictionary")
	}
	// "stream" must be followed by an end-of-line; be lenient only about
	// spaces before it and about a lone CR.
	for c := lx.peek(); c == ' ' || c == '\t'; c = lx.peek() {
		lx.pos++
	}
	switch lx.next() {
	case '\r':
		if lx.peek() == '\n' {
			lx.pos++
		}
	case '\n':
	default:
		return nil, 0, false, lx.errAt(t.start, "stream keyword not followed by an end-of-line")
	}
	dataOff := lx.pos
	lv, ok := d["Length"]
	if !ok {
		return nil, 0, false, lx.errAt(t.start, "stream has no /Length")
	}
	// Indirect filter parameters are resolved through a revision, so such
	// streams, like those with an indirect /Length, are not shared between
	// revisions in the cache.
	revDep := hasRef(d["Filter"]) || hasRef(d["DecodeParms"])
	if lr, ok := lv.(Ref); ok {
		revDep = true
		if rev == noXref {
			return nil, 0, false, lx.errAt(t.start, "indirect /Length in a cross-reference stream")
		}
		lv, err = f.object(rev, lr, rc.hop())
		if err != nil {
			return nil, 0, false, fmt.Errorf("%s: resolving /Length %d %d R: %w", what, lr.Num, lr.Gen, err)
		}
	}
	n, ok := lv.(Int)
	if !ok || n < 0 {
		return nil, 0, false, lx.errAt(t.start, "stream /Length is not a non-negative integer")
	}
	if int64(n) > f.size-dataOff {
		return nil, 0, false, lx.errAt(dataOff, "stream /Length %d runs past the end of the file", n)
	}
	lx.pos = dataOff + int64(n)
	lx.limit = min(lx.pos+(64<<10), f.size)
	lx.skipWhite()
	if !lx.keywordAt("endstream") {
		return nil, 0, false, lx.errAt(dataOff+int64(n), "no endstream after %d bytes of stream data (wrong /Length?)", n)
	}
	lx.pos += int64(len("endstream"))
	if _, err := p.expectKeyword("endobj"); err != nil {
		return nil, 0, false, err
	}
	s := &Stream{Dict: d, DataOffset: dataOff, Length: int64(n)}
	switch rev {
	case noXref:
		s.xrefRev = noXrefRev
	default:
		s.xrefRev = rev + 1
	}
	return s, lx.pos, revDep, nil
}

// objStream is a decoded object stream.
type objStream struct {
	num     uint32
	sec     int // ident of the security that decrypted it
	dataOff int64
	length  int64
	data    []byte
	first   int
	nums    []uint32
	offs    []uint32
}

func (f *File) objStream(rev int, num uint32, rc rctx) (*objStream, error) {
	for _, n := range rc.stms {
		if n == num {
			return nil, fmt.Errorf("%w: object stream %d is needed to read itself", ErrMalformed, num)
		}
	}
	rc.stms = append(rc.stms[:len(rc.stms):len(rc.stms)], num)
	e, _, ok := f.Entry(rev, num)
	if !ok || e.Type != EntryInUse {
		kind := "absent"
		if ok {
			kind = [...]string{"free", "in use", "itself in an object stream"}[e.Type]
		}
		return nil, fmt.Errorf("%w: object stream %d is %s", ErrMalformed, num, kind)
	}
	o, err := f.object(rev, Ref{Num: num, Gen: e.Gen}, rc.hop())
	if err != nil {
		return nil, err
	}
	s, ok := o.(*Stream)
	if !ok {
		return nil, fmt.Errorf("%w: object stream %d is not a stream", ErrMalformed, num)
	}
	what := fmt.Sprintf("object stream %d at offset %d", num, e.Offset)
	if t, _ := s.Dict["Type"].(Name); t != "ObjStm" {
		return nil, fmt.Errorf("%w: %s: /Type is not /ObjStm", ErrMalformed, what)
	}
	skey := stmKey{s.DataOffset, s.Length, s.sec.ident()}
	if stm, ok := f.cache.getStm(skey); ok {
		return stm, nil
	}
	n, ok1 := s.Dict["N"].(Int)
	first, ok2 := s.Dict["First"].(Int)
	if !ok1 || !ok2 || n < 0 || first < 0 {
		return nil, fmt.Errorf("%w: %s: /N and /First must be non-negative integers", ErrMalformed, what)
	}
	data, err := f.streamData(s, f.lim.MaxDecodedStream, rev, rc)
	if errors.Is(err, ErrUnsupported) {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
	}
	if err != nil {
		return nil, err
	}
	if int64(first) > int64(len(data)) {
		return nil, fmt.Errorf("%w: %s: /First %d beyond the %d decoded bytes", ErrMalformed, what, first, len(data))
	}
	if int64(n) > int64(first)/3+1 || int64(n) > int64(f.lim.MaxXrefEntries) {
		return nil, fmt.Errorf("%w: %s: /N %d pairs cannot fit in /First %d bytes", ErrMalformed, what, n, first)
	}
	stm := &objStream{num: num, sec: s.sec.ident(), dataOff: s.DataOffset, length: s.Length, data: data, first: int(first),
		nums: make([]uint32, n), offs: make([]uint32, n)}
	lx := newMemLexer(data[:first], &f.lim)
	lx.what = what + " header"
	p := newParser(lx, &f.lim)
	for i := range int(n) {
		on, err := p.expectInt("object number")
		if err != nil {
			return nil, err
		}
		oo, err := p.expectInt("offset")
		if err != nil {
			return nil, err
		}
		if on < 0 || on > math.MaxUint32 || oo < 0 || oo > int64(len(data))-int64(first) || oo > math.MaxUint32 {
			return nil, lx.errf("bad pair %d %d", on, oo)
		}
		stm.nums[i], stm.offs[i] = uint32(on), uint32(oo)
	}
	f.cache.putStm(skey, stm)
	return stm, nil
}

// object parses the idx-th object of the stream, which must be object num.
func (s *objStream) object(idx int, num uint32, f *File) (Object, int64, error) {
	lim := &f.lim
	what := fmt.Sprintf("object %d 0 (index %d in object stream %d)", num, idx, s.num)
	if idx < 0 || idx >= len(s.nums) {
		return nil, 0, fmt.Errorf("%w: %s: the stream has %d objects", ErrMalformed, what, len(s.nums))
	}
	if s.nums[idx] != num {
		return nil, 0, fmt.Errorf("%w: %s: the stream holds object %d at that index", ErrMalformed, what, s.nums[idx])
	}
	start := s.first + int(s.offs[idx])
	end := len(s.data)
	if idx+1 < len(s.offs) && s.first+int(s.offs[idx+1]) > start {
		end = s.first + int(s.offs[idx+1])
	}
	lx := newMemLexer(s.data[start:end], lim)
	lx.what = what
	p := f.newParser(lx)
	o, err := p.object(0)
	if err != nil {
		return nil, 0, err
	}
	lx.skipSpace()
	if lx.peek() >= 0 {
		return nil, 0, lx.errf("unexpected data after the object")
	}
	return o, int64(end - start), nil
}

// Caches. Both are bounded LRUs guarded by one mutex.

const (
	objCacheBytes = 8 << 20 // source bytes of cached objects
	objCacheCount = 16384
	stmCacheBytes = 32 << 20 // decoded object streams
)

type objKey struct {
	off, len int64
	idx      int
	num      uint32
	gen      uint16
	sec      int // ident of the security that decrypted it
}

type stmKey struct {
	off, len int64
	sec      int
}

type caches struct {
	mu   sync.Mutex
	objs *lru[objKey, Object]
	stms *lru[stmKey, *objStream]
}

func newCaches() *caches {
	return &caches{
		objs: newLRU[objKey, Object](objCacheBytes, objCacheCount),
		stms: newLRU[stmKey, *objStream](stmCacheBytes, 1024),
	}
}

func (c *caches) getObj(k objKey) (Object, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.objs.get(k)
}

func (c *caches) putObj(k objKey, o Object, cost int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.objs.put(k, o, cost+64)
}

func (c *caches) getStm(k stmKey) (*objStream, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stms.get(k)
}

func (c *caches) putStm(k stmKey, s *objStream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stms.put(k, s, int64(len(s.data))+int64(len(s.nums))*8+64)
}

type lru[K comparable, V any] struct {
	maxCost  int64
	maxCount int
	cost     int64
	ll       *list.List
	m        map[K]*list.Element
}

type lruItem[K comparable, V any] struct {
	k    K
	v    V
	cost int64
}

func newLRU[K comparable, V any](maxCost int64, maxCount int) *lru[K, V] {
	return &lru[K, V]{maxCost: maxCost, maxCount: maxCount, ll: list.New(), m: map[K]*list.Element{}}
}

func (l *lru[K, V]) get(k K) (V, bool) {
	if e, ok := l.m[k]; ok {
		l.ll.MoveToFront(e)
		return e.Value.(*lruItem[K, V]).v, true
	}
	var zero V
	return zero, false
}

func (l *lru[K, V]) put(k K, v V, cost int64) {
	if cost > l.maxCost {
		return // too big to keep
	}
	if e, ok := l.m[k]; ok {
		it := e.Value.(*lruItem[K, V])
		l.cost += cost - it.cost
		it.v, it.cost = v, cost
		l.ll.MoveToFront(e)
	} else {
		l.m[k] = l.ll.PushFront(&lruItem[K, V]{k: k, v: v, cost: cost})
		l.cost += cost
	}
	for (l.cost > l.maxCost || l.ll.Len() > l.maxCount) && l.ll.Len() > 0 {
		e := l.ll.Back()
		it := e.Value.(*lruItem[K, V])
		l.ll.Remove(e)
		delete(l.m, it.k)
		l.cost -= it.cost
	}
}

func hasRef(o Object) bool {
	switch v := o.(type) {
	case Ref:
		return true
	case Array:
		for _, e := range v {
			if _, ok := e.(Ref); ok {
				return true
			}
		}
	}
	return false
}
