package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/verify"
)

// HeaderWindow is how far into a file the PDF header may start: readers
// accept up to 1 KiB of junk before "%PDF-" (ISO 32000-1, annex H.3), and
// so does the pipeline when it decides whether a stored file is a PDF.
const HeaderWindow = 1024

// SignatureExt is the extension of detached CMS signatures (RFC 5652).
const SignatureExt = ".p7s"

// Inside reports whether path, once every symbolic link in it is followed,
// lies inside dir (its links followed too). It returns the resolved path.
// A path that does not exist is an error, as the file cannot be imported
// anyway.
func Inside(dir, path string) (string, error) {
	rdir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	rpath, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	rdir, _ = filepath.Abs(rdir)
	rpath, _ = filepath.Abs(rpath)
	rel, err := filepath.Rel(rdir, rpath)
	if err != nil || !filepath.IsLocal(rel) {
		return rpath, errOutside
	}
	return rpath, nil
}

// errOutside is Inside's error for a path leading out of its folder.
var errOutside = errors.New("outside the folder")

// IsOutside reports whether err is Inside's "outside the folder".
func IsOutside(err error) bool { return errors.Is(err, errOutside) }

// CheckContent decides by content, not by name, whether the file at path
// may be imported. head is the file's first bytes (at least HeaderWindow
// of them when the file is that long). Accepted are:
//
//   - a PDF: "%PDF-" within the first HeaderWindow bytes;
//   - a detached CMS signature: a file named *.p7s whose bytes are a CMS
//     SignedData (DER, BER or PEM) without encapsulated content, with the
//     file it signs beside it (the same name without .p7s);
//   - the file such a signature signs, whatever it is: the pair is one
//     signed document.
//
// Anything else is a permanent EINVALID error saying what the file is not.
func CheckContent(path string, head []byte) error {
	if len(head) > HeaderWindow {
		head = head[:HeaderWindow]
	}
	if bytes.Contains(head, []byte("%PDF-")) {
		return nil
	}
	if strings.EqualFold(filepath.Ext(path), SignatureExt) {
		if err := checkSignatureFile(path); err != nil {
			return Permanent(sohoa.Wrapf(err, sohoa.EINVALID, "a .p7s file, but not a detached signature: %v", err))
		}
		payload := path[:len(path)-len(SignatureExt)]
		if fi, err := os.Stat(payload); err != nil || !fi.Mode().IsRegular() {
			return Permanent(sohoa.Errorf(sohoa.EINVALID,
				"a detached signature, but the file it signs (%s) is not beside it: import the two together", filepath.Base(payload)))
		}
		return nil
	}
	for _, ext := range []string{SignatureExt, strings.ToUpper(SignatureExt)} {
		if checkSignatureFile(path+ext) == nil {
			return nil
		}
	}
	return Permanent(sohoa.Errorf(sohoa.EINVALID,
		"the file is not a PDF (no %%PDF- header in its first %d bytes): only PDF files, and detached .p7s signatures beside the file they sign, are imported", HeaderWindow))
}

// checkSignatureFile reads a .p7s file (bounded) and checks it is a
// detached CMS SignedData.
func checkSignatureFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return unwrapPathErr(err)
	}
	defer f.Close()
	sig, err := io.ReadAll(io.LimitReader(f, verify.MaxDetachedSignatureSize+1))
	if err != nil {
		return unwrapPathErr(err)
	}
	if len(sig) == 0 {
		return fmt.Errorf("it is empty")
	}
	return verify.CheckDetachedSignature(sig)
}

// ReadHead returns the first HeaderWindow bytes of the file at path, for
// CheckContent.
func ReadHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, HeaderWindow)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return head[:n], nil
}
