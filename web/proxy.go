package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/sohoa/sohoa"
)

// ParseTrustedProxies reads --trusted-proxy values: CIDR prefixes
// ("10.0.0.0/8", "::1/128") or single addresses ("127.0.0.1").
func ParseTrustedProxies(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			if p, err := netip.ParsePrefix(f); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, sohoa.Errorf(sohoa.EINVALID, "trusted proxy %q: want an address or a CIDR prefix such as 10.0.0.0/8", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

// trusted reports whether a is one of the trusted proxies.
func (s *server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientOf works out who sent r and over which scheme. The peer is the
// TCP connection's other end. Only when the peer is a trusted proxy are
// X-Forwarded-For and X-Forwarded-Proto believed: X-Forwarded-For is read
// from the right (the entry the nearest proxy appended) skipping trusted
// proxies, so a client cannot choose its address by sending the header
// itself; the rightmost X-Forwarded-Proto is the one the nearest proxy
// wrote.
func (s *server) clientOf(r *http.Request) (client netip.Addr, tls bool) {
	tls = r.TLS != nil
	client = peerAddr(r.RemoteAddr)
	if !client.IsValid() || !s.trusted(client) {
		return client, tls
	}
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		hops := strings.Split(strings.Join(xff, ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed hop: stop at the last address known good
			}
			client = a.Unmap()
			if !s.trusted(client) {
				break
			}
		}
	}
	if xfp := r.Header.Values("X-Forwarded-Proto"); len(xfp) > 0 {
		parts := strings.Split(xfp[len(xfp)-1], ",")
		switch strings.ToLower(strings.TrimSpace(parts[len(parts)-1])) {
		case "https":
			tls = true
		case "http":
			tls = false
		}
	}
	return client, tls
}

// peerAddr parses http.Request.RemoteAddr ("1.2.3.4:5678", "[::1]:80").
func peerAddr(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}
