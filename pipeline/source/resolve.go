package source

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sohoa/sohoa"
)

// Target is one file's destination: the dossier, role and component it is
// ingested as. A file listed in a manifest for several dossiers has one
// Target per row.
type Target struct {
	DossierCode string
	Role        sohoa.DocumentRole
	// Component is the component's name; after Complete, the procedure's
	// own spelling when the given name matched one of its components.
	Component string
	// Sequence is the archive rule's number (CODE.N.pdf), 0 otherwise;
	// Complete turns it into Component.
	Sequence int
	// FileName is the base name recorded on the document, in NFC.
	FileName string
	// Line is the manifest row, 0 for a file named by convention.
	Line int
	// Key identifies the target in the ingest journal; it depends only on
	// the file's name or manifest row, never on the catalog.
	Key string
	// NewDossier is set by Complete when the dossier does not exist and
	// enough is known to create it (IngestRequest.NewDossier).
	NewDossier *sohoa.Dossier
}

// Where says where a target comes from, for messages.
func (t Target) Where() string {
	if t.Line > 0 {
		return fmt.Sprintf("manifest line %d", t.Line)
	}
	return "file name"
}

// Lookup is the part of the catalog a Resolver reads.
type Lookup interface {
	FindUnitByCode(ctx context.Context, code string) (*sohoa.Unit, error)
	FindDossierByCode(ctx context.Context, code string) (*sohoa.Dossier, error)
	FindProcedureByCode(ctx context.Context, code string) (*sohoa.Procedure, error)
}

// Resolver maps files to targets: by the manifest when it lists the file,
// otherwise by the naming conventions (ParseName).
//
// Unknown dossiers: a manifest row's dossier is created from the
// manifest's unit, procedure and received_at (merged over all rows naming
// the dossier; Unit and Procedure fill empty columns; a Circular 01/2018
// code supplies a missing received_at from its date). A dossier named
// only by a file name is created only when both Unit and Procedure are
// set, received on the date in its code or, for other codes, at the
// file's modification time. Otherwise the file fails with a reason that
// says what to add.
//
// Unit, when set, also restricts the import to that unit: a file whose
// existing dossier, or manifest row, belongs to another unit fails, and so
// does a new dossier whose code has the Circular 01/2018 shape
// `<unit code>-YYMMDD-NNNN` with another unit's code. Codes of other shapes
// (from other systems) say nothing about a unit and are accepted.
//
// A component name must be one of the procedure's required components,
// matched as MatchComponent does: a document under any other name could
// never make its dossier digitized.
type Resolver struct {
	Manifest  *Manifest
	Unit      string
	Procedure string
	Catalog   Lookup

	mu       sync.Mutex
	dossiers map[string]*sohoa.Dossier   // nil value: known not to exist
	procs    map[string]*sohoa.Procedure // nil value: known not to exist
	units    map[string]bool
}

// Plan returns f's targets without reading the catalog: cheap enough to
// check the journal before anything else. The error is permanent when the
// file's name follows no convention and no manifest row lists it.
func (r *Resolver) Plan(f File) ([]Target, error) {
	base := NFC(filepath.Base(f.Path))
	if rows := r.Manifest.Lookup(f.Abs); len(rows) > 0 {
		out := make([]Target, len(rows))
		for i, row := range rows {
			out[i] = Target{
				DossierCode: row.Dossier, Role: row.Role, Component: row.Component,
				FileName: base, Line: row.Line,
				Key: targetKey(row.Dossier, row.Role, row.Component),
			}
		}
		return out, nil
	}
	n, err := ParseName(f.Path)
	if err != nil {
		return nil, err
	}
	label := n.Component
	if n.Sequence > 0 {
		label = "#" + strconv.Itoa(n.Sequence)
	}
	return []Target{{
		DossierCode: n.DossierCode, Role: n.Role, Component: n.Component, Sequence: n.Sequence,
		FileName: base, Key: targetKey(n.DossierCode, n.Role, label),
	}}, nil
}

func targetKey(dossier string, role sohoa.DocumentRole, label string) string {
	return dossier + "\x1f" + string(role) + "\x1f" + label
}

// Complete reads the catalog to finish t: the dossier's unit is checked
// against Unit, NewDossier is filled when the dossier is missing and may
// be created, and the component is resolved against the procedure's
// required components (the archive rule's N-th, or the required name a
// loosely written name matches). Errors about the file are permanent;
// catalog failures are not.
func (r *Resolver) Complete(ctx context.Context, f File, t *Target) error {
	d, err := r.dossier(ctx, t.DossierCode)
	if err != nil {
		return err
	}
	procedure := ""
	if d != nil {
		if r.Unit != "" && d.UnitCode != r.Unit {
			return Permanent(sohoa.Errorf(sohoa.EINVALID, "its dossier belongs to unit %s, not %s (--unit)", d.UnitCode, r.Unit))
		}
		procedure = d.ProcedureCode
	} else {
		nd, err := r.newDossier(f, t)
		if err != nil {
			return err
		}
		t.NewDossier = nd
		procedure = nd.ProcedureCode
	}
	if t.Role != sohoa.RoleComponent || (t.Sequence == 0 && t.Component == "") {
		return nil
	}
	required, err := r.components(ctx, procedure)
	if err != nil {
		return err
	}
	if t.Sequence > 0 {
		if t.Sequence > len(required) {
			return Permanent(sohoa.Errorf(sohoa.EINVALID,
				"component #%d, but procedure %s lists %d required component(s); name the file CODE__<component>.pdf",
				t.Sequence, procedure, len(required)))
		}
		t.Component = required[t.Sequence-1]
		return nil
	}
	c, err := matchRequired(t.Component, procedure, required)
	if err != nil {
		return Permanent(err)
	}
	t.Component = c
	return nil
}

// matchRequired resolves a component name against the procedure's
// required components, or says why it cannot.
func matchRequired(name, procedure string, required []string) (string, error) {
	if c, ok := MatchComponent(name, required); ok {
		return c, nil
	}
	if len(required) == 0 {
		return "", sohoa.Errorf(sohoa.EINVALID, "component %q: procedure %s lists no components", name, procedure)
	}
	f, n := fold(name), 0
	for _, c := range required {
		if fold(c) == f {
			n++
		}
	}
	list := strings.Join(required, "; ")
	if n > 1 {
		return "", sohoa.Errorf(sohoa.EINVALID, "component %q matches several of procedure %s's components (%s): write it exactly", name, procedure, list)
	}
	return "", sohoa.Errorf(sohoa.EINVALID, "component %q is not one of procedure %s's components (%s)", name, procedure, list)
}

// foreignCode says why a new dossier's code cannot be in unit: it has the
// Circular 01/2018 shape with another unit's code. Empty when it may.
func foreignCode(code, unit string) string {
	if cu, _, ok := ParseCircularCode(code); ok && cu != unit {
		return fmt.Sprintf("dossier code %s is a code of unit %s (Circular 01/2018: <unit code>-YYMMDD-NNNN), not of unit %s", code, cu, unit)
	}
	return ""
}

// newDossier builds the dossier to create for t, or says what is missing.
func (r *Resolver) newDossier(f File, t *Target) (*sohoa.Dossier, error) {
	_, codeDay, circular := ParseCircularCode(t.DossierCode)
	if t.Line > 0 {
		info, _ := r.Manifest.Dossier(t.DossierCode)
		unit, proc, at := info.Unit, info.Procedure, info.ReceivedAt
		if unit == "" {
			unit = r.Unit
		}
		if proc == "" {
			proc = r.Procedure
		}
		if at.IsZero() && circular {
			at = codeDay
		}
		if r.Unit != "" && unit != "" && unit != r.Unit {
			return nil, Permanent(sohoa.Errorf(sohoa.EINVALID, "manifest line %d: dossier %s is in unit %s, not %s (--unit)", t.Line, t.DossierCode, unit, r.Unit))
		}
		if msg := foreignCode(t.DossierCode, unit); unit != "" && msg != "" {
			return nil, Permanent(sohoa.Errorf(sohoa.EINVALID, "manifest line %d: %s", t.Line, msg))
		}
		var missing []string
		if unit == "" {
			missing = append(missing, "unit")
		}
		if proc == "" {
			missing = append(missing, "procedure")
		}
		if at.IsZero() {
			missing = append(missing, "received_at")
		}
		if len(missing) > 0 {
			return nil, Permanent(sohoa.Errorf(sohoa.EINVALID,
				"manifest line %d: dossier %s does not exist and the manifest does not give its %s, so it cannot be created",
				t.Line, t.DossierCode, joinAnd(missing)))
		}
		return &sohoa.Dossier{Code: t.DossierCode, UnitCode: unit, ProcedureCode: proc, ReceivedAt: at, ApplicantID: info.ApplicantID}, nil
	}
	if r.Unit == "" || r.Procedure == "" {
		return nil, Permanent(sohoa.Errorf(sohoa.EINVALID,
			"its dossier does not exist: create it first, list the file in a manifest with unit, procedure and received_at, or pass --unit and --procedure to create dossiers named by files"))
	}
	if circular {
		if cu, _, _ := ParseCircularCode(t.DossierCode); cu != r.Unit {
			return nil, Permanent(sohoa.Errorf(sohoa.EINVALID,
				"its dossier does not exist, and its code is a code of unit %s (Circular 01/2018: <unit code>-YYMMDD-NNNN), not of %s (--unit)", cu, r.Unit))
		}
	}
	at := f.ModTime
	if circular {
		at = codeDay
	}
	if at.IsZero() {
		at = time.Now()
	}
	return &sohoa.Dossier{Code: t.DossierCode, UnitCode: r.Unit, ProcedureCode: r.Procedure, ReceivedAt: at}, nil
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " and " + s[len(s)-1]
}

// maxCached bounds the dossiers and procedures a Resolver remembers.
const maxCached = 10000

// lookup finds code in the Resolver's cache m, else with find, and
// remembers the answer: a value, or the zero value for "does not exist"
// (ENOTFOUND). With recheckMissing a remembered "does not exist" is looked
// up again. The cache starts over past maxCached entries (a hot folder
// runs for months).
func lookup[T comparable](r *Resolver, m *map[string]T, what, code string, recheckMissing bool, find func() (T, error)) (T, error) {
	var zero T
	r.mu.Lock()
	v, ok := (*m)[code]
	r.mu.Unlock()
	if ok && (v != zero || !recheckMissing) {
		return v, nil
	}
	v, err := find()
	switch {
	case sohoa.Code(err) == sohoa.ENOTFOUND:
		v = zero
	case err != nil:
		return zero, fmt.Errorf("look up %s %s: %w", what, code, err)
	}
	r.mu.Lock()
	if *m == nil || len(*m) >= maxCached {
		*m = map[string]T{}
	}
	(*m)[code] = v
	r.mu.Unlock()
	return v, nil
}

// dossier looks a dossier up once; nil means it does not exist (yet). A
// missing dossier is looked up again: the file before this one may have
// created it.
func (r *Resolver) dossier(ctx context.Context, code string) (*sohoa.Dossier, error) {
	return lookup(r, &r.dossiers, "dossier", code, true, func() (*sohoa.Dossier, error) { return r.Catalog.FindDossierByCode(ctx, code) })
}

// procedure looks a procedure up once; nil means it does not exist.
func (r *Resolver) procedure(ctx context.Context, code string) (*sohoa.Procedure, error) {
	return lookup(r, &r.procs, "procedure", code, false, func() (*sohoa.Procedure, error) { return r.Catalog.FindProcedureByCode(ctx, code) })
}

// components returns a procedure's required components; an unknown
// procedure is a permanent EINVALID error.
func (r *Resolver) components(ctx context.Context, code string) ([]string, error) {
	p, err := r.procedure(ctx, code)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, Permanent(sohoa.Errorf(sohoa.EINVALID, "procedure %s does not exist (add it with sohoa procedure add)", code))
	}
	return p.RequiredComponents, nil
}
