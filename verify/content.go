package verify

import (
	"crypto"
	"fmt"
	"io"
	"sync"
)

// signedContent is the data a signature covers: byte ranges of a file read
// through an io.ReaderAt. It is hashed by streaming, never concatenated in
// memory, so verifying a 100 MB file costs a fixed buffer.
type signedContent struct {
	r      io.ReaderAt
	ranges [][2]int64 // offset, length
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// digest hashes the covered bytes with h.
func (c signedContent) digest(h crypto.Hash) ([]byte, error) {
	if !h.Available() {
		return nil, fmt.Errorf("hash %v not available", h)
	}
	w := h.New()
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	for _, rg := range c.ranges {
		n, err := io.CopyBuffer(w, io.NewSectionReader(c.r, rg[0], rg[1]), *bp)
		if err != nil {
			return nil, fmt.Errorf("read signed bytes at %d: %w", rg[0], err)
		}
		if n != rg[1] {
			return nil, fmt.Errorf("read signed bytes at %d: short read (%d of %d)", rg[0], n, rg[1])
		}
	}
	return w.Sum(nil), nil
}

// size is the number of covered bytes.
func (c signedContent) size() int64 {
	var n int64
	for _, rg := range c.ranges {
		n += rg[1]
	}
	return n
}
