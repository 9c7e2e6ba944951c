package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// samplePDF returns the bytes of a small real PDF from testdata.
func samplePDF(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "samples", "unsigned.pdf"))
	require.NoError(t, err)
	return data
}

func TestManifestPathsConfined(t *testing.T) {
	cases := []struct{ file, want string }{
		{"../../../../etc/passwd", `line 2: file "../../../../etc/passwd" is outside the manifest's folder`},
		{"a/../../x.pdf", `line 2: file "a/../../x.pdf" is outside the manifest's folder`},
		{`..\secret.pdf`, `line 2: file "..\\secret.pdf" is outside the manifest's folder`},
		{"/etc/hostname", `line 2: file "/etc/hostname" is an absolute path: give it relative to the manifest's folder (or pass --allow-outside)`},
		{`C:\scans\x.pdf`, `line 2: file "C:\\scans\\x.pdf" is an absolute path`},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			text := header + "\nok.pdf,D-1,U,P,,,2026-01-01\n" + strings.ReplaceAll(tc.file, `"`, `""`) + ",D-1,U,P,,,\n"
			text = strings.Replace(text, "ok.pdf,D-1,U,P,,,2026-01-01\n", "", 1) // keep the bad row on line 2
			_, err := parse(t, text)
			require.Error(t, err)
			assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "nothing was imported")
		})
	}
	// "a/../b.pdf" stays inside: fine.
	m, err := parse(t, header+"\na/../b.pdf,D-1,U,P,,,\n")
	require.NoError(t, err)
	assert.Equal(t, filepath.FromSlash("/import/b.pdf"), m.Rows[0].File)
	// --allow-outside takes them as written.
	m, err = parseOpt(t, header+"\n../x.pdf,D-1,U,P,,,\n/etc/hostname,D-1,U,P,,,\n", true)
	require.NoError(t, err)
	assert.Equal(t, filepath.FromSlash("/x.pdf"), m.Rows[0].File)
	assert.Equal(t, "/etc/hostname", m.Rows[1].File)
}

// checkSetup is a folder with a manifest's files and a catalog.
type checkSetup struct {
	dir, outside string
	pdf          []byte
	r            *Resolver
}

func newCheckSetup(t *testing.T) *checkSetup {
	t.Helper()
	s := &checkSetup{dir: t.TempDir(), outside: t.TempDir(), pdf: samplePDF(t)}
	s.r = &Resolver{Catalog: newCatalog(t)}
	return s
}

func (s *checkSetup) write(t *testing.T, rel string, body []byte) string {
	t.Helper()
	p := filepath.Join(s.dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, body, 0o644))
	return p
}

func (s *checkSetup) check(t *testing.T, rows string, opt ManifestOptions) error {
	t.Helper()
	p := filepath.Join(s.dir, "manifest.csv")
	require.NoError(t, os.WriteFile(p, []byte(header+"\n"+rows), 0o644))
	m, err := ReadManifestFile(p, opt)
	require.NoError(t, err)
	s.r.Manifest = m
	return s.r.CheckManifest(context.Background())
}

func TestCheckManifestSymlinkOut(t *testing.T) {
	s := newCheckSetup(t)
	secret := filepath.Join(s.outside, "secret.pdf")
	require.NoError(t, os.WriteFile(secret, append(append([]byte(nil), s.pdf...), "% secret\n"...), 0o644))
	require.NoError(t, os.Symlink(secret, filepath.Join(s.dir, "link.pdf")))
	require.NoError(t, os.Symlink(s.outside, filepath.Join(s.dir, "linkdir")))
	s.write(t, "real.pdf", s.pdf)
	require.NoError(t, os.Symlink("real.pdf", filepath.Join(s.dir, "inside.pdf")))
	rows := "link.pdf,000.00.12.G05-261130-0007,,,,,\n" +
		"linkdir/secret.pdf,000.00.12.G05-261130-0007,,,,,\n" +
		"inside.pdf,000.00.12.G05-261130-0007,,,report,,\n"
	err := s.check(t, rows, ManifestOptions{})
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "2 bad rows")
	assert.Contains(t, msg, "line 2: link.pdf: a symbolic link leads it outside the manifest's folder (to "+secret+")")
	assert.Contains(t, msg, "line 3: linkdir/secret.pdf: a symbolic link leads it outside the manifest's folder")
	assert.NotContains(t, msg, "line 4", "a link that stays inside the folder is fine")

	require.NoError(t, s.check(t, rows, ManifestOptions{AllowOutside: true}))
}

func TestCheckManifestContent(t *testing.T) {
	s := newCheckSetup(t)
	s.write(t, "fake.pdf", []byte("PK\x03\x04 a zip file named .pdf"))
	s.write(t, "junk-first.pdf", append([]byte(strings.Repeat("x", 500)), s.pdf...))
	s.write(t, "late-header.pdf", append([]byte(strings.Repeat("x", 1100)), s.pdf...))
	s.write(t, "empty.pdf", nil)
	sig, err := os.ReadFile(filepath.Join("..", "..", "testdata", "samples", "report.xml.p7s"))
	require.NoError(t, err)
	xml, err := os.ReadFile(filepath.Join("..", "..", "testdata", "samples", "report.xml"))
	require.NoError(t, err)
	s.write(t, "report.xml", xml)
	s.write(t, "report.xml.p7s", sig)
	s.write(t, "lonely.xml.p7s", sig)
	s.write(t, "garbage.p7s", []byte("not a signature"))
	s.write(t, "garbage", []byte("payload of a garbage signature"))
	s.write(t, "notes.txt", []byte("plain text"))
	const d = "000.00.12.G05-261130-0007"
	rows := "fake.pdf," + d + ",,,result,,\n" + // 2
		"junk-first.pdf," + d + ",,,result,,\n" + // 3
		"late-header.pdf," + d + ",,,report,,\n" + // 4
		"empty.pdf," + d + ",,,report,,\n" + // 5
		"report.xml," + d + ",,,report,,\n" + // 6
		"report.xml.p7s," + d + ",,,report,,\n" + // 7
		"lonely.xml.p7s," + d + ",,,report,,\n" + // 8
		"garbage.p7s," + d + ",,,report,,\n" + // 9
		"notes.txt," + d + ",,,report,,\n" + // 10
		"missing.pdf," + d + ",,,report,,\n" // 11
	err = s.check(t, rows, ManifestOptions{})
	require.Error(t, err)
	msg := err.Error()
	t.Log(msg)
	assert.Contains(t, msg, "7 bad rows")
	assert.Contains(t, msg, "line 2: fake.pdf: the file is not a PDF (no %PDF- header in its first 1024 bytes)")
	assert.NotContains(t, msg, "line 3:", "junk before the header is allowed")
	assert.Contains(t, msg, "line 4: late-header.pdf: the file is not a PDF")
	assert.Contains(t, msg, "line 5: empty.pdf: the file is empty")
	assert.NotContains(t, msg, "line 6:", "the file a detached signature beside it signs")
	assert.NotContains(t, msg, "line 7:", "a detached signature beside its file")
	assert.Contains(t, msg, "line 8: lonely.xml.p7s: a detached signature, but the file it signs (lonely.xml) is not beside it")
	assert.Contains(t, msg, "line 9: garbage.p7s: a .p7s file, but not a detached signature: not a CMS signature")
	assert.Contains(t, msg, "line 10: notes.txt: the file is not a PDF")
	assert.Contains(t, msg, "line 11: missing.pdf: no such file or directory")
}

func TestCheckManifestCatalog(t *testing.T) {
	s := newCheckSetup(t)
	a := s.write(t, "a.pdf", s.pdf)
	s.write(t, "b.pdf", append(append([]byte(nil), s.pdf...), "% b\n"...))
	// c.pdf has a.pdf's bytes under another name.
	s.write(t, "c.pdf", s.pdf)
	_ = a
	const existing = "000.00.12.G05-261130-0007"
	rows := "a.pdf," + existing + ",,,component,don-de-nghi,\n" + // 2: fine
		"a.pdf," + existing + ",,,component,Bản sao CCCD,\n" + // 3: same file, other component
		"b.pdf," + existing + ",,,component,Phụ lục,\n" + // 4: not a component of 1.001
		"b.pdf,NEW-1,NOPE,1.001,,,2026-01-02\n" + // 5: unknown unit
		"b.pdf,NEW-2,000.00.12.G05,9.999,,,2026-01-02\n" + // 6: unknown procedure
		"b.pdf,NEW-3,000.00.12.G05,,,,\n" + // 7: cannot be created
		"b.pdf,OTHER-261130-0001,000.00.12.G05,1.001,,,\n" + // 8: Circular code of unit OTHER
		"c.pdf," + existing + ",,,result,,\n" + // 9: a.pdf's bytes again, as the result
		"b.pdf," + existing + ",OTHER,,result,,\n" // 10: b.pdf twice; the dossier is not in OTHER (reported on its first line, 2)
	err := s.check(t, rows, ManifestOptions{})
	require.Error(t, err)
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{
		`line 2: dossier ` + existing + ` exists in unit 000.00.12.G05, not OTHER as the manifest says`,
		`line 3: a.pdf is listed for dossier ` + existing + ` as component "Bản sao CCCD" here and as component "Đơn đề nghị" on line 2: a dossier holds a file once`,
		`line 4: component "Phụ lục" is not one of procedure 1.001's components (Đơn đề nghị; Bản sao CCCD)`,
		`line 5: unit NOPE does not exist`,
		`line 6: procedure 9.999 does not exist`,
		`line 7: dossier NEW-3 does not exist and the manifest does not give its procedure and received_at`,
		`line 8: dossier code OTHER-261130-0001 is a code of unit OTHER (Circular 01/2018: <unit code>-YYMMDD-NNNN), not of unit 000.00.12.G05`,
		`line 9: c.pdf has the same bytes as a.pdf (line 2), listed for dossier ` + existing + ` as result here and as component "Đơn đề nghị" there`,
	} {
		assert.Contains(t, msg, want)
	}
	assert.Contains(t, msg, `line 10: b.pdf is listed for dossier `+existing+` as result here and as component "Phụ lục" on line 4`)
	assert.Contains(t, msg, "9 bad rows")

	// --unit restricts rows and the codes of new dossiers.
	s.r = &Resolver{Catalog: s.r.Catalog, Unit: "OTHER", Procedure: "1.001"}
	err = s.check(t, "a.pdf,"+existing+",,,result,,\n"+
		"a.pdf,000.00.12.G05-261201-0001,,,result,,\n"+
		"b.pdf,EXT-9,,,result,,2026-01-02\n", ManifestOptions{})
	require.Error(t, err)
	msg = err.Error()
	t.Log(msg)
	assert.Contains(t, msg, "line 2: dossier "+existing+" belongs to unit 000.00.12.G05, not OTHER (--unit)")
	assert.Contains(t, msg, "line 3: dossier code 000.00.12.G05-261201-0001 is a code of unit 000.00.12.G05 (Circular 01/2018: <unit code>-YYMMDD-NNNN), not of unit OTHER")
	assert.NotContains(t, msg, "line 4", "another system's code goes into --unit's unit")
	assert.Contains(t, msg, "2 bad rows")

	// A good manifest passes.
	s.r = &Resolver{Catalog: s.r.Catalog}
	require.NoError(t, s.check(t, "a.pdf,"+existing+",,,component,Đơn_đề_nghị,\n"+
		"b.pdf,"+existing+",,,component,ban sao cccd,\n"+
		"a.pdf,NEW-4,000.00.12.G05,1.001,result,,2026-01-02\n", ManifestOptions{}))
}

func TestWalkSkipsSymlinks(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	writeFile(t, dir, "a.pdf", "1")
	secret := writeFile(t, outside, "secret.pdf", "22")
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "out.pdf")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "outdir")))
	require.NoError(t, os.Symlink("a.pdf", filepath.Join(dir, "in.pdf")))
	require.NoError(t, os.Symlink("nowhere.pdf", filepath.Join(dir, "broken.pdf")))

	res := Walk(context.Background(), []string{dir}, nil)
	require.Len(t, res.Files, 1)
	assert.Equal(t, filepath.Join(dir, "a.pdf"), res.Files[0].Path)
	assert.Empty(t, res.Problems)
	links := map[string]SkippedLink{}
	for _, l := range res.Links {
		links[filepath.Base(l.Path)] = l
	}
	require.Len(t, links, 4)
	assert.Equal(t, SkippedLink{Path: filepath.Join(dir, "out.pdf"), Target: secret, Outside: true}, links["out.pdf"])
	assert.True(t, links["outdir"].Outside)
	assert.Equal(t, SkippedLink{Path: filepath.Join(dir, "in.pdf"), Target: "a.pdf"}, links["in.pdf"])
	assert.True(t, links["broken.pdf"].Broken)
}
