package pdfraw

import "bytes"

// maxEqualDepth bounds Equal on objects built by callers; parsed objects
// are bounded by MaxDepth anyway.
const maxEqualDepth = 1000

// Equal reports whether a and b are structurally equal. Strings compare
// their bytes only (not Hex or offsets); a dictionary key with a null value
// equals an absent key, as ISO 32000 says; streams compare their
// dictionaries and (DataOffset, Length): callers compare StreamHash when the
// offsets differ. Values nested deeper than 1000 levels are unequal.
func Equal(a, b Object) bool { return equal(a, b, 0) }

func isNull(o Object) bool {
	switch o.(type) {
	case nil, Null:
		return true
	}
	return false
}

func equal(a, b Object, depth int) bool {
	if depth > maxEqualDepth {
		return false
	}
	switch x := a.(type) {
	case nil, Null:
		return isNull(b)
	case Bool:
		y, ok := b.(Bool)
		return ok && x == y
	case Int:
		y, ok := b.(Int)
		return ok && x == y
	case Real:
		y, ok := b.(Real)
		return ok && x == y
	case Name:
		y, ok := b.(Name)
		return ok && x == y
	case String:
		y, ok := b.(String)
		return ok && bytes.Equal(x.Bytes, y.Bytes)
	case *String:
		y, ok := b.(*String)
		return ok && (x == y || x != nil && y != nil && bytes.Equal(x.Bytes, y.Bytes))
	case Ref:
		y, ok := b.(Ref)
		return ok && x == y
	case Array:
		y, ok := b.(Array)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i], depth+1) {
				return false
			}
		}
		return true
	case Dict:
		y, ok := b.(Dict)
		return ok && equalDict(x, y, depth)
	case *Stream:
		y, ok := b.(*Stream)
		if !ok {
			return false
		}
		if x == nil || y == nil {
			return x == y
		}
		return x.DataOffset == y.DataOffset && x.Length == y.Length && equalDict(x.Dict, y.Dict, depth)
	}
	return false
}

func equalDict(x, y Dict, depth int) bool {
	for k, v := range x {
		if !equal(v, y[k], depth+1) {
			return false
		}
	}
	for k, v := range y {
		if _, ok := x[k]; !ok && !isNull(v) {
			return false
		}
	}
	return true
}
