package pdfraw

import (
	"fmt"
	"math"
)

// parser builds objects from a lexer. Nesting is bounded by MaxDepth and the
// number of objects built by one parse by maxElements, so a small input
// cannot make it allocate without bound.
type parser struct {
	lx       *lexer
	lim      *Limits
	elems    int
	maxElems int
	// dup, when set, is told about a critical key repeated with a
	// different value (at: the offset of the repeated key).
	dup func(key Name, at int64)
}

// maxElementsFor bounds the number of objects built while parsing one
// indirect object: one per 64 bytes of MaxObjectBytes (1M by default), at
// least 4096. Each costs at most a few dozen bytes.
func maxElementsFor(lim *Limits) int {
	n := lim.MaxObjectBytes / 64
	if n < 4096 {
		n = 4096
	}
	if n > math.MaxInt32 {
		n = math.MaxInt32
	}
	return int(n)
}

func newParser(lx *lexer, lim *Limits) *parser {
	return &parser{lx: lx, lim: lim, maxElems: maxElementsFor(lim)}
}

func (p *parser) count() error {
	p.elems++
	if p.elems > p.maxElems {
		return fmt.Errorf("%w: %s: more than %d objects in one object", ErrLimit, p.lx.where(p.lx.pos), p.maxElems)
	}
	return nil
}

// object parses one direct object (or reference).
func (p *parser) object(depth int) (Object, error) {
	t, err := p.lx.token()
	if err != nil {
		return nil, err
	}
	return p.objectFrom(t, depth)
}

func (p *parser) objectFrom(t token, depth int) (Object, error) {
	if err := p.count(); err != nil {
		return nil, err
	}
	switch t.kind {
	case tEOF:
		return nil, p.lx.eofErr("expected an object")
	case tInt:
		if r, ok := p.refAfter(t); ok {
			return r, nil
		}
		return Int(t.i), nil
	case tReal:
		return Real(t.f), nil
	case tName:
		return Name(t.s), nil
	case tString:
		s := String{Bytes: t.s, Hex: t.hex, Start: t.start, End: t.end}
		if p.lx.mem {
			s.Start, s.End = -1, -1
		}
		return s, nil
	case tKeyword:
		switch string(t.s) {
		case "true":
			return Bool(true), nil
		case "false":
			return Bool(false), nil
		case "null":
			return Null{}, nil
		}
		return nil, p.lx.errAt(t.start, "unexpected %s", t.describe())
	case tArrOpen:
		if depth+1 > p.lim.MaxDepth {
			return nil, fmt.Errorf("%w: %s: arrays and dictionaries nested deeper than %d", ErrLimit, p.lx.where(t.start), p.lim.MaxDepth)
		}
		arr := Array{}
		for {
			t2, err := p.lx.token()
			if err != nil {
				return nil, err
			}
			if t2.kind == tArrClose {
				return arr, nil
			}
			if t2.kind == tEOF {
				return nil, p.lx.eofErr(fmt.Sprintf("array starting at %d not closed", t.start))
			}
			o, err := p.objectFrom(t2, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, o)
		}
	case tDictOpen:
		if depth+1 > p.lim.MaxDepth {
			return nil, fmt.Errorf("%w: %s: arrays and dictionaries nested deeper than %d", ErrLimit, p.lx.where(t.start), p.lim.MaxDepth)
		}
		return p.dict(t, depth+1)
	}
	return nil, p.lx.errAt(t.start, "unexpected %s", t.describe())
}

func (p *parser) dict(open token, depth int) (Dict, error) {
	d := Dict{}
	for {
		k, err := p.lx.token()
		if err != nil {
			return nil, err
		}
		switch k.kind {
		case tDictClose:
			return d, nil
		case tName:
		case tEOF:
			return nil, p.lx.eofErr(fmt.Sprintf("dictionary starting at %d not closed", open.start))
		default:
			return nil, p.lx.errAt(k.start, "dictionary key must be a name, found %s", k.describe())
		}
		key := Name(k.s)
		v, err := p.object(depth)
		if err != nil {
			return nil, err
		}
		// A repeated key: the last value wins, as in qpdf, Acrobat, pdf.js
		// and PDFium (digitorus/pdfsign writes a second /Version into the
		// catalog). For the keys that decide which bytes are read or
		// signed, differing values are an ambiguity a signature verifier
		// must not resolve silently: it is reported.
		if old, dup := d[key]; dup && criticalKeys[key] && p.dup != nil && !Equal(old, v) {
			p.dup(key, k.start)
		}
		d[key] = v
	}
}

// refAfter looks for "G R" after the integer t, without building tokens
// for anything else. It restores the position when there is no reference.
func (p *parser) refAfter(t token) (Ref, bool) {
	if t.i < 0 || t.i > math.MaxUint32 {
		return Ref{}, false
	}
	lx := p.lx
	save := lx.pos
	lx.skipSpace()
	gen := int64(0)
	nd := 0
	for {
		c := lx.peek()
		if !isDigit(c) {
			if isRegular(c) || nd == 0 {
				lx.pos = save
				return Ref{}, false
			}
			break
		}
		nd++
		if nd > 10 {
			lx.pos = save
			return Ref{}, false
		}
		gen = gen*10 + int64(c-'0')
		lx.pos++
	}
	if gen > math.MaxUint16 {
		lx.pos = save
		return Ref{}, false
	}
	lx.skipSpace()
	if lx.peek() != 'R' {
		lx.pos = save
		return Ref{}, false
	}
	lx.pos++
	if isRegular(lx.peek()) {
		lx.pos = save
		return Ref{}, false
	}
	return Ref{Num: uint32(t.i), Gen: uint16(gen)}, true
}

// expectKeyword reads a token that must be the keyword kw.
func (p *parser) expectKeyword(kw string) (token, error) {
	t, err := p.lx.token()
	if err != nil {
		return t, err
	}
	if !t.isKeyword(kw) {
		if t.kind == tEOF {
			return t, p.lx.eofErr(fmt.Sprintf("expected %q", kw))
		}
		return t, p.lx.errAt(t.start, "expected %q, found %s", kw, t.describe())
	}
	return t, nil
}

// expectInt reads a token that must be an integer.
func (p *parser) expectInt(what string) (int64, error) {
	t, err := p.lx.token()
	if err != nil {
		return 0, err
	}
	if t.kind != tInt {
		if t.kind == tEOF {
			return 0, p.lx.eofErr("expected " + what)
		}
		return 0, p.lx.errAt(t.start, "expected %s, found %s", what, t.describe())
	}
	return t.i, nil
}

// criticalKeys repeated in a dictionary with different values are
// reported (parser.dup).
var criticalKeys = map[Name]bool{
	"ByteRange": true, "Contents": true, "Length": true, "Filter": true, "DecodeParms": true,
	"Type": true, "SubFilter": true, "Prev": true, "XRefStm": true, "Root": true, "Size": true,
	"Encrypt": true, "W": true, "Index": true, "N": true, "First": true, "Reference": true,
	"Perms": true, "V": true, "FT": true, "Parent": true, "Kids": true,
	// What a page, an annotation or a field shows.
	"Annots": true, "Resources": true, "MediaBox": true, "CropBox": true, "Rotate": true,
	"AP": true, "AS": true, "F": true, "Ff": true, "Rect": true, "DA": true, "Font": true, "XObject": true,
	"OCProperties": true, "AcroForm": true, "OpenAction": true, "AA": true,
}
