package sohoa

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Catalog is everything sohoa records about units, dossiers and their files.
// storage/sqlite (the embedded default) and storage/postgres implement it and
// pass the same conformance suite, storage/catalogtest.
//
// Writes validate their input first: bad input is reported as EINVALID and
// nothing is written. A reference to a unit, procedure, dossier, document or
// user that does not exist is EINVALID too (the caller sent a bad
// reference); looking up or updating a missing object by its own key is
// ENOTFOUND; a duplicate key is ECONFLICT. Times are stored in UTC with
// microsecond precision; inputs in other zones are converted.
//
// The catalog does not write the audit log on its own: it does not know who
// acts. Callers append an AuditEntry in the same WithTx as the change.
type Catalog interface {
	UnitService
	ProcedureService
	DossierService
	DocumentService
	BlobGCService
	InspectionService
	VerificationService
	ReportService
	ProgressService
	ProgressSnapshotService
	TargetService
	UnitKeyService
	UserService
	SessionService
	AuditLog

	// WithTx runs fn in one database transaction: fn's Catalog sees and
	// makes changes that are committed together when fn returns nil and
	// rolled back when it returns an error (or panics). WithTx on a
	// transaction's Catalog runs fn in a savepoint of the same transaction.
	// Inside fn, a method that fails may leave the transaction unusable
	// (PostgreSQL aborts it at the first failed statement): to go on after
	// an expected failure, such as ECONFLICT from a concurrent insert, call
	// the method in a nested WithTx.
	//
	// The SQLite implementation has a single writer connection: inside fn,
	// use only tx, never the outer Catalog, for writes, or the call waits
	// for the connection fn holds (until ctx ends).
	WithTx(ctx context.Context, fn func(tx Catalog) error) error
}

// Scope says which units' data a caller may see: the subtrees rooted at
// Units, or everything when All is set. The zero Scope sees nothing, and a
// query given it fails with EFORBIDDEN rather than quietly returning all or
// nothing: every caller states what it may see. System callers (CLI,
// workers) pass AllUnits; the web layer passes User.Scope().
type Scope struct {
	All   bool
	Units []string
}

// AllUnits is the Scope of trusted callers that may see every unit.
var AllUnits = Scope{All: true}

// ScopeOf is the Scope covering the subtrees of the given units.
func ScopeOf(units ...string) Scope { return Scope{Units: units} }

// Validate reports EFORBIDDEN for the zero Scope and EINVALID for malformed
// unit codes in it.
func (s Scope) Validate() error {
	if s.All {
		return nil
	}
	if len(s.Units) == 0 {
		return Errorf(EFORBIDDEN, "no unit scope: the caller may see no unit")
	}
	for _, c := range s.Units {
		if err := ValidateCode("scope unit", c); err != nil {
			return err
		}
	}
	return nil
}

// Limits shared by the validators.
const (
	MaxCodeLen        = 64  // unit and procedure codes
	MaxDossierCodeLen = 100 // dossier codes, which may come from other systems
	MaxNameLen        = 255 // names, in runes
	MaxTextLen        = 4000
	DefaultPageSize   = 50
	MaxPageSize       = 1000
)

// ValidateCode checks a unit, procedure or other reference code: 1 to
// MaxCodeLen characters from [A-Za-z0-9.-_]. kind names the field in the
// error message.
func ValidateCode(kind, code string) error {
	return validateCodeLen(kind, code, MaxCodeLen)
}

func validateCodeLen(kind, code string, max int) error {
	if code == "" {
		return Errorf(EINVALID, "%s code is empty", kind)
	}
	if len(code) > max {
		return Errorf(EINVALID, "%s code %.20q… is longer than %d characters", kind, code, max)
	}
	for i := 0; i < len(code); i++ {
		if !codeByte(code[i]) {
			return Errorf(EINVALID, "%s code %q: character %q not allowed (use A-Z, a-z, 0-9, '.', '-', '_')", kind, code, rune(code[i]))
		}
	}
	return nil
}

func codeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
}

// validateText checks a human-readable field: valid UTF-8, no control
// characters (tab allowed when multiline), at most max runes, and non-empty
// (after trimming) when required. It returns the trimmed text.
func validateText(field, s string, max int, required, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", Errorf(EINVALID, "%s is not valid UTF-8", field)
	}
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", Errorf(EINVALID, "%s is empty", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", Errorf(EINVALID, "%s is %d characters long, more than %d", field, n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			return "", Errorf(EINVALID, "%s contains control character %U", field, r)
		}
	}
	return s, nil
}

// Oldest and newest instants the catalog accepts; outside them a time is
// almost certainly a bug (a zero or unset value, a unit mix-up).
var (
	minTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
)

// NormalizeTime converts t to UTC at microsecond precision (what both
// databases store), rejecting the zero time and implausible years.
func NormalizeTime(field string, t time.Time) (time.Time, error) {
	if t.IsZero() {
		return time.Time{}, Errorf(EINVALID, "%s is not set", field)
	}
	u := t.UTC().Truncate(time.Microsecond)
	if u.Before(minTime) || !u.Before(maxTime) {
		return time.Time{}, Errorf(EINVALID, "%s %s is out of range", field, t.Format(time.RFC3339))
	}
	return u, nil
}

func normalizeOptionalTime(field string, t *time.Time) (*time.Time, error) {
	if t == nil {
		return nil, nil
	}
	u, err := NormalizeTime(field, *t)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// pageLimit turns a requested page size into the one used.
func pageLimit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultPageSize, nil
	case n < 0 || n > MaxPageSize:
		return 0, Errorf(EINVALID, "page size %d out of range 1..%d", n, MaxPageSize)
	}
	return n, nil
}

// PageLimit is the page size a list query uses for a requested limit:
// DefaultPageSize for 0, EINVALID outside 1..MaxPageSize.
func PageLimit(n int) (int, error) { return pageLimit(n) }

func invalidf(format string, args ...any) error { return Errorf(EINVALID, format, args...) }
