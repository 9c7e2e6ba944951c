package testenv

import (
	"regexp"
	"testing"
)

func TestNewBucket(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		b := NewBucket(t)
		if !valid.MatchString(b) || seen[b] {
			t.Fatalf("bad or repeated bucket name %q", b)
		}
		seen[b] = true
	}
	t.Run("A_Very/Long Name_That__Keeps_Going_And_Going_And_Going_Forever", func(t *testing.T) {
		if b := NewBucket(t); !valid.MatchString(b) {
			t.Fatalf("bad bucket name %q", b)
		}
	})
}

func TestRequireSkipsOutsideCI(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("SOHOA_TEST_NOPE", "")
	skipped := true
	t.Run("inner", func(t *testing.T) {
		Require(t, "SOHOA_TEST_NOPE")
		skipped = false
	})
	if !skipped {
		t.Fatal("Require did not skip")
	}
}
