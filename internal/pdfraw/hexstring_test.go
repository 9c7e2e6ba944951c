package pdfraw

import (
	"bytes"
	"math/rand"
	"testing"
)

// refHex decodes a hex string body the slow, obvious way.
func refHex(body []byte) []byte {
	out := []byte{}
	hi := -1
	for _, c := range body {
		v := unhex(int(c))
		if v < 0 {
			continue // white space
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	if hi >= 0 {
		out = append(out, byte(hi<<4))
	}
	return out
}

// TestHexStringWindows checks hex strings of many shapes and lengths,
// crossing the file lexer's read windows, against refHex, with exact
// token offsets.
func TestHexStringWindows(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	const digits = "0123456789abcdefABCDEF"
	for iter := 0; iter < 300; iter++ {
		n := rng.Intn(20000)
		if iter < 20 {
			n = iter
		}
		body := make([]byte, 0, n)
		for len(body) < n {
			if rng.Intn(50) == 0 {
				body = append(body, " \n\r\t\f\x00"[rng.Intn(6)])
			} else {
				body = append(body, digits[rng.Intn(len(digits))])
			}
		}
		pre := bytes.Repeat([]byte(" "), rng.Intn(5000))
		data := append(append(append(append([]byte{}, pre...), '<'), body...), '>', ' ')
		lim := DefaultLimits()
		for _, lx := range []*lexer{
			newFileLexer(bytes.NewReader(data), int64(len(data)), 0, -1, &lim),
			newMemLexer(data, &lim),
		} {
			tok, err := lx.token()
			if err != nil {
				t.Fatalf("iter %d: %v", iter, err)
			}
			if tok.kind != tString || !tok.hex || !bytes.Equal(tok.s, refHex(body)) {
				t.Fatalf("iter %d: wrong decoding", iter)
			}
			if tok.start != int64(len(pre)) || tok.end != int64(len(data)-1) {
				t.Fatalf("iter %d: offsets %d..%d", iter, tok.start, tok.end)
			}
		}
		// An invalid character is reported at its offset.
		if n > 0 {
			bad := append([]byte{}, data...)
			at := len(pre) + 1 + rng.Intn(n)
			bad[at] = 'g'
			lx := newFileLexer(bytes.NewReader(bad), int64(len(bad)), 0, -1, &lim)
			_, err := lx.token()
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte("invalid character 'g'")) {
				t.Fatalf("iter %d: %v", iter, err)
			}
			if lx.pos != int64(at)+1 {
				t.Fatalf("iter %d: error position %d, want %d", iter, lx.pos, at+1)
			}
		}
	}
}
