package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpdf"
)

// interopDir holds PDFs signed by real signing software (PDFBox, iText,
// pdfsig, @signpdf), made by internal/testpdf/cmd/geninterop; see its
// README. The generator never runs here: the files are committed.
var interopDir = filepath.Join("..", "testdata", "interop")

type interopManifest struct {
	ValidationTime time.Time `json:"validation_time"`
	Files          []struct {
		File        string     `json:"file"`
		Tool        string     `json:"tool"`
		ToolVersion string     `json:"tool_version"`
		Case        string     `json:"case"`
		Expected    Indication `json:"expected"`
		Signatures  int        `json:"signatures"`
		Encryption  string     `json:"encryption"`
	} `json:"files"`
}

// TestInterop verifies every file of testdata/interop/manifest.json with
// only the fixtures' root as trust anchor, at the manifest's fixed
// validation time (so the test never rots), and checks that:
//   - the verdict is the expected one (the files are honest: TOTAL_PASSED)
//     with the expected number of signatures;
//   - flipping one byte inside the first signature's byte range makes the
//     file TOTAL_FAILED;
//   - an incremental update replacing page 1's content stream is reported as
//     a disallowed change on every signature.
//
// Run with -v to see each signature's indication, sub-indication, problems
// and disallowed changes.
func TestInterop(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(interopDir, "manifest.json"))
	require.NoError(t, err)
	var m interopManifest
	require.NoError(t, json.Unmarshal(raw, &m))
	require.NotEmpty(t, m.Files)
	require.False(t, m.ValidationTime.IsZero(), "manifest has no validation_time")

	anchors, err := LoadTrustAnchors(filepath.Join(interopDir, "trust", "root.pem"))
	require.NoError(t, err)
	require.Len(t, anchors, 1)
	at := m.ValidationTime
	v, err := New(Config{TrustAnchors: anchors, Now: func() time.Time { return at }})
	require.NoError(t, err)

	for _, row := range m.Files {
		t.Run(strings.TrimSuffix(row.File, ".pdf"), func(t *testing.T) {
			pdf, err := os.ReadFile(filepath.Join(interopDir, row.File))
			require.NoError(t, err)
			t.Logf("%s: %s, case %s%s", row.File, row.ToolVersion, row.Case, map[bool]string{true: ", encrypted: " + row.Encryption}[row.Encryption != ""])

			t.Run("verdict", func(t *testing.T) {
				rep := interopVerify(t, v, pdf)
				assert.Len(t, rep.Signatures, row.Signatures, "signature count")
				assert.Equal(t, row.Expected, rep.Indication, "file verdict: %s", rep.Summary)
				for i, s := range rep.Signatures {
					assert.Equal(t, row.Expected, s.Indication, "signature %d %q: %s %v", i+1, s.Field, s.SubIndication, s.Problems)
				}
			})

			t.Run("byte_flipped", func(t *testing.T) {
				tampered, where, br := flipSignedByte(t, pdf)
				t.Logf("flipped byte at offset %d (%s), covered by byte range %v", where, describeOffset(pdf, where), br)
				rep := interopVerify(t, v, tampered)
				assert.Equal(t, TotalFailed, rep.Indication, "file verdict: %s", rep.Summary)
				found := false
				for i, s := range rep.Signatures {
					if s.ByteRange != nil && slices.Equal(s.ByteRange.Values, br) {
						found = true
						assert.Equal(t, TotalFailed, s.Indication, "signature %d %q: %s %v", i+1, s.Field, s.SubIndication, s.Problems)
						assert.False(t, s.DigestMatches, "signature %d %q: the digest still matches", i+1, s.Field)
					}
				}
				assert.True(t, found, "no signature reported with byte range %v", br)
			})

			t.Run("page_rewritten", func(t *testing.T) {
				page, err := testpdf.PageObject(pdf, 1)
				require.NoError(t, err)
				rep := interopVerify(t, v, rewritePageOne(t, pdf))
				assert.NotEqual(t, TotalPassed, rep.Indication, "file verdict: %s", rep.Summary)
				assert.Len(t, rep.Signatures, row.Signatures, "signature count")
				for i, s := range rep.Signatures {
					assert.Equal(t, DisallowedChanges, s.SubIndication, "signature %d %q: %s/%s %v", i+1, s.Field, s.Indication, s.SubIndication, s.Problems)
					// The rewritten page itself must be among the reasons, not
					// only whatever else the signature already objected to.
					named := false
					if s.Changes != nil {
						for _, c := range s.Changes.Disallowed {
							named = named || (c.Object == fmt.Sprintf("%d 0", page) && c.Revision == rep.Revisions-1)
						}
					}
					assert.True(t, named, "signature %d %q: the new content of page object %d in revision %d is not reported as a disallowed change", i+1, s.Field, page, rep.Revisions-1)
				}
			})
		})
	}
}

// interopVerify verifies pdf and logs what every signature got.
func interopVerify(t *testing.T, v *Verifier, pdf []byte) *Report {
	t.Helper()
	rep, err := v.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err, "the file could not be read")
	t.Logf("verdict %s/%s: %s", rep.Indication, rep.SubIndication, rep.Summary)
	for _, p := range rep.Problems {
		t.Logf("  file problem: %s", p)
	}
	for i, s := range rep.Signatures {
		t.Logf("  signature %d %q (%s, %s): %s/%s", i+1, s.Field, s.Kind, s.SubFilter, s.Indication, s.SubIndication)
		for _, p := range s.Problems {
			t.Logf("    problem: %s", p)
		}
		if s.Changes != nil {
			for _, c := range s.Changes.Disallowed {
				t.Logf("    disallowed: object %s (%s) in revision %d: %s", c.Object, c.Kind, c.Revision, c.Reason)
			}
		}
	}
	return rep
}

// flipSignedByte inverts one byte covered by the first signature's byte
// range: the middle byte of the largest stream inside the range's first
// part (an embedded font or a content stream in these files), so the file
// still parses and only the digest can notice. It returns the new file,
// the offset and that byte range.
func flipSignedByte(t *testing.T, pdf []byte) ([]byte, int, []int64) {
	t.Helper()
	sigs := testpdf.Signatures(pdf)
	require.NotEmpty(t, sigs, "no signature dictionary found")
	first := sigs[0]
	for _, s := range sigs[1:] {
		if len(s.ByteRange) == 4 && (len(first.ByteRange) != 4 || s.ByteRange[2]+s.ByteRange[3] < first.ByteRange[2]+first.ByteRange[3]) {
			first = s
		}
	}
	require.Len(t, first.ByteRange, 4, "first signature's /ByteRange")
	limit := int(first.ByteRange[1])
	best, bestLen := -1, 0
	for i := 0; i < limit; {
		k := bytes.Index(pdf[i:limit], []byte("stream"))
		if k < 0 {
			break
		}
		pos := i + k
		i = pos + len("stream")
		if pos >= 3 && string(pdf[pos-3:pos]) == "end" {
			continue
		}
		start := pos + len("stream")
		if start < limit && pdf[start] == '\r' {
			start++
		}
		if start < limit && pdf[start] == '\n' {
			start++
		}
		end := bytes.Index(pdf[start:limit], []byte("endstream"))
		if end < 0 {
			break
		}
		objAt := bytes.LastIndex(pdf[:pos], []byte(" obj"))
		if objAt < 0 {
			continue
		}
		dict := pdf[objAt:pos]
		if bytes.Contains(dict, []byte("/XRef")) || bytes.Contains(dict, []byte("/ObjStm")) {
			continue
		}
		if end > bestLen {
			best, bestLen = start, end
		}
	}
	at := best + bestLen/2
	if best < 0 || bestLen < 16 {
		// No usable stream: the binary comment on the header's second line.
		at = bytes.IndexByte(pdf, '\n') + 2
	}
	require.Less(t, at, limit)
	out := bytes.Clone(pdf)
	out[at] ^= 0xFF
	return out, at, first.ByteRange
}

// describeOffset names the object an offset falls in, for the log.
func describeOffset(pdf []byte, off int) string {
	objAt := bytes.LastIndex(pdf[:off], []byte(" obj"))
	if objAt < 0 {
		return "file header"
	}
	lineAt := bytes.LastIndexAny(pdf[:objAt], "\r\n") + 1
	return "inside " + strings.TrimSpace(string(pdf[lineAt:objAt])) + " obj"
}

// rewritePageOne appends an incremental update that gives page 1 a new
// content stream. testpdf's update carries /Root, /Info and /ID over but not
// /Encrypt; for an encrypted file the trailer gets its /Encrypt back, so the
// update stays an update of an encrypted file (its new content stream is
// written in clear, which no verifier needs to read).
func rewritePageOne(t *testing.T, pdf []byte) []byte {
	t.Helper()
	out := testpdf.RewritePageContents(t, pdf, 1, testpdf.PageText(
		"PHIEU TIEP NHAN HO SO", "Ma ho so: 000.00.12.G05-261207-9999", "Noi dung da bi thay doi sau khi ky"))
	tr, err := testpdf.ReadTrailer(pdf)
	require.NoError(t, err)
	enc, ok := testpdf.DictGet(tr.Dict, "Encrypt")
	if !ok {
		return out
	}
	tail := out[len(pdf):]
	i := bytes.LastIndex(tail, []byte("/Root "))
	require.GreaterOrEqual(t, i, 0, "no /Root in the update's trailer")
	fixed := bytes.Clone(out[:len(pdf)])
	fixed = append(fixed, tail[:i]...)
	fixed = append(fixed, "/Encrypt "+strings.TrimSpace(enc)+" "...)
	return append(fixed, tail[i:]...)
}
