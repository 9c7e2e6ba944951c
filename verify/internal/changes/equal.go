package changes

import (
	"bytes"
	"math"
	"sort"
	"strings"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// sameObject compares two versions of one object (k-1 and k).
func (rv *revCheck) sameObject(old, cur pdfraw.Object) (bool, error) {
	eq := rv.newEq()
	ok, err := eq.eq(old, cur, 0)
	if err != nil {
		rv.a.soft(err)
		if rv.a.fatal != nil {
			return false, rv.a.fatal
		}
		return false, nil
	}
	if ok {
		eq.claimCopies()
	}
	return ok, nil
}

// ---------------------------------------------------------------------
// Semantic comparison of k-1 and k values.

type comparer struct {
	rv     *revCheck
	ra, rb int
	seen   map[[2]pdfraw.Ref]bool
	copies []uint32
}

func (rv *revCheck) newEq() *comparer {
	return &comparer{rv: rv, ra: rv.k - 1, rb: rv.k, seen: map[[2]pdfraw.Ref]bool{}}
}

// claimCopies approves the objects created after signing that an equal
// comparison reached on the new side: copies of signed values.
func (e *comparer) claimCopies() {
	for _, n := range e.copies {
		e.rv.copies[n] = true
		if t := e.rv.touched[n]; t != nil && !t.settled {
			e.rv.approve(n, clsLTA, e.rv.kindOf(n), "copy of a signed value with the same content", 0)
		}
	}
}

// eq compares x (as of ra) and y (as of rb). Identical references are
// equal (a redefined object is judged on its own); different references,
// or a reference against a direct value, are resolved and compared deeply.
// Integers and reals compare by value, strings by bytes, streams by their
// dictionaries (without /Length) and raw data.
func (e *comparer) eq(x, y pdfraw.Object, depth int) (bool, error) {
	if depth > 64 {
		return false, nil
	}
	rx, xRef := x.(pdfraw.Ref)
	ry, yRef := y.(pdfraw.Ref)
	if xRef && yRef && rx == ry {
		return true, nil
	}
	if xRef && yRef {
		// Coinductive: a pair of references already being compared is
		// assumed equal, so cycles end.
		key := [2]pdfraw.Ref{rx, ry}
		if e.seen[key] {
			return true, nil
		}
		e.seen[key] = true
	}
	if xRef || yRef {
		if !e.rv.a.visit() {
			return false, e.rv.a.fatal
		}
		if xRef {
			v, err := e.rv.a.f.Object(e.ra, rx)
			if err != nil {
				return false, err
			}
			x = v
		}
		if yRef {
			v, err := e.rv.a.f.Object(e.rb, ry)
			if err != nil {
				return false, err
			}
			y = v
			if e.rv.a.isNew(ry.Num) {
				e.copies = append(e.copies, ry.Num)
			}
		}
	}
	switch a := x.(type) {
	case nil, pdfraw.Null:
		switch y.(type) {
		case nil, pdfraw.Null:
			return true, nil
		}
		return false, nil
	case pdfraw.Int, pdfraw.Real:
		fa, _ := numValue(a)
		fb, ok := numValue(y)
		return ok && math.Abs(fa-fb) <= 1e-9*math.Max(1, math.Max(math.Abs(fa), math.Abs(fb))), nil
	case pdfraw.Bool:
		b, ok := y.(pdfraw.Bool)
		return ok && a == b, nil
	case pdfraw.Name:
		b, ok := y.(pdfraw.Name)
		return ok && a == b, nil
	case pdfraw.String:
		b, ok := y.(pdfraw.String)
		return ok && bytes.Equal(a.Bytes, b.Bytes), nil
	case pdfraw.Array:
		b, ok := y.(pdfraw.Array)
		if !ok || len(a) != len(b) {
			return false, nil
		}
		for i := range a {
			if ok, err := e.eq(a[i], b[i], depth+1); !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	case pdfraw.Dict:
		b, ok := y.(pdfraw.Dict)
		if !ok {
			return false, nil
		}
		return e.dicts(a, b, depth, "")
	case *pdfraw.Stream:
		b, ok := y.(*pdfraw.Stream)
		if !ok || a == nil || b == nil {
			return false, nil
		}
		if ok, err := e.dicts(a.Dict, b.Dict, depth, "Length"); !ok || err != nil {
			return false, err
		}
		if a.Length != b.Length {
			return false, nil
		}
		if a.DataOffset == b.DataOffset {
			return true, nil
		}
		ha, err := e.rv.a.f.StreamHash(a)
		if err != nil {
			return false, err
		}
		hb, err := e.rv.a.f.StreamHash(b)
		if err != nil {
			return false, err
		}
		return ha == hb, nil
	}
	return false, nil
}

func (e *comparer) dicts(a, b pdfraw.Dict, depth int, skip pdfraw.Name) (bool, error) {
	for k, v := range a {
		if k == skip {
			continue
		}
		if ok, err := e.eq(v, b[k], depth+1); !ok || err != nil {
			return false, err
		}
	}
	for k, v := range b {
		if _, ok := a[k]; ok || k == skip {
			continue
		}
		if ok, err := e.eq(nil, v, depth+1); !ok || err != nil {
			return false, err
		}
	}
	return true, nil
}

func numValue(o pdfraw.Object) (float64, bool) {
	switch v := o.(type) {
	case pdfraw.Int:
		return float64(v), true
	case pdfraw.Real:
		return float64(v), true
	}
	return 0, false
}

// diffKeys lists the keys whose values differ between old (k-1) and cur
// (k), sorted, ignoring the given keys. A key whose value is a reference to
// an object redefined in this revision counts as changed when deep is set.
func (rv *revCheck) diffKeys(old, cur pdfraw.Dict, ignore ...pdfraw.Name) []pdfraw.Name {
	var out []pdfraw.Name
	keys := map[pdfraw.Name]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range cur {
		keys[k] = true
	}
	for k := range keys {
		if hasName(ignore, k) {
			continue
		}
		eq := rv.newEq()
		ok, err := eq.eq(old[k], cur[k], 0)
		if err != nil {
			rv.a.soft(err)
		}
		if ok && err == nil {
			eq.claimCopies()
			continue
		}
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func hasName(list []pdfraw.Name, n pdfraw.Name) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

func keyList(keys []pdfraw.Name) string {
	s := make([]string, len(keys))
	for i, k := range keys {
		s[i] = "/" + string(k)
	}
	return strings.Join(s, ", ")
}

// ---------------------------------------------------------------------
// Claims: new objects reachable from a structure a rule cleared.

// claim approves every object created after signing that is reachable
// from v (as of k) without passing through an object of the signed
// revision, at class cls. Back-links (/P, /Parent) are not followed.
func (rv *revCheck) claim(v pdfraw.Object, cls class, kind, reason string) {
	rv.claimValue(v, cls, kind, reason, 0)
}

func (rv *revCheck) claimValue(v pdfraw.Object, cls class, kind, reason string, depth int) {
	if depth > 64 || rv.a.fatal != nil {
		return
	}
	switch x := v.(type) {
	case pdfraw.Ref:
		if !rv.a.isNew(x.Num) {
			return
		}
		if _, used := rv.a.usedAt(rv.k, x.Num); !used {
			return
		}
		key := [2]uint32{x.Num, uint32(cls)}
		if rv.claimSeen[key] {
			return
		}
		rv.claimSeen[key] = true
		if !rv.a.visit() {
			return
		}
		if t := rv.touched[x.Num]; t != nil && !t.settled {
			rv.approve(x.Num, cls, kind, reason, 0)
		}
		rv.claimValue(rv.a.obj(rv.k, x), cls, kind, reason, depth+1)
	case pdfraw.Array:
		for _, e := range x {
			rv.claimValue(e, cls, kind, reason, depth+1)
		}
	case pdfraw.Dict:
		for _, k := range sortedKeys(x) {
			if backLink(x, k) {
				continue
			}
			rv.claimValue(x[k], cls, kind, reason, depth+1)
		}
	case *pdfraw.Stream:
		rv.claimValue(x.Dict, cls, kind, reason, depth+1)
	}
}

// backLink reports whether d's key points back up the document rather
// than at something d owns: /P and /Parent, and the /Data of a signature
// reference dictionary (the catalog, for DocMDP and FieldMDP transforms).
func backLink(d pdfraw.Dict, key pdfraw.Name) bool {
	switch key {
	case "P", "Parent":
		return true
	case "Data":
		_, ok := d["TransformMethod"]
		return ok
	}
	return false
}

// sortedKeys returns d's keys in order, so reports do not depend on map
// iteration.
func sortedKeys(d pdfraw.Dict) []pdfraw.Name {
	keys := make([]pdfraw.Name, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
