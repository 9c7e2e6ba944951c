package cms

import (
	"bytes"
	"errors"
	"fmt"
)

// ToDER returns the first BER element of b re-encoded with definite,
// minimal lengths, and how many bytes of b it occupied. DER input comes
// back unchanged (and uncopied). Nesting deeper than MaxDepth is an
// error, which also protects every later parser from deep recursion.
func ToDER(b []byte) ([]byte, int, error) {
	n, needs, err := berWalk(b, 0)
	if err != nil {
		return nil, 0, err
	}
	if !needs {
		return b[:n], n, nil
	}
	var out bytes.Buffer
	if _, err := berCopy(b[:n], 0, &out); err != nil {
		return nil, 0, err
	}
	return out.Bytes(), n, nil
}

// Header reads the tag and length of the BER element at the start of b:
// the header size, whether the element is constructed, its length (-1 for
// the indefinite form) and whether the length is DER-minimal.
func Header(b []byte) (hdr int, constructed bool, length int, minimal bool, err error) {
	if len(b) < 2 {
		return 0, false, 0, false, errors.New("truncated ASN.1 element")
	}
	constructed = b[0]&0x20 != 0
	i := 1
	if b[0]&0x1f == 0x1f {
		for {
			if i >= len(b) || i > 5 {
				return 0, false, 0, false, errors.New("bad ASN.1 tag")
			}
			c := b[i]
			i++
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return 0, false, 0, false, errors.New("truncated ASN.1 element")
	}
	l := b[i]
	i++
	switch {
	case l < 0x80:
		if int(l) > len(b)-i {
			return 0, false, 0, false, fmt.Errorf("ASN.1 length %d exceeds the %d bytes available", l, len(b)-i)
		}
		return i, constructed, int(l), true, nil
	case l == 0x80:
		if !constructed {
			return 0, false, 0, false, errors.New("indefinite length on a primitive ASN.1 element")
		}
		return i, constructed, -1, false, nil
	case l == 0xff:
		return 0, false, 0, false, errors.New("bad ASN.1 length")
	}
	nb := int(l & 0x7f)
	if nb > 4 {
		return 0, false, 0, false, errors.New("ASN.1 length too large")
	}
	if i+nb > len(b) {
		return 0, false, 0, false, errors.New("truncated ASN.1 length")
	}
	length = 0
	for _, c := range b[i : i+nb] {
		length = length<<8 | int(c)
	}
	i += nb
	if length < 0 || length > len(b)-i {
		return 0, false, 0, false, fmt.Errorf("ASN.1 length %d exceeds the %d bytes available", length, len(b)-i)
	}
	minimal = length >= 0x80 && b[i-nb] != 0
	return i, constructed, length, minimal, nil
}

// berWalk validates the element at the start of b and returns its size
// and whether it uses any non-DER length encoding.
func berWalk(b []byte, depth int) (int, bool, error) {
	if depth > MaxDepth {
		return 0, false, errors.New("ASN.1 nesting too deep")
	}
	hdr, constructed, length, minimal, err := Header(b)
	if err != nil {
		return 0, false, err
	}
	needs := !minimal
	if length >= 0 && length > len(b)-hdr {
		return 0, false, errors.New("truncated ASN.1 element")
	}
	if !constructed {
		return hdr + length, needs, nil
	}
	pos := hdr
	if length >= 0 {
		end := hdr + length
		for pos < end {
			n, nd, err := berWalk(b[pos:end], depth+1)
			if err != nil {
				return 0, false, err
			}
			needs = needs || nd
			pos += n
		}
		return end, needs, nil
	}
	for {
		if len(b)-pos < 2 {
			return 0, false, errors.New("unterminated indefinite-length ASN.1 element")
		}
		if b[pos] == 0 && b[pos+1] == 0 {
			return pos + 2, true, nil
		}
		n, _, err := berWalk(b[pos:], depth+1)
		if err != nil {
			return 0, false, err
		}
		pos += n
	}
}

// berCopy writes the element at the start of b (already validated by
// berWalk) to out with definite minimal lengths.
func berCopy(b []byte, depth int, out *bytes.Buffer) (int, error) {
	if depth > MaxDepth {
		return 0, errors.New("ASN.1 nesting too deep")
	}
	hdr, constructed, length, _, err := Header(b)
	if err != nil {
		return 0, err
	}
	tagLen := 1
	if b[0]&0x1f == 0x1f {
		for tagLen < hdr && b[tagLen]&0x80 != 0 {
			tagLen++
		}
		tagLen++
	}
	if !constructed {
		out.Write(b[:tagLen])
		writeDERLength(out, length)
		out.Write(b[hdr : hdr+length])
		return hdr + length, nil
	}
	var inner bytes.Buffer
	pos := hdr
	if length >= 0 {
		end := hdr + length
		for pos < end {
			n, err := berCopy(b[pos:end], depth+1, &inner)
			if err != nil {
				return 0, err
			}
			pos += n
		}
	} else {
		for {
			if len(b)-pos < 2 {
				return 0, errors.New("unterminated indefinite-length ASN.1 element")
			}
			if b[pos] == 0 && b[pos+1] == 0 {
				pos += 2
				break
			}
			n, err := berCopy(b[pos:], depth+1, &inner)
			if err != nil {
				return 0, err
			}
			pos += n
		}
	}
	out.Write(b[:tagLen])
	writeDERLength(out, inner.Len())
	out.Write(inner.Bytes())
	return pos, nil
}

func writeDERLength(out *bytes.Buffer, n int) {
	if n < 0x80 {
		out.WriteByte(byte(n))
		return
	}
	var tmp [8]byte
	i := len(tmp)
	for v := n; v > 0; v >>= 8 {
		i--
		tmp[i] = byte(v)
	}
	out.WriteByte(0x80 | byte(len(tmp)-i))
	out.Write(tmp[i:])
}
