package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/internal/vntrust"
)

func trustList(t *testing.T, vars map[string]string, args ...string) trustListOutput {
	t.Helper()
	code, out, errOut := runCmd(t, vars, append([]string{"trust", "list", "--json"}, args...)...)
	require.Equal(t, exitOK, code, errOut)
	var doc trustListOutput
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	require.Equal(t, "sohoa.trust/v1", doc.Schema)
	return doc
}

func writePEM(t *testing.T, dir, name string, c *testpki.Cert) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, c.PEM(), 0o644))
	return p
}

// On a fresh install the built-in roots are anchors and the built-in
// intermediates are offered; --no-builtin-trust and
// SOHOA_NO_BUILTIN_TRUST=1 turn them off; the trust directory and --trust
// add to them, each with its source.
func TestTrustListSources(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := map[string]string{"SOHOA_DATA_DIR": dir}

	doc := trustList(t, vars)
	require.Len(t, doc.Items, 4)
	roles := map[string]int{}
	for _, it := range doc.Items {
		assert.Equal(t, trustSourceBuiltin, it.Source)
		assert.True(t, vntrust.IsBuiltin(it.SHA256))
		assert.True(t, it.Valid)
		roles[it.Role]++
	}
	assert.Equal(t, map[string]int{"anchor": 2, "intermediate": 2}, roles)
	assert.Equal(t, "gov", doc.Items[0].Infrastructure)
	assert.Equal(t, "RootCA chuyên dùng Chính phủ G2", doc.Items[0].CommonName)
	assert.Equal(t, time.Date(2048, 8, 14, 7, 36, 39, 0, time.UTC), doc.Items[0].NotAfter)
	withBuiltins := doc.AnchorsSHA256

	off := trustList(t, vars, "--no-builtin-trust")
	assert.Empty(t, off.Items)
	assert.True(t, off.BuiltinsOff)
	assert.NotEqual(t, withBuiltins, off.AnchorsSHA256)
	offEnv := trustList(t, map[string]string{"SOHOA_DATA_DIR": dir, "SOHOA_NO_BUILTIN_TRUST": "1"})
	assert.Empty(t, offEnv.Items)
	assert.Equal(t, off.AnchorsSHA256, offEnv.AnchorsSHA256)
	_, human, _ := runCmd(t, map[string]string{"SOHOA_DATA_DIR": dir, "SOHOA_NO_BUILTIN_TRUST": "1"}, "trust", "list")
	assert.Contains(t, human, "no trust anchors")

	pki := testpki.New(t)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "trust"), 0o755))
	pki.WriteRootPEM(filepath.Join(dir, "trust"))
	other := testpki.NewUntrusted(t)
	extra := writePEM(t, t.TempDir(), "other.pem", other.Root)
	doc = trustList(t, vars, "--trust", extra)
	require.Len(t, doc.Items, 6)
	assert.Equal(t, trustSourceDir, doc.Items[4].Source)
	assert.Equal(t, filepath.Join(dir, "trust"), doc.Items[4].Path)
	assert.Equal(t, certSHA256(pki.Root.Cert), doc.Items[4].SHA256)
	assert.Equal(t, trustSourceFlag, doc.Items[5].Source)
	assert.Equal(t, certSHA256(other.Root.Cert), doc.Items[5].SHA256)
	assert.Equal(t, filepath.Join(dir, "trust"), doc.TrustDir)

	// The server's anchor list labels the built-ins "built-in" and the
	// others with their directory; intermediates are not anchors.
	e := testEnvFor(vars)
	cfg := &storeConfig{DataDir: dir}
	anchors, err := listTrustAnchors(e, "", cfg)
	require.NoError(t, err)
	require.Len(t, anchors, 3)
	assert.Equal(t, trustSourceBuiltin, anchors[0].Source)
	assert.Equal(t, trustSourceBuiltin, anchors[1].Source)
	assert.Equal(t, filepath.Join(dir, "trust"), anchors[2].Source)
	noBuiltin := true
	cfg.NoBuiltinTrust = &noBuiltin
	anchors, err = listTrustAnchors(e, "", cfg)
	require.NoError(t, err)
	require.Len(t, anchors, 1)
}

// sohoa verify trusts the built-ins by default: the anchor set's identity
// in the report says so, and a signature under the test PKI is still
// INDETERMINATE (real Vietnamese roots sign no test certificate).
func TestVerifyBuiltinTrustSwitch(t *testing.T) {
	var with, without struct {
		Files []struct {
			TrustAnchorsSHA256 string `json:"trust_anchors_sha256"`
			SubIndication      string `json:"sub_indication"`
		} `json:"files"`
	}
	code, out, errOut := runCLI(t, nil, "verify", "--json", sample("signed-valid-blt.pdf"))
	require.Equal(t, verifyIndet, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(out), &with))
	assert.NotContains(t, errOut, "no trust anchors configured")
	assert.Equal(t, "NO_CERTIFICATE_CHAIN_FOUND", with.Files[0].SubIndication)

	code, out, errOut = runCLI(t, nil, "verify", "--json", "--no-builtin-trust", sample("signed-valid-blt.pdf"))
	require.Equal(t, verifyIndet, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(out), &without))
	assert.Contains(t, errOut, "no trust anchors configured")
	assert.NotEqual(t, with.Files[0].TrustAnchorsSHA256, without.Files[0].TrustAnchorsSHA256)

	code, out, errOut = runCLI(t, map[string]string{"SOHOA_NO_BUILTIN_TRUST": "1"}, "verify", "--json", sample("signed-valid-blt.pdf"))
	require.Equal(t, verifyIndet, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(out), &without))
	assert.Contains(t, errOut, "no trust anchors configured")

	// With the sample root besides the built-ins it passes, and the human
	// summary says the path ends in a unit-configured anchor.
	code, out, errOut = runCLI(t, nil, "verify", "--trust", sample("trust"), sample("signed-valid-blt.pdf"))
	require.Equal(t, verifyPassed, code, errOut)
	assert.Contains(t, out, "trusted anchor: yes, certificate trusted by the unit's configuration (configured)")
}

// trust add copies a CA certificate into the trust directory and refuses
// a leaf, an expired CA, a duplicate and a built-in; trust remove takes
// it out again and refuses the built-ins.
func TestTrustAddRemove(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	vars := map[string]string{"SOHOA_DATA_DIR": dir}
	pki := testpki.New(t)
	src := t.TempDir()
	root := writePEM(t, src, "root.pem", pki.Root)
	leaf := writePEM(t, src, "leaf.pem", pki.NewSigner(t, "Nguyễn Văn A", testpki.Options{}))
	expired := writePEM(t, src, "expired.pem", pki.NewCert(t, nil, testpki.Options{IsCA: true,
		Subject:   testpki.DefaultSubject("Old Root CA"),
		NotBefore: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}))
	der := filepath.Join(src, "root.cer")
	require.NoError(t, os.WriteFile(der, pki.Root.DER, 0o644))

	code, _, errOut := runCmd(t, vars, "trust", "add", leaf)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "not a CA certificate")
	code, _, errOut = runCmd(t, vars, "trust", "add", expired)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "expired on 2020-01-01")
	builtin := filepath.Join(src, "vgca.pem")
	require.NoError(t, os.WriteFile(builtin, mustRead(t, filepath.Join("..", "..", "internal", "vntrust", "vgca-rootca-g2.pem")), 0o644))
	code, _, errOut = runCmd(t, vars, "trust", "add", builtin)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "is built in")
	assert.NoDirExists(t, filepath.Join(dir, "trust"), "nothing refused is written")

	code, out, errOut := runCmd(t, vars, "trust", "add", der)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, certSHA256(pki.Root.Cert))
	files, err := filepath.Glob(filepath.Join(dir, "trust", "*.pem"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, string(pki.Root.PEM()), string(mustRead(t, files[0])), "stored as PEM")
	assert.True(t, strings.HasPrefix(filepath.Base(files[0]), "sohoa-test-root-ca-"), files[0])

	code, _, errOut = runCmd(t, vars, "trust", "add", root)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "already in the trust directory")

	doc := trustList(t, vars)
	require.Len(t, doc.Items, 5)
	assert.Equal(t, trustSourceDir, doc.Items[4].Source)
	// verify picks an added root up from <data dir>/trust.
	code, _, _ = runCmd(t, vars, "verify", sample("signed-valid-blt.pdf"))
	assert.Equal(t, verifyIndet, code)
	code, _, errOut = runCmd(t, vars, "trust", "add", sample(filepath.Join("trust", "root.pem")))
	require.Equal(t, exitOK, code, errOut)
	code, _, errOut = runCmd(t, vars, "verify", sample("signed-valid-blt.pdf"))
	assert.Equal(t, verifyPassed, code, errOut)
	require.Len(t, trustList(t, vars).Items, 6)

	code, _, errOut = runCmd(t, vars, "trust", "remove", "F0:4B:A4:B4:59:A7:C9:A1")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "built-in")
	assert.Contains(t, errOut, "--no-builtin-trust")
	code, _, _ = runCmd(t, vars, "trust", "remove", "not-hex")
	assert.Equal(t, exitUsage, code)
	code, _, errOut = runCmd(t, vars, "trust", "remove", strings.Repeat("ab", 32))
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "no anchor with SHA-256")

	code, out, errOut = runCmd(t, vars, "trust", "remove", certSHA256(pki.Root.Cert)[:12])
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "removed Sohoa Test Root CA")
	assert.NoFileExists(t, files[0])
	assert.Len(t, trustList(t, vars).Items, 5)

	// A bundle keeps its other certificates.
	bundle := filepath.Join(dir, "trust", "bundle.pem")
	other := testpki.NewUntrusted(t)
	require.NoError(t, os.WriteFile(bundle, append(pki.Root.PEM(), other.Root.PEM()...), 0o644))
	code, _, errOut = runCmd(t, vars, "trust", "remove", certSHA256(pki.Root.Cert))
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, string(other.Root.PEM()), string(mustRead(t, bundle)))
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}

// The help answers.
func TestTrustUsage(t *testing.T) {
	code, out, _ := runCmd(t, nil, "trust", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Usage: sohoa trust list")
	code, _, _ = runCmd(t, nil, "trust", "frobnicate")
	assert.Equal(t, exitUsage, code)
}
