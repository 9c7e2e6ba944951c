// Package faulttest holds the fault-injection tests of the pipeline (issue
// 4, "Faults to survive"): the S3 server stopped during ingestion and
// started again, PostgreSQL restarted during ingestion. Each test owns the
// server it breaks, a private Versity S3 Gateway or a private PostgreSQL
// cluster, so that tests of other packages running at the same time against
// the shared servers (scripts/test-services.sh) never see the fault.
//
// The servers are found like the shared ones: versitygw in .cache/bin (built
// by scripts/test-services.sh), on PATH or at $SOHOA_VERSITYGW; PostgreSQL's
// initdb and pg_ctl through pg_config --bindir or /usr/lib/postgresql/*/bin.
// A missing binary skips the test, or fails it when CI is set.
package faulttest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// missing skips t, or fails it under CI, when a server binary is not there.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this test may not skip)", msg)
	}
	t.Skip(msg)
}

// moduleRoot is the directory holding go.mod, above the test's directory.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// freePort asks the kernel for a free loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitPort waits until something accepts connections at addr, or the
// process behind done exits.
func waitPort(addr string, within time.Duration, done <-chan struct{}) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("the server exited")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens at %s after %s: %w", addr, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// S3Server is a private Versity S3 Gateway (posix backend, versioning on,
// as scripts/test-services.sh runs it) that a test may kill and start again
// on the same port and directory.
type S3Server struct {
	t         testing.TB
	bin, dir  string
	Addr      string // host:port, plain HTTP
	AccessKey string
	SecretKey string

	cmd  *exec.Cmd
	done chan struct{}
}

// versitygwBinary finds versitygw, or skips (fails under CI).
func versitygwBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("SOHOA_VERSITYGW"); p != "" {
		return p
	}
	if root := moduleRoot(); root != "" {
		p := filepath.Join(root, ".cache", "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	missing(t, "versitygw not found in .cache/bin, on PATH or at $SOHOA_VERSITYGW; scripts/test-services.sh builds it")
	return ""
}

// StartS3 starts a private gateway on a free loopback port; it is killed and
// its directory removed when t ends.
func StartS3(t testing.TB) *S3Server {
	t.Helper()
	return StartS3In(t, t.TempDir())
}

// StartS3In is StartS3 keeping its data, versions and log in dir (a small
// filesystem, say, to fill the server's disk); it is killed when t ends.
func StartS3In(t testing.TB, dir string) *S3Server {
	t.Helper()
	s := &S3Server{t: t, bin: versitygwBinary(t), dir: dir,
		AccessKey: "fault" + randomHex(6), SecretKey: randomHex(20)}
	for _, d := range []string{"data", "versions"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	for range 5 {
		s.Addr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() { s.Kill() })
	return s
}

func (s *S3Server) start() error {
	logf, err := os.OpenFile(filepath.Join(s.dir, "versitygw.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "--port", s.Addr, "--quiet", "--keep-alive", "posix",
		"--versioning-dir", filepath.Join(s.dir, "versions"), filepath.Join(s.dir, "data"))
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	if err := waitPort(s.Addr, 10*time.Second, done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		log, _ := os.ReadFile(filepath.Join(s.dir, "versitygw.log"))
		return fmt.Errorf("%w; log:\n%s", err, log)
	}
	s.cmd, s.done = cmd, done
	return nil
}

// Start starts the gateway again on the same port and directory.
func (s *S3Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatalf("versitygw is running already")
	}
	var err error
	// The port was just freed by Kill; give the kernel a few tries.
	for range 20 {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("restart versitygw at %s: %v", s.Addr, err)
}

// Kill stops the gateway with SIGKILL (no clean shutdown) and waits for it.
func (s *S3Server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.cmd, s.done = nil, nil
}

// PGServer is a private PostgreSQL cluster (initdb in a temporary
// directory) that a test may restart.
type PGServer struct {
	t      testing.TB
	bindir string
	dir    string // holds data/, the log and the socket
	port   int
	opts   string   // server options given to pg_ctl start
	runAs  []string // runuser prefix when running as root
}

// pgBinDir finds the directory holding initdb and pg_ctl.
func pgBinDir(t testing.TB) string {
	t.Helper()
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(matches, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(matches[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(matches[j]))))
		return vi < vj
	})
	if len(matches) > 0 {
		return filepath.Dir(matches[len(matches)-1])
	}
	missing(t, "PostgreSQL's initdb not found (pg_config --bindir, /usr/lib/postgresql/*/bin)")
	return ""
}

// StartPostgres initialises and starts a private cluster on a free port
// with trust authentication for user postgres; it is stopped and removed
// when t ends. As root, the server runs as the postgres OS user (initdb
// refuses root).
func StartPostgres(t testing.TB) *PGServer {
	t.Helper()
	p := &PGServer{t: t, bindir: pgBinDir(t)}
	// Not t.TempDir: its parents are private to root, and the server may
	// run as another user.
	dir, err := os.MkdirTemp("", "sohoa-faulttest-pg-")
	if err != nil {
		t.Fatal(err)
	}
	p.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			missing(t, "running as root and there is no postgres user to run a private PostgreSQL as: %v", err)
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			missing(t, "running as root and runuser is missing: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		p.runAs = []string{runuser, "-u", "postgres", "--"}
	}
	p.run("initdb", "-D", p.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	for range 5 {
		p.port = freePort(t)
		p.opts = fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100", p.port, dir)
		if err = p.start(); err == nil {
			break
		}
	}
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
		t.Fatalf("start PostgreSQL: %v\n%s", err, log)
	}
	t.Cleanup(func() { _ = p.try("pg_ctl", "-D", p.data(), "-m", "immediate", "-w", "stop") })
	return p
}

func (p *PGServer) data() string { return filepath.Join(p.dir, "data") }

func (p *PGServer) start() error {
	return p.try("pg_ctl", "-D", p.data(), "-l", filepath.Join(p.dir, "postgres.log"), "-w", "-t", "60", "-o", p.opts, "start")
}

// Stop stops the server with pg_ctl stop -m fast (sessions are cut, open
// transactions roll back); Start starts it again on the same port.
func (p *PGServer) Stop() {
	p.t.Helper()
	p.run("pg_ctl", "-D", p.data(), "-m", "fast", "-w", "-t", "60", "stop")
}

// Start starts a stopped server again.
func (p *PGServer) Start() {
	p.t.Helper()
	if err := p.start(); err != nil {
		p.t.Fatal(err)
	}
}

func (p *PGServer) try(name string, args ...string) error {
	argv := append(append(append([]string{}, p.runAs...), filepath.Join(p.bindir, name)), args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, out)
	}
	return nil
}

func (p *PGServer) run(name string, args ...string) {
	p.t.Helper()
	if err := p.try(name, args...); err != nil {
		p.t.Fatal(err)
	}
}

// URL is a connection URL for database postgres as user postgres.
func (p *PGServer) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// Restart restarts the server with pg_ctl restart -m fast: every session
// is disconnected, in-flight transactions are rolled back, and the server
// comes back on the same port.
func (p *PGServer) Restart() {
	p.t.Helper()
	// -l again: without it the new server would write to pg_ctl's output,
	// which this process waits on.
	p.run("pg_ctl", "-D", p.data(), "-l", filepath.Join(p.dir, "postgres.log"), "-m", "fast", "-w", "-t", "60", "restart")
}
