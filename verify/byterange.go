package verify

import (
	"fmt"
	"math"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// checkByteRange validates a PDF signature's /ByteRange against the file
// and the signature's own /Contents token: four non-negative integers, the
// first range starting at 0, ordered, inside the file, and the gap between
// the ranges exactly the hexadecimal /Contents string. It classifies what
// the range covers. ranges is nil when nothing can be hashed safely.
func checkByteRange(f *pdfraw.File, sig pdfraw.Dict, contents pdfraw.String) (*ByteRangeReport, [][2]int64, []string) {
	rep := &ByteRangeReport{Coverage: CoverageAnomalous, Revision: -1}
	last := len(f.Sections()) - 1
	obj, err := f.Resolve(last, sig["ByteRange"])
	if err != nil || obj == nil {
		return rep, nil, []string{"signature dictionary has no /ByteRange"}
	}
	arr, ok := obj.(pdfraw.Array)
	if !ok {
		return rep, nil, []string{"/ByteRange is not an array"}
	}
	if len(arr) != 4 {
		vals := make([]int64, 0, 4)
		for i := 0; i < len(arr) && i < 8; i++ {
			if n, ok := arr[i].(pdfraw.Int); ok {
				vals = append(vals, int64(n))
			}
		}
		rep.Values = vals
		return rep, nil, []string{fmt.Sprintf("/ByteRange has %d values; exactly 4 are required (multiple ranges are not accepted)", len(arr))}
	}
	var v [4]int64
	for i, e := range arr {
		n, ok := e.(pdfraw.Int)
		if !ok {
			return rep, nil, []string{fmt.Sprintf("/ByteRange value %d is not an integer", i+1)}
		}
		v[i] = int64(n)
	}
	rep.Values = v[:]
	size := f.Size()
	var problems []string
	for i, n := range v {
		if n < 0 {
			problems = append(problems, fmt.Sprintf("/ByteRange value %d is negative (%d)", i+1, n))
		}
	}
	if len(problems) > 0 {
		return rep, nil, problems
	}
	if v[0] != 0 {
		problems = append(problems, fmt.Sprintf("/ByteRange does not start at the beginning of the file (starts at %d)", v[0]))
	}
	// Overflow-safe bounds: every value is >= 0 here.
	if v[1] > size || v[0] > size-v[1] {
		return rep, nil, append(problems, fmt.Sprintf("first range [%d, +%d) lies outside the %d-byte file", v[0], v[1], size))
	}
	if v[3] > size || v[2] > size-v[3] {
		return rep, nil, append(problems, fmt.Sprintf("second range [%d, +%d) lies outside the %d-byte file", v[2], v[3], size))
	}
	gapStart, gapEnd := v[0]+v[1], v[2]
	if gapEnd < gapStart {
		return rep, nil, append(problems, fmt.Sprintf("ranges overlap or are out of order: first ends at %d, second starts at %d", gapStart, gapEnd))
	}
	ranges := [][2]int64{{v[0], v[1]}, {v[2], v[3]}}
	switch {
	case contents.Start < 0:
		problems = append(problems, "/Contents is not written directly in the file (it sits in an object stream), so the byte range gap cannot be checked")
	case !contents.Hex:
		problems = append(problems, "/Contents is not a hexadecimal string")
	case contents.Start != gapStart || contents.End != gapEnd:
		problems = append(problems, fmt.Sprintf("the gap between the ranges [%d, %d) is not exactly the signature's /Contents string [%d, %d): the signed bytes are not where the signature says", gapStart, gapEnd, contents.Start, contents.End))
	}
	end := v[2] + v[3]
	rev := revisionEndingAt(f, end)
	rep.Revision = rev
	switch {
	case rev < 0:
		problems = append(problems, fmt.Sprintf("the signed bytes end at %d, which is not the end of any revision of the file", end))
	case rev == last && trailingOK(f, end):
		rep.Coverage = CoverageEntireFile
	default:
		rep.Coverage = CoverageEntireRevision
	}
	if rev >= 0 && contents.Start >= 0 && contents.End > f.Sections()[rev].End {
		problems = append(problems, "/Contents lies outside the signed revision")
	}
	if len(problems) > 0 {
		rep.Coverage = CoverageAnomalous
	}
	rep.Problems = problems
	return rep, ranges, problems
}

// revisionEndingAt returns the revision whose end (just past %%EOF and its
// end-of-line, allowing a little trailing whitespace some writers add) is
// end, or -1.
func revisionEndingAt(f *pdfraw.File, end int64) int {
	secs := f.Sections()
	for i := len(secs) - 1; i >= 0; i-- {
		e := secs[i].End
		if e == end {
			return i
		}
		// Signed up to "%%EOF" itself, without its end-of-line (@signpdf
		// strips the newline before it computes the range): the line end
		// left out means nothing.
		if end < e && e-end <= 2 && end >= 5 && onlyWhitespace(f, end, e) && hasBytesAt(f, end-5, "%%EOF") {
			return i
		}
		if e < end && end-e <= maxTrailingEOLBytes && onlyWhitespace(f, e, end) {
			// The bytes belong to revision i only if no later revision starts
			// inside them.
			if i == len(secs)-1 || secs[i+1].XrefOffset >= end {
				return i
			}
		}
	}
	return -1
}

// trailingOK reports whether everything after end is whitespace (so the
// signature covers the entire file).
func trailingOK(f *pdfraw.File, end int64) bool {
	size := f.Size()
	if end == size {
		return true
	}
	return size-end <= maxTrailingEOLBytes && onlyWhitespace(f, end, size)
}

func onlyWhitespace(f *pdfraw.File, from, to int64) bool {
	if to-from > math.MaxInt32 || to < from {
		return false
	}
	buf := make([]byte, to-from)
	if _, err := f.ReaderAt().ReadAt(buf, from); err != nil {
		return false
	}
	for _, c := range buf {
		switch c {
		case ' ', '\t', '\r', '\n', '\f', 0:
		default:
			return false
		}
	}
	return true
}

func hasBytesAt(f *pdfraw.File, at int64, want string) bool {
	buf := make([]byte, len(want))
	if _, err := f.ReaderAt().ReadAt(buf, at); err != nil {
		return false
	}
	return string(buf) == want
}
