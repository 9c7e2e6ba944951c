package changes

import (
	"errors"
	"fmt"
	"github.com/sohoa/sohoa"
	"sort"
	"strconv"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// ---------------------------------------------------------------------
// One later revision.

// touchedObj is an object a later revision's cross-reference section lists.
type touchedObj struct {
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

// judgement accumulates what the rules say about one object.
type judgement struct {
	set     bool
	cls     class
	kind    string
	reasons []string
	bad     []string
	badKind string
}

type revCheck struct {
	a       *analyzer
	k       int
	touched map[uint32]*touchedObj
	judges  map[uint32]*judgement
	// sigWidgets maps widgets of new signature fields (and of signature
	// fields signed in this revision) to the class of their field.
	sigWidgets map[uint32]class
	// signs is set when revision k adds or fills a signature field, with
	// the class that change needs in signCls: what signing software
	// writes beside it (form defaults, structure tree entries for the new
	// widget) is part of it and needs no more.
	signs     bool
	signCls   class
	claimSeen map[[2]uint32]bool
	copies    map[uint32]bool
	notes     []string
	// noteReasons holds each note's coded reason (same index).
	noteReasons []sohoa.Reason
	// codes maps a finding's English text to its coded reason (coded).
	codes    map[string]sohoa.Reason
	laterSig map[uint32]class // laterSigWidgets
	// streamsInPlace caches hasStreamsInPlace: 0 unknown, 1 yes, -1 no.
	streamsInPlace int
	allowed        []ObjectChange
	disallowed     []ObjectChange
}

func (a *analyzer) revision(k int) error {
	rv := &revCheck{
		a: a, k: k,
		touched:    map[uint32]*touchedObj{},
		judges:     map[uint32]*judgement{},
		sigWidgets: map[uint32]class{},
		claimSeen:  map[[2]uint32]bool{},
		copies:     map[uint32]bool{},
		codes:      map[string]sohoa.Reason{},
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
func (rv *revCheck) note(reason string, coded sohoa.Reason) {
	line := fmt.Sprintf("revision %d: %s", rv.k+1, reason)
	if len(rv.notes) < maxListed && !contains(rv.notes, line) {
		rv.notes = append(rv.notes, line)
		rv.noteReasons = append(rv.noteReasons, coded)
	}
}

// coded records the coded reason of the finding text (code with the
// name/value pairs kv) and returns text, so a rule states its finding once:
// rv.reject(num, kind, rv.coded(fmt.Sprintf(...), code, "field", name)).
// A finding the rules compose further (joined, qualified) keeps its code
// only where its text stays whole.
func (rv *revCheck) coded(text string, code sohoa.ReasonCode, kv ...string) string {
	rv.codes[text] = sohoa.NewReason(code, kv...)
	return text
}

// reasonsFor returns the coded reasons of findings texts: each one's own
// code when a rule gave it one (coded), else generic (change.allowed or
// change.disallowed, the text as detail).
func (rv *revCheck) reasonsFor(texts []string, generic sohoa.ReasonCode) []sohoa.Reason {
	out := make([]sohoa.Reason, 0, len(texts))
	for _, t := range texts {
		r, ok := rv.codes[t]
		if !ok {
			r = sohoa.NewReason(generic, "detail", t)
		}
		out = append(out, r)
	}
	return out
}

// signing records that revision k adds or fills a signature field whose
// change needs class cls.
func (rv *revCheck) signing(cls class) {
	if !rv.signs || cls > rv.signCls {
		rv.signCls = cls
	}
	rv.signs = true
}

func objName(num uint32, gen uint16) string {
	return strconv.FormatUint(uint64(num), 10) + " " + strconv.FormatUint(uint64(gen), 10)
}

func (rv *revCheck) judge(num uint32) *judgement {
	j := rv.judges[num]
	if j == nil {
		j = &judgement{}
		rv.judges[num] = j
	}
	return j
}

// approve clears object num at class cls. For an object of the signed
// revision, expect lists the roles the rule is about: if the signed
// document also uses the object in another role, the approval turns into a
// rejection (a shared object cannot change under the milder rule).
func (rv *revCheck) approve(num uint32, cls class, kind, reason string, expect objRole) {
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
			rv.reject(num, kind, fmt.Sprintf("%s, but in the signed document this object is not that (it is %s)", reason, roleNames(roles)))
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
	if !contains(j.reasons, reason) {
		j.reasons = append(j.reasons, reason)
	}
}

func roleNames(r objRole) string {
	if r == 0 {
		return "referenced by nothing the analysis follows"
	}
	return r.names()
}

func (rv *revCheck) reject(num uint32, kind, reason string) {
	j := rv.judge(num)
	if j.badKind == "" {
		j.badKind = kind
	}
	if !contains(j.bad, reason) {
		j.bad = append(j.bad, reason)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// kindOf names object num: by its roles in the signed document, else by
// its dictionary.
func (rv *revCheck) kindOf(num uint32) string {
	if r := rv.a.roles[num]; r&^roleOther != 0 {
		return r.kind()
	}
	var d pdfraw.Dict
	if t := rv.touched[num]; t != nil {
		d = dictOf(t.cur)
		if d == nil {
			d = dictOf(t.old)
		}
	}
	return kindOfDict(d)
}

func dictOf(o pdfraw.Object) pdfraw.Dict {
	switch v := o.(type) {
	case pdfraw.Dict:
		return v
	case *pdfraw.Stream:
		return v.Dict
	}
	return nil
}

func kindOfDict(d pdfraw.Dict) string {
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
func (rv *revCheck) trailer() {
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
func (rv *revCheck) pointsIntoSigned(e pdfraw.XrefEntry) (bool, int64) {
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
func (rv *revCheck) collect() {
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
				rv.reject(num, rv.kindOf(num), rv.coded("object of the signed revision deleted (its cross-reference entry is now free)", CodeObjectDeleted))
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
		t := &touchedObj{num: num, entry: e, prevUse: prevUse, atR: a.existedAtR(num)}
		t.ref = pdfraw.Ref{Num: num, Gen: entryGen(e)}
		t.prevRef = pdfraw.Ref{Num: num, Gen: entryGen(prev)}
		rv.touched[num] = t
		cur, err := a.f.Object(k, t.ref)
		if err != nil {
			if !objectErr(err) && !errors.Is(err, pdfraw.ErrLimit) {
				a.fatal = err // I/O
				return
			}
			t.readErr = err
			t.settled = true
			rv.reject(num, rv.kindOf(num), rv.coded("object cannot be read: "+err.Error(), CodeUnreadableObject))
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
				rv.reject(num, rv.kindOf(num), rv.coded("object number of the signed revision was freed and is now reused for another object", CodeObjectNumberReused))
				continue
			case t.ref.Gen != gR:
				t.settled = true
				rv.reject(num, rv.kindOf(num), rv.coded(fmt.Sprintf("object of the signed revision replaced by generation %d (was %d)", t.ref.Gen, gR), CodeGenerationReplaced, "generation", fmt.Sprint(t.ref.Gen)))
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
				rv.reject(num, rv.kindOf(num), rv.coded(fmt.Sprintf("redefined by a cross-reference entry pointing into the signed bytes (offset %d) at a different version of the object: a shadow object", off), CodeShadowObject))
			} else {
				rv.reject(num, rv.kindOf(num), rv.coded(fmt.Sprintf("object did not exist at signing; revision %d defines it from the signed bytes (offset %d): a hidden object made visible", k, off), CodeHiddenObject))
			}
		}
	}
}

func entryGen(e pdfraw.XrefEntry) uint16 {
	if e.Type == pdfraw.EntryInUse || e.Type == pdfraw.EntryFree {
		return e.Gen
	}
	return 0
}
