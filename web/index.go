package web

import (
	"fmt"
	"net/http"
	"strings"
)

// handleIndex is the root: a browser goes to the dossiers when signed in
// and to the sign-in page otherwise; other clients get a plain-text list
// of what the server offers.
func (s *server) handleIndex(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		target := signInPath
		if principalFrom(r.Context()) != nil {
			target = dossiersPath
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "sohoa %s\n\n/healthz  process is up\n/readyz   catalog and blob store reachable\n/metrics  Prometheus metrics\n/dang-nhap  sign in (đăng nhập)\n/ho-so  dossiers (hồ sơ)\n", s.cfg.Version)
}
