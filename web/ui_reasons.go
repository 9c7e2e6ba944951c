package web

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/inspect"
	"github.com/sohoa/sohoa/verify"
)

// The pages render every reason through the message catalogue. Some
// reasons carry parameters that are themselves codes: the digitization
// rule's {rules} (inspection rule IDs such as "resolution") and {verdict}
// ("TOTAL_FAILED, HASH_FAILURE"). Those parameters are rendered here, in
// the reader's language, before the reason is, so that no English word
// reaches a Vietnamese reader. The codes stay as they are in the JSON
// outputs.

// Codes of the UI's own texts: inspection rule names, verdicts and audit
// actions.
const (
	reasonRulePrefix      = "ui.rule."
	reasonIndicationPrefx = "ui.indication."
	reasonActionPrefix    = "ui.audit_action."
	reasonActionUnknown   = sohoa.ReasonCode("ui.audit_action_unknown") // action
	reasonChangeUncoded   = sohoa.ReasonCode("ui.change_uncoded")       // object
)

// ruleNames are the inspection rules' names: what a finding or a failed
// inspection is about.
var ruleNames = map[string]sohoa.Translation{
	inspect.RuleReadable:   {VI: "đọc được tệp", EN: "readable file"},
	inspect.RuleEncryption: {VI: "mã hóa", EN: "encryption"},
	inspect.RuleVersion:    {VI: "phiên bản PDF", EN: "PDF version"},
	inspect.RulePages:      {VI: "số trang", EN: "pages"},
	inspect.RuleResolution: {VI: "độ phân giải", EN: "resolution"},
	inspect.RuleColor:      {VI: "màu", EN: "colour"},
	inspect.RuleTextLayer:  {VI: "lớp văn bản", EN: "text layer"},
	inspect.RulePDFA:       {VI: "PDF/A", EN: "PDF/A"},
}

var indicationNames = map[string]sohoa.Translation{
	sohoa.IndicationTotalPassed:   {VI: "hợp lệ", EN: "valid"},
	sohoa.IndicationTotalFailed:   {VI: "không hợp lệ", EN: "invalid"},
	sohoa.IndicationIndeterminate: {VI: "chưa xác định", EN: "indeterminate"},
}

// auditActions are the audit log's actions as people read them.
var auditActions = map[string]sohoa.Translation{
	sohoa.AuditDossierCreate:   {VI: "Tạo hồ sơ", EN: "Dossier created"},
	sohoa.AuditDossierState:    {VI: "Đổi trạng thái số hóa của hồ sơ", EN: "Dossier digitization state changed"},
	sohoa.AuditDocumentIngest:  {VI: "Tải tệp lên", EN: "File uploaded"},
	sohoa.AuditDocumentDup:     {VI: "Tải lên tệp trùng (đã có)", EN: "Duplicate file uploaded"},
	sohoa.AuditDocumentResults: {VI: "Ghi kết quả kiểm tra tệp", EN: "File check results recorded"},
	sohoa.AuditKeyInService:    {VI: "Đưa khóa nhật ký vào sử dụng", EN: "Audit key put in service"},
	"document.download":        {VI: "Tải tệp về", EN: "File downloaded"},
	auditSignIn:                {VI: "Đăng nhập", EN: "Signed in"},
	auditSignInFailed:          {VI: "Đăng nhập không thành công", EN: "Failed sign-in"},
	auditSignOut:               {VI: "Đăng xuất", EN: "Signed out"},
	auditUserCreate:            {VI: "Tạo người dùng", EN: "User created"},
	auditUserUpdate:            {VI: "Sửa người dùng", EN: "User updated"},
	auditUserPassword:          {VI: "Đặt mật khẩu", EN: "Password set"},
	auditUserDisable:           {VI: "Khóa người dùng", EN: "User disabled"},
	auditUserEnable:            {VI: "Mở khóa người dùng", EN: "User enabled"},
	auditTokenCreate:           {VI: "Tạo mã truy cập API", EN: "API token created"},
	auditTokenRevoke:           {VI: "Thu hồi mã truy cập API", EN: "API token revoked"},
	"unit.create":              {VI: "Tạo đơn vị", EN: "Unit created"},
	"unit.update":              {VI: "Sửa đơn vị", EN: "Unit updated"},
	"procedure.create":         {VI: "Tạo thủ tục", EN: "Procedure created"},
	"procedure.update":         {VI: "Sửa thủ tục", EN: "Procedure updated"},
	"trust_anchor.add":         {VI: "Thêm chứng thư gốc tin cậy", EN: "Trust anchor added"},
	"trust_anchor.remove":      {VI: "Gỡ chứng thư gốc tin cậy", EN: "Trust anchor removed"},
}

func init() {
	m := map[sohoa.ReasonCode]sohoa.Translation{
		reasonActionUnknown: {VI: "Thao tác khác ({action})", EN: "Other action ({action})"},
		reasonChangeUncoded: {VI: "Đối tượng {object} bị thay đổi theo cách chữ ký không cho phép", EN: "object {object} was changed in a way the signature does not permit"},
	}
	for k, v := range ruleNames {
		m[sohoa.ReasonCode(reasonRulePrefix+k)] = v
	}
	for k, v := range indicationNames {
		m[sohoa.ReasonCode(reasonIndicationPrefx+strings.ToLower(k))] = v
	}
	for k, v := range auditActions {
		m[sohoa.ReasonCode(reasonActionPrefix+k)] = v
	}
	sohoa.RegisterMessages(m)
}

// ruleText is an inspection rule's name; a rule the UI does not know
// keeps its ID.
func ruleText(rule string, lang sohoa.Lang) string {
	if _, ok := ruleNames[rule]; !ok {
		return rule
	}
	return sohoa.Reason{Code: sohoa.ReasonCode(reasonRulePrefix + rule)}.Text(lang)
}

// indicationText is an ETSI indication in words.
func indicationText(ind string, lang sohoa.Lang) string {
	if _, ok := indicationNames[ind]; !ok {
		return ind
	}
	return sohoa.Reason{Code: sohoa.ReasonCode(reasonIndicationPrefx + strings.ToLower(ind))}.Text(lang)
}

// actionText is an audit action in words.
func actionText(action string, lang sohoa.Lang) string {
	if _, ok := auditActions[action]; !ok {
		return sohoa.NewReason(reasonActionUnknown, "action", action).Text(lang)
	}
	return sohoa.Reason{Code: sohoa.ReasonCode(reasonActionPrefix + action)}.Text(lang)
}

// localReason is r with its coded parameters rendered in lang.
func localReason(r sohoa.Reason, lang sohoa.Lang) sohoa.Reason {
	if len(r.Params) == 0 {
		return r
	}
	out := sohoa.Reason{Code: r.Code, Params: make(map[string]string, len(r.Params))}
	for k, v := range r.Params {
		out.Params[k] = v
	}
	switch r.Code {
	case sohoa.ReasonInspectionFailed:
		if rules := r.Params["rules"]; rules != "" {
			parts := strings.Split(rules, ", ")
			for i, p := range parts {
				parts[i] = ruleText(p, lang)
			}
			out.Params["rules"] = strings.Join(parts, ", ")
		}
	case sohoa.ReasonSignatureFailed:
		if sub := verify.SubIndication(r.Params["sub_indication"]); sub != verify.NoSubIndication {
			out.Params["verdict"] = lowerFirst(subText(sub, lang))
		} else if ind := r.Params["indication"]; ind != "" {
			out.Params["verdict"] = indicationText(ind, lang)
		}
	}
	return out
}

// reasonText renders r in lang with its coded parameters in words.
func reasonText(r sohoa.Reason, lang sohoa.Lang) string { return localReason(r, lang).Text(lang) }

// requirementText is what a dossier lacks, in lang.
func requirementText(m sohoa.Requirement, lang sohoa.Lang) string {
	m.Reason = localReason(m.Reason, lang)
	return m.Text(lang)
}

// findingText is an inspection finding in lang: its coded reason, or for
// a finding stored before findings had codes, the rule's name.
func findingText(f sohoa.Finding, lang sohoa.Lang) string {
	if f.Code == "" {
		return ruleText(f.Rule, lang)
	}
	return reasonText(f.Reason(), lang)
}

// lowerFirst lower-cases a sentence's first letter, to quote it inside
// another.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
