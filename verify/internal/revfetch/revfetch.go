// Package revfetch fetches CRLs and OCSP responses for the verifier: one
// bounded HTTP request at a time, a process-wide cache of answers the
// verifier vouched for (kept until their nextUpdate), and a circuit breaker
// per responder host, so a responder that is down costs a few timeouts
// and then nothing until its cool-down ends.
//
// It judges nothing: whether an answer is signed by the right key and
// current is the verifier's business, which is why only the verifier puts
// answers in the cache (Keep).
package revfetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Defaults for the zero fields of Config.
const (
	DefaultRequestTimeout   = 5 * time.Second
	DefaultMaxAge           = 5 * time.Minute
	DefaultMaxCacheAge      = 24 * time.Hour
	DefaultFailureThreshold = 5
	DefaultCooldown         = time.Minute
	DefaultMaxEntries       = 10000
	DefaultMaxBody          = 10 << 20
)

// Config configures a Fetcher.
type Config struct {
	Client *http.Client
	// RequestTimeout bounds one request, connection included.
	RequestTimeout time.Duration
	// MaxAge is how long an answer without a nextUpdate stays cached.
	MaxAge time.Duration
	// MaxCacheAge caps how long any answer stays cached, whatever its
	// nextUpdate.
	MaxCacheAge time.Duration
	// FailureThreshold consecutive failures open a host's breaker.
	FailureThreshold int
	// Cooldown is how long an open breaker refuses requests before it
	// lets one through to try again.
	Cooldown time.Duration
	// MaxEntries bounds the cache; when full, expired entries go first,
	// then everything.
	MaxEntries int
	// MaxBody bounds an answer's size.
	MaxBody int64
	// Now is the clock of the cache and the breakers; nil means time.Now.
	Now func() time.Time
}

// Request is one CRL download or OCSP request.
type Request struct {
	Kind string // "crl" (GET URL) or "ocsp" (POST Body to URL)
	URL  string
	Body []byte // the DER OCSP request, which carries the certificate's ID
}

func (r Request) key() string { return r.Kind + " " + r.URL + " " + string(r.Body) }

// Response is an answer, fresh from the responder or from the cache.
type Response struct {
	DER       []byte
	FetchedAt time.Time // when it was fetched (the first time, for a cached answer)
	Cached    bool
}

// OpenError is returned, without any request, while a host's breaker is
// open.
type OpenError struct {
	Host     string
	Failures int
	Until    time.Time
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("not asked: %s failed %d times in a row, so it is left alone until %s", e.Host, e.Failures, e.Until.UTC().Format(time.RFC3339))
}

// ErrBudget is returned, without any request, when the time allowed for
// one verification's fetches is used up.
var ErrBudget = errors.New("not asked: the time allowed for this verification's revocation checks is used up")

type entry struct {
	resp    Response
	expires time.Time
}

type breaker struct {
	failures  int
	openUntil time.Time
	trial     bool // a request is trying an open breaker's host again
}

// Fetcher is safe for concurrent use.
type Fetcher struct {
	cfg Config

	mu       sync.Mutex
	cache    map[string]entry
	breakers map[string]*breaker
}

// New returns a Fetcher; cfg.Client must be set.
func New(cfg Config) *Fetcher {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.MaxCacheAge <= 0 {
		cfg.MaxCacheAge = DefaultMaxCacheAge
	}
	if cfg.FailureThreshold <= 0 {
		cfg.FailureThreshold = DefaultFailureThreshold
	}
	if cfg.Cooldown <= 0 {
		cfg.Cooldown = DefaultCooldown
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Fetcher{cfg: cfg, cache: map[string]entry{}, breakers: map[string]*breaker{}}
}

// RequestTimeout is the bound on one request.
func (f *Fetcher) RequestTimeout() time.Duration { return f.cfg.RequestTimeout }

// Get returns the cached answer to r when there is a current one, and
// otherwise asks the responder, unless its host's breaker is open.
func (f *Fetcher) Get(ctx context.Context, r Request) (*Response, error) {
	now := f.cfg.Now()
	f.mu.Lock()
	if e, ok := f.cache[r.key()]; ok {
		if now.Before(e.expires) {
			f.mu.Unlock()
			resp := e.resp
			resp.Cached = true
			return &resp, nil
		}
		delete(f.cache, r.key())
	}
	f.mu.Unlock()

	host := hostOf(r.URL)
	if err := f.admit(host, now); err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		f.release(host)
		return nil, ErrBudget
	}
	der, err := f.do(ctx, r)
	if err != nil {
		// A caller that gave up (its budget ended) says nothing about
		// the responder.
		if ctx.Err() != nil {
			f.release(host)
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, ErrBudget
			}
			return nil, err
		}
		var se *statusError
		f.failed(host, !errors.As(err, &se) || se.counts())
		return nil, err
	}
	f.succeeded(host)
	return &Response{DER: der, FetchedAt: now}, nil
}

// Keep caches resp as the answer to r until nextUpdate (zero: MaxAge
// from when it was fetched), MaxCacheAge at most. The caller keeps only
// answers it checked and found current; one that is already out of date
// is not kept.
func (f *Fetcher) Keep(r Request, resp *Response, nextUpdate time.Time) {
	if resp == nil || resp.Cached {
		return
	}
	exp := resp.FetchedAt.Add(f.cfg.MaxAge)
	if !nextUpdate.IsZero() {
		exp = nextUpdate
	}
	if limit := resp.FetchedAt.Add(f.cfg.MaxCacheAge); exp.After(limit) {
		exp = limit
	}
	now := f.cfg.Now()
	if !now.Before(exp) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.cache) >= f.cfg.MaxEntries {
		for k, e := range f.cache {
			if !now.Before(e.expires) {
				delete(f.cache, k)
			}
		}
		if len(f.cache) >= f.cfg.MaxEntries {
			clear(f.cache)
		}
	}
	kept := *resp
	kept.DER = bytes.Clone(resp.DER)
	f.cache[r.key()] = entry{resp: kept, expires: exp}
}

// Forget drops the cached answer to r (the verifier no longer accepts it).
func (f *Fetcher) Forget(r Request) {
	f.mu.Lock()
	delete(f.cache, r.key())
	f.mu.Unlock()
}

// admit says whether a request to host may go out now.
func (f *Fetcher) admit(host string, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.breakers[host]
	if b == nil || b.failures < f.cfg.FailureThreshold {
		return nil
	}
	if now.Before(b.openUntil) || b.trial {
		return &OpenError{Host: host, Failures: b.failures, Until: b.openUntil}
	}
	b.trial = true // half-open: this request tries again, the others wait for its outcome
	return nil
}

// release undoes admit for a request that did not go out.
func (f *Fetcher) release(host string) {
	f.mu.Lock()
	if b := f.breakers[host]; b != nil {
		b.trial = false
	}
	f.mu.Unlock()
}

func (f *Fetcher) failed(host string, counts bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.breakers[host]
	if b == nil {
		b = &breaker{}
		f.breakers[host] = b
	}
	b.trial = false
	if !counts {
		return
	}
	b.failures++
	if b.failures >= f.cfg.FailureThreshold {
		b.openUntil = f.cfg.Now().Add(f.cfg.Cooldown)
	}
}

func (f *Fetcher) succeeded(host string) {
	f.mu.Lock()
	delete(f.breakers, host)
	f.mu.Unlock()
}

// statusError is an answer other than 200 OK.
type statusError struct {
	status string
	code   int
}

func (e *statusError) Error() string { return "HTTP status " + e.status }

// counts says whether the status shows the responder is unwell (server
// errors, overload) rather than refusing this one request.
func (e *statusError) counts() bool {
	return e.code >= 500 || e.code == http.StatusTooManyRequests || e.code == http.StatusRequestTimeout
}

func (f *Fetcher) do(ctx context.Context, r Request) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.RequestTimeout)
	defer cancel()
	method, ctype := http.MethodGet, ""
	var body io.Reader
	if r.Kind == "ocsp" {
		method, ctype, body = http.MethodPost, "application/ocsp-request", bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, body)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := f.cfg.Client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, fmt.Errorf("no answer within %s", f.cfg.RequestTimeout)
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{status: resp.Status, code: resp.StatusCode}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("the answer did not arrive within %s", f.cfg.RequestTimeout)
		}
		return nil, err
	}
	if int64(len(b)) > f.cfg.MaxBody {
		return nil, fmt.Errorf("the answer is larger than %d MiB", f.cfg.MaxBody>>20)
	}
	return b, nil
}

func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	return u.Host
}
