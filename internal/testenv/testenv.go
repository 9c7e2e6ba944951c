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
	"os"
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
