package source

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sohoa/sohoa"
)

// FindFile returns the path under which the file a manifest names is on
// disk: p itself, or the directory entry whose name equals p's base name
// once both are in NFC (a manifest typed on Windows names "Đơn.pdf" in NFC,
// macOS wrote it in NFD).
func FindFile(p string) (string, error) {
	_, err := os.Stat(p)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return p, err
	}
	want := NFC(filepath.Base(p))
	entries, derr := os.ReadDir(filepath.Dir(p))
	if derr != nil {
		return p, err
	}
	for _, de := range entries {
		if NFC(de.Name()) == want {
			return filepath.Join(filepath.Dir(p), de.Name()), nil
		}
	}
	return p, err
}

// fileCheck is what CheckManifest found about one listed file.
type fileCheck struct {
	path string // as found on disk
	size int64
	msg  string // why it cannot be imported; "" when it can
}

// CheckManifest checks every row of r.Manifest before anything is stored,
// so that a bad manifest imports nothing (a half-imported batch is harder
// to fix than a rejected one). Per row: the file exists, is a regular
// file, lies inside the manifest's folder after symbolic links (unless
// AllowOutside), and is a PDF or a detached signature by content
// (CheckContent); the dossier exists, or the manifest (with Unit and
// Procedure filling empty cells) gives a unit and a procedure that exist
// and a received_at; Unit, when set, is the dossier's unit; a new
// dossier's Circular 01/2018 code is of its own unit; a component name is
// one of the procedure's components; a dossier does not get one file (the
// same path, or the same bytes under another name) as two different
// components or roles, since the catalog keeps a file once per dossier.
//
// The result is nil, one EINVALID error listing every bad row with its
// line number (those ParseManifest found included), or a catalog failure. The checks reading the catalog are
// repeated when each file is ingested (Complete): the catalog may change
// in between.
func (r *Resolver) CheckManifest(ctx context.Context) error {
	m := r.Manifest
	if m == nil {
		return nil
	}
	bad := append(rowErrors(nil), m.problems...)
	fail := bad.add

	files := map[string]*fileCheck{}
	for _, row := range m.Rows {
		k := fileKey(row.File)
		fc, ok := files[k]
		if !ok {
			if err := ctx.Err(); err != nil {
				return err
			}
			fc = r.checkFile(row.File)
			files[k] = fc
		}
		if fc.msg != "" {
			fail(row.Line, "%s: %s", relTo(m.Dir, row.File), fc.msg)
		}
	}

	// Dossiers: checked once each, the message on the first row naming it.
	type target struct {
		role      sohoa.DocumentRole
		component string
	}
	type listed struct {
		line int
		file string
		t    target
	}
	byDossier := map[string][]listed{}
	procOf := map[string]string{} // dossier → procedure, "" when unknown
	var order []string
	for _, row := range m.Rows {
		if _, seen := procOf[row.Dossier]; !seen {
			order = append(order, row.Dossier)
			proc, err := r.checkDossier(ctx, row.Dossier, fail)
			if err != nil {
				return err
			}
			procOf[row.Dossier] = proc
		}
		t := target{role: row.Role, component: row.Component}
		if row.Role == sohoa.RoleComponent && row.Component != "" {
			if proc := procOf[row.Dossier]; proc != "" {
				p, err := r.procedure(ctx, proc)
				if err != nil {
					return err
				}
				if p != nil {
					c, err := matchRequired(row.Component, proc, p.RequiredComponents)
					if err != nil {
						fail(row.Line, "%s", sohoa.Message(err))
					} else {
						t.component = c
					}
				}
			}
		}
		byDossier[row.Dossier] = append(byDossier[row.Dossier], listed{line: row.Line, file: row.File, t: t})
	}

	// One file, two targets in one dossier: by path, then by bytes among
	// files of equal size (scans of equal size are rare, so little is read).
	describe := func(t target) string {
		if t.role == sohoa.RoleComponent && t.component != "" {
			return fmt.Sprintf("component %q", t.component)
		}
		return string(t.role)
	}
	for _, code := range order {
		rows := byDossier[code]
		first := map[string]listed{} // file key → first row
		sizes := map[int64][]listed{}
		for _, l := range rows {
			k := fileKey(l.file)
			if f, ok := first[k]; ok {
				if f.t != l.t {
					fail(l.line, "%s is listed for dossier %s as %s here and as %s on line %d: a dossier holds a file once (scan each component separately)",
						relTo(m.Dir, l.file), code, describe(l.t), describe(f.t), f.line)
				}
				continue
			}
			first[k] = l
			if fc := files[k]; fc.msg == "" {
				sizes[fc.size] = append(sizes[fc.size], l)
			}
		}
		for _, same := range sizes {
			if len(same) < 2 {
				continue
			}
			sums := map[[sha256.Size]byte]listed{}
			for _, l := range same {
				sum, err := fileSum(files[fileKey(l.file)].path)
				if err != nil {
					continue // reported when it is ingested
				}
				if f, ok := sums[sum]; ok {
					if f.t != l.t {
						fail(l.line, "%s has the same bytes as %s (line %d), listed for dossier %s as %s here and as %s there: a dossier holds a file once (scan each component separately)",
							relTo(m.Dir, l.file), relTo(m.Dir, f.file), f.line, code, describe(l.t), describe(f.t))
					}
					continue
				}
				sums[sum] = l
			}
		}
	}

	return bad.err()
}

// checkFile checks one listed file: it exists, is regular, stays inside
// the manifest's folder, is not empty, and is a PDF or a detached
// signature.
func (r *Resolver) checkFile(p string) *fileCheck {
	fc := &fileCheck{path: p}
	found, err := FindFile(p)
	if err != nil {
		fc.msg = unwrapPathErr(err).Error()
		return fc
	}
	fc.path = found
	if !r.Manifest.AllowOutside {
		if resolved, err := Inside(r.Manifest.Dir, found); err != nil {
			if IsOutside(err) {
				fc.msg = fmt.Sprintf("a symbolic link leads it outside the manifest's folder (to %s): move the file into the folder (or pass --allow-outside)", resolved)
			} else {
				fc.msg = unwrapPathErr(err).Error()
			}
			return fc
		}
	}
	fi, err := os.Stat(found)
	switch {
	case err != nil:
		fc.msg = unwrapPathErr(err).Error()
		return fc
	case !fi.Mode().IsRegular():
		fc.msg = "not a regular file"
		return fc
	case fi.Size() == 0:
		fc.msg = "the file is empty"
		return fc
	}
	fc.size = fi.Size()
	head, err := ReadHead(found)
	if err != nil {
		fc.msg = unwrapPathErr(err).Error()
		return fc
	}
	if err := CheckContent(found, head); err != nil {
		fc.msg = sohoa.Message(err)
	}
	return fc
}

// checkDossier checks what the catalog and the manifest say about one
// dossier and returns its procedure ("" when it cannot be known).
func (r *Resolver) checkDossier(ctx context.Context, code string, fail func(int, string, ...any)) (string, error) {
	info, _ := r.Manifest.Dossier(code)
	d, err := r.dossier(ctx, code)
	if err != nil {
		return "", err
	}
	if d != nil {
		switch {
		case r.Unit != "" && d.UnitCode != r.Unit:
			fail(info.Line, "dossier %s belongs to unit %s, not %s (--unit)", code, d.UnitCode, r.Unit)
		case info.Unit != "" && info.Unit != d.UnitCode:
			fail(info.Line, "dossier %s exists in unit %s, not %s as the manifest says", code, d.UnitCode, info.Unit)
		case info.Procedure != "" && info.Procedure != d.ProcedureCode:
			fail(info.Line, "dossier %s exists with procedure %s, not %s as the manifest says", code, d.ProcedureCode, info.Procedure)
		}
		return d.ProcedureCode, nil
	}

	unit, proc, at := info.Unit, info.Procedure, info.ReceivedAt
	if unit == "" {
		unit = r.Unit
	}
	if proc == "" {
		proc = r.Procedure
	}
	_, codeDay, circular := ParseCircularCode(code)
	if at.IsZero() && circular {
		at = codeDay
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
		fail(info.Line, "dossier %s does not exist and the manifest does not give its %s, so it cannot be created", code, joinAnd(missing))
	}
	if unit != "" {
		ok, err := r.unitExists(ctx, unit)
		if err != nil {
			return "", err
		}
		switch {
		case !ok:
			fail(info.Line, "unit %s does not exist (add it with sohoa unit add)", unit)
		case r.Unit != "" && unit != r.Unit:
			fail(info.Line, "dossier %s is in unit %s, not %s (--unit)", code, unit, r.Unit)
		default:
			if msg := foreignCode(code, unit); msg != "" {
				fail(info.Line, "%s", msg)
			}
		}
	}
	if proc == "" {
		return "", nil
	}
	p, err := r.procedure(ctx, proc)
	if err != nil {
		return "", err
	}
	if p == nil {
		fail(info.Line, "procedure %s does not exist (add it with sohoa procedure add)", proc)
		return "", nil
	}
	return proc, nil
}

// unitExists looks a unit up once.
func (r *Resolver) unitExists(ctx context.Context, code string) (bool, error) {
	return lookup(r, &r.units, "unit", code, false, func() (bool, error) {
		_, err := r.Catalog.FindUnitByCode(ctx, code)
		return err == nil, err
	})
}

// CheckUnitProcedure checks that the unit and procedure given for new
// dossiers (--unit, --procedure) exist; empty ones are not checked.
func (r *Resolver) CheckUnitProcedure(ctx context.Context) error {
	if r.Unit != "" {
		ok, err := r.unitExists(ctx, r.Unit)
		if err != nil {
			return err
		}
		if !ok {
			return sohoa.Errorf(sohoa.EINVALID, "unit %s does not exist (add it with sohoa unit add)", r.Unit)
		}
	}
	if r.Procedure != "" {
		p, err := r.procedure(ctx, r.Procedure)
		if err != nil {
			return err
		}
		if p == nil {
			return sohoa.Errorf(sohoa.EINVALID, "procedure %s does not exist (add it with sohoa procedure add)", r.Procedure)
		}
	}
	return nil
}

func fileSum(p string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(p)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// relTo shows p relative to dir when it lies inside it.
func relTo(dir, p string) string {
	if rel, err := filepath.Rel(dir, p); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel)
	}
	return p
}
