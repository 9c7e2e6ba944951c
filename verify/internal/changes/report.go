package changes

import (
	"fmt"
	"github.com/sohoa/sohoa"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// finish turns the judgements into report entries.
func (rv *revCheck) finish() {
	a, k := rv.a, rv.k
	nums := map[uint32]bool{}
	for n := range rv.touched {
		nums[n] = true
	}
	for n := range rv.judges {
		nums[n] = true
	}
	order := make([]uint32, 0, len(nums))
	for n := range nums {
		order = append(order, n)
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })

	gen := func(num uint32) uint16 {
		if t := rv.touched[num]; t != nil {
			return t.ref.Gen
		}
		g, _ := a.usedAt(k, num)
		return g
	}
	badSet := map[uint32]bool{}
	var pending []uint32
	for _, num := range order {
		j := rv.judges[num]
		t := rv.touched[num]
		switch {
		case j != nil && len(j.bad) > 0:
			kind := j.badKind
			if kind == "" {
				kind = rv.kindOf(num)
			}
			rv.disallowed = append(rv.disallowed, ObjectChange{Object: objName(num, gen(num)), Revision: k, Kind: kind, Reason: strings.Join(j.bad, "; "),
				Reasons: rv.reasonsFor(j.bad, CodeDisallowed)})
			badSet[num] = true
			a.notePrior(num, priorVerdict{bad: true, kind: kind, rev: k})
		case j != nil && j.set:
			ok, why := a.perms.allows(j.cls)
			reason := strings.Join(j.reasons, "; ")
			reasons := rv.reasonsFor(j.reasons, CodeAllowed)
			if ok {
				rv.allowed = append(rv.allowed, ObjectChange{Object: objName(num, gen(num)), Revision: k, Kind: j.kind, Reason: reason, Reasons: reasons})
				switch j.kind {
				case "form_field", "signature_field", "annotation", "info", "metadata":
					if j.cls >= clsMeta {
						rv.note(reason, reasons[0])
					}
				}
			} else {
				rv.disallowed = append(rv.disallowed, ObjectChange{Object: objName(num, gen(num)), Revision: k, Kind: j.kind, Reason: reason + ": " + why,
					Reasons: append(reasons, permissionReason(why))})
				badSet[num] = true
			}
			a.notePrior(num, priorVerdict{cls: j.cls, bad: !ok, kind: j.kind, copy: rv.copies[num], rev: k})
		case t != nil && t.atR:
			reason := "object of the signed revision changed"
			if od, nd := dictOf(t.old), dictOf(t.cur); od != nil && nd != nil {
				if keys := rv.diffKeys(od, nd); len(keys) > 0 {
					reason += " (" + keyList(keys) + ")"
				} else if isStreamObj(t.cur) {
					reason += " (stream data)"
				}
			}
			if isStreamObj(t.cur) {
				reason += "; streams are never redefined in place by an allowed change"
			}
			kind := rv.kindOf(num)
			coded := sohoa.NewReason(CodeSignedObjectChanged)
			if od, nd := dictOf(t.old), dictOf(t.cur); kind == "page" && od != nil && nd != nil {
				coded = sohoa.NewReason(CodePageModified, "keys", keyList(rv.diffKeys(od, nd)))
			}
			rv.disallowed = append(rv.disallowed, ObjectChange{Object: objName(num, gen(num)), Revision: k, Kind: kind, Reason: reason, Reasons: []sohoa.Reason{coded}})
			badSet[num] = true
		case t != nil:
			pending = append(pending, num)
		}
	}
	// Objects created after signing that no rule cleared: part of a
	// disallowed change if one reaches them, else unreferenced.
	if len(pending) > 0 {
		partOf := map[uint32]uint32{}
		partKind := map[uint32]string{}
		var from []uint32
		for n := range badSet {
			from = append(from, n)
		}
		sort.Slice(from, func(i, j int) bool { return from[i] < from[j] })
		seen := map[uint32]bool{}
		for _, root := range from {
			var stack []pdfraw.Object
			if t := rv.touched[root]; t != nil {
				stack = append(stack, t.cur)
			} else {
				stack = append(stack, a.obj(k, pdfraw.Ref{Num: root, Gen: gen(root)}))
			}
			for len(stack) > 0 && a.fatal == nil {
				o := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				eachRef(o, func(r pdfraw.Ref, key, parent pdfraw.Name) {
					if seen[r.Num] || !a.isNew(r.Num) || !a.visit() {
						return
					}
					seen[r.Num] = true
					if _, ok := partOf[r.Num]; !ok {
						partOf[r.Num] = root
						partKind[r.Num] = kindFromKey(key, parent)
					}
					stack = append(stack, a.obj(k, r))
				})
			}
		}
		for _, num := range pending {
			t := rv.touched[num]
			name := objName(num, t.ref.Gen)
			if rv.copies[num] && !t.prevUse {
				rv.allowed = append(rv.allowed, ObjectChange{Object: name, Revision: k, Kind: rv.kindOf(num), Reason: "copy of a signed value with the same content"})
				a.notePrior(num, priorVerdict{cls: clsLTA, kind: rv.kindOf(num), copy: true, rev: k})
				continue
			}
			if root, ok := partOf[num]; ok {
				kind := rv.kindOf(num)
				if kind == "unknown" && partKind[num] != "" {
					kind = partKind[num]
				}
				rv.disallowed = append(rv.disallowed, ObjectChange{Object: name, Revision: k, Kind: kind,
					Reason:  fmt.Sprintf("new object referenced by the disallowed change of object %d", root),
					Reasons: []sohoa.Reason{sohoa.NewReason(CodePartOfDisallowed, "root", strconv.FormatUint(uint64(root), 10))}})
				continue
			}
			if p, ok := a.prior[num]; ok && t.prevUse {
				if p.bad {
					rv.disallowed = append(rv.disallowed, ObjectChange{Object: name, Revision: k, Kind: p.kind, Reason: "object added by a disallowed change redefined"})
					continue
				}
				if p.copy {
					rv.disallowed = append(rv.disallowed, ObjectChange{Object: name, Revision: k, Kind: p.kind,
						Reason: fmt.Sprintf("object stands in for signed content (revision %d made it a copy of a signed value) and is now redefined with other content", p.rev)})
					a.notePrior(num, priorVerdict{bad: true, kind: p.kind, rev: k})
					continue
				}
				if ok, why := a.perms.allows(p.cls); !ok {
					rv.disallowed = append(rv.disallowed, ObjectChange{Object: name, Revision: k, Kind: p.kind, Reason: "object added after signing redefined: " + why})
					continue
				}
				rv.allowed = append(rv.allowed, ObjectChange{Object: name, Revision: k, Kind: p.kind, Reason: "object added after signing by an allowed change, redefined"})
				continue
			}
			rv.allowed = append(rv.allowed, ObjectChange{Object: name, Revision: k, Kind: rv.kindOf(num), Reason: "unreferenced object: nothing in the document refers to it"})
			a.notePrior(num, priorVerdict{cls: clsLTA, kind: rv.kindOf(num), rev: k})
		}
	}
	rv.completeReasons()
	a.rep.Notes = append(a.rep.Notes, rv.notes...)
	for _, r := range rv.noteReasons {
		a.rep.NoteReasons = append(a.rep.NoteReasons, withPlace(r, "", k))
	}
	a.rep.Allowed = append(a.rep.Allowed, capList(rv.allowed, k, "allowed")...)
	a.rep.Disallowed = append(a.rep.Disallowed, capList(rv.disallowed, k, "disallowed")...)
}

// completeReasons gives every entry of revision k coded reasons (generic
// ones for a finding no rule coded) with the parameters object and
// revision.
func (rv *revCheck) completeReasons() {
	for _, l := range []struct {
		list    []ObjectChange
		generic sohoa.ReasonCode
	}{{rv.allowed, CodeAllowed}, {rv.disallowed, CodeDisallowed}} {
		list, generic := l.list, l.generic
		for i := range list {
			c := &list[i]
			if len(c.Reasons) == 0 {
				c.Reasons = []sohoa.Reason{sohoa.NewReason(generic, "detail", c.Reason)}
			}
			for j := range c.Reasons {
				c.Reasons[j] = withPlace(c.Reasons[j], c.Object, c.Revision)
			}
		}
	}
}

// withPlace returns r with the parameters object (the object's number,
// when given) and revision (counted from 1, as in the notes) added; r's
// own parameters are not changed in place.
func withPlace(r sohoa.Reason, object string, rev int) sohoa.Reason {
	params := make(map[string]string, len(r.Params)+2)
	for k, v := range r.Params {
		params[k] = v
	}
	if _, ok := params["object"]; !ok && object != "" {
		params["object"] = strings.SplitN(object, " ", 2)[0]
	}
	if _, ok := params["revision"]; !ok {
		params["revision"] = strconv.Itoa(rev + 1)
	}
	r.Params = params
	return r
}

// permissionReason codes why the permissions refuse a change (allows).
func permissionReason(why string) sohoa.Reason {
	switch why {
	case whyP1:
		return sohoa.NewReason(CodeNoChangesPermitted)
	case whyAnnotsNeedP3:
		return sohoa.NewReason(CodeAnnotationsNeedP3)
	case whyP2NoAnnots:
		return sohoa.NewReason(CodeP2NoAnnotations)
	}
	return sohoa.NewReason(CodeNotPermitted, "detail", why)
}

// capList sorts one revision's entries and summarises those past
// maxListed.
func capList(list []ObjectChange, k int, what string) []ObjectChange {
	sort.SliceStable(list, func(i, j int) bool { return objLess(list[i].Object, list[j].Object) })
	if len(list) <= maxListed {
		return list
	}
	rest := len(list) - maxListed
	out := append(list[:maxListed:maxListed], ObjectChange{Object: "…", Revision: k, Kind: "unknown",
		Reason: fmt.Sprintf("%d more %s changes in this revision not listed", rest, what)})
	return out
}

// objLess orders "trailer" entries first, then objects by number.
func objLess(x, y string) bool {
	nx, ex := strconv.Atoi(strings.SplitN(x, " ", 2)[0])
	ny, ey := strconv.Atoi(strings.SplitN(y, " ", 2)[0])
	switch {
	case ex != nil && ey != nil:
		return x < y
	case ex != nil:
		return true
	case ey != nil:
		return false
	}
	return nx < ny
}

// eachRef calls fn for every reference directly inside o (not behind
// other references), with the dictionary key it sits under and the key
// above that.
func eachRef(o pdfraw.Object, fn func(r pdfraw.Ref, key, parent pdfraw.Name)) {
	var rec func(o pdfraw.Object, key, parent pdfraw.Name, depth int)
	rec = func(o pdfraw.Object, key, parent pdfraw.Name, depth int) {
		if depth > 64 {
			return
		}
		switch v := o.(type) {
		case pdfraw.Ref:
			fn(v, key, parent)
		case pdfraw.Array:
			for _, e := range v {
				rec(e, key, parent, depth+1)
			}
		case pdfraw.Dict:
			for _, k := range sortedKeys(v) {
				if backLink(v, k) {
					continue
				}
				rec(v[k], k, key, depth+1)
			}
		case *pdfraw.Stream:
			rec(v.Dict, key, parent, depth+1)
		}
	}
	rec(o, "", "", 0)
}

// kindFromKey guesses what a referenced object is from where it is
// referenced, for objects whose dictionary does not say.
func kindFromKey(key, parent pdfraw.Name) string {
	switch key {
	case "Contents":
		return "content_stream"
	case "Annots", "Popup", "IRT":
		return "annotation"
	case "AP":
		return "appearance"
	case "Resources", "ExtGState", "ColorSpace", "Properties":
		return "resources"
	case "FontDescriptor", "FontFile", "FontFile2", "FontFile3", "DescendantFonts", "ToUnicode", "Widths", "Encoding":
		return "font"
	case "Kids", "Pages":
		return "page_tree"
	}
	switch parent {
	case "Font":
		return "font"
	case "XObject", "Pattern", "Shading":
		return "xobject"
	case "AP":
		return "appearance"
	}
	return ""
}

// textString decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM,
// else PDFDocEncoding approximated by Latin-1).
func textString(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return strings.ToValidUTF8(string(b[3:]), "\uFFFD")
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

func joinName(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// Report lists what later revisions changed after a signature.
type Report struct {
	LaterRevisions int `json:"later_revisions"`
	// Notes say in a line each what the allowed changes did (fields
	// filled, signatures added, metadata updated), by revision (1 is the
	// file's first), so an auditor sees them without reading objects.
	Notes []string `json:"notes,omitempty"`
	// NoteReasons are the notes' coded reasons (same order).
	NoteReasons []sohoa.Reason `json:"note_reasons,omitempty"`
	Allowed     []ObjectChange `json:"allowed"`
	Disallowed  []ObjectChange `json:"disallowed"`
}

// ObjectChange is one object added or redefined after signing.
type ObjectChange struct {
	Object   string `json:"object"` // "12 0"
	Revision int    `json:"revision"`
	Kind     string `json:"kind"` // e.g. "signature", "page", "content_stream", "catalog"
	Reason   string `json:"reason"`
	// Reasons are the coded reasons of Reason, each with the parameters
	// object and revision (counted from 1) and those its message names.
	Reasons []sohoa.Reason `json:"reasons,omitempty"`
}
