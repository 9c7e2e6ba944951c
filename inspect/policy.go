package inspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/sohoa/sohoa"
)

// Policy says what a unit accepts. The zero value is not usable: start from
// DefaultPolicy (ParsePolicy does) and change what the unit needs.
type Policy struct {
	// Name identifies the policy in every result ("default", or the
	// unit's own name for it).
	Name string `json:"name"`
	// MinVersion is the oldest PDF version accepted, "1.4" by default.
	MinVersion string `json:"min_version"`
	// MinDPI is the lowest effective resolution of a scanned page image,
	// in dots per inch (the lower of the horizontal and vertical ones).
	MinDPI float64 `json:"min_dpi"`
	// RequireColor makes pages scanned in greyscale or black and white
	// fail, as do colour pages below MinColorBits. Without it they are a
	// warning.
	RequireColor bool `json:"require_color"`
	// MinColorBits is the least colour depth in bits per pixel accepted
	// when RequireColor is set (24: 8 bits for each of R, G and B).
	MinColorBits int `json:"min_color_bits"`
	// MaxPages warns about documents with more pages; 0 means no limit.
	MaxPages int `json:"max_pages"`
	// RequireText is how a scan without a text layer (OCR) is judged:
	// "ok" (not required), "warn" (the default) or "fail".
	RequireText Outcome `json:"require_text"`
	// RequirePDFA is how a document that does not claim PDF/A conformance
	// is judged: "ok", "warn" (the default) or "fail".
	RequirePDFA Outcome `json:"require_pdfa"`
	// MaxBytes is the largest file inspected; larger files are refused
	// without being read. Inspection's memory does not depend on the
	// file's size (see the package comment): this is the unit's choice.
	MaxBytes int64 `json:"max_bytes"`
}

// Defaults, and the bounds ParsePolicy accepts.
const (
	DefaultMaxBytes = 1 << 30 // 1 GiB

	maxPolicyDPI      = 10000
	maxPolicyBytes    = 4 << 30
	maxPolicyPages    = 1_000_000
	maxPolicyNameLen  = 255
	maxPolicyColorBit = 48
)

// DefaultPolicy returns the policy for scanned paper documents that follows
// the state's digitization rules:
//
//   - PDF 1.4 or later, at least 200 dpi: Decree 30/2020/NĐ-CP on clerical
//     work, Appendix I, Part II, section I, item 2 ("tiêu chuẩn của văn bản
//     số hóa": PDF version 1.4 or later, colour images, minimum resolution
//     200 dpi, 100% scale). The same four criteria appear in Circular
//     01/2019/TT-BNV (digitizing incoming paper documents). Confirmed from
//     two independent secondary sources quoting the Decree (a provincial
//     archives Q&A and a CA vendor's summary); the official gazette text
//     itself was not available here.
//   - Colour: the Decree says "ảnh màu" (colour images) without a bit depth;
//     24 bits (8 per RGB channel) is how colour scanning is specified in
//     practice. By default a greyscale or black-and-white page is a
//     warning (scan.color_advised), not a failure: such scans of text
//     documents are common in one-stop shops and still count as scanned
//     and checked. RequireColor makes them a failure; a unit that wants its
//     electronic copies to follow the Decree strictly should switch it on.
//   - Circular 05/2025/TT-BNV (Ministry of Home Affairs, digitization of
//     archival records) is the second source named by the project. Its
//     Chapter II covers the digitization process and the format of
//     digitized records, but its numeric requirements could not be read
//     here, so none of these defaults rests on it alone; check its annex
//     before tightening a unit's policy (for example PDF/A or a higher dpi
//     for records kept permanently).
//   - Not encrypted and readable: a password-protected file cannot be
//     opened by the archive or by the verifier, and PDF/A (ISO 19005, TCVN
//     14159) forbids encryption.
//   - Text layer and PDF/A claims are only warned about by default: neither
//     rule above makes OCR or PDF/A mandatory for administrative-procedure
//     dossiers.
func DefaultPolicy() Policy {
	return Policy{
		Name:         "default",
		MinVersion:   "1.4",
		MinDPI:       200,
		RequireColor: false,
		MinColorBits: 24,
		MaxPages:     0,
		RequireText:  Warn,
		RequirePDFA:  Warn,
		MaxBytes:     DefaultMaxBytes,
	}
}

// ParsePolicy reads a policy stored as JSON. Fields left out keep their
// DefaultPolicy values, so {"name":"hcm-q1","require_color":true} is a
// complete policy. Unknown fields and invalid values are errors that name
// the field.
func ParsePolicy(data []byte) (Policy, error) {
	p := DefaultPolicy()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, policyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Policy{}, sohoa.Errorf(sohoa.EINVALID, "inspection policy: unexpected data after the JSON object")
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

func policyError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return sohoa.Errorf(sohoa.EINVALID, "inspection policy field %q: expected %s, got JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return sohoa.Errorf(sohoa.EINVALID, "inspection policy field %s: unknown field", f)
	}
	return sohoa.Errorf(sohoa.EINVALID, "inspection policy: %s", strings.TrimPrefix(msg, "json: "))
}

// Validate reports the first invalid field of p, by its JSON name.
func (p Policy) Validate() error {
	bad := func(field, format string, args ...any) error {
		return sohoa.Errorf(sohoa.EINVALID, "inspection policy field %q: %s", field, fmt.Sprintf(format, args...))
	}
	if name := strings.TrimSpace(p.Name); name == "" {
		return bad("name", "is empty")
	} else if len([]rune(name)) > maxPolicyNameLen {
		return bad("name", "is longer than %d characters", maxPolicyNameLen)
	}
	if _, err := parseVersion(p.MinVersion); err != nil {
		return bad("min_version", "%q is not a PDF version such as \"1.4\"", p.MinVersion)
	}
	if math.IsNaN(p.MinDPI) || p.MinDPI < 0 || p.MinDPI > maxPolicyDPI {
		return bad("min_dpi", "must be between 0 and %d, got %g", maxPolicyDPI, p.MinDPI)
	}
	if p.MinColorBits < 0 || p.MinColorBits > maxPolicyColorBit {
		return bad("min_color_bits", "must be between 0 and %d, got %d", maxPolicyColorBit, p.MinColorBits)
	}
	if p.RequireColor && p.MinColorBits < 3 {
		return bad("min_color_bits", "must be at least 3 when require_color is set, got %d", p.MinColorBits)
	}
	if p.MaxPages < 0 || p.MaxPages > maxPolicyPages {
		return bad("max_pages", "must be between 0 (no limit) and %d, got %d", maxPolicyPages, p.MaxPages)
	}
	if !p.RequireText.Valid() {
		return bad("require_text", "must be \"ok\", \"warn\" or \"fail\", got %q", p.RequireText)
	}
	if !p.RequirePDFA.Valid() {
		return bad("require_pdfa", "must be \"ok\", \"warn\" or \"fail\", got %q", p.RequirePDFA)
	}
	if p.MaxBytes <= 0 || p.MaxBytes > maxPolicyBytes {
		return bad("max_bytes", "must be between 1 and %d, got %d", int64(maxPolicyBytes), p.MaxBytes)
	}
	return nil
}

// pdfVersion is a PDF version as major*10+minor (1.4 -> 14).
type pdfVersion int

func parseVersion(s string) (pdfVersion, error) {
	major, minor, ok := strings.Cut(strings.TrimSpace(s), ".")
	if !ok || len(major) != 1 || len(minor) != 1 {
		return 0, fmt.Errorf("bad PDF version %q", s)
	}
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	if err1 != nil || err2 != nil || ma < 1 || ma > 2 {
		return 0, fmt.Errorf("bad PDF version %q", s)
	}
	return pdfVersion(ma*10 + mi), nil
}

func (v pdfVersion) String() string { return fmt.Sprintf("%d.%d", v/10, v%10) }
