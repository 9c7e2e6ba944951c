package inspect

import (
	"bytes"
	"math"
	"slices"
	"strconv"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// matrix is a PDF transformation [a b c d e f]; points are row vectors, so
// "M cm" makes the CTM M×CTM.
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m matrix) finite() bool {
	for _, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Content stream tokens.
type tokKind uint8

const (
	tEOF tokKind = iota
	tNum
	tName
	tStr
	tOp
	tArrOpen
	tArrClose
	tDictOpen
	tDictClose
	tOther
)

func isSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// lexer splits a content stream into tokens. It never fails: damaged
// content yields odd tokens, which the interpreter ignores.
type lexer struct {
	b []byte
	i int
}

func (l *lexer) next() (tokKind, []byte) {
	for l.i < len(l.b) {
		c := l.b[l.i]
		if isSpace(c) {
			l.i++
			continue
		}
		if c == '%' {
			for l.i < len(l.b) && l.b[l.i] != '\n' && l.b[l.i] != '\r' {
				l.i++
			}
			continue
		}
		break
	}
	if l.i >= len(l.b) {
		return tEOF, nil
	}
	start := l.i
	c := l.b[l.i]
	switch c {
	case '/':
		l.i++
		for l.i < len(l.b) && !isSpace(l.b[l.i]) && !isDelim(l.b[l.i]) {
			l.i++
		}
		return tName, l.b[start+1 : l.i]
	case '(':
		depth := 0
		for l.i < len(l.b) {
			ch := l.b[l.i]
			l.i++
			switch ch {
			case '\\':
				l.i++
			case '(':
				depth++
			case ')':
				depth--
			}
			if depth == 0 {
				break
			}
		}
		l.i = min(l.i, len(l.b))
		return tStr, l.b[start:l.i]
	case '<':
		if l.i+1 < len(l.b) && l.b[l.i+1] == '<' {
			l.i += 2
			return tDictOpen, nil
		}
		if j := bytes.IndexByte(l.b[l.i:], '>'); j >= 0 {
			l.i += j + 1
		} else {
			l.i = len(l.b)
		}
		return tStr, l.b[start:l.i]
	case '>':
		l.i++
		if l.i < len(l.b) && l.b[l.i] == '>' {
			l.i++
			return tDictClose, nil
		}
		return tOther, nil
	case '[':
		l.i++
		return tArrOpen, nil
	case ']':
		l.i++
		return tArrClose, nil
	case ')', '{', '}':
		l.i++
		return tOther, nil
	}
	for l.i < len(l.b) && !isSpace(l.b[l.i]) && !isDelim(l.b[l.i]) {
		l.i++
	}
	tok := l.b[start:l.i]
	if c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
		return tNum, tok
	}
	return tOp, tok
}

type operand struct {
	kind tokKind
	num  float64
	name string
}

const maxOperands = 32

// interp follows one page's content: the graphics state stack, the CTM,
// images drawn (XObjects, inline images, and those inside Form XObjects)
// and text-showing operators.
type interp struct {
	a         *analyzer
	page      *page
	formCalls int
}

func (in *interp) run(content []byte, res pdfraw.Dict, ctm matrix, depth int, active []pdfraw.Ref) {
	l := &lexer{b: content}
	var stack []matrix
	ops := make([]operand, 0, maxOperands)
	push := func(o operand) {
		if len(ops) == maxOperands {
			copy(ops, ops[maxOperands/2:])
			ops = ops[:maxOperands/2]
		}
		ops = append(ops, o)
	}
	for {
		if in.a.ops++; in.a.ops > maxOperators {
			in.a.doc.truncated = true
			return
		}
		kind, tok := l.next()
		switch kind {
		case tEOF:
			return
		case tNum:
			f, err := strconv.ParseFloat(string(tok), 64)
			if err != nil {
				f = math.NaN()
			}
			push(operand{kind: tNum, num: f})
			continue
		case tName:
			push(operand{kind: tName, name: string(tok)})
			continue
		case tOp:
		default:
			push(operand{kind: kind})
			continue
		}
		switch string(tok) {
		case "q":
			if len(stack) < 4096 {
				stack = append(stack, ctm)
			}
		case "Q":
			if n := len(stack); n > 0 {
				ctm = stack[n-1]
				stack = stack[:n-1]
			}
		case "cm":
			if m, ok := lastMatrix(ops); ok {
				if c := m.mul(ctm); c.finite() {
					ctm = c
				}
			}
		case "Tj", "TJ", "'", "\"":
			in.page.text = true
		case "Do":
			if n := len(ops); n > 0 && ops[n-1].kind == tName {
				in.draw(ops[n-1].name, res, ctm, depth, active)
			}
		case "BI":
			in.inlineImage(l, res, ctm)
		case "true", "false", "null":
			push(operand{kind: tOther})
			continue
		}
		ops = ops[:0]
	}
}

func lastMatrix(ops []operand) (matrix, bool) {
	var m matrix
	if len(ops) < 6 {
		return m, false
	}
	for i, o := range ops[len(ops)-6:] {
		if o.kind != tNum || math.IsNaN(o.num) {
			return m, false
		}
		m[i] = o.num
	}
	return m, true
}

// place records an image drawn into the unit square under ctm.
func (in *interp) place(img *imageInfo, ctm matrix) {
	if img == nil {
		return
	}
	w, h := math.Hypot(ctm[0], ctm[1]), math.Hypot(ctm[2], ctm[3])
	area := math.Abs(ctm[0]*ctm[3] - ctm[1]*ctm[2])
	if !(w > 1e-6 && h > 1e-6) || math.IsInf(w, 0) || math.IsInf(h, 0) || math.IsInf(area, 0) {
		return
	}
	if len(in.page.placements) >= 10000 {
		return
	}
	in.page.placements = append(in.page.placements, placement{img: img, w: w, h: h, area: area})
}

type formInfo struct {
	content []byte
}

// maxFormCache bounds the decoded form content kept for forms drawn again
// (on later pages, typically); forms beyond it are decoded each time.
const maxFormCache = 16 << 20

func (in *interp) draw(name string, res pdfraw.Dict, ctm matrix, depth int, active []pdfraw.Ref) {
	a := in.a
	xobjs := a.dict(res["XObject"])
	if xobjs == nil {
		return
	}
	o, ok := xobjs[pdfraw.Name(name)]
	if !ok {
		return
	}
	s, ref := a.stream(o)
	if s == nil {
		return
	}
	switch a.name(s.Dict["Subtype"]) {
	case "Image":
		in.place(a.image(o), ctm)
	case "Form":
		if depth >= maxFormDepth || in.formCalls >= maxFormCalls {
			return
		}
		direct := ref == pdfraw.Ref{}
		if !direct && slices.Contains(active, ref) {
			return // a form drawing itself
		}
		in.formCalls++
		m := identity
		if arr, ok := a.resolve(s.Dict["Matrix"]).(pdfraw.Array); ok && len(arr) == 6 {
			for i, e := range arr {
				if f, ok := a.number(e); ok {
					m[i] = f
				} else {
					m = identity
					break
				}
			}
		}
		fctm := m.mul(ctm)
		if !fctm.finite() {
			return
		}
		fres := res
		if r := a.dict(s.Dict["Resources"]); r != nil {
			fres = r
		}
		var content []byte
		if fi, ok := a.forms[ref]; ok && !direct {
			content = fi.content
		} else {
			content, _ = a.decode(s, maxContentBytes)
			if !direct && a.formBytes+int64(len(content)) <= maxFormCache {
				a.forms[ref] = &formInfo{content: content}
				a.formBytes += int64(len(content))
			}
		}
		in.run(content, fres, fctm, depth+1, append(active, ref))
	}
}

// Abbreviations allowed in inline image dictionaries (ISO 32000-1, 8.9.7).
var inlineKeys = map[string]string{
	"W": "Width", "H": "Height", "CS": "ColorSpace", "BPC": "BitsPerComponent",
	"IM": "ImageMask", "F": "Filter", "D": "Decode", "DP": "DecodeParms", "I": "Interpolate",
}

var inlineFilters = map[string]string{
	"AHx": "ASCIIHexDecode", "A85": "ASCII85Decode", "LZW": "LZWDecode", "Fl": "FlateDecode",
	"RL": "RunLengthDecode", "CCF": "CCITTFaxDecode", "DCT": "DCTDecode",
}

// inlineImage reads "BI <dict> ID <data> EI" after BI, places the image and
// leaves the lexer after EI.
func (in *interp) inlineImage(l *lexer, res pdfraw.Dict, ctm matrix) {
	d := pdfraw.Dict{}
	var key string
	var arr pdfraw.Array
	inArr := false
	setVal := func(v pdfraw.Object) {
		if inArr {
			if len(arr) < 64 {
				arr = append(arr, v)
			}
			return
		}
		if key != "" {
			d[pdfraw.Name(key)] = v
			key = ""
		}
	}
	for n := 0; ; n++ {
		if n > 1000 {
			return
		}
		kind, tok := l.next()
		switch kind {
		case tEOF:
			return
		case tName:
			s := string(tok)
			switch {
			case inArr:
				setVal(pdfraw.Name(s))
			case key == "":
				if full, ok := inlineKeys[s]; ok {
					s = full
				}
				key = s
			default:
				setVal(pdfraw.Name(s))
			}
		case tNum:
			f, err := strconv.ParseFloat(string(tok), 64)
			if err != nil {
				continue
			}
			if f == math.Trunc(f) && math.Abs(f) < 1<<31 {
				setVal(pdfraw.Int(int64(f)))
			} else {
				setVal(pdfraw.Real(f))
			}
		case tArrOpen:
			inArr, arr = true, nil
		case tArrClose:
			inArr = false
			setVal(arr)
		case tOp:
			switch string(tok) {
			case "ID":
				in.finishInline(l, d, res, ctm)
				return
			case "true", "false":
				setVal(pdfraw.Bool(string(tok) == "true"))
			default:
				key = ""
			}
		default:
			setVal(nil)
		}
	}
}

func (in *interp) finishInline(l *lexer, d pdfraw.Dict, res pdfraw.Dict, ctm matrix) {
	// One white-space byte follows ID, then the data, then EI.
	l.i++
	start := l.i
	end := findEI(l.b, start)
	if end < 0 {
		l.i = len(l.b)
	} else {
		l.i = end + 2
	}
	var filters []string
	switch f := d["Filter"].(type) {
	case pdfraw.Name:
		filters = []string{string(f)}
	case pdfraw.Array:
		for _, e := range f {
			if n, ok := e.(pdfraw.Name); ok {
				filters = append(filters, string(n))
			}
		}
	}
	for i, f := range filters {
		if full, ok := inlineFilters[f]; ok {
			filters[i] = full
		}
	}
	var data []byte
	if start <= len(l.b) && end >= start {
		data = l.b[start:end]
	}
	in.place(in.a.imageFromDict(d, filters, func() []byte { return data }, res), ctm)
}

// findEI finds the EI that ends inline image data: white space, "EI", then
// white space or the end of the content.
func findEI(b []byte, from int) int {
	for i := from; i+1 < len(b); {
		j := bytes.Index(b[i:], []byte("EI"))
		if j < 0 {
			return -1
		}
		k := i + j
		before := k == from || isSpace(b[k-1])
		after := k+2 == len(b) || isSpace(b[k+2])
		if before && after {
			return k
		}
		i = k + 1
	}
	return -1
}
