package demodata

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The embedded copies must be the samples themselves: the demo's printed
// verdicts are those documented in testdata/samples/README.md.
func TestCopiesMatchSamples(t *testing.T) {
	var embedded []string
	err := fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			embedded = append(embedded, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(Files), TrustRoot)
	slices.Sort(want)
	slices.Sort(embedded)
	if !slices.Equal(embedded, want) {
		t.Fatalf("embedded files %v, want Files and TrustRoot %v", embedded, want)
	}
	for _, name := range want {
		got, err := FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		orig, err := os.ReadFile(filepath.Join("..", "..", "testdata", "samples", filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, orig) {
			t.Errorf("%s differs from testdata/samples/%s: run go generate ./internal/demodata", name, name)
		}
	}
}
