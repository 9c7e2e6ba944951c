package inspect

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// TestEveryCodeIsRegistered: every Code constant declared in this package
// has both texts in the catalogue, and the catalogue has nothing else of
// this package's.
func TestEveryCodeIsRegistered(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "messages.go", nil, 0)
	require.NoError(t, err)
	var declared []sohoa.ReasonCode
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			for _, v := range spec.(*ast.ValueSpec).Values {
				lit, ok := v.(*ast.BasicLit)
				require.True(t, ok, "code constants are string literals")
				s, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				declared = append(declared, sohoa.ReasonCode(s))
			}
		}
	}
	require.NotEmpty(t, declared)
	slices.Sort(declared)
	assert.Equal(t, declared, slices.Sorted(maps.Keys(messages)), "declared codes and catalogue entries")
	for _, code := range declared {
		m, ok := sohoa.LookupMessage(code)
		require.True(t, ok, "%s is not registered", code)
		assert.NotEmpty(t, m.VI, code)
		assert.NotEmpty(t, m.EN, code)
		assert.Equal(t, sohoa.PlaceholderNames(m.EN), sohoa.PlaceholderNames(m.VI), "%s: the same parameters in both languages", code)
	}
}

// TestEmittedFindingsHaveCodes inspects every fixture shape the tests use,
// under policies that make every rule speak, and checks that each finding
// carries a registered code with exactly the parameters its text uses.
func TestEmittedFindingsHaveCodes(t *testing.T) {
	strict := DefaultPolicy()
	strict.RequireColor, strict.RequireText, strict.MaxPages = true, Fail, 1
	lenient := DefaultPolicy()
	lenient.RequireText, lenient.RequirePDFA = OK, OK
	tiny := DefaultPolicy()
	tiny.MaxBytes = 100
	docs := fuzzSeeds(t)
	for _, pdf := range hostileInputs() {
		docs = append(docs, pdf)
	}
	w, h := a4(150)
	docs = append(docs, testDoc{Pages: []testPage{scanPageOf(rgb(w, h)), {Text: "born digital"}, scanPageOf(gray(w, h))}}.bytes(), nil)
	seen := map[sohoa.ReasonCode]bool{}
	for _, p := range []Policy{DefaultPolicy(), strict, lenient, tiny} {
		for _, pdf := range docs {
			res := inspectBytes(t, pdf, p)
			for _, f := range res.Findings {
				require.NotEmpty(t, f.Code, "%+v", f)
				m, ok := sohoa.LookupMessage(f.Code)
				require.True(t, ok, "%s is not registered", f.Code)
				assert.Equal(t, slices.Compact(sohoa.PlaceholderNames(m.EN)), slices.Sorted(maps.Keys(f.Params)), "%s: parameters of %+v", f.Code, f)
				seen[f.Code] = true
			}
		}
	}
	assert.GreaterOrEqual(t, len(seen), 25, "codes seen: %v", slices.Sorted(maps.Keys(seen)))
}

func TestLowResolutionCode(t *testing.T) {
	w, h := a4(150)
	res := inspectBytes(t, testDoc{Pages: []testPage{scanPageOf(rgb(w, h))}}.bytes(), DefaultPolicy())
	f := one(t, res, RuleResolution)
	assert.Equal(t, CodeResolutionLow, f.Code)
	assert.Equal(t, map[string]string{"page": "1", "dpi": "150", "min": "200"}, f.Params)
	assert.Equal(t, f.Message, f.Reason().Text(sohoa.LangEN), "the English catalogue text is the message")
	assert.Equal(t, "Trang 1 quét ở 150 dpi, thấp hơn mức tối thiểu 200 dpi; hãy quét lại ở 200 dpi trở lên.", f.Reason().Text(sohoa.LangVI))
}
