package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/vntrust"
	"github.com/sohoa/sohoa/verify"
	"github.com/sohoa/sohoa/web"
)

func init() {
	register("trust", "the trust anchors signatures are verified against (built-in Vietnamese roots and the trust directory): sohoa trust list|add|remove", runTrust)
}

const trustUsage = `Usage: sohoa trust list [--json] | add FILE | remove FINGERPRINT

The trust anchors (chứng thư gốc tin cậy) verify, ingest, work, watch and
serve verify signatures against: the built-in roots of Vietnam's two
signature infrastructures (the Government CA of Ban Cơ yếu Chính phủ and the
national root CA, NEAC; off with --no-builtin-trust or
SOHOA_NO_BUILTIN_TRUST=1), every certificate in the trust directory
(--trust-dir, SOHOA_TRUST_DIR, default <data dir>/trust) and, for verify,
--trust. The built-in intermediates help build chains; they are no anchors.
  list    every anchor in use: source, subject, validity, SHA-256
  add     copy a CA certificate (PEM or DER) into the trust directory;
          refuses end-entity certificates, expired ones and duplicates
  remove  delete the anchor with this SHA-256 (or a unique prefix of it,
          at least 8 hex digits) from the trust directory
Running servers and workers read the anchors when they start: restart them
after add or remove.`

// Where an anchor comes from (sohoa trust list, GET /api/v1/trust-anchors).
const (
	trustSourceBuiltin = "built-in"
	trustSourceDir     = "trust directory"
	trustSourceFlag    = "--trust"
)

// trustAnchor is one certificate in use: an anchor, or a built-in
// intermediate offered for chain building.
type trustAnchor struct {
	Cert   *x509.Certificate
	Source string // trustSource*
	Path   string // the file or directory it was read from; "" for built-ins
	// Intermediate: offered for chain building only, never an anchor.
	Intermediate bool
	// Infrastructure of a built-in certificate ("gov", "public").
	Infrastructure string
}

// trustSet is everything a verifier is configured with.
type trustSet struct {
	Entries []trustAnchor
	// Dir is the trust directory in use, "" when there is none.
	Dir string
}

// anchors are the certificates paths may end in.
func (t *trustSet) anchors() []*x509.Certificate {
	var out []*x509.Certificate
	for _, a := range t.Entries {
		if !a.Intermediate {
			out = append(out, a.Cert)
		}
	}
	return out
}

// intermediates are the certificates offered for building paths.
func (t *trustSet) intermediates() []*x509.Certificate {
	var out []*x509.Certificate
	for _, a := range t.Entries {
		if a.Intermediate {
			out = append(out, a.Cert)
		}
	}
	return out
}

// verifyConfig is a verify.Config with the set's anchors and
// intermediates.
func (t *trustSet) verifyConfig() verify.Config {
	return verify.Config{TrustAnchors: t.anchors(), Intermediates: t.intermediates()}
}

// webAnchors labels the anchors for GET /api/v1/trust-anchors: built-ins
// as "built-in", the others with the file or directory they came from.
func (t *trustSet) webAnchors() web.StaticTrustAnchors {
	var out web.StaticTrustAnchors
	for _, a := range t.Entries {
		if a.Intermediate {
			continue
		}
		src := a.Path
		if a.Source == trustSourceBuiltin {
			src = trustSourceBuiltin
		}
		out = append(out, web.TrustAnchor{Cert: a.Cert, Source: src})
	}
	return out
}

// noBuiltinTrustFlag registers --no-builtin-trust, defaulting from
// SOHOA_NO_BUILTIN_TRUST.
func noBuiltinTrustFlag(fs *flag.FlagSet, e *env) *bool {
	return fs.Bool("no-builtin-trust", envNoBuiltinTrust(e), "do not trust the built-in Vietnamese roots (Government CA, national root CA) nor use the built-in intermediates; only the trust directory (env SOHOA_NO_BUILTIN_TRUST=1)")
}

// envNoBuiltinTrust reads SOHOA_NO_BUILTIN_TRUST: 1, true, yes or on turn
// the built-ins off.
func envNoBuiltinTrust(e *env) bool {
	v := strings.ToLower(strings.TrimSpace(e.getenv("SOHOA_NO_BUILTIN_TRUST")))
	switch v {
	case "":
		return false
	case "yes", "on":
		return true
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		fmt.Fprintf(e.stderr, "sohoa: SOHOA_NO_BUILTIN_TRUST=%q is not 1 or 0: taken as 1, the built-in anchors are off\n", v)
		return true
	}
	return b
}

// noBuiltin is the configuration's --no-builtin-trust, or the environment
// for a command without the flag.
func (c *storeConfig) noBuiltin(e *env) bool {
	if c.NoBuiltinTrust != nil {
		return *c.NoBuiltinTrust
	}
	return envNoBuiltinTrust(e)
}

// loadTrust reads the anchors for a command: the built-ins unless
// noBuiltin, the trust directory (see trustPaths) and extra (--trust).
func loadTrust(e *env, flagDir, flagData string, extra []string, noBuiltin bool) (*trustSet, error) {
	paths, err := trustPaths(e, flagDir, flagData, nil)
	if err != nil {
		return nil, err
	}
	set := &trustSet{}
	if !noBuiltin {
		for _, c := range vntrust.All() {
			set.Entries = append(set.Entries, trustAnchor{Cert: c.Cert, Source: trustSourceBuiltin,
				Intermediate: c.Role == vntrust.RoleIntermediate, Infrastructure: string(c.Infrastructure)})
		}
	}
	add := func(p, source string) error {
		certs, err := verify.LoadTrustAnchors(p)
		if err != nil {
			return err
		}
		for _, c := range certs {
			set.Entries = append(set.Entries, trustAnchor{Cert: c, Source: source, Path: p})
		}
		return nil
	}
	for _, p := range paths {
		set.Dir = p
		if err := add(p, trustSourceDir); err != nil {
			return nil, err
		}
	}
	for _, p := range extra {
		if err := add(p, trustSourceFlag); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// listTrustAnchors is every anchor the verifier uses, labelled with where
// it came from, for GET /api/v1/trust-anchors.
func listTrustAnchors(e *env, trustDir string, cfg *storeConfig) (web.StaticTrustAnchors, error) {
	set, err := loadTrust(e, trustDir, cfg.DataDir, nil, cfg.noBuiltin(e))
	if err != nil {
		return nil, sohoa.Wrapf(err, sohoa.EINVALID, "%v", err)
	}
	return set.webAnchors(), nil
}

func runTrust(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		return subcommandUsage(e, args, trustUsage)
	}
	switch args[0] {
	case "list":
		return runTrustList(e, args[1:])
	case "add":
		return runTrustAdd(e, args[1:])
	case "remove", "rm":
		return runTrustRemove(e, args[1:])
	}
	fmt.Fprintf(e.stderr, "sohoa trust: unknown subcommand %q\n%s\n", args[0], trustUsage)
	return exitUsage
}

// trustListItem is one certificate in sohoa trust list --json.
type trustListItem struct {
	Source         string    `json:"source"` // "built-in", "trust directory", "--trust"
	Path           string    `json:"path,omitempty"`
	Role           string    `json:"role"` // "anchor" or "intermediate" (chain building only)
	Infrastructure string    `json:"infrastructure,omitempty"`
	Subject        string    `json:"subject"`
	CommonName     string    `json:"common_name,omitempty"`
	Issuer         string    `json:"issuer"`
	NotBefore      time.Time `json:"not_before"`
	NotAfter       time.Time `json:"not_after"`
	SHA256         string    `json:"sha256"`
	Valid          bool      `json:"valid"` // now is within the validity period
}

type trustListOutput struct {
	Schema        string          `json:"schema"`
	TrustDir      string          `json:"trust_dir,omitempty"`
	BuiltinsOff   bool            `json:"builtin_trust_off,omitempty"`
	Items         []trustListItem `json:"items"`
	AnchorsSHA256 string          `json:"trust_anchors_sha256"`
}

func runTrustList(e *env, args []string) int {
	fs := newFlagSet(e, "trust list", "[--json] [--trust DIR|FILE]... [--trust-dir DIR] [--data-dir DIR] [--no-builtin-trust]")
	asJSON := fs.Bool("json", false, "print JSON")
	var extra stringList
	fs.Var(&extra, "trust", "also list these anchors (PEM file or directory), as sohoa verify --trust would; repeatable")
	trustDir := fs.String("trust-dir", "", "trust anchor directory (env SOHOA_TRUST_DIR; default <data dir>/trust when it exists)")
	dataDir := fs.String("data-dir", "", "data directory (env SOHOA_DATA_DIR; default ./sohoa-data)")
	noBuiltin := noBuiltinTrustFlag(fs, e)
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	set, err := loadTrust(e, *trustDir, *dataDir, extra, *noBuiltin)
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa trust list:", err)
		return exitUsage
	}
	now := time.Now()
	out := trustListOutput{Schema: "sohoa.trust/v1", TrustDir: set.Dir, BuiltinsOff: *noBuiltin, Items: []trustListItem{}}
	for _, a := range set.Entries {
		it := trustListItem{Source: a.Source, Path: a.Path, Role: "anchor", Infrastructure: a.Infrastructure,
			Subject: a.Cert.Subject.String(), CommonName: a.Cert.Subject.CommonName, Issuer: a.Cert.Issuer.String(), NotBefore: a.Cert.NotBefore.UTC(), NotAfter: a.Cert.NotAfter.UTC(),
			SHA256: certSHA256(a.Cert), Valid: !now.Before(a.Cert.NotBefore) && !now.After(a.Cert.NotAfter)}
		if a.Intermediate {
			it.Role = "intermediate"
		}
		out.Items = append(out.Items, it)
	}
	vcfg := set.verifyConfig()
	if v, err := verify.New(vcfg); err == nil {
		out.AnchorsSHA256 = v.TrustAnchorsSHA256()
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintln(e.stderr, "sohoa trust list:", err)
			return exitInternal
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tROLE\tSUBJECT\tVALID\tSHA-256")
	for _, it := range out.Items {
		src := it.Source
		if it.Infrastructure != "" {
			src += " (" + it.Infrastructure + ")"
		}
		valid := it.NotBefore.Format("2006-01-02") + " – " + it.NotAfter.Format("2006-01-02")
		if !it.Valid {
			valid += " (not valid now)"
		}
		name := it.CommonName
		if name == "" {
			name = it.Subject
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", src, it.Role, name, valid, it.SHA256)
	}
	_ = tw.Flush()
	anchors := len(vcfg.TrustAnchors)
	switch {
	case anchors == 0:
		fmt.Fprintln(e.stdout, "no trust anchors: no signature can be trusted (add a root with sohoa trust add FILE)")
	case set.Dir == "":
		fmt.Fprintf(e.stdout, "%d anchors; no trust directory (sohoa trust add creates <data dir>/trust)\n", anchors)
	default:
		fmt.Fprintf(e.stdout, "%d anchors; trust directory %s\n", anchors, set.Dir)
	}
	if *noBuiltin {
		fmt.Fprintln(e.stdout, "the built-in Vietnamese roots are off (--no-builtin-trust or SOHOA_NO_BUILTIN_TRUST)")
	}
	return exitOK
}

// trustDirFor is the directory add and remove work on: --trust-dir, else
// SOHOA_TRUST_DIR, else <data dir>/trust.
func trustDirFor(e *env, flagDir, flagData string) string {
	if flagDir != "" {
		return flagDir
	}
	if d := e.getenv("SOHOA_TRUST_DIR"); d != "" {
		return d
	}
	data := flagData
	if data == "" {
		data = envOr(e, "SOHOA_DATA_DIR", "sohoa-data")
	}
	return filepath.Join(data, "trust")
}

func runTrustAdd(e *env, args []string) int {
	fs := newFlagSet(e, "trust add", "FILE [--trust-dir DIR] [--data-dir DIR]")
	trustDir := fs.String("trust-dir", "", "trust anchor directory (env SOHOA_TRUST_DIR; default <data dir>/trust, made when missing)")
	dataDir := fs.String("data-dir", "", "data directory (env SOHOA_DATA_DIR; default ./sohoa-data)")
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "sohoa trust add: give one certificate FILE")
		fs.Usage()
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "sohoa trust add: "+format+"\n", a...)
		return exitFailure
	}
	certs, err := verify.LoadTrustAnchors(pos[0])
	if err != nil {
		return fail("%v", err)
	}
	if len(certs) != 1 {
		return fail("%s holds %d certificates: add the root you mean to trust on its own", pos[0], len(certs))
	}
	c := certs[0]
	name, sum := certSubject(c), certSHA256(c)
	if why := notAnAnchor(c, time.Now()); why != "" {
		return fail("refusing %s (SHA-256 %s): %s", name, sum, why)
	}
	if vntrust.IsBuiltin(sum) {
		return fail("%s (SHA-256 %s) is built in: it is trusted already (unless --no-builtin-trust)", name, sum)
	}
	dir := trustDirFor(e, *trustDir, *dataDir)
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		have, err := verify.LoadTrustAnchors(dir)
		if err != nil {
			return fail("%v", err)
		}
		for _, h := range have {
			if h.Equal(c) {
				return fail("%s (SHA-256 %s) is already in the trust directory %s", name, sum, dir)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail("%v", err)
	}
	dst := filepath.Join(dir, anchorFileName(c))
	tmp, err := os.CreateTemp(dir, ".add-*.tmp")
	if err != nil {
		return fail("%v", err)
	}
	defer os.Remove(tmp.Name())
	if err := pem.Encode(tmp, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}); err != nil {
		tmp.Close()
		return fail("%v", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fail("%v", err)
	}
	if err := tmp.Close(); err != nil {
		return fail("%v", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(e.stdout, "added %s\n  subject  %s\n  valid    %s – %s\n  SHA-256  %s\nrestart sohoa serve, work and watch to use it\n",
		dst, name, c.NotBefore.UTC().Format("2006-01-02"), c.NotAfter.UTC().Format("2006-01-02"), sum)
	return exitOK
}

// notAnAnchor says why c cannot be a trust anchor, or "".
func notAnAnchor(c *x509.Certificate, now time.Time) string {
	switch {
	case !c.BasicConstraintsValid || !c.IsCA:
		return "it is not a CA certificate (an end-entity certificate, such as a signer's, cannot be a trust anchor: add the root CA that issued it)"
	case c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0:
		return "its key usage does not allow signing certificates (keyCertSign)"
	case now.After(c.NotAfter):
		return fmt.Sprintf("it expired on %s", c.NotAfter.UTC().Format("2006-01-02"))
	case now.Before(c.NotBefore):
		return fmt.Sprintf("it only becomes valid on %s", c.NotBefore.UTC().Format("2006-01-02"))
	}
	return ""
}

// anchorFileName names an added anchor's file: its CN in ASCII letters
// and digits, and the start of its SHA-256.
func anchorFileName(c *x509.Certificate) string {
	var b strings.Builder
	for _, r := range strings.ToLower(c.Subject.CommonName) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	base := strings.Trim(b.String(), "-")
	if base == "" {
		base = "anchor"
	}
	return base + "-" + certSHA256(c)[:16] + ".pem"
}

func runTrustRemove(e *env, args []string) int {
	fs := newFlagSet(e, "trust remove", "FINGERPRINT [--trust-dir DIR] [--data-dir DIR]")
	trustDir := fs.String("trust-dir", "", "trust anchor directory (env SOHOA_TRUST_DIR; default <data dir>/trust)")
	dataDir := fs.String("data-dir", "", "data directory (env SOHOA_DATA_DIR; default ./sohoa-data)")
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "sohoa trust remove: give the anchor's SHA-256 (sohoa trust list shows it)")
		fs.Usage()
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "sohoa trust remove: "+format+"\n", a...)
		return exitFailure
	}
	want := strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(pos[0]))
	if _, err := hex.DecodeString(want); err != nil || len(want) < 8 || len(want) > 64 {
		fmt.Fprintf(e.stderr, "sohoa trust remove: %q is not a SHA-256 fingerprint (64 hex digits, or a unique prefix of at least 8)\n", pos[0])
		return exitUsage
	}
	for _, c := range vntrust.All() {
		if strings.HasPrefix(c.SHA256, want) {
			return fail("%s is a built-in certificate (%s): it cannot be removed; run with --no-builtin-trust or set SOHOA_NO_BUILTIN_TRUST=1 to stop trusting the built-ins", c.SHA256, certSubject(c.Cert))
		}
	}
	dir := trustDirFor(e, *trustDir, *dataDir)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fail("no trust directory %s", dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fail("%v", err)
	}
	type hit struct {
		file string
		cert *x509.Certificate
	}
	var hits []hit
	for _, ent := range ents {
		ext := strings.ToLower(filepath.Ext(ent.Name()))
		if ent.IsDir() || ext != ".pem" && ext != ".crt" && ext != ".cer" {
			continue
		}
		f := filepath.Join(dir, ent.Name())
		certs, err := verify.LoadTrustAnchors(f)
		if err != nil {
			return fail("%v", err)
		}
		for _, c := range certs {
			if strings.HasPrefix(certSHA256(c), want) {
				hits = append(hits, hit{f, c})
			}
		}
	}
	switch {
	case len(hits) == 0:
		return fail("no anchor with SHA-256 %s in the trust directory %s (sohoa trust list shows them)", want, dir)
	case len(hits) > 1 && !allSame(hits, func(h hit) string { return certSHA256(h.cert) }):
		return fail("%s matches %d anchors: give more of the fingerprint", want, len(hits))
	}
	for _, h := range hits {
		if err := removeCertFromFile(h.file, h.cert); err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(e.stdout, "removed %s (SHA-256 %s) from %s\n", certSubject(h.cert), certSHA256(h.cert), h.file)
	}
	fmt.Fprintln(e.stdout, "restart sohoa serve, work and watch to stop using it")
	return exitOK
}

func allSame[T any](xs []T, key func(T) string) bool {
	for _, x := range xs[1:] {
		if key(x) != key(xs[0]) {
			return false
		}
	}
	return true
}

// removeCertFromFile deletes the file when c is all it holds, else
// rewrites it (PEM) without c.
func removeCertFromFile(name string, c *x509.Certificate) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	var keep []byte
	found, others := false, 0
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" && string(b.Bytes) == string(c.Raw) {
			found = true
			continue
		}
		others++
		keep = append(keep, pem.EncodeToMemory(b)...)
	}
	if !found || others == 0 {
		// A DER file, or a PEM file holding only c.
		return os.Remove(name)
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, keep, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}

func certSHA256(c *x509.Certificate) string {
	s := sha256.Sum256(c.Raw)
	return hex.EncodeToString(s[:])
}

// certSubject is the subject's CN, or the whole subject without one.
func certSubject(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}
