package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/web"
)

// defaultHTTPServer is the server serve builds with its default flags.
func defaultHTTPServer(log *slog.Logger, h http.Handler) *http.Server {
	return newHTTPServer(log, h, nil, serverTimeouts{serveReadHeaderTimeout, serveReadTimeout, serveIdleTimeout})
}

func TestNewHTTPServer(t *testing.T) {
	srv := newHTTPServer(slog.New(slog.DiscardHandler), http.NotFoundHandler(), nil, serverTimeouts{readHeader: time.Second, read: 2 * time.Second, idle: 3 * time.Second})
	assert.Equal(t, time.Second, srv.ReadHeaderTimeout)
	assert.Equal(t, 2*time.Second, srv.ReadTimeout)
	assert.Equal(t, 3*time.Second, srv.IdleTimeout)
	assert.Zero(t, srv.WriteTimeout, "writes get a deadline each (web.Limits.WriteIdle), not one for the whole response")
	assert.Equal(t, 64<<10, srv.MaxHeaderBytes)
	assert.Greater(t, srv.MaxHeaderBytes, web.DefaultMaxHeaderBytes, "the handler's limit answers first, with a body people can read")
	assert.NotNil(t, srv.ErrorLog)
}

func TestByteSizeFlag(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "64KiB": 64 << 10, "200 MiB": 200 << 20, "1GiB": 1 << 30, "1gb": 1 << 30, "0": 0, "10K": 10 << 10} {
		var b byteSizeFlag
		require.NoError(t, b.Set(in), in)
		assert.Equal(t, want, int64(b), in)
	}
	for _, bad := range []string{"", "lots", "-1", "1.5GiB", "99999999999GiB"} {
		var b byteSizeFlag
		assert.Error(t, b.Set(bad), bad)
	}
}

// badInputServer is serve over a fresh embedded-default data directory
// with a clerk (password and API token) and a dossier, and short
// timeouts so slow clients are caught quickly.
type badInputServer struct {
	*inProcessServer
	vars     map[string]string
	addr     string // host:port
	token    string
	password string
	dossier  string
}

func startBadInputServer(t *testing.T) *badInputServer {
	t.Helper()
	vars := map[string]string{
		"SOHOA_DATA_DIR":  filepath.Join(t.TempDir(), "data"),
		"SOHOA_TRUST_DIR": filepath.Join(samplesDir, "trust"),
	}
	seedRefData(t, vars)
	const password = "mật khẩu rất bí mật 2026"
	e := testEnvFor(vars)
	cfg := addStoreFlags(newFlagSet(e, "test", ""), e)
	require.NoError(t, cfg.finish(e))
	st, _, err := openPipeline(t.Context(), e, cfg, "", pipeline.Config{})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, st.Catalog.CreateUser(ctx, &sohoa.User{Username: "lan", DisplayName: "Lan", Roles: []sohoa.Role{sohoa.RoleClerk}, UnitScopes: []string{"U1"}}))
	require.NoError(t, st.Catalog.SetPassword(ctx, "lan", password))
	_, token, err := st.Catalog.CreateAPIToken(ctx, "lan", "test", nil)
	require.NoError(t, err)
	require.NoError(t, st.Close())

	s := startServe(t, vars, "--addr", "127.0.0.1:0", "--no-workers",
		"--read-header-timeout", "300ms", "--read-timeout", "500ms",
		"--upload-idle-timeout", "1s", "--min-upload-rate", "64KiB",
		"--write-idle-timeout", "300ms", "--max-upload", "40MiB", "--log-level", "debug")
	b := &badInputServer{inProcessServer: s, vars: vars, addr: strings.TrimSuffix(strings.TrimPrefix(s.url, "http://"), "/"), token: token, password: password}
	res, body := b.api(t, "POST", "/api/v1/dossiers", "application/json", strings.NewReader(`{"unit":"U1","procedure":"P1"}`))
	require.Equal(t, http.StatusCreated, res.StatusCode, body)
	var d sohoa.Dossier
	require.NoError(t, json.Unmarshal([]byte(body), &d))
	b.dossier = d.Code
	return b
}

// api sends one request with the clerk's API token.
func (b *badInputServer) api(t *testing.T, method, path, contentType string, body io.Reader) (*http.Response, string) {
	t.Helper()
	r, err := http.NewRequest(method, b.url+strings.TrimPrefix(path, "/"), body)
	require.NoError(t, err)
	r.Header.Set("Authorization", "Bearer "+b.token)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(r)
	require.NoError(t, err)
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(out)
}

// dial opens a raw connection with a safety deadline: no test waits for
// ever, but nothing asserts how long the server took.
func (b *badInputServer) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", b.addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(60*time.Second)))
	return c
}

// storedDocuments is how many documents the dossier has, by the API.
func (b *badInputServer) storedDocuments(t *testing.T) int {
	t.Helper()
	res, body := b.api(t, "GET", "/api/v1/dossiers/"+b.dossier, "", nil)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	var st struct {
		Documents []json.RawMessage `json:"documents"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	return len(st.Documents)
}

// blobFiles lists the files under the data directory's blob store
// (uploads in progress included).
func (b *badInputServer) blobFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	root := filepath.Join(b.vars["SOHOA_DATA_DIR"], "blobs")
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if !os.IsNotExist(err) {
		require.NoError(t, err)
	}
	return out
}

// waitLog waits until the server's log holds s.
func (b *badInputServer) waitLog(t *testing.T, s string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(b.logs(), s) }, 60*time.Second, 20*time.Millisecond, "log line %q", s)
}

func uploadHead(b *badInputServer, length int) string {
	return fmt.Sprintf("POST /api/v1/dossiers/%s/documents?component=%%C4%%90%%C6%%A1n&filename=a.pdf HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/pdf\r\nContent-Length: %d\r\n\r\n",
		b.dossier, b.addr, b.token, length)
}

// TestServeSlowAndHugeClients drives the real server over TCP: a client
// that never finishes its headers, an upload that stalls or trickles, a
// long upload that keeps its pace, a download nobody reads, huge request
// lines and headers. Each ends in a clear answer (or a closed connection)
// and nothing stored; the log holds no secret.
func TestServeSlowAndHugeClients(t *testing.T) {
	b := startBadInputServer(t)

	t.Run("slowloris: headers never finished", func(t *testing.T) {
		c := b.dial(t)
		_, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1")
		require.NoError(t, err)
		got, err := io.ReadAll(c)
		if err != nil {
			assert.False(t, isNetTimeout(err), "the server closed the connection, not our safety deadline")
		}
		assert.Empty(t, got, "no response, the connection is closed")
	})

	t.Run("upload body stalls", func(t *testing.T) {
		c := b.dial(t)
		_, err := io.WriteString(c, uploadHead(b, 200_000)+"%PDF-1.7\n"+strings.Repeat("x", 1000))
		require.NoError(t, err)
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		assert.Equal(t, http.StatusRequestTimeout, res.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"code":"invalid"`)
		assert.Contains(t, string(body), `"http.request_timeout"`)
		assert.Zero(t, b.storedDocuments(t))
		assert.Empty(t, b.blobFiles(t), "no blob, no temporary file")
	})

	t.Run("upload body trickles below the minimum rate", func(t *testing.T) {
		c := b.dial(t)
		_, err := io.WriteString(c, uploadHead(b, 200_000)+"%PDF-1.7\n")
		require.NoError(t, err)
		answered := make(chan *http.Response, 1)
		go func() {
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				res = nil
			}
			answered <- res
		}()
		var res *http.Response
	trickle:
		for range 2000 {
			select {
			case res = <-answered:
				break trickle
			case <-time.After(20 * time.Millisecond):
				if _, err := io.WriteString(c, strings.Repeat("y", 50)); err != nil {
					res = <-answered
					break trickle
				}
			}
		}
		require.NotNil(t, res, "an answer before the body ended")
		assert.Equal(t, http.StatusRequestTimeout, res.StatusCode)
		assert.Zero(t, b.storedDocuments(t))
		assert.Empty(t, b.blobFiles(t))
	})

	t.Run("a long upload that keeps its pace is not cut", func(t *testing.T) {
		// Longer than --read-timeout and than --upload-idle-timeout in all,
		// but each second brings far more than the minimum.
		const chunk, chunks = 64 << 10, 40
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write([]byte("%PDF-1.7\n"))
			for i := range chunks {
				time.Sleep(50 * time.Millisecond)
				if _, err := pw.Write(bytes.Repeat([]byte{byte('a' + i%26)}, chunk)); err != nil {
					return
				}
			}
			pw.Close()
		}()
		res, body := b.api(t, "POST", "/api/v1/dossiers/"+b.dossier+"/documents?component=%C4%90%C6%A1n&filename=long.pdf", "application/pdf", pr)
		require.Equal(t, http.StatusAccepted, res.StatusCode, body)
		var up struct {
			Document sohoa.Document `json:"document"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &up))
		assert.Equal(t, int64(9+chunk*chunks), up.Document.Size)
	})

	t.Run("oversized upload", func(t *testing.T) {
		documentsBefore := b.storedDocuments(t)
		// Declared too large: refused before a byte of the body is read.
		c := b.dial(t)
		_, err := io.WriteString(c, uploadHead(b, 50<<20))
		require.NoError(t, err)
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		assert.Contains(t, string(body), `"limit":"40 MiB"`)
		// Chunked, so the size shows only on the way: cut at the limit.
		res2, body2 := b.api(t, "POST", "/api/v1/dossiers/"+b.dossier+"/documents?component=x&filename=big.pdf", "application/pdf",
			io.MultiReader(strings.NewReader("%PDF-1.7\n"), io.LimitReader(zeros{}, 41<<20)))
		assert.Equal(t, http.StatusRequestEntityTooLarge, res2.StatusCode, body2)
		assert.Zero(t, b.storedDocuments(t)-documentsBefore, "nothing stored")
	})

	t.Run("a download nobody reads", func(t *testing.T) {
		// A file far bigger than the socket buffers.
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write([]byte("%PDF-1.7\n"))
			_, _ = io.CopyN(pw, zeros{}, 24<<20)
			pw.Close()
		}()
		res, body := b.api(t, "POST", "/api/v1/dossiers/"+b.dossier+"/documents?component=x&filename=big.pdf", "application/pdf", pr)
		require.Equal(t, http.StatusAccepted, res.StatusCode, body)
		var up struct {
			Document sohoa.Document `json:"document"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &up))

		c := b.dial(t)
		_, err := fmt.Fprintf(c, "GET /api/v1/documents/%d/content HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n", up.Document.ID, b.addr, b.token)
		require.NoError(t, err)
		b.waitLog(t, "the client stopped reading")
		res, err = http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		got, err := io.Copy(io.Discard, res.Body)
		require.Error(t, err, "the connection was closed mid-body")
		assert.False(t, isNetTimeout(err), "closed by the server, not our safety deadline: %v", err)
		assert.Less(t, got, res.ContentLength)
		// The server goes on.
		res, _ = b.api(t, "GET", "/healthz", "", nil)
		assert.Equal(t, http.StatusOK, res.StatusCode)
	})

	t.Run("huge request lines and headers", func(t *testing.T) {
		get := func(path string, header http.Header) (*http.Response, string) {
			r, err := http.NewRequest("GET", b.url+strings.TrimPrefix(path, "/"), nil)
			require.NoError(t, err)
			for k, vs := range header {
				r.Header[k] = vs
			}
			res, err := http.DefaultClient.Do(r)
			require.NoError(t, err)
			defer res.Body.Close()
			out, _ := io.ReadAll(res.Body)
			return res, string(out)
		}
		auth := http.Header{"Authorization": {"Bearer " + b.token}}
		big := func(n int, with http.Header) http.Header {
			h := http.Header{"X-Big": {strings.Repeat("a", n)}}
			for k, v := range with {
				h[k] = v
			}
			return h
		}
		res, body := get("/api/v1/dossiers?q="+strings.Repeat("a", 10<<10), auth)
		assert.Equal(t, http.StatusRequestURITooLong, res.StatusCode)
		assert.Contains(t, body, `"http.uri_too_long"`)
		res, body = get("/ho-so?q="+strings.Repeat("a", 10<<10), nil)
		assert.Equal(t, http.StatusRequestURITooLong, res.StatusCode)
		assert.Contains(t, body, "Địa chỉ (URL) quá dài")
		res, body = get("/api/v1/me", big(40<<10, auth))
		assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, res.StatusCode)
		assert.Contains(t, body, `"code":"invalid"`)
		res, body = get("/ho-so", big(40<<10, nil))
		assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, res.StatusCode)
		assert.Contains(t, body, "quá lớn")
		// Past http.Server.MaxHeaderBytes net/http answers by itself.
		res, _ = get("/api/v1/me", big(100<<10, auth))
		assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, res.StatusCode)
		res, _ = get("/ho-so?q="+strings.Repeat("a", 100<<10), nil)
		assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, res.StatusCode)
	})

	t.Run("no secret in the log", func(t *testing.T) {
		// A browser session too: its cookie and CSRF token must not be
		// logged either, even on a refused or oversized request.
		res, err := http.Post(b.url+"api/v1/session", "application/json",
			strings.NewReader(`{"username":"lan","password":"`+b.password+`"}`))
		require.NoError(t, err)
		var sr struct {
			CSRF string `json:"csrf"`
		}
		require.NoError(t, json.NewDecoder(res.Body).Decode(&sr))
		res.Body.Close()
		var cookie string
		for _, c := range res.Cookies() {
			if c.Name == "sohoa_session" {
				cookie = c.Value
			}
		}
		require.NotEmpty(t, cookie)
		require.NotEmpty(t, sr.CSRF)
		for _, h := range []http.Header{
			{"Cookie": {"sohoa_session=" + cookie}, "X-Csrf-Token": {sr.CSRF + "forged"}},
			{"Cookie": {"sohoa_session=" + cookie}, "X-Big": {strings.Repeat("b", 40<<10)}},
		} {
			r, _ := http.NewRequest("DELETE", b.url+"api/v1/session", nil)
			r.Header = h
			res, err := http.DefaultClient.Do(r)
			require.NoError(t, err)
			res.Body.Close()
			assert.GreaterOrEqual(t, res.StatusCode, 400)
		}
		logs := b.logs()
		require.Contains(t, logs, "CSRF check failed", "the log was captured")
		for name, secret := range map[string]string{"password": b.password, "API token": b.token, "session cookie": cookie, "CSRF token": sr.CSRF} {
			assert.NotContains(t, logs, secret, name)
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func isNetTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
