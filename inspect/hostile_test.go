package inspect

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawPDF writes objects 1..n with a classic xref table; object 1 is the
// catalog.
func rawPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offs := []int{}
	for i, o := range objs {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

// hostileInputs are structures that make naive PDF code recurse, loop or
// allocate without bound.
func hostileInputs() map[string][]byte {
	return map[string][]byte{
		"nested arrays": rawPDF("<< /Type /Catalog /Pages 2 0 R /X "+strings.Repeat("[", 1_000_000)+strings.Repeat("]", 1_000_000)+" >>", "<< /Type /Pages /Kids [] /Count 0 >>"),
		"nested dicts":  rawPDF("<< /Type /Catalog /Pages 2 0 R /X "+strings.Repeat("<< /A ", 200_000)+strings.Repeat(">> ", 200_000)+" >>", "<< /Type /Pages /Kids [] /Count 0 >>"),
		"ref chain":     rawPDF("<< /Type /Catalog /Pages 2 0 R >>", "3 0 R", "2 0 R"),
		// A huge box (PDF numbers have no exponent: the reader refuses "1e300").
		"huge count":  rawPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R 3 0 R 3 0 R] /Count 2000000000 >>", "<< /Type /Page /MediaBox [0 0 1000000000000000000000000 1000000000000000000000000] >>"),
		"many q":      rawPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /MediaBox [0 0 595 842] /Contents 4 0 R >>", fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", 2_000_000, strings.Repeat("q ", 1_000_000))),
		"form loop":   rawPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /MediaBox [0 0 595 842] /Resources << /XObject << /F 4 0 R /G 5 0 R >> >> /Contents 6 0 R >>", "<< /Subtype /Form /Resources << /XObject << /F 4 0 R /G 5 0 R >> >> /Length 23 >>\nstream\n/F Do /G Do /F Do /G Do\nendstream", "<< /Subtype /Form /Length 23 >>\nstream\n/F Do /G Do /F Do /G Do\nendstream", "<< /Length 11 >>\nstream\n/F Do /G Do\nendstream"),
		"huge length": rawPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>", "<< /Length 99999999999 >>\nstream\nabc\nendstream"),
		"deep tree":   deepTree(5000),
	}
}

func TestHostileInputs(t *testing.T) {
	want := map[string]Outcome{
		"nested arrays": Fail, "nested dicts": Fail, "ref chain": Fail, "huge count": Warn,
		"many q": Warn, "form loop": Warn, "huge length": Fail, "deep tree": Fail,
	}
	for name, pdf := range hostileInputs() {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			res, err := Inspect(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), DefaultPolicy())
			require.NoError(t, err)
			checkResult(t, res)
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.Equal(t, want[name], res.Outcome, "%+v", res.Findings)
		})
	}
}

func deepTree(n int) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>"}
	for i := 0; i < n; i++ {
		objs = append(objs, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", i+3))
	}
	objs = append(objs, "<< /Type /Page >>")
	return rawPDF(objs...)
}
