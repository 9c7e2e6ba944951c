package testpki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"
)

// handler routes by hand instead of with http.ServeMux: OCSP GET requests
// carry standard base64 in the path, which may contain "/" and "//", and
// ServeMux would redirect those to a cleaned (and corrupted) path.
func (p *PKI) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.EscapedPath()
		switch {
		case strings.HasPrefix(path, "/crl/") && strings.HasSuffix(path, ".crl") && r.Method == http.MethodGet:
			p.serveCRL(w, strings.TrimSuffix(strings.TrimPrefix(path, "/crl/"), ".crl"))
		case strings.HasPrefix(path, "/ca/") && strings.HasSuffix(path, ".crt") && r.Method == http.MethodGet:
			p.mu.Lock()
			ca := p.bySlug[strings.TrimSuffix(strings.TrimPrefix(path, "/ca/"), ".crt")]
			p.mu.Unlock()
			if ca == nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/pkix-cert")
			_, _ = w.Write(ca.DER)
		case path == "/ocsp" && r.Method == http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			p.serveOCSP(w, body)
		case strings.HasPrefix(path, "/ocsp/") && r.Method == http.MethodGet:
			p.serveOCSP(w, decodeOCSPPath(strings.TrimPrefix(path, "/ocsp/")))
		case path == "/tsa" && r.Method == http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			p.serveTSA(w, body)
		default:
			http.NotFound(w, r)
		}
	})
}

func (p *PKI) serveCRL(w http.ResponseWriter, slug string) {
	p.mu.Lock()
	ca := p.bySlug[slug]
	p.mu.Unlock()
	if ca == nil {
		http.Error(w, "no such CRL", http.StatusNotFound)
		return
	}
	der, err := p.crl(ca, p.Now(), time.Time{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	_, _ = w.Write(der)
}

// decodeOCSPPath accepts the RFC 6960 URL-encoded base64 form, and the raw
// standard base64 pdfsign appends without escaping.
func decodeOCSPPath(s string) []byte {
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b
		}
	}
	return nil
}

func (p *PKI) serveOCSP(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/ocsp-response")
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		resp, _ := ocspEnvelope(1, nil) // malformedRequest
		_, _ = w.Write(resp)
		return
	}
	c, ok := p.Lookup(req.SerialNumber)
	if !ok || !p.matchesIssuer(c, req) {
		resp, _ := ocspEnvelope(6, nil) // unauthorized: not a certificate we know
		_, _ = w.Write(resp)
		return
	}
	resp, err := p.ocspResponse(c, OCSPOptions{SHA256CertID: req.HashAlgorithm == crypto.SHA256})
	if err != nil {
		resp, _ = ocspEnvelope(2, nil) // internalError
	}
	_, _ = w.Write(resp)
}

func (p *PKI) matchesIssuer(c *Cert, req *ocsp.Request) bool {
	issuer := c.Issuer
	if issuer == nil {
		issuer = c
	}
	if !req.HashAlgorithm.Available() {
		return false
	}
	key, err := subjectPublicKeyBits(issuer.Cert)
	if err != nil {
		return false
	}
	h := req.HashAlgorithm.New()
	h.Write(key)
	return bytes.Equal(h.Sum(nil), req.IssuerKeyHash)
}

func (p *PKI) serveTSA(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/timestamp-reply")
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		resp, _ := timestamp.CreateErrorResponse(timestamp.Rejection, timestamp.BadDataFormat)
		_, _ = w.Write(resp)
		return
	}
	resp, _, err := p.timestamp(req.HashedMessage, req.HashAlgorithm, TimestampOptions{Nonce: req.Nonce}, req.Certificates)
	if err != nil {
		resp, _ = timestamp.CreateErrorResponse(timestamp.Rejection, timestamp.BadAlgorithm)
	}
	_, _ = w.Write(resp)
}

// Verify checks with crypto/x509 that c chains to this PKI's root, at the
// current time if c is valid now and otherwise just after c's NotBefore.
func (p *PKI) Verify(c *Cert, usages ...x509.ExtKeyUsage) error {
	inter := x509.NewCertPool()
	for x := c.Issuer; x != nil && x.Issuer != nil; x = x.Issuer {
		inter.AddCert(x.Cert)
	}
	if len(usages) == 0 {
		usages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	}
	at := time.Now()
	if at.Before(c.Cert.NotBefore) || at.After(c.Cert.NotAfter) {
		at = c.Cert.NotBefore.Add(time.Second)
	}
	_, err := c.Cert.Verify(x509.VerifyOptions{
		Roots:         p.Pool(),
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     usages,
	})
	return err
}
