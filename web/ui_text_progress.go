package web

import "github.com/sohoa/sohoa"

// progressStrings are the progress pages' fixed texts, merged into
// uiStrings. Keys start with "pg_".
var progressStrings = map[sohoa.Lang]map[string]string{
	sohoa.LangVI: {
		"pg_title": "Tiến độ số hóa", "pg_unit_title": "Tiến độ số hóa", "pg_reports_title": "Tình hình gửi báo cáo định kỳ",
		"pg_pick": "Chọn kỳ báo cáo và đơn vị", "pg_show": "Xem", "pg_all_units": "Tất cả đơn vị trong phạm vi",
		"pg_period": "Kỳ báo cáo", "pg_due": "Hạn gửi báo cáo", "pg_data": "Số liệu",
		"pg_live": "Đang cập nhật", "pg_as_of": "tính đến", "pg_closed": "Đã chốt số liệu", "pg_at": "lúc", "pg_by": "bởi",
		"pg_early":      "chốt sớm, trước hạn gửi báo cáo",
		"pg_open_units": "Đơn vị chưa chốt, hiển thị số liệu trực tiếp:",
		"pg_changes":    "Thay đổi sau khi chốt (số liệu đã chốt không bị ghi đè)",
		"pg_no_changes": "Không có thay đổi sau khi chốt.",
		"pg_change":     "%s: %s khi chốt → %s hiện nay",
		"pg_digitized":  "Số hóa tại tiếp nhận", "pg_results": "Kết quả giải quyết TTHC đã số hóa", "pg_reports": "Báo cáo ký số đúng hạn",
		"pg_trend": "Xu hướng 8 quý", "pg_target": "chỉ tiêu", "pg_gap": "thiếu %s", "pg_met": "đạt chỉ tiêu",
		"pg_nothing": "chưa có số liệu", "pg_unit": "Đơn vị", "pg_subunits": "gồm %d đơn vị trực thuộc",
		"pg_total":   "Tổng các đơn vị",
		"pg_caption": "Tiến độ từng đơn vị; số liệu của một đơn vị gồm cả các đơn vị trực thuộc",
		"pg_bar_note": "Mỗi thanh thể hiện tỷ lệ trên thang 100%; vạch đen là chỉ tiêu của đơn vị. " +
			"Bấm vào số còn thiếu để xem các hồ sơ còn thiếu và lý do.",
		"pg_legend":     "Chú giải biểu đồ xu hướng:",
		"pg_own_report": "Báo cáo của đơn vị", "pg_export": "Tải số liệu:", "pg_reports_link": "Xem tình hình gửi báo cáo định kỳ của các đơn vị »",
		"pg_no_units": "Không có đơn vị nào trong phạm vi của bạn.", "pg_back": "« Về bảng tiến độ số hóa",
		"pg_unit_figs":     "Số liệu của đơn vị (gồm các đơn vị trực thuộc)",
		"pg_tab_digitized": "Hồ sơ chưa số hóa (%s)", "pg_tab_results": "Kết quả giải quyết chưa số hóa (%s)",
		"pg_gap_nav":         "Danh sách còn thiếu",
		"pg_gap_live":        "Danh sách theo dữ liệu hiện tại; số liệu phía trên là số liệu đã chốt.",
		"pg_gap_none":        "Không có hồ sơ nào còn thiếu.",
		"pg_nothing_missing": "Hiện không còn thiếu gì; trạng thái số hóa sẽ được cập nhật khi xử lý xong.",
		"pg_resolved":        "Ngày giải quyết", "pg_more": "Trang sau »",
		"pg_rs_on_time": "Đúng hạn", "pg_rs_late": "Muộn", "pg_rs_unsigned": "Chưa ký số hợp lệ",
		"pg_rs_pending": "Chưa gửi, còn hạn", "pg_rs_missing": "Chưa gửi, quá hạn",
		"pg_report_state": "Tình trạng báo cáo", "pg_submitted": "Thời điểm gửi", "pg_summary": "Tổng hợp",
		"pg_reports_note": "Báo cáo có chữ ký số hợp lệ, gửi trước hết ngày 25 của tháng cuối kỳ (giờ Việt Nam), là đúng hạn. " +
			"Danh sách luôn theo dữ liệu hiện tại, kể cả sau khi chốt số liệu.",
		"pg_range": "Từ %s đến %s",
	},
	sohoa.LangEN: {
		"pg_title": "Digitization progress", "pg_unit_title": "Digitization progress", "pg_reports_title": "Periodic reports by unit",
		"pg_pick": "Choose the period and unit", "pg_show": "Show", "pg_all_units": "All units in your scope",
		"pg_period": "Reporting period", "pg_due": "Report due", "pg_data": "Figures",
		"pg_live": "Being updated", "pg_as_of": "as of", "pg_closed": "Closed", "pg_at": "at", "pg_by": "by",
		"pg_early":      "closed early, before the report deadline",
		"pg_open_units": "Units not closed, shown live:",
		"pg_changes":    "Changes since the close (the closed figures are never rewritten)",
		"pg_no_changes": "No changes since the close.",
		"pg_change":     "%s: %s at the close → %s now",
		"pg_digitized":  "Digitized at intake", "pg_results": "Procedure results digitized", "pg_reports": "Reports signed on time",
		"pg_trend": "Trend over 8 quarters", "pg_target": "target", "pg_gap": "%s short", "pg_met": "target met",
		"pg_nothing": "no figures yet", "pg_unit": "Unit", "pg_subunits": "with %d subunits",
		"pg_total":   "All units together",
		"pg_caption": "Progress per unit; a unit's figures include its subunits'",
		"pg_bar_note": "Each bar shows a rate on a scale to 100%; the black mark is the unit's target. " +
			"Follow a shortfall to the dossiers making it up and what each is missing.",
		"pg_legend":     "Trend chart legend:",
		"pg_own_report": "The unit's own report", "pg_export": "Download the figures:", "pg_reports_link": "See which units sent their periodic report »",
		"pg_no_units": "No units in your scope.", "pg_back": "« Back to the progress dashboard",
		"pg_unit_figs":     "The unit's figures (with its subunits)",
		"pg_tab_digitized": "Dossiers not digitized (%s)", "pg_tab_results": "Results not digitized (%s)",
		"pg_gap_nav":         "What is missing",
		"pg_gap_live":        "This list is today's; the figures above are the closed ones.",
		"pg_gap_none":        "No dossier is missing anything.",
		"pg_nothing_missing": "Nothing is missing now; the digitization state is updated when processing finishes.",
		"pg_resolved":        "Resolved", "pg_more": "Next page »",
		"pg_rs_on_time": "On time", "pg_rs_late": "Late", "pg_rs_unsigned": "Not validly signed",
		"pg_rs_pending": "Not sent yet", "pg_rs_missing": "Missing",
		"pg_report_state": "Report", "pg_submitted": "Submitted", "pg_summary": "Summary",
		"pg_reports_note": "A validly signed report sent before the end of the 25th of the period's last month (Vietnam time) is on time. " +
			"This list is always live, also after the figures are closed.",
		"pg_range": "From %s to %s",
	},
}

func init() {
	for lang, m := range progressStrings {
		for k, v := range m {
			uiStrings[lang][k] = v
		}
	}
}
