package report

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/verify"
)

// fakeProgress is a catalog of units with counts per quarter, written by
// hand so the expected figures can be written in the test.
type fakeProgress struct {
	units  map[string]*sohoa.Unit
	counts map[string][]sohoa.UnitCounts // by period
	asked  []string
}

func (f *fakeProgress) FindUnitByCode(_ context.Context, code string) (*sohoa.Unit, error) {
	u, ok := f.units[code]
	if !ok {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "unit %s not found", code)
	}
	return u, nil
}

func (f *fakeProgress) CountProgress(_ context.Context, pf sohoa.ProgressFilter) ([]sohoa.UnitCounts, error) {
	f.asked = append(f.asked, pf.Period.String()+" "+pf.UnitCode)
	return f.counts[pf.Period.String()], nil
}

const (
	qUnitName   = "Bộ phận Một cửa Sở Tư pháp"
	qParentName = "Ủy ban nhân dân tỉnh Hà Tĩnh"
)

func quarterlyData() *fakeProgress {
	vn := sohoa.Location()
	onTime := time.Date(2026, 3, 20, 9, 0, 0, 0, vn)
	late := time.Date(2026, 3, 27, 9, 0, 0, 0, vn)
	f := &fakeProgress{
		units: map[string]*sohoa.Unit{
			"UBND":   {Code: "UBND", Name: qParentName},
			"STP":    {Code: "STP", Name: qUnitName, ParentCode: "UBND"},
			"STP.HT": {Code: "STP.HT", Name: "Phòng Hành chính tư pháp", ParentCode: "STP"},
			"STP.CC": {Code: "STP.CC", Name: "Phòng Công chứng số 1", ParentCode: "STP"},
		},
		counts: map[string][]sohoa.UnitCounts{
			"2026-Q1": {
				{UnitCode: "STP", Name: qUnitName, ParentCode: "UBND", Received: 20, ReceivedDigitized: 19, Resolved: 10, ResolvedDigitized: 10},
				{UnitCode: "STP.CC", Name: "Phòng Công chứng số 1", ParentCode: "STP", Received: 1234, ReceivedDigitized: 1000, Resolved: 900, ResolvedDigitized: 450,
					Reports: 1, FirstReportAt: &late, FirstSignedReportAt: &late},
				{UnitCode: "STP.HT", Name: "Phòng Hành chính tư pháp", ParentCode: "STP", Received: 46, ReceivedDigitized: 41, Resolved: 30, ResolvedDigitized: 27,
					Reports: 1, FirstReportAt: &onTime, FirstSignedReportAt: &onTime},
			},
			"2025-Q4": {{UnitCode: "STP", Name: qUnitName, ParentCode: "UBND", Received: 10, ReceivedDigitized: 6, Resolved: 4, ResolvedDigitized: 1}},
			"2025-Q1": {{UnitCode: "STP", Name: qUnitName, ParentCode: "UBND", Received: 8, ReceivedDigitized: 2}},
			"2024-Q1": {{UnitCode: "STP", Name: qUnitName, ParentCode: "UBND", Received: 100, ReceivedDigitized: 100}},
		},
	}
	return f
}

func buildQuarterly(t *testing.T) *Quarterly {
	t.Helper()
	q, err := BuildQuarterly(context.Background(), quarterlyData(), QuarterlyOptions{
		Unit: "STP", Period: sohoa.Period{Kind: sohoa.PeriodQuarter, Year: 2026, Number: 1},
		Now: time.Date(2026, 3, 20, 3, 30, 0, 0, time.UTC), Place: "Hà Tĩnh", SignerName: "Nguyễn Thị Hằng",
	})
	require.NoError(t, err)
	return q
}

func TestBuildQuarterly(t *testing.T) {
	src := quarterlyData()
	q, err := BuildQuarterly(context.Background(), src, QuarterlyOptions{
		Unit: "STP", Period: sohoa.Period{Kind: sohoa.PeriodQuarter, Year: 2026, Number: 1}, Now: time.Now()})
	require.NoError(t, err)
	assert.Equal(t, qParentName, q.ParentName)
	assert.Equal(t, []string{"2026-Q1 STP", "2025-Q4 STP", "2025-Q3 STP", "2025-Q2 STP", "2025-Q1 STP", "2024-Q4 STP", "2024-Q3 STP", "2024-Q2 STP"}, src.asked)
	require.Len(t, q.History, HistoryQuarters)
	assert.Equal(t, "2024-Q2", q.History[0].Period.String())
	assert.Equal(t, "2026-Q1", q.History[7].Period.String())
	rate := func(r *float64) any {
		if r == nil {
			return nil
		}
		return *r
	}
	assert.Equal(t, 60.0, rate(q.History[6].Digitized))
	assert.Equal(t, 25.0, rate(q.History[6].ResultsDigitized))
	assert.Equal(t, 25.0, rate(q.History[3].Digitized))
	assert.Nil(t, rate(q.History[3].ResultsDigitized))
	assert.Nil(t, rate(q.History[0].Digitized), "2024-Q1 is not among the eight")
	// 20+1234+46 received, 19+1000+41 digitized: 1060/1300 = 81.54%.
	assert.Equal(t, 81.54, rate(q.History[7].Digitized))

	rows := q.Rows()
	require.Len(t, rows, 4)
	assert.Equal(t, qUnitName+" (trực tiếp tiếp nhận)", rows[0].Name)
	assert.Equal(t, int64(20), rows[0].Figures.Received)
	assert.Equal(t, "Phòng Công chứng số 1", rows[1].Name)
	assert.Equal(t, "Muộn", rows[1].Report)
	assert.Equal(t, "Đúng hạn", rows[2].Report)
	assert.True(t, rows[3].Total)
	assert.Equal(t, int64(1300), rows[3].Figures.Received)
	assert.Equal(t, "1/2 đúng hạn", rows[3].Report)

	_, err = BuildQuarterly(context.Background(), src, QuarterlyOptions{Unit: "STP", Period: sohoa.Period{Kind: sohoa.PeriodMonth, Year: 2026, Number: 3}})
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
	_, err = BuildQuarterly(context.Background(), src, QuarterlyOptions{Unit: "NOPE", Period: sohoa.Period{Kind: sohoa.PeriodQuarter, Year: 2026, Number: 1}})
	assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
}

func TestDateLine(t *testing.T) {
	vn := sohoa.Location()
	assert.Equal(t, "Hà Nội, ngày 05 tháng 02 năm 2026", DateLine("Hà Nội", time.Date(2026, 2, 5, 9, 0, 0, 0, vn)))
	assert.Equal(t, "Hà Nội, ngày 20 tháng 3 năm 2026", DateLine(" Hà Nội ", time.Date(2026, 3, 20, 9, 0, 0, 0, vn)))
	// 23:30 UTC is the next morning in Vietnam.
	assert.Equal(t, "……………, ngày 01 tháng 12 năm 2026", DateLine("", time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)))
	assert.Equal(t, "Quý IV năm 2025", QuarterTitle(sohoa.Period{Kind: sohoa.PeriodQuarter, Year: 2025, Number: 4}))
	assert.Equal(t, "1.234.567", viInt(1234567))
	assert.Equal(t, "999", viInt(999))
	r := 85.714
	assert.Equal(t, "85,71", viRate(&r))
	assert.Equal(t, "-", viRate(nil))
}

// writeQuarterly renders q and, when SOHOA_TEST_KEEP names a directory,
// keeps the PDF there to look at.
func writeQuarterly(t *testing.T, q *Quarterly) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteQuarterlyPDF(&buf, q))
	if dir := os.Getenv("SOHOA_TEST_KEEP"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, t.Name()+".pdf"), buf.Bytes(), 0o644))
	}
	return buf.Bytes()
}

func TestQuarterlyPDFText(t *testing.T) {
	pdf := writeQuarterly(t, buildQuarterly(t))
	text := pdftotext(t, pdf, 1)
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{
		"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
		"ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH", "BỘ PHẬN MỘT CỬA SỞ TƯ PHÁP",
		"Hà Tĩnh, ngày 20 tháng 3 năm 2026", "BÁO CÁO",
		"Kết quả số hóa hồ sơ, kết quả giải quyết thủ tục hành chính Quý I năm 2026",
		"từ ngày 15/12/2025 đến ngày 14/03/2026",
		// The totals: 1.300 received, 1.060 digitized (81,54%), 940
		// resolved, 487 results digitized (51,81%).
		"Số hồ sơ tiếp nhận trong kỳ: 1.300; số hồ sơ đã số hóa: 1.060, đạt 81,54% (chỉ tiêu 100%, còn thiếu 240 hồ sơ)",
		"đã giải quyết trong kỳ: 940; số kết quả giải quyết đã số hóa: 487, đạt 51,81%",
		"Phòng Công chứng số 1", "Phòng Hành chính tư pháp",
	} {
		assert.Contains(t, flat, want)
	}
	// A table row: Phòng Công chứng số 1, 1.234 received, 1.000
	// digitized, 81,04%, 900 resolved, 450, 50,00%, late.
	assert.Regexp(t, `Phòng Công chứng số 1\s+1\.234\s+1\.000\s+81,04\s+900\s+450\s+50,00\s+Muộn`, text)
	assert.Regexp(t, `Tổng cộng\s+1\.300\s+1\.060\s+81,54\s+940\s+487\s+51,81`, text)

	all := strings.Join(strings.Fields(pdftotextAll(t, pdf)), " ")
	for _, want := range []string{"Tỷ lệ số hóa qua 8 quý gần nhất", "Quý II", "Nơi nhận:", "THỦ TRƯỞNG ĐƠN VỊ", "Nguyễn Thị Hằng", "Chỉ tiêu 100%"} {
		assert.Contains(t, all, want)
	}
	fonts := pdffonts(t, pdf)
	for _, f := range []string{"LiberationSerif ", "LiberationSerif-Bold ", "LiberationSerif-Italic ", "LiberationSerif-BoldItalic "} {
		assert.Contains(t, fonts, f)
	}
	assert.NotContains(t, fonts, " no  ", "every font is embedded: %s", fonts)
}

func pdftotextAll(t *testing.T, pdf []byte) string {
	t.Helper()
	bin := requireTool(t, "pdftotext")
	f := filepath.Join(t.TempDir(), "r.pdf")
	require.NoError(t, os.WriteFile(f, pdf, 0o600))
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", f, "-").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

func pdffonts(t *testing.T, pdf []byte) string {
	t.Helper()
	bin := requireTool(t, "pdffonts")
	f := filepath.Join(t.TempDir(), "r.pdf")
	require.NoError(t, os.WriteFile(f, pdf, 0o600))
	out, err := exec.Command(bin, f).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

func TestQuarterlySignedBT(t *testing.T) {
	b := setupCopy(t)
	q := buildQuarterly(t)
	pdf, err := MakeQuarterly(context.Background(), q, b.signer, SignOptions{TSAURL: b.pki.TSAURL(), Time: b.pki.Now(),
		HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	require.NoError(t, err)
	v, err := verify.New(verify.Config{TrustAnchors: []*x509.Certificate{b.pki.Root.Cert}, Now: b.pki.Now, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	require.NoError(t, err)
	rep, err := v.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err)
	require.Len(t, rep.Signatures, 1)
	s := rep.Signatures[0]
	assert.Equal(t, verify.TotalPassed, rep.Indication, "%s %v", rep.Summary, s.Problems)
	assert.Equal(t, "B-T", s.PAdESLevel)
	require.NotNil(t, s.ByteRange)
	assert.Equal(t, verify.CoverageEntireFile, s.ByteRange.Coverage)
	out, ok := pdfsig(t, pdf)
	assert.True(t, ok, out)
	assert.Contains(t, out, "Signature Validation: Signature is Valid.")
	// The signed report still reads as the report.
	assert.Contains(t, pdftotext(t, pdf, 1), "Độc lập - Tự do - Hạnh phúc")

	// One byte changed in the signed range fails both.
	changed := bytes.Clone(pdf)
	sigs := testpdf.Signatures(changed)
	require.Len(t, sigs, 1)
	changed[int(sigs[0].ByteRange[1])/2] ^= 0x01
	rep = b.verify(t, changed)
	assert.Equal(t, verify.TotalFailed, rep.Indication, "%s", rep.Summary)
	out, _ = pdfsig(t, changed)
	assert.NotContains(t, out, "Signature Validation: Signature is Valid.")
}

func TestQuarterlySignedBB(t *testing.T) {
	b := setupCopy(t)
	pdf, err := MakeQuarterly(context.Background(), buildQuarterly(t), b.signer, SignOptions{Time: b.pki.Now(),
		HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	require.NoError(t, err)
	rep := b.verify(t, pdf)
	require.Len(t, rep.Signatures, 1)
	assert.Equal(t, verify.TotalPassed, rep.Indication, "%s", rep.Summary)
	assert.Equal(t, "B-B", rep.Signatures[0].PAdESLevel)
	_, err = MakeQuarterly(context.Background(), buildQuarterly(t), Signer{}, SignOptions{})
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
}

// TestQuarterlyManyPages: a unit with many subunits runs over pages; the
// table's heading repeats and every row reads back.
func TestQuarterlyManyPages(t *testing.T) {
	q := buildQuarterly(t)
	counts := []sohoa.UnitCounts{{UnitCode: "STP", Name: qUnitName, ParentCode: "UBND"}}
	for i := 1; i <= 40; i++ {
		counts = append(counts, sohoa.UnitCounts{UnitCode: fmt.Sprintf("X%02d", i), Name: fmt.Sprintf("Xã Đồng Thịnh số %d", i),
			ParentCode: "STP", Received: int64(i), ReceivedDigitized: int64(i / 2)})
	}
	q.Progress = sohoa.BuildProgress(sohoa.ProgressInput{Period: q.Period, Unit: "STP", Counts: counts, Now: q.AsOf})
	pdf := writeQuarterly(t, q)
	all := pdftotextAll(t, pdf)
	for i := 1; i <= 40; i++ {
		assert.Contains(t, all, fmt.Sprintf("Xã Đồng Thịnh số %d ", i))
	}
	assert.GreaterOrEqual(t, strings.Count(all, "Hồ sơ tiếp nhận"), 2, "the heading repeats on the next page")
	assert.Contains(t, all, "Nguyễn Thị Hằng")
}
