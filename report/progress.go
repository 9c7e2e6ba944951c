package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sohoa/sohoa"
)

// Column is one column of the progress export (CSV and XLSX): its key,
// which is the header a reporting system reads, and its label in English
// and Vietnamese for people.
type Column struct {
	Key string
	EN  string
	VI  string
}

// Columns are the progress export's columns, in order. The README lists
// them; change both together, and only by adding columns at the end.
var Columns = []Column{
	{"period", "reporting period", "Kỳ báo cáo"},
	{"first_day", "first day", "Từ ngày"},
	{"last_day", "last day", "Đến ngày"},
	{"due_date", "report due", "Hạn gửi báo cáo"},
	{"unit_code", "unit code", "Mã đơn vị"},
	{"unit_name", "unit name", "Tên đơn vị"},
	{"parent_code", "parent unit code", "Mã đơn vị cấp trên"},
	{"level", "level below the top", "Cấp (tính từ đơn vị đầu)"},
	{"figures_for", "figures for", "Phạm vi số liệu"},
	{"received", "dossiers received", "Số hồ sơ tiếp nhận"},
	{"digitized", "dossiers digitized", "Số hồ sơ đã số hóa"},
	{"digitized_rate", "digitized rate (%)", "Tỷ lệ hồ sơ đã số hóa (%)"},
	{"digitized_gap", "dossiers short of the target", "Số hồ sơ còn thiếu so với chỉ tiêu"},
	{"resolved", "dossiers resolved", "Số hồ sơ đã giải quyết"},
	{"results_digitized", "results digitized", "Số kết quả giải quyết đã số hóa"},
	{"results_digitized_rate", "results digitized rate (%)", "Tỷ lệ kết quả đã số hóa (%)"},
	{"results_digitized_gap", "results short of the target", "Số kết quả còn thiếu so với chỉ tiêu"},
	{"reports_due", "reports due", "Số báo cáo phải gửi"},
	{"reports_signed", "reports signed", "Số báo cáo đã ký số"},
	{"reports_signed_rate", "reports signed rate (%)", "Tỷ lệ báo cáo ký số (%)"},
	{"reports_signed_gap", "signed reports short of the target", "Số báo cáo ký số còn thiếu"},
	{"reports_on_time", "reports on time", "Số báo cáo gửi đúng hạn"},
	{"reports_on_time_rate", "reports on time rate (%)", "Tỷ lệ báo cáo đúng hạn (%)"},
	{"reports_on_time_gap", "on-time reports short of the target", "Số báo cáo đúng hạn còn thiếu"},
	{"target", "target (%)", "Chỉ tiêu (%)"},
	{"report_status", "the unit's report", "Tình trạng báo cáo của đơn vị"},
	{"report_submitted_at", "report submitted at", "Thời điểm gửi báo cáo"},
	{"digitized_target", "digitized target (%)", "Chỉ tiêu hồ sơ số hóa (%)"},
	{"results_digitized_target", "results digitized target (%)", "Chỉ tiêu kết quả số hóa (%)"},
	{"reports_target", "reports signed and on time target (%)", "Chỉ tiêu báo cáo ký số, đúng hạn (%)"},
	{"scanned_checked", "dossiers scanned and checked", "Số hồ sơ đã quét và kiểm tra"},
	{"scanned_checked_rate", "scanned and checked rate (%)", "Tỷ lệ hồ sơ đã quét và kiểm tra (%)"},
	{"scanned_checked_gap", "scanned and checked short of the target", "Số hồ sơ đã quét và kiểm tra còn thiếu so với chỉ tiêu"},
	{"reused", "dossiers with a reused result", "Số hồ sơ tái sử dụng kết quả số hóa"},
	{"reused_rate", "reused rate (%)", "Tỷ lệ hồ sơ tái sử dụng kết quả số hóa (%)"},
}

// What a row's figures cover (the figures_for column).
const (
	ForUnit    = "unit"    // the unit alone
	ForSubtree = "subtree" // the unit and every unit below it
	ForAll     = "all"     // every unit exported (unit_code empty)
)

// Label is an English text with its Vietnamese.
type Label struct{ EN, VI string }

// ReportStatusLabels name the report statuses for people.
var ReportStatusLabels = map[sohoa.ReportStatus]Label{
	sohoa.ReportOnTime:   {"on time", "đúng hạn"},
	sohoa.ReportLate:     {"late", "muộn"},
	sohoa.ReportUnsigned: {"not validly signed", "chưa ký số hợp lệ"},
	sohoa.ReportPending:  {"not yet sent", "chưa gửi, còn hạn"},
	sohoa.ReportMissing:  {"missing", "chưa gửi, quá hạn"},
}

// FiguresForLabels name the figures_for values for people.
var FiguresForLabels = map[string]Label{
	ForUnit:    {"the unit alone", "riêng đơn vị"},
	ForSubtree: {"the unit and its subunits", "đơn vị và các đơn vị trực thuộc"},
	ForAll:     {"all units", "tất cả đơn vị"},
}

// Rows are the export's rows after the header: for every unit in tree
// order a "unit" row (its own figures and report) then a "subtree" row
// (rolled up over it and its subunits; the same figures for a unit with
// none), and last an "all" row with every unit's figures together. A
// cell is a string, an int64, a float64 (a rate in percent, two
// decimals) or nil (empty: a rate with nothing to measure, or a column
// that does not apply).
func Rows(p *sohoa.Progress) [][]any {
	head := []any{p.Period, p.FirstDay, p.LastDay, p.DueDate}
	row := func(code, name, parent string, level any, forWhat string, f sohoa.Figures, status any, at any, t sohoa.Targets) []any {
		r := append(append([]any{}, head...), code, name, parent, level, forWhat,
			f.Received, f.Digitized.Count, rate(f.Digitized), f.Digitized.Gap,
			f.Resolved, f.ResultsDigitized.Count, rate(f.ResultsDigitized), f.ResultsDigitized.Gap,
			f.ReportsDue, f.ReportsSigned.Count, rate(f.ReportsSigned), f.ReportsSigned.Gap,
			f.ReportsOnTime.Count, rate(f.ReportsOnTime), f.ReportsOnTime.Gap,
			int64(p.Target), status, at,
			int64(t.Digitized), int64(t.Results), int64(t.Reports),
			f.ScannedChecked.Count, rate(f.ScannedChecked), f.ScannedChecked.Gap,
			f.Reused.Count, rate(f.Reused))
		return r
	}
	var out [][]any
	for _, u := range p.Units {
		var at any
		if u.ReportSubmittedAt != nil {
			at = u.ReportSubmittedAt.In(sohoa.Location()).Format(time.RFC3339)
		}
		out = append(out,
			row(u.Code, u.Name, u.ParentCode, int64(u.Depth), ForUnit, u.Own, string(u.Report), at, u.Targets),
			row(u.Code, u.Name, u.ParentCode, int64(u.Depth), ForSubtree, u.Total, nil, nil, u.Targets))
	}
	all := sohoa.Targets{Digitized: p.Target, Results: p.Target, Reports: p.Target}
	return append(out, row("", "", "", nil, ForAll, p.Total, nil, nil, all))
}

func rate(f sohoa.Figure) any {
	if f.Rate == nil {
		return nil
	}
	return *f.Rate
}

// cellText is a cell as CSV text.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
	return fmt.Sprint(v)
}

// WriteCSV writes the export as CSV (UTF-8, comma-separated, a header row
// of the column keys).
func WriteCSV(w io.Writer, p *sohoa.Progress) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(Columns))
	for i, c := range Columns {
		header[i] = c.Key
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range Rows(p) {
		rec := make([]string, len(r))
		for i, v := range r {
			rec[i] = cellText(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the figures as one indented JSON object: the shape of
// sohoa.Progress (and of `sohoa progress --json`).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Sheet names of the XLSX export.
const (
	SheetProgress = "progress"
	SheetLabels   = "labels"
)

// WriteXLSX writes the export as an XLSX workbook: sheet "progress" holds
// the CSV's header and rows (numbers as numbers, rates with two
// decimals); sheet "labels" names each column in English and Vietnamese.
func WriteXLSX(w io.Writer, p *sohoa.Progress) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName("Sheet1", SheetProgress); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(SheetProgress)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return err
	}
	header := make([]any, len(Columns))
	for i, c := range Columns {
		header[i] = excelize.Cell{StyleID: bold, Value: c.Key}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for i, r := range Rows(p) {
		cells := make([]any, len(r))
		for j, v := range r {
			if x, ok := v.(float64); ok {
				cells[j] = excelize.Cell{StyleID: pct, Value: x}
			} else {
				cells[j] = v
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := f.NewSheet(SheetLabels); err != nil {
		return err
	}
	rows := [][]any{{"key", "English", "Tiếng Việt"}}
	for _, c := range Columns {
		rows = append(rows, []any{c.Key, c.EN, c.VI})
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(SheetLabels, cell, &r); err != nil {
			return err
		}
	}
	_, err = f.WriteTo(w)
	return err
}
