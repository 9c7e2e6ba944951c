package verify

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"runtime/debug"
)

// VerifyDetached verifies a detached CMS signature (a .p7s file, DER or
// PEM) over the size bytes of content. A sig that is not a CMS SignedData
// at all is the verdict TOTAL_FAILED/FORMAT_FAILURE with Report.Error (see
// Unreadable).
func (v *Verifier) VerifyDetached(ctx context.Context, sig []byte, content io.ReaderAt, size int64) (rep *Report, err error) {
	ctx = v.withFetchBudget(ctx)
	defer func() {
		if p := recover(); p != nil {
			v.log.Error("panic while verifying a detached signature", "panic", p, "stack", string(debug.Stack()))
			rep, err = v.UnreadableReport("cms", size, fmt.Sprintf("internal error while reading the signature: %v", p)), nil
		}
	}()
	if b, _ := pem.Decode(sig); b != nil {
		sig = b.Bytes
	}
	if len(sig) > maxContentsBytes*16 {
		return v.UnreadableReport("cms", size, fmt.Sprintf("signature file is %d bytes, over the %d-byte bound", len(sig), maxContentsBytes*16)), nil
	}
	if _, err := parseCMS(sig); err != nil {
		return v.UnreadableReport("cms", size, "not a CMS signature: "+err.Error()), nil
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
