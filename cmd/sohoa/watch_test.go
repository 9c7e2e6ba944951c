package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// watchBuffer is an output stream the test may read while the command
// writes to it.
type watchBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *watchBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *watchBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestWatchCommand(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	ingestSeed(t, dataDir)
	hot := t.TempDir()
	var out, errOut watchBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string {
		switch k {
		case "SOHOA_DATA_DIR":
			return dataDir
		case "SOHOA_WATCH_POLL":
			return "50ms"
		case "SOHOA_WATCH_MAX_WAIT":
			return "1s"
		}
		return ""
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, e, []string{"watch", "--stable", "300ms", "--trust-dir", sample("trust"), hot})
	}()

	good := ingestCopy(t, sample("signed-valid-blt.pdf"), hot, ingDossier+".1.pdf")
	ingestCopy(t, sample("unsigned.pdf"), hot, "batch-2/"+ingDossier+"__Bản sao CCCD.pdf")
	ingestCopy(t, sample("unsigned.pdf"), hot, "scan0001.pdf")
	ingestCopy(t, sample("unsigned.pdf"), hot, "000.00.12.G05-261201-0009__Đơn đề nghị.pdf")
	require.NoError(t, os.WriteFile(filepath.Join(hot, ingDossier+"__Tờ khai.pdf"), []byte("garbage, not a PDF"), 0o644))
	ingestCopy(t, sample("unsigned.pdf"), hot, ingDossier+"__x.pdf.part") // still downloading
	require.NoError(t, os.WriteFile(filepath.Join(hot, ingDossier+"__empty.pdf"), nil, 0o644))
	signed, err := os.ReadFile(sample("signed-valid-blt.pdf"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(hot, ingDossier+"__cut.pdf"), signed[:len(signed)/2], 0o644))

	day := time.Now().In(sohoa.Location()).Format("2006-01-02")
	processed := filepath.Join(hot, "processed", day)
	failed := filepath.Join(hot, "failed")
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(out.String(), " processed ")+strings.Count(out.String(), " failed ") < 7 {
		require.False(t, time.Now().After(deadline), "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-exit:
		assert.Equal(t, exitOK, code, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("sohoa watch did not stop")
	}
	o := out.String()
	assert.Contains(t, o, "processed "+filepath.Base(good)+": dossier "+ingDossier+", document ")
	assert.FileExists(t, filepath.Join(processed, filepath.Base(good)))
	assert.FileExists(t, filepath.Join(processed, "batch-2", ingDossier+"__Bản sao CCCD.pdf"))
	assert.NoFileExists(t, good)

	reasons := map[string]string{
		"scan0001.pdf": `cannot tell the dossier from the file name`,
		"000.00.12.G05-261201-0009__Đơn đề nghị.pdf": "its dossier does not exist",
		ingDossier + "__Tờ khai.pdf":                 "the file is not a PDF",
		ingDossier + "__empty.pdf":                   "the file is empty (0 bytes)",
		ingDossier + "__cut.pdf":                     "the file was not finished after 1s without a change: the PDF does not end with a complete trailer",
	}
	for name, reason := range reasons {
		assert.FileExists(t, filepath.Join(failed, name))
		txt, err := os.ReadFile(filepath.Join(failed, name+".error.txt"))
		require.NoError(t, err, name)
		assert.Contains(t, string(txt), reason)
		assert.Contains(t, o, "failed "+name+": "+reason)
	}
	assert.FileExists(t, filepath.Join(hot, ingDossier+"__x.pdf.part"), "a temporary name is left alone")
	assert.Contains(t, o, "stopped")

	db := ingestOpenCatalog(t, dataDir)
	docs, err := db.FindDocuments(context.Background(), sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: ingDossier})
	require.NoError(t, err)
	require.Len(t, docs, 2)
	for _, d := range docs {
		assert.Equal(t, sohoa.SourceFolder, d.Source)
		assert.Equal(t, "system:watch", d.UploadedBy)
	}
}

func TestWatchUsage(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, nil, "watch")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "Usage: sohoa watch")
	code, _, errOut = runCLI(t, map[string]string{"SOHOA_WATCH_STABLE": "soon"}, "watch", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `SOHOA_WATCH_STABLE="soon"`)
	code, _, errOut = runCLI(t, map[string]string{"SOHOA_WATCH_MAX_WAIT": "-1m"}, "watch", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `SOHOA_WATCH_MAX_WAIT="-1m"`)
	code, _, errOut = runCLI(t, nil, "watch", "--procedure", "P", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--procedure needs --unit")
	code, _, errOut = runCLI(t, nil, "watch", filepath.Join(dir, "nope"))
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "hot folder")
}
