package verify

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// cryptoCache memoises pure functions of exact bytes across the Verify
// calls of one Verifier (a batch verifies many files signed by the same
// CAs): whether a signed DER object verifies under a certificate's key,
// parsed OCSP responses, and certificate paths crypto/x509 built. Nothing
// that depends on the time is cached on its own: a cached path is only
// reused at a time when exactly the same candidate certificates are within
// their validity period as when it was built. It is bounded: when full it
// starts over.
type cryptoCache struct {
	mu    sync.Mutex
	sigs  map[cacheKey]error
	ocsps map[cacheKey]ocspParsed
	paths map[cacheKey][]pathEntry
	n     int
}

const cryptoCacheMax = 4096

type cacheKey [sha256.Size]byte

type ocspParsed struct {
	resp *ocsp.Response
	err  error
}

// pathEntry is a path built at a time when the candidate certificates
// whose validity period covered the time were those of valid.
type pathEntry struct {
	valid string // one byte per candidate: 1 when valid at the time
	chain [][]byte
}

func newCryptoCache() *cryptoCache { return &cryptoCache{} }

func (c *cryptoCache) reserve() {
	if c.n >= cryptoCacheMax || c.sigs == nil {
		c.sigs = map[cacheKey]error{}
		c.ocsps = map[cacheKey]ocspParsed{}
		c.paths = map[cacheKey][]pathEntry{}
		c.n = 0
	}
	c.n++
}

// keyOf hashes a kind and byte strings, each prefixed by its length.
func keyOf(kind byte, parts ...[]byte) cacheKey {
	h := sha256.New()
	var l [9]byte
	l[0] = kind
	h.Write(l[:1])
	for _, p := range parts {
		binary.BigEndian.PutUint64(l[1:], uint64(len(p)))
		h.Write(l[1:])
		h.Write(p)
	}
	var k cacheKey
	h.Sum(k[:0])
	return k
}

// sigCheck memoises check, a pure function of the byte strings x and y
// (a signed object and the certificate whose key checks it).
func (v *Verifier) sigCheck(kind byte, x, y []byte, check func() error) error {
	c := v.cache
	if c == nil {
		return check()
	}
	k := keyOf(kind, x, y)
	c.mu.Lock()
	err, ok := c.sigs[k]
	c.mu.Unlock()
	if ok {
		return err
	}
	err = check()
	c.mu.Lock()
	c.reserve()
	c.sigs[k] = err
	c.mu.Unlock()
	return err
}

// parseOCSPForCert is ocsp.ParseResponseForCert(der, cert, nil), which
// only uses cert's serial number. The response returned is shared and
// must not be modified.
func (v *Verifier) parseOCSPForCert(der []byte, cert *x509.Certificate) (*ocsp.Response, error) {
	c := v.cache
	if c == nil || cert.SerialNumber == nil {
		return ocsp.ParseResponseForCert(der, cert, nil)
	}
	serial, _ := cert.SerialNumber.MarshalText()
	if cert.SerialNumber.Sign() < 0 {
		serial = append(serial, '-')
	}
	k := keyOf('o', der, serial)
	c.mu.Lock()
	p, ok := c.ocsps[k]
	c.mu.Unlock()
	if ok {
		return p.resp, p.err
	}
	resp, err := ocsp.ParseResponseForCert(der, cert, nil)
	c.mu.Lock()
	c.reserve()
	c.ocsps[k] = ocspParsed{resp, err}
	c.mu.Unlock()
	return resp, err
}

// validAt says, per candidate, whether t is within its validity period as
// crypto/x509 judges it.
func validAt(cands []*x509.Certificate, t time.Time) string {
	b := make([]byte, len(cands))
	for i, c := range cands {
		if !t.Before(c.NotBefore) && !t.After(c.NotAfter) {
			b[i] = 1
		}
	}
	return string(b)
}

// pathKey identifies a path search: the leaf, the intermediates in order
// (the anchors are the Verifier's).
func pathKey(leaf *x509.Certificate, inter []*x509.Certificate) cacheKey {
	parts := make([][]byte, 0, len(inter)+1)
	parts = append(parts, leaf.Raw)
	for _, c := range inter {
		parts = append(parts, c.Raw)
	}
	return keyOf('p', parts...)
}

// cachedPath returns the path built earlier for the same search at a time
// with the same valid candidates, mapped by their bytes onto the
// certificates crypto/x509 would return: the leaf, the first equal
// intermediate, the first equal anchor at the end.
func (v *Verifier) cachedPath(k cacheKey, valid string, leaf *x509.Certificate, inter []*x509.Certificate) []*x509.Certificate {
	c := v.cache
	if c == nil {
		return nil
	}
	c.mu.Lock()
	entries := c.paths[k]
	c.mu.Unlock()
	find := func(raw []byte, in []*x509.Certificate) *x509.Certificate {
		for _, x := range in {
			if string(x.Raw) == string(raw) {
				return x
			}
		}
		return nil
	}
	for _, e := range entries {
		if e.valid != valid {
			continue
		}
		n := len(e.chain)
		out := make([]*x509.Certificate, n)
		for i, raw := range e.chain {
			switch {
			case i == 0:
				if string(leaf.Raw) == string(raw) {
					out[i] = leaf
				}
			case i == n-1:
				out[i] = find(raw, v.anchors)
			default:
				out[i] = find(raw, inter)
			}
			if out[i] == nil {
				return nil
			}
		}
		return out
	}
	return nil
}

func (v *Verifier) storePath(k cacheKey, valid string, chain []*x509.Certificate) {
	c := v.cache
	if c == nil {
		return
	}
	raws := make([][]byte, len(chain))
	for i, x := range chain {
		raws[i] = x.Raw
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.paths[k] {
		if e.valid == valid {
			return
		}
	}
	c.reserve()
	if len(c.paths[k]) < 8 {
		c.paths[k] = append(c.paths[k], pathEntry{valid: valid, chain: raws})
	}
}

// Package-wide memos of pure parses, shared by all Verifiers: certificates
// (returned as shallow copies, so that distinct certificates in a file
// stay distinct pointers) and display names.
var (
	parseMu    sync.Mutex
	certMemo   = map[string]certParsed{}
	nameMemo   = map[string]string{}
	memoMaxLen = 1024
)

type certParsed struct {
	c   *x509.Certificate
	err error
}

// parseCert is x509.ParseCertificate, memoised. The certificate returned
// is the caller's own shallow copy; its slices are shared and must not be
// modified.
func parseCert(der []byte) (*x509.Certificate, error) {
	parseMu.Lock()
	p, ok := certMemo[string(der)]
	parseMu.Unlock()
	if !ok {
		// Parse a copy: the certificate keeps references to its bytes,
		// which are often part of a much larger buffer.
		p.c, p.err = x509.ParseCertificate(bytes.Clone(der))
		parseMu.Lock()
		if len(certMemo) >= memoMaxLen {
			clear(certMemo)
		}
		certMemo[string(der)] = p
		parseMu.Unlock()
	}
	if p.err != nil {
		return nil, p.err
	}
	cp := *p.c
	return &cp, nil
}

// memoName memoises f, a pure function of der.
func memoName(der []byte, f func([]byte) string) string {
	parseMu.Lock()
	s, ok := nameMemo[string(der)]
	parseMu.Unlock()
	if ok {
		return s
	}
	s = f(der)
	parseMu.Lock()
	if len(nameMemo) >= memoMaxLen {
		clear(nameMemo)
	}
	nameMemo[string(der)] = s
	parseMu.Unlock()
	return s
}

// smallFile bounds the files read into memory at once: the parser and the
// digest read a file in many small pieces, each a system call on a file.
const smallFile = 2 << 20

var smallBufs sync.Pool

// readSmall reads a file of at most smallFile bytes into a pooled buffer
// and returns a reader over it and a function giving the buffer back
// (nothing read through the reader refers to the buffer). It returns nil
// when the file is larger or cannot be read whole; r is then used as is.
func readSmall(r io.ReaderAt, size int64) (io.ReaderAt, func()) {
	if size <= 0 || size > smallFile {
		return nil, nil
	}
	var buf []byte
	if bp, ok := smallBufs.Get().(*[]byte); ok && int64(cap(*bp)) >= size {
		buf = (*bp)[:size]
	} else {
		buf = make([]byte, size, max(size, 256<<10))
	}
	n, err := r.ReadAt(buf, 0)
	if int64(n) != size || err != nil && err != io.EOF {
		return nil, nil
	}
	return bytes.NewReader(buf), func() { smallBufs.Put(&buf) }
}

// Decoded /DSS streams: the same CA certificates, CRLs and OCSP responses
// are embedded in many files. Only plain /FlateDecode streams (no
// parameters) are memoised, keyed by the SHA-256 of their encoded bytes:
// their decoding is a pure function of those bytes and the bound.
var (
	dssMu   sync.Mutex
	dssMemo = map[cacheKey][]byte{}
)

// dssMemoItem and dssMemoMax bound the memo to 16 MiB of decoded data, so
// a long-running server keeps at most that much for it.
const (
	dssMemoItem = 64 << 10
	dssMemoMax  = 256
)

// dssStreamData is f.StreamData(st, limit), memoised. The data returned
// is shared and must not be modified.
func dssStreamData(f *pdfraw.File, st *pdfraw.Stream, limit int64) ([]byte, error) {
	_, hasParms := st.Dict["DecodeParms"]
	// Encrypted data decodes differently under each object's key: the raw
	// bytes are not a key for the result.
	if st.Dict["Filter"] != pdfraw.Name("FlateDecode") || hasParms || st.Length <= 0 || st.Length > dssMemoItem || st.Encrypted() {
		return f.StreamData(st, limit)
	}
	raw := make([]byte, st.Length)
	if n, err := f.ReaderAt().ReadAt(raw, st.DataOffset); int64(n) != st.Length || err != nil && err != io.EOF {
		return f.StreamData(st, limit)
	}
	var l [8]byte
	binary.BigEndian.PutUint64(l[:], uint64(limit))
	k := keyOf('z', raw, l[:])
	dssMu.Lock()
	data, ok := dssMemo[k]
	dssMu.Unlock()
	if ok {
		return data, nil
	}
	data, err := f.StreamData(st, limit)
	if err == nil && len(data) <= dssMemoItem {
		dssMu.Lock()
		if len(dssMemo) >= dssMemoMax {
			clear(dssMemo)
		}
		dssMemo[k] = data
		dssMu.Unlock()
	}
	return data, err
}
