package sohoa

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// The digitization rule, shared by every front end (status, progress, the
// web UI, through the states the pipeline stores on each dossier) so that
// "digitized" means one thing everywhere. It has two levels.
//
// Digitized (số hóa; Dossier.DigitizationState "digitized"): every
// required component of the dossier's procedure (Procedure.
// RequiredComponents, matched trimmed and case-insensitively to documents'
// component names) has at least one component document that passed
// inspection (latest inspection not fail; a warning such as a greyscale
// scan is fine) and is either a certified copy of the receiving unit (bản
// sao điện tử: its latest verification TOTAL_PASSED, signed with the
// unit's configured key certificate) or a born-digital file whose
// signatures passed (TOTAL_PASSED). Both come down to "passed inspection
// and every signature passed"; a copy certified by another agency counts
// as a signed file. Once the dossier is resolved, its result must be
// digitized too: a result document that passed inspection and whose
// latest verification is TOTAL_PASSED, signed by the unit: when the unit
// has a signing key, one of its signatures must be made with that key's
// certificate (the signer certificate's SHA-256 in the stored
// verification report); a unit without a key cannot be checked, and any
// valid signature counts. A unit whose policy requires the Government CA
// (Unit.RequireGovCA) also needs one of the result's signatures that
// passed to chain to the Government CA's root (trust_infrastructure "gov"
// in the stored verification report): a result signed only under the
// national public CA or a unit-configured anchor is not digitized
// (document.not_gov_ca).
//
// Scanned and checked (đã quét và kiểm tra; Dossier.ScanState
// "scanned_checked"), the weaker level kept as its own figure so that a
// unit without a signing key still sees its progress: every required
// component (and once resolved the result) has a document that passed
// inspection and whose latest verification exists and is not TOTAL_FAILED
// (an unsigned scan, INDETERMINATE/NO_SIGNATURE, counts; a signature that
// fails does not). A digitized dossier is always scanned and checked.
//
// A procedure that lists no components needs one component document of any
// name. A document not yet inspected or verified counts for neither level.
//
// What is not met for "digitized" comes back as typed Requirements (a
// reason code with parameters), rendered by the message catalogue in
// Vietnamese or English; a requirement met at the scanned-and-checked level
// says so (ScannedChecked) with why it is not digitized: an unsigned scan
// without a certified copy (document.not_certified), a signature that is
// not confirmed (document.signature_not_passed), a result not signed by the
// unit (document.not_signed_by_unit) or, where the unit requires it, not
// signed under the Government CA (document.not_gov_ca).

// Reason codes of unmet digitization requirements. Params, where a code
// has them: file (the file name), rules (comma-separated failed inspection
// rules), verdict ("TOTAL_FAILED, HASH_FAILURE") with indication and
// sub_indication, detail (why a file cannot be read), name (a component).
const (
	ReasonNoFile            ReasonCode = "dossier.no_file"
	ReasonNotChecked        ReasonCode = "document.not_checked"   // file
	ReasonNotInspected      ReasonCode = "document.not_inspected" // file
	ReasonNotVerified       ReasonCode = "document.not_verified"  // file
	ReasonInspectionFailed  ReasonCode = "document.inspection_failed"
	ReasonSignatureFailed   ReasonCode = "document.signature_failed"
	ReasonUnreadable        ReasonCode = "document.unreadable"
	reasonRequirementPrefix            = "requirement."
	// Requirement headings: which requirement a reason is about.
	ReasonRequirementComponent    ReasonCode = reasonRequirementPrefix + "component"     // name
	ReasonRequirementAnyComponent ReasonCode = reasonRequirementPrefix + "any_component" // procedure lists none
	ReasonRequirementResult       ReasonCode = reasonRequirementPrefix + "result"
	ReasonNewestOfFiles           ReasonCode = "document.newest_of_files" // files
	// Reasons a part is scanned and checked but not digitized.
	ReasonNotCertified       ReasonCode = "document.not_certified"        // file
	ReasonSignatureNotPassed ReasonCode = "document.signature_not_passed" // file, verdict, indication, sub_indication
	ReasonNotSignedByUnit    ReasonCode = "document.not_signed_by_unit"   // file
	ReasonNotGovCA           ReasonCode = "document.not_gov_ca"           // file
)

// InfrastructureGov is the trust_infrastructure value, in a stored
// verification report, of a signature whose chain ends in the Government
// CA's root (verify.InfraGov).
const InfrastructureGov = "gov"

func init() {
	RegisterMessages(map[ReasonCode]Translation{
		ReasonNoFile:       {VI: "chưa có tệp", EN: "no file"},
		ReasonNotChecked:   {VI: "tệp “{file}” chưa được kiểm tra chất lượng và xác thực chữ ký", EN: "\"{file}\" is not yet inspected and verified"},
		ReasonNotInspected: {VI: "tệp “{file}” chưa được kiểm tra chất lượng bản quét", EN: "\"{file}\" is not yet inspected"},
		ReasonNotVerified:  {VI: "tệp “{file}” chưa được xác thực chữ ký số", EN: "\"{file}\" is not yet verified"},
		ReasonInspectionFailed: {
			VI: "tệp “{file}” không đạt kiểm tra chất lượng bản quét ({rules})",
			EN: "\"{file}\" fails inspection ({rules})",
		},
		ReasonSignatureFailed: {
			VI: "tệp “{file}” có chữ ký số không hợp lệ ({verdict})",
			EN: "\"{file}\" has a failed signature ({verdict})",
		},
		ReasonUnreadable: {VI: "không đọc được tệp “{file}” ({detail})", EN: "\"{file}\" cannot be read ({detail})"},
		ReasonNewestOfFiles: {
			VI: " (tệp mới nhất trong {files} tệp)",
			EN: " (newest of {files} files)",
		},
		ReasonRequirementComponent:    {VI: "thành phần hồ sơ “{name}”", EN: "component \"{name}\""},
		ReasonRequirementAnyComponent: {VI: "thành phần hồ sơ (bất kỳ; thủ tục không liệt kê thành phần nào)", EN: "component (any; the procedure lists none)"},
		ReasonRequirementResult:       {VI: "kết quả giải quyết TTHC", EN: "result"},
		ReasonNotCertified: {
			VI: "tệp “{file}” là bản quét chưa có bản sao điện tử được ký số của đơn vị",
			EN: "\"{file}\" is a scan without a certified copy signed by the unit",
		},
		ReasonSignatureNotPassed: {
			VI: "chữ ký số của tệp “{file}” chưa được xác nhận hợp lệ ({verdict})",
			EN: "\"{file}\" has a signature not confirmed valid ({verdict})",
		},
		ReasonNotSignedByUnit: {
			VI: "tệp “{file}” có chữ ký số hợp lệ nhưng không phải chữ ký của đơn vị",
			EN: "\"{file}\" is validly signed, but not with the unit's key",
		},
		ReasonNotGovCA: {
			VI: "tệp “{file}” có chữ ký số hợp lệ nhưng không phải chữ ký số chuyên dùng Chính phủ, theo quy định của đơn vị",
			EN: "\"{file}\" is validly signed, but not under the Government CA as the unit requires",
		},
	})
}

// Requirement is one unmet requirement of the digitization rule: which
// part of the dossier (a required component, any component, the result),
// the document the reason is about when there is one (the newest tried),
// and why.
type Requirement struct {
	Role DocumentRole `json:"role"` // component or result
	// Component is the procedure's component name; "" for the result and
	// when the procedure lists no components (any component will do).
	Component  string `json:"component,omitempty"`
	DocumentID int64  `json:"document_id,omitempty"`
	FileName   string `json:"file_name,omitempty"`
	// Files is how many documents were tried for this requirement.
	Files int `json:"files,omitempty"`
	// ScannedChecked is true when the part is scanned and checked (the
	// weaker level is met) and only what makes it digitized is missing.
	ScannedChecked bool   `json:"scanned_checked,omitempty"`
	Reason         Reason `json:"reason"`
	// Message is the requirement in English, for logs and clients that do
	// not render codes.
	Message string `json:"message"`
}

// Text renders the requirement in lang, as one line:
// `component "Đơn": "don.pdf" fails inspection (resolution)`.
func (r Requirement) Text(lang Lang) string {
	var head Reason
	switch {
	case r.Role == RoleResult:
		head = NewReason(ReasonRequirementResult)
	case r.Component == "":
		head = NewReason(ReasonRequirementAnyComponent)
	default:
		head = NewReason(ReasonRequirementComponent, "name", r.Component)
	}
	s := head.Text(lang) + ": " + r.Reason.Text(lang)
	if r.Files > 1 {
		s += NewReason(ReasonNewestOfFiles, "files", strconv.Itoa(r.Files)).Text(lang)
	}
	return s
}

// IsNoFile reports whether the requirement is a part with no file at all.
func (r Requirement) IsNoFile() bool { return r.Reason.Code == ReasonNoFile }

// DigitizationFacts is what the rule looks at: a dossier, its procedure,
// its documents (in ID order, oldest first) and their latest inspection
// and verification (nil maps and absent entries mean none yet), and the
// SHA-256 of the receiving unit's signing key certificate ("" when the
// unit has none), and whether the unit requires results signed under the
// Government CA (Unit.RequireGovCA). With a unit key or that policy, the
// verifications of TOTAL_PASSED results must carry their reports (the
// signers and their infrastructures are read from them).
type DigitizationFacts struct {
	Dossier        *Dossier
	Procedure      *Procedure
	Documents      []*Document
	Inspections    map[int64]*Inspection
	Verifications  map[int64]*Verification
	UnitCertSHA256 string
	RequireGovCA   bool
}

// NeedsResultReports reports whether the rule reads the reports of
// TOTAL_PASSED results (who signed them, under which infrastructure).
func (f DigitizationFacts) NeedsResultReports() bool { return f.UnitCertSHA256 != "" || f.RequireGovCA }

// Digitization is what the rule finds: both levels and every requirement
// of the digitized level that is not met, in the procedure's order, then
// the result (empty, non-nil, when digitized).
type Digitization struct {
	State   DigitizationState `json:"digitization_state"`
	Scan    ScanState         `json:"scan_state"`
	Missing []Requirement     `json:"missing"`
}

// EvaluateDigitization applies the rule. It has no side effects.
func EvaluateDigitization(f DigitizationFacts) Digitization {
	out := Digitization{State: DigitizationDigitized, Scan: ScanChecked, Missing: []Requirement{}}
	byComponent := map[string][]*Document{}
	var components, results []*Document
	for _, doc := range f.Documents {
		switch doc.Role {
		case RoleComponent:
			key := ComponentKey(doc.ComponentName)
			byComponent[key] = append(byComponent[key], doc)
			components = append(components, doc)
		case RoleResult:
			results = append(results, doc)
		}
	}
	check := func(role DocumentRole, component string, docs []*Document) {
		if r, ok := f.unmet(role, docs); ok {
			r.Role, r.Component = role, component
			r.Message = r.Text(LangEN)
			out.Missing = append(out.Missing, r)
			out.State = DigitizationIncomplete
			if !r.ScannedChecked {
				out.Scan = ScanIncomplete
			}
		}
	}
	if f.Procedure == nil || len(f.Procedure.RequiredComponents) == 0 {
		check(RoleComponent, "", components)
	} else {
		for _, name := range f.Procedure.RequiredComponents {
			check(RoleComponent, name, byComponent[ComponentKey(name)])
		}
	}
	if f.Dossier != nil && f.Dossier.Status == StatusResolved {
		check(RoleResult, "", results)
	}
	return out
}

// ComponentKey matches a document's component name with a procedure's:
// trimmed, case-insensitive.
func ComponentKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// unmet returns the requirement docs leave unmet (ok false when one of
// them is digitized): when one is scanned and checked, the newest such
// one's reason (marked ScannedChecked); else the newest document's reason,
// or no file.
func (f DigitizationFacts) unmet(role DocumentRole, docs []*Document) (Requirement, bool) {
	if len(docs) == 0 {
		return Requirement{Reason: NewReason(ReasonNoFile)}, true
	}
	var why, checked Requirement
	found, foundChecked := false, false
	for i := len(docs) - 1; i >= 0; i-- { // newest first
		doc := docs[i]
		in, v := f.Inspections[doc.ID], f.Verifications[doc.ID]
		r, bad := documentReason(doc, in, v)
		if !bad {
			if r, bad = f.notDigitized(role, doc, v); !bad {
				return Requirement{}, false
			}
			if !foundChecked {
				checked, foundChecked = Requirement{DocumentID: doc.ID, FileName: doc.FileName, ScannedChecked: true, Reason: r}, true
			}
		}
		if !found {
			why, found = Requirement{DocumentID: doc.ID, FileName: doc.FileName, Reason: r}, true
		}
	}
	if foundChecked {
		why = checked
	}
	why.Files = len(docs)
	return why, true
}

// notDigitized says why a scanned-and-checked document (inspection not
// failed, verification not TOTAL_FAILED) is not digitized, bad false when
// it is.
func (f DigitizationFacts) notDigitized(role DocumentRole, doc *Document, v *Verification) (r Reason, bad bool) {
	file := doc.FileName
	switch {
	case v.Indication == IndicationTotalPassed:
		if role == RoleResult && f.UnitCertSHA256 != "" && !signedBy(v, f.UnitCertSHA256) {
			return NewReason(ReasonNotSignedByUnit, "file", file), true
		}
		if role == RoleResult && f.RequireGovCA && !SignedUnderGov(v) {
			return NewReason(ReasonNotGovCA, "file", file), true
		}
		return Reason{}, false
	case v.SubIndication == "NO_SIGNATURE":
		return NewReason(ReasonNotCertified, "file", file), true
	}
	verdict := v.Indication
	if v.SubIndication != "" {
		verdict += ", " + v.SubIndication
	}
	return NewReason(ReasonSignatureNotPassed, "file", file, "verdict", verdict,
		"indication", v.Indication, "sub_indication", v.SubIndication), true
}

// signedBy reports whether one of the signatures in v's report was made
// with the certificate whose SHA-256 (lowercase hex) is cert.
func signedBy(v *Verification, cert string) bool {
	for _, s := range SignerCertificates(v) {
		if strings.EqualFold(s, cert) {
			return true
		}
	}
	return false
}

// SignedUnderGov reports whether one of the signatures that passed in v's
// stored report chains to the Government CA's root (trust_infrastructure
// "gov"); false without a report.
func SignedUnderGov(v *Verification) bool {
	if v == nil || len(v.ReportJSON) == 0 {
		return false
	}
	var rep struct {
		Signatures []struct {
			Kind           string `json:"kind"`
			Indication     string `json:"indication"`
			Infrastructure string `json:"trust_infrastructure"`
		} `json:"signatures"`
	}
	if json.Unmarshal(v.ReportJSON, &rep) != nil {
		return false
	}
	for _, s := range rep.Signatures {
		if s.Kind != "document_timestamp" && s.Indication == IndicationTotalPassed && s.Infrastructure == InfrastructureGov {
			return true
		}
	}
	return false
}

// SignerCertificates lists the SHA-256 (hex) of the signer certificate of
// each signature in v's stored report (none without a report).
func SignerCertificates(v *Verification) []string {
	if v == nil || len(v.ReportJSON) == 0 {
		return nil
	}
	var rep struct {
		Signatures []struct {
			Signer *struct {
				SHA256 string `json:"sha256"`
			} `json:"signer"`
		} `json:"signatures"`
	}
	if json.Unmarshal(v.ReportJSON, &rep) != nil {
		return nil
	}
	var out []string
	for _, s := range rep.Signatures {
		if s.Signer != nil && s.Signer.SHA256 != "" {
			out = append(out, s.Signer.SHA256)
		}
	}
	return out
}

// documentReason says why doc is not scanned and checked, bad false when
// it is.
func documentReason(doc *Document, in *Inspection, v *Verification) (r Reason, bad bool) {
	file := doc.FileName
	if v != nil && v.Indication == IndicationTotalFailed {
		if detail := UnreadableDetail(v); detail != "" {
			return NewReason(ReasonUnreadable, "file", file, "detail", detail), true
		}
	}
	switch {
	case in == nil && v == nil:
		return NewReason(ReasonNotChecked, "file", file), true
	case in == nil:
		return NewReason(ReasonNotInspected, "file", file), true
	case in.Outcome == InspectionFail:
		return NewReason(ReasonInspectionFailed, "file", file, "rules", failedRules(in)), true
	case v == nil:
		return NewReason(ReasonNotVerified, "file", file), true
	case v.Indication == IndicationTotalFailed:
		verdict := v.Indication
		if v.SubIndication != "" {
			verdict += ", " + v.SubIndication
		}
		return NewReason(ReasonSignatureFailed, "file", file, "verdict", verdict,
			"indication", v.Indication, "sub_indication", v.SubIndication), true
	}
	return Reason{}, false
}

// failedRules lists the rules an inspection failed, sorted, comma-separated.
func failedRules(in *Inspection) string {
	var rules []string
	seen := map[string]bool{}
	for _, f := range in.Findings {
		if f.Outcome == InspectionFail && !seen[f.Rule] {
			seen[f.Rule] = true
			rules = append(rules, f.Rule)
		}
	}
	if len(rules) == 0 {
		return "fail"
	}
	sort.Strings(rules)
	return strings.Join(rules, ", ")
}

// UnreadableDetail returns why the verifier could not read the file at all
// (the report's "error"), or "" when it could or when v carries no report
// (a verdict read without its report).
func UnreadableDetail(v *Verification) string {
	if v == nil || len(v.ReportJSON) == 0 {
		return ""
	}
	var head struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(v.ReportJSON, &head)
	return head.Error
}
