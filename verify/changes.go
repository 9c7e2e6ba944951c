package verify

// Changes after signing.
//
// A signature covers one revision of a PDF. Incremental updates appended
// later are not covered, so a viewer showing the newest revision may show
// something the signer never saw. analyzeChanges compares the signed
// revision with every later one, revision by revision (k-1 against k),
// object by object, and sorts every object a later cross-reference section
// defines, redefines or frees into allowed and disallowed changes.
//
// The model is pyHanko's (every change is disallowed unless a rule clears
// it, and a rule clears it at a level the signature's permissions must
// allow). An approval signature with no certification signature permits
// what DocMDP P=2 permits (pyHanko's rule): new signatures, validation
// data, document timestamps and filling existing fields, unless a FieldMDP
// lock forbids the field; annotations only under P=3. Every allowed change
// is listed in the report. Any object of the signed revision that changes
// is disallowed unless one of the rules below explains the change.
//
// Change classes, from least to most restricted:
//
//	lta        always allowed, even under DocMDP P=1 (ISO 32000-2 12.8.2.2:
//	           DSS and document timestamps are not changes): /DSS and /VRI
//	           additions (/VRI keys as SHA-1 or SHA-2 hex), invisible
//	           document timestamp fields and their /DocTimeStamp
//	           dictionaries with what the timestamping tool writes beside
//	           them (below), /AcroForm /SigFlags, catalog /Version and
//	           /Extensions (an indirect extensions dictionary updated in
//	           place included), /Root moved to a new catalog object that
//	           differs only in allowed entries, new xref and object streams
//	           as containers, trailer /Info dropped, unchanged
//	           redefinitions, new objects nothing refers to.
//	metadata   allowed at every level, P=1 included, and always listed:
//	           trailer /Info and catalog /Metadata pointing at new objects
//	           (or the Info dictionary or XMP stream redefined in place, when
//	           the signed document uses that object for nothing else),
//	           catalog /MarkInfo, and catalog keys no standard defines with
//	           plain values (iText's /ITXT version string). They paint
//	           nothing, and LTA tools rewrite them with every update
//	           (pyHanko updates /ModDate and XMP on each incremental write),
//	           so refusing them under P=1 would fail every such B-LTA file.
//	sign       allowed unless P=1: new signature fields with their widgets,
//	           appearance streams and resources (new objects only), a
//	           signature dictionary filling an unsigned signature field's
//	           /V (its appearance stream may be regenerated in place), the
//	           widget added to its page's /Annots. With them, what signing
//	           software writes beside a signature: /AcroForm /DA, /DR and /Q
//	           added or changed (/DR only extended, an indirect /DR too) when
//	           no field is drawn from them (NeedAppearances off, every
//	           visible field has its appearance and its own /DA and /Q);
//	           the structure tree of a tagged PDF extended for the new
//	           widget (a new element holding only object references to new
//	           objects, the /ParentTree entry, /ParentTreeNextKey);
//	           annotation flags Print (not on a hidden or NoView widget),
//	           ReadOnly, Locked, LockedContents and the field flag ReadOnly
//	           set on any field (Acrobat turns /F 4 into 132 on the widget
//	           it signs and marks locked fields read-only). A new unsigned
//	           signature field with a visible appearance is no signature
//	           anyone vouches for: annotation class (the sneaky signature
//	           attack); a placeholder without appearance is signing. A signature reference dictionary's /Data (the
//	           catalog, for DocMDP and FieldMDP) is a back-link, not
//	           something the signature owns. A document timestamp's
//	           companions need only its class (lta).
//	form       allowed with P>=2, or approval signatures only, for fields
//	           not locked by FieldMDP: /V, /RV, /AS and /AP of existing
//	           fields and widgets (new appearance objects, or the field's
//	           own appearance streams regenerated in place when the signed
//	           document uses them for that field alone), /AcroForm /DR,
//	           /DA, /Q (not when locked fields are repainted from them),
//	           /NeedAppearances, /CO.
//	annot      allowed with P=3 only: non-widget annotations added to,
//	           removed from, reordered in or modified in a page's /Annots;
//	           the structure tree extended without a new signature.
//
// Every rule judges an object of the signed revision by what it was when
// signed: an approval names the role the object must have had (a rule
// about appearances cannot approve an object the signed document used as
// something else, nor one a later revision merely points a field at), and
// a field's value or appearance object may be redefined in place only when
// nothing but that field referred to it.
//
// Everything else is disallowed: page dictionaries, content streams,
// resources, fonts, XObjects and the page tree; catalog entries other than
// the ones above (including /Perms, /OpenAction, /Names, /Outlines...);
// signature dictionaries and signed signature fields; form fields added
// (other than signature fields), removed or renamed; objects of the signed
// revision deleted, freed and reused, or given a new generation; object
// streams of the signed revision redefined; in-place redefinitions of
// existing streams other than a field's own appearance (an appearance
// stream the signed document also uses as page content, as an XObject or
// for another field is judged as that); the structure tree changed
// otherwise than extended; a trailer /Root switched to another object that existed at
// signing; a cross-reference entry pointing into the signed bytes for an
// object with other content (a shadow version) or for a number that did not
// exist at signing (a hidden object made visible); an object number that
// was undefined at signing but referenced by the signed document, defined
// later (a dangling reference filled in: the shadow object becomes part of
// the signed page without the page changing).
//
// Cost. Only the objects later cross-reference sections list are read and
// compared, plus one walk over the signed revision's document graph (the
// catalog, the page tree, pages, their resources, fonts, XObject and
// annotation dictionaries, the form and the DSS; never stream data, never
// content streams' data, not the structure tree or outlines), done only
// when a later revision defines objects. The walk gives every object of the
// signed revision its roles (page, content stream, font...), so a change is
// named by what it changes and an object shared between an allowed role
// (say, a DSS array) and a forbidden one (a page's /Contents) cannot be
// changed under the allowed rule; and it finds references the signed
// revision makes to object numbers it does not define. Every walk is
// bounded: at most chgMaxVisits objects per analysis, else an ErrLimit.
//
// Report kinds: page, page_tree, content_stream, resources, font, xobject,
// catalog, acroform, form_field, signature_field, signature, annotation,
// appearance, dss, info, metadata, structure, xref_stream, object_stream,
// trailer, unknown.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// mdpPermissions: what the document's signatures permit after the signed
// revision.
type mdpPermissions struct {
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

func (p mdpPermissions) fieldLocked(name string) bool {
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

// chgClass is the permission level a change needs (see the file comment).
type chgClass int

const (
	clsLTA chgClass = iota
	clsMeta
	clsSign
	clsForm
	clsAnnot
)

// allows reports whether p permits changes of class c, and if not why.
func (p mdpPermissions) allows(c chgClass) (bool, string) {
	switch c {
	case clsLTA, clsMeta:
		return true, ""
	case clsSign:
		if p.DocMDP == 1 {
			return false, "the certification signature permits no changes (DocMDP P=1)"
		}
		return true, ""
	case clsForm:
		// With approval signatures only, form filling is allowed as under
		// DocMDP P=2 (pyHanko's rule; FieldMDP locks still apply).
		if p.DocMDP == 1 {
			return false, "the certification signature permits no changes (DocMDP P=1)"
		}
		return true, ""
	case clsAnnot:
		switch p.DocMDP {
		case 0:
			return false, "annotations need a certification signature with DocMDP P=3; an approval signature alone permits none"
		case 1:
			return false, "the certification signature permits no changes (DocMDP P=1)"
		case 2:
			return false, "DocMDP P=2 permits form filling and signing, not annotations"
		}
		return true, ""
	}
	return false, "unknown change class"
}

// chgMaxVisits bounds the objects one analysis visits (walks, comparisons,
// claims).
const chgMaxVisits = 1_000_000

// chgMaxListed bounds the entries one revision adds to each list of the
// report; the rest are summarised in one entry.
const chgMaxListed = 500

// readMDPPermissions derives the permissions for a signature signed in
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
func readMDPPermissions(f *pdfraw.File, signedRev int) (mdpPermissions, error) {
	p := mdpPermissions{FieldLocks: map[string]bool{}}
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
					names = append(names, chgText(s.Bytes))
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
		if depth > 64 || visits > chgMaxVisits {
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
			name = chgJoinName(parent, chgText(t.Bytes))
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

// chgRole is a bit set of the roles an object of the signed revision plays.
type chgRole uint32

const (
	roleCatalog chgRole = 1 << iota
	rolePageTree
	rolePage
	roleContent
	roleResources
	roleResFont // the dictionary of fonts of a resource dictionary
	roleResXObj // the dictionary of XObjects, patterns or shadings
	roleFont
	roleXObject
	roleAnnots
	roleAnnot
	roleAP
	roleAcroForm
	roleFields
	roleField
	roleSig
	roleDSS
	roleInfo
	roleMetadata
	roleDR         // the form's default resources and everything under them
	roleExtensions // the catalog's developer extensions
	// roleValue: reached from a field's or widget's value keys (/V, /RV,
	// /AS, /DA, /Q, /MK; not a signature's /V).
	roleValue
	roleOther
)

// chgRoleKinds orders roles for naming: the first that applies wins.
var chgRoleKinds = []struct {
	r    chgRole
	kind string
}{
	{rolePage, "page"},
	{rolePageTree, "page_tree"},
	{roleContent, "content_stream"},
	{roleFont, "font"},
	{roleXObject, "xobject"},
	{roleResources | roleResFont | roleResXObj, "resources"},
	{roleCatalog | roleExtensions, "catalog"},
	{roleAcroForm | roleFields | roleDR, "acroform"},
	{roleField, "form_field"},
	{roleAnnots | roleAnnot, "annotation"},
	{roleAP, "appearance"},
	{roleValue, "form_field"},
	{roleSig, "signature"},
	{roleDSS, "dss"},
	{roleInfo, "info"},
	{roleMetadata, "metadata"},
}

func (r chgRole) kind() string {
	for _, k := range chgRoleKinds {
		if r&k.r != 0 {
			return k.kind
		}
	}
	return "unknown"
}

func (r chgRole) names() string {
	var out []string
	for _, k := range chgRoleKinds {
		if r&k.r != 0 {
			out = append(out, k.kind)
		}
	}
	if r&roleOther != 0 {
		out = append(out, "other")
	}
	return strings.Join(out, ", ")
}

// chgDangling is a reference the signed revision makes to an object number
// it does not define.
type chgDangling struct {
	from uint32 // referencing object (0: the trailer)
	key  pdfraw.Name
	role chgRole
}

type chgAnalyzer struct {
	f         *pdfraw.File
	secs      []*pdfraw.Section
	r         int
	perms     mdpPermissions
	signedEnd int64
	visits    int
	fatal     error

	roles map[uint32]chgRole
	// owners holds, for each object the signed revision uses as an
	// appearance or a field value, the objects whose /AP (or appearance
	// state dictionary) or value key refers to it.
	owners map[uint32]map[uint32]bool
	// trees holds each revision's form field tree (fieldTree).
	trees    map[int]map[string]*chgField
	dangling map[uint32][]chgDangling
	// newSince holds the object numbers not in use at the signed revision
	// that some later revision defines, with the first such revision.
	newSince map[uint32]int
	// prior records, for objects created after signing, the verdict they
	// got in an earlier revision, so a later redefinition inherits it.
	prior map[uint32]chgPrior

	rep *ChangesReport
}

type chgPrior struct {
	cls  chgClass
	bad  bool
	kind string
	// copy: the object stands in for signed content (a page's /Resources
	// rewritten as a new object with the same content, say); changing it
	// later changes the signed content.
	copy bool
	rev  int
}

// notePrior merges p into what is known about object num.
func (a *chgAnalyzer) notePrior(num uint32, p chgPrior) {
	if a.existedAtR(num) {
		return
	}
	if q, ok := a.prior[num]; ok {
		p.bad = p.bad || q.bad
		p.copy = p.copy || q.copy
		p.cls = max(p.cls, q.cls)
		if q.copy || q.bad {
			p.rev, p.kind = q.rev, q.kind
		}
	}
	a.prior[num] = p
}

// analyzeChanges compares revision signedRev with every later revision
// object by object. It returns a nil report when there are no later
// revisions. Errors are limits (ErrLimit) and I/O failures; malformed
// objects in later revisions are disallowed changes, not errors.
func analyzeChanges(f *pdfraw.File, signedRev int, perms mdpPermissions) (*ChangesReport, error) {
	if f == nil {
		return nil, errors.New("no file")
	}
	secs := f.Sections()
	if signedRev < 0 || signedRev >= len(secs) {
		return nil, fmt.Errorf("signed revision %d out of range (the file has %d)", signedRev, len(secs))
	}
	if signedRev == len(secs)-1 {
		return nil, nil
	}
	a := &chgAnalyzer{
		f: f, secs: secs, r: signedRev, perms: perms,
		signedEnd: secs[signedRev].End,
		roles:     map[uint32]chgRole{},
		owners:    map[uint32]map[uint32]bool{},
		trees:     map[int]map[string]*chgField{},
		dangling:  map[uint32][]chgDangling{},
		newSince:  map[uint32]int{},
		prior:     map[uint32]chgPrior{},
		rep:       &ChangesReport{LaterRevisions: len(secs) - 1 - signedRev, Allowed: []ObjectChange{}, Disallowed: []ObjectChange{}},
	}
	defines := false
	for k := signedRev + 1; k < len(secs); k++ {
		for num, e := range secs[k].Entries {
			if num == 0 {
				continue
			}
			defines = true
			if e.Type == pdfraw.EntryFree {
				continue
			}
			if _, ok := a.usedAt(signedRev, num); ok {
				continue
			}
			if _, ok := a.newSince[num]; !ok {
				a.newSince[num] = k
			}
		}
	}
	if defines {
		if err := a.walkSigned(); err != nil {
			return nil, err
		}
	}
	for k := signedRev + 1; k < len(secs); k++ {
		if err := a.revision(k); err != nil {
			return nil, err
		}
	}
	return a.rep, nil
}

// usedAt returns the generation of object num if it is in use at rev.
func (a *chgAnalyzer) usedAt(rev int, num uint32) (uint16, bool) {
	e, _, ok := a.f.Entry(rev, num)
	if !ok {
		return 0, false
	}
	switch e.Type {
	case pdfraw.EntryInUse:
		return e.Gen, true
	case pdfraw.EntryCompressed:
		return 0, true
	}
	return 0, false
}

func (a *chgAnalyzer) existedAtR(num uint32) bool {
	_, ok := a.usedAt(a.r, num)
	return ok
}

// isNew reports whether num is an object number created after signing.
func (a *chgAnalyzer) isNew(num uint32) bool {
	_, ok := a.newSince[num]
	return ok
}

func (a *chgAnalyzer) visit() bool {
	a.visits++
	if a.visits > chgMaxVisits {
		if a.fatal == nil {
			a.fatal = fmt.Errorf("%w: more than %d objects visited while analysing changes after signing", pdfraw.ErrLimit, chgMaxVisits)
		}
		return false
	}
	return true
}

// soft records err as fatal unless it only says an object is malformed or
// uses an unsupported filter (such an object reads as absent; objects a
// later revision defines are judged separately and never read as absent).
func (a *chgAnalyzer) soft(err error) {
	if err == nil || a.fatal != nil {
		return
	}
	if chgObjectErr(err) {
		return
	}
	a.fatal = err
}

func chgObjectErr(err error) bool {
	return errors.Is(err, pdfraw.ErrMalformed) || errors.Is(err, pdfraw.ErrNotPDF) || errors.Is(err, pdfraw.ErrUnsupported)
}

// obj reads ref at rev; a malformed object reads as nil.
func (a *chgAnalyzer) obj(rev int, ref pdfraw.Ref) pdfraw.Object {
	o, err := a.f.Object(rev, ref)
	if err != nil {
		a.soft(err)
		return nil
	}
	return o
}

func (a *chgAnalyzer) res(rev int, o pdfraw.Object) pdfraw.Object {
	if _, ok := o.(pdfraw.Ref); !ok {
		return o
	}
	v, err := a.f.Resolve(rev, o)
	if err != nil {
		a.soft(err)
		return nil
	}
	return v
}

func (a *chgAnalyzer) dict(rev int, o pdfraw.Object) pdfraw.Dict {
	switch v := a.res(rev, o).(type) {
	case pdfraw.Dict:
		return v
	case *pdfraw.Stream:
		return v.Dict
	}
	return nil
}

// ---------------------------------------------------------------------
// The signed revision's document graph.

type chgWalkItem struct {
	ref  pdfraw.Ref
	role chgRole
}

type chgWalker struct {
	a     *chgAnalyzer
	seen  map[uint32]chgRole
	queue []chgWalkItem
}

// walkSigned visits the signed revision's document from its catalog and
// records each object's roles and the dangling references to numbers a
// later revision defines.
func (a *chgAnalyzer) walkSigned() error {
	w := &chgWalker{a: a, seen: map[uint32]chgRole{}}
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
func (w *chgWalker) refine(num uint32, role chgRole, d pdfraw.Dict) chgRole {
	t, _ := d["Type"].(pdfraw.Name)
	sub, _ := d["Subtype"].(pdfraw.Name)
	add := chgRole(0)
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

func (w *chgWalker) push(from uint32, key pdfraw.Name, ref pdfraw.Ref, role chgRole, read bool) {
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
			w.a.dangling[ref.Num] = append(w.a.dangling[ref.Num], chgDangling{from: from, key: key, role: role})
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
	w.queue = append(w.queue, chgWalkItem{ref, role})
}

func (w *chgWalker) value(v pdfraw.Object, role chgRole, read bool, from uint32, key pdfraw.Name, depth int) {
	if depth > 64 {
		return
	}
	switch x := v.(type) {
	case pdfraw.Ref:
		w.push(from, key, x, role, read)
	case pdfraw.Array:
		elem := chgElem(role)
		for _, e := range x {
			w.value(e, elem, read, from, key, depth+1)
		}
	case pdfraw.Dict:
		w.dict(x, role, from, depth+1)
	case *pdfraw.Stream:
		w.dict(x.Dict, role, from, depth+1)
	}
}

func (w *chgWalker) dict(d pdfraw.Dict, role chgRole, from uint32, depth int) {
	if depth > 64 {
		return
	}
	for k, v := range d {
		cr, read, skip := chgChild(role, k, d)
		if skip {
			w.refsOnly(v, from, k, depth+1)
			continue
		}
		w.value(v, cr, read, from, k, depth+1)
	}
}

// refsOnly checks the references under a key the walk does not follow
// (back-links, the structure tree, outlines) for dangling ones.
func (w *chgWalker) refsOnly(v pdfraw.Object, from uint32, key pdfraw.Name, depth int) {
	if depth > 64 {
		return
	}
	switch x := v.(type) {
	case pdfraw.Ref:
		if _, ok := w.a.newSince[x.Num]; ok {
			if _, used := w.a.usedAt(w.a.r, x.Num); !used {
				w.a.dangling[x.Num] = append(w.a.dangling[x.Num], chgDangling{from: from, key: key, role: roleOther})
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

// chgElem is the role of the elements of an array with role r: /Annots
// holds annotations, /Fields fields; other arrays pass their role on.
func chgElem(r chgRole) chgRole {
	switch r {
	case roleAnnots:
		return roleAnnot
	case roleFields:
		return roleField
	}
	return r
}

// chgChild says what the value under key of an object with role plays, and
// whether to read it (streams' data is never read, only dictionaries), or
// whether not to follow it at all.
func chgChild(role chgRole, key pdfraw.Name, d pdfraw.Dict) (chgRole, bool, bool) {
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

// ---------------------------------------------------------------------
// One later revision.

// chgObj is an object a later revision's cross-reference section lists.
type chgObj struct {
	num      uint32
	ref      pdfraw.Ref // as defined at k
	prevRef  pdfraw.Ref // as in use at k-1
	entry    pdfraw.XrefEntry
	atR      bool // in use at the signed revision
	prevUse  bool // in use at k-1
	old, cur pdfraw.Object
	readErr  error
	settled  bool // verdict given while collecting
}

// chgJudge accumulates what the rules say about one object.
type chgJudge struct {
	set     bool
	cls     chgClass
	kind    string
	reasons []string
	bad     []string
	badKind string
}

type chgRev struct {
	a       *chgAnalyzer
	k       int
	touched map[uint32]*chgObj
	judges  map[uint32]*chgJudge
	// sigWidgets maps widgets of new signature fields (and of signature
	// fields signed in this revision) to the class of their field.
	sigWidgets map[uint32]chgClass
	// signs is set when revision k adds or fills a signature field, with
	// the class that change needs in signCls: what signing software
	// writes beside it (form defaults, structure tree entries for the new
	// widget) is part of it and needs no more.
	signs     bool
	signCls   chgClass
	claimSeen map[[2]uint32]bool
	copies    map[uint32]bool
	notes     []string
	laterSig  map[uint32]chgClass // laterSigWidgets
	// streamsInPlace caches hasStreamsInPlace: 0 unknown, 1 yes, -1 no.
	streamsInPlace int
	allowed        []ObjectChange
	disallowed     []ObjectChange
}

func (a *chgAnalyzer) revision(k int) error {
	rv := &chgRev{
		a: a, k: k,
		touched:    map[uint32]*chgObj{},
		judges:     map[uint32]*chgJudge{},
		sigWidgets: map[uint32]chgClass{},
		claimSeen:  map[[2]uint32]bool{},
		copies:     map[uint32]bool{},
	}
	rv.trailer()
	rv.collect()
	if a.fatal != nil {
		return a.fatal
	}
	rv.catalog()
	rv.structTree()
	rv.info()
	rv.pages()
	rv.containers()
	rv.danglingRefs()
	if a.fatal != nil {
		return a.fatal
	}
	rv.finish()
	return a.fatal
}

// note records an allowed change an auditor should read (a field filled,
// a signature added, metadata rewritten), once per revision.
func (rv *chgRev) note(reason string) {
	line := fmt.Sprintf("revision %d: %s", rv.k+1, reason)
	if len(rv.notes) < chgMaxListed && !chgContains(rv.notes, line) {
		rv.notes = append(rv.notes, line)
	}
}

// signing records that revision k adds or fills a signature field whose
// change needs class cls.
func (rv *chgRev) signing(cls chgClass) {
	if !rv.signs || cls > rv.signCls {
		rv.signCls = cls
	}
	rv.signs = true
}

func chgObjName(num uint32, gen uint16) string {
	return strconv.FormatUint(uint64(num), 10) + " " + strconv.FormatUint(uint64(gen), 10)
}

func (rv *chgRev) judge(num uint32) *chgJudge {
	j := rv.judges[num]
	if j == nil {
		j = &chgJudge{}
		rv.judges[num] = j
	}
	return j
}

// approve clears object num at class cls. For an object of the signed
// revision, expect lists the roles the rule is about: if the signed
// document also uses the object in another role, the approval turns into a
// rejection (a shared object cannot change under the milder rule).
func (rv *chgRev) approve(num uint32, cls chgClass, kind, reason string, expect chgRole) {
	if num == 0 {
		return
	}
	if rv.a.existedAtR(num) && expect != 0 {
		roles := rv.a.roles[num]
		if extra := roles &^ (expect | roleOther); extra != 0 {
			rv.reject(num, kind, fmt.Sprintf("%s, but the signed document also uses this object as %s", reason, extra.names()))
			return
		}
		// The rule is about what the object was when signed, not what a
		// later revision makes it point at.
		if roles&expect == 0 {
			rv.reject(num, kind, fmt.Sprintf("%s, but in the signed document this object is not that (it is %s)", reason, chgRoleNames(roles)))
			return
		}
	}
	j := rv.judge(num)
	if !j.set || cls > j.cls {
		j.cls = cls
	}
	if j.kind == "" {
		j.kind = kind
	}
	j.set = true
	if !chgContains(j.reasons, reason) {
		j.reasons = append(j.reasons, reason)
	}
}

func chgRoleNames(r chgRole) string {
	if r == 0 {
		return "referenced by nothing the analysis follows"
	}
	return r.names()
}

func (rv *chgRev) reject(num uint32, kind, reason string) {
	j := rv.judge(num)
	if j.badKind == "" {
		j.badKind = kind
	}
	if !chgContains(j.bad, reason) {
		j.bad = append(j.bad, reason)
	}
}

func chgContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// kindOf names object num: by its roles in the signed document, else by
// its dictionary.
func (rv *chgRev) kindOf(num uint32) string {
	if r := rv.a.roles[num]; r&^roleOther != 0 {
		return r.kind()
	}
	var d pdfraw.Dict
	if t := rv.touched[num]; t != nil {
		d = chgDictOf(t.cur)
		if d == nil {
			d = chgDictOf(t.old)
		}
	}
	return chgKindOfDict(d)
}

func chgDictOf(o pdfraw.Object) pdfraw.Dict {
	switch v := o.(type) {
	case pdfraw.Dict:
		return v
	case *pdfraw.Stream:
		return v.Dict
	}
	return nil
}

func chgKindOfDict(d pdfraw.Dict) string {
	if d == nil {
		return "unknown"
	}
	t, _ := d["Type"].(pdfraw.Name)
	sub, _ := d["Subtype"].(pdfraw.Name)
	switch t {
	case "Catalog":
		return "catalog"
	case "Pages":
		return "page_tree"
	case "Page":
		return "page"
	case "Font", "FontDescriptor":
		return "font"
	case "XObject":
		return "xobject"
	case "Annot":
		if sub == "Widget" {
			if _, ok := d["FT"]; ok {
				return "form_field"
			}
		}
		return "annotation"
	case "Sig", "DocTimeStamp":
		return "signature"
	case "DSS":
		return "dss"
	case "Metadata":
		return "metadata"
	case "XRef":
		return "xref_stream"
	case "ObjStm":
		return "object_stream"
	}
	if _, ok := d["FT"]; ok {
		return "form_field"
	}
	return "unknown"
}

// trailer checks the cross-reference chain and the trailer of revision k.
func (rv *chgRev) trailer() {
	a, k := rv.a, rv.k
	cur, prev := a.secs[k], a.secs[k-1]
	// pdfraw builds the sections by following /Prev, so /Prev reaches the
	// previous section; check that it lies inside the previous revision.
	if cur.Prev < 0 || cur.Prev >= prev.End {
		rv.disallowed = append(rv.disallowed, ObjectChange{Object: "trailer", Revision: k, Kind: "trailer",
			Reason: fmt.Sprintf("/Prev %d does not point into the previous revision (which ends at %d)", cur.Prev, prev.End)})
	}
	if cur.XrefOffset < prev.End {
		rv.disallowed = append(rv.disallowed, ObjectChange{Object: "trailer", Revision: k, Kind: "trailer",
			Reason: fmt.Sprintf("cross-reference section at %d lies inside the previous revision (ends at %d)", cur.XrefOffset, prev.End)})
	}
	// An encrypted file repeats its /Encrypt in every trailer; adding,
	// dropping or replacing it changes how every string and stream reads.
	oldEnc, hadEnc := prev.Trailer["Encrypt"]
	newEnc, hasEnc := cur.Trailer["Encrypt"]
	switch {
	case hasEnc && !hadEnc:
		rv.disallowed = append(rv.disallowed, ObjectChange{Object: "trailer", Revision: k, Kind: "trailer",
			Reason: "/Encrypt added after signing"})
	case hadEnc && !hasEnc:
		rv.disallowed = append(rv.disallowed, ObjectChange{Object: "trailer", Revision: k, Kind: "trailer",
			Reason: "/Encrypt removed after signing"})
	case hasEnc:
		eq := rv.newEq()
		if same, err := eq.eq(oldEnc, newEnc, 0); err != nil || !same {
			rv.disallowed = append(rv.disallowed, ObjectChange{Object: "trailer", Revision: k, Kind: "trailer",
				Reason: "/Encrypt replaced after signing"})
		}
	}
}

// pointsIntoSigned reports whether entry e of revision k places the object
// inside the signed revision's bytes.
func (rv *chgRev) pointsIntoSigned(e pdfraw.XrefEntry) (bool, int64) {
	switch e.Type {
	case pdfraw.EntryInUse:
		return e.Offset < rv.a.signedEnd, e.Offset
	case pdfraw.EntryCompressed:
		se, _, ok := rv.a.f.Entry(rv.k, e.StmNum)
		if ok && se.Type == pdfraw.EntryInUse && se.Offset < rv.a.signedEnd {
			return true, se.Offset
		}
	}
	return false, 0
}

// collect reads every object section k lists and settles the simple
// cases: unchanged redefinitions, deletions, number reuse, shadow entries.
func (rv *chgRev) collect() {
	a, k := rv.a, rv.k
	sec := a.secs[k]
	nums := make([]uint32, 0, len(sec.Entries))
	for n := range sec.Entries {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	for _, num := range nums {
		if num == 0 || a.fatal != nil {
			continue
		}
		e := sec.Entries[num]
		prev, _, hasPrev := a.f.Entry(k-1, num)
		prevUse := hasPrev && prev.Type != pdfraw.EntryFree
		if e.Type == pdfraw.EntryFree {
			if !prevUse {
				continue
			}
			if a.existedAtR(num) {
				rv.reject(num, rv.kindOf(num), "object of the signed revision deleted (its cross-reference entry is now free)")
			} else {
				rv.approve(num, clsLTA, "unknown", "object created after signing deleted again", 0)
			}
			continue
		}
		if prevUse && prev == e {
			continue // the same entry listed again
		}
		if !a.visit() {
			return
		}
		t := &chgObj{num: num, entry: e, prevUse: prevUse, atR: a.existedAtR(num)}
		t.ref = pdfraw.Ref{Num: num, Gen: chgGen(e)}
		t.prevRef = pdfraw.Ref{Num: num, Gen: chgGen(prev)}
		rv.touched[num] = t
		cur, err := a.f.Object(k, t.ref)
		if err != nil {
			if !chgObjectErr(err) && !errors.Is(err, pdfraw.ErrLimit) {
				a.fatal = err // I/O
				return
			}
			t.readErr = err
			t.settled = true
			rv.reject(num, rv.kindOf(num), "object cannot be read: "+err.Error())
			continue
		}
		t.cur = cur
		if prevUse {
			t.old = a.obj(k-1, t.prevRef)
		}
		into, off := rv.pointsIntoSigned(e)
		if t.atR {
			gR, _ := a.usedAt(a.r, num)
			switch {
			case !prevUse:
				t.settled = true
				rv.reject(num, rv.kindOf(num), "object number of the signed revision was freed and is now reused for another object")
				continue
			case t.ref.Gen != gR:
				t.settled = true
				rv.reject(num, rv.kindOf(num), fmt.Sprintf("object of the signed revision replaced by generation %d (was %d)", t.ref.Gen, gR))
				continue
			}
		}
		if prevUse {
			eq, err := rv.sameObject(t.old, t.cur)
			if err != nil {
				return
			}
			if eq {
				t.settled = true
				rv.approve(num, clsLTA, rv.kindOf(num), "unchanged redefinition (same content)", 0)
				continue
			}
		}
		if into {
			t.settled = true
			if t.atR {
				rv.reject(num, rv.kindOf(num), fmt.Sprintf("redefined by a cross-reference entry pointing into the signed bytes (offset %d) at a different version of the object: a shadow object", off))
			} else {
				rv.reject(num, rv.kindOf(num), fmt.Sprintf("object did not exist at signing; revision %d defines it from the signed bytes (offset %d): a hidden object made visible", k, off))
			}
		}
	}
}

func chgGen(e pdfraw.XrefEntry) uint16 {
	if e.Type == pdfraw.EntryInUse || e.Type == pdfraw.EntryFree {
		return e.Gen
	}
	return 0
}

// sameObject compares two versions of one object (k-1 and k).
func (rv *chgRev) sameObject(old, cur pdfraw.Object) (bool, error) {
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

type chgEq struct {
	rv     *chgRev
	ra, rb int
	seen   map[[2]pdfraw.Ref]bool
	copies []uint32
}

func (rv *chgRev) newEq() *chgEq {
	return &chgEq{rv: rv, ra: rv.k - 1, rb: rv.k, seen: map[[2]pdfraw.Ref]bool{}}
}

// claimCopies approves the objects created after signing that an equal
// comparison reached on the new side: copies of signed values.
func (e *chgEq) claimCopies() {
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
func (e *chgEq) eq(x, y pdfraw.Object, depth int) (bool, error) {
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
		fa, _ := chgNum(a)
		fb, ok := chgNum(y)
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

func (e *chgEq) dicts(a, b pdfraw.Dict, depth int, skip pdfraw.Name) (bool, error) {
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

func chgNum(o pdfraw.Object) (float64, bool) {
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
func (rv *chgRev) diffKeys(old, cur pdfraw.Dict, ignore ...pdfraw.Name) []pdfraw.Name {
	var out []pdfraw.Name
	keys := map[pdfraw.Name]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range cur {
		keys[k] = true
	}
	for k := range keys {
		if chgHasName(ignore, k) {
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

func chgHasName(list []pdfraw.Name, n pdfraw.Name) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

func chgKeyList(keys []pdfraw.Name) string {
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
func (rv *chgRev) claim(v pdfraw.Object, cls chgClass, kind, reason string) {
	rv.claimValue(v, cls, kind, reason, 0)
}

func (rv *chgRev) claimValue(v pdfraw.Object, cls chgClass, kind, reason string, depth int) {
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
		for _, k := range chgKeys(x) {
			if chgBackLink(x, k) {
				continue
			}
			rv.claimValue(x[k], cls, kind, reason, depth+1)
		}
	case *pdfraw.Stream:
		rv.claimValue(x.Dict, cls, kind, reason, depth+1)
	}
}

// chgBackLink reports whether d's key points back up the document rather
// than at something d owns: /P and /Parent, and the /Data of a signature
// reference dictionary (the catalog, for DocMDP and FieldMDP transforms).
func chgBackLink(d pdfraw.Dict, key pdfraw.Name) bool {
	switch key {
	case "P", "Parent":
		return true
	case "Data":
		_, ok := d["TransformMethod"]
		return ok
	}
	return false
}

// chgKeys returns d's keys in order, so reports do not depend on map
// iteration.
func chgKeys(d pdfraw.Dict) []pdfraw.Name {
	keys := make([]pdfraw.Name, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// ---------------------------------------------------------------------
// Catalog, AcroForm, fields, DSS, metadata.

func (rv *chgRev) catalog() {
	a, k := rv.a, rv.k
	oldRoot, okOld := a.f.Trailer(k - 1)["Root"].(pdfraw.Ref)
	newRoot, okNew := a.f.Trailer(k)["Root"].(pdfraw.Ref)
	if !okNew {
		rv.disallowed = append(rv.disallowed, ObjectChange{Object: "trailer", Revision: k, Kind: "trailer", Reason: "trailer /Root is missing or not an indirect reference"})
		return
	}
	if !okOld {
		return // nothing to compare with: the signed side is broken
	}
	signedRoot, _ := a.f.Trailer(a.r)["Root"].(pdfraw.Ref)
	if newRoot != oldRoot {
		if a.existedAtR(newRoot.Num) && newRoot != signedRoot {
			rv.reject(newRoot.Num, "catalog", fmt.Sprintf("trailer /Root switched from %d %d R to object %d %d R, which existed at signing: another catalog", oldRoot.Num, oldRoot.Gen, newRoot.Num, newRoot.Gen))
			return
		}
	}
	oldCat := a.dict(k-1, oldRoot)
	newCat, isDict := a.res(k, newRoot).(pdfraw.Dict)
	if !isDict {
		rv.reject(newRoot.Num, "catalog", "the catalog is not a dictionary")
		return
	}
	t := rv.touched[newRoot.Num]
	catTouched := newRoot != oldRoot || (t != nil && !t.settled)
	cls := clsLTA
	var why []string
	var bad []string
	keys := rv.diffKeys(oldCat, newCat)
	for _, key := range keys {
		switch key {
		case "AcroForm", "DSS":
			// judged below with their own rules
		case "Version", "Extensions":
			if key == "Extensions" && !rv.extensionsValue(newCat[key]) {
				bad = append(bad, "catalog /Extensions is not a dictionary of developer extensions")
				continue
			}
			why = append(why, "/"+string(key)+" updated")
			rv.claim(newCat[key], clsLTA, "catalog", "catalog /"+string(key)+" entry")
		case "MarkInfo":
			// Whether the document is tagged; paints nothing. Signing tools
			// set it when they tag the widget they add.
			if d, ok := a.res(k, newCat[key]).(pdfraw.Dict); newCat[key] != nil && (!ok || !chgFlagsDict(d, "Marked", "UserProperties", "Suspects")) {
				bad = append(bad, "catalog /MarkInfo is not a mark information dictionary")
				continue
			}
			cls = max(cls, clsMeta)
			why = append(why, "/MarkInfo updated")
			rv.claim(newCat[key], clsMeta, "catalog", "catalog /MarkInfo entry")
		case "Metadata":
			c, ok, reason := rv.metadata(oldCat["Metadata"], newCat["Metadata"])
			if !ok {
				bad = append(bad, reason)
			} else {
				why = append(why, reason)
				cls = max(cls, c)
			}
		case "StructTreeRoot":
			// judged by structTree, which rejects the new root when it
			// changes more than signing software adds
			if newCat[key] == nil {
				bad = append(bad, "catalog /StructTreeRoot removed")
				continue
			}
			why = append(why, "/StructTreeRoot updated")
		case "Type":
			bad = append(bad, "catalog /Type changed")
		case "Perms":
			bad = append(bad, "catalog /Perms (signature permissions) changed")
		default:
			_, had := oldCat[key]
			_, has := newCat[key]
			if !chgCatalogKeys[key] && chgPlainValue(oldCat[key]) && chgPlainValue(newCat[key]) {
				// A producer's private mark (iText's /ITXT version string):
				// no conforming reader acts on it.
				cls = max(cls, clsMeta)
				why = append(why, fmt.Sprintf("producer entry /%s %s", key, chgVerb(had, has)))
				continue
			}
			switch {
			case !had:
				bad = append(bad, fmt.Sprintf("catalog entry /%s added", key))
			case !has:
				bad = append(bad, fmt.Sprintf("catalog entry /%s removed", key))
			default:
				bad = append(bad, fmt.Sprintf("catalog entry /%s changed", key))
			}
		}
	}
	rv.extensionsInPlace(newCat["Extensions"])
	rv.acroForm(oldCat["AcroForm"], newCat["AcroForm"], chgHasName(keys, "AcroForm"))
	if chgHasName(keys, "DSS") {
		why = append(why, "/DSS updated")
	}
	rv.dss(oldCat["DSS"], newCat["DSS"], chgHasName(keys, "DSS"))
	if chgHasName(keys, "AcroForm") {
		why = append(why, "/AcroForm updated")
	}
	if !catTouched {
		return
	}
	if len(bad) > 0 {
		rv.reject(newRoot.Num, "catalog", strings.Join(bad, "; "))
		return
	}
	reason := "catalog updated"
	if newRoot != oldRoot {
		reason = "catalog rewritten as a new object"
	}
	if len(why) > 0 {
		reason += ": " + strings.Join(why, ", ")
	}
	rv.approve(newRoot.Num, cls, "catalog", reason, roleCatalog)
}

// chgCatalogKeys are the document catalog entries ISO 32000-2 (Table 29)
// and its extensions define. Any other key is private to some producer.
var chgCatalogKeys = map[pdfraw.Name]bool{
	"Type": true, "Version": true, "Extensions": true, "Pages": true, "PageLabels": true,
	"Names": true, "Dests": true, "ViewerPreferences": true, "PageLayout": true, "PageMode": true,
	"Outlines": true, "Threads": true, "OpenAction": true, "AA": true, "URI": true,
	"AcroForm": true, "Metadata": true, "StructTreeRoot": true, "MarkInfo": true, "Lang": true,
	"SpiderInfo": true, "OutputIntents": true, "PieceInfo": true, "OCProperties": true,
	"Perms": true, "Legal": true, "Requirements": true, "Collection": true, "NeedsRendering": true,
	"DSS": true, "AF": true, "DPartRoot": true,
}

// chgPlainValue reports whether v (absent included) is a number, string,
// name, boolean or null: a value that can point at nothing.
func chgPlainValue(v pdfraw.Object) bool {
	switch v.(type) {
	case nil, pdfraw.Null, pdfraw.Int, pdfraw.Real, pdfraw.String, pdfraw.Name, pdfraw.Bool:
		return true
	}
	return false
}

func chgVerb(had, has bool) string {
	switch {
	case !had:
		return "added"
	case !has:
		return "removed"
	}
	return "changed"
}

// chgFlagsDict reports whether d holds only the given keys (and /Type),
// each a boolean.
func chgFlagsDict(d pdfraw.Dict, keys ...pdfraw.Name) bool {
	for k, v := range d {
		if k == "Type" {
			continue
		}
		if !chgHasName(keys, k) {
			return false
		}
		if _, ok := v.(pdfraw.Bool); !ok {
			return false
		}
	}
	return true
}

// extensionsValue reports whether v (as of k) is a developer extensions
// dictionary (ISO 32000-2 7.12): each value a dictionary, or an array of
// dictionaries, with only /Type, /BaseVersion, /ExtensionLevel,
// /ExtensionRevision and /URL, all direct plain values.
func (rv *chgRev) extensionsValue(v pdfraw.Object) bool {
	if v == nil {
		return true
	}
	d, ok := rv.a.res(rv.k, v).(pdfraw.Dict)
	if !ok {
		return false
	}
	ext := func(o pdfraw.Object) bool {
		e, ok := rv.a.res(rv.k, o).(pdfraw.Dict)
		if !ok {
			return false
		}
		for key, val := range e {
			switch key {
			case "Type", "BaseVersion", "ExtensionLevel", "ExtensionRevision", "URL":
			default:
				return false
			}
			if !chgPlainValue(val) {
				return false
			}
		}
		return true
	}
	for key, e := range d {
		if key == "Type" {
			continue
		}
		if arr, ok := rv.a.res(rv.k, e).(pdfraw.Array); ok {
			for _, x := range arr {
				if !ext(x) {
					return false
				}
			}
			continue
		}
		if !ext(e) {
			return false
		}
	}
	return true
}

// extensionsInPlace judges objects of the signed revision under the
// catalog's /Extensions redefined in place (Acrobat and iText update an
// indirect extensions dictionary rather than write a new one).
func (rv *chgRev) extensionsInPlace(v pdfraw.Object) {
	var refs []pdfraw.Ref
	if r, ok := v.(pdfraw.Ref); ok {
		refs = append(refs, r)
	}
	if d, ok := rv.a.res(rv.k, v).(pdfraw.Dict); ok {
		for _, key := range chgKeys(d) {
			e := d[key]
			if r, ok := e.(pdfraw.Ref); ok {
				refs = append(refs, r)
			}
			if arr, ok := rv.a.res(rv.k, e).(pdfraw.Array); ok {
				for _, x := range arr {
					if r, ok := x.(pdfraw.Ref); ok {
						refs = append(refs, r)
					}
				}
			}
		}
	}
	for _, r := range refs {
		t := rv.touched[r.Num]
		if t == nil || t.settled || !t.atR {
			continue
		}
		if !rv.extensionsValue(v) {
			rv.reject(r.Num, "catalog", "catalog /Extensions redefined with something other than developer extensions")
			continue
		}
		rv.approve(r.Num, clsLTA, "catalog", "catalog /Extensions (developer extensions) updated in place", roleExtensions)
	}
}

// metadata judges a change of the catalog's /Metadata.
func (rv *chgRev) metadata(oldV, newV pdfraw.Object) (chgClass, bool, string) {
	if newV == nil {
		return clsMeta, true, "/Metadata removed"
	}
	ref, ok := newV.(pdfraw.Ref)
	if !ok {
		return 0, false, "catalog /Metadata is not an indirect reference to a stream"
	}
	s, isStream := rv.a.res(rv.k, ref).(*pdfraw.Stream)
	if !isStream {
		return 0, false, "catalog /Metadata does not point at a stream"
	}
	if oldRef, _ := oldV.(pdfraw.Ref); oldRef == ref {
		// In place: judged with the object itself (see pages/leftovers).
		return clsMeta, true, "/Metadata updated"
	}
	if rv.a.existedAtR(ref.Num) {
		return 0, false, fmt.Sprintf("catalog /Metadata now points at object %d, which existed at signing", ref.Num)
	}
	if t, _ := s.Dict["Type"].(pdfraw.Name); t != "Metadata" {
		return 0, false, "new /Metadata stream has no /Type /Metadata"
	}
	rv.claim(ref, clsMeta, "metadata", "XMP metadata stream")
	return clsMeta, true, "/Metadata updated"
}

// acroForm judges the form: the AcroForm dictionary's own entries and,
// through the field trees, every field.
func (rv *chgRev) acroForm(oldV, newV pdfraw.Object, changed bool) {
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
					why = append(why, fmt.Sprintf("/%s %s with the new signature", key, chgVerb(oldAF[key] != nil, true)))
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

func needAppearances(a *chgAnalyzer, k int, af pdfraw.Dict) bool {
	b, ok := a.res(k, af["NeedAppearances"]).(pdfraw.Bool)
	return ok && bool(b)
}

// fieldsInherit reports whether a visible non-signature field takes key
// (/DA or /Q) from the form: neither it nor its widget sets its own.
func (rv *chgRev) fieldsInherit(fields map[string]*chgField, key pdfraw.Name) bool {
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
func (rv *chgRev) fieldsPainted(fields map[string]*chgField) bool {
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
func (rv *chgRev) extendsValue(old, cur pdfraw.Object) bool {
	return rv.extends(old, cur, 0)
}

func (rv *chgRev) extends(old, cur pdfraw.Object, depth int) bool {
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
		for _, key := range chgKeys(od) {
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
func (rv *chgRev) resourcesInPlace(oldAF, newAF pdfraw.Dict, quiet bool) {
	a, k := rv.a, rv.k
	var refs []pdfraw.Ref
	if r, ok := newAF["DR"].(pdfraw.Ref); ok {
		refs = append(refs, r)
	}
	for _, key := range chgKeys(a.dict(k, newAF["DR"])) {
		if r, ok := a.dict(k, newAF["DR"])[key].(pdfraw.Ref); ok {
			refs = append(refs, r)
		}
	}
	for _, r := range refs {
		t := rv.touched[r.Num]
		if t == nil || t.settled || !t.atR || !t.prevUse {
			continue
		}
		od, nd := chgDictOf(t.old), chgDictOf(t.cur)
		if od == nil || nd == nil || chgIsStream(t.cur) || !rv.extends(od, nd, 0) {
			continue // left to the default verdict: a signed object changed
		}
		cls, reason := clsForm, "form default resources (/DR) extended in place"
		if rv.signs && quiet {
			cls, reason = rv.signCls, reason+" with the new signature"
		}
		rv.approve(r.Num, cls, "acroform", reason, roleDR)
		for _, key := range chgKeys(nd) {
			if _, had := od[key]; !had {
				rv.claim(nd[key], cls, "acroform", "form default resources")
			}
		}
	}
}

type chgField struct {
	name    string
	ref     pdfraw.Ref // zero when direct
	dict    pdfraw.Dict
	ft      pdfraw.Name
	widgets []chgWidget
	merged  bool
}

type chgWidget struct {
	ref  pdfraw.Ref
	dict pdfraw.Dict
}

// fieldTree lists the fields of the form as of rev by fully qualified name.
func (rv *chgRev) fieldTree(rev int, af pdfraw.Dict) map[string]*chgField {
	// Revision k's tree is revision k+1's old one: built once per analysis.
	if t, ok := rv.a.trees[rev]; ok {
		return t
	}
	out := map[string]*chgField{}
	rv.a.trees[rev] = out
	if af == nil {
		return out
	}
	a := rv.a
	seen := map[pdfraw.Ref]bool{}
	var walk func(o pdfraw.Object, parent *chgField, ft pdfraw.Name, depth int)
	walk = func(o pdfraw.Object, parent *chgField, ft pdfraw.Name, depth int) {
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
			parent.widgets = append(parent.widgets, chgWidget{ref, d})
			return
		}
		name := ""
		if parent != nil {
			name = parent.name
		}
		if hasT {
			name = chgJoinName(name, chgText(t.Bytes))
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
		f := &chgField{name: name, dict: d, ft: ft}
		if isRef {
			f.ref = ref
		}
		out[name] = f
		kids, _ := a.res(rev, d["Kids"]).(pdfraw.Array)
		if len(kids) == 0 {
			f.merged = true
			f.widgets = []chgWidget{{f.ref, d}}
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
func (rv *chgRev) visibleWidget(d pdfraw.Dict) bool {
	rect, _ := rv.a.res(rv.k, d["Rect"]).(pdfraw.Array)
	if len(rect) != 4 {
		return false
	}
	var v [4]float64
	for i, e := range rect {
		v[i], _ = chgNum(rv.a.res(rv.k, e))
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
func (rv *chgRev) sigValue(v pdfraw.Object, field string) (ts bool, problem string) {
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

func (rv *chgRev) compareFields(oldF, newF map[string]*chgField) {
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
		rv.reject(of.ref.Num, kind, fmt.Sprintf("field %q removed from the form", n))
	}
}

func (rv *chgRev) newField(nf *chgField) {
	a := rv.a
	if nf.ft != "Sig" {
		rv.reject(nf.ref.Num, "form_field", fmt.Sprintf("new form field %q (type /%s) added after signing; only signature fields may be added", nf.name, nf.ft))
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
	if v, ok := nf.dict["V"]; ok && !chgIsNull(v) {
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
	reason := fmt.Sprintf("%s %q", what, nf.name)
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
func (rv *chgRev) paints(f *chgField) bool {
	for _, w := range f.widgets {
		if rv.visibleWidget(w.dict) && rv.a.dict(rv.k, w.dict["AP"])["N"] != nil {
			return true
		}
	}
	return false
}

// chgValueKeys are the keys form filling (or signing a signature field)
// may change on a field or widget: its value and how that value is drawn
// (/DA, /Q, /MK: the field's own default appearance, quadding and
// appearance characteristics, which iText and Acrobat rewrite when they
// fill a field or draw a signature; pyHanko accepts them too).
var chgValueKeys = []pdfraw.Name{"V", "RV", "AS", "AP", "DA", "Q", "MK"}

// Flags that signing software sets on the fields it signs or locks and
// that change nothing a reader sees: annotation flags Print, ReadOnly,
// Locked and LockedContents (ISO 32000-2 Table 167; Acrobat turns a
// signature widget's /F 4 into 132), and the field flag ReadOnly (Table
// 227; Acrobat sets it on the fields a FieldMDP lock covers).
var (
	chgHarmlessAnnotFlags = []chgFlag{{4, "Print"}, {64, "ReadOnly"}, {128, "Locked"}, {512, "LockedContents"}}
	chgHarmlessFieldFlags = []chgFlag{{1, "ReadOnly"}}
)

type chgFlag struct {
	bit  int64
	name string
}

// harmlessFlags reports whether key is /F or /Ff and changed from old
// (k-1) to cur (k) only by gaining harmless flags, and names them.
func (rv *chgRev) harmlessFlags(key pdfraw.Name, old, cur pdfraw.Dict) (string, bool) {
	var known []chgFlag
	switch key {
	case "F":
		known = chgHarmlessAnnotFlags
	case "Ff":
		known = chgHarmlessFieldFlags
	default:
		return "", false
	}
	o, ok := chgFlagValue(rv.a.res(rv.k-1, old[key]))
	n, ok2 := chgFlagValue(rv.a.res(rv.k, cur[key]))
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

func chgFlagValue(o pdfraw.Object) (int64, bool) {
	switch v := o.(type) {
	case nil, pdfraw.Null:
		return 0, true
	case pdfraw.Int:
		return int64(v), v >= 0
	}
	return 0, false
}

// changedField judges a field that exists in k-1 and k: filled, signed,
// its flags set, or changed otherwise.
func (rv *chgRev) changedField(of, nf *chgField) {
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
		for _, key := range chgValueKeys {
			if r, ok := cur[key].(pdfraw.Ref); ok && old[key] == pdfraw.Object(r) {
				if t := rv.touched[r.Num]; t != nil && !t.settled && t.prevUse {
					inPlace[r.Num] = true
				}
			}
		}
	}
	noteInPlace(of.dict, nf.dict)
	type wdiff struct {
		w    chgWidget
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
		case chgHasName(chgValueKeys, key):
			valueChanged = true
		case !chgHasName(other, key):
			other = append(other, key)
		}
	}
	oldV, newV := of.dict["V"], nf.dict["V"]
	cls := clsForm
	var reason string
	locked := a.perms.fieldLocked(nf.name) && a.existedAtR(nf.ref.Num)
	flagsOnly := !valueChanged && len(other) == 0
	switch {
	case nf.ft == "Sig" && chgIsNull(oldV) && !chgIsNull(newV):
		if len(other) > 0 {
			rv.reject(nf.ref.Num, kind, fmt.Sprintf("signature field %q signed, but %s also changed", nf.name, chgKeyList(other)))
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
		reason = fmt.Sprintf("signature field %q signed", nf.name)
		if ts && !visible {
			cls = clsLTA
			reason = fmt.Sprintf("document timestamp added to signature field %q", nf.name)
		} else if locked {
			rv.reject(nf.ref.Num, kind, fmt.Sprintf("signature field %q is locked by a FieldMDP lock and cannot be signed", nf.name))
			return
		}
		rv.signing(cls)
		for _, w := range nf.widgets {
			rv.sigWidgets[w.ref.Num] = cls
		}
	case flagsOnly:
		// Allowed on locked fields too: the flags only stop interaction.
		cls = clsSign
		reason = fmt.Sprintf("field %q: flags set by a signing application", nf.name)
	case nf.ft == "Sig" && !chgIsNull(oldV):
		rv.reject(nf.ref.Num, kind, fmt.Sprintf("signature field %q was already signed and changed (%s)", nf.name, chgKeyList(allKeys)))
		return
	default:
		if len(other) > 0 {
			rv.reject(nf.ref.Num, kind, fmt.Sprintf("field %q: %s changed (form filling may change only /V, /RV, /AS, /AP, /DA, /Q and /MK)", nf.name, chgKeyList(other)))
			return
		}
		if locked {
			rv.reject(nf.ref.Num, kind, fmt.Sprintf("field %q is locked by FieldMDP and was changed (%s)", nf.name, chgKeyList(allKeys)))
			return
		}
		reason = fmt.Sprintf("form field %q filled", nf.name)
	}
	if len(flags) > 0 {
		reason += " (" + strings.Join(flags, "; ") + ")"
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
			rv.reject(num, kind, fmt.Sprintf("%s, but the value object it redefines is also used elsewhere in the signed document (%s)", reason, chgRoleNames(roles)))
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
func (rv *chgRev) hasStreamsInPlace() bool {
	if rv.streamsInPlace == 0 {
		rv.streamsInPlace = -1
		for _, t := range rv.touched {
			if !t.settled && t.atR && t.prevUse && chgIsStream(t.cur) {
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
func (rv *chgRev) appearancesInPlace(of, nf *chgField) []uint32 {
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
				for _, st := range chgKeys(x) {
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
		if t == nil || t.settled || !t.atR || !t.prevUse || !chgIsStream(t.cur) {
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
func (rv *chgRev) ownedBy(num uint32, objs map[uint32]bool) bool {
	for from := range rv.a.owners[num] {
		if !objs[from] {
			return false
		}
	}
	return len(rv.a.owners[num]) > 0
}

func chgIsNull(o pdfraw.Object) bool {
	switch o.(type) {
	case nil, pdfraw.Null:
		return true
	}
	return false
}

// dss judges the Document Security Store: only well-formed validation data
// may be added (ETSI EN 319 142-1 5.4.2): /Type, /Certs, /CRLs, /OCSPs
// (arrays of streams) and /VRI (entries named by a hexadecimal SHA-1 or SHA-2
// hash with /Cert, /CRL, /OCSP arrays, /TS stream and /TU date).
//
// The DSS is judged when the catalog's /DSS entry changed or when this
// revision redefines the DSS dictionary, one of its arrays, its /VRI
// dictionary or a /VRI entry (extending a DSS in place).
func (rv *chgRev) dss(oldV, newV pdfraw.Object, keyChanged bool) {
	a, k := rv.a, rv.k
	if !keyChanged && !rv.dssTouched(newV) {
		return
	}
	root, _ := a.f.Trailer(k)["Root"].(pdfraw.Ref)
	if newV == nil {
		rv.reject(root.Num, "dss", "/DSS removed from the catalog")
		return
	}
	where := root.Num
	if r, ok := newV.(pdfraw.Ref); ok {
		where = r.Num
		if or, _ := oldV.(pdfraw.Ref); or != r && a.existedAtR(r.Num) {
			rv.reject(r.Num, "dss", fmt.Sprintf("/DSS now points at object %d, which existed at signing", r.Num))
			return
		}
	}
	d, ok := a.res(k, newV).(pdfraw.Dict)
	if !ok {
		rv.reject(where, "dss", "/DSS is not a dictionary")
		return
	}
	var bad []string
	streams := func(v pdfraw.Object, what string) {
		if r, ok := v.(pdfraw.Ref); ok {
			if t := rv.touched[r.Num]; t != nil && !t.settled {
				rv.approve(r.Num, clsLTA, "dss", "DSS array "+what, roleDSS)
			}
		}
		arr, ok := a.res(k, v).(pdfraw.Array)
		if !ok {
			bad = append(bad, what+" is not an array")
			return
		}
		for _, e := range arr {
			r, ok := e.(pdfraw.Ref)
			if !ok {
				bad = append(bad, what+" holds a direct object")
				return
			}
			if _, ok := a.res(k, r).(*pdfraw.Stream); !ok {
				bad = append(bad, fmt.Sprintf("%s holds %d %d R, which is not a stream", what, r.Num, r.Gen))
				return
			}
			rv.claim(r, clsLTA, "dss", "validation data in "+what)
		}
	}
	for _, key := range chgKeys(d) {
		v := d[key]
		switch key {
		case "Type":
			if n, _ := v.(pdfraw.Name); n != "DSS" {
				bad = append(bad, "/DSS /Type is not /DSS")
			}
		case "Certs", "CRLs", "OCSPs":
			streams(v, "/DSS /"+string(key))
		case "VRI":
			if r, ok := v.(pdfraw.Ref); ok {
				if t := rv.touched[r.Num]; t != nil && !t.settled {
					rv.approve(r.Num, clsLTA, "dss", "DSS /VRI dictionary", roleDSS)
				}
			}
			vri, ok := a.res(k, v).(pdfraw.Dict)
			if !ok {
				bad = append(bad, "/VRI is not a dictionary")
				continue
			}
			for _, hk := range chgKeys(vri) {
				ev := vri[hk]
				if hk == "Type" {
					continue
				}
				if !chgHexName(string(hk)) {
					bad = append(bad, fmt.Sprintf("/VRI key /%s is not a hexadecimal SHA-1 or SHA-2 hash", hk))
					continue
				}
				if r, ok := ev.(pdfraw.Ref); ok {
					if t := rv.touched[r.Num]; t != nil && !t.settled {
						rv.approve(r.Num, clsLTA, "dss", "DSS /VRI entry", roleDSS)
					}
				}
				entry, ok := a.res(k, ev).(pdfraw.Dict)
				if !ok {
					bad = append(bad, fmt.Sprintf("/VRI /%s is not a dictionary", hk))
					continue
				}
				for _, ek := range chgKeys(entry) {
					e := entry[ek]
					switch ek {
					case "Type", "TU":
					case "Cert", "CRL", "OCSP":
						streams(e, fmt.Sprintf("/VRI /%s /%s", hk, ek))
					case "TS":
						if _, ok := a.res(k, e).(*pdfraw.Stream); !ok {
							bad = append(bad, fmt.Sprintf("/VRI /%s /TS is not a stream", hk))
						}
						rv.claim(e, clsLTA, "dss", "VRI timestamp")
					default:
						bad = append(bad, fmt.Sprintf("/VRI /%s has unexpected key /%s", hk, ek))
					}
				}
			}
		default:
			bad = append(bad, fmt.Sprintf("/DSS has unexpected key /%s", key))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		rv.reject(where, "dss", strings.Join(bad, "; "))
		return
	}
	if where != root.Num {
		if t := rv.touched[where]; t != nil && !t.settled {
			rv.approve(where, clsLTA, "dss", "Document Security Store updated", roleDSS)
		}
	}
}

// dssTouched reports whether revision k redefines the DSS dictionary or
// one of the objects directly under it or under its /VRI.
func (rv *chgRev) dssTouched(v pdfraw.Object) bool {
	touched := func(o pdfraw.Object) bool {
		r, ok := o.(pdfraw.Ref)
		if !ok {
			return false
		}
		t := rv.touched[r.Num]
		return t != nil && !t.settled
	}
	if v == nil {
		return false
	}
	if touched(v) {
		return true
	}
	d := rv.a.dict(rv.k, v)
	for key, e := range d {
		if touched(e) {
			return true
		}
		if key == "VRI" {
			for _, ve := range rv.a.dict(rv.k, e) {
				if touched(ve) {
					return true
				}
				for _, x := range rv.a.dict(rv.k, ve) {
					if touched(x) {
						return true
					}
				}
			}
		}
	}
	return false
}

// chgHexName reports whether s can name a /VRI entry: the hexadecimal
// hash of a signature value. ETSI EN 319 142-1 says SHA-1 (40 digits);
// writers also use SHA-2 (SHA-256 most often), which is no less specific.
func chgHexName(s string) bool {
	switch len(s) {
	case 40, 56, 64, 96, 128: // SHA-1, SHA-224, SHA-256, SHA-384, SHA-512
	default:
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// info judges the trailer's /Info.
func (rv *chgRev) info() {
	a, k := rv.a, rv.k
	oldV := a.f.Trailer(k - 1)["Info"]
	newV := a.f.Trailer(k)["Info"]
	oldRef, _ := oldV.(pdfraw.Ref)
	newRef, isRef := newV.(pdfraw.Ref)
	if newV == nil {
		return // dropping /Info hides metadata, paints nothing
	}
	if !isRef {
		rv.disallowed = append(rv.disallowed, ObjectChange{Object: "trailer", Revision: k, Kind: "info", Reason: "trailer /Info is not an indirect reference"})
		return
	}
	t := rv.touched[newRef.Num]
	if newRef == oldRef && (t == nil || t.settled) {
		return
	}
	if newRef != oldRef && a.existedAtR(newRef.Num) {
		rv.reject(newRef.Num, "info", fmt.Sprintf("trailer /Info switched to object %d, which existed at signing", newRef.Num))
		return
	}
	if _, ok := a.res(k, newRef).(pdfraw.Dict); !ok {
		rv.reject(newRef.Num, "info", "the document information dictionary is not a dictionary")
		return
	}
	rv.approve(newRef.Num, clsMeta, "info", "document information dictionary (/Info) updated", roleInfo)
	rv.claim(newRef, clsMeta, "info", "document information dictionary (/Info) updated")
}

// ---------------------------------------------------------------------
// Pages and annotations.

// pages judges the objects of the signed revision that are pages, /Annots
// arrays, annotations or the catalog's metadata stream.
func (rv *chgRev) pages() {
	a := rv.a
	nums := rv.sortedTouched()
	for _, num := range nums {
		t := rv.touched[num]
		if t.settled || !t.atR || a.fatal != nil {
			continue
		}
		roles := a.roles[num]
		oldD, newD := chgDictOf(t.old), chgDictOf(t.cur)
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
				rv.reject(num, "page", fmt.Sprintf("page dictionary changed: %s", chgKeyList(other)))
				continue
			}
			if chgHasName(keys, "Annots") {
				rv.annots(num, oldD["Annots"], newD["Annots"], rolePage)
			}
		case roles&roleAnnots != 0:
			if _, ok := t.cur.(pdfraw.Array); !ok {
				continue
			}
			rv.annots(num, t.old, t.cur, roleAnnots)
		case roles&roleAnnot != 0 && roles&roleField == 0:
			if oldD == nil || newD == nil || chgIsStream(t.cur) {
				continue
			}
			if st, _ := newD["Subtype"].(pdfraw.Name); st == "Widget" {
				// A widget that belongs to no field.
				rv.approve(num, clsAnnot, "annotation", "widget annotation without a field modified", roleAnnot)
				continue
			}
			keys := rv.diffKeys(oldD, newD)
			reason := fmt.Sprintf("annotation modified (%s)", chgKeyList(keys))
			rv.approve(num, clsAnnot, "annotation", reason, roleAnnot)
			for _, key := range keys {
				rv.claim(newD[key], clsAnnot, "annotation", reason)
			}
		case roles == roleMetadata:
			s, ok := t.cur.(*pdfraw.Stream)
			if ok {
				if typ, _ := s.Dict["Type"].(pdfraw.Name); typ == "Metadata" {
					rv.approve(num, clsMeta, "metadata", "XMP metadata stream redefined in place", roleMetadata)
				}
			}
		}
	}
}

// laterSigWidgets maps the widgets of signature fields the form lists at
// revision k and that were created after signing (in an earlier later
// revision) to the class placing them needs: a widget must belong to such
// a field, not merely claim /FT /Sig or a signed field as /Parent.
func (rv *chgRev) laterSigWidgets() map[uint32]chgClass {
	if rv.laterSig != nil {
		return rv.laterSig
	}
	rv.laterSig = map[uint32]chgClass{}
	for _, f := range rv.a.trees[rv.k] {
		if f.ft != "Sig" || f.ref.Num == 0 || !rv.a.isNew(f.ref.Num) {
			continue
		}
		cls := clsSign
		if chgIsNull(f.dict["V"]) && rv.paints(f) {
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
func (rv *chgRev) sigFieldWidget(d pdfraw.Dict) bool {
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

func chgIsStream(o pdfraw.Object) bool {
	_, ok := o.(*pdfraw.Stream)
	return ok
}

func (rv *chgRev) sortedTouched() []uint32 {
	nums := make([]uint32, 0, len(rv.touched))
	for n := range rv.touched {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	return nums
}

// annots judges a change of a page's /Annots (owner is the page or the
// /Annots array object).
func (rv *chgRev) annots(owner uint32, oldV, newV pdfraw.Object, expect chgRole) {
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
		reason := fmt.Sprintf("/%s annotation %d added", st, r.Num)
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
func (rv *chgRev) containers() {
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
		d := chgDictOf(t.cur)
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
func (rv *chgRev) danglingRefs() {
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
		rv.reject(num, kind, fmt.Sprintf("object number %d was undefined at signing but %s refers to it under /%s%s; revision %d defines it, so a hidden object becomes part of the signed document", num, from, d.key, more, rv.k))
	}
}

// finish turns the judgements into report entries.
func (rv *chgRev) finish() {
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
			rv.disallowed = append(rv.disallowed, ObjectChange{Object: chgObjName(num, gen(num)), Revision: k, Kind: kind, Reason: strings.Join(j.bad, "; ")})
			badSet[num] = true
			a.notePrior(num, chgPrior{bad: true, kind: kind, rev: k})
		case j != nil && j.set:
			ok, why := a.perms.allows(j.cls)
			reason := strings.Join(j.reasons, "; ")
			if ok {
				rv.allowed = append(rv.allowed, ObjectChange{Object: chgObjName(num, gen(num)), Revision: k, Kind: j.kind, Reason: reason})
				switch j.kind {
				case "form_field", "signature_field", "annotation", "info", "metadata":
					if j.cls >= clsMeta {
						rv.note(reason)
					}
				}
			} else {
				rv.disallowed = append(rv.disallowed, ObjectChange{Object: chgObjName(num, gen(num)), Revision: k, Kind: j.kind, Reason: reason + ": " + why})
				badSet[num] = true
			}
			a.notePrior(num, chgPrior{cls: j.cls, bad: !ok, kind: j.kind, copy: rv.copies[num], rev: k})
		case t != nil && t.atR:
			reason := "object of the signed revision changed"
			if od, nd := chgDictOf(t.old), chgDictOf(t.cur); od != nil && nd != nil {
				if keys := rv.diffKeys(od, nd); len(keys) > 0 {
					reason += " (" + chgKeyList(keys) + ")"
				} else if chgIsStream(t.cur) {
					reason += " (stream data)"
				}
			}
			if chgIsStream(t.cur) {
				reason += "; streams are never redefined in place by an allowed change"
			}
			rv.disallowed = append(rv.disallowed, ObjectChange{Object: chgObjName(num, gen(num)), Revision: k, Kind: rv.kindOf(num), Reason: reason})
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
				chgRefs(o, func(r pdfraw.Ref, key, parent pdfraw.Name) {
					if seen[r.Num] || !a.isNew(r.Num) || !a.visit() {
						return
					}
					seen[r.Num] = true
					if _, ok := partOf[r.Num]; !ok {
						partOf[r.Num] = root
						partKind[r.Num] = chgKindFromKey(key, parent)
					}
					stack = append(stack, a.obj(k, r))
				})
			}
		}
		for _, num := range pending {
			t := rv.touched[num]
			name := chgObjName(num, t.ref.Gen)
			if rv.copies[num] && !t.prevUse {
				rv.allowed = append(rv.allowed, ObjectChange{Object: name, Revision: k, Kind: rv.kindOf(num), Reason: "copy of a signed value with the same content"})
				a.notePrior(num, chgPrior{cls: clsLTA, kind: rv.kindOf(num), copy: true, rev: k})
				continue
			}
			if root, ok := partOf[num]; ok {
				kind := rv.kindOf(num)
				if kind == "unknown" && partKind[num] != "" {
					kind = partKind[num]
				}
				rv.disallowed = append(rv.disallowed, ObjectChange{Object: name, Revision: k, Kind: kind,
					Reason: fmt.Sprintf("new object referenced by the disallowed change of object %d", root)})
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
					a.notePrior(num, chgPrior{bad: true, kind: p.kind, rev: k})
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
			a.notePrior(num, chgPrior{cls: clsLTA, kind: rv.kindOf(num), rev: k})
		}
	}
	a.rep.Notes = append(a.rep.Notes, rv.notes...)
	a.rep.Allowed = append(a.rep.Allowed, chgCap(rv.allowed, k, "allowed")...)
	a.rep.Disallowed = append(a.rep.Disallowed, chgCap(rv.disallowed, k, "disallowed")...)
}

// chgCap sorts one revision's entries and summarises those past
// chgMaxListed.
func chgCap(list []ObjectChange, k int, what string) []ObjectChange {
	sort.SliceStable(list, func(i, j int) bool { return chgLess(list[i].Object, list[j].Object) })
	if len(list) <= chgMaxListed {
		return list
	}
	rest := len(list) - chgMaxListed
	out := append(list[:chgMaxListed:chgMaxListed], ObjectChange{Object: "…", Revision: k, Kind: "unknown",
		Reason: fmt.Sprintf("%d more %s changes in this revision not listed", rest, what)})
	return out
}

// chgLess orders "trailer" entries first, then objects by number.
func chgLess(x, y string) bool {
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

// chgRefs calls fn for every reference directly inside o (not behind
// other references), with the dictionary key it sits under and the key
// above that.
func chgRefs(o pdfraw.Object, fn func(r pdfraw.Ref, key, parent pdfraw.Name)) {
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
			for _, k := range chgKeys(v) {
				if chgBackLink(v, k) {
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

// chgKindFromKey guesses what a referenced object is from where it is
// referenced, for objects whose dictionary does not say.
func chgKindFromKey(key, parent pdfraw.Name) string {
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

// chgText decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM,
// else PDFDocEncoding approximated by Latin-1).
func chgText(b []byte) string {
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

func chgJoinName(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

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
func (rv *chgRev) structTree() {
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
	st := &chgStruct{rv: rv, cls: cls, why: why, seen: map[uint32]bool{}}
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

type chgStruct struct {
	rv   *chgRev
	cls  chgClass
	why  string
	seen map[uint32]bool
}

// changed returns the k-1 and k versions of object num when revision k
// redefines it and no rule settled it yet.
func (st *chgStruct) changed(num uint32) (old, cur pdfraw.Dict, ok bool) {
	t := st.rv.touched[num]
	if t == nil || t.settled {
		return nil, nil, false
	}
	return chgDictOf(t.old), chgDictOf(t.cur), true
}

// root judges the structure tree root (oldV as of k-1, ref as of k: the
// same object redefined, or a new object standing in for it).
func (st *chgStruct) root(oldV pdfraw.Object, ref pdfraw.Ref) {
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
func (st *chgStruct) elements(rootNum uint32) {
	rv, a := st.rv, st.rv.a
	for _, num := range rv.sortedTouched() {
		t := rv.touched[num]
		if t.settled || !t.atR || a.roles[num]&^roleOther != 0 || num == rootNum {
			continue
		}
		old, cur := chgDictOf(t.old), chgDictOf(t.cur)
		if old == nil || cur == nil || chgIsStream(t.cur) || !st.inTree(old, rootNum) {
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
func (st *chgStruct) inTree(d pdfraw.Dict, rootNum uint32) bool {
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
func (st *chgStruct) kids(oldK, newK pdfraw.Object) string {
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
func (st *chgStruct) newContent(r pdfraw.Ref, depth int) string {
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
func (st *chgStruct) newKid(e pdfraw.Object, depth int) string {
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
func (st *chgStruct) parentTree(oldV, newV pdfraw.Object) string {
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
	for _, key := range chgSortedInts(oldE) {
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
	for _, key := range chgSortedInts(newE) {
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
func (st *chgStruct) numberTree(rev int, v pdfraw.Object) (map[int64]pdfraw.Object, []uint32, string) {
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

func chgSortedInts(m map[int64]pdfraw.Object) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
