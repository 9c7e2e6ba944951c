package vntrust

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The pins, written out here a second time so that changing a file and
// its pin in vntrust.go together still fails a test.
var wantPins = map[string]string{
	"vgca-rootca-g2.pem":                "f04ba4b459a7c9a1b971ad9b1cb833e695a80c79aea63b174b66a70edfe2fdb8",
	"vgca-cpca-g2.pem":                  "d8cab7a4aef92e6bb2509d7c61cee7b44f3731b2d21074963530277b366fae4b",
	"neac-vietnam-national-root-ca.pem": "bac8bf609ab420a8ee1780d74f4de5c7f7184959d2a7375b0a75e4c29f0908e7",
	"neac-vnpt-ca-sha2.pem":             "7d6ba5245317f9ed5d8bc765a4634d26ac6340d36b9f584df3b52d9c4a81a306",
}

// Every certificate file's SHA-256, recomputed from the DER in the file on
// disk, equals the pin in the test, in vntrust.go and in the README table;
// every .pem file in the directory is pinned.
func TestFingerprintsPinned(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `([^`]+\\.pem)` \\|.*\\| `([0-9a-f]{64})` \\|$")
	inReadme := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		inReadme[m[1]] = m[2]
	}
	require.Equal(t, wantPins, inReadme, "the README table")

	onDisk, err := filepath.Glob("*.pem")
	require.NoError(t, err)
	require.Len(t, onDisk, len(wantPins), "every .pem file is pinned")
	for _, name := range onDisk {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		b, rest := pem.Decode(data)
		require.NotNil(t, b, name)
		require.Equal(t, "CERTIFICATE", b.Type, name)
		more, _ := pem.Decode(rest)
		require.Nil(t, more, "%s holds one certificate", name)
		sum := sha256.Sum256(b.Bytes)
		require.Equal(t, wantPins[name], hex.EncodeToString(sum[:]), name)
	}

	got := map[string]string{}
	for _, p := range Pins {
		got[p.File] = p.SHA256
	}
	require.Equal(t, wantPins, got, "the pins in vntrust.go")
	require.Equal(t, readme, README(), "the embedded README is this one")
}

// The embedded certificates parse; the two roots are self-signed CAs, each
// intermediate is signed by its infrastructure's root and is no anchor.
func TestBuiltins(t *testing.T) {
	all := All()
	require.Len(t, all, 4)
	roots := map[Infrastructure]Cert{}
	for _, c := range all {
		sum := sha256.Sum256(c.Cert.Raw)
		require.Equal(t, c.SHA256, hex.EncodeToString(sum[:]), c.File)
		require.True(t, c.Cert.IsCA, c.File)
		require.True(t, IsBuiltin(c.SHA256))
		if c.Role == RoleRoot {
			require.NoError(t, c.Cert.CheckSignatureFrom(c.Cert), c.File)
			roots[c.Infrastructure] = c
		}
	}
	require.Len(t, roots, 2)
	for _, c := range all {
		if c.Role == RoleIntermediate {
			require.NoError(t, c.Cert.CheckSignatureFrom(roots[c.Infrastructure].Cert), c.File)
		}
	}
	require.Len(t, Roots(), 2)
	require.Len(t, Intermediates(), 2)
	require.Equal(t, "RootCA chuyên dùng Chính phủ G2", roots[Gov].Cert.Subject.CommonName)
	require.Equal(t, "Vietnam National Root CA", roots[Public].Cert.Subject.CommonName)
	require.Equal(t, map[string]Infrastructure{
		wantPins["vgca-rootca-g2.pem"]:                Gov,
		wantPins["neac-vietnam-national-root-ca.pem"]: Public,
	}, Infrastructures())
	require.False(t, IsBuiltin(hex.EncodeToString(make([]byte, 32))))
	// Both roots are valid for years to come: a root expiring soon is a
	// reminder to ship its successor.
	for _, r := range roots {
		require.True(t, r.Cert.NotAfter.After(time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)), r.File)
	}
}
