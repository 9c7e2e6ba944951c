package changes

import (
	"github.com/sohoa/sohoa/internal/pdfraw"
)

// ---------------------------------------------------------------------
// The signed revision's document graph.

type walkItem struct {
	ref  pdfraw.Ref
	role objRole
}

type walker struct {
	a     *analyzer
	seen  map[uint32]objRole
	queue []walkItem
}

// walkSigned visits the signed revision's document from its catalog and
// records each object's roles and the dangling references to numbers a
// later revision defines.
func (a *analyzer) walkSigned() error {
	w := &walker{a: a, seen: map[uint32]objRole{}}
	tr := a.f.Trailer(a.r)
	if root, ok := tr["Root"].(pdfraw.Ref); ok {
		w.push(0, "Root", root, roleCatalog, true)
	}
	if info, ok := tr["Info"].(pdfraw.Ref); ok {
		w.push(0, "Info", info, roleInfo, false)
	}
	for len(w.queue) > 0 && a.fatal == nil {
		it := w.queue[len(w.queue)-1]
		w.queue = w.queue[:len(w.queue)-1]
		if !a.visit() {
			break
		}
		o := a.obj(a.r, it.ref)
		role := it.role
		var d pdfraw.Dict
		switch v := o.(type) {
		case pdfraw.Dict:
			d = v
		case *pdfraw.Stream:
			d = v.Dict
		case pdfraw.Array:
			a.roles[it.ref.Num] |= role
			w.value(v, role, true, it.ref.Num, "", 0)
			continue
		default:
			continue
		}
		role = w.refine(it.ref.Num, role, d)
		w.dict(d, role, it.ref.Num, 0)
	}
	return a.fatal
}

// refine settles roles that depend on the object read: a page tree kid is
// a node or a page, a field kid a field or a widget.
func (w *walker) refine(num uint32, role objRole, d pdfraw.Dict) objRole {
	t, _ := d["Type"].(pdfraw.Name)
	sub, _ := d["Subtype"].(pdfraw.Name)
	add := objRole(0)
	switch role {
	case rolePageTree:
		if _, kids := d["Kids"]; !kids || t == "Page" {
			role = rolePage
		}
	case roleField:
		if _, hasT := d["T"]; !hasT && (sub == "Widget" || t == "Annot") {
			role = roleAnnot
		} else if sub == "Widget" {
			add = roleAnnot
		}
	case roleAnnot:
		if _, hasFT := d["FT"]; hasFT {
			add = roleField
		}
	}
	w.a.roles[num] |= role | add
	return role
}

func (w *walker) push(from uint32, key pdfraw.Name, ref pdfraw.Ref, role objRole, read bool) {
	if role == roleAP || role == roleValue {
		o := w.a.owners[ref.Num]
		if o == nil {
			o = map[uint32]bool{}
			w.a.owners[ref.Num] = o
		}
		o[from] = true
	}
	if _, ok := w.a.newSince[ref.Num]; ok {
		if _, used := w.a.usedAt(w.a.r, ref.Num); !used {
			w.a.dangling[ref.Num] = append(w.a.dangling[ref.Num], danglingRef{from: from, key: key, role: role})
		}
	}
	// Page tree kids and field kids get their role once read (refine).
	if !read || (role != rolePageTree && role != roleField) {
		w.a.roles[ref.Num] |= role
	}
	if !read || w.seen[ref.Num]&role != 0 {
		return
	}
	w.seen[ref.Num] |= role
	w.queue = append(w.queue, walkItem{ref, role})
}

func (w *walker) value(v pdfraw.Object, role objRole, read bool, from uint32, key pdfraw.Name, depth int) {
	if depth > 64 {
		return
	}
	switch x := v.(type) {
	case pdfraw.Ref:
		w.push(from, key, x, role, read)
	case pdfraw.Array:
		elem := elemRole(role)
		for _, e := range x {
			w.value(e, elem, read, from, key, depth+1)
		}
	case pdfraw.Dict:
		w.dict(x, role, from, depth+1)
	case *pdfraw.Stream:
		w.dict(x.Dict, role, from, depth+1)
	}
}

func (w *walker) dict(d pdfraw.Dict, role objRole, from uint32, depth int) {
	if depth > 64 {
		return
	}
	for k, v := range d {
		cr, read, skip := childRole(role, k, d)
		if skip {
			w.refsOnly(v, from, k, depth+1)
			continue
		}
		w.value(v, cr, read, from, k, depth+1)
	}
}

// refsOnly checks the references under a key the walk does not follow
// (back-links, the structure tree, outlines) for dangling ones.
func (w *walker) refsOnly(v pdfraw.Object, from uint32, key pdfraw.Name, depth int) {
	if depth > 64 {
		return
	}
	switch x := v.(type) {
	case pdfraw.Ref:
		if _, ok := w.a.newSince[x.Num]; ok {
			if _, used := w.a.usedAt(w.a.r, x.Num); !used {
				w.a.dangling[x.Num] = append(w.a.dangling[x.Num], danglingRef{from: from, key: key, role: roleOther})
			}
		}
	case pdfraw.Array:
		for _, e := range x {
			w.refsOnly(e, from, key, depth+1)
		}
	case pdfraw.Dict:
		for k, e := range x {
			w.refsOnly(e, from, k, depth+1)
		}
	}
}

// elemRole is the role of the elements of an array with role r: /Annots
// holds annotations, /Fields fields; other arrays pass their role on.
func elemRole(r objRole) objRole {
	switch r {
	case roleAnnots:
		return roleAnnot
	case roleFields:
		return roleField
	}
	return r
}

// childRole says what the value under key of an object with role plays, and
// whether to read it (streams' data is never read, only dictionaries), or
// whether not to follow it at all.
func childRole(role objRole, key pdfraw.Name, d pdfraw.Dict) (objRole, bool, bool) {
	switch key {
	case "Parent", "P", "PieceInfo", "Thumb", "B", "StructParent", "StructParents", "ProcSet":
		return 0, false, true
	case "Metadata":
		return roleMetadata, false, false
	}
	switch role {
	case roleCatalog:
		switch key {
		case "Pages":
			return rolePageTree, true, false
		case "AcroForm":
			return roleAcroForm, true, false
		case "DSS":
			return roleDSS, true, false
		case "StructTreeRoot", "Outlines", "Threads", "Dests", "SpiderInfo":
			return 0, false, true
		case "Extensions":
			return roleExtensions, true, false
		}
		return roleOther, true, false
	case rolePageTree:
		switch key {
		case "Kids":
			return rolePageTree, true, false
		case "Resources":
			return roleResources, true, false
		}
		return roleOther, true, false
	case rolePage:
		switch key {
		case "Contents":
			return roleContent, false, false
		case "Resources", "Group":
			return roleResources, true, false
		case "Annots":
			return roleAnnots, true, false
		}
		return roleOther, true, false
	case roleContent:
		return roleContent, false, false
	case roleResources:
		switch key {
		case "Font":
			return roleResFont, true, false
		case "XObject", "Pattern", "Shading":
			return roleResXObj, true, false
		}
		return roleResources, true, false
	case roleResFont:
		return roleFont, true, false
	case roleResXObj:
		return roleXObject, true, false
	case roleFont:
		switch key {
		case "FontFile", "FontFile2", "FontFile3", "ToUnicode", "CIDToGIDMap", "CIDSet":
			return roleFont, false, false
		case "Resources":
			return roleResources, true, false
		}
		return roleFont, true, false
	case roleXObject:
		if key == "Resources" {
			return roleResources, true, false
		}
		return roleXObject, true, false
	case roleAnnots:
		return roleAnnot, true, false
	case roleAnnot, roleField:
		switch key {
		case "AP":
			return roleAP, true, false
		case "Popup", "IRT":
			return roleAnnot, true, false
		case "Kids":
			return roleField, true, false
		case "V":
			if ft, _ := d["FT"].(pdfraw.Name); ft == "Sig" {
				return roleSig, true, false
			}
			return roleValue, true, false
		case "RV", "AS", "DA", "Q", "MK":
			return roleValue, true, false
		}
		return roleOther, true, false
	case roleValue:
		return roleValue, true, false
	case roleAP:
		if key == "Resources" {
			return roleResources, true, false
		}
		return roleAP, true, false
	case roleAcroForm:
		switch key {
		case "Fields":
			return roleFields, true, false
		case "DR":
			return roleDR, true, false
		}
		return roleOther, true, false
	case roleDR:
		return roleDR, true, false
	case roleExtensions:
		return roleExtensions, true, false
	case roleFields:
		return roleField, true, false
	case roleSig:
		// A signature reference dictionary's /Data points at the object
		// the transform covers (the catalog, for DocMDP and FieldMDP):
		// following it would make the whole document "signature".
		if key == "Data" {
			return 0, false, true
		}
		return roleSig, true, false
	case roleDSS:
		return roleDSS, true, false
	}
	return roleOther, true, false
}
