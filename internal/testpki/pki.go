// Package testpki builds a complete, throw-away PKI in memory for tests: a
// self-signed root, an issuing (intermediate) CA, a timestamping authority, a
// delegated OCSP responder and any number of signer certificates, plus an
// in-process HTTP server (loopback only) that publishes CRLs, answers OCSP
// requests and runs an RFC 3161 TSA.
//
// Nothing it issues expires during the project's life: by default every
// certificate is valid from 2020-01-01 to 2099-12-31, so fixtures built from
// it never rot. Tests that need expired or not-yet-valid certificates ask for
// them through Options.
//
// Revocation is state kept in the PKI: Revoke marks a certificate revoked from
// a given time on, and every CRL and OCSP response produced afterwards (by the
// server or by CRL/OCSP) reflects it for times at or after that instant.
//
// All functions take a TB (satisfied by *testing.T and testing.TB) and fail
// the test on error, so call sites stay one line long.
package testpki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// TB is the part of testing.TB the helpers use. *testing.T, *testing.B and
// testing.TB satisfy it; a command (such as the sample generator) can
// implement it without a test.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Default validity of every certificate the package issues.
var (
	DefaultNotBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	DefaultNotAfter  = time.Date(2099, 12, 31, 23, 59, 59, 0, time.UTC)
)

// Object identifiers that tests and verifiers commonly need.
var (
	// OIDUserID is userID (0.9.2342.19200300.100.1.1), which Vietnamese CAs
	// use to carry "MST:<tax code>" and "CCCD:<citizen id>" in the subject.
	OIDUserID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	// OIDOCSPNoCheck is id-pkix-ocsp-nocheck, set on the delegated OCSP responder.
	OIDOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	// OIDTSAPolicy is the policy the test TSA puts in every TSTInfo (2.999 is
	// the ITU example arc, so it can never clash with a real policy).
	OIDTSAPolicy = asn1.ObjectIdentifier{2, 999, 3161, 1}

	oidExtKeyUsage     = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKPTimeStamping  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidKPOCSPSigning   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9}
	oidCountryName     = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidOrganization    = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidCommonName      = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidLocality        = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidProvince        = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidOrganizationalU = asn1.ObjectIdentifier{2, 5, 4, 11}
)

// Cert is an issued certificate with its private key.
type Cert struct {
	Cert   *x509.Certificate
	Key    crypto.Signer
	DER    []byte
	Issuer *Cert // nil for a self-signed certificate
}

// Chain returns the certificate followed by its issuers up to and including
// the self-signed root: the order pdfsign's CertificateChains and CMS
// certificate sets expect.
func (c *Cert) Chain() []*x509.Certificate {
	var out []*x509.Certificate
	for x := c; x != nil; x = x.Issuer {
		out = append(out, x.Cert)
	}
	return out
}

// PEM returns the certificate PEM-encoded.
func (c *Cert) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
}

// Options shape a certificate issued by NewSigner or NewCert. Zero values
// mean the documented defaults.
type Options struct {
	// KeyType is one of "rsa2048" (default), "rsa1024", "rsa3072",
	// "ecdsa-p256", "ecdsa-p384" or "ed25519".
	KeyType string
	// NotBefore and NotAfter default to DefaultNotBefore and DefaultNotAfter.
	NotBefore, NotAfter time.Time
	// KeyUsage defaults to digitalSignature|nonRepudiation for end entities
	// and certSign|cRLSign|digitalSignature for CAs.
	KeyUsage x509.KeyUsage
	// ExtKeyUsage is left out of the certificate when empty.
	ExtKeyUsage []x509.ExtKeyUsage
	// Subject replaces the default subject when any of its fields is set.
	Subject pkix.Name
	// SigAlg is the algorithm the issuer signs with (for example
	// x509.SHA1WithRSA or x509.SHA256WithRSAPSS); zero means the issuer
	// key's default (SHA256WithRSA for the RSA CAs).
	SigAlg x509.SignatureAlgorithm
	// NoRevocationURLs leaves out the CRL distribution point and the OCSP
	// and CA-issuers URLs.
	NoRevocationURLs bool
	// Policies are certificate policy OIDs.
	Policies []asn1.ObjectIdentifier
	// IsCA issues a CA certificate (NewCert only).
	IsCA bool
	// ExtraExtensions are added verbatim and override generated ones with
	// the same OID.
	ExtraExtensions []pkix.Extension
}

// Config shapes a whole PKI for NewWith.
type Config struct {
	// Name prefixes the CA names: "<Name> Root CA", "<Name> Issuing CA", ...
	// Default "Sohoa Test".
	Name string
	// PublishURL, when set, is written into certificates (CRL distribution
	// points, OCSP and CA-issuers URLs) instead of the loopback server's URL.
	// The server still runs; use it for fixtures that outlive the process,
	// where a random loopback port would be meaningless.
	PublishURL string
}

// PKI is an in-memory PKI and its HTTP server.
type PKI struct {
	Root          *Cert // self-signed root CA
	Intermediate  *Cert // issuing CA, signed by Root; issues all other certificates
	TSA           *Cert // timestamping certificate (critical EKU timeStamping), issued by Intermediate
	OCSPResponder *Cert // delegated OCSP responder (EKU OCSPSigning, ocsp-nocheck), issued by Intermediate

	// Server serves, on loopback:
	//   GET  /crl/root.crl, /crl/intermediate.crl  current CRLs (DER)
	//   GET  /ca/root.crt, /ca/intermediate.crt    CA certificates (DER)
	//   POST /ocsp and GET /ocsp/{base64 request}  OCSP
	//   POST /tsa                                  RFC 3161 timestamping
	// It is closed by the test's Cleanup.
	Server *httptest.Server

	name       string
	publishURL string

	mu         sync.Mutex
	clock      func() time.Time
	nextUpdate time.Time
	crlNumber  int64
	issued     map[string]*Cert // by serial (hex)
	revoked    map[string]revocation
	slugs      map[*Cert]string
	bySlug     map[string]*Cert
}

type revocation struct {
	at     time.Time
	reason int
}

// New builds a PKI named "Sohoa Test" and starts its server.
func New(t TB) *PKI {
	t.Helper()
	return NewWith(t, Config{})
}

// NewUntrusted builds an independent second PKI ("Untrusted Test ...") with
// its own keys and server, for "root not trusted" cases.
func NewUntrusted(t TB) *PKI {
	t.Helper()
	return NewWith(t, Config{Name: "Untrusted Test"})
}

// NewWith builds a PKI from cfg and starts its server.
func NewWith(t TB, cfg Config) *PKI {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "Sohoa Test"
	}
	p := &PKI{
		name:    cfg.Name,
		clock:   time.Now,
		issued:  map[string]*Cert{},
		revoked: map[string]revocation{},
		slugs:   map[*Cert]string{},
		bySlug:  map[string]*Cert{},
	}
	p.Server = httptest.NewServer(p.handler())
	t.Cleanup(p.Server.Close)
	p.publishURL = strings.TrimRight(cfg.PublishURL, "/")
	if p.publishURL == "" {
		p.publishURL = p.Server.URL
	}

	// Generate the four CA-side keys concurrently: they usually come from
	// the RSA pool, and the first use of a pool slot pays for generation.
	keys := make([]crypto.Signer, 4)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() { keys[i], _ = newKey(RSA2048) })
	}
	wg.Wait()

	caName := func(cn string) pkix.Name {
		return pkix.Name{Country: []string{"VN"}, Organization: []string{cfg.Name + " PKI"}, CommonName: cfg.Name + " " + cn}
	}
	var err error
	p.Root, err = p.issue(nil, keys[0], Options{Subject: caName("Root CA"), IsCA: true, NoRevocationURLs: true})
	if err != nil {
		t.Fatalf("testpki: root: %v", err)
	}
	p.register(p.Root, "root")
	p.Intermediate, err = p.issue(p.Root, keys[1], Options{Subject: caName("Issuing CA"), IsCA: true})
	if err != nil {
		t.Fatalf("testpki: intermediate: %v", err)
	}
	p.register(p.Intermediate, "intermediate")
	p.TSA, err = p.issue(p.Intermediate, keys[2], Options{
		Subject:  caName("Time Stamping Authority"),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtraExtensions: []pkix.Extension{
			criticalEKU(oidKPTimeStamping),
		},
	})
	if err != nil {
		t.Fatalf("testpki: TSA: %v", err)
	}
	p.OCSPResponder, err = p.issue(p.Intermediate, keys[3], Options{
		Subject:          caName("OCSP Responder"),
		KeyUsage:         x509.KeyUsageDigitalSignature,
		ExtKeyUsage:      []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		NoRevocationURLs: true,
		ExtraExtensions:  []pkix.Extension{{Id: OIDOCSPNoCheck, Value: []byte{0x05, 0x00}}},
	})
	if err != nil {
		t.Fatalf("testpki: OCSP responder: %v", err)
	}
	return p
}

// criticalEKU builds an ExtendedKeyUsage extension marked critical, which
// RFC 3161 §2.3 requires of a TSA certificate and crypto/x509 never emits.
func criticalEKU(oids ...asn1.ObjectIdentifier) pkix.Extension {
	der, err := asn1.Marshal(oids)
	if err != nil {
		panic(err)
	}
	return pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: der}
}

// DefaultSubject is the subject NewSigner uses: shaped like the subjects
// Vietnamese public CAs issue to civil servants (UTF-8 CN and O, the tax code
// and citizen ID number in userID attributes, C=VN).
func DefaultSubject(commonName string) pkix.Name {
	if commonName == "" {
		commonName = "Nguyễn Văn A"
	}
	return pkix.Name{
		ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: oidCountryName, Value: "VN"},
			{Type: oidProvince, Value: "Tỉnh Mẫu"},
			{Type: oidLocality, Value: "Thành phố Mẫu"},
			{Type: oidOrganization, Value: "Sở Nội vụ tỉnh Mẫu"},
			{Type: oidOrganizationalU, Value: "Bộ phận Một cửa"},
			{Type: OIDUserID, Value: "MST:0101234567"},
			{Type: OIDUserID, Value: "CCCD:001099012345"},
			{Type: oidCommonName, Value: commonName},
		},
	}
}

// NewSigner issues an end-entity signing certificate from the intermediate.
// name becomes the common name (default "Nguyễn Văn A") of DefaultSubject
// unless o.Subject is set. Key usage defaults to digitalSignature and
// nonRepudiation; the certificate carries CRL and OCSP URLs pointing at the
// PKI's server unless o.NoRevocationURLs.
func (p *PKI) NewSigner(t TB, name string, o Options) *Cert {
	t.Helper()
	if isZeroName(o.Subject) {
		o.Subject = DefaultSubject(name)
	}
	o.IsCA = false
	return p.NewCert(t, p.Intermediate, o)
}

// NewCert issues a certificate from issuer (nil: self-signed). A CA issued
// this way gets its own CRL at /crl/ca-<serial hex>.crl.
func (p *PKI) NewCert(t TB, issuer *Cert, o Options) *Cert {
	t.Helper()
	key, err := newKey(o.KeyType)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if isZeroName(o.Subject) {
		o.Subject = DefaultSubject("")
	}
	c, err := p.issue(issuer, key, o)
	if err != nil {
		t.Fatalf("testpki: issue %q: %v", o.Subject.CommonName, err)
	}
	if o.IsCA {
		p.register(c, "ca-"+c.Cert.SerialNumber.Text(16))
	}
	return c
}

func isZeroName(n pkix.Name) bool {
	return n.CommonName == "" && len(n.Organization) == 0 && len(n.Country) == 0 &&
		len(n.ExtraNames) == 0 && len(n.Names) == 0 && n.SerialNumber == "" &&
		len(n.OrganizationalUnit) == 0 && len(n.Locality) == 0 && len(n.Province) == 0
}

func (p *PKI) register(ca *Cert, slug string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.slugs[ca] = slug
	p.bySlug[slug] = ca
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

func (p *PKI) issue(issuer *Cert, key crypto.Signer, o Options) (*Cert, error) {
	serial := new(big.Int).SetBytes(randomBytes(16))
	serial.SetBit(serial, 126, 1) // positive, fixed length, never zero
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               o.Subject,
		NotBefore:             o.NotBefore,
		NotAfter:              o.NotAfter,
		KeyUsage:              o.KeyUsage,
		ExtKeyUsage:           o.ExtKeyUsage,
		SignatureAlgorithm:    o.SigAlg,
		BasicConstraintsValid: true,
		IsCA:                  o.IsCA,
		SubjectKeyId:          randomBytes(20),
		ExtraExtensions:       o.ExtraExtensions,
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = DefaultNotBefore
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = DefaultNotAfter
	}
	if tmpl.KeyUsage == 0 {
		if o.IsCA {
			tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
		} else {
			tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		}
	}
	if o.IsCA && issuer != nil {
		tmpl.MaxPathLenZero = true // an issuing CA issues only end entities
	}
	for _, oid := range o.Policies {
		tmpl.PolicyIdentifiers = append(tmpl.PolicyIdentifiers, oid)
		ints := make([]uint64, len(oid))
		for i, v := range oid {
			ints[i] = uint64(v)
		}
		xo, err := x509.OIDFromInts(ints)
		if err != nil {
			return nil, err
		}
		tmpl.Policies = append(tmpl.Policies, xo)
	}
	parent, signer := tmpl, key
	if issuer != nil {
		parent, signer = issuer.Cert, issuer.Key
		if !o.NoRevocationURLs {
			slug := p.slug(issuer)
			tmpl.CRLDistributionPoints = []string{p.publishURL + "/crl/" + slug + ".crl"}
			tmpl.OCSPServer = []string{p.publishURL + "/ocsp"}
			tmpl.IssuingCertificateURL = []string{p.publishURL + "/ca/" + slug + ".crt"}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	c := &Cert{Cert: cert, Key: key, DER: der, Issuer: issuer}
	p.mu.Lock()
	p.issued[serialKey(cert.SerialNumber)] = c
	p.mu.Unlock()
	return c, nil
}

func (p *PKI) slug(ca *Cert) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.slugs[ca]; ok {
		return s
	}
	return "ca-" + ca.Cert.SerialNumber.Text(16)
}

func serialKey(n *big.Int) string { return hex.EncodeToString(n.Bytes()) }

// SetClock sets the time the server stamps TSA tokens, OCSP responses and
// CRLs with (default time.Now).
func (p *PKI) SetClock(now func() time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clock = now
}

// SetNextUpdate fixes the nextUpdate of every CRL and OCSP response the
// PKI produces without an explicit one (default: thisUpdate + 7 days).
// Fixtures that must verify offline forever set it far in the future.
func (p *PKI) SetNextUpdate(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nextUpdate = t
}

// Now returns the PKI clock's current time.
func (p *PKI) Now() time.Time {
	p.mu.Lock()
	clock := p.clock
	p.mu.Unlock()
	return clock()
}

func (p *PKI) defaultNextUpdate(thisUpdate time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.nextUpdate.IsZero() {
		return p.nextUpdate
	}
	return thisUpdate.Add(7 * 24 * time.Hour)
}

// Revoke marks c revoked from time at on with the given CRL reason code
// (RFC 5280 §5.3.1: 0 unspecified, 1 keyCompromise, 4 superseded, ...).
// CRLs and OCSP responses for any time at or after at report it.
func (p *PKI) Revoke(c *Cert, at time.Time, reason int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revoked[serialKey(c.Cert.SerialNumber)] = revocation{at: at, reason: reason}
}

// revokedAt reports c's revocation if it took effect at or before t.
func (p *PKI) revokedAt(c *Cert, t time.Time) (revocation, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.revoked[serialKey(c.Cert.SerialNumber)]
	if !ok || r.at.After(t) {
		return revocation{}, false
	}
	return r, true
}

// Lookup returns the certificate this PKI issued with the given serial.
func (p *PKI) Lookup(serial *big.Int) (*Cert, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.issued[serialKey(serial)]
	return c, ok
}

// URL returns the base URL written into certificates (the server's URL
// unless Config.PublishURL was set).
func (p *PKI) URL() string { return p.publishURL }

// TSAURL is the loopback URL of the RFC 3161 endpoint, for
// pdfsign's SignData.TSA.URL.
func (p *PKI) TSAURL() string { return p.Server.URL + "/tsa" }

// OCSPURL is the loopback URL of the OCSP endpoint.
func (p *PKI) OCSPURL() string { return p.Server.URL + "/ocsp" }

// CRLURL is the loopback URL of issuer's CRL.
func (p *PKI) CRLURL(issuer *Cert) string { return p.Server.URL + "/crl/" + p.slug(issuer) + ".crl" }

// RootPEM returns the root certificate, PEM-encoded.
func (p *PKI) RootPEM() []byte { return p.Root.PEM() }

// WriteRootPEM writes the root certificate to dir/root.pem (creating dir)
// and returns the file's path; it panics on I/O errors, which only happen
// when the test's temporary directory is broken.
func (p *PKI) WriteRootPEM(dir string) string {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	path := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(path, p.RootPEM(), 0o644); err != nil {
		panic(err)
	}
	return path
}

// Pool returns a cert pool holding only the root.
func (p *PKI) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Root.Cert)
	return pool
}
