package main

import (
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// offlineFlag registers --offline (env SOHOA_OFFLINE) on the long-running
// commands that verify (work, watch, serve): they check CRLs and OCSP
// online unless it is set.
func offlineFlag(fs *flag.FlagSet, e *env) *bool {
	return fs.Bool("offline", envOffline(e), "do not fetch CRLs and OCSP responses over the network (air-gapped sites); signatures whose file does not embed revocation data are then INDETERMINATE/TRY_LATER (env SOHOA_OFFLINE=1)")
}

// envOffline reads SOHOA_OFFLINE: 1, true, yes or on turn online checks
// off.
func envOffline(e *env) bool {
	v := strings.ToLower(strings.TrimSpace(e.getenv("SOHOA_OFFLINE")))
	switch v {
	case "":
		return false
	case "yes", "on":
		return true
	case "no", "off":
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		fmt.Fprintf(e.stderr, "sohoa: SOHOA_OFFLINE=%q is not 1 or 0: taken as 1, revocation is not fetched online\n", v)
		return true
	}
	return b
}

// online says whether a command's verifier fetches revocation data: only
// work, watch and serve (which set Offline) do, unless --offline.
func (c *storeConfig) online() bool { return c.Offline != nil && !*c.Offline }

// revocationHTTPClient is the client online revocation checks use: the
// environment's proxy (HTTP_PROXY, NO_PROXY), no timeout of its own (the
// verifier bounds every request and each verification's total).
func revocationHTTPClient() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}
