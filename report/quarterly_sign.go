package report

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"time"

	pdfread "github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"

	"github.com/sohoa/sohoa"
)

// SignOptions shape the signature on a report.
type SignOptions struct {
	// Time is the signing time the signature claims (/M); default now.
	Time time.Time
	// TSAURL, when set, is the unit's RFC 3161 time-stamping service:
	// the signature is PAdES B-T; otherwise B-B.
	TSAURL string
	// Reason and Location go into the signature dictionary.
	Reason, Location string
	// HTTPClient, when set, fetches the revocation status of the
	// signer's chain to embed it, and carries the TSA request (as for
	// certified copies).
	HTTPClient *http.Client
}

// SignReport signs pdf with the unit's key as an approval signature
// (adbe.pkcs7.detached, SHA-256, the chain embedded) covering the whole
// file, and writes the signed file to out.
func SignReport(ctx context.Context, pdf []byte, out io.Writer, s Signer, o SignOptions) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rdr, err := pdfread.NewReader(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		return sohoa.Errorf(sohoa.EINVALID, "sign the report: not a PDF pdfsign can read: %v", err)
	}
	sd := sign.SignData{
		Signature: sign.SignDataSignature{
			CertType: sign.ApprovalSignature,
			Info: sign.SignDataSignatureInfo{
				Name:     s.Certificate.Subject.CommonName,
				Reason:   o.Reason,
				Location: o.Location,
				Date:     o.Time,
			},
		},
		Signer:            s.Key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       s.Certificate,
		CertificateChains: [][]*x509.Certificate{s.chain()},
		TSA:               sign.TSA{URL: o.TSAURL},
	}
	if o.HTTPClient != nil {
		sd.RevocationFunction = fetchRevocation(ctx, o.HTTPClient)
	}
	if err := sign.Sign(bytes.NewReader(pdf), out, rdr, int64(len(pdf)), sd); err != nil {
		return fmt.Errorf("sign the report: %w", err)
	}
	return nil
}

// MakeQuarterly writes q as a PDF and signs it with s: the report a unit
// submits. The signature's reason names the report and its period.
func MakeQuarterly(ctx context.Context, q *Quarterly, s Signer, o SignOptions) ([]byte, error) {
	var plain bytes.Buffer
	if err := WriteQuarterlyPDF(&plain, q); err != nil {
		return nil, err
	}
	if o.Reason == "" {
		o.Reason = "Báo cáo kết quả số hóa " + QuarterTitle(q.Period)
	}
	var signed bytes.Buffer
	if err := SignReport(ctx, plain.Bytes(), &signed, s, o); err != nil {
		return nil, err
	}
	return signed.Bytes(), nil
}
