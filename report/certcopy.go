package report

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	pdfread "github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/revocation"
	"github.com/digitorus/pdfsign/sign"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/crypto/ocsp"

	"github.com/sohoa/sohoa"
)

// FormCopyFromOriginal is the form of copy (hình thức sao) Decree
// 30/2020/ND-CP Appendix I prescribes for an electronic copy made from an
// original on paper: "SAO Y".
const FormCopyFromOriginal = "SAO Y"

// StampTimeLayout is how the stamp writes the signing time: ISO 8601 with
// Vietnam's offset, e.g. 2026-12-07T10:15:00+07:00.
const StampTimeLayout = "2006-01-02T15:04:05-07:00"

// vietnam is Asia/Ho_Chi_Minh, which has kept +07:00 without daylight
// saving since 1975; a fixed zone needs no tzdata.
var vietnam = time.FixedZone("ICT", 7*3600)

// The stamp's font: Liberation Serif Italic 2.1 (SIL OFL 1.1, see
// fonts/LICENSE-LiberationSerif.txt), metric-compatible with Times New
// Roman, which the Decree names, and covering Vietnamese.
//
//go:embed fonts/LiberationSerif-Italic.ttf
var stampFontTTF []byte

const (
	stampFontName = "LiberationSerif-Italic" // its PostScript name, pdfcpu's key
	stampFontSize = 10
	// stampMargin is the distance in points from the page's top and right
	// edges to the stamp's text.
	stampMargin = 28
)

// CopyOptions shape a certified copy.
type CopyOptions struct {
	// Agency is the name of the agency that certifies the copy, as its
	// seal would read, e.g. "Ủy ban nhân dân xã Thanh Xuân".
	Agency string
	// Form is the form of copy; default FormCopyFromOriginal.
	Form string
	// Time is the signing time the stamp shows and the signature claims
	// (/M); default time.Now. It is shown in Vietnam time.
	Time time.Time
	// TSAURL, when set, is an RFC 3161 time-stamping service: the
	// signature gets a signature timestamp (PAdES B-T); otherwise the
	// signature is B-B.
	TSAURL string
	// Location and ContactInfo go into the signature dictionary.
	Location, ContactInfo string
	// HTTPClient, when set, fetches the revocation status (OCSP, else
	// CRL) of the agency's certificate and its issuers at signing time and
	// embeds it in the signature (adbe-revocationInfoArchival), so the
	// copy verifies offline; it also carries the TSA request. Nil fetches
	// nothing (and pdfsign's own client asks the TSA).
	HTTPClient *http.Client
}

// StampText returns the lines the stamp draws on page 1, top right: the
// form of copy, the agency's name and the signing time (Decree 30/2020
// Appendix I, II.2.c for electronic copies).
func StampText(o CopyOptions) []string {
	form := o.Form
	if form == "" {
		form = FormCopyFromOriginal
	}
	return []string{form, strings.TrimSpace(o.Agency), o.Time.In(vietnam).Format(StampTimeLayout)}
}

// CertifiedCopy makes the certified electronic copy (bản sao điện tử) of
// the scan in: the scan with the stamp drawn on page 1, top right, in
// Liberation Serif Italic 10 pt black (the font embedded), then signed by
// the agency as a PAdES baseline signature. It writes the copy to out and
// returns the signing time used. The scan's bytes are not changed; the
// copy is a new file. ctx bounds only the waiting: pdfcpu and pdfsign do
// not take a context.
func CertifiedCopy(ctx context.Context, in io.ReadSeeker, out io.Writer, s Signer, o CopyOptions) (time.Time, error) {
	if err := s.Validate(); err != nil {
		return time.Time{}, err
	}
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	// The stamp shows whole seconds; the signature claims the same instant.
	o.Time = o.Time.Truncate(time.Second)
	agency := strings.TrimSpace(o.Agency)
	if agency == "" || !utf8.ValidString(agency) || strings.ContainsAny(agency, "\r\n%") {
		return time.Time{}, sohoa.Errorf(sohoa.EINVALID, "certified copy: the agency name %q is empty or has a line break or %%", o.Agency)
	}
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	var stamped bytes.Buffer
	if err := Stamp(in, &stamped, StampText(o)); err != nil {
		return time.Time{}, err
	}
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	if err := signPDF(ctx, stamped.Bytes(), out, s, o); err != nil {
		return time.Time{}, err
	}
	return o.Time, nil
}

// Stamp draws lines, right-aligned, on page 1 of the PDF in, top right,
// in the stamp font at 10 pt in black, and writes the whole document anew
// to out.
func Stamp(in io.ReadSeeker, out io.Writer, lines []string) error {
	if err := setupFonts(); err != nil {
		return err
	}
	desc := fmt.Sprintf("fontname:%s, points:%d, scalefactor:1 abs, position:tr, offset:-%d -%d, aligntext:r, rotation:0, fillcolor:#000000, opacity:1, rendermode:0",
		stampFontName, stampFontSize, stampMargin, stampMargin)
	wm, err := api.TextWatermark(strings.Join(lines, "\n"), desc, true, false, types.POINTS)
	if err != nil {
		return fmt.Errorf("certified copy: stamp: %w", err)
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	if err := api.AddWatermarks(in, out, []string{"1"}, wm, conf); err != nil {
		return sohoa.Errorf(sohoa.EINVALID, "certified copy: cannot draw the stamp on this PDF: %v", err)
	}
	return nil
}

// signPDF signs pdf (an approval signature, adbe.pkcs7.detached, SHA-256)
// and writes the signed file to out.
func signPDF(ctx context.Context, pdf []byte, out io.Writer, s Signer, o CopyOptions) error {
	rdr, err := pdfread.NewReader(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		return fmt.Errorf("certified copy: read the stamped PDF: %w", err)
	}
	sd := sign.SignData{
		Signature: sign.SignDataSignature{
			CertType: sign.ApprovalSignature,
			Info: sign.SignDataSignatureInfo{
				Name:        s.Certificate.Subject.CommonName,
				Reason:      "Sao y bản chính (bản sao điện tử, Nghị định 30/2020/NĐ-CP)",
				Location:    o.Location,
				ContactInfo: o.ContactInfo,
				Date:        o.Time,
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
		return fmt.Errorf("certified copy: sign: %w", err)
	}
	return nil
}

var (
	fontsOnce sync.Once
	fontsErr  error
)

// setupFonts makes pdfcpu find the stamp font. pdfcpu reads user fonts
// only from files in one process-wide directory (font.UserFontDir), in its
// own format, so the embedded TTF is installed once into a directory of
// the user's cache named after the font's hash (a fresh temporary
// directory when there is no cache directory). pdfcpu's configuration
// directory is turned off: sohoa configures pdfcpu in code, and its
// default would point UserFontDir elsewhere.
func setupFonts() error {
	fontsOnce.Do(func() {
		api.DisableConfigDir()
		dir, err := fontDir()
		if err != nil {
			fontsErr = fmt.Errorf("certified copy: install the stamp font: %w", err)
			return
		}
		font.UserFontDir = dir
		if err := font.ReloadUserFonts(); err != nil {
			fontsErr = fmt.Errorf("certified copy: load the stamp font: %w", err)
			return
		}
		if ok, err := font.IsUserFont(stampFontName); err != nil || !ok {
			fontsErr = fmt.Errorf("certified copy: the stamp font %s is not installed in %s (%v)", stampFontName, dir, err)
		}
	})
	return fontsErr
}

func fontDir() (string, error) {
	sum := sha256.Sum256(stampFontTTF)
	name := "pdfcpu-fonts-" + hex.EncodeToString(sum[:6])
	parent := ""
	if c, err := os.UserCacheDir(); err == nil {
		parent = filepath.Join(c, "sohoa")
		if err := os.MkdirAll(parent, 0o700); err != nil {
			parent = ""
		}
	}
	if parent == "" {
		// No private cache: a directory of our own for this process.
		d, err := os.MkdirTemp("", "sohoa-"+name+"-")
		if err != nil {
			return "", err
		}
		return d, font.InstallFontFromBytesQuiet(d, stampFontName, stampFontTTF)
	}
	dir := filepath.Join(parent, name)
	if _, err := os.Stat(filepath.Join(dir, stampFontName+".gob")); err == nil {
		return dir, nil
	}
	// Install beside, then rename into place, so a concurrent process
	// never sees half a font.
	tmp, err := os.MkdirTemp(parent, name+".tmp-")
	if err != nil {
		return "", err
	}
	if err := font.InstallFontFromBytesQuiet(tmp, stampFontName, stampFontTTF); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp) // another process won the race; use its directory
		if _, serr := os.Stat(filepath.Join(dir, stampFontName+".gob")); serr != nil {
			return "", err
		}
	}
	return dir, nil
}

// fetchRevocation returns pdfsign's RevocationFunction that embeds, for
// each certificate of the signer's chain, an OCSP response (when the
// certificate names a responder and its issuer is known) or else a CRL,
// fetched with client under ctx. What cannot be fetched is left out: the
// copy is still signed, and a verifier then fetches the status itself
// (or reports it missing).
func fetchRevocation(ctx context.Context, client *http.Client) sign.RevocationFunction {
	return func(cert, issuer *x509.Certificate, ia *revocation.InfoArchival) error {
		if issuer == nil || bytes.Equal(cert.RawSubject, cert.RawIssuer) {
			return nil // a root's status is not asked for
		}
		if len(cert.OCSPServer) > 0 {
			if body, err := fetchOCSP(ctx, client, cert, issuer); err == nil {
				return ia.AddOCSP(body)
			}
		}
		for _, u := range cert.CRLDistributionPoints {
			body, err := httpGet(ctx, client, http.MethodGet, u, "", nil)
			if err != nil {
				continue
			}
			crl, err := x509.ParseRevocationList(body)
			if err != nil || crl.CheckSignatureFrom(issuer) != nil {
				continue
			}
			return ia.AddCRL(body)
		}
		return nil
	}
}

func fetchOCSP(ctx context.Context, client *http.Client, cert, issuer *x509.Certificate) ([]byte, error) {
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		return nil, err
	}
	body, err := httpGet(ctx, client, http.MethodPost, cert.OCSPServer[0], "application/ocsp-request", req)
	if err != nil {
		return nil, err
	}
	r, err := ocsp.ParseResponseForCert(body, cert, issuer)
	if err != nil {
		return nil, err
	}
	if r.Status != ocsp.Good {
		return nil, fmt.Errorf("OCSP status %d", r.Status)
	}
	return body, nil
}

const maxRevocationBody = 16 << 20

func httpGet(ctx context.Context, client *http.Client, method, url, contentType string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxRevocationBody))
}
