package sohoa

import (
	"context"
	"encoding/json"
	"time"
)

// InspectionOutcome is the verdict of a scan-quality inspection or of one
// of its findings.
type InspectionOutcome string

const (
	InspectionOK   InspectionOutcome = "ok"
	InspectionWarn InspectionOutcome = "warn"
	InspectionFail InspectionOutcome = "fail"
)

// Valid reports whether o is one of the outcomes above.
func (o InspectionOutcome) Valid() bool {
	return o == InspectionOK || o == InspectionWarn || o == InspectionFail
}

// Finding is one rule's result in an inspection. Page is 1-based and set
// only when the finding concerns one page. Code and Params say the same as
// Message for any language (Reason renders them from the message
// catalogue); Message is the English text, kept for readers of stored
// results that predate codes.
type Finding struct {
	Rule    string            `json:"rule"`
	Outcome InspectionOutcome `json:"outcome"`
	Page    int               `json:"page,omitempty"`
	Message string            `json:"message"`
	Code    ReasonCode        `json:"code,omitempty"`
	Params  map[string]string `json:"params,omitempty"`
}

// Reason is the finding's code and parameters, for Reason.Text.
func (f Finding) Reason() Reason { return Reason{Code: f.Code, Params: f.Params} }

// Inspection is one scan-quality inspection run over a document. Every run
// is kept; the latest is the document's current state.
type Inspection struct {
	ID               int64             `json:"id"`
	DocumentID       int64             `json:"document_id"`
	Outcome          InspectionOutcome `json:"outcome"`
	Findings         []Finding         `json:"findings"`
	PolicyName       string            `json:"policy_name"`
	InspectorVersion string            `json:"inspector_version"`
	CreatedAt        time.Time         `json:"created_at"`
}

// Validate checks an inspection before it is recorded.
func (in *Inspection) Validate() error {
	if in.DocumentID <= 0 {
		return invalidf("inspection has no document")
	}
	if !in.Outcome.Valid() {
		return invalidf("unknown inspection outcome %q", in.Outcome)
	}
	for i := range in.Findings {
		f := &in.Findings[i]
		var err error
		if f.Rule, err = validateText("finding rule", f.Rule, MaxNameLen, true, false); err != nil {
			return err
		}
		if !f.Outcome.Valid() {
			return invalidf("finding %q: unknown outcome %q", f.Rule, f.Outcome)
		}
		if f.Page < 0 {
			return invalidf("finding %q: page %d is negative", f.Rule, f.Page)
		}
		if f.Message, err = validateText("finding message", f.Message, MaxTextLen, false, true); err != nil {
			return err
		}
		if _, err := validateText("finding code", string(f.Code), MaxNameLen, false, false); err != nil {
			return err
		}
		for k, v := range f.Params {
			if _, err := validateText("finding parameter name", k, MaxNameLen, true, false); err != nil {
				return err
			}
			if _, err := validateText("finding parameter "+k, v, MaxTextLen, false, false); err != nil {
				return err
			}
		}
	}
	if in.Findings == nil {
		in.Findings = []Finding{}
	}
	var err error
	if in.PolicyName, err = validateText("policy name", in.PolicyName, MaxNameLen, true, false); err != nil {
		return err
	}
	if in.InspectorVersion, err = validateText("inspector version", in.InspectorVersion, MaxNameLen, true, false); err != nil {
		return err
	}
	return nil
}

// InspectionService records scan inspections.
type InspectionService interface {
	// CreateInspection records a run and sets its ID and CreatedAt.
	CreateInspection(ctx context.Context, in *Inspection) error
	// FindInspections returns a document's runs, newest first.
	FindInspections(ctx context.Context, documentID int64) ([]*Inspection, error)
	// LatestInspections returns the newest run of each given document that
	// has one, keyed by document ID.
	LatestInspections(ctx context.Context, documentIDs []int64) (map[int64]*Inspection, error)
}

// Verification is one signature-verification run over a document, as the
// verifier reported it. Every run is kept (trust anchors and revocation
// data change, so later runs may say otherwise); LatestVerification is the
// one the UI shows.
type Verification struct {
	ID            int64  `json:"id"`
	DocumentID    int64  `json:"document_id"`
	Indication    string `json:"indication"`               // ETSI EN 319 102-1: TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE
	SubIndication string `json:"sub_indication,omitempty"` // ETSI sub-indication, if any
	// ReportJSON is the verifier's full JSON report, stored byte for byte.
	ReportJSON         json.RawMessage `json:"report"`
	VerifierVersion    string          `json:"verifier_version"`
	TrustAnchorsSHA256 string          `json:"trust_anchors_sha256"`
	CreatedAt          time.Time       `json:"created_at"`
}

// Indications a Verification may carry (ETSI EN 319 102-1 main statuses).
const (
	IndicationTotalPassed   = "TOTAL_PASSED"
	IndicationTotalFailed   = "TOTAL_FAILED"
	IndicationIndeterminate = "INDETERMINATE"
)

// Validate checks a verification before it is recorded.
func (v *Verification) Validate() error {
	if v.DocumentID <= 0 {
		return invalidf("verification has no document")
	}
	switch v.Indication {
	case IndicationTotalPassed, IndicationTotalFailed, IndicationIndeterminate:
	default:
		return invalidf("unknown indication %q", v.Indication)
	}
	if v.SubIndication != "" {
		if err := validateCodeLen("sub-indication", v.SubIndication, MaxCodeLen); err != nil {
			return err
		}
	}
	if len(v.ReportJSON) == 0 || !json.Valid(v.ReportJSON) {
		return invalidf("verification report is not valid JSON")
	}
	var err error
	if v.VerifierVersion, err = validateText("verifier version", v.VerifierVersion, MaxNameLen, true, false); err != nil {
		return err
	}
	if v.TrustAnchorsSHA256 != "" {
		if err := ValidateBlobKey(v.TrustAnchorsSHA256); err != nil {
			return invalidf("trust anchors digest %q is not a lowercase hex SHA-256", v.TrustAnchorsSHA256)
		}
	}
	return nil
}

// VerificationService records signature verifications.
type VerificationService interface {
	// CreateVerification records a run and sets its ID and CreatedAt.
	CreateVerification(ctx context.Context, v *Verification) error
	// FindVerifications returns a document's runs, newest first.
	FindVerifications(ctx context.Context, documentID int64) ([]*Verification, error)
	// LatestVerification returns a document's newest run; ENOTFOUND if none.
	LatestVerification(ctx context.Context, documentID int64) (*Verification, error)
	// LatestVerifications returns the newest run of each given document
	// that has one, keyed by document ID.
	LatestVerifications(ctx context.Context, documentIDs []int64) (map[int64]*Verification, error)
	// LatestVerdicts is LatestVerifications without the reports (ReportJSON
	// is nil), for callers that need only the verdicts: a report is
	// kilobytes, a verdict a few words.
	LatestVerdicts(ctx context.Context, documentIDs []int64) (map[int64]*Verification, error)
}
