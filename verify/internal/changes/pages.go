package changes

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// ---------------------------------------------------------------------
// Pages and annotations.

// pages judges the objects of the signed revision that are pages, /Annots
// arrays, annotations or the catalog's metadata stream.
func (rv *revCheck) pages() {
	a := rv.a
	nums := rv.sortedTouched()
	for _, num := range nums {
		t := rv.touched[num]
		if t.settled || !t.atR || a.fatal != nil {
			continue
		}
		roles := a.roles[num]
		oldD, newD := dictOf(t.old), dictOf(t.cur)
		switch {
		case roles&rolePage != 0:
			if oldD == nil || newD == nil {
				continue
			}
			if _, isDict := t.cur.(pdfraw.Dict); !isDict {
				continue
			}
			keys := rv.diffKeys(oldD, newD)
			var other []pdfraw.Name
			for _, key := range keys {
				if key != "Annots" {
					other = append(other, key)
				}
			}
			if len(other) > 0 {
				rv.reject(num, "page", rv.coded(fmt.Sprintf("page dictionary changed: %s", keyList(other)), CodePageModified, "keys", keyList(other)))
				continue
			}
			if hasName(keys, "Annots") {
				rv.annots(num, oldD["Annots"], newD["Annots"], rolePage)
			}
		case roles&roleAnnots != 0:
			if _, ok := t.cur.(pdfraw.Array); !ok {
				continue
			}
			rv.annots(num, t.old, t.cur, roleAnnots)
		case roles&roleAnnot != 0 && roles&roleField == 0:
			if oldD == nil || newD == nil || isStreamObj(t.cur) {
				continue
			}
			if st, _ := newD["Subtype"].(pdfraw.Name); st == "Widget" {
				// A widget that belongs to no field.
				rv.approve(num, clsAnnot, "annotation", "widget annotation without a field modified", roleAnnot)
				continue
			}
			keys := rv.diffKeys(oldD, newD)
			reason := rv.coded(fmt.Sprintf("annotation modified (%s)", keyList(keys)), CodeAnnotationModified, "keys", keyList(keys))
			rv.approve(num, clsAnnot, "annotation", reason, roleAnnot)
			for _, key := range keys {
				rv.claim(newD[key], clsAnnot, "annotation", reason)
			}
		case roles == roleMetadata:
			s, ok := t.cur.(*pdfraw.Stream)
			if ok {
				if typ, _ := s.Dict["Type"].(pdfraw.Name); typ == "Metadata" {
					rv.approve(num, clsMeta, "metadata", rv.coded("XMP metadata stream redefined in place", CodeMetadataUpdated), roleMetadata)
				}
			}
		}
	}
}

// laterSigWidgets maps the widgets of signature fields the form lists at
// revision k and that were created after signing (in an earlier later
// revision) to the class placing them needs: a widget must belong to such
// a field, not merely claim /FT /Sig or a signed field as /Parent.
func (rv *revCheck) laterSigWidgets() map[uint32]class {
	if rv.laterSig != nil {
		return rv.laterSig
	}
	rv.laterSig = map[uint32]class{}
	for _, f := range rv.a.trees[rv.k] {
		if f.ft != "Sig" || f.ref.Num == 0 || !rv.a.isNew(f.ref.Num) {
			continue
		}
		cls := clsSign
		if isNull(f.dict["V"]) && rv.paints(f) {
			cls = clsAnnot
		}
		for _, w := range f.widgets {
			if w.ref.Num != 0 {
				rv.laterSig[w.ref.Num] = cls
			}
		}
	}
	return rv.laterSig
}

// sigFieldWidget reports whether d is the widget of a signature field
// (its own /FT or its parent's).
func (rv *revCheck) sigFieldWidget(d pdfraw.Dict) bool {
	if st, _ := d["Subtype"].(pdfraw.Name); st != "Widget" {
		return false
	}
	for i := 0; d != nil && i < 32; i++ {
		if ft, ok := rv.a.res(rv.k, d["FT"]).(pdfraw.Name); ok {
			return ft == "Sig"
		}
		d = rv.a.dict(rv.k, d["Parent"])
	}
	return false
}

func isStreamObj(o pdfraw.Object) bool {
	_, ok := o.(*pdfraw.Stream)
	return ok
}

func (rv *revCheck) sortedTouched() []uint32 {
	nums := make([]uint32, 0, len(rv.touched))
	for n := range rv.touched {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	return nums
}

// annots judges a change of a page's /Annots (owner is the page or the
// /Annots array object).
func (rv *revCheck) annots(owner uint32, oldV, newV pdfraw.Object, expect objRole) {
	a, k := rv.a, rv.k
	oldA, _ := a.res(k-1, oldV).(pdfraw.Array)
	newA, _ := a.res(k, newV).(pdfraw.Array)
	if newR, ok := newV.(pdfraw.Ref); ok && expect == rolePage {
		if oldR, _ := oldV.(pdfraw.Ref); oldR != newR && a.existedAtR(newR.Num) {
			rv.reject(owner, "page", fmt.Sprintf("/Annots now points at object %d, which existed at signing", newR.Num))
			return
		}
	}
	count := func(arr pdfraw.Array) map[pdfraw.Ref]int {
		m := map[pdfraw.Ref]int{}
		for _, e := range arr {
			if r, ok := e.(pdfraw.Ref); ok {
				m[r]++
			}
		}
		return m
	}
	for _, arr := range []pdfraw.Array{oldA, newA} {
		for _, e := range arr {
			if _, ok := e.(pdfraw.Ref); !ok {
				rv.reject(owner, "annotation", "/Annots holds a direct annotation dictionary")
				return
			}
		}
	}
	oc, nc := count(oldA), count(newA)
	cls := clsLTA
	var why, bad []string
	var kept []pdfraw.Ref
	for _, e := range newA {
		r := e.(pdfraw.Ref)
		if oc[r] > 0 {
			oc[r]--
			kept = append(kept, r)
			continue
		}
		// Added.
		if c, ok := rv.sigWidgets[r.Num]; ok {
			cls = max(cls, c)
			why = append(why, fmt.Sprintf("widget %d of a new signature placed on the page", r.Num))
			continue
		}
		d := a.dict(k, r)
		if c, ok := rv.laterSigWidgets()[r.Num]; ok {
			cls = max(cls, c)
			why = append(why, fmt.Sprintf("widget %d of a signature field added after signing placed on the page", r.Num))
			continue
		}
		if st, _ := d["Subtype"].(pdfraw.Name); st == "Widget" || d == nil {
			bad = append(bad, fmt.Sprintf("widget %d %d R added to the page without a new signature field", r.Num, r.Gen))
			continue
		}
		cls = max(cls, clsAnnot)
		st, _ := d["Subtype"].(pdfraw.Name)
		reason := rv.coded(fmt.Sprintf("/%s annotation %d added", st, r.Num), CodeAnnotationAdded, "subtype", string(st), "annotation", fmt.Sprint(r.Num))
		why = append(why, reason)
		rv.approve(r.Num, clsAnnot, "annotation", reason, roleAnnot)
		rv.claim(r, clsAnnot, "annotation", reason)
	}
	for _, e := range oldA {
		r := e.(pdfraw.Ref)
		if nc[r] > 0 {
			nc[r]--
			continue
		}
		d := a.dict(k-1, r)
		if st, _ := d["Subtype"].(pdfraw.Name); st == "Widget" {
			bad = append(bad, fmt.Sprintf("widget %d %d R removed from the page", r.Num, r.Gen))
			continue
		}
		cls = max(cls, clsAnnot)
		why = append(why, fmt.Sprintf("annotation %d removed", r.Num))
	}
	// Kept annotations must keep their order (it is their painting order).
	var keptOld []pdfraw.Ref
	nc2 := count(newA)
	for _, e := range oldA {
		r := e.(pdfraw.Ref)
		if nc2[r] > 0 {
			nc2[r]--
			keptOld = append(keptOld, r)
		}
	}
	for i := range kept {
		if i >= len(keptOld) || kept[i] != keptOld[i] {
			cls = max(cls, clsAnnot)
			why = append(why, "annotations reordered")
			break
		}
	}
	kind := "page"
	if expect == roleAnnots {
		kind = "annotation"
	}
	if len(bad) > 0 {
		rv.reject(owner, kind, "/Annots changed: "+strings.Join(bad, "; "))
		return
	}
	if len(why) == 0 {
		why = append(why, "same annotations")
	}
	rv.approve(owner, cls, kind, "/Annots changed: "+strings.Join(why, "; "), expect)
}

// containers approves the cross-reference stream and object streams
// revision k brings as new objects.
func (rv *revCheck) containers() {
	a, k := rv.a, rv.k
	sec := a.secs[k]
	stms := map[uint32]bool{}
	for _, e := range sec.Entries {
		if e.Type == pdfraw.EntryCompressed {
			stms[e.StmNum] = true
		}
	}
	for _, num := range rv.sortedTouched() {
		t := rv.touched[num]
		if t.settled {
			continue
		}
		isXref := sec.IsStream && t.entry.Type == pdfraw.EntryInUse && t.entry.Offset == sec.XrefOffset
		d := dictOf(t.cur)
		typ, _ := d["Type"].(pdfraw.Name)
		switch {
		case isXref || (typ == "XRef" && !t.atR):
			if t.atR {
				rv.reject(num, "xref_stream", "cross-reference stream reuses an object number of the signed revision")
			} else {
				rv.approve(num, clsLTA, "xref_stream", "cross-reference stream", 0)
			}
		case stms[num] || typ == "ObjStm":
			if t.atR {
				rv.reject(num, "object_stream", "object stream of the signed revision redefined: every object it holds may change")
			} else if stms[num] || typ == "ObjStm" {
				rv.approve(num, clsLTA, "object_stream", "object stream (container)", 0)
			}
		}
	}
}

// danglingRefs rejects objects created after signing whose numbers the
// signed document already referred to.
func (rv *revCheck) danglingRefs() {
	for _, num := range rv.sortedTouched() {
		t := rv.touched[num]
		if t.atR || !rv.a.isNew(num) {
			continue
		}
		if j := rv.judges[num]; t.settled && (j == nil || len(j.bad) == 0) {
			continue // unchanged redefinition of an object already judged
		}
		refs := rv.a.dangling[num]
		if len(refs) == 0 {
			continue
		}
		sort.Slice(refs, func(i, j int) bool {
			if refs[i].from != refs[j].from {
				return refs[i].from < refs[j].from
			}
			return refs[i].key < refs[j].key
		})
		d := refs[0]
		kind := d.role.kind()
		if kind == "unknown" {
			kind = rv.kindOf(num)
		}
		from := "the trailer"
		if d.from != 0 {
			from = fmt.Sprintf("signed object %d (%s)", d.from, rv.a.roles[d.from].kind())
		}
		more := ""
		if len(refs) > 1 {
			more = fmt.Sprintf(" and %d more references", len(refs)-1)
		}
		rv.reject(num, kind, rv.coded(fmt.Sprintf("object number %d was undefined at signing but %s refers to it under /%s%s; revision %d defines it, so a hidden object becomes part of the signed document", num, from, d.key, more, rv.k), CodeDanglingReference))
	}
}
