package sohoa

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DossierStatus is where a dossier stands in its procedure.
type DossierStatus string

const (
	// StatusReceived: accepted by the one-stop shop, not yet being handled.
	StatusReceived DossierStatus = "received"
	// StatusProcessing: being handled by the competent department.
	StatusProcessing DossierStatus = "processing"
	// StatusResolved: a result (kết quả giải quyết) was issued.
	StatusResolved DossierStatus = "resolved"
	// StatusReturned: handed back without a result (refused, withdrawn,
	// or incomplete and returned to the applicant).
	StatusReturned DossierStatus = "returned"
)

// Valid reports whether s is one of the statuses above.
func (s DossierStatus) Valid() bool {
	switch s {
	case StatusReceived, StatusProcessing, StatusResolved, StatusReturned:
		return true
	}
	return false
}

// DigitizationState says whether a dossier is digitized, as
// EvaluateDigitization defines it (digitization.go): every required
// component a certified copy of the unit or a born-digital file whose
// signatures passed, and once resolved a validly signed result.
type DigitizationState string

const (
	// DigitizationIncomplete: some required component or the result is
	// not digitized yet.
	DigitizationIncomplete DigitizationState = "incomplete"
	// DigitizationDigitized: the dossier is digitized.
	DigitizationDigitized DigitizationState = "digitized"
)

// Valid reports whether s is one of the states above.
func (s DigitizationState) Valid() bool {
	return s == DigitizationIncomplete || s == DigitizationDigitized
}

// ScanState is the weaker level kept beside DigitizationState: whether
// every required component (and once resolved the result) has a file that
// passed inspection and whose signatures, if any, did not fail ("scanned
// and checked"), so a unit without a signing key still sees its progress.
// A digitized dossier is always scanned and checked.
type ScanState string

const (
	// ScanIncomplete: some required part has no file that passed
	// inspection without a failed signature.
	ScanIncomplete ScanState = "incomplete"
	// ScanChecked: every required part is scanned and checked.
	ScanChecked ScanState = "scanned_checked"
)

// Valid reports whether s is one of the states above.
func (s ScanState) Valid() bool { return s == ScanIncomplete || s == ScanChecked }

// Dossier is an administrative-procedure dossier (hồ sơ TTHC) received by a
// unit. Its Code follows Circular 01/2018/TT-VPCP Art. 19
// (`<unit code>-YYMMDD-NNNN`) when sohoa generates it; codes from other
// systems are accepted if they use the code character set.
type Dossier struct {
	Code              string            `json:"code"`
	UnitCode          string            `json:"unit_code"`
	ProcedureCode     string            `json:"procedure_code"`
	ReceivedAt        time.Time         `json:"received_at"`
	DueAt             *time.Time        `json:"due_at,omitempty"`
	ResolvedAt        *time.Time        `json:"resolved_at,omitempty"`
	Status            DossierStatus     `json:"status"`
	DigitizationState DigitizationState `json:"digitization_state"`
	// ScanState is the "scanned and checked" level (ScanState).
	ScanState ScanState `json:"scan_state"`
	// ApplicantID names the applicant (a CCCD or an MST, ValidateApplicantID),
	// "" when not recorded; documents of the applicant's earlier dossiers
	// can be reused (reuse.go).
	ApplicantID string    `json:"applicant_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// ValidateDossierCode checks a dossier code's character set and length.
func ValidateDossierCode(code string) error {
	return validateCodeLen("dossier", code, MaxDossierCodeLen)
}

// Validate checks a dossier before it is created, filling defaults
// (status received, digitization incomplete) and normalising times to UTC.
// An empty Code is allowed: the catalog then generates one.
func (d *Dossier) Validate() error {
	if d.Code != "" {
		if err := ValidateDossierCode(d.Code); err != nil {
			return err
		}
	}
	if err := ValidateCode("unit", d.UnitCode); err != nil {
		return err
	}
	if err := ValidateCode("procedure", d.ProcedureCode); err != nil {
		return err
	}
	if d.Status == "" {
		d.Status = StatusReceived
	}
	if !d.Status.Valid() {
		return invalidf("unknown dossier status %q", d.Status)
	}
	if d.DigitizationState == "" {
		d.DigitizationState = DigitizationIncomplete
	}
	if !d.DigitizationState.Valid() {
		return invalidf("unknown digitization state %q", d.DigitizationState)
	}
	if d.ScanState == "" {
		d.ScanState = ScanIncomplete
	}
	if !d.ScanState.Valid() {
		return invalidf("unknown scan state %q", d.ScanState)
	}
	d.keepLevels()
	var err error
	if d.ApplicantID != "" {
		if d.ApplicantID, err = ValidateApplicantID(d.ApplicantID); err != nil {
			return err
		}
	}
	if d.ReceivedAt, err = NormalizeTime("received_at", d.ReceivedAt); err != nil {
		return err
	}
	if d.DueAt, err = normalizeOptionalTime("due_at", d.DueAt); err != nil {
		return err
	}
	if d.ResolvedAt, err = normalizeOptionalTime("resolved_at", d.ResolvedAt); err != nil {
		return err
	}
	return d.checkOrder()
}

func (d *Dossier) checkOrder() error {
	if d.DueAt != nil && d.DueAt.Before(d.ReceivedAt) {
		return invalidf("dossier due_at %s is before received_at %s", d.DueAt.Format(time.RFC3339), d.ReceivedAt.Format(time.RFC3339))
	}
	if d.ResolvedAt != nil && d.ResolvedAt.Before(d.ReceivedAt) {
		return invalidf("dossier resolved_at %s is before received_at %s", d.ResolvedAt.Format(time.RFC3339), d.ReceivedAt.Format(time.RFC3339))
	}
	return nil
}

// keepLevels keeps the two levels in order: digitized implies scanned
// and checked.
func (d *Dossier) keepLevels() {
	if d.DigitizationState == DigitizationDigitized {
		d.ScanState = ScanChecked
	}
}

// DossierUpdate changes a dossier; nil fields stay as they are. ClearDueAt
// and ClearResolvedAt remove those times. Setting DigitizationState to
// digitized also sets ScanState to scanned_checked.
type DossierUpdate struct {
	Status            *DossierStatus
	DigitizationState *DigitizationState
	ScanState         *ScanState
	DueAt             *time.Time
	ClearDueAt        bool
	ResolvedAt        *time.Time
	ClearResolvedAt   bool
}

// Apply validates upd and applies it to d.
func (upd DossierUpdate) Apply(d *Dossier) error {
	if upd.Status != nil {
		if !upd.Status.Valid() {
			return invalidf("unknown dossier status %q", *upd.Status)
		}
		d.Status = *upd.Status
	}
	if upd.DigitizationState != nil {
		if !upd.DigitizationState.Valid() {
			return invalidf("unknown digitization state %q", *upd.DigitizationState)
		}
		d.DigitizationState = *upd.DigitizationState
	}
	if upd.ScanState != nil {
		if !upd.ScanState.Valid() {
			return invalidf("unknown scan state %q", *upd.ScanState)
		}
		d.ScanState = *upd.ScanState
	}
	d.keepLevels()
	var err error
	if upd.ClearDueAt {
		d.DueAt = nil
	} else if upd.DueAt != nil {
		if d.DueAt, err = normalizeOptionalTime("due_at", upd.DueAt); err != nil {
			return err
		}
	}
	if upd.ClearResolvedAt {
		d.ResolvedAt = nil
	} else if upd.ResolvedAt != nil {
		if d.ResolvedAt, err = normalizeOptionalTime("resolved_at", upd.ResolvedAt); err != nil {
			return err
		}
	}
	return d.checkOrder()
}

// FormatDossierCode builds the Circular 01/2018 code `<unit>-YYMMDD-NNNN`
// for the n-th dossier a unit received on day (taken in Asia/Ho_Chi_Minh).
// n above 9999 simply gets more digits.
func FormatDossierCode(unitCode string, day time.Time, n int) string {
	return fmt.Sprintf("%s-%s-%04d", unitCode, day.In(Location()).Format("060102"), n)
}

// DossierDay is the counter key NextDossierCode uses: the local
// (Asia/Ho_Chi_Minh) date of t as YYMMDD.
func DossierDay(t time.Time) string { return t.In(Location()).Format("060102") }

// DossierFilter selects dossiers. Zero fields do not filter. Results are
// ordered by (received_at, code), newest first when Descending; a page
// ends with NextCursor, "" on the last page.
type DossierFilter struct {
	Scope Scope
	// UnitCode, with IncludeSubunits, also takes dossiers of the units
	// below it.
	UnitCode        string
	IncludeSubunits bool
	ProcedureCode   string
	// CodeContains keeps dossiers whose code contains it, ignoring ASCII
	// case (the API's text search; a code is what a clerk reads off a
	// receipt). It uses the code character set.
	CodeContains string
	Statuses     []DossierStatus
	States       []DigitizationState
	// ReceivedFrom (inclusive) and ReceivedBefore (exclusive) bound
	// received_at; Period.Start and Period.End fit them.
	ReceivedFrom   time.Time
	ReceivedBefore time.Time
	// ResolvedFrom (inclusive) and ResolvedBefore (exclusive) bound
	// resolved_at; a dossier without one is left out when either is set.
	ResolvedFrom   time.Time
	ResolvedBefore time.Time
	Descending     bool
	Cursor         string
	Limit          int
}

// Validate checks the filter and returns the page size to use.
func (f *DossierFilter) Validate() (limit int, err error) {
	if err := f.Scope.Validate(); err != nil {
		return 0, err
	}
	if f.UnitCode != "" {
		if err := ValidateCode("unit", f.UnitCode); err != nil {
			return 0, err
		}
	} else if f.IncludeSubunits {
		return 0, invalidf("IncludeSubunits needs a unit code")
	}
	if f.ProcedureCode != "" {
		if err := ValidateCode("procedure", f.ProcedureCode); err != nil {
			return 0, err
		}
	}
	if f.CodeContains != "" {
		if err := validateCodeLen("search text", f.CodeContains, MaxDossierCodeLen); err != nil {
			return 0, err
		}
	}
	for _, s := range f.Statuses {
		if !s.Valid() {
			return 0, invalidf("unknown dossier status %q", s)
		}
	}
	for _, s := range f.States {
		if !s.Valid() {
			return 0, invalidf("unknown digitization state %q", s)
		}
	}
	if !f.ReceivedFrom.IsZero() {
		f.ReceivedFrom = f.ReceivedFrom.UTC().Truncate(time.Microsecond)
	}
	if !f.ReceivedBefore.IsZero() {
		f.ReceivedBefore = f.ReceivedBefore.UTC().Truncate(time.Microsecond)
	}
	if !f.ResolvedFrom.IsZero() {
		f.ResolvedFrom = f.ResolvedFrom.UTC().Truncate(time.Microsecond)
	}
	if !f.ResolvedBefore.IsZero() {
		f.ResolvedBefore = f.ResolvedBefore.UTC().Truncate(time.Microsecond)
	}
	if f.Cursor != "" {
		if _, _, err := DecodeDossierCursor(f.Cursor); err != nil {
			return 0, err
		}
	}
	return pageLimit(f.Limit)
}

// EncodeDossierCursor builds the opaque cursor after the dossier
// (receivedAt, code).
func EncodeDossierCursor(receivedAt time.Time, code string) string {
	raw := strconv.FormatInt(receivedAt.UTC().UnixMicro(), 10) + " " + code
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeDossierCursor reverses EncodeDossierCursor; a malformed cursor is
// EINVALID.
func DecodeDossierCursor(c string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", invalidf("malformed page cursor")
	}
	us, code, ok := strings.Cut(string(raw), " ")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || ValidateDossierCode(code) != nil {
		return time.Time{}, "", invalidf("malformed page cursor")
	}
	return time.UnixMicro(n).UTC(), code, nil
}

// DossierPage is one page of FindDossiers.
type DossierPage struct {
	Dossiers   []*Dossier `json:"dossiers"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// DossierCount is one group of CountDossiers: how many dossiers of a unit
// are in a digitization state.
type DossierCount struct {
	UnitCode          string            `json:"unit_code"`
	DigitizationState DigitizationState `json:"digitization_state"`
	Count             int64             `json:"count"`
}

// DossierService manages dossiers.
type DossierService interface {
	// CreateDossier records a dossier. With an empty Code it generates the
	// next Circular 01/2018 code for the unit and the local day of
	// ReceivedAt (skipping codes already taken) and stores it in d.Code.
	// An existing code is ECONFLICT; an unknown unit or procedure EINVALID.
	CreateDossier(ctx context.Context, d *Dossier) error
	// NextDossierCode reserves the next code for a unit and the local day
	// of at. Concurrent callers get distinct codes; a reserved code that
	// is never used leaves a gap, as numbering on paper would.
	NextDossierCode(ctx context.Context, unitCode string, at time.Time) (string, error)
	FindDossierByCode(ctx context.Context, code string) (*Dossier, error)
	FindDossiers(ctx context.Context, f DossierFilter) (*DossierPage, error)
	// CountDossiers counts the dossiers f selects (ignoring its cursor and
	// limit) grouped by unit and digitization state, ordered by unit.
	CountDossiers(ctx context.Context, f DossierFilter) ([]DossierCount, error)
	// UpdateDossier applies upd and returns the dossier as updated. Inside
	// a transaction it locks the dossier's row until the transaction ends,
	// also for an empty update, which writes nothing: the way to serialise
	// work on one dossier.
	UpdateDossier(ctx context.Context, code string, upd DossierUpdate) (*Dossier, error)
}
