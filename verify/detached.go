package verify

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"runtime/debug"
)

// VerifyDetached verifies a detached CMS signature (a .p7s file, DER or
// PEM) over the size bytes of content. It returns an error wrapping
// ErrUnreadable when sig is not a CMS SignedData at all.
func (v *Verifier) VerifyDetached(ctx context.Context, sig []byte, content io.ReaderAt, size int64) (rep *Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			v.log.Error("panic while verifying a detached signature", "panic", p, "stack", string(debug.Stack()))
			rep, err = nil, fmt.Errorf("%w: internal error while reading the signature: %v", ErrUnreadable, p)
		}
	}()
	if b, _ := pem.Decode(sig); b != nil {
		sig = b.Bytes
	}
	if len(sig) > maxContentsBytes*16 {
		return nil, fmt.Errorf("%w: signature file is %d bytes, over the %d-byte bound", ErrUnreadable, len(sig), maxContentsBytes*16)
	}
	if _, err := parseCMS(sig); err != nil {
		return nil, fmt.Errorf("%w: not a CMS signature: %w", ErrUnreadable, err)
	}
	rep = v.newReport("cms", size)
	sr := SignatureReport{Kind: KindDetached, Indication: TotalPassed, revision: -1}
	v.checkCMS(ctx, &sr, sig, signedContent{r: content, ranges: [][2]int64{{0, size}}}, evidence{}, "")
	rep.Signatures = append(rep.Signatures, sr)
	rep.finish()
	return rep, nil
}

// MaxDetachedSignatureSize bounds the .p7s files VerifyDetached and
// CheckDetachedSignature read.
const MaxDetachedSignatureSize = maxContentsBytes * 16

// CheckDetachedSignature reports whether sig (DER, BER or PEM) is a
// detached CMS SignedData, without verifying anything: importers use it to
// accept a .p7s file by its content rather than its name. The error says
// what it is instead.
func CheckDetachedSignature(sig []byte) error {
	if b, _ := pem.Decode(sig); b != nil {
		sig = b.Bytes
	}
	if len(sig) > MaxDetachedSignatureSize {
		return fmt.Errorf("%d bytes, over the %d-byte bound for a signature", len(sig), MaxDetachedSignatureSize)
	}
	sd, err := parseCMS(sig)
	if err != nil {
		return fmt.Errorf("not a CMS signature: %w", err)
	}
	if sd.HasEContent {
		return fmt.Errorf("a CMS signature that holds the signed content itself (%d bytes), not a detached one", len(sd.EContent))
	}
	return nil
}
