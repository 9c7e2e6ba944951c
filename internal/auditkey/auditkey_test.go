package auditkey_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/auditkey"
)

// fakeLog stands in for a catalog's audit head: sealed with at most one key.
type fakeLog struct {
	mu    sync.Mutex
	id    string
	seals int
}

func (l *fakeLog) seal(k *sohoa.AuditKey) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seals++
	switch l.id {
	case "":
		l.id = k.ID()
	case k.ID():
	default:
		return sohoa.ErrAuditKeyMismatch
	}
	return nil
}

func TestEnsureMakesAndLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", auditkey.FileName)
	log := &fakeLog{}
	k, created, err := auditkey.Ensure(path, log.seal)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, k.ID(), log.id, "the log was sealed with the key")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.EqualValues(t, sohoa.AuditKeySize, fi.Size())
	if runtime.GOOS != "windows" {
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
	assert.NoFileExists(t, path+".new")
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left")

	again, created, err := auditkey.Ensure(path, log.seal)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, k.ID(), again.ID())
	assert.Equal(t, 1, log.seals, "an existing key is not sealed again")
	loaded, err := auditkey.Load(path)
	require.NoError(t, err)
	assert.Equal(t, k.ID(), loaded.ID())
}

func TestEnsureNeverReplacesTheLogsKey(t *testing.T) {
	dir := t.TempDir()
	log := &fakeLog{}
	first, _, err := auditkey.Ensure(filepath.Join(dir, "a.key"), log.seal)
	require.NoError(t, err)
	// Another host, without the file: its new key is refused and removed.
	path := filepath.Join(dir, "b.key")
	_, _, err = auditkey.Ensure(path, log.seal)
	assert.ErrorIs(t, err, sohoa.ErrAuditKeyMismatch)
	assert.NoFileExists(t, path)
	assert.NoFileExists(t, path+".new")
	assert.Equal(t, first.ID(), log.id)
}

func TestEnsureFinishesAnInterruptedCreation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, auditkey.FileName)
	log := &fakeLog{}
	// A crash after sealing, before the rename: the pending key is used.
	crash := func(k *sohoa.AuditKey) error {
		require.NoError(t, log.seal(k))
		return errors.New("killed")
	}
	_, _, err := auditkey.Ensure(path, crash)
	require.Error(t, err)
	assert.NoFileExists(t, path)
	assert.FileExists(t, path+".new")
	k, created, err := auditkey.Ensure(path, log.seal)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, log.id, k.ID())
	assert.NoFileExists(t, path+".new")
}

func TestEnsureConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), auditkey.FileName)
	log := &fakeLog{}
	const n = 8
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, _, err := auditkey.Ensure(path, log.seal)
			errs[i] = err
			if err == nil {
				ids[i] = k.ID()
			}
		}()
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, log.id, ids[i])
	}
	k, err := auditkey.Load(path)
	require.NoError(t, err)
	assert.Equal(t, log.id, k.ID())
}

func TestLoadRefuses(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no permission bits")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, auditkey.FileName)
	_, err := auditkey.Load(path)
	assert.ErrorIs(t, err, fs.ErrNotExist)

	require.NoError(t, os.WriteFile(path, make([]byte, 32), 0o600))
	_, err = auditkey.Load(path)
	require.NoError(t, err)
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o620} {
		require.NoError(t, os.Chmod(path, mode))
		_, err = auditkey.Load(path)
		assert.Equal(t, sohoa.EFORBIDDEN, sohoa.Code(err), "%04o", mode)
		assert.ErrorContains(t, err, path)
		assert.ErrorContains(t, err, "readable by its owner only")
	}
	require.NoError(t, os.Chmod(path, 0o400))
	_, err = auditkey.Load(path)
	assert.NoError(t, err, "read-only for the owner is fine")

	short := filepath.Join(dir, "short.key")
	require.NoError(t, os.WriteFile(short, []byte("0123456789abcdef0123456789abcdef\n"), 0o600))
	_, err = auditkey.Load(short)
	assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
	assert.ErrorContains(t, err, "not a sohoa audit key")

	_, err = auditkey.Load(dir)
	assert.Error(t, err, "a directory")
	// Ensure refuses an existing bad file rather than replacing it.
	require.NoError(t, os.Chmod(path, 0o644))
	_, _, err = auditkey.Ensure(path, (&fakeLog{}).seal)
	assert.Equal(t, sohoa.EFORBIDDEN, sohoa.Code(err))
}
