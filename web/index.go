package web

import (
	"fmt"
	"net/http"
	"strings"
)

// handleIndex is the root: a signed-in browser gets its home page (what
// the user's roles start with), an anonymous one the sign-in page; other
// clients get a plain-text list of what the server offers.
func (s *server) handleIndex(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		if principalFrom(r.Context()) == nil {
			http.Redirect(w, r, signInPath, http.StatusSeeOther)
			return
		}
		s.rememberLang(w, r)
		s.handleHome(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "sohoa %s\n\n/healthz  process is up\n/readyz   catalog and blob store reachable\n/metrics  Prometheus metrics\n/dang-nhap  sign in (đăng nhập)\n/ho-so  dossiers (hồ sơ)\n/kiem-tra-chu-ky  check a file's signatures (kiểm tra chữ ký)\n/nhat-ky  audit log (nhật ký)\n", s.cfg.Version)
}
