package testpki

import (
	"crypto/rand"
	"crypto/x509"
	"math/big"
	"sort"
	"time"
)

// CRL returns a DER CRL signed by issuer (Root, Intermediate or a CA from
// NewCert) listing the certificates it issued that are revoked at or before
// thisUpdate. A zero nextUpdate means the PKI default (see SetNextUpdate).
func (p *PKI) CRL(t TB, issuer *Cert, thisUpdate, nextUpdate time.Time) []byte {
	t.Helper()
	der, err := p.crl(issuer, thisUpdate, nextUpdate)
	if err != nil {
		t.Fatalf("testpki: CRL: %v", err)
	}
	return der
}

func (p *PKI) crl(issuer *Cert, thisUpdate, nextUpdate time.Time) ([]byte, error) {
	thisUpdate = thisUpdate.UTC().Truncate(time.Second)
	if nextUpdate.IsZero() {
		nextUpdate = p.defaultNextUpdate(thisUpdate)
	}
	p.mu.Lock()
	p.crlNumber++
	number := p.crlNumber
	var entries []x509.RevocationListEntry
	for serial, r := range p.revoked {
		c := p.issued[serial]
		if c == nil || c.Issuer != issuer || r.at.After(thisUpdate) {
			continue
		}
		entries = append(entries, x509.RevocationListEntry{
			SerialNumber:   c.Cert.SerialNumber,
			RevocationTime: r.at.UTC().Truncate(time.Second),
			ReasonCode:     r.reason,
		})
	}
	p.mu.Unlock()
	sort.Slice(entries, func(i, j int) bool { return entries[i].SerialNumber.Cmp(entries[j].SerialNumber) < 0 })
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(number),
		ThisUpdate:                thisUpdate,
		NextUpdate:                nextUpdate.UTC().Truncate(time.Second),
		RevokedCertificateEntries: entries,
	}, issuer.Cert, issuer.Key)
}
