package sohoa

// A unit's periodic reports are documents (role report) like any upload,
// so they live in a dossier: one per unit and period, of the procedure
// ReportProcedureCode, created with the first report submitted for the
// period. Such a dossier is not an administrative-procedure dossier: the
// progress figures do not count it as received or resolved.

// ReportProcedureCode is the procedure of the dossiers that hold a unit's
// periodic reports.
const ReportProcedureCode = "BC.DINHKY"

// ReportProcedureName is its name.
const ReportProcedureName = "Báo cáo định kỳ (hồ sơ chứa báo cáo của đơn vị)"

// ReportDossierCode is the code of the dossier holding unit's reports for
// p, e.g. "000.00.12.G05-BC-2026-Q1".
func ReportDossierCode(unit string, p Period) string {
	return unit + "-BC-" + p.String()
}
