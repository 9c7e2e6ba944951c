package changes

import (
	"fmt"
	"github.com/sohoa/sohoa"
	"math"
	"sort"
	"strings"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

type formField struct {
	name    string
	ref     pdfraw.Ref // zero when direct
	dict    pdfraw.Dict
	ft      pdfraw.Name
	widgets []widgetRef
	merged  bool
}

type widgetRef struct {
	ref  pdfraw.Ref
	dict pdfraw.Dict
}

// fieldTree lists the fields of the form as of rev by fully qualified name.
func (rv *revCheck) fieldTree(rev int, af pdfraw.Dict) map[string]*formField {
	// Revision k's tree is revision k+1's old one: built once per analysis.
	if t, ok := rv.a.trees[rev]; ok {
		return t
	}
	out := map[string]*formField{}
	rv.a.trees[rev] = out
	if af == nil {
		return out
	}
	a := rv.a
	seen := map[pdfraw.Ref]bool{}
	var walk func(o pdfraw.Object, parent *formField, ft pdfraw.Name, depth int)
	walk = func(o pdfraw.Object, parent *formField, ft pdfraw.Name, depth int) {
		if depth > 64 || a.fatal != nil || !a.visit() {
			return
		}
		ref, isRef := o.(pdfraw.Ref)
		if isRef {
			if seen[ref] {
				return
			}
			seen[ref] = true
		}
		d := a.dict(rev, o)
		if d == nil {
			return
		}
		t, hasT := a.res(rev, d["T"]).(pdfraw.String)
		if !hasT && parent != nil {
			parent.widgets = append(parent.widgets, widgetRef{ref, d})
			return
		}
		name := ""
		if parent != nil {
			name = parent.name
		}
		if hasT {
			name = joinName(name, textString(t.Bytes))
		} else {
			name = fmt.Sprintf("(unnamed field %d %d)", ref.Num, ref.Gen)
		}
		if _, dup := out[name]; dup {
			for i := 2; ; i++ {
				if _, dup := out[fmt.Sprintf("%s[%d]", name, i)]; !dup {
					name = fmt.Sprintf("%s[%d]", name, i)
					break
				}
			}
		}
		if n, ok := a.res(rev, d["FT"]).(pdfraw.Name); ok {
			ft = n
		}
		f := &formField{name: name, dict: d, ft: ft}
		if isRef {
			f.ref = ref
		}
		out[name] = f
		kids, _ := a.res(rev, d["Kids"]).(pdfraw.Array)
		if len(kids) == 0 {
			f.merged = true
			f.widgets = []widgetRef{{f.ref, d}}
			return
		}
		for _, kid := range kids {
			walk(kid, f, ft, depth+1)
		}
	}
	if fields, ok := a.res(rev, af["Fields"]).(pdfraw.Array); ok {
		for _, e := range fields {
			walk(e, nil, "", 0)
		}
	}
	return out
}

// visibleWidget reports whether a widget paints anything: a rectangle of
// non-zero area and neither Hidden nor NoView set.
func (rv *revCheck) visibleWidget(d pdfraw.Dict) bool {
	rect, _ := rv.a.res(rv.k, d["Rect"]).(pdfraw.Array)
	if len(rect) != 4 {
		return false
	}
	var v [4]float64
	for i, e := range rect {
		v[i], _ = numValue(rv.a.res(rv.k, e))
	}
	if math.Abs(v[2]-v[0])*math.Abs(v[3]-v[1]) == 0 {
		return false
	}
	if fl, ok := rv.a.res(rv.k, d["F"]).(pdfraw.Int); ok && fl&(2|32) != 0 {
		return false
	}
	return true
}

// sigValue checks a signature field's new /V: an indirect dictionary created
// after signing, of /Type /Sig or /DocTimeStamp (or untyped with a
// /ByteRange). It returns whether it is a document timestamp.
func (rv *revCheck) sigValue(v pdfraw.Object, field string) (ts bool, problem string) {
	ref, ok := v.(pdfraw.Ref)
	if !ok {
		return false, fmt.Sprintf("signature field %q: /V is not an indirect reference", field)
	}
	if rv.a.existedAtR(ref.Num) {
		return false, fmt.Sprintf("signature field %q: /V points at object %d, which existed at signing (a signature dictionary cannot be reused)", field, ref.Num)
	}
	d, isDict := rv.a.res(rv.k, ref).(pdfraw.Dict)
	if !isDict {
		return false, fmt.Sprintf("signature field %q: /V is not a dictionary", field)
	}
	typ, _ := d["Type"].(pdfraw.Name)
	sub, _ := d["SubFilter"].(pdfraw.Name)
	switch typ {
	case "DocTimeStamp":
		return true, ""
	case "Sig":
		return sub == "ETSI.RFC3161", ""
	case "":
		if _, ok := d["ByteRange"]; ok {
			return sub == "ETSI.RFC3161", ""
		}
	}
	return false, fmt.Sprintf("signature field %q: /V is not a signature dictionary (/Type /%s)", field, typ)
}

func (rv *revCheck) compareFields(oldF, newF map[string]*formField) {
	names := make([]string, 0, len(newF))
	for n := range newF {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if of := oldF[n]; of != nil {
			rv.changedField(of, newF[n])
		} else {
			rv.newField(newF[n])
		}
	}
	var gone []string
	for n := range oldF {
		if newF[n] == nil {
			gone = append(gone, n)
		}
	}
	sort.Strings(gone)
	for _, n := range gone {
		of := oldF[n]
		kind := "form_field"
		if of.ft == "Sig" {
			kind = "signature_field"
		}
		rv.reject(of.ref.Num, kind, rv.coded(fmt.Sprintf("field %q removed from the form", n), CodeFormFieldRemoved, "field", n))
	}
}

func (rv *revCheck) newField(nf *formField) {
	a := rv.a
	if nf.ft != "Sig" {
		rv.reject(nf.ref.Num, "form_field", rv.coded(fmt.Sprintf("new form field %q (type /%s) added after signing; only signature fields may be added", nf.name, nf.ft), CodeFormFieldAdded, "field", nf.name, "type", string(nf.ft)))
		return
	}
	if nf.ref.Num != 0 && a.existedAtR(nf.ref.Num) {
		rv.reject(nf.ref.Num, "signature_field", fmt.Sprintf("object %d of the signed revision turned into a new signature field %q", nf.ref.Num, nf.name))
		return
	}
	visible := false
	for _, w := range nf.widgets {
		if w.ref.Num != 0 && a.existedAtR(w.ref.Num) {
			rv.reject(w.ref.Num, "signature_field", fmt.Sprintf("annotation %d of the signed revision used as the widget of new signature field %q", w.ref.Num, nf.name))
			return
		}
		if rv.visibleWidget(w.dict) {
			visible = true
		}
	}
	cls := clsSign
	what := "new signature field"
	signed := false
	if v, ok := nf.dict["V"]; ok && !isNull(v) {
		signed = true
		ts, problem := rv.sigValue(v, nf.name)
		if problem != "" {
			rv.reject(nf.ref.Num, "signature_field", problem)
			return
		}
		if ts {
			what = "new document timestamp field"
			if !visible {
				cls = clsLTA
			}
		}
	}
	if visible {
		what += " (visible)"
	}
	if !signed && visible && rv.paints(nf) {
		// An empty field whose appearance covers the page is no signature
		// anybody vouches for: as any annotation (the sneaky signature
		// attack). A placeholder without appearance paints nothing.
		cls = clsAnnot
		what = "new unsigned signature field with an appearance"
	}
	reason := rv.coded(fmt.Sprintf("%s %q", what, nf.name), newFieldCodes[what], "field", nf.name)
	rv.signing(cls)
	rv.approve(nf.ref.Num, cls, "signature_field", reason, 0)
	rv.claim(nf.ref, cls, "signature_field", reason)
	for _, w := range nf.widgets {
		rv.sigWidgets[w.ref.Num] = cls
		rv.approve(w.ref.Num, cls, "signature_field", reason, 0)
		rv.claim(w.ref, cls, "signature_field", reason)
	}
}

// paints reports whether one of f's visible widgets has a normal
// appearance.
func (rv *revCheck) paints(f *formField) bool {
	for _, w := range f.widgets {
		if rv.visibleWidget(w.dict) && rv.a.dict(rv.k, w.dict["AP"])["N"] != nil {
			return true
		}
	}
	return false
}

// valueKeys are the keys form filling (or signing a signature field)
// may change on a field or widget: its value and how that value is drawn
// (/DA, /Q, /MK: the field's own default appearance, quadding and
// appearance characteristics, which iText and Acrobat rewrite when they
// fill a field or draw a signature; pyHanko accepts them too).
var valueKeys = []pdfraw.Name{"V", "RV", "AS", "AP", "DA", "Q", "MK"}

// Flags that signing software sets on the fields it signs or locks and
// that change nothing a reader sees: annotation flags Print, ReadOnly,
// Locked and LockedContents (ISO 32000-2 Table 167; Acrobat turns a
// signature widget's /F 4 into 132), and the field flag ReadOnly (Table
// 227; Acrobat sets it on the fields a FieldMDP lock covers).
var (
	harmlessAnnotFlags = []flagRule{{4, "Print"}, {64, "ReadOnly"}, {128, "Locked"}, {512, "LockedContents"}}
	harmlessFieldFlags = []flagRule{{1, "ReadOnly"}}
)

type flagRule struct {
	bit  int64
	name string
}

// harmlessFlags reports whether key is /F or /Ff and changed from old
// (k-1) to cur (k) only by gaining harmless flags, and names them.
func (rv *revCheck) harmlessFlags(key pdfraw.Name, old, cur pdfraw.Dict) (string, bool) {
	var known []flagRule
	switch key {
	case "F":
		known = harmlessAnnotFlags
	case "Ff":
		known = harmlessFieldFlags
	default:
		return "", false
	}
	o, ok := flagValue(rv.a.res(rv.k-1, old[key]))
	n, ok2 := flagValue(rv.a.res(rv.k, cur[key]))
	if !ok || !ok2 || o&^n != 0 {
		return "", false
	}
	added := n &^ o
	// Print makes a widget that shows nowhere (Hidden, NoView) print.
	if key == "F" && added&4 != 0 && o&(2|32) != 0 {
		return "", false
	}
	var names []string
	for _, f := range known {
		if added&f.bit != 0 {
			added &^= f.bit
			names = append(names, f.name)
		}
	}
	if added != 0 || len(names) == 0 {
		return "", false
	}
	return fmt.Sprintf("/%s %d → %d (%s set)", key, o, n, strings.Join(names, ", ")), true
}

func flagValue(o pdfraw.Object) (int64, bool) {
	switch v := o.(type) {
	case nil, pdfraw.Null:
		return 0, true
	case pdfraw.Int:
		return int64(v), v >= 0
	}
	return 0, false
}

// newFieldCodes codes the ways newField names a new signature field.
var newFieldCodes = map[string]sohoa.ReasonCode{
	"new signature field":                             CodeSignatureFieldAdded,
	"new signature field (visible)":                   CodeVisibleSignatureFieldAdded,
	"new document timestamp field":                    CodeDocTimestampFieldAdded,
	"new document timestamp field (visible)":          CodeVisibleDocTimestampField,
	"new unsigned signature field with an appearance": CodeUnsignedFieldWithAppear,
}
