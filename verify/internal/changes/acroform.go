package changes

import (
	"fmt"
	"strings"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

func (rv *revCheck) acroForm(oldV, newV pdfraw.Object, changed bool) {
	a, k := rv.a, rv.k
	oldAF := a.dict(k-1, oldV)
	newAF := a.dict(k, newV)
	oldRef, oldIsRef := oldV.(pdfraw.Ref)
	newRef, newIsRef := newV.(pdfraw.Ref)
	// The fields first: whether this revision signs decides what the
	// form's own entries may do.
	oldFields := rv.fieldTree(k-1, oldAF)
	newFields := rv.fieldTree(k, newAF)
	rv.compareFields(oldFields, newFields)
	// Form defaults that signing software adds with a signature (/DA, /DR
	// and /Q for the new widget's appearance) are part of signing when no
	// existing field can be repainted from them: NeedAppearances is off
	// and every field has its own appearance stream.
	painted := rv.fieldsPainted(newFields)
	// The AcroForm dictionary object itself.
	cls := clsLTA
	var why, bad []string
	if newV == nil && oldV != nil {
		bad = append(bad, "/AcroForm removed from the catalog")
	}
	if oldAF != nil || newAF != nil {
		if oldAF == nil {
			oldAF = pdfraw.Dict{}
		}
		if newAF == nil {
			newAF = pdfraw.Dict{}
		}
		needApp := false
		if b, ok := a.res(k, newAF["NeedAppearances"]).(pdfraw.Bool); ok && bool(b) {
			needApp = true
		}
		for _, key := range rv.diffKeys(oldAF, newAF) {
			_, has := newAF[key]
			switch key {
			case "Fields":
				why = append(why, "/Fields updated")
			case "SigFlags":
				why = append(why, "/SigFlags updated")
			case "DR", "DA", "Q":
				// Quiet: no field is drawn from this default (readers that
				// render text fields themselves, as pdf.js does, use the
				// /DA and /Q a field inherits even when it has an
				// appearance stream).
				quiet := !needApp && painted && (key == "DR" || !rv.fieldsInherit(newFields, key))
				if !has && quiet {
					why = append(why, fmt.Sprintf("/%s removed (no field is drawn from it)", key))
					continue
				}
				if rv.signs && quiet && has && (key != "DR" || rv.extendsValue(oldAF[key], newAF[key])) {
					cls = max(cls, rv.signCls)
					why = append(why, fmt.Sprintf("/%s %s with the new signature", key, verb(oldAF[key] != nil, true)))
					rv.claim(newAF[key], rv.signCls, "acroform", "form default resources")
					continue
				}
				if !quiet && len(a.perms.FieldLocks) > 0 {
					// Fields repainted from the new defaults would change
					// the look of fields a FieldMDP lock protects.
					bad = append(bad, fmt.Sprintf("/%s changed while fields locked by FieldMDP are painted from it", key))
					continue
				}
				cls = max(cls, clsForm)
				why = append(why, fmt.Sprintf("/%s changed", key))
				rv.claim(newAF[key], clsForm, "acroform", "form default resources")
			case "NeedAppearances", "CO":
				cls = max(cls, clsForm)
				why = append(why, fmt.Sprintf("/%s changed", key))
				rv.claim(newAF[key], clsForm, "acroform", "form entry /"+string(key))
			default:
				bad = append(bad, fmt.Sprintf("/AcroForm entry /%s changed", key))
			}
		}
	}
	judgeAF := func(num uint32) {
		if len(bad) > 0 {
			rv.reject(num, "acroform", strings.Join(bad, "; "))
			return
		}
		reason := "AcroForm updated"
		if len(why) > 0 {
			reason += ": " + strings.Join(why, ", ")
		}
		rv.approve(num, cls, "acroform", reason, roleAcroForm)
	}
	switch {
	case newIsRef && (!oldIsRef || oldRef != newRef):
		if a.existedAtR(newRef.Num) && !(oldIsRef && oldRef == newRef) {
			rv.reject(newRef.Num, "acroform", fmt.Sprintf("/AcroForm now points at object %d, which existed at signing", newRef.Num))
		} else {
			judgeAF(newRef.Num)
		}
	case newIsRef:
		if t := rv.touched[newRef.Num]; t != nil && !t.settled {
			judgeAF(newRef.Num)
		}
	case changed || len(bad) > 0:
		// A direct AcroForm: its verdict folds into the catalog's, which
		// only sees "AcroForm" as handled; record problems on the catalog.
		if len(bad) > 0 {
			if root, ok := a.f.Trailer(k)["Root"].(pdfraw.Ref); ok {
				rv.reject(root.Num, "acroform", strings.Join(bad, "; "))
			}
		} else if len(why) > 0 {
			if root, ok := a.f.Trailer(k)["Root"].(pdfraw.Ref); ok {
				rv.approve(root.Num, cls, "catalog", "AcroForm updated: "+strings.Join(why, ", "), roleCatalog)
			}
		}
	}
	// The /Fields array when it is an object of its own.
	if fr, ok := newAF["Fields"].(pdfraw.Ref); ok {
		if t := rv.touched[fr.Num]; t != nil && !t.settled {
			if or, ok := oldAF["Fields"].(pdfraw.Ref); ok && or != fr && a.existedAtR(fr.Num) {
				rv.reject(fr.Num, "acroform", fmt.Sprintf("/Fields now points at object %d, which existed at signing", fr.Num))
			} else {
				rv.approve(fr.Num, clsLTA, "acroform", "AcroForm /Fields array updated", roleFields)
			}
		}
	}
	rv.resourcesInPlace(oldAF, newAF, !needAppearances(a, k, newAF) && painted)
}

func needAppearances(a *analyzer, k int, af pdfraw.Dict) bool {
	b, ok := a.res(k, af["NeedAppearances"]).(pdfraw.Bool)
	return ok && bool(b)
}

// fieldsInherit reports whether a visible non-signature field takes key
// (/DA or /Q) from the form: neither it nor its widget sets its own.
func (rv *revCheck) fieldsInherit(fields map[string]*formField, key pdfraw.Name) bool {
	for _, f := range fields {
		if f.ft == "Sig" {
			continue
		}
		if _, own := f.dict[key]; own {
			continue
		}
		for _, w := range f.widgets {
			if _, own := w.dict[key]; !own && rv.visibleWidget(w.dict) {
				return true
			}
		}
	}
	return false
}

// fieldsPainted reports whether every visible widget of a field a reader
// would paint from the form's defaults carries a normal appearance (/AP
// /N), so that none is repainted from them. Signature fields are never
// painted from /DA.
func (rv *revCheck) fieldsPainted(fields map[string]*formField) bool {
	for _, f := range fields {
		if f.ft == "Sig" {
			continue
		}
		for _, w := range f.widgets {
			if !rv.visibleWidget(w.dict) {
				continue
			}
			ap := rv.a.dict(rv.k, w.dict["AP"])
			if ap["N"] == nil {
				return false
			}
		}
	}
	return true
}

// extendsValue reports whether cur (as of k) keeps everything old (as of
// k-1) held: equal values, or for direct dictionaries, every old entry
// kept the same way, new entries added. New objects an equal comparison
// reaches are copies of signed values.
func (rv *revCheck) extendsValue(old, cur pdfraw.Object) bool {
	return rv.extends(old, cur, 0)
}

func (rv *revCheck) extends(old, cur pdfraw.Object, depth int) bool {
	if old == nil {
		return true
	}
	or, oRef := old.(pdfraw.Ref)
	nr, nRef := cur.(pdfraw.Ref)
	if oRef && nRef && or == nr {
		return true // the object itself is judged where it is redefined
	}
	od, oDict := rv.a.res(rv.k-1, old).(pdfraw.Dict)
	nd, nDict := rv.a.res(rv.k, cur).(pdfraw.Dict)
	if oDict && nDict && depth < 8 {
		for _, key := range sortedKeys(od) {
			v, ok := nd[key]
			if !ok || !rv.extends(od[key], v, depth+1) {
				return false
			}
		}
		return true
	}
	eq := rv.newEq()
	ok, err := eq.eq(old, cur, 0)
	if err != nil {
		rv.a.soft(err)
		return false
	}
	if ok {
		eq.claimCopies()
	}
	return ok
}

// resourcesInPlace judges the form's default resources (/DR) and their
// sub-dictionaries redefined in place: only extended (entries added, none
// changed or removed), at the class of the signature this revision adds
// when it adds one and no field can be repainted from them, else as form
// filling.
func (rv *revCheck) resourcesInPlace(oldAF, newAF pdfraw.Dict, quiet bool) {
	a, k := rv.a, rv.k
	var refs []pdfraw.Ref
	if r, ok := newAF["DR"].(pdfraw.Ref); ok {
		refs = append(refs, r)
	}
	for _, key := range sortedKeys(a.dict(k, newAF["DR"])) {
		if r, ok := a.dict(k, newAF["DR"])[key].(pdfraw.Ref); ok {
			refs = append(refs, r)
		}
	}
	for _, r := range refs {
		t := rv.touched[r.Num]
		if t == nil || t.settled || !t.atR || !t.prevUse {
			continue
		}
		od, nd := dictOf(t.old), dictOf(t.cur)
		if od == nil || nd == nil || isStreamObj(t.cur) || !rv.extends(od, nd, 0) {
			continue // left to the default verdict: a signed object changed
		}
		cls, reason := clsForm, "form default resources (/DR) extended in place"
		if rv.signs && quiet {
			cls, reason = rv.signCls, reason+" with the new signature"
		}
		rv.approve(r.Num, cls, "acroform", reason, roleDR)
		for _, key := range sortedKeys(nd) {
			if _, had := od[key]; !had {
				rv.claim(nd[key], cls, "acroform", "form default resources")
			}
		}
	}
}
