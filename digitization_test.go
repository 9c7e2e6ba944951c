package sohoa

import (
	"encoding/json"
	"testing"
	"time"

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

	res := EvaluateDigitization(facts)
	state, missing := res.State, res.Missing
	assert.Equal(t, DigitizationIncomplete, state)
	assert.Equal(t, ScanIncomplete, res.Scan)
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

	// Unsigned scans that pass inspection make the dossier scanned and
	// checked, not digitized (the definition changed with the certified
	// copies: an uncertified scan is only scanned and checked).
	facts.Inspections[2], facts.Verifications[3] = ok, nosig
	res = EvaluateDigitization(facts)
	assert.Equal(t, DigitizationIncomplete, res.State)
	assert.Equal(t, ScanChecked, res.Scan)
	assert.Equal(t, []string{
		`component "CCCD": "cccd.pdf" is a scan without a certified copy signed by the unit`,
		`component "Ảnh": "anh.pdf" is a scan without a certified copy signed by the unit`,
	}, texts(res.Missing, LangEN))
	assert.True(t, res.Missing[0].ScannedChecked)
	// Passing signatures (certified copies, born-digital files) on every
	// component: digitized.
	facts.Verifications[2], facts.Verifications[3] = passed, passed
	res = EvaluateDigitization(facts)
	assert.Equal(t, DigitizationDigitized, res.State)
	assert.Equal(t, ScanChecked, res.Scan)
	assert.NotNil(t, res.Missing)
	assert.Empty(t, res.Missing)

	facts.Documents = append(facts.Documents, &Document{ID: 4, Role: RoleComponent, ComponentName: "CCCD", FileName: "cccd2.pdf"})
	facts.Verifications[4] = &Verification{Indication: IndicationTotalFailed, SubIndication: "HASH_FAILURE"}
	res = EvaluateDigitization(facts)
	assert.Equal(t, DigitizationDigitized, res.State, "an older good file still counts")
	facts.Inspections[2] = fail
	missing = EvaluateDigitization(facts).Missing
	assert.Equal(t, []string{`component "CCCD": "cccd2.pdf" is not yet inspected (newest of 2 files)`}, texts(missing, LangEN))

	facts.Inspections[4] = ok
	missing = EvaluateDigitization(facts).Missing
	require.Len(t, missing, 1)
	assert.Equal(t, "TOTAL_FAILED, HASH_FAILURE", missing[0].Reason.Params["verdict"])
	assert.Equal(t, "HASH_FAILURE", missing[0].Reason.Params["sub_indication"])
	assert.Equal(t, `thành phần hồ sơ “CCCD”: tệp “cccd2.pdf” có chữ ký số không hợp lệ (TOTAL_FAILED, HASH_FAILURE) (tệp mới nhất trong 2 tệp)`, missing[0].Text(LangVI))

	// An unreadable file says why, from the report.
	facts.Verifications[4] = &Verification{Indication: IndicationTotalFailed, SubIndication: "FORMAT_FAILURE",
		ReportJSON: json.RawMessage(`{"error":"the file is not a PDF"}`)}
	missing = EvaluateDigitization(facts).Missing
	assert.Equal(t, ReasonUnreadable, missing[0].Reason.Code)
	assert.Equal(t, `component "CCCD": "cccd2.pdf" cannot be read (the file is not a PDF) (newest of 2 files)`, missing[0].Message)

	// Resolved: the result is required too.
	facts.Documents, facts.Inspections[2] = docs, ok
	d.Status = StatusResolved
	missing = EvaluateDigitization(facts).Missing
	require.Len(t, missing, 1)
	assert.Equal(t, RoleResult, missing[0].Role)
	assert.True(t, missing[0].IsNoFile())
	assert.Equal(t, "result: no file", missing[0].Text(LangEN))
	assert.Equal(t, "kết quả giải quyết TTHC: chưa có tệp", missing[0].Text(LangVI))

	missing = EvaluateDigitization(DigitizationFacts{Dossier: &Dossier{}, Procedure: &Procedure{}}).Missing
	assert.Equal(t, []string{"component (any; the procedure lists none): no file"}, texts(missing, LangEN))
}

// signedReport is a verification report whose signatures were made with
// the certificates certs (SHA-256, hex).
func signedReport(indication string, certs ...string) *Verification {
	var sigs []map[string]any
	for _, c := range certs {
		sigs = append(sigs, map[string]any{"indication": indication, "signer": map[string]any{"sha256": c}})
	}
	rep, _ := json.Marshal(map[string]any{"indication": indication, "signatures": sigs})
	return &Verification{Indication: indication, ReportJSON: rep}
}

func TestDigitizationLevels(t *testing.T) {
	unitCert := "aa00000000000000000000000000000000000000000000000000000000000001"
	otherCert := "bb00000000000000000000000000000000000000000000000000000000000002"
	ok := &Inspection{Outcome: InspectionOK}
	warn := &Inspection{Outcome: InspectionWarn, Findings: []Finding{{Rule: "color", Outcome: InspectionWarn}}}
	nosig := &Verification{Indication: IndicationIndeterminate, SubIndication: "NO_SIGNATURE"}
	proc := &Procedure{RequiredComponents: []string{"Đơn", "CCCD"}}
	scan := &Document{ID: 1, Role: RoleComponent, ComponentName: "Đơn", FileName: "don.pdf"}
	copyOf := &Document{ID: 2, Role: RoleComponent, ComponentName: "Đơn", FileName: "don (bản sao điện tử).pdf"}
	born := &Document{ID: 3, Role: RoleComponent, ComponentName: "CCCD", FileName: "cccd-ky-so.pdf"}
	result := &Document{ID: 4, Role: RoleResult, FileName: "kq.pdf"}
	facts := func(d *Dossier, docs ...*Document) DigitizationFacts {
		return DigitizationFacts{Dossier: d, Procedure: proc, Documents: docs, UnitCertSHA256: unitCert,
			Inspections: map[int64]*Inspection{1: warn, 2: warn, 3: ok, 4: ok},
			Verifications: map[int64]*Verification{1: nosig, 2: signedReport(IndicationTotalPassed, unitCert),
				3: signedReport(IndicationTotalPassed, otherCert)}}
	}
	received := &Dossier{Code: "D", Status: StatusReceived}

	// An uncertified scan (a greyscale warning is fine) is scanned and
	// checked, not digitized, and says so with the component.
	res := EvaluateDigitization(facts(received, scan, born))
	assert.Equal(t, DigitizationIncomplete, res.State)
	assert.Equal(t, ScanChecked, res.Scan)
	require.Len(t, res.Missing, 1)
	assert.Equal(t, Requirement{Role: RoleComponent, Component: "Đơn", DocumentID: 1, FileName: "don.pdf", Files: 1,
		ScannedChecked: true, Reason: NewReason(ReasonNotCertified, "file", "don.pdf"),
		Message: `component "Đơn": "don.pdf" is a scan without a certified copy signed by the unit`}, res.Missing[0])
	assert.Equal(t, `thành phần hồ sơ “Đơn”: tệp “don.pdf” là bản quét chưa có bản sao điện tử được ký số của đơn vị`, res.Missing[0].Text(LangVI))

	// Its certified copy (signed with the unit's certificate, passed)
	// beside the scan, and a born-digital file whose signature passed:
	// digitized.
	res = EvaluateDigitization(facts(received, scan, copyOf, born))
	assert.Equal(t, Digitization{State: DigitizationDigitized, Scan: ScanChecked, Missing: []Requirement{}}, res)

	// A born-digital file whose signature is not confirmed is scanned and
	// checked only.
	f := facts(received, scan, copyOf, born)
	f.Verifications[3] = &Verification{Indication: IndicationIndeterminate, SubIndication: "NO_CERTIFICATE_CHAIN_FOUND"}
	res = EvaluateDigitization(f)
	assert.Equal(t, ScanChecked, res.Scan)
	require.Len(t, res.Missing, 1)
	assert.Equal(t, ReasonSignatureNotPassed, res.Missing[0].Reason.Code)
	assert.Equal(t, `component "CCCD": "cccd-ky-so.pdf" has a signature not confirmed valid (INDETERMINATE, NO_CERTIFICATE_CHAIN_FOUND)`, res.Missing[0].Message)

	// A file that fails inspection is neither, even when signed.
	f = facts(received, copyOf, born)
	f.Inspections[2] = &Inspection{Outcome: InspectionFail, Findings: []Finding{{Rule: "resolution", Outcome: InspectionFail}}}
	res = EvaluateDigitization(f)
	assert.Equal(t, DigitizationIncomplete, res.State)
	assert.Equal(t, ScanIncomplete, res.Scan)
	assert.False(t, res.Missing[0].ScannedChecked)
	assert.Equal(t, ReasonInspectionFailed, res.Missing[0].Reason.Code)

	// Resolved: the result must be validly signed by the unit.
	resolved := &Dossier{Code: "D", Status: StatusResolved}
	f = facts(resolved, copyOf, born, result)
	f.Verifications[4] = signedReport(IndicationTotalPassed, otherCert, unitCert)
	res = EvaluateDigitization(f)
	assert.Equal(t, DigitizationDigitized, res.State, "results digitized: signed by the unit (one of two signatures)")

	f.Verifications[4] = signedReport(IndicationTotalPassed, otherCert)
	res = EvaluateDigitization(f)
	assert.Equal(t, DigitizationIncomplete, res.State)
	assert.Equal(t, ScanChecked, res.Scan)
	require.Len(t, res.Missing, 1)
	assert.Equal(t, `result: "kq.pdf" is validly signed, but not with the unit's key`, res.Missing[0].Message)
	assert.Equal(t, `kết quả giải quyết TTHC: tệp “kq.pdf” có chữ ký số hợp lệ nhưng không phải chữ ký của đơn vị`, res.Missing[0].Text(LangVI))

	// A unit without a signing key cannot be checked: any valid signature.
	f.UnitCertSHA256 = ""
	assert.Equal(t, DigitizationDigitized, EvaluateDigitization(f).State)

	// An unsigned result scan: scanned and checked only.
	f.Verifications[4] = nosig
	res = EvaluateDigitization(f)
	assert.Equal(t, ScanChecked, res.Scan)
	assert.Equal(t, `result: "kq.pdf" is a scan without a certified copy signed by the unit`, res.Missing[0].Message)

	// No result at all: neither.
	res = EvaluateDigitization(facts(resolved, copyOf, born))
	assert.Equal(t, DigitizationIncomplete, res.State)
	assert.Equal(t, ScanIncomplete, res.Scan)
	assert.True(t, res.Missing[0].IsNoFile())
}

func TestSignerCertificates(t *testing.T) {
	assert.Nil(t, SignerCertificates(nil))
	assert.Nil(t, SignerCertificates(&Verification{Indication: IndicationTotalPassed}))
	assert.Equal(t, []string{"a", "b"}, SignerCertificates(signedReport(IndicationTotalPassed, "a", "b")))
}

func TestDossierLevelsInOrder(t *testing.T) {
	d := &Dossier{UnitCode: "U", ProcedureCode: "P", ReceivedAt: time.Now(), DigitizationState: DigitizationDigitized}
	require.NoError(t, d.Validate())
	assert.Equal(t, ScanChecked, d.ScanState, "digitized implies scanned and checked")
	d = &Dossier{UnitCode: "U", ProcedureCode: "P", ReceivedAt: time.Now()}
	require.NoError(t, d.Validate())
	assert.Equal(t, ScanIncomplete, d.ScanState)
	digitized := DigitizationDigitized
	require.NoError(t, DossierUpdate{DigitizationState: &digitized}.Apply(d))
	assert.Equal(t, ScanChecked, d.ScanState)
	bad := ScanState("scanned")
	assert.Error(t, DossierUpdate{ScanState: &bad}.Apply(d))
}

// The Government CA policy reads each signature's trust_infrastructure
// in the result's report: one passed signature under gov suffices; a
// document timestamp or a failed signature under gov does not count.
func TestDigitizationRequireGovCA(t *testing.T) {
	ok := &Inspection{Outcome: InspectionOK}
	born := &Document{ID: 1, Role: RoleComponent, ComponentName: "Đơn", FileName: "don.pdf"}
	result := &Document{ID: 2, Role: RoleResult, FileName: "kq.pdf"}
	report := func(sigs ...map[string]any) *Verification {
		rep, _ := json.Marshal(map[string]any{"indication": IndicationTotalPassed, "signatures": sigs})
		return &Verification{Indication: IndicationTotalPassed, ReportJSON: rep}
	}
	sig := func(kind, indication, infra string) map[string]any {
		return map[string]any{"kind": kind, "indication": indication, "trust_infrastructure": infra}
	}
	eval := func(policy bool, v *Verification) Digitization {
		return EvaluateDigitization(DigitizationFacts{Dossier: &Dossier{Code: "D", Status: StatusResolved},
			Procedure: &Procedure{RequiredComponents: []string{"Đơn"}}, Documents: []*Document{born, result},
			Inspections:   map[int64]*Inspection{1: ok, 2: ok},
			Verifications: map[int64]*Verification{1: report(sig("approval", IndicationTotalPassed, "public")), 2: v},
			RequireGovCA:  policy})
	}
	for _, tc := range []struct {
		name      string
		v         *Verification
		digitized bool
	}{
		{"gov", report(sig("approval", IndicationTotalPassed, "gov")), true},
		{"public and gov", report(sig("approval", IndicationTotalPassed, "public"), sig("certification", IndicationTotalPassed, "gov")), true},
		{"public", report(sig("approval", IndicationTotalPassed, "public")), false},
		{"configured", report(sig("approval", IndicationTotalPassed, "configured")), false},
		{"gov document timestamp only", report(sig("approval", IndicationTotalPassed, "configured"), sig("document_timestamp", IndicationTotalPassed, "gov")), false},
		{"no report", &Verification{Indication: IndicationTotalPassed}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := eval(true, tc.v)
			if tc.digitized {
				assert.Equal(t, DigitizationDigitized, res.State)
				return
			}
			assert.Equal(t, DigitizationIncomplete, res.State)
			assert.Equal(t, ScanChecked, res.Scan)
			require.Len(t, res.Missing, 1)
			assert.Equal(t, NewReason(ReasonNotGovCA, "file", "kq.pdf"), res.Missing[0].Reason)
			assert.Equal(t, DigitizationDigitized, eval(false, tc.v).State, "without the policy")
		})
	}
	// Components are not under the policy: a public signature is fine.
	assert.Equal(t, DigitizationDigitized, eval(true, report(sig("approval", IndicationTotalPassed, "gov"))).State)
}
