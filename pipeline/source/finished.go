package source

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
)

// pdfTail is how much of a file's end is read for its trailer.
const pdfTail = 1024

// pdfEnd is a complete end of a PDF (ISO 32000-1, 7.5.5): startxref, the
// offset of the last cross-reference section, and the end-of-file marker,
// with nothing after it but white space.
var pdfEnd = regexp.MustCompile(`startxref[\x00\t\n\f\r ]+\d+[\x00\t\n\f\r ]+%%EOF[\x00\t\n\f\r ]*$`)

// pdfUnfinished says why the file at path, of the given size, is a PDF
// that has not been written to its end, or "" when it is finished or is
// not a PDF at all (no %PDF- header in its first KiB: the handler judges
// those). A PDF ends with a complete trailer; a writer that stopped
// part-way leaves a file that does not, except when it stopped exactly at
// the end of an earlier revision (an incremental update), which the bytes
// cannot tell from a finished file.
func pdfUnfinished(path string, size int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, min(size, pdfTail))
	if _, err := io.ReadFull(f, head); err != nil {
		return "", err
	}
	if !bytes.Contains(head, []byte("%PDF-")) {
		return "", nil
	}
	tail := head
	if size > pdfTail {
		tail = make([]byte, pdfTail)
		if _, err := f.ReadAt(tail, size-pdfTail); err != nil {
			return "", err
		}
	}
	if pdfEnd.Match(tail) {
		return "", nil
	}
	return fmt.Sprintf("the PDF does not end with a complete trailer (startxref … %%%%EOF within its last %d bytes)", pdfTail), nil
}
