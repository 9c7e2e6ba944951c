package pdfraw

import (
	"bufio"
	"compress/zlib"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
)

// maxFilters bounds a stream's filter chain (each decoder holds buffers).
const maxFilters = 8

// StreamData returns the decoded data of s: decrypted first when its
// revision is encrypted (ErrEncrypted when it cannot be), then FlateDecode
// (with PNG and TIFF predictors), ASCIIHexDecode, ASCII85Decode and
// RunLengthDecode, in chains; no filter means the raw bytes. Other filters are an error naming
// them and wrapping ErrUnsupported. Decoded data larger than max (or than MaxDecodedStream, whichever is
// smaller; max <= 0 means MaxDecodedStream) is ErrLimit: decoding stops
// after max+1 bytes, so a deflate bomb costs no more than that.
func (f *File) StreamData(s *Stream, max int64) ([]byte, error) {
	if s == nil {
		return nil, errors.New("pdfraw: StreamData of a nil stream")
	}
	return f.streamData(s, max, s.rev(), newRctx())
}

func (s *Stream) rev() int {
	switch {
	case s.xrefRev == noXrefRev:
		return noXref
	case s.xrefRev > 0:
		return s.xrefRev - 1
	}
	return -1
}

func (f *File) checkRaw(s *Stream) (string, error) {
	what := fmt.Sprintf("stream at offset %d", s.DataOffset)
	if s.DataOffset < 0 || s.Length < 0 || s.DataOffset > f.size || s.Length > f.size-s.DataOffset {
		return what, fmt.Errorf("%w: %s: data (%d bytes) not inside the file", ErrMalformed, what, s.Length)
	}
	return what, nil
}

func (f *File) streamData(s *Stream, limit int64, rev int, rc rctx) ([]byte, error) {
	what, err := f.checkRaw(s)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > f.lim.MaxDecodedStream {
		limit = f.lim.MaxDecodedStream
	}
	if err := rc.decoded(what); err != nil {
		return nil, err
	}
	names, parms, err := f.filterChain(s, rev, rc, what)
	if err != nil {
		return nil, err
	}
	m, key, names, parms, err := f.streamCrypt(s, names, parms, what)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 && s.Length > limit && (m == cmNone || s.Length-32 > limit) {
		return nil, fmt.Errorf("%w: %s: data larger than %d bytes", ErrLimit, what, limit)
	}
	bufSize := int(min(max(s.Length, 16), 32<<10))
	var rd io.Reader = bufio.NewReaderSize(io.NewSectionReader(f.r, s.DataOffset, s.Length), bufSize)
	if m != cmNone {
		if rd, err = decryptReader(m, key, rd); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
		}
	}
	for i, name := range names {
		rd, err = newDecoder(name, parms[i], rd)
		if err != nil {
			if errors.Is(err, ErrUnsupported) || errors.Is(err, ErrLimit) {
				return nil, fmt.Errorf("%s: /%s: %w", what, name, err)
			}
			return nil, fmt.Errorf("%w: %s: /%s: %w", ErrMalformed, what, name, err)
		}
	}
	hint := s.Length
	if len(names) > 0 {
		hint *= 4
	}
	data, err := readBounded(rd, limit, hint)
	if err != nil {
		if errors.Is(err, ErrLimit) {
			return nil, fmt.Errorf("%w: %s: decoded data larger than %d bytes", ErrLimit, what, limit)
		}
		return nil, fmt.Errorf("%w: %s: decoding %v: %w", ErrMalformed, what, names, err)
	}
	return data, nil
}

// readBounded reads rd to the end, failing with ErrLimit once it has read
// max+1 bytes; it never allocates more than max+1 bytes of buffer.
func readBounded(rd io.Reader, limit, hint int64) ([]byte, error) {
	c := min(limit+1, max(hint, 512), 1<<20)
	buf := make([]byte, 0, c)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return nil, ErrLimit
			}
			nc := min(2*int64(cap(buf)), limit+1)
			nb := make([]byte, len(buf), nc)
			copy(nb, buf)
			buf = nb
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(buf)) > limit {
		return nil, ErrLimit
	}
	return buf, nil
}

// filterChain returns the filter names of s and their parameters (nil for
// none).
func (f *File) filterChain(s *Stream, rev int, rc rctx, what string) ([]Name, []Dict, error) {
	fo, err := f.resolve(rev, s.Dict["Filter"], rc)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: /Filter: %w", what, err)
	}
	var names []Name
	switch v := fo.(type) {
	case nil, Null:
	case Name:
		names = []Name{v}
	case Array:
		if len(v) > maxFilters {
			return nil, nil, fmt.Errorf("%w: %s: more than %d filters", ErrLimit, what, maxFilters)
		}
		for _, e := range v {
			e, err := f.resolve(rev, e, rc)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: /Filter: %w", what, err)
			}
			n, ok := e.(Name)
			if !ok {
				return nil, nil, fmt.Errorf("%w: %s: /Filter array holds a non-name", ErrMalformed, what)
			}
			names = append(names, n)
		}
	default:
		return nil, nil, fmt.Errorf("%w: %s: /Filter is neither a name nor an array", ErrMalformed, what)
	}
	parms := make([]Dict, len(names))
	po, err := f.resolve(rev, s.Dict["DecodeParms"], rc)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: /DecodeParms: %w", what, err)
	}
	one := func(o Object) (Dict, error) {
		o, err := f.resolve(rev, o, rc)
		if err != nil {
			return nil, fmt.Errorf("%s: /DecodeParms: %w", what, err)
		}
		switch v := o.(type) {
		case nil, Null:
			return nil, nil
		case Dict:
			return v, nil
		}
		return nil, fmt.Errorf("%w: %s: /DecodeParms entry is not a dictionary", ErrMalformed, what)
	}
	switch v := po.(type) {
	case nil, Null:
	case Dict:
		if len(names) == 0 {
			break
		}
		parms[0] = v
		if len(names) > 1 {
			return nil, nil, fmt.Errorf("%w: %s: one /DecodeParms dictionary for %d filters", ErrMalformed, what, len(names))
		}
	case Array:
		if len(v) != len(names) {
			return nil, nil, fmt.Errorf("%w: %s: %d /DecodeParms for %d filters", ErrMalformed, what, len(v), len(names))
		}
		for i, e := range v {
			if parms[i], err = one(e); err != nil {
				return nil, nil, err
			}
		}
	default:
		return nil, nil, fmt.Errorf("%w: %s: /DecodeParms is neither a dictionary nor an array", ErrMalformed, what)
	}
	return names, parms, nil
}

func newDecoder(name Name, parms Dict, rd io.Reader) (io.Reader, error) {
	switch name {
	case "FlateDecode":
		z, err := newZlib(rd)
		if err != nil {
			return nil, err
		}
		return predictor(z, parms)
	case "ASCIIHexDecode":
		return &asciiHexReader{r: byteReader(rd)}, nil
	case "ASCII85Decode":
		return newASCII85(rd), nil
	case "RunLengthDecode":
		return &runLengthReader{r: byteReader(rd)}, nil
	case "Crypt":
		if n, ok := parms["Name"]; ok && n != Name("Identity") {
			return nil, fmt.Errorf("%w: Crypt filter %v", ErrUnsupported, n)
		}
		return rd, nil
	}
	return nil, fmt.Errorf("%w filter /%s", ErrUnsupported, name)
}

func byteReader(rd io.Reader) io.ByteReader {
	if br, ok := rd.(io.ByteReader); ok {
		return br
	}
	return bufio.NewReaderSize(rd, 4096)
}

// StreamHash returns the SHA-256 of the data of s as stored, except that
// the data of an encrypted stream is decrypted first (and not otherwise
// decoded): the same content encrypted under another object number, or
// with another AES initialisation vector, has the same hash. It reads in
// chunks, without a size bound. For a stream that cannot be decrypted it
// fails with ErrEncrypted.
func (f *File) StreamHash(s *Stream) ([32]byte, error) {
	var sum [32]byte
	if s == nil {
		return sum, errors.New("pdfraw: StreamHash of a nil stream")
	}
	what, err := f.checkRaw(s)
	if err != nil {
		return sum, err
	}
	rd, err := f.storedReader(s, what)
	if err != nil {
		return sum, err
	}
	h := sha256.New()
	buf := make([]byte, min(max(s.Length, 1), 64<<10))
	if _, err := io.CopyBuffer(h, rd, buf); err != nil {
		if errors.Is(err, errAESLength) {
			return sum, fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
		}
		return sum, fmt.Errorf("%s: %w", what, err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// StreamReader reads the data of s as stored, decrypted when its revision
// is encrypted (as StreamHash sees it) but not otherwise decoded: for
// callers that need only the first bytes of a large stream (an image's
// header), or that decode a filter StreamData does not. Nothing is read
// until the reader is; reading is not bounded beyond /Length.
func (f *File) StreamReader(s *Stream) (io.Reader, error) {
	if s == nil {
		return nil, errors.New("pdfraw: StreamReader of a nil stream")
	}
	what, err := f.checkRaw(s)
	if err != nil {
		return nil, err
	}
	return f.storedReader(s, what)
}

// storedReader is the data of s decrypted (only a leading /Crypt filter
// matters here) and not otherwise decoded.
func (f *File) storedReader(s *Stream, what string) (io.Reader, error) {
	var rd io.Reader = io.NewSectionReader(f.r, s.DataOffset, s.Length)
	if s.sec == nil {
		return rd, nil
	}
	names, parms, err := f.filterChain(s, s.rev(), newRctx(), what)
	if err != nil {
		return nil, err
	}
	m, key, _, _, err := f.streamCrypt(s, names, parms, what)
	if err != nil {
		return nil, err
	}
	if rd, err = decryptReader(m, key, rd); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
	}
	return rd, nil
}

// zlibPool recycles zlib readers (each holds a 32 KiB window).
var zlibPool sync.Pool

// pooledZlib reads through a pooled zlib reader and gives it back at the
// end of the data; later reads return io.EOF again.
type pooledZlib struct {
	z io.ReadCloser
}

func newZlib(rd io.Reader) (io.Reader, error) {
	if z, ok := zlibPool.Get().(io.ReadCloser); ok {
		if err := z.(zlib.Resetter).Reset(rd, nil); err != nil {
			return nil, err
		}
		return &pooledZlib{z: z}, nil
	}
	z, err := zlib.NewReader(rd)
	if err != nil {
		return nil, err
	}
	return &pooledZlib{z: z}, nil
}

func (p *pooledZlib) Read(b []byte) (int, error) {
	if p.z == nil {
		return 0, io.EOF
	}
	n, err := p.z.Read(b)
	if err == io.EOF {
		zlibPool.Put(p.z)
		p.z = nil
	}
	return n, err
}
