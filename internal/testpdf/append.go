package testpdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sohoa/sohoa/internal/testpki"
)

// XRefStyle selects how an incremental update writes its cross-reference
// section.
type XRefStyle int

const (
	// XRefSame writes the same kind of section as the newest one in the file.
	XRefSame XRefStyle = iota
	// XRefTable writes a classic "xref" table and "trailer".
	XRefTable
	// XRefStream writes a cross-reference stream.
	XRefStream
)

// Update is one incremental update.
type Update struct {
	// Objects maps object numbers to object bodies: a dictionary or other
	// value, or a dictionary followed by "stream\n...\nendstream" (see
	// Stream). Numbers already in the file are redefined; others are new.
	Objects map[int]string
	// Root, when non-zero, replaces the trailer's /Root.
	Root int
	// XRef selects the cross-reference format.
	XRef XRefStyle
}

// Stream formats a stream object body for Update.Objects: dict (which may
// be "" or "<< ... >>" without /Length) plus data, with /Length set.
func Stream(dict string, data []byte) string {
	if strings.TrimSpace(dict) == "" {
		dict = "<< >>"
	}
	dict = DictSet(dict, "Length", strconv.Itoa(len(data)))
	return dict + "\nstream\n" + string(data) + "\nendstream"
}

// FlateStream is Stream with the data Flate-compressed.
func FlateStream(dict string, data []byte) string {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	_, _ = w.Write(data)
	_ = w.Close()
	if strings.TrimSpace(dict) == "" {
		dict = "<< >>"
	}
	return Stream(DictSet(dict, "Filter", "/FlateDecode"), b.Bytes())
}

// NextObject returns the first unused object number (the trailer's /Size).
func NextObject(t testpki.TB, pdf []byte) int {
	t.Helper()
	tr, err := ReadTrailer(pdf)
	if err != nil {
		t.Fatalf("testpdf: %v", err)
	}
	return tr.Size
}

// Append writes u as an incremental update after the existing bytes, which
// are kept unchanged: new object definitions, a cross-reference section
// listing only them with /Prev pointing at the previous section, a trailer
// carrying over /Root (unless u.Root), /Info and /ID with /Size updated, and
// "startxref" and "%%EOF".
func Append(t testpki.TB, pdf []byte, u Update) []byte {
	t.Helper()
	out, err := appendUpdate(pdf, u)
	if err != nil {
		t.Fatalf("testpdf: append: %v", err)
	}
	return out
}

func appendUpdate(pdf []byte, u Update) ([]byte, error) {
	x, err := parseXref(pdf)
	if err != nil {
		return nil, err
	}
	tr, err := x.summary()
	if err != nil {
		return nil, err
	}
	style := u.XRef
	if style == XRefSame {
		style = XRefTable
		if tr.XRefStream {
			style = XRefStream
		}
	}
	var b bytes.Buffer
	b.Write(pdf)
	if n := len(pdf); n > 0 && pdf[n-1] != '\n' && pdf[n-1] != '\r' {
		b.WriteByte('\n')
	}
	offsets := map[int]int64{}
	size := tr.Size
	for _, n := range sortedKeys(u.Objects) {
		if n <= 0 {
			return nil, fmt.Errorf("bad object number %d", n)
		}
		offsets[n] = int64(b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, strings.TrimSpace(u.Objects[n]))
		size = max(size, n+1)
	}
	root := tr.Root
	if u.Root != 0 {
		root = u.Root
	}
	trailerKeys := "/Root " + Ref(root)
	if tr.Info != 0 {
		trailerKeys += " /Info " + Ref(tr.Info)
	}
	if tr.ID != "" {
		trailerKeys += " /ID " + tr.ID
	}
	xrefOff := int64(b.Len())
	if style == XRefTable {
		b.WriteString("xref\n")
		writeTableSections(&b, offsets)
		fmt.Fprintf(&b, "trailer\n<< /Size %d %s /Prev %d >>\n", size, trailerKeys, tr.StartXRef)
	} else {
		self := size
		size++
		offsets[self] = xrefOff
		data, index := xrefStreamRows(offsets, nil)
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		_, _ = w.Write(data)
		_ = w.Close()
		fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s] %s /Prev %d /Filter /FlateDecode /Length %d >>\nstream\n",
			self, size, index, trailerKeys, tr.StartXRef, z.Len())
		b.Write(z.Bytes())
		b.WriteString("\nendstream\nendobj\n")
	}
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", xrefOff)
	return b.Bytes(), nil
}

// writeTableSections writes classic xref subsections for the given objects
// (object 0, if present, as the head of the free list).
func writeTableSections(b *bytes.Buffer, offsets map[int]int64) {
	nums := make([]int, 0, len(offsets))
	for n := range offsets {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		fmt.Fprintf(b, "%d %d\n", nums[i], j-i+1)
		for k := i; k <= j; k++ {
			if nums[k] == 0 {
				b.WriteString("0000000000 65535 f\r\n")
				continue
			}
			fmt.Fprintf(b, "%010d 00000 n\r\n", offsets[nums[k]])
		}
		i = j + 1
	}
}

// xrefStreamRows encodes /W [1 4 2] rows for in-use objects at offsets and
// compressed objects (number → [stream, index]), and returns the /Index
// array text.
func xrefStreamRows(offsets map[int]int64, compressed map[int][2]int) ([]byte, string) {
	var nums []int
	for n := range offsets {
		nums = append(nums, n)
	}
	for n := range compressed {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	var data []byte
	var index []string
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		index = append(index, strconv.Itoa(nums[i]), strconv.Itoa(j-i+1))
		for k := i; k <= j; k++ {
			row := make([]byte, 7)
			n := nums[k]
			switch {
			case n == 0:
				row[0] = 0
				putUint(row[5:7], 65535)
			case compressed != nil && compressed[n] != [2]int{}:
				row[0] = 2
				putUint(row[1:5], uint64(compressed[n][0]))
				putUint(row[5:7], uint64(compressed[n][1]))
			default:
				row[0] = 1
				putUint(row[1:5], uint64(offsets[n]))
			}
			data = append(data, row...)
		}
		i = j + 1
	}
	return data, strings.Join(index, " ")
}
