package pdfraw

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
)

// Character classes of PDF syntax (ISO 32000-1, 7.2.2).
const (
	clRegular = iota
	clSpace
	clDelim
)

var charClass [256]uint8

// hexVal holds the value of a hex digit, or -1.
var hexVal [256]int8

func init() {
	for i := range hexVal {
		hexVal[i] = int8(unhex(i))
	}
	for _, c := range []byte{0, '\t', '\n', '\f', '\r', ' '} {
		charClass[c] = clSpace
	}
	for _, c := range []byte("()<>[]{}/%") {
		charClass[c] = clDelim
	}
}

func isSpace(c int) bool   { return c >= 0 && charClass[c] == clSpace }
func isRegular(c int) bool { return c >= 0 && charClass[c] == clRegular }
func isDigit(c int) bool   { return c >= '0' && c <= '9' }

type tokKind uint8

const (
	tEOF tokKind = iota
	tInt
	tReal
	tName
	tString
	tKeyword
	tArrOpen
	tArrClose
	tDictOpen
	tDictClose
)

func (k tokKind) String() string {
	switch k {
	case tEOF:
		return "end of data"
	case tInt:
		return "integer"
	case tReal:
		return "real"
	case tName:
		return "name"
	case tString:
		return "string"
	case tKeyword:
		return "keyword"
	case tArrOpen:
		return "'['"
	case tArrClose:
		return "']'"
	case tDictOpen:
		return "'<<'"
	case tDictClose:
		return "'>>'"
	}
	return "token"
}

type token struct {
	kind  tokKind
	i     int64
	f     float64
	s     []byte // name, keyword (scratch, valid until the next token) or string bytes
	hex   bool
	start int64 // absolute offset of the token (position in data for in-memory lexers)
	end   int64
}

func (t token) describe() string {
	if t.kind == tKeyword {
		s := t.s
		if len(s) > 20 {
			s = s[:20]
		}
		return fmt.Sprintf("keyword %q", s)
	}
	return t.kind.String()
}

func (t token) isKeyword(k string) bool { return t.kind == tKeyword && string(t.s) == k }

const (
	minChunk = 4 << 10
	maxChunk = 64 << 10
)

// lexer reads PDF tokens through a small window over an io.ReaderAt, or over
// an in-memory byte slice (object streams). It never reads before its
// window is needed and never reads at or beyond limit.
type lexer struct {
	r      io.ReaderAt // nil for in-memory data
	buf    []byte
	bufOff int64 // absolute offset of buf[0]
	pos    int64
	end    int64 // end of data (file size, or len of in-memory data)
	limit  int64 // reading at or beyond limit (< end) is ErrLimit
	chunk  int
	mem    bool
	what   string // context for errors, e.g. "object 12 0"
	lim    *Limits

	limitHit bool
	ioErr    error
	scratch  []byte
}

func newFileLexer(r io.ReaderAt, size int64, pos int64, limit int64, lim *Limits) *lexer {
	if limit > size || limit < 0 {
		limit = size
	}
	return &lexer{r: r, end: size, limit: limit, pos: pos, chunk: minChunk, lim: lim}
}

func newMemLexer(data []byte, lim *Limits) *lexer {
	return &lexer{buf: data, end: int64(len(data)), limit: int64(len(data)), mem: true, lim: lim}
}

// fill makes sure the byte at l.pos is buffered.
func (l *lexer) fill() bool {
	if l.pos >= l.bufOff && l.pos < l.bufOff+int64(len(l.buf)) {
		return true
	}
	if l.mem || l.ioErr != nil || l.pos < 0 || l.pos >= l.end {
		return false
	}
	if l.pos >= l.limit {
		l.limitHit = true
		return false
	}
	if l.pos == l.bufOff+int64(len(l.buf)) && len(l.buf) > 0 {
		// Sequential reading: grow the window.
		if l.chunk < maxChunk {
			l.chunk *= 2
		}
	}
	n := int64(l.chunk)
	if n > l.limit-l.pos {
		n = l.limit - l.pos
	}
	if l.buf == nil {
		if bp, ok := bufPool.Get().(*[]byte); ok {
			l.buf = (*bp)[:0]
		}
	}
	if int64(cap(l.buf)) >= n {
		l.buf = l.buf[:n]
	} else {
		l.buf = make([]byte, n)
	}
	m, err := l.r.ReadAt(l.buf, l.pos)
	if m < int(n) {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		l.ioErr = fmt.Errorf("reading at offset %d: %w", l.pos, err)
		l.buf = l.buf[:0]
		return false
	}
	l.bufOff = l.pos
	return true
}

// bufPool recycles the read windows of file lexers.
var bufPool sync.Pool

// release returns a file lexer's window to the pool. The lexer must not be
// used afterwards; no token refers to the window.
func (l *lexer) release() {
	if l.mem || l.buf == nil || cap(l.buf) > maxChunk {
		return
	}
	b := l.buf[:0]
	l.buf = nil
	bufPool.Put(&b)
}

func (l *lexer) peek() int {
	if !l.fill() {
		return -1
	}
	return int(l.buf[l.pos-l.bufOff])
}

func (l *lexer) next() int {
	c := l.peek()
	if c >= 0 {
		l.pos++
	}
	return c
}

// errf returns an ErrMalformed error at the current position.
func (l *lexer) errf(format string, args ...any) error {
	return l.errAt(l.pos, format, args...)
}

func (l *lexer) where(off int64) string {
	if l.mem {
		return fmt.Sprintf("%s: at position %d in object stream", l.what, off)
	}
	if l.what == "" {
		return fmt.Sprintf("at offset %d", off)
	}
	return fmt.Sprintf("%s: at offset %d", l.what, off)
}

func (l *lexer) errAt(off int64, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, l.where(off), fmt.Sprintf(format, args...))
}

// eofErr explains why no more data could be read.
func (l *lexer) eofErr(what string) error {
	switch {
	case l.ioErr != nil:
		return fmt.Errorf("%s: %s: %w", l.where(l.pos), what, l.ioErr)
	case l.limitHit && l.pos >= l.limit && l.limit < l.end:
		return fmt.Errorf("%w: %s: %s: reading stopped at the bound at offset %d (MaxObjectBytes)", ErrLimit, l.where(l.pos), what, l.limit)
	}
	return fmt.Errorf("%w: %s: unexpected end of data (%s)", ErrMalformed, l.where(l.pos), what)
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for {
		c := l.peek()
		switch {
		case isSpace(c):
			l.pos++
		case c == '%':
			for {
				c = l.peek()
				if c < 0 || c == '\n' || c == '\r' {
					break
				}
				l.pos++
			}
		default:
			return
		}
	}
}

// skipWhite skips white space only (not comments: "%%EOF" is a comment).
func (l *lexer) skipWhite() {
	for isSpace(l.peek()) {
		l.pos++
	}
}

// hasPrefix reports whether the data at pos starts with s.
func (l *lexer) hasPrefix(s string) bool {
	save := l.pos
	defer func() { l.pos = save }()
	for i := 0; i < len(s); i++ {
		if l.next() != int(s[i]) {
			return false
		}
	}
	return true
}

// keywordAt reports whether the keyword kw starts at pos and is followed by
// a delimiter, white space or the end of data.
func (l *lexer) keywordAt(kw string) bool {
	if !l.hasPrefix(kw) {
		return false
	}
	save := l.pos
	l.pos += int64(len(kw))
	c := l.peek()
	l.pos = save
	return !isRegular(c)
}

func (l *lexer) maxToken() int {
	if l.lim == nil || l.lim.MaxTokenBytes <= 0 {
		return DefaultLimits().MaxTokenBytes
	}
	return l.lim.MaxTokenBytes
}

func (l *lexer) tokenLimit(start int64, what string) error {
	return fmt.Errorf("%w: %s: %s longer than %d bytes", ErrLimit, l.where(start), what, l.maxToken())
}

// token reads the next token. At the end of data it returns tEOF and a nil
// error; the caller decides whether that is an error (see eofErr).
func (l *lexer) token() (token, error) {
	l.skipSpace()
	start := l.pos
	c := l.peek()
	if c < 0 {
		if l.ioErr != nil || (l.limitHit && l.limit < l.end) {
			return token{}, l.eofErr("reading token")
		}
		return token{kind: tEOF, start: start, end: start}, nil
	}
	switch c {
	case '[':
		l.pos++
		return token{kind: tArrOpen, start: start, end: l.pos}, nil
	case ']':
		l.pos++
		return token{kind: tArrClose, start: start, end: l.pos}, nil
	case '<':
		l.pos++
		if l.peek() == '<' {
			l.pos++
			return token{kind: tDictOpen, start: start, end: l.pos}, nil
		}
		return l.hexString(start)
	case '>':
		l.pos++
		if l.peek() == '>' {
			l.pos++
			return token{kind: tDictClose, start: start, end: l.pos}, nil
		}
		return token{}, l.errAt(start, "unexpected '>'")
	case '(':
		l.pos++
		return l.literalString(start)
	case '/':
		l.pos++
		return l.name(start)
	case ')', '{', '}':
		return token{}, l.errAt(start, "unexpected %q", rune(c))
	}
	// A run of regular characters: a number or a keyword.
	l.scratch = l.scratch[:0]
	for {
		c = l.peek()
		if !isRegular(c) {
			break
		}
		if len(l.scratch) >= l.maxToken() {
			return token{}, l.tokenLimit(start, "token")
		}
		l.scratch = append(l.scratch, byte(c))
		l.pos++
	}
	if c < 0 && (l.ioErr != nil || (l.limitHit && l.limit < l.end)) {
		return token{}, l.eofErr("reading token")
	}
	t := token{start: start, end: l.pos}
	s := l.scratch
	if s[0] == '+' || s[0] == '-' || s[0] == '.' || isDigit(int(s[0])) {
		return l.number(t, s)
	}
	t.kind = tKeyword
	t.s = s
	return t, nil
}

func (l *lexer) number(t token, s []byte) (token, error) {
	digits, dots := 0, 0
	for i, c := range s {
		switch {
		case isDigit(int(c)):
			digits++
		case c == '.':
			dots++
		case (c == '+' || c == '-') && i == 0:
		default:
			return token{}, l.errAt(t.start, "malformed number %q", truncate(s))
		}
	}
	if digits == 0 || dots > 1 {
		return token{}, l.errAt(t.start, "malformed number %q", truncate(s))
	}
	if dots == 0 {
		if v, err := strconv.ParseInt(string(s), 10, 64); err == nil {
			t.kind, t.i = tInt, v
			return t, nil
		}
		// Out of int64 range: keep it as a real, like other readers.
	}
	v, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		var ne *strconv.NumError
		if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
			return token{}, l.errAt(t.start, "malformed number %q", truncate(s))
		}
	}
	t.kind, t.f = tReal, v
	return t, nil
}

func truncate(s []byte) []byte {
	if len(s) > 32 {
		return s[:32]
	}
	return s
}

func unhex(c int) int {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return -1
}

// name reads a name after its '/'. A '#' not followed by two hex digits is
// kept literally (PDF 1.1 names); "#00" is an error.
func (l *lexer) name(start int64) (token, error) {
	var b []byte
	for {
		c := l.peek()
		if !isRegular(c) {
			if c < 0 && (l.ioErr != nil || (l.limitHit && l.limit < l.end)) {
				return token{}, l.eofErr("reading name")
			}
			break
		}
		if len(b) >= l.maxToken() {
			return token{}, l.tokenLimit(start, "name")
		}
		l.pos++
		if c == '#' {
			save := l.pos
			h1 := unhex(l.next())
			h2 := unhex(l.next())
			if h1 >= 0 && h2 >= 0 {
				v := byte(h1<<4 | h2)
				if v == 0 {
					return token{}, l.errAt(start, "name contains #00")
				}
				b = append(b, v)
				continue
			}
			l.pos = save
		}
		b = append(b, byte(c))
	}
	return token{kind: tName, s: b, start: start, end: l.pos}, nil
}

func (l *lexer) hexString(start int64) (token, error) {
	var b []byte
	hi := -1
	n := 0
	max2 := 2 * l.maxToken()
	for {
		// Bulk: decode the run of hex digits and white space in the
		// buffered window.
		if l.fill() {
			win := l.buf[l.pos-l.bufOff:]
			if b == nil {
				est := len(win)
				if j := bytes.IndexByte(win, '>'); j >= 0 {
					est = j
				}
				b = make([]byte, 0, min(est/2+1, l.maxToken()+1))
			}
			// Fast path: an even run of hex digits up to '>' or the end
			// of the window, without white space, decoded at once.
			if hi < 0 {
				seg := win
				if j := bytes.IndexByte(win, '>'); j >= 0 {
					seg = win[:j]
				}
				seg = seg[:len(seg)&^1]
				if len(seg) > 0 && n+len(seg) <= max2 {
					at := len(b)
					b = slices.Grow(b, len(seg)/2)
					if _, err := hex.Decode(b[at:at+len(seg)/2], seg); err == nil {
						b = b[:at+len(seg)/2]
						n += len(seg)
						l.pos += int64(len(seg))
						win = win[len(seg):]
						if len(win) == 0 {
							continue
						}
					}
				}
			}
			i := 0
			for ; i < len(win); i++ {
				c := win[i]
				v := hexVal[c]
				if v < 0 {
					if charClass[c] == clSpace {
						continue
					}
					break
				}
				n++
				if n > max2 {
					l.pos += int64(i) + 1
					return token{}, l.tokenLimit(start, "hex string")
				}
				if hi < 0 {
					hi = int(v)
				} else {
					b = append(b, byte(hi<<4|int(v)))
					hi = -1
				}
			}
			l.pos += int64(i)
			if i == len(win) {
				continue
			}
		}
		c := l.next()
		switch {
		case c < 0:
			return token{}, l.eofErr("reading hex string")
		case c == '>':
			if hi >= 0 {
				b = append(b, byte(hi<<4))
			}
			return token{kind: tString, s: nonNil(b), hex: true, start: start, end: l.pos}, nil
		}
		return token{}, l.errAt(l.pos-1, "invalid character %q in hex string starting at %d", rune(c), start)
	}
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (l *lexer) literalString(start int64) (token, error) {
	var b []byte
	depth := 1
	for {
		if len(b) >= l.maxToken() {
			return token{}, l.tokenLimit(start, "string")
		}
		c := l.next()
		switch c {
		case -1:
			return token{}, l.eofErr("reading literal string")
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return token{kind: tString, s: nonNil(b), start: start, end: l.pos}, nil
			}
		case '\r':
			// An unescaped end-of-line is a line feed, whatever its form.
			if l.peek() == '\n' {
				l.pos++
			}
			c = '\n'
		case '\\':
			c = l.next()
			switch c {
			case -1:
				return token{}, l.eofErr("reading literal string")
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.peek() == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if c >= '0' && c <= '7' {
					v := c - '0'
					for i := 0; i < 2; i++ {
						d := l.peek()
						if d < '0' || d > '7' {
							break
						}
						l.pos++
						v = v*8 + d - '0'
					}
					c = v & 0xff
				}
				// Any other escaped character stands for itself.
			}
		}
		b = append(b, byte(c))
	}
}
