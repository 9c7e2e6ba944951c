package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testenv"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
)

var listeningRE = regexp.MustCompile(`listening on (https?://\S+)`)

// inProcessServer is `sohoa serve` run in this process.
type inProcessServer struct {
	url    string
	stdout *syncWriter
	stderr *syncWriter
	out    *bytes.Buffer
	errb   *bytes.Buffer
	stop   context.CancelFunc
	code   chan int
}

// startServe runs `sohoa serve ARGS` in-process with vars as its
// environment and waits until it prints the URL it listens on.
func startServe(t *testing.T, vars map[string]string, args ...string) *inProcessServer {
	t.Helper()
	s := &inProcessServer{out: &bytes.Buffer{}, errb: &bytes.Buffer{}, code: make(chan int, 1)}
	s.stdout, s.stderr = &syncWriter{w: s.out}, &syncWriter{w: s.errb}
	e := &env{stdin: strings.NewReader(""), stdout: s.stdout, stderr: s.stderr, getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go func() { s.code <- run(ctx, e, append([]string{"serve"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.code:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		s.stdout.mu.Lock()
		m := listeningRE.FindStringSubmatch(s.out.String())
		s.stdout.mu.Unlock()
		if m != nil {
			s.url = m[1]
			return s
		}
		select {
		case code := <-s.code:
			s.code <- code
			t.Fatalf("serve exited %d before listening:\n%s", code, s.logs())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not print its URL:\n%s", s.logs())
	return nil
}

func (s *inProcessServer) logs() string {
	s.stderr.mu.Lock()
	defer s.stderr.mu.Unlock()
	return s.errb.String()
}

// shutdown stops the server as a signal would and returns its exit code.
func (s *inProcessServer) shutdown(t *testing.T) int {
	t.Helper()
	s.stop()
	select {
	case code := <-s.code:
		s.code <- code // for the cleanup
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
		return -1
	}
}

func httpGet(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

// serveScenario: serve starts over the configured stores, is ready, its
// in-process workers process a document another process ingests (seen in
// the metrics), and it stops cleanly.
func serveScenario(t *testing.T, vars map[string]string) {
	seedRefData(t, vars)
	s := startServe(t, vars, "--addr", "127.0.0.1:0", "--workers", "2")
	res, body := httpGet(t, nil, s.url+"healthz")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "ok\n", body)
	res, body = httpGet(t, nil, s.url+"readyz")
	require.Equal(t, http.StatusOK, res.StatusCode, body)

	e := testEnvFor(vars)
	cfg := addStoreFlags(newFlagSet(e, "test", ""), e)
	require.NoError(t, cfg.finish(e))
	st, p, err := openPipeline(t.Context(), e, cfg, "", pipeline.Config{})
	require.NoError(t, err)
	defer st.Close()
	doc := ingestSample(t, p, "U1-260302-0001", "Đơn đề nghị", "signed-valid-blt.pdf")
	wctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	require.NoError(t, p.WaitDocuments(wctx, []int64{doc.ID}), "serve's workers process it")

	require.Eventually(t, func() bool {
		_, m := httpGet(t, nil, s.url+"metrics")
		return strings.Contains(m, `sohoa_verification_indications_total{indication="TOTAL_PASSED"} 1`) &&
			strings.Contains(m, "sohoa_jobs_queued 0")
	}, 20*time.Second, 50*time.Millisecond)
	_, m := httpGet(t, nil, s.url+"metrics")
	assert.Contains(t, m, `sohoa_http_requests_total{code="200",method="GET",route="GET /healthz"} 1`)

	require.Equal(t, exitOK, s.shutdown(t), s.logs())
	assert.Contains(t, s.logs(), "workers stopped")
}

func TestServeSQLite(t *testing.T) {
	serveScenario(t, map[string]string{
		"SOHOA_DATA_DIR":  filepath.Join(t.TempDir(), "data"),
		"SOHOA_TRUST_DIR": filepath.Join(samplesDir, "trust"),
		"SOHOA_LOG_LEVEL": "info",
	})
}

func TestServePostgresS3(t *testing.T) {
	dbURL := pgtest.NewDatabase(t, "cmd_serve")
	endpoint, access, secret := testenv.S3(t)
	serveScenario(t, map[string]string{
		"SOHOA_DATA_DIR":      filepath.Join(t.TempDir(), "data"),
		"SOHOA_DATABASE_URL":  dbURL,
		"SOHOA_S3_ENDPOINT":   endpoint,
		"SOHOA_S3_BUCKET":     testenv.NewBucket(t),
		"SOHOA_S3_ACCESS_KEY": access,
		"SOHOA_S3_SECRET_KEY": secret,
		"SOHOA_S3_INSECURE":   "true",
		"SOHOA_TRUST_DIR":     filepath.Join(samplesDir, "trust"),
		"SOHOA_LOG_LEVEL":     "info",
	})
}

// serveChildEnv makes TestServeChild run `sohoa serve` with the given
// arguments, as the binary's main would: signals and all.
const serveChildEnv = "SOHOA_TEST_SERVE_CHILD_ARGS"

// TestServeChild is TestServeSIGTERM's server process.
func TestServeChild(t *testing.T) {
	args := os.Getenv(serveChildEnv)
	if args == "" {
		t.Skip("only run by TestServeSIGTERM")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if code := run(ctx, e, strings.Fields(args)); code != exitOK {
		t.Fatalf("sohoa serve exited %d", code)
	}
}

// A real process gets a real SIGTERM and exits 0 after a clean shutdown.
func TestServeSIGTERM(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		serveChildEnv+"=serve --addr 127.0.0.1:0 --workers 1",
		"SOHOA_DATA_DIR="+filepath.Join(t.TempDir(), "data"),
		"SOHOA_LOG_LEVEL=info",
		"SOHOA_DATABASE_URL=", "SOHOA_S3_ENDPOINT=", "SOHOA_ADDR=", // the embedded default, whatever the caller's environment says
	)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &syncWriter{w: &stderr}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	urls := make(chan string, 1)
	var rest bytes.Buffer
	restDone := make(chan struct{})
	go func() {
		defer close(restDone)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
			rest.WriteString(sc.Text() + "\n")
		}
	}()
	var url string
	select {
	case url = <-urls:
	case <-time.After(60 * time.Second):
		t.Fatalf("no URL printed; stderr:\n%s", stderr.String())
	}
	res, body := httpGet(t, nil, url+"healthz")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "ok\n", body)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { <-restDone; done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "exit status; stdout:\n%s\nstderr:\n%s", rest.String(), stderr.String())
	case <-time.After(40 * time.Second):
		t.Fatalf("serve did not stop on SIGTERM; stderr:\n%s", stderr.String())
	}
	assert.Contains(t, stderr.String(), "finishing requests in flight")
	assert.Contains(t, stderr.String(), "workers stopped")
	_, err = http.Get(url + "healthz")
	assert.Error(t, err, "nothing listens any more")
}

// A request in flight when the shutdown starts is answered; one that
// outlives the grace period is cut off and the shutdown still ends.
func TestServeGracefulShutdown(t *testing.T) {
	started := make(chan struct{}, 1)
	h := http.NewServeMux()
	h.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond)
		_, _ = w.Write([]byte("done"))
	})
	h.HandleFunc("/stuck", func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
	})
	log := slog.New(slog.DiscardHandler)

	t.Run("in flight finishes", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- serveHTTP(ctx, log, l, defaultHTTPServer(log, h), 10*time.Second) }()
		type result struct {
			body string
			err  error
		}
		got := make(chan result, 1)
		go func() {
			res, err := http.Get("http://" + l.Addr().String() + "/slow")
			if err != nil {
				got <- result{err: err}
				return
			}
			b, err := io.ReadAll(res.Body)
			res.Body.Close()
			got <- result{string(b), err}
		}()
		<-started
		cancel()
		r := <-got
		require.NoError(t, r.err)
		assert.Equal(t, "done", r.body)
		require.NoError(t, <-served)
		_, err = net.DialTimeout("tcp", l.Addr().String(), time.Second)
		assert.Error(t, err, "the listener is closed")
	})
	t.Run("grace period ends it", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- serveHTTP(ctx, log, l, defaultHTTPServer(log, h), 200*time.Millisecond) }()
		got := make(chan error, 1)
		go func() {
			res, err := http.Get("http://" + l.Addr().String() + "/stuck")
			if err == nil {
				_, err = io.ReadAll(res.Body)
				res.Body.Close()
			}
			got <- err
		}()
		<-started
		t0 := time.Now()
		cancel()
		select {
		case err := <-served:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("shutdown did not end after its grace period")
		}
		assert.Less(t, time.Since(t0), 5*time.Second)
		assert.Error(t, <-got, "the stuck request's connection was closed")
	})
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSignedCert(t, dir)
	vars := map[string]string{"SOHOA_DATA_DIR": filepath.Join(dir, "data"), "SOHOA_TLS_CERT": certFile, "SOHOA_TLS_KEY": keyFile}
	s := startServe(t, vars, "--addr", "127.0.0.1:0", "--no-workers")
	require.True(t, strings.HasPrefix(s.url, "https://127.0.0.1:"), s.url)
	assert.Contains(t, s.out.String(), "no workers")
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, body := httpGet(t, c, s.url+"healthz")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "ok\n", body)
	assert.NotEmpty(t, res.Header.Get("Strict-Transport-Security"))
	assert.Equal(t, exitOK, s.shutdown(t))
}

func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sohoa test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeBadStarts(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"cert without key", []string{"--tls-cert", "c.pem"}, exitUsage, "go together"},
		{"bad proxy", []string{"--trusted-proxy", "proxy.example"}, exitUsage, "trusted proxy"},
		{"argument", []string{"extra"}, exitUsage, "Usage: sohoa serve"},
		{"unreadable cert", []string{"--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", filepath.Join(dir, "none.key")}, exitFailure, "TLS certificate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, map[string]string{"SOHOA_DATA_DIR": filepath.Join(dir, "data")}, append([]string{"serve"}, c.args...)...)
			assert.Equal(t, c.code, code, errOut)
			assert.Contains(t, errOut, c.says)
		})
	}
	t.Run("address in use", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		code, _, errOut := runCmd(t, map[string]string{"SOHOA_DATA_DIR": filepath.Join(dir, "data2")}, "serve", "--addr", l.Addr().String())
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, errOut, "listen on "+l.Addr().String())
	})
}

func TestServeURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/",
		"0.0.0.0:80":     "http://127.0.0.1:80/",
		"[::]:8443":      "http://127.0.0.1:8443/",
		"[::1]:8080":     "http://[::1]:8080/",
	} {
		ap := netip.MustParseAddrPort(addr)
		assert.Equal(t, want, serveURL(net.TCPAddrFromAddrPort(ap), false), addr)
	}
	assert.Equal(t, "https://127.0.0.1:1/", serveURL(net.TCPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:1")), true))
}
