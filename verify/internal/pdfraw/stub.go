package pdfraw

import (
	"crypto/sha256"
	"fmt"
	"io"
)

type caches struct{}

// Open reads the header and every cross-reference section of the PDF in r.
func Open(r io.ReaderAt, size int64, lim Limits) (*File, error) {
	return nil, fmt.Errorf("%w: not implemented", ErrMalformed)
}

// Entry returns the effective entry for object num as seen by revision rev.
func (f *File) Entry(rev int, num uint32) (XrefEntry, int, bool) { return XrefEntry{}, -1, false }

// Object returns the object ref as seen by revision rev.
func (f *File) Object(rev int, ref Ref) (Object, error) {
	return nil, fmt.Errorf("%w: not implemented", ErrMalformed)
}

// Resolve follows references.
func (f *File) Resolve(rev int, o Object) (Object, error) {
	return nil, fmt.Errorf("%w: not implemented", ErrMalformed)
}

// StreamData returns the decoded stream data.
func (f *File) StreamData(s *Stream, max int64) ([]byte, error) {
	return nil, fmt.Errorf("%w: not implemented", ErrMalformed)
}

// StreamHash returns the SHA-256 of the raw stream bytes.
func (f *File) StreamHash(s *Stream) ([32]byte, error) {
	_ = sha256.New
	return [32]byte{}, fmt.Errorf("%w: not implemented", ErrMalformed)
}

// Equal reports deep structural equality.
func Equal(a, b Object) bool { return false }
