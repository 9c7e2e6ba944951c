package source

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa"
)

// Name is what a file's name says about it under the naming conventions:
//
//	<dossier code>__<component>.pdf   component by name ("Đơn_đề_nghị")
//	<dossier code>.<sequence>.pdf     the archive rule: the sequence is the
//	                                  component's position in the procedure's
//	                                  list of required components (1-based)
//
// A component named "kết quả", "ket-qua", "ketqua", "kq" or "result"
// (any case, '_' or '-' for spaces) marks the dossier's result instead. A
// detached signature (NAME.pdf.p7s) belongs where NAME.pdf does.
type Name struct {
	DossierCode string
	// Component is the name after "__" in NFC, as written (underscores and
	// hyphens kept); empty for the archive rule and for results.
	Component string
	// Sequence is the archive rule's number, 0 when the name has none.
	Sequence int
	Role     sohoa.DocumentRole
}

// maxSequenceDigits bounds the archive rule's number: a procedure lists at
// most sohoa.MaxComponents components, and a longer number after the last
// dot ("HS.2024.pdf") is more likely part of a code than a position.
const maxSequenceDigits = 3

// NFC returns s in Unicode normalisation form C. macOS writes file names in
// NFD (decomposed: "e" + combining marks), while the catalog, manifests and
// everything typed in the web UI use NFC; comparing the two forms byte by
// byte would say "Đơn" != "Đơn".
func NFC(s string) string { return norm.NFC.String(s) }

// errUnnamed is the error for a file whose name follows neither
// convention; it is a permanent failure (renaming the file or listing it in a
// manifest is the fix, retrying is not). Messages about a file do not
// repeat its name: every caller shows it beside the reason, and a summary
// groups files that failed for the same reason.
func errUnnamed() error {
	return Permanent(sohoa.Errorf(sohoa.EINVALID,
		"cannot tell the dossier from the file name: name it CODE__component.pdf or CODE.1.pdf, or list it in a manifest"))
}

// ParseName reads a file name (a path's last element is used) under the
// conventions above. A name that follows neither is a permanent EINVALID
// error that says how to name the file.
func ParseName(path string) (Name, error) {
	base := NFC(filepath.Base(path))
	if ext := filepath.Ext(base); strings.EqualFold(ext, SignatureExt) && len(base) > len(ext) {
		// A detached signature is named after the file it signs
		// (CODE__component.pdf.p7s) and belongs where that file does.
		base = base[:len(base)-len(ext)]
	}
	ext := filepath.Ext(base)
	if !strings.EqualFold(ext, ".pdf") {
		return Name{}, errUnnamed()
	}
	stem := base[:len(base)-len(ext)]
	if code, comp, ok := strings.Cut(stem, "__"); ok {
		comp = strings.TrimSpace(comp)
		if code == "" || comp == "" {
			return Name{}, errUnnamed()
		}
		if err := sohoa.ValidateDossierCode(code); err != nil {
			return Name{}, Permanent(sohoa.Wrapf(err, sohoa.EINVALID, "file name: %s", sohoa.Message(err)))
		}
		if isResultName(comp) {
			return Name{DossierCode: code, Role: sohoa.RoleResult}, nil
		}
		for _, r := range comp {
			if unicode.IsControl(r) {
				return Name{}, Permanent(sohoa.Errorf(sohoa.EINVALID, "the component name in the file name contains a control character"))
			}
		}
		return Name{DossierCode: code, Component: comp, Role: sohoa.RoleComponent}, nil
	}
	// The archive rule. Unit codes contain dots (000.00.12.G05), so only the
	// last dot can start the sequence.
	dot := strings.LastIndexByte(stem, '.')
	if dot <= 0 {
		return Name{}, errUnnamed()
	}
	code, seq := stem[:dot], stem[dot+1:]
	if len(seq) == 0 || len(seq) > maxSequenceDigits || !allDigits(seq) {
		return Name{}, errUnnamed()
	}
	n, _ := strconv.Atoi(seq)
	if n == 0 {
		return Name{}, Permanent(sohoa.Errorf(sohoa.EINVALID, "component numbers start at 1 in file names"))
	}
	if err := sohoa.ValidateDossierCode(code); err != nil {
		return Name{}, Permanent(sohoa.Wrapf(err, sohoa.EINVALID, "file name: %s", sohoa.Message(err)))
	}
	return Name{DossierCode: code, Sequence: n, Role: sohoa.RoleComponent}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// resultNames are the component names that mark a result, folded.
var resultNames = map[string]bool{"ket qua": true, "ketqua": true, "kq": true, "result": true}

func isResultName(comp string) bool { return resultNames[fold(comp)] }

// fold maps a component name to the form used to compare names typed by
// different people: lower case, Vietnamese diacritics removed (đ → d),
// '_' and '-' as spaces, runs of spaces as one.
func fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(strings.TrimSpace(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case r == '_' || r == '-' || unicode.IsSpace(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// MatchComponent finds the procedure's required component a name written
// in a file name or manifest refers to: the exact name first, then the one
// name that matches ignoring case, diacritics and '_'/'-' versus spaces
// ("Don_de_nghi" → "Đơn đề nghị"). ok is false when none or several match.
func MatchComponent(name string, required []string) (string, bool) {
	name = NFC(strings.TrimSpace(name))
	for _, c := range required {
		if c == name {
			return c, true
		}
	}
	f := fold(name)
	match, n := "", 0
	for _, c := range required {
		if fold(c) == f {
			match, n = c, n+1
		}
	}
	if n != 1 {
		return "", false
	}
	return match, true
}

// ParseCircularCode splits a dossier code of the Circular 01/2018 shape
// `<unit code>-YYMMDD-NNNN` into the unit code and the local day (midnight
// in Asia/Ho_Chi_Minh) it was received on. ok is false for codes of other
// shapes, which sohoa accepts but cannot read anything from.
func ParseCircularCode(code string) (unit string, day time.Time, ok bool) {
	i := strings.LastIndexByte(code, '-')
	if i < 0 || len(code)-i-1 < 4 || !allDigits(code[i+1:]) {
		return "", time.Time{}, false
	}
	rest := code[:i]
	j := strings.LastIndexByte(rest, '-')
	if j <= 0 || len(rest)-j-1 != 6 || !allDigits(rest[j+1:]) {
		return "", time.Time{}, false
	}
	d, err := time.ParseInLocation("060102", rest[j+1:], sohoa.Location())
	if err != nil {
		return "", time.Time{}, false
	}
	unit = rest[:j]
	if sohoa.ValidateCode("unit", unit) != nil {
		return "", time.Time{}, false
	}
	return unit, d, true
}

// String renders n in one of the two conventions, for messages.
func (n Name) String() string {
	switch {
	case n.Role == sohoa.RoleResult:
		return n.DossierCode + " (result)"
	case n.Sequence > 0:
		return fmt.Sprintf("%s component #%d", n.DossierCode, n.Sequence)
	default:
		return fmt.Sprintf("%s component %q", n.DossierCode, n.Component)
	}
}
