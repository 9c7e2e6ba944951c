package sohoa_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func TestValidateCode(t *testing.T) {
	for _, ok := range []string{"000.00.12.G05", "A", "a-b_c.d", strings.Repeat("x", 64)} {
		assert.NoError(t, sohoa.ValidateCode("unit", ok), ok)
	}
	for _, bad := range []string{"", " ", "a b", "đơn-vị", "a/b", strings.Repeat("x", 65), "x\x00"} {
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(sohoa.ValidateCode("unit", bad)), "%q", bad)
	}
}

func TestUnitValidate(t *testing.T) {
	u := sohoa.Unit{Code: "G05", Name: "  Bộ phận Một cửa  "}
	require.NoError(t, u.Validate())
	assert.Equal(t, "Bộ phận Một cửa", u.Name)
	for _, bad := range []sohoa.Unit{
		{Code: "G05", Name: ""},
		{Code: "G05", Name: strings.Repeat("ă", 256)},
		{Code: "G05", Name: "bad\xffutf8"},
		{Code: "G05", Name: "line\nbreak"},
		{Code: "G05", Name: "x", ParentCode: "G05"},
		{Code: "G05", Name: "x", ParentCode: "bad code"},
	} {
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(bad.Validate()), "%+v", bad)
	}
	ok := sohoa.Unit{Code: "G05", Name: strings.Repeat("ă", 255)}
	assert.NoError(t, ok.Validate(), "255 runes (510 bytes) is within the limit")
}

func TestDossierValidate(t *testing.T) {
	ict := time.FixedZone("ICT", 7*3600)
	d := sohoa.Dossier{UnitCode: "G05", ProcedureCode: "1.001", ReceivedAt: time.Date(2026, 11, 30, 8, 0, 0, 999, ict)}
	require.NoError(t, d.Validate())
	assert.Equal(t, time.UTC, d.ReceivedAt.Location())
	assert.Equal(t, time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC), d.ReceivedAt)
	assert.Equal(t, sohoa.StatusReceived, d.Status)
	assert.Equal(t, sohoa.DigitizationIncomplete, d.DigitizationState)

	before := d.ReceivedAt.Add(-time.Hour)
	for name, bad := range map[string]sohoa.Dossier{
		"zero time":     {UnitCode: "G05", ProcedureCode: "P", Code: "X"},
		"bad status":    {UnitCode: "G05", ProcedureCode: "P", ReceivedAt: d.ReceivedAt, Status: "lost"},
		"due before":    {UnitCode: "G05", ProcedureCode: "P", ReceivedAt: d.ReceivedAt, DueAt: &before},
		"bad code":      {Code: "a b", UnitCode: "G05", ProcedureCode: "P", ReceivedAt: d.ReceivedAt},
		"no unit":       {ProcedureCode: "P", ReceivedAt: d.ReceivedAt},
		"year 1":        {UnitCode: "G05", ProcedureCode: "P", ReceivedAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)},
		"long code":     {Code: strings.Repeat("9", 101), UnitCode: "G05", ProcedureCode: "P", ReceivedAt: d.ReceivedAt},
		"bad procedure": {UnitCode: "G05", ProcedureCode: "", ReceivedAt: d.ReceivedAt},
	} {
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(bad.Validate()), name)
	}
}

func TestFormatDossierCode(t *testing.T) {
	// 30 Nov 2026 at 23:30 in Hà Nội is still the 30th although UTC says so too;
	// 1 Dec 00:30 local is 30 Nov 17:30 UTC and must give 261201.
	loc := sohoa.Location()
	assert.Equal(t, "000.00.12.G05-261130-0007", sohoa.FormatDossierCode("000.00.12.G05", time.Date(2026, 11, 30, 23, 30, 0, 0, loc), 7))
	assert.Equal(t, "G05-261201-0001", sohoa.FormatDossierCode("G05", time.Date(2026, 11, 30, 17, 30, 0, 0, time.UTC), 1))
	assert.Equal(t, "G05-261201-12345", sohoa.FormatDossierCode("G05", time.Date(2026, 11, 30, 17, 30, 0, 0, time.UTC), 12345))
	assert.NoError(t, sohoa.ValidateDossierCode(sohoa.FormatDossierCode(strings.Repeat("U", 64), time.Now(), 99999)))
}

func TestDossierCursorRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	c := sohoa.EncodeDossierCursor(at, "G05-260102-0001")
	gotAt, gotCode, err := sohoa.DecodeDossierCursor(c)
	require.NoError(t, err)
	assert.Equal(t, at, gotAt)
	assert.Equal(t, "G05-260102-0001", gotCode)
	for _, bad := range []string{"!!", "Zm9v", sohoa.EncodeDossierCursor(at, "bad code")} {
		_, _, err := sohoa.DecodeDossierCursor(bad)
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(err), bad)
	}
}

func TestDocumentValidate(t *testing.T) {
	key := strings.Repeat("ab", 32)
	good := func() sohoa.Document {
		return sohoa.Document{DossierCode: "D1", BlobKey: key, Size: 10, FileName: "Đơn đề nghị.pdf", MediaType: "application/pdf",
			Role: sohoa.RoleComponent, ComponentName: "Đơn", Source: sohoa.SourceWeb, UploadedBy: "clerk1"}
	}
	d := good()
	require.NoError(t, d.Validate())
	for name, mut := range map[string]func(*sohoa.Document){
		"upper key":   func(d *sohoa.Document) { d.BlobKey = strings.ToUpper(key) },
		"short key":   func(d *sohoa.Document) { d.BlobKey = "abc" },
		"neg size":    func(d *sohoa.Document) { d.Size = -1 },
		"slash name":  func(d *sohoa.Document) { d.FileName = "../x.pdf" },
		"bad utf8":    func(d *sohoa.Document) { d.FileName = "\xc3\x28.pdf" },
		"media":       func(d *sohoa.Document) { d.MediaType = "pdf" },
		"role":        func(d *sohoa.Document) { d.Role = "other" },
		"source":      func(d *sohoa.Document) { d.Source = "email" },
		"no uploader": func(d *sohoa.Document) { d.UploadedBy = "" },
	} {
		d := good()
		mut(&d)
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(d.Validate()), name)
	}
}

func TestScope(t *testing.T) {
	assert.Equal(t, sohoa.EFORBIDDEN, sohoa.Code(sohoa.Scope{}.Validate()))
	assert.NoError(t, sohoa.AllUnits.Validate())
	assert.NoError(t, sohoa.ScopeOf("G05").Validate())
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(sohoa.ScopeOf("a b").Validate()))

	admin := sohoa.User{Username: "a", Roles: []sohoa.Role{sohoa.RoleAdmin}}
	assert.True(t, admin.Scope().All)
	clerk := sohoa.User{Username: "c", Roles: []sohoa.Role{sohoa.RoleClerk}, UnitScopes: []string{"G05"}}
	assert.Equal(t, sohoa.ScopeOf("G05"), clerk.Scope())
}

func TestAPITokenSecret(t *testing.T) {
	p1, h1 := sohoa.NewAPITokenSecret()
	p2, _ := sohoa.NewAPITokenSecret()
	assert.NotEqual(t, p1, p2)
	assert.True(t, strings.HasPrefix(p1, "sohoa_"))
	assert.Equal(t, h1, sohoa.HashAPIToken(p1))
	assert.NoError(t, sohoa.ValidateBlobKey(h1), "hash is lowercase hex SHA-256")
}
