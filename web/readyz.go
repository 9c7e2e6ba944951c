package web

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/sohoa/sohoa"
)

// readyCheck is one dependency's line in /readyz's answer.
type readyCheck struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Error says what failed in words that reveal no internals: no
	// connection string, host or path (those go to the log).
	Error string `json:"error,omitempty"`
}

// handleReadyz is the readiness probe: 200 when the catalog and the blob
// store both answer within the timeout, otherwise 503 naming which did
// not. A load balancer takes a process out of rotation on 503 and keeps it
// running (unlike a failed /healthz).
func (s *server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	checks := []struct {
		name string
		c    Checker
	}{
		{"catalog", s.cfg.CatalogCheck},
		{"blob_store", s.cfg.Blobs},
	}
	results := make([]readyCheck, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		results[i].Name = c.name
		if c.c == nil {
			results[i].Error = "not configured"
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadyTimeout)
			defer cancel()
			err := probe(ctx, c.c)
			if err == nil {
				results[i].OK = true
				return
			}
			results[i].Error = "unreachable"
			if ctx.Err() == context.DeadlineExceeded {
				results[i].Error = "timed out"
			}
			s.log.Warn("readiness check failed", "check", c.name, "err", err)
		}()
	}
	wg.Wait()
	status, ready := http.StatusOK, true
	for _, res := range results {
		if !res.OK {
			status, ready = http.StatusServiceUnavailable, false
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Ready  bool         `json:"ready"`
		Checks []readyCheck `json:"checks"`
	}{ready, results})
}

// probe runs c.Health, turning a panic (a closed driver can panic) into
// an error.
func probe(ctx context.Context, c Checker) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = sohoa.Errorf(sohoa.EINTERNAL, "health check panicked: %v", r)
		}
	}()
	return c.Health(ctx)
}

// auditHeadReader is the catalog call CatalogProbe makes: one row, read
// on every start anyway, so it is cheap and always there.
type auditHeadReader interface {
	ReadAuditHead(ctx context.Context) (*sohoa.AuditHead, error)
}

// CatalogProbe checks that the catalog answers a query. An application
// error other than EINTERNAL (no head yet, say) still means the database
// answered.
func CatalogProbe(c auditHeadReader) Checker {
	return CheckFunc(func(ctx context.Context) error {
		_, err := c.ReadAuditHead(ctx)
		if err != nil && sohoa.Code(err) == sohoa.EINTERNAL {
			return err
		}
		return nil
	})
}
