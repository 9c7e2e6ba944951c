// Package auditkey keeps the audit log's key (sohoa.AuditKey) in a file
// outside the catalog, so that someone who can write to the database
// cannot rewrite the log's chain: the file holds the key's 32 secret bytes
// and nothing else, readable by its owner only.
//
// A key is put in service once: Ensure makes it, has the catalog seal the
// audit log's head with it, and only then puts the file in place. So a key
// file always belongs to a sealed log, and a log that is sealed needs its
// key file: a process that finds the file missing never makes a new key
// for a log already sealed (the seal is refused), and one that finds the
// file present but the log unsealed knows the log was reset. Several
// processes, on one host or many, may share the catalog as long as each
// has a copy of the same file; the file changes only when it is made.
package auditkey

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/sohoa/sohoa"
)

// FileName is the key file's name in the data directory, its default place.
const FileName = "audit.key"

// pendingSuffix names the key being put in service: written in full, then
// sealed into the log, then renamed to the key file. A crash in between
// leaves it for the next start to finish.
const pendingSuffix = ".new"

// Load reads the key file at path. A missing file is an error wrapping
// fs.ErrNotExist; a file that group or others may read or write, that is
// not a regular file, or that is not sohoa.AuditKeySize bytes, is refused
// with an error naming it.
func Load(path string) (*sohoa.AuditKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audit key file %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("audit key file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, sohoa.Errorf(sohoa.EINVALID, "audit key file %s is not a regular file", path)
	}
	// Windows has no permission bits to check; there the directory's ACL
	// protects the file.
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, sohoa.Errorf(sohoa.EFORBIDDEN, "audit key file %s has mode %04o: it must be readable by its owner only; refusing to use it (chmod 600 %s, and consider the key exposed if others did read it)", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, sohoa.AuditKeySize+1))
	if err != nil {
		return nil, fmt.Errorf("audit key file %s: %w", path, err)
	}
	if len(b) != sohoa.AuditKeySize {
		return nil, sohoa.Errorf(sohoa.EINVALID, "audit key file %s is not a sohoa audit key (%d bytes, want %d)", path, len(b), sohoa.AuditKeySize)
	}
	return sohoa.NewAuditKey(b)
}

// Ensure returns the key in the file at path, making it when the file does
// not exist: 32 random bytes, written with mode 0600 beside path, given to
// seal (which seals the catalog's audit head with it: the catalog's
// SealAuditHead), and only once sealed renamed to path. created reports a
// new key. When seal fails, no key file appears: a log sealed with another
// key (sohoa.ErrAuditKeyMismatch) means the key file is missing here, and
// it is the caller's to say so; a new key is never made for such a log.
// Processes racing to make the key end up with the same one.
func Ensure(path string, seal func(*sohoa.AuditKey) error) (key *sohoa.AuditKey, created bool, err error) {
	pending := path + pendingSuffix
	for attempt := 0; attempt < 5; attempt++ {
		key, err := Load(path)
		if !errors.Is(err, fs.ErrNotExist) {
			return key, false, err
		}
		// No key yet: finish putting a pending one in service (another
		// process is doing it, or one crashed doing it), or make one.
		key, err = Load(pending)
		if errors.Is(err, fs.ErrNotExist) {
			key, err = writePending(pending)
			if errors.Is(err, fs.ErrExist) {
				continue // another process wrote one first: use it
			}
		}
		if err != nil {
			return nil, false, err
		}
		if err := seal(key); err != nil {
			if errors.Is(err, sohoa.ErrAuditKeyMismatch) || errors.Is(err, sohoa.ErrAuditHeadInvalid) {
				// The log cannot take this key: it must not be left
				// where the next start would try it again.
				_ = os.Remove(pending)
				if _, lerr := os.Stat(path); lerr == nil {
					continue // another process here put its key in service meanwhile
				}
			}
			return nil, false, err
		}
		if err := os.Rename(pending, path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // another process put the same key in place
			}
			return nil, false, fmt.Errorf("audit key file %s: %w", path, err)
		}
		if err := syncDir(filepath.Dir(path)); err != nil {
			return nil, false, err
		}
		return key, true, nil
	}
	return nil, false, fmt.Errorf("audit key file %s: it keeps appearing and disappearing; is another program moving it?", path)
}

// writePending writes a new key to pending, complete before the name
// appears (a temporary file linked to it), so a concurrent reader never
// sees half a key. fs.ErrExist: another process got there first.
func writePending(pending string) (*sohoa.AuditKey, error) {
	dir := filepath.Dir(pending)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit key directory %s: %w", dir, err)
	}
	secret := make([]byte, sohoa.AuditKeySize)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("make audit key: %w", err)
	}
	key, err := sohoa.NewAuditKey(secret)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(pending)+"-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("write audit key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(secret)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write audit key %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), pending); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		// A filesystem without hard links: create the name exclusively
		// and write it (a concurrent reader may then see it short, and
		// fail rather than use it).
		f, err := os.OpenFile(pending, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("write audit key %s: %w", pending, err)
		}
		_, err = f.Write(secret)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(pending)
			return nil, fmt.Errorf("write audit key %s: %w", pending, err)
		}
	}
	return key, nil
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
