package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/report"
)

// The demo's one-stop shop has an agency signing key, so its scans get
// certified copies through the real certify job and its quarterly report
// is signed. The sample PKI's keys are never written (testdata/samples
// keeps only its root certificate), so nothing can be issued under its
// root: the demo makes a small PKI of its own the first time it fills a
// data directory, a root ("Sohoa Demo Agency Root CA") and the shop's
// certificate under it, seals the shop's key in the catalog under the
// data directory's audit key as `sohoa unit cert set` does, and installs
// the root beside the sample root in <data dir>/trust. The root's key is
// dropped at once. The certificates are valid from 2020 to 2099 and name
// no CRL or OCSP location (the verifier notes it and passes them), so the
// demo needs no network.

// demoAgencyRootFile is the demo agency root's file in the trust directory.
const demoAgencyRootFile = "sohoa-demo-agency-root.pem"

var (
	demoCertNotBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	demoCertNotAfter  = time.Date(2099, 12, 31, 23, 59, 59, 0, time.UTC)
)

// demoAgencyKey gives the demo shop its signing key when it has none
// (sealed under ak, with an audit entry) and returns the key's root
// certificate, from the sealed chain, for the trust directory.
func demoAgencyKey(ctx context.Context, cat sohoa.Catalog, ak *sohoa.AuditKey) (*x509.Certificate, error) {
	k, err := cat.FindUnitSigningKey(ctx, demoShop)
	if sohoa.Code(err) == sohoa.ENOTFOUND {
		s, err := demoAgencyPKI(demoUnits[2].Name)
		if err != nil {
			return nil, err
		}
		if k, err = report.SealUnitKey(ak, demoShop, s, ""); err != nil {
			return nil, err
		}
		err = cat.WithTx(ctx, func(tx sohoa.Catalog) error {
			if err := tx.SetUnitSigningKey(ctx, k); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: demoActor, Action: "unit.cert_set", Object: "unit:" + demoShop,
				Details: auditDetails(map[string]any{"cert_sha256": k.CertSHA256, "subject": k.Subject, "issuer": k.Issuer,
					"not_after": k.NotAfter.Format(time.RFC3339), "demo": true})})
		})
		if err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	s, err := report.OpenUnitKey(ak, k)
	if err != nil {
		return nil, err
	}
	if len(s.Chain) == 0 {
		return nil, sohoa.Errorf(sohoa.EINVALID, "the signing key of unit %s has no issuer in its chain: not the demo's (remove it with sohoa unit cert remove %s)", demoShop, demoShop)
	}
	return s.Chain[len(s.Chain)-1], nil
}

// demoWriteAgencyRoot installs root in the trust directory.
func demoWriteAgencyRoot(dir string, root *x509.Certificate) error {
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw})
	path := filepath.Join(dir, demoAgencyRootFile)
	if cur, err := os.ReadFile(path); err == nil && bytes.Equal(cur, b) {
		return nil
	}
	return os.WriteFile(path, b, 0o644)
}

// demoAgencyPKI makes the demo root and the agency certificate under it,
// with RSA-2048 keys, and returns the agency's signer (its chain holds
// the root).
func demoAgencyPKI(agency string) (report.Signer, error) {
	rootKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return report.Signer{}, err
	}
	root, err := demoIssue(&x509.Certificate{
		Subject: pkix.Name{Country: []string{"VN"}, Organization: []string{"Sohoa (dữ liệu mẫu)"},
			CommonName: "Sohoa Demo Agency Root CA"},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}, nil, rootKey, rootKey)
	if err != nil {
		return report.Signer{}, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return report.Signer{}, err
	}
	leaf, err := demoIssue(&x509.Certificate{
		Subject: pkix.Name{Country: []string{"VN"}, Province: []string{"Hà Nội"}, Organization: []string{demoUnits[0].Name},
			CommonName: agency},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}, root, rootKey, key)
	if err != nil {
		return report.Signer{}, err
	}
	s := report.Signer{Key: key, Certificate: leaf, Chain: []*x509.Certificate{root}}
	return s, s.Validate()
}

// demoIssue signs tmpl with issuerKey (self-signed when issuer is nil)
// over key's public key.
func demoIssue(tmpl, issuer *x509.Certificate, issuerKey crypto.Signer, key crypto.Signer) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	tmpl.NotBefore, tmpl.NotAfter = demoCertNotBefore, demoCertNotAfter
	if issuer == nil {
		issuer = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), issuerKey)
	if err != nil {
		return nil, fmt.Errorf("demo PKI: %w", err)
	}
	return x509.ParseCertificate(der)
}
