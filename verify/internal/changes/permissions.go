package changes

import (
	"fmt"
	"strings"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// revision.
type Permissions struct {
	// DocMDP is 0 when no certification signature covers the revision
	// (approval signatures only), else the smallest P found: 1 no changes,
	// 2 form filling and signing, 3 also annotations.
	DocMDP int
	// FieldLocks holds the fully qualified names of the fields locked by
	// FieldMDP (a signed signature field's /Lock, or a FieldMDP transform
	// of a signature signed at or before the signed revision); "*" locks
	// every field. A locked name locks its descendants too.
	FieldLocks map[string]bool
}

func (p Permissions) fieldLocked(name string) bool {
	if p.FieldLocks["*"] || p.FieldLocks[name] {
		return true
	}
	for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
		if p.FieldLocks[name[:i]] {
			return true
		}
	}
	return false
}

// class is the permission level a change needs (see the file comment).
type class int

const (
	clsLTA class = iota
	clsMeta
	clsSign
	clsForm
	clsAnnot
)

// Why the permissions refuse a change (allows), as the report says it.
const (
	whyP1           = "the certification signature permits no changes (DocMDP P=1)"
	whyAnnotsNeedP3 = "annotations need a certification signature with DocMDP P=3; an approval signature alone permits none"
	whyP2NoAnnots   = "DocMDP P=2 permits form filling and signing, not annotations"
)

// allows reports whether p permits changes of class c, and if not why.
func (p Permissions) allows(c class) (bool, string) {
	switch c {
	case clsLTA, clsMeta:
		return true, ""
	case clsSign:
		if p.DocMDP == 1 {
			return false, whyP1
		}
		return true, ""
	case clsForm:
		// With approval signatures only, form filling is allowed as under
		// DocMDP P=2 (pyHanko's rule; FieldMDP locks still apply).
		if p.DocMDP == 1 {
			return false, whyP1
		}
		return true, ""
	case clsAnnot:
		switch p.DocMDP {
		case 0:
			return false, whyAnnotsNeedP3
		case 1:
			return false, whyP1
		case 2:
			return false, whyP2NoAnnots
		}
		return true, ""
	}
	return false, "unknown change class"
}

// maxVisits bounds the objects one analysis visits (walks, comparisons,
// claims).
const maxVisits = 1_000_000

// maxListed bounds the entries one revision adds to each list of the
// report; the rest are summarised in one entry.
const maxListed = 500

// ReadPermissions derives the permissions for a signature signed in
// revision signedRev: the smallest DocMDP P of the certification signature
// in /Perms /DocMDP of the catalog as of signedRev, and of any signature
// dictionary filled in by then that carries a DocMDP transform (pdfsign
// writes the transform but no /Perms entry: the signer's intent is honoured
// rather than silently dropped); and the FieldMDP locks of the signatures
// signed at or before signedRev: a signed field's /Lock, /Reference entries
// with /TransformMethod /FieldMDP, and a FieldMDP transform written directly
// in the signature dictionary (pdfsign's approval signatures). A /Perms
// /DocMDP signature without a DocMDP transform counts as P=1, an invalid P
// as P=1, a missing P as 2 (the ISO 32000 default), an unknown FieldMDP
// /Action as All.
func ReadPermissions(f *pdfraw.File, signedRev int) (Permissions, error) {
	p := Permissions{FieldLocks: map[string]bool{}}
	if f == nil || signedRev < 0 || signedRev >= len(f.Sections()) {
		return p, fmt.Errorf("revision %d out of range", signedRev)
	}
	tr := f.Trailer(signedRev)
	rootRef, ok := tr["Root"].(pdfraw.Ref)
	if !ok {
		return p, fmt.Errorf("trailer of revision %d has no indirect /Root", signedRev)
	}
	rootObj, err := f.Object(signedRev, rootRef)
	if err != nil {
		return p, fmt.Errorf("catalog %d %d: %w", rootRef.Num, rootRef.Gen, err)
	}
	cat, ok := rootObj.(pdfraw.Dict)
	if !ok {
		return p, fmt.Errorf("catalog %d %d is not a dictionary", rootRef.Num, rootRef.Gen)
	}
	res := func(o pdfraw.Object) pdfraw.Object {
		v, err := f.Resolve(signedRev, o)
		if err != nil {
			return nil
		}
		return v
	}
	dictOf := func(o pdfraw.Object) pdfraw.Dict {
		d, _ := res(o).(pdfraw.Dict)
		return d
	}
	docMDP := 0
	takeP := func(n int) {
		if docMDP == 0 || n < docMDP {
			docMDP = n
		}
	}
	// Locks with /Action /Exclude need every field's name: collected below.
	var excludes [][]string
	lock := func(params pdfraw.Dict) {
		action, _ := res(params["Action"]).(pdfraw.Name)
		var names []string
		if arr, ok := res(params["Fields"]).(pdfraw.Array); ok {
			for _, e := range arr {
				if s, ok := res(e).(pdfraw.String); ok {
					names = append(names, textString(s.Bytes))
				}
			}
		}
		switch action {
		case "Include":
			for _, n := range names {
				p.FieldLocks[n] = true
			}
		case "Exclude":
			excludes = append(excludes, names)
		default: // All, or anything unknown: strictest
			p.FieldLocks["*"] = true
		}
	}
	transform := func(method pdfraw.Object, params pdfraw.Object) {
		m, _ := res(method).(pdfraw.Name)
		tp := dictOf(params)
		switch m {
		case "DocMDP":
			pv, present := tp["P"]
			n, isInt := res(pv).(pdfraw.Int)
			switch {
			case tp == nil || !present:
				takeP(2)
			case !isInt || n < 1 || n > 3:
				takeP(1)
			default:
				takeP(int(n))
			}
		case "FieldMDP":
			if tp == nil {
				p.FieldLocks["*"] = true
				return
			}
			lock(tp)
		}
	}
	sigTransforms := func(sig pdfraw.Dict) (hasDocMDP bool) {
		if refs, ok := res(sig["Reference"]).(pdfraw.Array); ok {
			for _, e := range refs {
				sr := dictOf(e)
				if sr == nil {
					continue
				}
				if m, _ := res(sr["TransformMethod"]).(pdfraw.Name); m == "DocMDP" {
					hasDocMDP = true
				}
				transform(sr["TransformMethod"], sr["TransformParams"])
			}
		}
		if _, ok := sig["TransformMethod"]; ok {
			if m, _ := res(sig["TransformMethod"]).(pdfraw.Name); m == "DocMDP" {
				hasDocMDP = true
			}
			transform(sig["TransformMethod"], sig["TransformParams"])
		}
		return hasDocMDP
	}
	if perms := dictOf(cat["Perms"]); perms != nil {
		if _, ok := perms["DocMDP"]; ok {
			if sig := dictOf(perms["DocMDP"]); sig == nil || !sigTransforms(sig) {
				takeP(1)
			}
		}
	}
	// Field tree as of signedRev: signed signature fields and all names.
	var all []string
	seen := map[pdfraw.Ref]bool{}
	visits := 0
	var walk func(o pdfraw.Object, parent string, ft pdfraw.Name, depth int)
	walk = func(o pdfraw.Object, parent string, ft pdfraw.Name, depth int) {
		if depth > 64 || visits > maxVisits {
			return
		}
		visits++
		if r, ok := o.(pdfraw.Ref); ok {
			if seen[r] {
				return
			}
			seen[r] = true
		}
		d := dictOf(o)
		if d == nil {
			return
		}
		name := parent
		if t, ok := res(d["T"]).(pdfraw.String); ok {
			name = joinName(parent, textString(t.Bytes))
		} else if parent != "" {
			return // a widget of the parent field
		}
		if n, ok := res(d["FT"]).(pdfraw.Name); ok {
			ft = n
		}
		all = append(all, name)
		if ft == "Sig" {
			if sig := dictOf(d["V"]); sig != nil {
				sigTransforms(sig)
				if l := dictOf(d["Lock"]); l != nil {
					lock(l)
				}
			}
		}
		if kids, ok := res(d["Kids"]).(pdfraw.Array); ok {
			for _, k := range kids {
				walk(k, name, ft, depth+1)
			}
		}
	}
	if af := dictOf(cat["AcroForm"]); af != nil {
		if fields, ok := res(af["Fields"]).(pdfraw.Array); ok {
			for _, e := range fields {
				walk(e, "", "", 0)
			}
		}
	}
	for _, ex := range excludes {
		skip := map[string]bool{}
		for _, n := range ex {
			skip[n] = true
		}
		for _, n := range all {
			if !skip[n] && n != "" {
				p.FieldLocks[n] = true
			}
		}
	}
	p.DocMDP = docMDP
	return p, nil
}
