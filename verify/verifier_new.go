package verify

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sohoa/sohoa/internal/vntrust"
	"github.com/sohoa/sohoa/verify/internal/revfetch"
)

// New builds a Verifier from cfg.
func New(cfg Config) (*Verifier, error) {
	v := &Verifier{
		policy: cfg.Policy,
		now:    cfg.Now,
		at:     cfg.At.UTC(),
		log:    cfg.Logger,
		cache:  newCryptoCache(),
	}
	if v.policy == (Policy{}) {
		v.policy = DefaultPolicy()
	}
	if v.now == nil {
		v.now = time.Now
	}
	if cfg.HTTPClient != nil {
		o := cfg.Online
		clock := o.Now
		if clock == nil {
			clock = v.now
		}
		v.fetch = revfetch.New(revfetch.Config{
			Client:           cfg.HTTPClient,
			RequestTimeout:   o.RequestTimeout,
			MaxAge:           o.CacheMaxAge,
			FailureThreshold: o.BreakerFailures,
			Cooldown:         o.BreakerCooldown,
			Now:              clock,
		})
		v.fetchBudget = o.Budget
		if v.fetchBudget <= 0 {
			v.fetchBudget = DefaultFetchBudget
		}
	}
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}
	v.log = v.log.With("component", "verify")
	v.anchorPool = x509.NewCertPool()
	sums := make([]string, 0, len(cfg.TrustAnchors))
	for _, c := range cfg.TrustAnchors {
		if c == nil {
			continue
		}
		v.anchors = append(v.anchors, c)
		v.anchorPool.AddCert(c)
		s := sha256.Sum256(c.Raw)
		sums = append(sums, hex.EncodeToString(s[:]))
	}
	slices.Sort(sums)
	sums = slices.Compact(sums)
	// Offered intermediates can change verdicts too, so they count in the
	// set's identity (marked apart from the anchors; no intermediates
	// leaves the sum what it was).
	var inter []string
	for _, c := range cfg.Intermediates {
		if c == nil {
			continue
		}
		v.extra = append(v.extra, c)
		s := sha256.Sum256(c.Raw)
		inter = append(inter, "intermediate:"+hex.EncodeToString(s[:]))
	}
	slices.Sort(inter)
	sums = append(sums, slices.Compact(inter)...)
	v.infra = cfg.Infrastructures
	if v.infra == nil {
		v.infra = map[string]TrustInfrastructure{}
		for fp, in := range vntrust.Infrastructures() {
			v.infra[fp] = TrustInfrastructure(in)
		}
	}
	all := sha256.Sum256([]byte(strings.Join(sums, "\n")))
	v.anchorsSum = hex.EncodeToString(all[:])
	return v, nil
}

// TrustAnchorsSHA256 identifies the set of trust anchors in use (the
// SHA-256 of the sorted anchor fingerprints), recorded with results so a
// change of anchors can trigger re-verification.
func (v *Verifier) TrustAnchorsSHA256() string { return v.anchorsSum }

// LoadTrustAnchors reads PEM certificates from files and directories
// (every *.pem, *.crt and *.cer file directly inside a directory; DER
// files are accepted too). A path that does not exist is an error.
func LoadTrustAnchors(paths ...string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("trust anchors: %w", err)
		}
		files := []string{p}
		if st.IsDir() {
			files = files[:0]
			ents, err := os.ReadDir(p)
			if err != nil {
				return nil, fmt.Errorf("trust anchors: %w", err)
			}
			for _, e := range ents {
				ext := strings.ToLower(filepath.Ext(e.Name()))
				if !e.IsDir() && (ext == ".pem" || ext == ".crt" || ext == ".cer") {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, f := range files {
			certs, err := readCertFile(f)
			if err != nil {
				return nil, err
			}
			out = append(out, certs...)
		}
	}
	return out, nil
}

func readCertFile(name string) ([]*x509.Certificate, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("trust anchors: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("trust anchors: read %s: %w", name, err)
	}
	var certs []*x509.Certificate
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := parseCertAny(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("trust anchors: %s: %w", name, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		c, err := parseCertAny(data)
		if err != nil {
			return nil, fmt.Errorf("trust anchors: %s holds no PEM or DER certificate", name)
		}
		certs = append(certs, c)
	}
	return certs, nil
}
