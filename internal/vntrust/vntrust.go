// Package vntrust holds sohoa's built-in trust list: the public CA
// certificates of Vietnam's two signature infrastructures, embedded in
// the binary and pinned by the SHA-256 of their DER encoding (see
// README.md in this directory for their provenance).
//
// The Government CA (Ban Cơ yếu Chính phủ) issues the specialised
// public-service certificates agencies and officials sign with; the
// national root (NEAC) is the root of the licensed public CAs that issue
// citizens' and businesses' certificates. The two roots are trust
// anchors; the two intermediates only help build chains when a signature
// does not carry them, and are never anchors.
package vntrust

import (
	"crypto/sha256"
	"crypto/x509"
	"embed"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"sync"
)

//go:embed *.pem README.md
var files embed.FS

// Infrastructure names the signature infrastructure a certificate path
// ends in.
type Infrastructure string

const (
	// Gov is the Government CA of the Government Cipher Committee (chữ ký
	// số chuyên dùng Chính phủ).
	Gov Infrastructure = "gov"
	// Public is the national root CA (NEAC) and the licensed public CAs
	// under it (chữ ký số công cộng).
	Public Infrastructure = "public"
)

// Role says what a built-in certificate is for.
type Role string

const (
	RoleRoot         Role = "root"         // a trust anchor
	RoleIntermediate Role = "intermediate" // chain building only
)

// Pin is one built-in certificate file with its pinned fingerprint.
type Pin struct {
	File           string
	SHA256         string // of the DER encoding, lower-case hex
	Role           Role
	Infrastructure Infrastructure
}

// Pins lists the built-in certificates. Each file's fingerprint is
// checked against its pin when the package loads (a mismatch panics: the
// binary was built from altered files).
var Pins = []Pin{
	{"vgca-rootca-g2.pem", "f04ba4b459a7c9a1b971ad9b1cb833e695a80c79aea63b174b66a70edfe2fdb8", RoleRoot, Gov},
	{"vgca-cpca-g2.pem", "d8cab7a4aef92e6bb2509d7c61cee7b44f3731b2d21074963530277b366fae4b", RoleIntermediate, Gov},
	{"neac-vietnam-national-root-ca.pem", "bac8bf609ab420a8ee1780d74f4de5c7f7184959d2a7375b0a75e4c29f0908e7", RoleRoot, Public},
	{"neac-vnpt-ca-sha2.pem", "7d6ba5245317f9ed5d8bc765a4634d26ac6340d36b9f584df3b52d9c4a81a306", RoleIntermediate, Public},
}

// Cert is a parsed built-in certificate.
type Cert struct {
	Pin
	Cert *x509.Certificate
}

var load = sync.OnceValue(func() []Cert {
	out := make([]Cert, 0, len(Pins))
	for _, p := range Pins {
		c, err := parse(p)
		if err != nil {
			panic("vntrust: " + err.Error())
		}
		out = append(out, Cert{Pin: p, Cert: c})
	}
	return out
})

func parse(p Pin) (*x509.Certificate, error) {
	data, err := files.ReadFile(p.File)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s holds no PEM certificate", p.File)
	}
	sum := sha256.Sum256(b.Bytes)
	if got := hex.EncodeToString(sum[:]); got != p.SHA256 {
		return nil, fmt.Errorf("%s has SHA-256 %s, pinned %s", p.File, got, p.SHA256)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.File, err)
	}
	return c, nil
}

// All returns every built-in certificate, roots and intermediates, in
// the order of Pins.
func All() []Cert { return append([]Cert(nil), load()...) }

// Roots returns the built-in trust anchors.
func Roots() []*x509.Certificate { return byRole(RoleRoot) }

// Intermediates returns the built-in intermediates, offered for chain
// building only.
func Intermediates() []*x509.Certificate { return byRole(RoleIntermediate) }

func byRole(r Role) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range load() {
		if c.Role == r {
			out = append(out, c.Cert)
		}
	}
	return out
}

// Infrastructures maps each built-in root's SHA-256 to the infrastructure
// a path ending in it belongs to. Classification is by fingerprint only:
// a root with the same name but another key is not the Government CA.
func Infrastructures() map[string]Infrastructure {
	out := map[string]Infrastructure{}
	for _, p := range Pins {
		if p.Role == RoleRoot {
			out[p.SHA256] = p.Infrastructure
		}
	}
	return out
}

// IsBuiltin says whether the SHA-256 (lower-case hex) is a built-in
// certificate's.
func IsBuiltin(sha256Hex string) bool {
	for _, p := range Pins {
		if p.SHA256 == sha256Hex {
			return true
		}
	}
	return false
}

// README returns the provenance notes shipped with the certificates.
func README() []byte {
	b, _ := files.ReadFile("README.md")
	return b
}
