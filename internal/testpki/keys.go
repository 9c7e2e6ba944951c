package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"
	"sync/atomic"
)

// RSA key generation dominates PKI set-up (about 100 ms per 2048-bit key on
// the development machines), so RSA keys come from small per-size pools that
// are filled lazily and then reused round-robin. Consecutive requests always
// get distinct keys, so one PKI (and a PKI and the untrusted PKI created next
// to it) never share a key unless a test issues more certificates than the
// pool holds. Every certificate still gets its own random SubjectKeyId and
// serial number, so sharing a key across far-apart PKIs cannot make a chain
// builder that follows AKID/SKID and names confuse them.
type rsaPool struct {
	bits  int
	next  atomic.Uint64
	slots []rsaSlot
}

type rsaSlot struct {
	once sync.Once
	key  *rsa.PrivateKey
}

var rsaPools = map[int]*rsaPool{
	1024: {bits: 1024, slots: make([]rsaSlot, 8)},
	2048: {bits: 2048, slots: make([]rsaSlot, 16)},
	3072: {bits: 3072, slots: make([]rsaSlot, 4)},
}

func (p *rsaPool) get() *rsa.PrivateKey {
	i := (p.next.Add(1) - 1) % uint64(len(p.slots))
	s := &p.slots[i]
	s.once.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, p.bits)
		if err != nil {
			panic(fmt.Sprintf("testpki: generate RSA-%d key: %v", p.bits, err))
		}
		s.key = k
	})
	return s.key
}

// Key type names accepted in Options.KeyType.
const (
	RSA1024   = "rsa1024"
	RSA2048   = "rsa2048"
	RSA3072   = "rsa3072"
	ECDSAP256 = "ecdsa-p256"
	ECDSAP384 = "ecdsa-p384"
	Ed25519   = "ed25519"
)

// newKey returns a private key of the named type ("" means RSA-2048).
func newKey(keyType string) (crypto.Signer, error) {
	switch keyType {
	case "", RSA2048, "rsa":
		return rsaPools[2048].get(), nil
	case RSA1024:
		return rsaPools[1024].get(), nil
	case RSA3072:
		return rsaPools[3072].get(), nil
	case ECDSAP256, "ecdsa":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("testpki: unknown key type %q", keyType)
}
