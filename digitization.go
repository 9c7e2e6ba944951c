package sohoa

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// The digitization rule, shared by every front end (status, progress, the
// web UI) so that "digitized" means one thing everywhere.
//
// A dossier is digitized when every required component of its procedure
// (Procedure.RequiredComponents, matched trimmed and case-insensitively to
// documents' component names) has at least one component document that is
// good, and, once the dossier is resolved, a result document is good too.
// A procedure that lists no components needs one good component document
// of any name. A document is good when its latest inspection is not fail
// and its latest verification exists and is not TOTAL_FAILED: an unsigned
// scan (INDETERMINATE/NO_SIGNATURE) is good, a signature that fails is not,
// and a document not yet inspected or verified is not good yet.
//
// What is not met comes back as typed Requirements (a reason code with
// parameters), rendered by the message catalogue in Vietnamese or English.

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
)

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
	Files  int    `json:"files,omitempty"`
	Reason Reason `json:"reason"`
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
// and verification (nil maps and absent entries mean none yet).
type DigitizationFacts struct {
	Dossier       *Dossier
	Procedure     *Procedure
	Documents     []*Document
	Inspections   map[int64]*Inspection
	Verifications map[int64]*Verification
}

// EvaluateDigitization applies the rule: the state and every unmet
// requirement, in the procedure's order, then the result. It has no side
// effects; an empty (non-nil) slice means digitized.
func EvaluateDigitization(f DigitizationFacts) (DigitizationState, []Requirement) {
	out := []Requirement{}
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
		if r, ok := f.unmet(docs); ok {
			r.Role, r.Component = role, component
			r.Message = r.Text(LangEN)
			out = append(out, r)
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
	if len(out) == 0 {
		return DigitizationDigitized, out
	}
	return DigitizationIncomplete, out
}

// ComponentKey matches a document's component name with a procedure's:
// trimmed, case-insensitive.
func ComponentKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// unmet returns the requirement docs leave unmet (ok false when one of
// them is good): the newest document's reason, or no file.
func (f DigitizationFacts) unmet(docs []*Document) (Requirement, bool) {
	if len(docs) == 0 {
		return Requirement{Reason: NewReason(ReasonNoFile)}, true
	}
	var why Requirement
	found := false
	for i := len(docs) - 1; i >= 0; i-- { // newest first
		doc := docs[i]
		r, bad := documentReason(doc, f.Inspections[doc.ID], f.Verifications[doc.ID])
		if !bad {
			return Requirement{}, false
		}
		if !found {
			why, found = Requirement{DocumentID: doc.ID, FileName: doc.FileName, Reason: r}, true
		}
	}
	why.Files = len(docs)
	return why, true
}

// documentReason says why doc is not good, bad false when it is.
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
