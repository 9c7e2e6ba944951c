package inspect

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	require.NoError(t, p.Validate())
	assert.Equal(t, "1.4", p.MinVersion)
	assert.Equal(t, 200.0, p.MinDPI)
	assert.False(t, p.RequireColor)
	assert.Equal(t, 24, p.MinColorBits)
	assert.Equal(t, 0, p.MaxPages)
	assert.Equal(t, Warn, p.RequireText)
	assert.Equal(t, Warn, p.RequirePDFA)
	assert.Equal(t, int64(1<<30), p.MaxBytes)
}

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy([]byte(`{"name":"hcm-q1","require_color":true,"min_dpi":300,"require_text":"fail","max_pages":500}`))
	require.NoError(t, err)
	want := DefaultPolicy()
	want.Name, want.RequireColor, want.MinDPI, want.RequireText, want.MaxPages = "hcm-q1", true, 300, Fail, 500
	assert.Equal(t, want, p)

	p, err = ParsePolicy([]byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, DefaultPolicy(), p, "fields left out keep their defaults")
}

func TestParsePolicyErrors(t *testing.T) {
	cases := map[string]string{
		`{"min_dpi":200,"colour":true}`:             `inspection policy field "colour": unknown field`,
		`{"min_dpi":-5}`:                            `inspection policy field "min_dpi": must be between 0 and 10000, got -5`,
		`{"min_dpi":"200"}`:                         `inspection policy field "min_dpi": expected float64, got JSON string`,
		`{"min_version":"1.x"}`:                     `inspection policy field "min_version": "1.x" is not a PDF version such as "1.4"`,
		`{"min_version":"3.0"}`:                     `inspection policy field "min_version": "3.0" is not a PDF version such as "1.4"`,
		`{"require_text":"maybe"}`:                  `inspection policy field "require_text": must be "ok", "warn" or "fail", got "maybe"`,
		`{"require_pdfa":""}`:                       `inspection policy field "require_pdfa": must be "ok", "warn" or "fail", got ""`,
		`{"max_pages":-1}`:                          `inspection policy field "max_pages": must be between 0 (no limit) and 1000000, got -1`,
		`{"max_bytes":0}`:                           `inspection policy field "max_bytes": must be between 1 and 4294967296, got 0`,
		`{"min_color_bits":64}`:                     `inspection policy field "min_color_bits": must be between 0 and 48, got 64`,
		`{"require_color":true,"min_color_bits":0}`: `inspection policy field "min_color_bits": must be at least 3 when require_color is set, got 0`,
		`{"name":"  "}`:                             `inspection policy field "name": is empty`,
		`{"max_pages":1.5}`:                         `inspection policy field "max_pages": expected int, got JSON number 1.5`,
		`{} {}`:                                     `inspection policy: unexpected data after the JSON object`,
		`[1]`:                                       `inspection policy: cannot unmarshal array into Go value of type inspect.Policy`,
		``:                                          `inspection policy: EOF`,
	}
	for in, want := range cases {
		_, err := ParsePolicy([]byte(in))
		require.Error(t, err, in)
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(err), in)
		assert.Equal(t, want, sohoa.Message(err), in)
	}
}
