package changes

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// objRole is a bit set of the roles an object of the signed revision plays.
type objRole uint32

const (
	roleCatalog objRole = 1 << iota
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

// roleKinds orders roles for naming: the first that applies wins.
var roleKinds = []struct {
	r    objRole
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

func (r objRole) kind() string {
	for _, k := range roleKinds {
		if r&k.r != 0 {
			return k.kind
		}
	}
	return "unknown"
}

func (r objRole) names() string {
	var out []string
	for _, k := range roleKinds {
		if r&k.r != 0 {
			out = append(out, k.kind)
		}
	}
	if r&roleOther != 0 {
		out = append(out, "other")
	}
	return strings.Join(out, ", ")
}

// danglingRef is a reference the signed revision makes to an object number
// it does not define.
type danglingRef struct {
	from uint32 // referencing object (0: the trailer)
	key  pdfraw.Name
	role objRole
}

type analyzer struct {
	f         *pdfraw.File
	secs      []*pdfraw.Section
	r         int
	perms     Permissions
	signedEnd int64
	visits    int
	fatal     error

	roles map[uint32]objRole
	// owners holds, for each object the signed revision uses as an
	// appearance or a field value, the objects whose /AP (or appearance
	// state dictionary) or value key refers to it.
	owners map[uint32]map[uint32]bool
	// trees holds each revision's form field tree (fieldTree).
	trees    map[int]map[string]*formField
	dangling map[uint32][]danglingRef
	// newSince holds the object numbers not in use at the signed revision
	// that some later revision defines, with the first such revision.
	newSince map[uint32]int
	// prior records, for objects created after signing, the verdict they
	// got in an earlier revision, so a later redefinition inherits it.
	prior map[uint32]priorVerdict

	rep *Report
}

type priorVerdict struct {
	cls  class
	bad  bool
	kind string
	// copy: the object stands in for signed content (a page's /Resources
	// rewritten as a new object with the same content, say); changing it
	// later changes the signed content.
	copy bool
	rev  int
}

// notePrior merges p into what is known about object num.
func (a *analyzer) notePrior(num uint32, p priorVerdict) {
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

// Analyze compares revision signedRev with every later revision
// object by object. It returns a nil report when there are no later
// revisions. Errors are limits (ErrLimit) and I/O failures; malformed
// objects in later revisions are disallowed changes, not errors.
func Analyze(f *pdfraw.File, signedRev int, perms Permissions) (*Report, error) {
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
	a := &analyzer{
		f: f, secs: secs, r: signedRev, perms: perms,
		signedEnd: secs[signedRev].End,
		roles:     map[uint32]objRole{},
		owners:    map[uint32]map[uint32]bool{},
		trees:     map[int]map[string]*formField{},
		dangling:  map[uint32][]danglingRef{},
		newSince:  map[uint32]int{},
		prior:     map[uint32]priorVerdict{},
		rep:       &Report{LaterRevisions: len(secs) - 1 - signedRev, Allowed: []ObjectChange{}, Disallowed: []ObjectChange{}},
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
func (a *analyzer) usedAt(rev int, num uint32) (uint16, bool) {
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

func (a *analyzer) existedAtR(num uint32) bool {
	_, ok := a.usedAt(a.r, num)
	return ok
}

// isNew reports whether num is an object number created after signing.
func (a *analyzer) isNew(num uint32) bool {
	_, ok := a.newSince[num]
	return ok
}

func (a *analyzer) visit() bool {
	a.visits++
	if a.visits > maxVisits {
		if a.fatal == nil {
			a.fatal = fmt.Errorf("%w: more than %d objects visited while analysing changes after signing", pdfraw.ErrLimit, maxVisits)
		}
		return false
	}
	return true
}

// soft records err as fatal unless it only says an object is malformed or
// uses an unsupported filter (such an object reads as absent; objects a
// later revision defines are judged separately and never read as absent).
func (a *analyzer) soft(err error) {
	if err == nil || a.fatal != nil {
		return
	}
	if objectErr(err) {
		return
	}
	a.fatal = err
}

func objectErr(err error) bool {
	return errors.Is(err, pdfraw.ErrMalformed) || errors.Is(err, pdfraw.ErrNotPDF) || errors.Is(err, pdfraw.ErrUnsupported)
}

// obj reads ref at rev; a malformed object reads as nil.
func (a *analyzer) obj(rev int, ref pdfraw.Ref) pdfraw.Object {
	o, err := a.f.Object(rev, ref)
	if err != nil {
		a.soft(err)
		return nil
	}
	return o
}

func (a *analyzer) res(rev int, o pdfraw.Object) pdfraw.Object {
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

func (a *analyzer) dict(rev int, o pdfraw.Object) pdfraw.Dict {
	switch v := a.res(rev, o).(type) {
	case pdfraw.Dict:
		return v
	case *pdfraw.Stream:
		return v.Dict
	}
	return nil
}
