package report

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
)

// The quarterly report (báo cáo định kỳ hằng quý) a unit sends the IT
// centre: its digitization figures for the period laid out as an
// administrative report under Decree 30/2020/ND-CP Appendix I (the
// national motto header, the place and date line, the title, the body,
// "Nơi nhận" and the signature block), with a table of the figures per
// subunit and a chart of the rates over the last eight quarters.

// HistoryQuarters is how many quarters the report's chart shows, the
// period's included.
const HistoryQuarters = 8

// DefaultSignerTitle is the signature block's title when none is given.
const DefaultSignerTitle = "THỦ TRƯỞNG ĐƠN VỊ"

// DefaultRecipients are the "Nơi nhận" lines when none are given.
var DefaultRecipients = []string{"Trung tâm Công nghệ thông tin;", "Lưu: VT."}

// Quarterly is what a quarterly report says.
type Quarterly struct {
	Period sohoa.Period // a quarter
	// Unit is the reporting unit; ParentName its parent's name ("" for a
	// root), printed above it in the header.
	Unit       sohoa.Unit
	ParentName string
	// Place is the place name of the date line ("Hà Nội, ngày …"); empty
	// leaves dots for it.
	Place string
	// Date is the report's date (shown in Vietnam time); AsOf when the
	// figures were read.
	Date, AsOf time.Time
	// Progress is the period's figures for the unit's subtree
	// (sohoa.BuildProgress with Unit set to the unit).
	Progress *sohoa.Progress
	// History is the rates of the last quarters, oldest first, the
	// period's last.
	History []QuarterRates
	// SignerTitle heads the signature block (DefaultSignerTitle when
	// empty); SignerName, when set, is printed under the space left for
	// the signature.
	SignerTitle, SignerName string
	Recipients              []string // DefaultRecipients when nil
}

// QuarterRates are a unit's rates (subtree figures) in one quarter; nil
// when there was nothing to measure.
type QuarterRates struct {
	Period           sohoa.Period `json:"period"`
	Digitized        *float64     `json:"digitized"`
	ResultsDigitized *float64     `json:"results_digitized"`
}

// ProgressSource is what BuildQuarterly reads: the catalog's units and
// progress counts.
type ProgressSource interface {
	FindUnitByCode(ctx context.Context, code string) (*sohoa.Unit, error)
	CountProgress(ctx context.Context, f sohoa.ProgressFilter) ([]sohoa.UnitCounts, error)
}

// QuarterlyOptions are BuildQuarterly's inputs beside the catalog.
type QuarterlyOptions struct {
	Unit   string
	Period sohoa.Period
	Now    time.Time
	Target int // 0: sohoa.DefaultTarget
	Place  string
	// SignerTitle, SignerName and Recipients: see Quarterly.
	SignerTitle, SignerName string
	Recipients              []string
}

// BuildQuarterly reads the figures a unit's quarterly report shows: the
// period's, for the unit and its subtree, and the rates of the
// HistoryQuarters quarters ending with it.
func BuildQuarterly(ctx context.Context, src ProgressSource, o QuarterlyOptions) (*Quarterly, error) {
	if o.Period.Kind != sohoa.PeriodQuarter {
		return nil, sohoa.Errorf(sohoa.EINVALID, "the quarterly report is made for a quarter (YYYY-Qn), not %s", o.Period)
	}
	u, err := src.FindUnitByCode(ctx, o.Unit)
	if err != nil {
		return nil, err
	}
	q := &Quarterly{Period: o.Period, Unit: *u, Place: o.Place, Date: o.Now, AsOf: o.Now,
		SignerTitle: o.SignerTitle, SignerName: o.SignerName, Recipients: o.Recipients}
	if u.ParentCode != "" {
		parent, err := src.FindUnitByCode(ctx, u.ParentCode)
		if err != nil {
			return nil, fmt.Errorf("the parent of unit %s: %w", u.Code, err)
		}
		q.ParentName = parent.Name
	}
	p := o.Period
	for i := 0; i < HistoryQuarters; i++ {
		counts, err := src.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: u.Code, Period: p})
		if err != nil {
			return nil, err
		}
		pr := sohoa.BuildProgress(sohoa.ProgressInput{Period: p, Unit: u.Code, Counts: counts, Now: o.Now, Target: o.Target})
		if i == 0 {
			q.Progress = pr
		}
		q.History = append([]QuarterRates{{Period: p, Digitized: pr.Total.Digitized.Rate,
			ResultsDigitized: pr.Total.ResultsDigitized.Rate}}, q.History...)
		p = sohoa.PeriodOf(sohoa.PeriodQuarter, p.Start().AddDate(0, 0, -1))
	}
	return q, nil
}

// romanQuarter is a quarter's number as Vietnamese documents write it.
func romanQuarter(n int) string {
	if n >= 1 && n <= 4 {
		return [...]string{"I", "II", "III", "IV"}[n-1]
	}
	return strconv.Itoa(n)
}

// QuarterTitle is "Quý I năm 2026".
func QuarterTitle(p sohoa.Period) string {
	return fmt.Sprintf("Quý %s năm %d", romanQuarter(p.Number), p.Year)
}

// ReportTitle is the report's title under "BÁO CÁO".
func ReportTitle(p sohoa.Period) string {
	return "Kết quả số hóa hồ sơ, kết quả giải quyết thủ tục hành chính " + QuarterTitle(p)
}

// DateLine is the place and date line of Decree 30/2020 Appendix I:
// "Hà Nội, ngày 05 tháng 02 năm 2026" — a day below 10 and the months
// January and February with a leading zero, the other months without.
func DateLine(place string, t time.Time) string {
	t = t.In(sohoa.Location())
	if strings.TrimSpace(place) == "" {
		place = "……………"
	}
	month := strconv.Itoa(int(t.Month()))
	if t.Month() <= 2 {
		month = "0" + month
	}
	return fmt.Sprintf("%s, ngày %02d tháng %s năm %d", strings.TrimSpace(place), t.Day(), month, t.Year())
}

// viInt writes n with Vietnamese digit grouping: 1.234.567.
func viInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// viRate writes a rate with a decimal comma (85,71); "-" when nil.
func viRate(r *float64) string {
	if r == nil {
		return "-"
	}
	return strings.Replace(strconv.FormatFloat(*r, 'f', 2, 64), ".", ",", 1)
}

// viDate is 14/3/2026, as dates read in running text.
func viDate(t time.Time) string {
	return fmt.Sprintf("%02d/%02d/%d", t.Day(), int(t.Month()), t.Year())
}

// QuarterlyRow is one row of the report's table.
type QuarterlyRow struct {
	Name    string
	Figures sohoa.Figures
	// Report is what the row's unit's own report for the period is, in
	// words; "" for the reporting unit's own row (this report is it).
	Report string
	Total  bool
}

// Rows are the table's rows: the reporting unit's own dossiers (when it
// has subunits), each direct subunit with its subtree's figures, and the
// total; a unit without subunits has one row.
func (q *Quarterly) Rows() []QuarterlyRow {
	pr := q.Progress
	var self *sohoa.UnitProgress
	var kids []sohoa.UnitProgress
	for i, u := range pr.Units {
		switch {
		case u.Code == q.Unit.Code:
			self = &pr.Units[i]
		case u.Depth == 1 && u.ParentCode == q.Unit.Code:
			kids = append(kids, u)
		}
	}
	if self == nil {
		return nil
	}
	if len(kids) == 0 {
		return []QuarterlyRow{{Name: self.Name, Figures: self.Total}}
	}
	rows := []QuarterlyRow{{Name: self.Name + " (trực tiếp tiếp nhận)", Figures: self.Own}}
	onTime := 0
	for _, k := range kids {
		rows = append(rows, QuarterlyRow{Name: k.Name, Figures: k.Total, Report: reportWords(k.Report)})
		if k.Report == sohoa.ReportOnTime {
			onTime++
		}
	}
	rows = append(rows, QuarterlyRow{Name: "Tổng cộng", Figures: self.Total, Total: true,
		Report: fmt.Sprintf("%d/%d đúng hạn", onTime, len(kids))})
	return rows
}

// reportWords names a report status in the table: short Vietnamese.
func reportWords(s sohoa.ReportStatus) string {
	switch s {
	case sohoa.ReportOnTime:
		return "Đúng hạn"
	case sohoa.ReportLate:
		return "Muộn"
	case sohoa.ReportUnsigned:
		return "Chưa ký số hợp lệ"
	case sohoa.ReportPending:
		return "Chưa gửi (còn hạn)"
	case sohoa.ReportMissing:
		return "Chưa gửi (quá hạn)"
	}
	return string(s)
}

// Layout, in points (Decree 30/2020 Appendix I: A4, margins top and
// bottom 20–25 mm, left 30–35 mm, right 15–20 mm; body text 13–14 pt).
const (
	marginL   = 85.04 // 30 mm
	marginR   = 56.69 // 20 mm
	marginT   = 56.69
	marginB   = 56.69
	contentW  = pageW - marginL - marginR
	bodySize  = 13
	bodyLead  = 18.5 // line height of body text
	paraSpace = 4
	indent    = 28.35 // 1 cm, the first line of a paragraph
)

// quarterlyLayout carries the writing position.
type quarterlyLayout struct {
	c *canvas
	y float64 // baseline of the next line
}

func (l *quarterlyLayout) page() {
	l.c.newPage()
	n := len(l.c.pages)
	l.y = pageH - marginT
	if n > 1 { // page numbers from the second page, centred at the top
		l.c.textIn(marginL, pageW-marginR, pageH-marginT/2-4, center, fontRegular, bodySize, strconv.Itoa(n))
		l.y -= 6
	}
}

// need starts a new page unless h more points fit above the bottom margin.
func (l *quarterlyLayout) need(h float64) {
	if l.y-h < marginB {
		l.page()
	}
}

// para writes a paragraph of body text, its first line indented.
func (l *quarterlyLayout) para(fontName string, size float64, first float64, s string) {
	lines := l.c.wrap(s, fontName, size, contentW-first)
	if len(lines) > 1 {
		rest := l.c.wrap(strings.TrimPrefix(s, lines[0]), fontName, size, contentW)
		lines = append(lines[:1], rest...)
	}
	lead := size * 1.42
	for i, ln := range lines {
		l.need(lead)
		x := marginL
		if i == 0 {
			x += first
		}
		l.c.text(x, l.y, fontName, size, ln)
		l.y -= lead
	}
	l.y -= paraSpace
}

// WriteQuarterlyPDF lays the report out and writes it to w (unsigned).
func WriteQuarterlyPDF(w io.Writer, q *Quarterly) error {
	if q.Progress == nil {
		return sohoa.Errorf(sohoa.EINVALID, "quarterly report: no figures")
	}
	c, err := newCanvas()
	if err != nil {
		return err
	}
	l := &quarterlyLayout{c: c}
	l.page()
	l.header(q)
	l.title(q)
	l.body(q)
	l.table(q)
	l.chart(q)
	l.closing(q)
	l.signature(q)
	return c.write(w, docInfo{
		Title:   "Báo cáo " + strings.ToLower(ReportTitle(q.Period)[:1]) + ReportTitle(q.Period)[1:] + " - " + q.Unit.Name,
		Author:  q.Unit.Name,
		Subject: "Báo cáo định kỳ " + q.Period.String(),
	})
}

// header writes the national motto header: on the left the parent
// agency (regular) and the unit (bold), capitals, a short rule under the
// unit and the document number; on the right the country's name (bold
// capitals) and the motto (bold, underlined its whole length), then the
// place and date line in italics.
func (l *quarterlyLayout) header(q *Quarterly) {
	c := l.c
	const (
		lx0, lx1 = 40.0, 272.0 // left block
		rx0, rx1 = 262.0, 562.0
		size     = 12.0
		lead     = 16.0
	)
	top := l.y
	y := top
	var lines []struct{ font, s string }
	if q.ParentName != "" {
		for _, s := range c.wrap(upperVI(q.ParentName), fontRegular, size, lx1-lx0) {
			lines = append(lines, struct{ font, s string }{fontRegular, s})
		}
	}
	for _, s := range c.wrap(upperVI(q.Unit.Name), fontBold, size, lx1-lx0) {
		lines = append(lines, struct{ font, s string }{fontBold, s})
	}
	for _, ln := range lines {
		c.textIn(lx0, lx1, y, center, ln.font, size, ln.s)
		y -= lead
	}
	mid := (lx0 + lx1) / 2
	c.line(mid-35, y+lead-6, mid+35, y+lead-6, 0.6, black)
	y -= 10
	c.textIn(lx0, lx1, y, center, fontRegular, 13, "Số:        /BC-"+q.Unit.Code)
	leftBottom := y

	y = top
	c.textIn(rx0, rx1, y, center, fontBold, size, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
	y -= lead
	motto := "Độc lập - Tự do - Hạnh phúc"
	mw := c.width(motto, fontBold, 13)
	c.textIn(rx0, rx1, y, center, fontBold, 13, motto)
	mx := (rx0 + rx1 - mw) / 2
	c.line(mx, y-3.5, mx+mw, y-3.5, 0.6, black)
	y -= lead + 12
	c.textIn(rx0, rx1, y, center, fontItalic, 13, DateLine(q.Place, q.Date))
	l.y = min(leftBottom, y) - 34
}

// upperVI is s in capitals (Go's Unicode casing covers Vietnamese).
func upperVI(s string) string { return strings.ToUpper(s) }

func (l *quarterlyLayout) title(q *Quarterly) {
	c := l.c
	c.textIn(marginL, pageW-marginR, l.y, center, fontBold, 14, "BÁO CÁO")
	l.y -= 19
	// The subject on its own line(s), the quarter on the next.
	lines := c.wrap(strings.TrimSuffix(ReportTitle(q.Period), " "+QuarterTitle(q.Period)), fontBold, 14, contentW-20)
	for _, s := range append(lines, QuarterTitle(q.Period)) {
		c.textIn(marginL, pageW-marginR, l.y, center, fontBold, 14, s)
		l.y -= 19
	}
	mid := marginL + contentW/2
	c.line(mid-45, l.y+11, mid+45, l.y+11, 0.6, black)
	l.y -= 14
}

func (l *quarterlyLayout) body(q *Quarterly) {
	p, t := q.Period, q.Progress.Total
	self := q.Progress.Total
	for _, u := range q.Progress.Units {
		if u.Code == q.Unit.Code {
			self = u.Total
		}
	}
	_ = t
	l.para(fontRegular, bodySize, indent, fmt.Sprintf(
		"Thực hiện Kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành chính, %s báo cáo kết quả %s (số liệu từ ngày %s đến ngày %s) như sau:",
		q.Unit.Name, strings.ToLower(QuarterTitle(p)[:1])+QuarterTitle(p)[1:], viDate(p.FirstDay()), viDate(p.LastDay())))
	l.heading("I. KẾT QUẢ SỐ HÓA")
	l.heading("1. Kết quả chung")
	d, r := self.Digitized, self.ResultsDigitized
	line := fmt.Sprintf("- Số hồ sơ tiếp nhận trong kỳ: %s; số hồ sơ đã số hóa: %s, đạt %s%%", viInt(self.Received), viInt(d.Count), viRate(d.Rate))
	if d.Rate == nil {
		line = fmt.Sprintf("- Số hồ sơ tiếp nhận trong kỳ: %s", viInt(self.Received))
	} else if d.Gap > 0 {
		line += fmt.Sprintf(" (chỉ tiêu %d%%, còn thiếu %s hồ sơ)", d.Target, viInt(d.Gap))
	}
	l.para(fontRegular, bodySize, indent, line+".")
	line = fmt.Sprintf("- Số hồ sơ đã giải quyết trong kỳ: %s; số kết quả giải quyết đã số hóa: %s, đạt %s%%", viInt(self.Resolved), viInt(r.Count), viRate(r.Rate))
	if r.Rate == nil {
		line = fmt.Sprintf("- Số hồ sơ đã giải quyết trong kỳ: %s", viInt(self.Resolved))
	} else if r.Gap > 0 {
		line += fmt.Sprintf(" (chỉ tiêu %d%%, còn thiếu %s kết quả)", r.Target, viInt(r.Gap))
	}
	l.para(fontRegular, bodySize, indent, line+".")
	if subs := len(q.Rows()) - 2; subs > 0 {
		signed, onTime := 0, 0
		for _, u := range q.Progress.Units {
			if u.Depth == 1 && u.ParentCode == q.Unit.Code {
				if u.Report == sohoa.ReportOnTime || u.Report == sohoa.ReportLate {
					signed++
				}
				if u.Report == sohoa.ReportOnTime {
					onTime++
				}
			}
		}
		l.para(fontRegular, bodySize, indent, fmt.Sprintf(
			"- Báo cáo định kỳ của %d đơn vị trực thuộc: %d báo cáo đã gửi có ký số hợp lệ, trong đó %d báo cáo gửi đúng hạn (hạn gửi ngày %s).",
			subs, signed, onTime, viDate(p.DueDate())))
	}
}

func (l *quarterlyLayout) heading(s string) {
	l.need(bodyLead + 40)
	l.c.text(marginL+indent, l.y, fontBold, bodySize, s)
	l.y -= bodyLead + 2
}

// Table columns: widths and headings. The first header row spans; see
// table.
var tableCols = []struct {
	w    float64
	head string
}{
	{24, "STT"}, {131, "Đơn vị"},
	{40, "Tổng số"}, {40, "Đã số hóa"}, {38, "Tỷ lệ (%)"},
	{44, "Đã giải quyết"}, {44, "Đã số hóa"}, {38, "Tỷ lệ (%)"},
	{54.5, "Báo cáo định kỳ"},
}

const (
	cellSize = 10.5
	cellLead = 12.5
	cellPad  = 3.5
)

func (l *quarterlyLayout) table(q *Quarterly) {
	l.heading("2. Kết quả theo đơn vị")
	c := l.c
	rows := q.Rows()
	l.need(80)
	c.textIn(marginL, pageW-marginR, l.y, right, fontItalic, 11, "Đơn vị tính: hồ sơ")
	l.y -= 8
	l.tableHeader()
	for i, row := range rows {
		f := row.Figures
		cells := []string{strconv.Itoa(i + 1), row.Name,
			viInt(f.Received), viInt(f.Digitized.Count), viRate(f.Digitized.Rate),
			viInt(f.Resolved), viInt(f.ResultsDigitized.Count), viRate(f.ResultsDigitized.Rate), row.Report}
		fontName := fontRegular
		if row.Total {
			cells[0] = ""
			fontName = fontBold
		}
		if row.Report == "" && !row.Total {
			cells[8] = "-"
		}
		wrapped := make([][]string, len(cells))
		lines := 1
		for j, s := range cells {
			wrapped[j] = c.wrap(s, fontName, cellSize, tableCols[j].w-2*cellPad)
			lines = max(lines, len(wrapped[j]))
		}
		h := float64(lines)*cellLead + 2*cellPad
		if l.y-h < marginB {
			l.page()
			l.tableHeader()
		}
		x := marginL
		for j, col := range tableCols {
			c.strokeRect(x, l.y-h, col.w, h, 0.5, black)
			a := right
			switch j {
			case 0:
				a = center
			case 1, 8:
				a = left
			}
			if j == 1 && row.Total {
				a = center
			}
			for k, s := range wrapped[j] {
				c.textIn(x+cellPad, x+col.w-cellPad, l.y-cellPad-float64(k)*cellLead-cellSize+1, a, fontName, cellSize, s)
			}
			x += col.w
		}
		l.y -= h
	}
	l.y -= bodyLead
}

// tableHeader draws the two heading rows and the row of column numbers:
// STT, Đơn vị and Báo cáo span both rows; "Hồ sơ tiếp nhận" and "Kết quả
// giải quyết TTHC" span three columns each.
func (l *quarterlyLayout) tableHeader() {
	c := l.c
	const h1, h2, h3 = 18.0, 30.0, 13.0
	top := l.y
	var xs []float64
	x := marginL
	for _, col := range tableCols {
		xs = append(xs, x)
		x += col.w
	}
	xs = append(xs, x)
	c.fillRect(marginL, top-h1-h2, contentW, h1+h2, headGrey)
	// Spanning cells.
	span := func(i, j int, y, h float64, lines []string) {
		c.strokeRect(xs[i], y-h, xs[j]-xs[i], h, 0.5, black)
		n := float64(len(lines))
		base := y - h/2 + (n*cellLead)/2 - cellSize + 1.5
		for k, s := range lines {
			c.textIn(xs[i]+2, xs[j]-2, base-float64(k)*cellLead, center, fontBold, cellSize, s)
		}
	}
	for _, i := range []int{0, 1, 8} {
		span(i, i+1, top, h1+h2, c.wrap(tableCols[i].head, fontBold, cellSize, tableCols[i].w-4))
	}
	span(2, 5, top, h1, []string{"Hồ sơ tiếp nhận"})
	span(5, 8, top, h1, []string{"Kết quả giải quyết TTHC"})
	for i := 2; i < 8; i++ {
		span(i, i+1, top-h1, h2, c.wrap(tableCols[i].head, fontBold, cellSize, tableCols[i].w-4))
	}
	y := top - h1 - h2
	for i := range tableCols {
		c.strokeRect(xs[i], y-h3, xs[i+1]-xs[i], h3, 0.5, black)
		c.textIn(xs[i], xs[i+1], y-h3+3.5, center, fontItalic, 9, "("+strconv.Itoa(i+1)+")")
	}
	l.y = y - h3
}

// Chart colours: the two series.
var (
	seriesDigitized = rgb{0.13, 0.35, 0.62}
	seriesResults   = rgb{0.90, 0.55, 0.12}
)

// chart draws the digitization rates of the last quarters as grouped
// bars (received dossiers digitized, results digitized) on a 0–100% axis
// with the target as a dashed line.
func (l *quarterlyLayout) chart(q *Quarterly) {
	c := l.c
	const plotH, below = 150.0, 58.0
	l.need(bodyLead + 14 + plotH + below)
	l.heading(fmt.Sprintf("3. Tỷ lệ số hóa qua %d quý gần nhất", len(q.History)))
	l.y -= 6
	x0, x1 := marginL+30, pageW-marginR-4
	top := l.y
	y0 := top - plotH
	c.textIn(marginL, x0-4, top+8, right, fontItalic, 8.5, "%")
	for v := 0; v <= 100; v += 20 {
		y := y0 + plotH*float64(v)/100
		if v > 0 {
			c.line(x0, y, x1, y, 0.4, gridGrey)
		}
		c.textIn(marginL, x0-4, y-3, right, fontRegular, 9, strconv.Itoa(v))
	}
	n := len(q.History)
	if n == 0 {
		n = 1
	}
	gw := (x1 - x0) / float64(n)
	bw := gw * 0.3
	for i, h := range q.History {
		gx := x0 + gw*float64(i)
		for k, r := range []*float64{h.Digitized, h.ResultsDigitized} {
			col := seriesDigitized
			bx := gx + gw/2 - bw - 1
			if k == 1 {
				col, bx = seriesResults, gx+gw/2+1
			}
			if r == nil {
				c.textIn(bx, bx+bw, y0+3, center, fontRegular, 8, "-")
				continue
			}
			bh := plotH * min(max(*r, 0), 100) / 100
			c.fillRect(bx, y0, bw, bh, col)
			c.textIn(bx-6, bx+bw+6, y0+bh+3, center, fontRegular, 7.5, strconv.FormatFloat(*r, 'f', 0, 64))
		}
		c.textIn(gx, gx+gw, y0-12, center, fontRegular, 9.5, "Quý "+romanQuarter(h.Period.Number))
		c.textIn(gx, gx+gw, y0-23, center, fontRegular, 9.5, strconv.Itoa(h.Period.Year))
	}
	c.line(x0, y0, x1, y0, 0.8, black)
	c.line(x0, y0, x0, top+4, 0.8, black)
	target := sohoa.DefaultTarget
	if q.Progress != nil && q.Progress.Target > 0 {
		target = q.Progress.Target
	}
	ty := y0 + plotH*float64(target)/100
	c.dashed(x0, ty, x1, ty, 0.9, targetRed)
	// The legend, centred under the chart.
	ly := y0 - 42
	items := []struct {
		col  rgb
		text string
		dash bool
	}{
		{seriesDigitized, "Hồ sơ tiếp nhận đã số hóa", false},
		{seriesResults, "Kết quả giải quyết đã số hóa", false},
		{targetRed, fmt.Sprintf("Chỉ tiêu %d%%", target), true},
	}
	total := 0.0
	for _, it := range items {
		total += 14 + c.width(it.text, fontRegular, 10) + 16
	}
	x := (x0+x1)/2 - total/2
	for _, it := range items {
		if it.dash {
			c.dashed(x, ly+3.5, x+10, ly+3.5, 0.9, it.col)
		} else {
			c.fillRect(x, ly, 10, 8, it.col)
		}
		c.text(x+14, ly, fontRegular, 10, it.text)
		x += 14 + c.width(it.text, fontRegular, 10) + 16
	}
	l.y = ly - bodyLead - 4
}

func (l *quarterlyLayout) closing(q *Quarterly) {
	at := q.AsOf.In(sohoa.Location())
	l.para(fontRegular, bodySize, indent, fmt.Sprintf(
		"Số liệu được tổng hợp tự động từ hệ thống sohoa lúc %s ngày %s. %s kính báo cáo./.",
		at.Format("15:04"), viDate(at), q.Unit.Name))
}

// signature writes "Nơi nhận" on the left and the signer's title, the
// space for the signature and the signer's name on the right.
func (l *quarterlyLayout) signature(q *Quarterly) {
	c := l.c
	l.need(120)
	top := l.y - 6
	y := top
	c.text(marginL, y, fontBoldItalic, 12, "Nơi nhận:")
	y -= 14
	rec := q.Recipients
	if rec == nil {
		rec = DefaultRecipients
	}
	for _, r := range rec {
		c.text(marginL, y, fontRegular, 11, "- "+r)
		y -= 13
	}
	rx0, rx1 := marginL+contentW/2, pageW-marginR
	title := q.SignerTitle
	if title == "" {
		title = DefaultSignerTitle
	}
	ry := top
	for _, s := range c.wrap(title, fontBold, 13, rx1-rx0) {
		c.textIn(rx0, rx1, ry, center, fontBold, 13, s)
		ry -= 17
	}
	c.textIn(rx0, rx1, ry, center, fontItalic, 12, "(Ký số)")
	ry -= 72
	if q.SignerName != "" {
		c.textIn(rx0, rx1, ry, center, fontBold, 13, q.SignerName)
	}
	l.y = min(y, ry) - bodyLead
}
