package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"

	"github.com/sohoa/sohoa"
)

// The UI's templates and static files are embedded: the binary is the
// whole server, and no page loads anything from elsewhere (the CSP
// allows only 'self', with no inline script or style).
var (
	//go:embed templates/*.html
	templateFS embed.FS
	//go:embed static
	staticRoot embed.FS

	pages = template.Must(template.New("").Funcs(template.FuncMap{
		"contains": strings.Contains,
		"list":     func(v ...string) []string { return v },
		"join":     strings.Join,
		// dict passes several values to a sub-template: dict "T" $t "D" .
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				if k, ok := kv[i].(string); ok {
					m[k] = kv[i+1]
				}
			}
			return m
		},
	}).ParseFS(templateFS, "templates/*.html"))
)

// staticHandler serves /static/ from the embedded files.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticRoot, "static")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// pageLang is the language a page is written in: Vietnamese unless the
// reader chose English (?lang=en, remembered in the lang cookie).
func pageLang(r *http.Request) sohoa.Lang {
	if v := r.URL.Query().Get("lang"); v != "" {
		return sohoa.ParseLang(v)
	}
	if c, err := r.Cookie(langCookieName); err == nil {
		return sohoa.ParseLang(c.Value)
	}
	return sohoa.LangVI
}

// rememberLang keeps a ?lang= choice in a cookie for the next pages.
func (s *server) rememberLang(w http.ResponseWriter, r *http.Request) {
	if v := r.URL.Query().Get("lang"); v != "" {
		s.setCookie(w, r, langCookieName, string(sohoa.ParseLang(v)), 365*24*3600)
	}
}

// uiText is a page's fixed text in one language.
type uiText struct {
	Lang, Title, Username, Password, Submit, Other, OtherLang, Back, ErrorTitle, SignedInAs, Home, Product string
}

var uiTexts = map[sohoa.Lang]uiText{
	sohoa.LangVI: {
		Lang: "vi", Title: "Đăng nhập", Username: "Tên đăng nhập", Password: "Mật khẩu", Submit: "Đăng nhập",
		Other: "English", OtherLang: "en", Back: "Về trang đăng nhập", ErrorTitle: "Không thực hiện được", Home: "Về danh sách hồ sơ",
		SignedInAs: "Bạn đang đăng nhập với tên", Product: "sohoa — số hóa hồ sơ",
	},
	sohoa.LangEN: {
		Lang: "en", Title: "Sign in", Username: "Username", Password: "Password", Submit: "Sign in",
		Other: "Tiếng Việt", OtherLang: "vi", Back: "Back to sign-in", ErrorTitle: "This could not be done", Home: "Back to the dossiers",
		SignedInAs: "You are signed in as", Product: "sohoa — số hóa hồ sơ",
	},
}

// signInPage is the sign-in template's data.
type signInPage struct {
	T        uiText
	CSRF     string
	Next     string
	Username string
	Error    string
	SignedIn string
}

// errorPage is the error template's data.
type errorPage struct {
	T       uiText
	Message string
	// SignedIn: the back link goes to the dossiers, not the sign-in page.
	SignedIn bool
}

// renderPage writes a page with status. The template runs into a buffer
// first, so a template error becomes a clean 500 instead of half a page.
func (s *server) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t := uiTexts[pageLang(r)]
	switch d := data.(type) {
	case signInPage:
		d.T = t
		data = d
	case errorPage:
		d.T = t
		d.SignedIn = principalFrom(r.Context()) != nil
		data = d
	}
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.logInternal(r, err)
		http.Error(w, internalMessage, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.Copy(w, &buf)
}

// writeJSONBody encodes v as the response body (headers already sent).
func writeJSONBody(w io.Writer, v any) {
	_ = json.NewEncoder(w).Encode(v)
}
