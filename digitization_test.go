package sohoa

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func texts(reqs []Requirement, lang Lang) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.Text(lang)
	}
	return out
}

func TestEvaluateDigitization(t *testing.T) {
	ok := &Inspection{Outcome: InspectionWarn}
	fail := &Inspection{Outcome: InspectionFail, Findings: []Finding{
		{Rule: "resolution", Outcome: InspectionFail, Page: 3, Message: "page 3: 150 dpi, needs 200"},
		{Rule: "colour", Outcome: InspectionFail},
		{Rule: "resolution", Outcome: InspectionFail, Page: 4},
		{Rule: "pdfa", Outcome: InspectionWarn},
	}}
	passed := &Verification{Indication: IndicationTotalPassed, ReportJSON: json.RawMessage(`{}`)}
	nosig := &Verification{Indication: IndicationIndeterminate, SubIndication: "NO_SIGNATURE", ReportJSON: json.RawMessage(`{}`)}
	d := &Dossier{Code: "D", Status: StatusReceived}
	proc := &Procedure{RequiredComponents: []string{"Đơn", "CCCD", "Ảnh"}}
	docs := []*Document{
		{ID: 1, Role: RoleComponent, ComponentName: " đơn ", FileName: "don.pdf"},
		{ID: 2, Role: RoleComponent, ComponentName: "CCCD", FileName: "cccd.pdf"},
		{ID: 3, Role: RoleComponent, ComponentName: "Ảnh", FileName: "anh.pdf"},
	}
	facts := DigitizationFacts{Dossier: d, Procedure: proc, Documents: docs,
		Inspections:   map[int64]*Inspection{1: ok, 2: fail, 3: ok},
		Verifications: map[int64]*Verification{1: passed, 2: nosig}}

	state, missing := EvaluateDigitization(facts)
	assert.Equal(t, DigitizationIncomplete, state)
	require.Len(t, missing, 2)
	assert.Equal(t, Requirement{
		Role: RoleComponent, Component: "CCCD", DocumentID: 2, FileName: "cccd.pdf", Files: 1,
		Reason:  NewReason(ReasonInspectionFailed, "file", "cccd.pdf", "rules", "colour, resolution"),
		Message: `component "CCCD": "cccd.pdf" fails inspection (colour, resolution)`,
	}, missing[0])
	assert.Equal(t, ReasonNotVerified, missing[1].Reason.Code)
	assert.Equal(t, []string{
		`component "CCCD": "cccd.pdf" fails inspection (colour, resolution)`,
		`component "Ảnh": "anh.pdf" is not yet verified`,
	}, texts(missing, LangEN))
	assert.Equal(t, []string{
		`thành phần hồ sơ “CCCD”: tệp “cccd.pdf” không đạt kiểm tra chất lượng bản quét (colour, resolution)`,
		`thành phần hồ sơ “Ảnh”: tệp “anh.pdf” chưa được xác thực chữ ký số`,
	}, texts(missing, LangVI))

	// A newer good file satisfies the component; a newer bad one is named
	// with how many files were tried.
	facts.Inspections[2], facts.Verifications[3] = ok, nosig
	state, missing = EvaluateDigitization(facts)
	assert.Equal(t, DigitizationDigitized, state)
	assert.NotNil(t, missing)
	assert.Empty(t, missing)

	facts.Documents = append(facts.Documents, &Document{ID: 4, Role: RoleComponent, ComponentName: "CCCD", FileName: "cccd2.pdf"})
	facts.Verifications[4] = &Verification{Indication: IndicationTotalFailed, SubIndication: "HASH_FAILURE"}
	state, _ = EvaluateDigitization(facts)
	assert.Equal(t, DigitizationDigitized, state, "an older good file still counts")
	facts.Inspections[2] = fail
	_, missing = EvaluateDigitization(facts)
	assert.Equal(t, []string{`component "CCCD": "cccd2.pdf" is not yet inspected (newest of 2 files)`}, texts(missing, LangEN))

	facts.Inspections[4] = ok
	_, missing = EvaluateDigitization(facts)
	require.Len(t, missing, 1)
	assert.Equal(t, "TOTAL_FAILED, HASH_FAILURE", missing[0].Reason.Params["verdict"])
	assert.Equal(t, "HASH_FAILURE", missing[0].Reason.Params["sub_indication"])
	assert.Equal(t, `thành phần hồ sơ “CCCD”: tệp “cccd2.pdf” có chữ ký số không hợp lệ (TOTAL_FAILED, HASH_FAILURE) (tệp mới nhất trong 2 tệp)`, missing[0].Text(LangVI))

	// An unreadable file says why, from the report.
	facts.Verifications[4] = &Verification{Indication: IndicationTotalFailed, SubIndication: "FORMAT_FAILURE",
		ReportJSON: json.RawMessage(`{"error":"the file is not a PDF"}`)}
	_, missing = EvaluateDigitization(facts)
	assert.Equal(t, ReasonUnreadable, missing[0].Reason.Code)
	assert.Equal(t, `component "CCCD": "cccd2.pdf" cannot be read (the file is not a PDF) (newest of 2 files)`, missing[0].Message)

	// Resolved: the result is required too.
	facts.Documents, facts.Inspections[2] = docs, ok
	d.Status = StatusResolved
	_, missing = EvaluateDigitization(facts)
	require.Len(t, missing, 1)
	assert.Equal(t, RoleResult, missing[0].Role)
	assert.True(t, missing[0].IsNoFile())
	assert.Equal(t, "result: no file", missing[0].Text(LangEN))
	assert.Equal(t, "kết quả giải quyết TTHC: chưa có tệp", missing[0].Text(LangVI))

	_, missing = EvaluateDigitization(DigitizationFacts{Dossier: &Dossier{}, Procedure: &Procedure{}})
	assert.Equal(t, []string{"component (any; the procedure lists none): no file"}, texts(missing, LangEN))
}
