package source

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa"
)

func TestParseName(t *testing.T) {
	nfd := norm.NFD.String("000.00.12.G05-261130-0007__Đơn_đề_nghị.pdf")
	require.NotEqual(t, nfd, NFC(nfd), "the test needs a decomposed name")
	cases := []struct {
		file string
		want Name
		err  string // substring; "" for success
	}{
		{file: "000.00.12.G05-261130-0007__Đơn_đề_nghị.pdf", want: Name{DossierCode: "000.00.12.G05-261130-0007", Component: "Đơn_đề_nghị", Role: sohoa.RoleComponent}},
		{file: "/scans/batch 1/000.00.12.G05-261130-0007__to-khai.PDF", want: Name{DossierCode: "000.00.12.G05-261130-0007", Component: "to-khai", Role: sohoa.RoleComponent}},
		{file: nfd, want: Name{DossierCode: "000.00.12.G05-261130-0007", Component: "Đơn_đề_nghị", Role: sohoa.RoleComponent}},
		{file: "000.00.12.G05-261130-0007__a__b.pdf", want: Name{DossierCode: "000.00.12.G05-261130-0007", Component: "a__b", Role: sohoa.RoleComponent}},
		{file: "000.00.12.G05-261130-0007.1.pdf", want: Name{DossierCode: "000.00.12.G05-261130-0007", Sequence: 1, Role: sohoa.RoleComponent}},
		{file: "000.00.12.G05-261130-0007.12.pdf", want: Name{DossierCode: "000.00.12.G05-261130-0007", Sequence: 12, Role: sohoa.RoleComponent}},
		{file: "HS_2026.03.pdf", want: Name{DossierCode: "HS_2026", Sequence: 3, Role: sohoa.RoleComponent}},
		{file: "G05.2026.001.2.pdf", want: Name{DossierCode: "G05.2026.001", Sequence: 2, Role: sohoa.RoleComponent}},
		{file: "000.00.12.G05-261130-0007__ket-qua.pdf", want: Name{DossierCode: "000.00.12.G05-261130-0007", Role: sohoa.RoleResult}},
		{file: "000.00.12.G05-261130-0007__Kết_quả.pdf", want: Name{DossierCode: "000.00.12.G05-261130-0007", Role: sohoa.RoleResult}},
		{file: "000.00.12.G05-261130-0007__KQ.pdf", want: Name{DossierCode: "000.00.12.G05-261130-0007", Role: sohoa.RoleResult}},
		{file: "000.00.12.G05-261130-0007__KQ.pdf.p7s", want: Name{DossierCode: "000.00.12.G05-261130-0007", Role: sohoa.RoleResult}},
		{file: "000.00.12.G05-261130-0007.2.pdf.P7S", want: Name{DossierCode: "000.00.12.G05-261130-0007", Sequence: 2, Role: sohoa.RoleComponent}},
		{file: "000.00.12.G05-261130-0007.xml.p7s", err: "cannot tell the dossier"},
		// Neither convention.
		{file: "000.00.12.G05-261130-0007.pdf", err: "cannot tell the dossier from the file name"},
		{file: "scan0001.pdf", err: "name it CODE__component.pdf or CODE.1.pdf, or list it in a manifest"},
		{file: "HS.2024.pdf", err: "cannot tell the dossier"}, // 4 digits: part of a code, not a position
		{file: "000.00.12.G05-261130-0007__comp.docx", err: "cannot tell the dossier"},
		{file: "000.00.12.G05-261130-0007__.pdf", err: "cannot tell the dossier"},
		{file: "__comp.pdf", err: "cannot tell the dossier"},
		{file: ".1.pdf", err: "cannot tell the dossier"},
		{file: "000.00.12.G05-261130-0007.0.pdf", err: "component numbers start at 1"},
		{file: "mã hồ sơ__comp.pdf", err: "not allowed"},
		{file: "A B.1.pdf", err: "not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ParseName(tc.file)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.True(t, IsPermanent(err), "a bad name is not retried")
				assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestMatchComponent(t *testing.T) {
	req := []string{"Đơn đề nghị", "Bản sao CCCD", "Tờ khai", "To khai"}
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"Đơn đề nghị", "Đơn đề nghị", true},
		{"Đơn_đề_nghị", "Đơn đề nghị", true},
		{"don-de-nghi", "Đơn đề nghị", true},
		{norm.NFD.String("Bản_sao_CCCD"), "Bản sao CCCD", true},
		{"Tờ khai", "Tờ khai", true}, // exact wins over the ambiguous folded match
		{"to_khai", "", false},       // folds to two components
		{"Giấy phép", "", false},
	}
	for _, tc := range cases {
		got, ok := MatchComponent(tc.in, req)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestParseCircularCode(t *testing.T) {
	unit, day, ok := ParseCircularCode("000.00.12.G05-261130-0007")
	require.True(t, ok)
	assert.Equal(t, "000.00.12.G05", unit)
	assert.True(t, day.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, sohoa.Location())), day)
	_, _, ok = ParseCircularCode("000.00.12.G05-261130-00071") // five digits: n > 9999
	assert.True(t, ok)
	for _, bad := range []string{"HS-2026-001", "G05-261331-0001", "-261130-0001", "G05-261130-001", "X"} {
		_, _, ok := ParseCircularCode(bad)
		assert.False(t, ok, bad)
	}
}
