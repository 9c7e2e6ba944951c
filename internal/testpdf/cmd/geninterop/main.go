// Command geninterop writes the interoperability fixtures in testdata/interop:
// PDFs signed by real signing software (Apache PDFBox 2, iText 5, poppler's
// pdfsig, the npm signer @signpdf), the root certificate of the throw-away PKI
// that issued the signers, a manifest and the README describing them.
//
//	go run ./internal/testpdf/cmd/geninterop
//
// It needs the tools (see testdata/interop/README.md); tests never run it:
// they read the committed output. The PKI lives only in this process. The
// signers' keys are written as PKCS#12 (by openssl) into a temporary
// directory that is removed on exit, because the tools read keys only from
// files or an NSS database; nothing but trust/root.pem leaves that directory.
//
// The certificates name http://pki.sohoa.invalid as their CRL, OCSP and
// CA-issuers location. The Java tools reach it through the PKI's loopback
// server acting as their HTTP proxy (it serves the same paths), so PDFBox and
// iText fetch revocation data exactly as they would from a real CA, while the
// committed files never name a loopback port.
package main

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/internal/testpki"
)

// forever is the nextUpdate of every CRL and OCSP response the PKI makes, so
// embedded revocation data never goes stale.
var forever = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)

const (
	publishURL = "http://pki.sohoa.invalid"
	p12Pass    = "interop"
	ownerPass  = "chu-so-huu" // owner password of the encrypted fixtures
	javaJars   = "pdfbox2.jar:fontbox2.jar:commons-logging.jar:itext5.jar:bcprov.jar:bcpkix.jar:bcutil.jar"
)

func main() {
	out := flag.String("out", "testdata/interop", "output directory (the generator's sources are in its gen/ folder)")
	font := flag.String("font", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "TrueType font with Vietnamese glyphs")
	jars := flag.String("jars", "/usr/share/java", "directory holding the PDFBox, iText and BouncyCastle jars")
	flag.Parse()
	t := &testpki.CommandTB{}
	defer t.Close()
	g := &gen{t: t, out: *out, font: *font, jars: *jars}
	if err := g.run(); err != nil {
		t.Fatalf("geninterop: %v", err)
	}
}

// Row is one fixture in manifest.json.
type Row struct {
	File        string `json:"file"`
	Tool        string `json:"tool"`
	ToolVersion string `json:"tool_version"`
	Case        string `json:"case"`
	Description string `json:"description"`
	// Expected is the verdict an honest verifier gives with only
	// trust/root.pem as anchor: these are all untampered documents.
	Expected   string   `json:"expected"`
	Signatures int      `json:"signatures"`
	Encryption string   `json:"encryption,omitempty"`
	Password   string   `json:"owner_password,omitempty"`
	Steps      []string `json:"steps"`
}

// Unsupported records a case a tool cannot produce.
type Unsupported struct {
	Tool   string `json:"tool"`
	Case   string `json:"case"`
	Reason string `json:"reason"`
}

// Manifest is manifest.json.
type Manifest struct {
	Generator string `json:"generator"`
	Generated string `json:"generated"`
	// ValidationTime is the fixed clock tests verify the files at: after
	// every signing time, long before anything expires (2099).
	ValidationTime time.Time         `json:"validation_time"`
	Tools          map[string]string `json:"tools"`
	Files          []Row             `json:"files"`
	Unsupported    []Unsupported     `json:"unsupported"`
}

type gen struct {
	t                *testpki.CommandTB
	out, font, jars  string
	tmp, classes     string
	nodeDir, nss     string
	fontconfig       string
	proxy, tsa       string
	pki              *testpki.PKI
	p12              map[string]string // role -> PKCS#12 path
	versions         map[string]string
	rows             []Row
	unsupported      []Unsupported
	pdfboxV, itextV  string
	pdfsigV, signpdV string
}

// Case names, shared by the manifest and the README.
const (
	caseApproval  = "1-approval"
	caseTwo       = "2-two-signatures"
	caseCertified = "3-certified-filled-signed"
	caseLTA       = "4-signature-dss-doc-timestamp"
	caseEncrypted = "5-encrypted-then-signed"
)

func (g *gen) run() error {
	var err error
	if g.out, err = filepath.Abs(g.out); err != nil {
		return err
	}
	if g.tmp, err = os.MkdirTemp("", "geninterop-"); err != nil {
		return err
	}
	defer os.RemoveAll(g.tmp)
	if _, err := os.Stat(g.font); err != nil {
		return fmt.Errorf("font: %w (apt-get install fonts-dejavu-core)", err)
	}
	if err := os.MkdirAll(filepath.Join(g.out, "trust"), 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(g.out, "*.pdf"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}

	g.buildPKI()
	if err := g.prepareTools(); err != nil {
		return err
	}
	started := time.Now().UTC()

	for _, step := range []func() error{g.pdfbox, g.itext, g.pdfsig, g.signpdf} {
		if err := step(); err != nil {
			return err
		}
	}

	for i := range g.rows {
		pdf, err := os.ReadFile(filepath.Join(g.out, g.rows[i].File))
		if err != nil {
			return err
		}
		if n := len(testpdf.Signatures(pdf)); n != g.rows[i].Signatures {
			return fmt.Errorf("%s: %d signatures, want %d", g.rows[i].File, n, g.rows[i].Signatures)
		}
		fmt.Printf("%-44s %7d bytes\n", g.rows[i].File, len(pdf))
	}
	m := Manifest{
		Generator:      "go run ./internal/testpdf/cmd/geninterop",
		Generated:      started.Format(time.RFC3339),
		ValidationTime: started.Truncate(24*time.Hour).AddDate(0, 0, 30),
		Tools:          g.versions,
		Files:          g.rows,
		Unsupported:    g.unsupported,
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(g.out, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(g.out, "README.md"), readme(m), 0o644)
}

var (
	oidC  = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidST = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidL  = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidO  = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidCN = asn1.ObjectIdentifier{2, 5, 4, 3}
)

func agencySubject() pkix.Name {
	return pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
		{Type: oidC, Value: "VN"},
		{Type: oidST, Value: "Hà Nam"},
		{Type: oidL, Value: "Thành phố Phủ Lý"},
		{Type: oidO, Value: "Sở Tư pháp tỉnh Hà Nam"},
		{Type: testpki.OIDUserID, Value: "MST:0700123456"},
		{Type: oidCN, Value: "Sở Tư pháp tỉnh Hà Nam"},
	}}
}

func personSubject() pkix.Name {
	return pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
		{Type: oidC, Value: "VN"},
		{Type: oidST, Value: "Hà Nam"},
		{Type: oidL, Value: "Thành phố Phủ Lý"},
		{Type: oidO, Value: "Sở Tư pháp tỉnh Hà Nam"},
		{Type: oidOU, Value: "Bộ phận Một cửa"},
		{Type: testpki.OIDUserID, Value: "CCCD:035099012345"},
		{Type: oidCN, Value: "Nguyễn Văn An"},
	}}
}

// buildPKI makes the root, two issuing CAs and four signers:
//
//   - "Sohoa Interop Issuing CA" (testpki's Intermediate) names CRL and OCSP
//     locations and issues the TSA and the signers of the B-LTA cases, whose
//     files carry a /DSS with that revocation data;
//   - "Sohoa Interop Offline Issuing CA" and the signers it issues name no
//     revocation location at all, so files without a /DSS (most tools cannot
//     write one) verify without revocation data, deliberately: with
//     Policy.RequireRevocation a certificate that names a CRL or OCSP
//     location needs its status, and the CA certificate counts too.
func (g *gen) buildPKI() {
	t := g.t
	g.pki = testpki.NewWith(t, testpki.Config{Name: "Sohoa Interop", PublishURL: publishURL})
	g.pki.SetNextUpdate(forever)
	u, _ := url.Parse(g.pki.Server.URL)
	g.proxy = u.Host
	g.tsa = g.pki.TSAURL()
	offline := g.pki.NewCert(t, g.pki.Root, testpki.Options{
		IsCA:             true,
		NoRevocationURLs: true,
		Subject: pkix.Name{Country: []string{"VN"}, Organization: []string{"Sohoa Interop PKI"},
			CommonName: "Sohoa Interop Offline Issuing CA"},
	})
	certs := map[string]*testpki.Cert{
		"person":    g.pki.NewCert(t, offline, testpki.Options{Subject: personSubject(), NoRevocationURLs: true}),
		"agency":    g.pki.NewCert(t, offline, testpki.Options{Subject: agencySubject(), NoRevocationURLs: true}),
		"person-lt": g.pki.NewSigner(t, "", testpki.Options{Subject: personSubject()}),
		"agency-lt": g.pki.NewSigner(t, "", testpki.Options{Subject: agencySubject()}),
	}
	g.pki.WriteRootPEM(filepath.Join(g.out, "trust"))
	g.p12 = map[string]string{}
	for role, c := range certs {
		p, err := g.writePKCS12(role, c)
		if err != nil {
			t.Fatalf("PKCS#12 for %s: %v", role, err)
		}
		g.p12[role] = p
	}
}

// writePKCS12 writes c's key and chain as PEM into the temporary directory
// and has openssl bundle them (3DES and a SHA-1 MAC: the one PKCS#12 flavour
// Java, NSS and node-forge all read).
func (g *gen) writePKCS12(role string, c *testpki.Cert) (string, error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(g.tmp, "keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	keyPath := filepath.Join(dir, role+".key.pem")
	certPath := filepath.Join(dir, role+".crt.pem")
	chainPath := filepath.Join(dir, role+".chain.pem")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", err
	}
	if err := os.WriteFile(certPath, c.PEM(), 0o600); err != nil {
		return "", err
	}
	var chain []byte
	for x := c.Issuer; x != nil; x = x.Issuer {
		chain = append(chain, x.PEM()...)
	}
	if err := os.WriteFile(chainPath, chain, 0o600); err != nil {
		return "", err
	}
	p12 := filepath.Join(dir, role+".p12")
	_, err = g.cmd("openssl", "pkcs12", "-export", "-in", certPath, "-inkey", keyPath, "-certfile", chainPath,
		"-name", role, "-passout", "pass:"+p12Pass, "-out", p12,
		"-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1")
	return p12, err
}

func (g *gen) cmd(name string, args ...string) (string, error) {
	return g.cmdIn("", name, args...)
}

func (g *gen) cmdIn(dir, name string, args ...string) (string, error) {
	return g.cmdEnv(dir, nil, name, args...)
}

func (g *gen) cmdEnv(dir string, env []string, name string, args ...string) (string, error) {
	c := exec.Command(name, args...)
	c.Dir = dir
	if env != nil {
		c.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

func (g *gen) classpath() string {
	var parts []string
	for _, j := range strings.Split(javaJars, ":") {
		parts = append(parts, filepath.Join(g.jars, j))
	}
	return strings.Join(parts, ":")
}

// prepareTools compiles the Java driver, installs the pinned npm packages,
// fills an NSS database for pdfsig and records every tool's version.
func (g *gen) prepareTools() error {
	src := filepath.Join(g.out, "gen")
	g.classes = filepath.Join(g.tmp, "classes")
	if _, err := g.cmd("javac", "-encoding", "UTF-8", "-nowarn", "-cp", g.classpath(), "-d", g.classes,
		filepath.Join(src, "java", "InteropSigner.java")); err != nil {
		return err
	}
	g.nodeDir = filepath.Join(src, "node")
	if _, err := g.cmdIn(g.nodeDir, "npm", "ci", "--no-audit", "--no-fund"); err != nil {
		return err
	}

	// pdfsig embeds, whole and uncompressed, the font fontconfig matches
	// for Helvetica (DejaVu Sans, 740 KB, here); give it a fontconfig that
	// knows only a Latin + Vietnamese subset of that font.
	fonts := filepath.Join(g.tmp, "fonts")
	if err := os.MkdirAll(fonts, 0o755); err != nil {
		return err
	}
	if _, err := g.java("font-subset", g.font, filepath.Join(fonts, "DejaVuSans-subset.ttf")); err != nil {
		return err
	}
	g.fontconfig = filepath.Join(g.tmp, "fonts.conf")
	conf := `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>` + fonts + `</dir>
  <cachedir>` + filepath.Join(g.tmp, "fontcache") + `</cachedir>
</fontconfig>
`
	if err := os.WriteFile(g.fontconfig, []byte(conf), 0o644); err != nil {
		return err
	}

	g.nss = filepath.Join(g.tmp, "nss")
	if err := os.MkdirAll(g.nss, 0o700); err != nil {
		return err
	}
	if _, err := g.cmd("certutil", "-N", "-d", "sql:"+g.nss, "--empty-password"); err != nil {
		return err
	}
	for _, role := range []string{"person", "agency"} {
		if _, err := g.cmd("pk12util", "-i", g.p12[role], "-d", "sql:"+g.nss, "-W", p12Pass); err != nil {
			return err
		}
	}

	g.versions = map[string]string{}
	var jv map[string]string
	out, err := g.java("versions")
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(out), &jv); err != nil {
		return fmt.Errorf("java versions: %w: %s", err, out)
	}
	var nv map[string]string
	out, err = g.cmdIn(g.nodeDir, "node", "sign.js", "versions")
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(out), &nv); err != nil {
		return fmt.Errorf("node versions: %w: %s", err, out)
	}
	for k, v := range jv {
		g.versions["java:"+k] = v
	}
	for k, v := range nv {
		g.versions["npm:"+k] = v
	}
	for _, pkg := range []string{"libpdfbox2-java", "libitext5-java", "libbcprov-java", "libbcpkix-java", "poppler-utils", "libnss3-tools", "qpdf", "openssl", "fonts-dejavu-core"} {
		v, err := g.cmd("dpkg-query", "-W", "-f=${Version}", pkg)
		if err != nil {
			return err
		}
		g.versions["debian:"+pkg] = strings.TrimSpace(v)
	}
	pv, err := exec.Command("pdfsig", "-v").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pdfsig -v: %w", err)
	}
	g.versions["pdfsig"] = strings.TrimSpace(strings.SplitN(string(pv), "\n", 2)[0])
	qv, err := g.cmd("qpdf", "--version")
	if err != nil {
		return err
	}
	g.versions["qpdf"] = strings.TrimSpace(strings.SplitN(qv, "\n", 2)[0])
	ov, err := g.cmd("openssl", "version")
	if err != nil {
		return err
	}
	g.versions["openssl"] = strings.TrimSpace(ov)

	g.pdfboxV = "Apache PDFBox " + jv["pdfbox"] + " (Debian " + g.versions["debian:libpdfbox2-java"] + "), BouncyCastle " + jv["bouncycastle"]
	g.itextV = "iText " + jv["itext"] + " (Debian " + g.versions["debian:libitext5-java"] + "), BouncyCastle " + jv["bouncycastle"]
	g.pdfsigV = g.versions["pdfsig"] + " (Debian poppler-utils " + g.versions["debian:poppler-utils"] + ")"
	g.signpdV = "@signpdf/signpdf " + nv["@signpdf/signpdf"] + ", @signpdf/placeholder-plain " + nv["@signpdf/placeholder-plain"] +
		", @signpdf/signer-p12 " + nv["@signpdf/signer-p12"] + " (node-forge " + nv["node-forge"] + "), Node " + nv["node"]
	return nil
}

func (g *gen) java(args ...string) (string, error) {
	full := append([]string{
		"-Djava.awt.headless=true",
		"-Dhttp.proxyHost=" + strings.Split(g.proxy, ":")[0],
		"-Dhttp.proxyPort=" + strings.Split(g.proxy, ":")[1],
		"-cp", g.classes + ":" + g.classpath(), "InteropSigner",
	}, args...)
	return g.cmd("java", full...)
}

func (g *gen) node(args ...string) error {
	_, err := g.cmdIn(g.nodeDir, "node", append([]string{"sign.js"}, args...)...)
	return err
}

// tmpFile is a path in the temporary directory for intermediate revisions.
func (g *gen) tmpFile(name string) string { return filepath.Join(g.tmp, name) }

func (g *gen) final(name string) string { return filepath.Join(g.out, name) }

func (g *gen) add(r Row) {
	r.Expected = "TOTAL_PASSED"
	g.rows = append(g.rows, r)
}

// Texts shown by the visible signatures.
const (
	stampAgency = "Ký số bởi: Sở Tư pháp tỉnh Hà Nam\nLý do: Phê duyệt kết quả giải quyết TTHC\nNơi ký: Hà Nam"
	personName  = "Nguyễn Văn An"
	agencyName  = "Sở Tư pháp tỉnh Hà Nam"
)

func (g *gen) pdfbox() error {
	base, form := g.tmpFile("pdfbox-base.pdf"), g.tmpFile("pdfbox-form.pdf")
	person := []string{"--p12", g.p12["person"], "--pass", p12Pass, "--reason", "Tiếp nhận hồ sơ"}
	agency := []string{"--p12", g.p12["agency"], "--pass", p12Pass, "--reason", "Phê duyệt kết quả giải quyết TTHC"}
	steps := []struct {
		args []string
	}{
		{[]string{"pdfbox-base", base, "--font", g.font}},
		{[]string{"pdfbox-base", form, "--font", g.font, "--form"}},
	}
	for _, s := range steps {
		if _, err := g.java(s.args...); err != nil {
			return err
		}
	}
	tool := g.pdfboxV

	// 1. One approval signature.
	f1 := "pdfbox-" + caseApproval + ".pdf"
	if _, err := g.java(append([]string{"pdfbox-sign", base, g.final(f1)}, person...)...); err != nil {
		return err
	}
	g.add(Row{File: f1, Tool: "pdfbox", ToolVersion: tool, Case: caseApproval, Signatures: 1,
		Description: "PDFBox-made page (Vietnamese text, DejaVu Sans subset as Type0), then one invisible approval signature (adbe.pkcs7.detached, CMS by BouncyCastle) by " + personName + ", incremental save",
		Steps:       []string{"pdfbox-base", "pdfbox-sign person"}})

	// 2. Person signs, then the agency signs visibly.
	f2 := "pdfbox-" + caseTwo + ".pdf"
	s1 := g.tmpFile("pdfbox-2a.pdf")
	if _, err := g.java(append([]string{"pdfbox-sign", base, s1}, person...)...); err != nil {
		return err
	}
	if _, err := g.java(append([]string{"pdfbox-sign", s1, g.final(f2), "--visible", stampAgency, "--font", g.font, "--field", "ChuKyCoQuan"}, agency...)...); err != nil {
		return err
	}
	g.add(Row{File: f2, Tool: "pdfbox", ToolVersion: tool, Case: caseTwo, Signatures: 2,
		Description: "approval signature by " + personName + ", then a second approval signature by " + agencyName + " with a visible appearance (PDVisibleSignDesigner template with an image), each an incremental save",
		Steps:       []string{"pdfbox-base", "pdfbox-sign person", "pdfbox-sign agency --visible"}})

	// 3. Certification (P=2) over a form, field filled, second approval.
	f3 := "pdfbox-" + caseCertified + ".pdf"
	c1, c2 := g.tmpFile("pdfbox-3a.pdf"), g.tmpFile("pdfbox-3b.pdf")
	if _, err := g.java(append([]string{"pdfbox-sign", form, c1, "--certify", "2"}, person...)...); err != nil {
		return err
	}
	if _, err := g.java("pdfbox-fill", c1, c2, "--field", "ho_ten", "--value", "Nguyen Van An"); err != nil {
		return err
	}
	if _, err := g.java(append([]string{"pdfbox-sign", c2, g.final(f3), "--visible", stampAgency, "--font", g.font, "--field", "ChuKyCoQuan"}, agency...)...); err != nil {
		return err
	}
	g.add(Row{File: f3, Tool: "pdfbox", ToolVersion: tool, Case: caseCertified, Signatures: 2,
		Description: "PDFBox form with text field ho_ten (Helvetica in /DR), certification signature (DocMDP P=2: /Reference TransformMethod DocMDP, /Perms in the catalog) by " + personName + "; field filled with PDTextField.setValue (ASCII value: the /DR font is Helvetica) and saveIncremental; then a visible approval signature by " + agencyName,
		Steps:       []string{"pdfbox-base --form", "pdfbox-sign person --certify 2", "pdfbox-fill ho_ten", "pdfbox-sign agency --visible"}})

	// 4. Signature with a signature timestamp, /DSS, document timestamp.
	f4 := "pdfbox-" + caseLTA + ".pdf"
	l1, l2 := g.tmpFile("pdfbox-4a.pdf"), g.tmpFile("pdfbox-4b.pdf")
	if _, err := g.java("pdfbox-sign", base, l1, "--p12", g.p12["person-lt"], "--pass", p12Pass, "--tsa", g.tsa, "--reason", "Tiếp nhận hồ sơ"); err != nil {
		return err
	}
	if _, err := g.java("pdfbox-dss", l1, l2); err != nil {
		return err
	}
	if _, err := g.java("pdfbox-doctimestamp", l2, g.final(f4), "--tsa", g.tsa); err != nil {
		return err
	}
	g.add(Row{File: f4, Tool: "pdfbox", ToolVersion: tool, Case: caseLTA, Signatures: 2,
		Description: "approval signature by " + personName + " (certificate with CRL/OCSP URLs) with a signature timestamp (unsigned attribute) from the test TSA; a /DSS incremental update (certificates, OCSP responses and CRLs fetched from the URLs in the certificates, /VRI per signature) written with PDFBox's COS API; then an ETSI.RFC3161 document timestamp (B-LTA)",
		Steps:       []string{"pdfbox-base", "pdfbox-sign person-lt --tsa", "pdfbox-dss", "pdfbox-doctimestamp"}})

	// 5. AES-256 encryption (empty user password), then signed.
	f5 := "pdfbox-" + caseEncrypted + "-aes256.pdf"
	e1 := g.tmpFile("pdfbox-5a.pdf")
	if _, err := g.java("pdfbox-encrypt", base, e1, "--owner", ownerPass, "--bits", "256"); err != nil {
		return err
	}
	if _, err := g.java(append([]string{"pdfbox-sign", e1, g.final(f5), "--password", ""}, person...)...); err != nil {
		return err
	}
	g.add(Row{File: f5, Tool: "pdfbox", ToolVersion: tool, Case: caseEncrypted, Signatures: 1, Encryption: "AES-256 (V5 R6), empty user password", Password: ownerPass,
		Description: "PDFBox page encrypted by PDFBox (StandardProtectionPolicy, AES-256, empty user password, owner password set), opened with the empty user password and signed (invisible approval by " + personName + "), incremental save",
		Steps:       []string{"pdfbox-base", "pdfbox-encrypt aes-256", "pdfbox-sign person --password ''"}})
	return nil
}

func (g *gen) itext() error {
	base, form := g.tmpFile("itext-base.pdf"), g.tmpFile("itext-form.pdf")
	if _, err := g.java("itext-base", base, "--font", g.font, "--tagged"); err != nil {
		return err
	}
	if _, err := g.java("itext-base", form, "--font", g.font, "--tagged", "--form"); err != nil {
		return err
	}
	person := []string{"--p12", g.p12["person"], "--pass", p12Pass, "--reason", "Tiếp nhận hồ sơ", "--field", "ChuKyCaNhan"}
	agency := []string{"--p12", g.p12["agency"], "--pass", p12Pass, "--reason", "Phê duyệt kết quả giải quyết TTHC", "--field", "ChuKyCoQuan",
		"--visible", strings.ReplaceAll(stampAgency, "\n", "\n"), "--font", g.font}
	tool := g.itextV

	f1 := "itext-" + caseApproval + ".pdf"
	if _, err := g.java(append([]string{"itext-sign", base, g.final(f1)}, person...)...); err != nil {
		return err
	}
	g.add(Row{File: f1, Tool: "itext", ToolVersion: tool, Case: caseApproval, Signatures: 1,
		Description: "tagged PDF made by iText (PdfWriter.setTagged, /StructTreeRoot, Vietnamese text in DejaVu Sans Identity-H), then one invisible approval signature (MakeSignature.signDetached, CMS, adbe.pkcs7.detached) by " + personName + ", PdfStamper append mode",
		Steps:       []string{"itext-base --tagged", "itext-sign person"}})

	f2 := "itext-" + caseTwo + ".pdf"
	s1 := g.tmpFile("itext-2a.pdf")
	if _, err := g.java(append([]string{"itext-sign", base, s1}, person...)...); err != nil {
		return err
	}
	if _, err := g.java(append([]string{"itext-sign", s1, g.final(f2)}, agency...)...); err != nil {
		return err
	}
	g.add(Row{File: f2, Tool: "itext", ToolVersion: tool, Case: caseTwo, Signatures: 2,
		Description: "tagged iText page; approval signature by " + personName + ", then a visible approval signature by " + agencyName + " (PdfSignatureAppearance layer-2 text in DejaVu Sans), both in append mode",
		Steps:       []string{"itext-base --tagged", "itext-sign person", "itext-sign agency --visible"}})

	f3 := "itext-" + caseCertified + ".pdf"
	c1, c2 := g.tmpFile("itext-3a.pdf"), g.tmpFile("itext-3b.pdf")
	if _, err := g.java(append([]string{"itext-sign", form, c1, "--certify", "2"}, person...)...); err != nil {
		return err
	}
	if _, err := g.java("itext-fill", c1, c2, "--field", "ho_ten", "--value", "Trần Thị Bình", "--font", g.font); err != nil {
		return err
	}
	if _, err := g.java(append([]string{"itext-sign", c2, g.final(f3)}, agency...)...); err != nil {
		return err
	}
	g.add(Row{File: f3, Tool: "itext", ToolVersion: tool, Case: caseCertified, Signatures: 2,
		Description: "tagged iText form with text field ho_ten; certification signature (CERTIFIED_FORM_FILLING, DocMDP P=2) by " + personName + "; field filled with AcroFields.setField (DejaVu Sans as substitution font) in a PdfStamper append-mode update; then a visible approval signature by " + agencyName,
		Steps:       []string{"itext-base --tagged --form", "itext-sign person --certify 2", "itext-fill ho_ten", "itext-sign agency --visible"}})

	f4 := "itext-" + caseLTA + ".pdf"
	l1, l2 := g.tmpFile("itext-4a.pdf"), g.tmpFile("itext-4b.pdf")
	if _, err := g.java("itext-sign", base, l1, "--p12", g.p12["person-lt"], "--pass", p12Pass, "--tsa", g.tsa, "--cades", "--field", "ChuKyCaNhan", "--reason", "Tiếp nhận hồ sơ"); err != nil {
		return err
	}
	if _, err := g.java("itext-ltv", l1, l2, "--tsa", g.tsa); err != nil {
		return err
	}
	if _, err := g.java("itext-ltv", l2, g.final(f4)); err != nil {
		return err
	}
	g.add(Row{File: f4, Tool: "itext", ToolVersion: tool, Case: caseLTA, Signatures: 2,
		Description: "tagged iText page; ETSI.CAdES.detached signature by " + personName + " (certificate with CRL/OCSP URLs) with a signature timestamp (TSAClientBouncyCastle); one update with LtvVerification (/DSS with the chain's OCSP responses and CRLs fetched by OcspClientBouncyCastle and CrlClientOnline, /VRI) and an LtvTimestamp document timestamp; then a second LtvVerification update with the document timestamp's validation data",
		Steps:       []string{"itext-base --tagged", "itext-sign person-lt --cades --tsa", "itext-ltv --tsa", "itext-ltv"}})

	for _, alg := range []struct{ name, desc string }{
		{"rc4-128", "RC4 128-bit (V2 R3)"},
		{"aes-128", "AES-128 (V4 R4, AESV2)"},
	} {
		f5 := "itext-" + caseEncrypted + "-" + strings.ReplaceAll(alg.name, "-", "") + ".pdf"
		e1 := g.tmpFile("itext-5-" + alg.name + ".pdf")
		if _, err := g.java("itext-encrypt", base, e1, "--owner", ownerPass, "--alg", alg.name); err != nil {
			return err
		}
		if _, err := g.java(append([]string{"itext-sign", e1, g.final(f5), "--password", ownerPass}, person...)...); err != nil {
			return err
		}
		g.add(Row{File: f5, Tool: "itext", ToolVersion: tool, Case: caseEncrypted, Signatures: 1, Encryption: alg.desc + ", empty user password", Password: ownerPass,
			Description: "tagged iText page encrypted by iText (PdfStamper.setEncryption, " + alg.desc + ", empty user password), opened with the owner password (iText refuses to stamp otherwise) and signed (invisible approval by " + personName + ") in append mode",
			Steps:       []string{"itext-base --tagged", "itext-encrypt " + alg.name, "itext-sign person --password OWNER"}})
	}
	return nil
}

// pdfsig cannot make a PDF, so it signs the tagged iText page.
func (g *gen) pdfsig() error {
	base := g.tmpFile("itext-base.pdf")
	tool := g.pdfsigV
	sign := func(in, out, nick, field, reason string, extra ...string) error {
		args := append([]string{"-add-signature", "-nssdir", g.nss, "-nick", nick, "-digest", "SHA256",
			"-reason", reason, "-new-signature-field-name", field}, extra...)
		_, err := g.cmdEnv("", []string{"FONTCONFIG_FILE=" + g.fontconfig}, "pdfsig", append(args, in, out)...)
		return err
	}
	f1 := "pdfsig-" + caseApproval + ".pdf"
	if err := sign(base, g.final(f1), "person", "ChuKyCaNhan", "Tiếp nhận hồ sơ"); err != nil {
		return err
	}
	g.add(Row{File: f1, Tool: "pdfsig", ToolVersion: tool, Case: caseApproval, Signatures: 1,
		Description: "the tagged iText page signed by pdfsig -add-signature (NSS, adbe.pkcs7.detached, SHA-256) by " + personName,
		Steps:       []string{"itext-base --tagged", "pdfsig -add-signature person"}})

	f2 := "pdfsig-" + caseTwo + ".pdf"
	s1 := g.tmpFile("pdfsig-2a.pdf")
	if err := sign(base, s1, "person", "ChuKyCaNhan", "Tiếp nhận hồ sơ"); err != nil {
		return err
	}
	if err := sign(s1, g.final(f2), "agency", "ChuKyCoQuan", "Phê duyệt kết quả giải quyết TTHC"); err != nil {
		return err
	}
	g.add(Row{File: f2, Tool: "pdfsig", ToolVersion: tool, Case: caseTwo, Signatures: 2,
		Description: "the tagged iText page signed by pdfsig for " + personName + ", then by pdfsig for " + agencyName + " (pdfsig 22.12 has no option for a visible appearance: both signatures are invisible)",
		Steps:       []string{"itext-base --tagged", "pdfsig -add-signature person", "pdfsig -add-signature agency"}})
	g.unsupported = append(g.unsupported,
		Unsupported{"pdfsig", caseTwo + " (visible appearance)", "pdfsig 22.12 -add-signature has no option to draw an appearance; the second signature is invisible"},
		Unsupported{"pdfsig", caseCertified, "pdfsig cannot make a certification (DocMDP) signature nor fill form fields"},
		Unsupported{"pdfsig", caseLTA, "pdfsig cannot add a signature timestamp, a /DSS or a document timestamp"})

	f5 := "pdfsig-" + caseEncrypted + "-aes256.pdf"
	e1 := g.tmpFile("pdfsig-5a.pdf")
	if _, err := g.cmd("qpdf", "--encrypt", "", ownerPass, "256", "--", base, e1); err != nil {
		return err
	}
	if err := sign(e1, g.final(f5), "person", "ChuKyCaNhan", "Tiếp nhận hồ sơ", "-upw", ""); err != nil {
		return err
	}
	g.add(Row{File: f5, Tool: "pdfsig", ToolVersion: tool + "; encrypted by " + g.versions["qpdf"], Case: caseEncrypted, Signatures: 1,
		Encryption: "AES-256 (V5 R6) by qpdf, empty user password", Password: ownerPass,
		Description: "the tagged iText page encrypted by qpdf --encrypt '' OWNER 256, then signed by pdfsig -add-signature -upw '' for " + personName,
		Steps:       []string{"itext-base --tagged", "qpdf --encrypt aes-256", "pdfsig -add-signature person -upw ''"}})
	return nil
}

func (g *gen) signpdf() error {
	base := g.tmpFile("pdflib-base.pdf")
	if err := g.node("base", base, "--font", g.font); err != nil {
		return err
	}
	tool := g.signpdV
	person := []string{"--p12", g.p12["person"], "--pass", p12Pass, "--reason", "Tiếp nhận hồ sơ", "--name", personName}
	agency := []string{"--p12", g.p12["agency"], "--pass", p12Pass, "--reason", "Phê duyệt kết quả giải quyết TTHC", "--name", agencyName}

	f1 := "signpdf-" + caseApproval + ".pdf"
	if err := g.node(append([]string{"sign", base, g.final(f1)}, person...)...); err != nil {
		return err
	}
	g.add(Row{File: f1, Tool: "signpdf", ToolVersion: tool, Case: caseApproval, Signatures: 1,
		Description: "page made by pdf-lib " + g.versions["npm:pdf-lib"] + " (DejaVu Sans subset, classic xref), signature placeholder added by @signpdf/placeholder-plain (incremental update), signed by @signpdf/signer-p12 (node-forge PKCS#7, adbe.pkcs7.detached) for " + personName,
		Steps:       []string{"pdf-lib base", "signpdf person"}})

	f2 := "signpdf-" + caseTwo + ".pdf"
	s1 := g.tmpFile("signpdf-2a.pdf")
	if err := g.node(append([]string{"sign", base, s1}, person...)...); err != nil {
		return err
	}
	if err := g.node(append([]string{"sign", s1, g.final(f2), "--rect", "300,60,560,140"}, agency...)...); err != nil {
		return err
	}
	g.add(Row{File: f2, Tool: "signpdf", ToolVersion: tool, Case: caseTwo, Signatures: 2,
		Description: "pdf-lib page signed by @signpdf for " + personName + ", then for " + agencyName + " with a widget rectangle (placeholder-plain's widgetRect; it writes no appearance stream, so nothing is drawn)",
		Steps:       []string{"pdf-lib base", "signpdf person", "signpdf agency --rect"}})

	g.unsupported = append(g.unsupported,
		Unsupported{"signpdf", caseTwo + " (visible appearance)", "@signpdf/placeholder-plain takes a widget rectangle but writes no /AP appearance stream"},
		Unsupported{"signpdf", caseCertified, "@signpdf cannot make a certification (DocMDP) signature, and has no form filling"},
		Unsupported{"signpdf", caseLTA, "@signpdf/signer-p12 adds no signature timestamp; @signpdf writes no /DSS and no document timestamp"})

	// placeholder-plain parses the file with string searches and writes a
	// trailer without /Encrypt (and without /ID); try it and record what
	// happens rather than guess.
	e1 := g.tmpFile("signpdf-5a.pdf")
	if _, err := g.cmd("qpdf", "--encrypt", "", ownerPass, "256", "--", base, e1); err != nil {
		return err
	}
	f5 := "signpdf-" + caseEncrypted + "-aes256.pdf"
	if err := g.node(append([]string{"sign", e1, g.tmpFile(f5)}, person...)...); err != nil {
		g.unsupported = append(g.unsupported, Unsupported{"signpdf", caseEncrypted, "@signpdf/placeholder-plain fails on a qpdf AES-256 file: " + firstLine(err)})
		return nil
	}
	// Judge the result with qpdf, a third tool.
	check, _ := exec.Command("qpdf", "--check", g.tmpFile(f5)).CombinedOutput()
	if !bytes.Contains(check, []byte("\nR = ")) && bytes.Contains(check, []byte("File is not encrypted")) {
		g.unsupported = append(g.unsupported, Unsupported{"signpdf", caseEncrypted,
			"@signpdf/placeholder-plain signs a qpdf AES-256 file, but the trailer of its update has no /Encrypt (nor /ID), so the newest revision reads as unencrypted while the objects it carries over stay encrypted (qpdf --check: \"File is not encrypted\", page content fails to inflate): a broken file, not committed"})
		return nil
	}
	if err := os.Rename(g.tmpFile(f5), g.final(f5)); err != nil {
		return err
	}
	g.add(Row{File: f5, Tool: "signpdf", ToolVersion: tool + "; encrypted by " + g.versions["qpdf"], Case: caseEncrypted, Signatures: 1,
		Encryption: "AES-256 (V5 R6) by qpdf, empty user password", Password: ownerPass,
		Description: "pdf-lib page encrypted by qpdf, then signed by @signpdf for " + personName,
		Steps:       []string{"pdf-lib base", "qpdf --encrypt aes-256", "signpdf person"}})
	return nil
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.Index(s, "\n"); i >= 0 {
		rest := strings.TrimSpace(s[i+1:])
		if j := strings.Index(rest, "\n"); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	return s
}

func readme(m Manifest) []byte {
	var b strings.Builder
	b.WriteString(`# Interoperability fixtures

PDFs signed by real signing software — Apache PDFBox 2, iText 5, poppler's ` + "`pdfsig`" + ` and the npm signer
` + "`@signpdf`" + ` — so the verifier is tested against what those tools really write (issue 7: no false failures
on real-world signed PDFs). Nothing here imitates another product's behaviour: every revision of every file is
written by the tool named in its row. This file, ` + "`manifest.json`" + `, ` + "`trust/root.pem`" + ` and the PDFs are all
generated; do not edit them by hand.

## Regenerating

    go run ./internal/testpdf/cmd/geninterop

Prerequisites (Debian 12; the generated files are committed, so tests and CI need none of them):

    apt-get install -y libpdfbox2-java libitext5-java libbcprov-java libbcpkix-java \
        poppler-utils libnss3-tools qpdf openssl fonts-dejavu-core default-jdk-headless nodejs npm

The generator builds a throw-away PKI in memory ("Sohoa Interop Root CA"), runs its CRL/OCSP/TSA server on
loopback, writes the signers' keys as PKCS#12 (with ` + "`openssl pkcs12 -export`" + `) into a temporary directory that it
removes on exit, compiles ` + "`gen/java/InteropSigner.java`" + ` with javac against the Debian jars in /usr/share/java,
installs the npm packages pinned in ` + "`gen/node/package-lock.json`" + ` (` + "`npm ci`" + `), fills an NSS database for
pdfsig, and runs each tool. Only ` + "`trust/root.pem`" + ` and the outputs are kept; the private keys never leave the
temporary directory, so regenerating replaces every file and the root together. Tool versions are recorded by
the run itself in ` + "`manifest.json`" + ` (` + "`tools`" + `, and ` + "`tool_version`" + ` per file).

The PKI: root → "Sohoa Interop Issuing CA" (names CRL and OCSP locations under ` + "`http://pki.sohoa.invalid`" + `, which
never resolves) → the TSA, a delegated OCSP responder and the signers of the B-LTA files; root → "Sohoa Interop
Offline Issuing CA" (names no revocation location) → the signers of every other file. Files without a /DSS
therefore verify without revocation data, while the B-LTA files carry real CRLs and OCSP responses that the
tools themselves fetched (the Java tools reach ` + "`pki.sohoa.invalid`" + ` through the PKI's loopback server as their HTTP
proxy). Every certificate is valid 2020-01-01 – 2099-12-31 and every CRL and OCSP response has nextUpdate
2099-12-31, so the files verify offline for the project's life. Signers: "Nguyễn Văn An" (a person, CCCD in a
UID attribute) and "Sở Tư pháp tỉnh Hà Nam" (an agency, MST in a UID attribute). The encrypted files have an
empty user password and the owner password ` + "`" + ownerPass + "`" + `.

pdfsig cannot make a PDF, so it signs the tagged iText page. When it adds a signature field, poppler 22.12 writes
into the form's /DR, uncompressed, the whole font fontconfig matches for Helvetica, a 128 KB CIDToGIDMap and a
/W array for every CID (over 1 MB per file with DejaVu Sans); the generator gives pdfsig a fontconfig that knows
only a Latin + Vietnamese subset of DejaVu Sans (made with FontBox's TTFSubsetter), and its files are still
about 490 KB. That is what pdfsig writes, not trimmed afterwards.

` + "`verify/interop_test.go`" + ` verifies every file listed in ` + "`manifest.json`" + ` with only ` + "`trust/root.pem`" + ` as anchor at
the fixed ` + "`validation_time`" + ` (` + m.ValidationTime.Format("2006-01-02") + `), and checks that flipping one byte inside the first
signature's byte range gives TOTAL_FAILED and that an incremental update replacing page 1's content stream is a
disallowed change for every signature.

## Files

Generated ` + m.Generated + `.

| file | tool and exact version | what it contains | expected verdict (trust: ` + "`trust/root.pem`" + `) |
| --- | --- | --- | --- |
`)
	for _, r := range m.Files {
		enc := ""
		if r.Encryption != "" {
			enc = " Encryption: " + r.Encryption + "."
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s.%s Steps: %s. | %s, %d signature(s) |\n",
			r.File, r.ToolVersion, r.Description, enc, "`"+strings.Join(r.Steps, "` → `")+"`", r.Expected, r.Signatures)
	}
	b.WriteString("\n## Cases a tool cannot produce\n\nRecorded instead of faked:\n\n| tool | case | why |\n| --- | --- | --- |\n")
	for _, u := range m.Unsupported {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", u.Tool, u.Case, u.Reason)
	}
	b.WriteString("\n## Tool versions of the last run\n\n| component | version |\n| --- | --- |\n")
	keys := make([]string, 0, len(m.Tools))
	for k := range m.Tools {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "| %s | %s |\n", k, m.Tools[k])
	}
	return []byte(b.String())
}
