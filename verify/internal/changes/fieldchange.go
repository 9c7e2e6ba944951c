package changes

import (
	"fmt"
	"github.com/sohoa/sohoa"
	"sort"
	"strings"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// changedField judges a field that exists in k-1 and k: filled, signed,
// its flags set, or changed otherwise.
func (rv *revCheck) changedField(of, nf *formField) {
	a := rv.a
	kind := "form_field"
	if nf.ft == "Sig" {
		kind = "signature_field"
	}
	if of.ref != nf.ref {
		rv.reject(nf.ref.Num, kind, fmt.Sprintf("field %q is now a different object (%d %d R, was %d %d R)", nf.name, nf.ref.Num, nf.ref.Gen, of.ref.Num, of.ref.Gen))
		return
	}
	// Keys that changed on the field and its widgets; a value key whose
	// indirect object was redefined in place counts too.
	// A field whose objects revision k does not redefine is unchanged but
	// for values it refers to (judged below and where they are redefined).
	untouched := nf.ref.Num != 0 && rv.touched[nf.ref.Num] == nil
	for _, w := range nf.widgets {
		untouched = untouched && w.ref.Num != 0 && rv.touched[w.ref.Num] == nil
	}
	var fieldKeys []pdfraw.Name
	if !nf.merged && !untouched {
		fieldKeys = rv.diffKeys(of.dict, nf.dict, "Kids", "Parent")
	}
	fieldChanged := len(fieldKeys) > 0
	inPlace := map[uint32]bool{}
	// Only an object the key already held when signed can be redefined as
	// that value: pointing a value key at another signed object and
	// redefining it would change that object too.
	noteInPlace := func(old, cur pdfraw.Dict) {
		for _, key := range valueKeys {
			if r, ok := cur[key].(pdfraw.Ref); ok && old[key] == pdfraw.Object(r) {
				if t := rv.touched[r.Num]; t != nil && !t.settled && t.prevUse {
					inPlace[r.Num] = true
				}
			}
		}
	}
	noteInPlace(of.dict, nf.dict)
	type wdiff struct {
		w    widgetRef
		keys []pdfraw.Name
	}
	var wd []wdiff
	oldW := map[pdfraw.Ref]pdfraw.Dict{}
	for _, w := range of.widgets {
		oldW[w.ref] = w.dict
	}
	widgetsChanged := len(of.widgets) != len(nf.widgets)
	for _, w := range nf.widgets {
		od, ok := oldW[w.ref]
		if !ok {
			widgetsChanged = true
			continue
		}
		noteInPlace(od, w.dict)
		if untouched {
			continue
		}
		ign := []pdfraw.Name{"Parent"}
		if nf.merged {
			ign = append(ign, "Kids")
		}
		if keys := rv.diffKeys(od, w.dict, ign...); len(keys) > 0 {
			wd = append(wd, wdiff{w, keys})
		}
	}
	if widgetsChanged {
		rv.reject(nf.ref.Num, kind, fmt.Sprintf("widgets of field %q added or removed", nf.name))
		return
	}
	var apInPlace []uint32
	if rv.hasStreamsInPlace() {
		apInPlace = rv.appearancesInPlace(of, nf)
	}
	if len(fieldKeys) == 0 && len(wd) == 0 && len(inPlace) == 0 && len(apInPlace) == 0 {
		return
	}
	// Harmless flags are set aside; what remains must be value keys.
	var flags []string
	stripFlags := func(keys []pdfraw.Name, old, cur pdfraw.Dict) []pdfraw.Name {
		var out []pdfraw.Name
		for _, key := range keys {
			if note, ok := rv.harmlessFlags(key, old, cur); ok {
				flags = append(flags, note)
				continue
			}
			out = append(out, key)
		}
		return out
	}
	fieldKeys = stripFlags(fieldKeys, of.dict, nf.dict)
	for i := range wd {
		wd[i].keys = stripFlags(wd[i].keys, oldW[wd[i].w.ref], wd[i].w.dict)
	}
	allKeys := append([]pdfraw.Name(nil), fieldKeys...)
	for _, w := range wd {
		allKeys = append(allKeys, w.keys...)
	}
	var other []pdfraw.Name
	valueChanged := len(inPlace) > 0 || len(apInPlace) > 0
	for _, key := range allKeys {
		switch {
		case hasName(valueKeys, key):
			valueChanged = true
		case !hasName(other, key):
			other = append(other, key)
		}
	}
	oldV, newV := of.dict["V"], nf.dict["V"]
	cls := clsForm
	var reason string
	locked := a.perms.fieldLocked(nf.name) && a.existedAtR(nf.ref.Num)
	flagsOnly := !valueChanged && len(other) == 0
	switch {
	case nf.ft == "Sig" && isNull(oldV) && !isNull(newV):
		if len(other) > 0 {
			rv.reject(nf.ref.Num, kind, fmt.Sprintf("signature field %q signed, but %s also changed", nf.name, keyList(other)))
			return
		}
		ts, problem := rv.sigValue(newV, nf.name)
		if problem != "" {
			rv.reject(nf.ref.Num, kind, problem)
			return
		}
		visible := false
		for _, w := range nf.widgets {
			visible = visible || rv.visibleWidget(w.dict)
		}
		cls = clsSign
		reason = rv.coded(fmt.Sprintf("signature field %q signed", nf.name), CodeSignatureFieldSigned, "field", nf.name)
		if ts && !visible {
			cls = clsLTA
			reason = rv.coded(fmt.Sprintf("document timestamp added to signature field %q", nf.name), CodeDocTimestampAdded, "field", nf.name)
		} else if locked {
			rv.reject(nf.ref.Num, kind, rv.coded(fmt.Sprintf("signature field %q is locked by a FieldMDP lock and cannot be signed", nf.name), CodeSignatureFieldLocked, "field", nf.name))
			return
		}
		rv.signing(cls)
		for _, w := range nf.widgets {
			rv.sigWidgets[w.ref.Num] = cls
		}
	case flagsOnly:
		// Allowed on locked fields too: the flags only stop interaction.
		cls = clsSign
		reason = rv.coded(fmt.Sprintf("field %q: flags set by a signing application", nf.name), CodeFieldFlagsSet, "field", nf.name)
	case nf.ft == "Sig" && !isNull(oldV):
		rv.reject(nf.ref.Num, kind, rv.coded(fmt.Sprintf("signature field %q was already signed and changed (%s)", nf.name, keyList(allKeys)), CodeSignedFieldChanged, "field", nf.name, "keys", keyList(allKeys)))
		return
	default:
		if len(other) > 0 {
			rv.reject(nf.ref.Num, kind, rv.coded(fmt.Sprintf("field %q: %s changed (form filling may change only /V, /RV, /AS, /AP, /DA, /Q and /MK)", nf.name, keyList(other)), CodeFormFieldChanged, "field", nf.name, "keys", keyList(other)))
			return
		}
		if locked {
			rv.reject(nf.ref.Num, kind, rv.coded(fmt.Sprintf("field %q is locked by FieldMDP and was changed (%s)", nf.name, keyList(allKeys)), CodeFieldLocked, "field", nf.name, "keys", keyList(allKeys)))
			return
		}
		reason = rv.coded(fmt.Sprintf("form field %q filled", nf.name), CodeFormFieldFilled, "field", nf.name)
	}
	if len(flags) > 0 {
		coded, hasCode := rv.codes[reason]
		reason += " (" + strings.Join(flags, "; ") + ")"
		if hasCode {
			rv.codes[reason] = sohoa.NewReason(coded.Code, "field", nf.name, "flags", strings.Join(flags, "; "))
		}
	}
	// Approve the field, the changed widgets and in-place value objects;
	// claim the new objects the changed values bring.
	if fieldChanged || (nf.merged && len(wd) > 0) {
		rv.approve(nf.ref.Num, cls, kind, reason, roleField|roleAnnot)
	}
	for _, key := range fieldKeys {
		rv.claim(nf.dict[key], cls, kind, reason)
	}
	for _, w := range wd {
		rv.approve(w.w.ref.Num, cls, kind, reason, roleField|roleAnnot)
		for _, key := range w.keys {
			rv.claim(w.w.dict[key], cls, kind, reason)
		}
	}
	mine := map[uint32]bool{}
	if of.ref.Num != 0 {
		mine[of.ref.Num] = true
	}
	for _, w := range of.widgets {
		if w.ref.Num != 0 {
			mine[w.ref.Num] = true
		}
	}
	for num := range inPlace {
		if _, isStream := rv.touched[num].cur.(*pdfraw.Stream); isStream {
			continue // judged by appearancesInPlace when it is an appearance
		}
		roles := a.roles[num]
		if roles&^(roleValue|roleAP) != 0 || !rv.ownedBy(num, mine) {
			rv.reject(num, kind, fmt.Sprintf("%s, but the value object it redefines is also used elsewhere in the signed document (%s)", reason, roleNames(roles)))
			continue
		}
		rv.approve(num, cls, kind, reason+" (value object redefined)", roles)
		rv.claim(rv.touched[num].cur, cls, kind, reason)
	}
	for _, num := range apInPlace {
		rv.approve(num, cls, kind, reason+" (appearance stream regenerated in place)", roleAP)
		rv.claim(rv.touched[num].cur, cls, kind, reason)
	}
}

// hasStreamsInPlace reports whether revision k redefines any stream of the
// signed revision in place (computed once per revision).
func (rv *revCheck) hasStreamsInPlace() bool {
	if rv.streamsInPlace == 0 {
		rv.streamsInPlace = -1
		for _, t := range rv.touched {
			if !t.settled && t.atR && t.prevUse && isStreamObj(t.cur) {
				rv.streamsInPlace = 1
				break
			}
		}
	}
	return rv.streamsInPlace > 0
}

// appearancesInPlace lists the appearance streams of nf's widgets that
// revision k redefines in place (iText and Acrobat regenerate a filled
// field's appearance under the same object number). Only streams that the
// signed revision used as appearances of this field alone qualify: a
// stream shared with another field or with page content is judged as that
// (and disallowed) wherever it is redefined.
func (rv *revCheck) appearancesInPlace(of, nf *formField) []uint32 {
	a, k := rv.a, rv.k-1
	// The field's own objects as signed: the field, its widgets, and the
	// indirect appearance and state dictionaries only they refer to.
	mine := map[uint32]bool{}
	if of.ref.Num != 0 {
		mine[of.ref.Num] = true
	}
	for _, w := range of.widgets {
		if w.ref.Num != 0 {
			mine[w.ref.Num] = true
		}
	}
	var dicts []uint32
	streams := map[uint32]bool{}
	for _, w := range of.widgets {
		ap := w.dict["AP"]
		if r, ok := ap.(pdfraw.Ref); ok {
			dicts = append(dicts, r.Num)
		}
		apd, _ := a.res(k, ap).(pdfraw.Dict)
		for _, key := range []pdfraw.Name{"N", "R", "D"} {
			v := apd[key]
			r, isRef := v.(pdfraw.Ref)
			switch x := a.res(k, v).(type) {
			case *pdfraw.Stream:
				if isRef {
					streams[r.Num] = true
				}
			case pdfraw.Dict: // appearance states
				if isRef {
					dicts = append(dicts, r.Num)
				}
				for _, st := range sortedKeys(x) {
					if sr, ok := x[st].(pdfraw.Ref); ok {
						if _, isStream := a.res(k, sr).(*pdfraw.Stream); isStream {
							streams[sr.Num] = true
						}
					}
				}
			}
		}
	}
	// An appearance dictionary counts as the field's own only when nothing
	// but the field's objects refers to it (two passes: an appearance
	// dictionary under another one of the field's own).
	for range 2 {
		for _, d := range dicts {
			if rv.ownedBy(d, mine) {
				mine[d] = true
			}
		}
	}
	var out []uint32
	for num := range streams {
		t := rv.touched[num]
		if t == nil || t.settled || !t.atR || !t.prevUse || !isStreamObj(t.cur) {
			continue
		}
		if extra := a.roles[num] &^ roleAP; extra != 0 {
			rv.reject(num, "appearance", fmt.Sprintf("appearance stream of field %q redefined in place, but the signed document also uses it as %s", nf.name, extra.names()))
			continue
		}
		if !rv.ownedBy(num, mine) {
			rv.reject(num, "appearance", fmt.Sprintf("appearance stream of field %q redefined in place, but the signed document also uses it outside this field", nf.name))
			continue
		}
		out = append(out, num)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// ownedBy reports whether everything in the signed document that refers
// to object num as an appearance or a field value is in objs.
func (rv *revCheck) ownedBy(num uint32, objs map[uint32]bool) bool {
	for from := range rv.a.owners[num] {
		if !objs[from] {
			return false
		}
	}
	return len(rv.a.owners[num]) > 0
}

func isNull(o pdfraw.Object) bool {
	switch o.(type) {
	case nil, pdfraw.Null:
		return true
	}
	return false
}
