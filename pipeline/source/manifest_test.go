package source

import (
	"encoding/csv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa"
)

const header = "file,dossier,unit,procedure,role,component,received_at"

func parse(t *testing.T, text string) (*Manifest, error) {
	t.Helper()
	return parseOpt(t, text, false)
}

func parseOpt(t *testing.T, text string, allowOutside bool) (*Manifest, error) {
	t.Helper()
	return ParseManifest(strings.NewReader(text), "/import", ManifestOptions{AllowOutside: allowOutside})
}

func TestManifestParses(t *testing.T) {
	text := "\uFEFF" + "File,Dossier,UNIT,procedure,Role,component,received_at,ghi chú\n" +
		"a/x.pdf,000.00.12.G05-261130-0007,000.00.12.G05,1.001,component,Đơn đề nghị,2026-11-30,scanned twice\n" +
		"a/y.pdf,000.00.12.G05-261130-0007,,,result,,,\n" +
		"\n" +
		",,,,,,,\n" +
		"/abs/z.pdf,OTHER-SYSTEM_42,U1,P1,,\"Tờ khai, bản chính\",2026-03-14T09:30:00+07:00\n" +
		"a/x.pdf,OTHER-SYSTEM_42,,,report,,\n"
	_, err := parse(t, text)
	require.Error(t, err, "an absolute path needs --allow-outside")
	assert.Contains(t, err.Error(), `line 6: file "/abs/z.pdf" is an absolute path`)
	m, err := parseOpt(t, text, true)
	require.NoError(t, err)
	require.Len(t, m.Rows, 4)

	r := m.Rows[0]
	assert.Equal(t, 2, r.Line)
	assert.Equal(t, filepath.FromSlash("/import/a/x.pdf"), r.File)
	assert.Equal(t, "000.00.12.G05-261130-0007", r.Dossier)
	assert.Equal(t, sohoa.RoleComponent, r.Role)
	assert.Equal(t, "Đơn đề nghị", r.Component)
	assert.True(t, r.ReceivedAt.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, sohoa.Location())), "a date is local midnight in Asia/Ho_Chi_Minh: %s", r.ReceivedAt)

	assert.Equal(t, sohoa.RoleResult, m.Rows[1].Role)
	assert.Equal(t, 6, m.Rows[2].Line, "blank lines count")
	assert.Equal(t, sohoa.RoleComponent, m.Rows[2].Role, "an empty role is a component")
	assert.Equal(t, "Tờ khai, bản chính", m.Rows[2].Component)
	assert.Equal(t, filepath.FromSlash("/abs/z.pdf"), m.Rows[2].File)
	assert.Equal(t, sohoa.RoleReport, m.Rows[3].Role)

	// A file listed for two dossiers has two rows.
	assert.Len(t, m.Lookup(filepath.FromSlash("/import/a/x.pdf")), 2)
	assert.Empty(t, m.Lookup("/import/a/nope.pdf"))
	assert.Equal(t, []string{filepath.FromSlash("/import/a/x.pdf"), filepath.FromSlash("/import/a/y.pdf"), filepath.FromSlash("/abs/z.pdf")}, m.Files())

	d, ok := m.Dossier("000.00.12.G05-261130-0007")
	require.True(t, ok)
	assert.True(t, d.Complete())
	assert.Equal(t, "1.001", d.Procedure)
	d, ok = m.Dossier("OTHER-SYSTEM_42")
	require.True(t, ok)
	assert.Equal(t, "U1", d.Unit)
	assert.Equal(t, 6, d.Line)
}

func TestManifestSeparatorsAndNFD(t *testing.T) {
	m, err := parse(t, "file;dossier;unit;procedure;role;component;received_at\r\n"+
		"Đơn.pdf;D-1;U;P;component;;2026-01-02 08:00\r\n")
	require.NoError(t, err)
	require.Len(t, m.Rows, 1)
	assert.Equal(t, 8, m.Rows[0].ReceivedAt.In(sohoa.Location()).Hour())
	// Looking up by a decomposed (macOS) path finds the composed row.
	assert.Len(t, m.Lookup(filepath.Join("/import", "Đơn.pdf")), 1)
	assert.Len(t, m.Lookup(filepath.Join("/import", norm.NFD.String("Đơn.pdf"))), 1)
}

func TestManifestErrors(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"empty", "", []string{"manifest is empty"}},
		{"missing columns", "file,dossier,unit,role\nx.pdf,D,U,component\n", []string{"lacks column(s) procedure, component, received_at"}},
		{"bad role", header + "\nx.pdf,D,U,P,component,,\ny.pdf,D,U,P,scan,,\n", []string{"line 3: role \"scan\": want component, result or report"}},
		{"bad date", header + "\nx.pdf,D,U,P,component,,2026-02-30\n", []string{"line 2: received_at \"2026-02-30\"", "ISO 8601"}},
		{"day first date", header + "\nx.pdf,D,U,P,component,,14/03/2026\n", []string{"line 2: received_at \"14/03/2026\""}},
		{"bad dossier", header + "\nx.pdf,mã hs,U,P,component,,\n", []string{"line 2: dossier code \"mã hs\""}},
		{"no file", header + "\n,D,U,P,,,\n", []string{"line 2: file is empty"}},
		{"conflicting unit", header + "\nx.pdf,D,U1,P,,,\ny.pdf,D,U2,P,,,\n", []string{"line 3: dossier D has unit U2 here but U1 on line 2"}},
		{"several", header + "\nx.pdf,D,U,P,bad,,\ny.pdf,D,U,P,component,,yesterday\n", []string{"2 bad rows", "line 2: role", "line 3: received_at"}},
		{"broken quote", header + "\n\"x.pdf,D,U,P,,,\n", []string{"manifest line 2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.text)
			require.Error(t, err)
			assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestReadManifestFileRelativeToItself(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "batch", "manifest.csv")
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(header+"\nscans/x.pdf,D,U,P,,,\n"), 0o644))
	m, err := ReadManifestFile(p, ManifestOptions{})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "batch", "scans", "x.pdf"), m.Rows[0].File)
	assert.Equal(t, p, m.Path)

	_, err = ReadManifestFile(filepath.Join(dir, "nope.csv"), ManifestOptions{})
	require.Error(t, err)
	// The user reads a sohoa error; the cause stays reachable underneath.
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
	assert.ErrorIs(t, err, fs.ErrNotExist)

	require.NoError(t, os.WriteFile(p, []byte(header+"\n\"unclosed,D,U,P,,,\n"), 0o644))
	_, err = ReadManifestFile(p, ManifestOptions{})
	var pe *csv.ParseError
	assert.ErrorAs(t, err, &pe)
	assert.Contains(t, sohoa.Message(err), "manifest line 2")
}
