package source

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// openForWriting reports whether some process (any, this one included)
// has the file open for writing, where the system can tell: Linux grants a
// read lease only on a file nobody has open for writing. known is false
// where it cannot tell: not the file's owner (and no CAP_LEASE), leases
// turned off, or a file system without them (NFS); a scanner writing over
// SMB shows only when the server maps its opens to the kernel (Samba's
// kernel share modes or oplocks).
//
// The lease is released at once; a writer opening the file meanwhile
// waits that long at most (this process ignores the lease-break signal).
func openForWriting(path string) (busy, known bool) {
	f, err := os.Open(path)
	if err != nil {
		return false, false
	}
	defer f.Close()
	fd := f.Fd()
	switch _, err := unix.FcntlInt(fd, unix.F_SETLEASE, unix.F_RDLCK); {
	case err == nil:
		_, _ = unix.FcntlInt(fd, unix.F_SETLEASE, unix.F_UNLCK)
		return false, true
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EBUSY):
		return true, true
	}
	return false, false
}
