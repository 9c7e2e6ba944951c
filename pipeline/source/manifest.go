package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
)

// ManifestColumns are the manifest's required columns (DESIGN.md,
// "Bulk-import manifest"), in their documented order. Header names are
// matched case-insensitively; more columns may follow and are ignored,
// except the optional ones below.
var ManifestColumns = []string{"file", "dossier", "unit", "procedure", "role", "component", "received_at"}

// ManifestApplicantColumn is an optional column: the applicant's CCCD or
// MST (sohoa.ValidateApplicantID), recorded on a dossier the import
// creates, so its documents can be reused by the applicant's later
// dossiers.
const ManifestApplicantColumn = "applicant_id"

// Row is one line of a manifest: a file and where it belongs.
type Row struct {
	// Line is the row's line number in the manifest (the header is line 1).
	Line int
	// File is the file's absolute, cleaned path; the manifest gives it
	// relative to its own directory (absolute paths are kept only with
	// ManifestOptions.AllowOutside).
	File       string
	Dossier    string
	Unit       string // may be empty when the dossier already exists
	Procedure  string // may be empty when the dossier already exists
	Role       sohoa.DocumentRole
	Component  string    // NFC; may be empty
	ReceivedAt time.Time // zero when the column is empty
	// ApplicantID is the optional applicant_id column ("" when absent).
	ApplicantID string
}

// DossierInfo is what a manifest says about one dossier, merged over its
// rows: enough to create the dossier when Unit, Procedure and ReceivedAt
// are all set.
type DossierInfo struct {
	Code       string
	Unit       string
	Procedure  string
	ReceivedAt time.Time
	Line       int // the first row naming the dossier
	// ApplicantID is the applicant_id column, "" when no row gives it.
	ApplicantID string
}

// Complete reports whether the manifest gives enough to create the dossier.
func (d DossierInfo) Complete() bool {
	return d.Unit != "" && d.Procedure != "" && !d.ReceivedAt.IsZero()
}

// Manifest is a parsed bulk-import manifest.
type Manifest struct {
	// Path is the manifest file ("" when parsed from a reader).
	Path string
	// Dir is the folder the rows' files are relative to (and, unless
	// AllowOutside, confined to).
	Dir  string
	Rows []Row
	// AllowOutside is the option the manifest was read with.
	AllowOutside bool

	byFile   map[string][]int
	dossiers map[string]*DossierInfo
	// problems are the rows that could not be parsed (not in Rows);
	// CheckManifest reports them with what it finds.
	problems rowErrors
}

// ManifestOptions change how a manifest is read.
type ManifestOptions struct {
	// AllowOutside accepts rows naming files outside the manifest's folder:
	// absolute paths, ".." escapes and symbolic links leading out. Without
	// it such rows are errors, so a manifest cannot make sohoa store (for
	// good, under retention) a file such as /etc/passwd that nobody meant
	// to import.
	AllowOutside bool
}

// maxRowErrors bounds how many row errors one message lists.
const maxRowErrors = 20

// ReadManifestFile parses the manifest at path; its rows' files are
// relative to the manifest's directory.
func ReadManifestFile(path string, opt ManifestOptions) (*Manifest, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, sohoa.Wrapf(err, sohoa.EINVALID, "manifest: %v", err)
	}
	defer f.Close()
	m, err := ParseManifest(f, filepath.Dir(abs), opt)
	if m != nil {
		m.Path = abs
	}
	return m, err
}

// ParseManifest reads a manifest: UTF-8 CSV (a byte-order mark is
// skipped; ';' or tab separators, as spreadsheet programs in some locales
// write, are detected from the header), a header row with at least the
// ManifestColumns, then one row per file. Relative file paths are joined
// to dir; unless opt.AllowOutside, a file must lie inside dir (checked on
// the path here; Resolver.CheckManifest follows symbolic links). Every bad
// row is reported (up to 20) with its line number in one EINVALID error: a
// half-applied manifest is harder to fix than a rejected one. With that
// error the manifest of the good rows is returned too, so that
// Resolver.CheckManifest can list every bad row at once; it is nil only
// when the manifest cannot be read at all (no header, broken CSV).
func ParseManifest(r io.Reader, dir string, opt ManifestOptions) (*Manifest, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	sep := ','
	if first, _ := br.Peek(4096); len(first) > 0 {
		line, _, _ := bytes.Cut(first, []byte("\n"))
		if !bytes.ContainsRune(line, ',') {
			if bytes.ContainsRune(line, ';') {
				sep = ';'
			} else if bytes.ContainsRune(line, '\t') {
				sep = '\t'
			}
		}
	}
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, sohoa.Errorf(sohoa.EINVALID, "manifest is empty: the first line must be the header %s", strings.Join(ManifestColumns, ","))
	}
	if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; !dup && h != "" {
			col[h] = i
		}
	}
	var missing []string
	for _, c := range ManifestColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, sohoa.Errorf(sohoa.EINVALID, "manifest header lacks column(s) %s (the header must include %s)",
			strings.Join(missing, ", "), strings.Join(ManifestColumns, ","))
	}

	m := &Manifest{Dir: filepath.Clean(dir), AllowOutside: opt.AllowOutside, byFile: map[string][]int{}, dossiers: map[string]*DossierInfo{}}
	fail := m.problems.add
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The CSV structure itself is broken (a stray quote): later
			// lines cannot be trusted to be split right.
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(rec) { // an optional column may be absent
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if blankRecord(rec) {
			continue
		}
		row, msg := parseRow(line, get, dir, opt)
		if msg != "" {
			fail(line, "%s", msg)
			continue
		}
		if msg := m.mergeDossier(row); msg != "" {
			fail(line, "%s", msg)
			continue
		}
		key := fileKey(row.File)
		m.byFile[key] = append(m.byFile[key], len(m.Rows))
		m.Rows = append(m.Rows, row)
	}
	if err := m.problems.err(); err != nil {
		return m, err
	}
	return m, nil
}

// rowProblem is what is wrong with one row.
type rowProblem struct {
	line int
	msg  string
}

// rowErrors collects what is wrong with a manifest's rows, for one error
// that lists them all (up to maxRowErrors) with their line numbers.
type rowErrors []rowProblem

func (e *rowErrors) add(line int, format string, args ...any) {
	*e = append(*e, rowProblem{line, fmt.Sprintf(format, args...)})
}

// err is the EINVALID error listing the rows in line order, nil when
// there are none.
func (e rowErrors) err() error {
	if len(e) == 0 {
		return nil
	}
	sorted := append(rowErrors(nil), e...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].line < sorted[j].line })
	rows := map[int]bool{}
	var lines []string
	for _, p := range sorted {
		rows[p.line] = true
		if len(lines) < maxRowErrors {
			lines = append(lines, fmt.Sprintf("line %d: %s", p.line, p.msg))
		}
	}
	if len(sorted) > len(lines) {
		lines = append(lines, fmt.Sprintf("… and %d more", len(sorted)-len(lines)))
	}
	return sohoa.Errorf(sohoa.EINVALID, "manifest has %s; nothing was imported:\n  %s", plural(len(rows), "bad row"), strings.Join(lines, "\n  "))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return sohoa.Wrapf(err, sohoa.EINVALID, "manifest line %d: %v", pe.StartLine, pe.Err)
	}
	return sohoa.Wrapf(err, sohoa.EINVALID, "manifest: %v", err)
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// parseRow checks one row; msg is the reason when it is bad.
func parseRow(line int, get func(string) string, dir string, opt ManifestOptions) (row Row, msg string) {
	row.Line = line
	file := NFC(get("file"))
	if file == "" {
		return row, "file is empty"
	}
	if strings.ContainsRune(file, 0) {
		return row, "file contains a NUL character"
	}
	written := file
	file = filepath.FromSlash(strings.ReplaceAll(file, `\`, "/"))
	switch {
	case filepath.IsAbs(file) || filepath.VolumeName(file) != "" || strings.HasPrefix(file, string(filepath.Separator)) || driveLetter(written):
		if !opt.AllowOutside {
			return row, fmt.Sprintf("file %q is an absolute path: give it relative to the manifest's folder (or pass --allow-outside)", written)
		}
	case !filepath.IsLocal(file):
		if !opt.AllowOutside {
			return row, fmt.Sprintf("file %q is outside the manifest's folder (\"..\" leads out of it): move the file into the folder (or pass --allow-outside)", written)
		}
		file = filepath.Join(dir, file)
	default:
		file = filepath.Join(dir, file)
	}
	row.File = filepath.Clean(file)

	row.Dossier = get("dossier")
	if err := sohoa.ValidateDossierCode(row.Dossier); err != nil {
		return row, sohoa.Message(err)
	}
	if row.Unit = get("unit"); row.Unit != "" {
		if err := sohoa.ValidateCode("unit", row.Unit); err != nil {
			return row, sohoa.Message(err)
		}
	}
	if row.Procedure = get("procedure"); row.Procedure != "" {
		if err := sohoa.ValidateCode("procedure", row.Procedure); err != nil {
			return row, sohoa.Message(err)
		}
	}
	row.Role = sohoa.RoleComponent
	if r := strings.ToLower(get("role")); r != "" {
		row.Role = sohoa.DocumentRole(r)
		if !row.Role.Valid() {
			return row, fmt.Sprintf("role %q: want component, result or report", get("role"))
		}
	}
	row.Component = NFC(get("component"))
	if s := get("received_at"); s != "" {
		t, err := ParseTime(s)
		if err != nil {
			return row, fmt.Sprintf("received_at %q: %v", s, err)
		}
		row.ReceivedAt = t
	}
	if s := get(ManifestApplicantColumn); s != "" {
		id, err := sohoa.ValidateApplicantID(s)
		if err != nil {
			return row, sohoa.Message(err)
		}
		row.ApplicantID = id
	}
	return row, ""
}

// driveLetter reports whether a path written in a manifest starts like a
// Windows absolute path (`C:\scans\x.pdf`), which is not absolute
// on other systems but was certainly not meant relative to the manifest.
func driveLetter(p string) bool {
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') &&
		(p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z')
}

// mergeDossier records what row says about its dossier; msg reports a
// contradiction with an earlier row.
func (m *Manifest) mergeDossier(row Row) (msg string) {
	d := m.dossiers[row.Dossier]
	if d == nil {
		m.dossiers[row.Dossier] = &DossierInfo{Code: row.Dossier, Unit: row.Unit, Procedure: row.Procedure, ReceivedAt: row.ReceivedAt, Line: row.Line, ApplicantID: row.ApplicantID}
		return ""
	}
	conflict := func(field, a, b string) string {
		return fmt.Sprintf("dossier %s has %s %s here but %s on line %d", row.Dossier, field, a, b, d.Line)
	}
	switch {
	case row.Unit != "" && d.Unit != "" && row.Unit != d.Unit:
		return conflict("unit", row.Unit, d.Unit)
	case row.Procedure != "" && d.Procedure != "" && row.Procedure != d.Procedure:
		return conflict("procedure", row.Procedure, d.Procedure)
	case !row.ReceivedAt.IsZero() && !d.ReceivedAt.IsZero() && !row.ReceivedAt.Equal(d.ReceivedAt):
		return conflict("received_at", row.ReceivedAt.Format(time.RFC3339), d.ReceivedAt.Format(time.RFC3339))
	case row.ApplicantID != "" && d.ApplicantID != "" && row.ApplicantID != d.ApplicantID:
		return conflict("applicant_id", row.ApplicantID, d.ApplicantID)
	}
	if d.ApplicantID == "" {
		d.ApplicantID = row.ApplicantID
	}
	if d.Unit == "" {
		d.Unit = row.Unit
	}
	if d.Procedure == "" {
		d.Procedure = row.Procedure
	}
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = row.ReceivedAt
	}
	return ""
}

// fileKey is how rows are looked up by path: absolute, cleaned, NFC (a
// manifest typed on Windows names "Đơn.pdf" in NFC while macOS stored it
// in NFD).
func fileKey(abs string) string { return NFC(filepath.Clean(abs)) }

// Lookup returns the rows naming the file at abs (an absolute path), in
// manifest order; a file may be listed for several dossiers.
func (m *Manifest) Lookup(abs string) []Row {
	if m == nil {
		return nil
	}
	idx := m.byFile[fileKey(abs)]
	out := make([]Row, len(idx))
	for i, j := range idx {
		out[i] = m.Rows[j]
	}
	return out
}

// Dossier returns what the manifest says about a dossier, merged over its
// rows; ok is false when no row names it.
func (m *Manifest) Dossier(code string) (DossierInfo, bool) {
	if m == nil {
		return DossierInfo{}, false
	}
	d, ok := m.dossiers[code]
	if !ok {
		return DossierInfo{}, false
	}
	return *d, true
}

// Files returns the distinct files the manifest lists, in order of first
// appearance.
func (m *Manifest) Files() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range m.Rows {
		k := fileKey(r.File)
		if !seen[k] {
			seen[k] = true
			out = append(out, r.File)
		}
	}
	return out
}

// ParseTime reads an ISO 8601 time as people write them in manifests:
// RFC 3339 with a zone, or a local date or date-time without one, taken in
// Asia/Ho_Chi_Minh.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, sohoa.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("want ISO 8601: 2026-03-14, or 2026-03-14T09:30:00+07:00 (without a zone: Asia/Ho_Chi_Minh)")
}
