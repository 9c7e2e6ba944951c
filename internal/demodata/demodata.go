// Package demodata holds the sample files `sohoa demo` ingests, embedded in
// the binary so the demo runs from any directory. They are byte-for-byte
// copies of files in testdata/samples (the go tool ignores directories named
// testdata, so nothing can embed them from there); a test keeps the copies
// identical, and `go generate ./internal/demodata` refreshes them after the
// samples are regenerated.
package demodata

import "embed"

//go:generate sh -c "cd ../../testdata/samples && cp signed-valid-blt.pdf certified-p2.pdf two-signatures.pdf tampered-digest.pdf tampered-page-rewritten.pdf unsigned.pdf scan-300dpi.pdf scan-low-resolution.pdf ../../internal/demodata/ && cp trust/root.pem ../../internal/demodata/trust/"

// FS holds the samples (Files) and the root certificate of the sample PKI
// that signed them, trust/root.pem.
//
//go:embed *.pdf trust/root.pem
var FS embed.FS

// Files are the embedded sample PDFs (see testdata/samples/README.md for
// what each is and the verdict it gets).
var Files = []string{
	"signed-valid-blt.pdf",
	"certified-p2.pdf",
	"two-signatures.pdf",
	"tampered-digest.pdf",
	"tampered-page-rewritten.pdf",
	"unsigned.pdf",
	"scan-300dpi.pdf",
	"scan-low-resolution.pdf",
}

// TrustRoot is the sample PKI's root certificate (PEM) in FS.
const TrustRoot = "trust/root.pem"
