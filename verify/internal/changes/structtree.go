package changes

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// ---------------------------------------------------------------------
// The structure tree (tagged PDF).

// structTree judges changes to the document's structure tree. Signing
// software that adds a widget to a tagged PDF tags it: a new structure
// element (often /S /Form) holding an object reference (/OBJR) to the
// widget is added to the /K of the root or of an existing element, the
// widget's /StructParent key is entered in the /ParentTree, and
// /ParentTreeNextKey grows. Those additions paint nothing and are allowed
// at the class of the signature added in the same revision (annotations'
// class otherwise). Every other change to the tree (an element's kids
// removed or reordered, marked content moved, /Alt or /ActualText
// rewritten, role or class maps changed) stays disallowed.
//
// The tree is walked only when the revision redefines an object of the
// signed revision that has no other role, or the catalog's entry changed.
func (rv *revCheck) structTree() {
	a, k := rv.a, rv.k
	oldCat := a.dict(k-1, a.f.Trailer(k - 1)["Root"])
	newCat := a.dict(k, a.f.Trailer(k)["Root"])
	oldV, newV := oldCat["StructTreeRoot"], newCat["StructTreeRoot"]
	if newV == nil {
		return
	}
	rootRef, ok := newV.(pdfraw.Ref)
	if !ok {
		return // a direct root is compared as part of the catalog
	}
	interesting := false
	if or, _ := oldV.(pdfraw.Ref); or != rootRef {
		interesting = true
	}
	for _, num := range rv.sortedTouched() {
		if t := rv.touched[num]; !t.settled && t.atR && a.roles[num]&^roleOther == 0 {
			interesting = true
			break
		}
	}
	if !interesting {
		return
	}
	cls, why := clsAnnot, "structure tree extended"
	if rv.signs {
		cls, why = rv.signCls, "structure tree extended for the new signature's widget"
	}
	st := &structCheck{rv: rv, cls: cls, why: why, seen: map[uint32]bool{}}
	if or, _ := oldV.(pdfraw.Ref); or != rootRef {
		if a.existedAtR(rootRef.Num) {
			rv.reject(rootRef.Num, "structure", fmt.Sprintf("catalog /StructTreeRoot now points at object %d, which existed at signing", rootRef.Num))
			return
		}
		if oldV == nil {
			rv.reject(rootRef.Num, "structure", "structure tree added after signing")
			return
		}
	}
	st.root(oldV, rootRef)
}

type structCheck struct {
	rv   *revCheck
	cls  class
	why  string
	seen map[uint32]bool
}

// changed returns the k-1 and k versions of object num when revision k
// redefines it and no rule settled it yet.
func (st *structCheck) changed(num uint32) (old, cur pdfraw.Dict, ok bool) {
	t := st.rv.touched[num]
	if t == nil || t.settled {
		return nil, nil, false
	}
	return dictOf(t.old), dictOf(t.cur), true
}

// root judges the structure tree root (oldV as of k-1, ref as of k: the
// same object redefined, or a new object standing in for it).
func (st *structCheck) root(oldV pdfraw.Object, ref pdfraw.Ref) {
	rv, a, k := st.rv, st.rv.a, st.rv.k
	oldD := a.dict(k-1, oldV)
	newD := a.dict(k, ref)
	if newD == nil {
		rv.reject(ref.Num, "structure", "structure tree root is not a dictionary")
		return
	}
	var bad []string
	for _, key := range rv.diffKeys(oldD, newD) {
		switch key {
		case "K":
			if p := st.kids(oldD["K"], newD["K"]); p != "" {
				bad = append(bad, p)
			}
		case "ParentTree":
			// compared entry by entry below
		case "ParentTreeNextKey":
			o, _ := a.res(k-1, oldD[key]).(pdfraw.Int)
			n, ok := a.res(k, newD[key]).(pdfraw.Int)
			if !ok || n < o {
				bad = append(bad, "/ParentTreeNextKey decreased")
			}
		default:
			bad = append(bad, fmt.Sprintf("structure tree root /%s changed", key))
		}
	}
	if p := st.parentTree(oldD["ParentTree"], newD["ParentTree"]); p != "" {
		bad = append(bad, p)
	}
	if len(bad) > 0 {
		rv.reject(ref.Num, "structure", strings.Join(bad, "; "))
	} else if _, _, ok := st.changed(ref.Num); ok {
		rv.approve(ref.Num, st.cls, "structure", st.why, 0) // the catalog's own /StructTreeRoot
	}
	oldRoot, _ := oldV.(pdfraw.Ref)
	st.elements(oldRoot.Num)
}

// elements judges the structure elements of the signed tree that
// revision k redefines: objects with no other role whose /P chain (as of
// k-1) reaches the tree root. Only the touched objects are looked at, so a
// large tagged document costs nothing per revision.
func (st *structCheck) elements(rootNum uint32) {
	rv, a := st.rv, st.rv.a
	for _, num := range rv.sortedTouched() {
		t := rv.touched[num]
		if t.settled || !t.atR || a.roles[num]&^roleOther != 0 || num == rootNum {
			continue
		}
		old, cur := dictOf(t.old), dictOf(t.cur)
		if old == nil || cur == nil || isStreamObj(t.cur) || !st.inTree(old, rootNum) {
			continue
		}
		var bad []string
		for _, key := range rv.diffKeys(old, cur) {
			if key != "K" {
				bad = append(bad, fmt.Sprintf("structure element /%s changed", key))
				continue
			}
			if p := st.kids(old["K"], cur["K"]); p != "" {
				bad = append(bad, p)
			}
		}
		if len(bad) > 0 {
			rv.reject(num, "structure", strings.Join(bad, "; "))
		} else {
			rv.approve(num, st.cls, "structure", st.why, 0) // inTree: an element of the signed tree
		}
	}
}

// inTree reports whether d (as of k-1) is a structure element whose
// parent chain reaches the structure tree root.
func (st *structCheck) inTree(d pdfraw.Dict, rootNum uint32) bool {
	a, k := st.rv.a, st.rv.k
	if typ, _ := d["Type"].(pdfraw.Name); typ != "StructElem" && typ != "" {
		return false
	}
	if _, ok := d["S"].(pdfraw.Name); !ok {
		return false
	}
	for i := 0; i < 64; i++ {
		p, ok := d["P"].(pdfraw.Ref)
		if !ok {
			return false
		}
		if p.Num == rootNum {
			return true
		}
		if d = a.dict(k-1, p); d == nil {
			return false
		}
	}
	return false
}

// kids checks that an element's (or the root's) /K kept every kid in
// order and gained only new structure elements or object references to
// objects created after signing. It returns the problem, if any, and
// claims what was added.
func (st *structCheck) kids(oldK, newK pdfraw.Object) string {
	rv, a, k := st.rv, st.rv.a, st.rv.k
	list := func(rev int, v pdfraw.Object) pdfraw.Array {
		if arr, ok := a.res(rev, v).(pdfraw.Array); ok {
			return arr
		}
		if v == nil {
			return nil
		}
		return pdfraw.Array{v}
	}
	oldL, newL := list(k-1, oldK), list(k, newK)
	i := 0
	for _, e := range newL {
		if i < len(oldL) {
			eq := rv.newEq()
			if ok, err := eq.eq(oldL[i], e, 0); err == nil && ok {
				i++
				continue
			}
		}
		// An addition.
		if p := st.newKid(e, 0); p != "" {
			return p
		}
		rv.claim(e, st.cls, "structure", st.why)
	}
	if i < len(oldL) {
		return "structure kids removed or reordered"
	}
	return ""
}

// newContent checks what a structure kid created after signing holds (as
// of k): only object references to objects also created after signing and
// further new elements. Marked content of signed pages (an MCID, an MCR)
// or a reference to a signed object would let the new element speak for
// signed content (/ActualText read aloud, copied, reflowed).
func (st *structCheck) newContent(r pdfraw.Ref, depth int) string {
	a, k := st.rv.a, st.rv.k
	if depth > 32 || !a.visit() {
		return "structure element nested too deeply"
	}
	d := a.dict(k, r)
	if d == nil {
		return fmt.Sprintf("structure kid %d %d R is not a dictionary", r.Num, r.Gen)
	}
	switch typ, _ := d["Type"].(pdfraw.Name); typ {
	case "OBJR":
		if obj, ok := d["Obj"].(pdfraw.Ref); !ok || !a.isNew(obj.Num) {
			return "new object reference in the structure tree points at an object of the signed document"
		}
		return ""
	case "MCR":
		return "new structure element claims marked content of a signed page"
	}
	var kids pdfraw.Array
	switch v := a.res(k, d["K"]).(type) {
	case pdfraw.Array:
		kids = v
	case nil:
	default:
		kids = pdfraw.Array{d["K"]}
	}
	for _, e := range kids {
		if p := st.newKid(e, depth+1); p != "" {
			return p
		}
	}
	return ""
}

// newKid checks one structure kid added after signing: a new element
// (checked by newContent) or a direct object reference to a new object;
// never marked content (an MCID) or anything of the signed document.
func (st *structCheck) newKid(e pdfraw.Object, depth int) string {
	a := st.rv.a
	switch x := e.(type) {
	case pdfraw.Ref:
		if !a.isNew(x.Num) {
			return fmt.Sprintf("structure kid %d %d R, which existed at signing, added", x.Num, x.Gen)
		}
		return st.newContent(x, depth)
	case pdfraw.Dict:
		typ, _ := x["Type"].(pdfraw.Name)
		obj, _ := x["Obj"].(pdfraw.Ref)
		if typ != "OBJR" || obj.Num == 0 || !a.isNew(obj.Num) {
			return "structure kid added that is neither a new element nor a reference to a new object"
		}
		return ""
	}
	return "marked content of a signed page added to the structure tree"
}

// parentTree compares the /ParentTree number trees entry by entry: every
// old key keeps its value, new keys map to structure elements. Nodes the
// revision redefines or adds are approved, new values claimed.
func (st *structCheck) parentTree(oldV, newV pdfraw.Object) string {
	rv, k := st.rv, st.rv.k
	if newV == nil {
		if oldV != nil {
			return "/ParentTree removed"
		}
		return ""
	}
	oldE, _, err := st.numberTree(k-1, oldV)
	if err != "" {
		return err
	}
	newE, nodes, err := st.numberTree(k, newV)
	if err != "" {
		return err
	}
	var bad []string
	for _, key := range sortedInts(oldE) {
		nv, ok := newE[key]
		if !ok {
			bad = append(bad, fmt.Sprintf("/ParentTree entry %d removed", key))
			continue
		}
		eq := rv.newEq()
		if ok, err := eq.eq(oldE[key], nv, 0); err != nil || !ok {
			bad = append(bad, fmt.Sprintf("/ParentTree entry %d changed", key))
		}
	}
	for _, key := range sortedInts(newE) {
		if _, had := oldE[key]; had {
			continue
		}
		r, ok := newE[key].(pdfraw.Ref)
		if !ok {
			bad = append(bad, fmt.Sprintf("/ParentTree entry %d added with a direct value", key))
			continue
		}
		if rv.a.isNew(r.Num) {
			if p := st.newContent(r, 0); p != "" {
				bad = append(bad, fmt.Sprintf("/ParentTree entry %d: %s", key, p))
				continue
			}
		}
		rv.claim(newE[key], st.cls, "structure", st.why)
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		if len(bad) > 5 {
			bad = append(bad[:5], fmt.Sprintf("… %d more", len(bad)-5))
		}
		return strings.Join(bad, "; ")
	}
	oldNodes := map[uint32]bool{}
	if _, on, p := st.numberTree(k-1, oldV); p == "" {
		for _, n := range on {
			oldNodes[n] = true
		}
	}
	for _, n := range nodes {
		if _, _, ok := st.changed(n); !ok {
			continue
		}
		// A node redefined in place must have been a node of the tree.
		if rv.a.existedAtR(n) && !oldNodes[n] {
			rv.reject(n, "structure", "object of the signed document made a node of the /ParentTree")
			continue
		}
		rv.approve(n, st.cls, "structure", st.why+" (/ParentTree)", 0)
	}
	return ""
}

// numberTree flattens the number tree at v as of rev; it returns its
// entries and the objects of its nodes, or a problem.
func (st *structCheck) numberTree(rev int, v pdfraw.Object) (map[int64]pdfraw.Object, []uint32, string) {
	a := st.rv.a
	out := map[int64]pdfraw.Object{}
	var nodes []uint32
	seen := map[uint32]bool{}
	var walk func(o pdfraw.Object, depth int) string
	walk = func(o pdfraw.Object, depth int) string {
		if depth > 32 || !a.visit() {
			return "/ParentTree nested too deeply"
		}
		if r, ok := o.(pdfraw.Ref); ok {
			if seen[r.Num] {
				return "/ParentTree has a loop"
			}
			seen[r.Num] = true
			nodes = append(nodes, r.Num)
		}
		d := a.dict(rev, o)
		if d == nil {
			return "/ParentTree node is not a dictionary"
		}
		if nums, ok := a.res(rev, d["Nums"]).(pdfraw.Array); ok {
			if len(nums)%2 != 0 {
				return "/ParentTree /Nums has an odd number of elements"
			}
			for i := 0; i < len(nums); i += 2 {
				key, ok := a.res(rev, nums[i]).(pdfraw.Int)
				if !ok {
					return "/ParentTree key is not an integer"
				}
				if _, dup := out[int64(key)]; dup {
					return fmt.Sprintf("/ParentTree key %d appears twice", key)
				}
				out[int64(key)] = nums[i+1]
			}
		}
		if kids, ok := a.res(rev, d["Kids"]).(pdfraw.Array); ok {
			for _, kid := range kids {
				if p := walk(kid, depth+1); p != "" {
					return p
				}
			}
		}
		return ""
	}
	if p := walk(v, 0); p != "" {
		return nil, nil, p
	}
	return out, nodes, ""
}

func sortedInts(m map[int64]pdfraw.Object) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
