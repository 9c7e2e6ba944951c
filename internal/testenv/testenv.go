// Package testenv finds the real servers integration tests run against.
//
// The test command (source scripts/test-services.sh && go test ./...) starts
// PostgreSQL and a Versity S3 Gateway and exports SOHOA_TEST_* variables;
// this package reads them. When a variable is missing a test skips, except
// under CI (CI set to anything), where it fails: a CI run that silently
// skipped every integration test would prove nothing.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const howTo = "start the test services first: source scripts/test-services.sh && go test ./..."

// Require returns the value of the environment variable name, skipping the
// test when it is unset, or failing it when CI is set.
func Require(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not set and CI is set, so this test may not skip; %s", name, howTo)
	}
	t.Skipf("%s is not set; %s", name, howTo)
	return ""
}

// DatabaseURL returns SOHOA_TEST_DATABASE_URL, a PostgreSQL URL to a server
// where the test may create its own database.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	return Require(t, "SOHOA_TEST_DATABASE_URL")
}

// S3 returns the endpoint (host:port, plain HTTP) and root credentials of
// the test S3 server.
func S3(t testing.TB) (endpoint, access, secret string) {
	t.Helper()
	endpoint = Require(t, "SOHOA_TEST_S3_ENDPOINT")
	access = Require(t, "SOHOA_TEST_S3_ACCESS_KEY")
	secret = Require(t, "SOHOA_TEST_S3_SECRET_KEY")
	return endpoint, access, secret
}

// NewBucket returns a bucket name no other test uses: a prefix derived from
// the test name for readability, and random hex for uniqueness. It is a
// valid S3 bucket name (3-63 characters of lowercase letters, digits, '-').
func NewBucket(t testing.TB) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, r := range strings.ToLower(t.Name()) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			sb.WriteRune(r)
		default:
			if s := sb.String(); s != "" && !strings.HasSuffix(s, "-") {
				sb.WriteByte('-')
			}
		}
	}
	prefix := strings.Trim(sb.String(), "-")
	if len(prefix) > 36 {
		prefix = strings.Trim(prefix[len(prefix)-36:], "-")
	}
	if prefix == "" {
		prefix = "t"
	}
	return "sohoa-" + prefix + "-" + hex.EncodeToString(b[:])
}

// Tmpfs mounts a fresh tmpfs with the given mount options (such as
// "size=1m", "size=1m,nr_inodes=8") and returns its directory, which every
// user may enter (so that a server running as another user, such as
// PostgreSQL, can use a directory inside it). It is unmounted and removed
// when t ends. Tests use it to fill a disk for real. When mounting is not
// possible (not root, no mount permission in a container) the test skips,
// or fails when CI is set.
func Tmpfs(t testing.TB, options string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sohoa-tmpfs-")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", options+",mode=0755", "tmpfs", dir).CombinedOutput()
	if err != nil {
		os.Remove(dir)
		msg := fmt.Sprintf("cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): %v: %s", err, strings.TrimSpace(string(out)))
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; CI is set, so this test may not skip", msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			// Busy (a server still has a file open): detach it now, the
			// kernel frees it once the last file is closed.
			if out2, err2 := exec.Command("umount", "-l", dir).CombinedOutput(); err2 != nil {
				t.Errorf("umount %s: %v: %s; %v: %s", dir, err, out, err2, out2)
				return
			}
		}
		os.Remove(dir)
	})
	return dir
}
