package pdfraw

import (
	"bytes"
	stdascii85 "encoding/ascii85"
	"errors"
	"fmt"
	"io"
)

var errTruncatedRow = errors.New("predictor: data ends inside a row")

// maxRowBytes bounds a predictor row (Columns*Colors*BitsPerComponent/8).
const maxRowBytes = 1 << 24

func intParm(d Dict, k Name, def int64) (int64, error) {
	v, ok := d[k]
	if !ok {
		return def, nil
	}
	n, ok := v.(Int)
	if !ok {
		return 0, fmt.Errorf("/%s is not an integer", k)
	}
	return int64(n), nil
}

// predictor wraps rd in the predictor that parms ask for, if any.
func predictor(rd io.Reader, parms Dict) (io.Reader, error) {
	if parms == nil {
		return rd, nil
	}
	pred, err := intParm(parms, "Predictor", 1)
	if err != nil {
		return nil, err
	}
	if pred == 1 {
		return rd, nil
	}
	colors, err := intParm(parms, "Colors", 1)
	if err != nil {
		return nil, err
	}
	bpc, err := intParm(parms, "BitsPerComponent", 8)
	if err != nil {
		return nil, err
	}
	cols, err := intParm(parms, "Columns", 1)
	if err != nil {
		return nil, err
	}
	if colors < 1 || colors > 32 {
		return nil, fmt.Errorf("predictor: bad /Colors %d", colors)
	}
	switch bpc {
	case 1, 2, 4, 8, 16:
	default:
		return nil, fmt.Errorf("predictor: bad /BitsPerComponent %d", bpc)
	}
	if cols < 1 || cols > maxRowBytes {
		return nil, fmt.Errorf("predictor: bad /Columns %d", cols)
	}
	bits := colors * bpc * cols
	rowLen := (bits + 7) / 8
	if rowLen > maxRowBytes {
		return nil, fmt.Errorf("%w: predictor row of %d bytes", ErrLimit, rowLen)
	}
	bpp := int((colors*bpc + 7) / 8)
	switch {
	case pred == 2:
		return &tiffReader{r: rd, row: make([]byte, rowLen), colors: int(colors), bpc: int(bpc), samples: int(colors * cols)}, nil
	case pred >= 10 && pred <= 15:
		return &pngReader{r: rd, bpp: bpp, cur: make([]byte, rowLen+1), prev: make([]byte, rowLen+1)}, nil
	}
	return nil, fmt.Errorf("%w predictor %d", ErrUnsupported, pred)
}

type pngReader struct {
	r         io.Reader
	bpp       int
	cur, prev []byte // with the filter-type byte at [0]
	pending   []byte
	err       error
}

func (p *pngReader) Read(b []byte) (int, error) {
	for len(p.pending) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		p.prev, p.cur = p.cur, p.prev
		n, err := io.ReadFull(p.r, p.cur)
		if err == io.EOF {
			p.err = io.EOF
			continue
		}
		if err == io.ErrUnexpectedEOF {
			return 0, fmt.Errorf("%w (%d of %d bytes)", errTruncatedRow, n, len(p.cur))
		}
		if err != nil {
			return 0, err
		}
		if err := p.unfilter(); err != nil {
			return 0, err
		}
		p.pending = p.cur[1:]
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}

func (p *pngReader) unfilter() error {
	cur, prev := p.cur[1:], p.prev[1:]
	bpp := p.bpp
	switch p.cur[0] {
	case 0:
	case 1: // Sub
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2: // Up
		for i := range cur {
			cur[i] += prev[i]
		}
	case 3: // Average
		for i := range cur {
			var left int
			if i >= bpp {
				left = int(cur[i-bpp])
			}
			cur[i] += byte((left + int(prev[i])) / 2)
		}
	case 4: // Paeth
		for i := range cur {
			var a, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			cur[i] += paeth(a, int(prev[i]), c)
		}
	default:
		return fmt.Errorf("predictor: bad PNG filter type %d", p.cur[0])
	}
	return nil
}

func paeth(a, b, c int) byte {
	p := a + b - c
	pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
	switch {
	case pa <= pb && pa <= pc:
		return byte(a)
	case pb <= pc:
		return byte(b)
	}
	return byte(c)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// tiffReader undoes TIFF predictor 2 (horizontal differencing).
type tiffReader struct {
	r                    io.Reader
	row                  []byte
	colors, bpc, samples int // samples per row, without the padding bits
	pending              []byte
	err                  error
}

func (t *tiffReader) Read(b []byte) (int, error) {
	for len(t.pending) == 0 {
		if t.err != nil {
			return 0, t.err
		}
		n, err := io.ReadFull(t.r, t.row)
		if err == io.EOF {
			t.err = io.EOF
			continue
		}
		if err == io.ErrUnexpectedEOF {
			return 0, fmt.Errorf("%w (%d of %d bytes)", errTruncatedRow, n, len(t.row))
		}
		if err != nil {
			return 0, err
		}
		t.undo()
		t.pending = t.row
	}
	n := copy(b, t.pending)
	t.pending = t.pending[n:]
	return n, nil
}

func (t *tiffReader) undo() {
	row, c := t.row, t.colors
	switch t.bpc {
	case 8:
		for i := c; i < len(row); i++ {
			row[i] += row[i-c]
		}
	case 16:
		for i := 2 * c; i+1 < len(row); i += 2 {
			v := uint16(row[i])<<8 | uint16(row[i+1])
			l := uint16(row[i-2*c])<<8 | uint16(row[i-2*c+1])
			v += l
			row[i], row[i+1] = byte(v>>8), byte(v)
		}
	default: // 1, 2, 4 bits
		bpc := t.bpc
		mask := byte(1<<bpc - 1)
		samples := t.samples
		get := func(i int) byte {
			bit := i * bpc
			return row[bit/8] >> (8 - bpc - bit%8) & mask
		}
		set := func(i int, v byte) {
			bit := i * bpc
			sh := 8 - bpc - bit%8
			row[bit/8] = row[bit/8]&^(mask<<sh) | (v&mask)<<sh
		}
		for i := c; i < samples; i++ {
			set(i, get(i)+get(i-c))
		}
	}
}

type asciiHexReader struct {
	r    io.ByteReader
	done bool
}

func (a *asciiHexReader) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		if a.done {
			break
		}
		hi, err := a.digit()
		if err != nil {
			return n, err
		}
		if hi < 0 {
			a.done = true
			break
		}
		lo, err := a.digit()
		if err != nil {
			return n, err
		}
		if lo < 0 {
			a.done = true
			lo = 0
		}
		b[n] = byte(hi<<4 | lo)
		n++
	}
	if a.done && n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// digit returns the next hex digit, or -1 at the EOD marker '>'.
func (a *asciiHexReader) digit() (int, error) {
	for {
		c, err := a.r.ReadByte()
		if err == io.EOF {
			return 0, errors.New("ASCIIHexDecode: no EOD marker")
		}
		if err != nil {
			return 0, err
		}
		if c == '>' {
			return -1, nil
		}
		if isSpace(int(c)) {
			continue
		}
		v := unhex(int(c))
		if v < 0 {
			return 0, fmt.Errorf("ASCIIHexDecode: invalid character %q", c)
		}
		return v, nil
	}
}

// ascii85Data passes the data of an ASCII85Decode stream up to its "~>"
// end-of-data marker to encoding/ascii85, which does the decoding (white
// space, 'z' groups, the short final group) but knows no end marker. A
// stream without one is an error, as is '~' not followed by '>'.
type ascii85Data struct {
	r    io.Reader
	done bool
	err  error // returned once the data before the marker is consumed
}

var errA85NoEOD = errors.New("ASCII85Decode: no EOD marker")

func (a *ascii85Data) Read(p []byte) (int, error) {
	if a.done {
		return 0, a.err
	}
	n, err := a.r.Read(p)
	if i := bytes.IndexByte(p[:n], '~'); i >= 0 {
		a.done, a.err = true, io.EOF
		var next byte
		switch {
		case i+1 < n:
			next = p[i+1]
		default:
			var b [1]byte
			if _, err := io.ReadFull(a.r, b[:]); err == nil {
				next = b[0]
			}
		}
		if next != '>' {
			a.err = errors.New("ASCII85Decode: bad EOD marker")
		}
		return i, nil
	}
	if err == io.EOF {
		a.done, a.err = true, errA85NoEOD
		return n, nil
	}
	return n, err
}

func newASCII85(rd io.Reader) io.Reader {
	return &ascii85Err{r: stdascii85.NewDecoder(&ascii85Data{r: rd})}
}

// ascii85Err names the filter in encoding/ascii85's errors.
type ascii85Err struct{ r io.Reader }

func (a *ascii85Err) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	var ce stdascii85.CorruptInputError
	if errors.As(err, &ce) {
		err = fmt.Errorf("ASCII85Decode: invalid data at byte %d of a block", int64(ce))
	}
	return n, err
}

type runLengthReader struct {
	r       io.ByteReader
	buf     [128]byte
	pending []byte
	done    bool
}

func (r *runLengthReader) Read(b []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.done {
			return 0, io.EOF
		}
		c, err := r.r.ReadByte()
		if err == io.EOF {
			return 0, errors.New("RunLengthDecode: no EOD marker")
		}
		if err != nil {
			return 0, err
		}
		switch {
		case c == 128:
			r.done = true
		case c < 128:
			n := int(c) + 1
			for i := 0; i < n; i++ {
				d, err := r.r.ReadByte()
				if err != nil {
					return 0, errors.New("RunLengthDecode: truncated literal run")
				}
				r.buf[i] = d
			}
			r.pending = r.buf[:n]
		default:
			n := 257 - int(c)
			d, err := r.r.ReadByte()
			if err != nil {
				return 0, errors.New("RunLengthDecode: truncated repeat run")
			}
			for i := 0; i < n; i++ {
				r.buf[i] = d
			}
			r.pending = r.buf[:n]
		}
	}
	n := copy(b, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}
