//go:build !unix

package fsblob

import (
	"errors"
	"syscall"
)

// Windows' own codes for a full disk (ERROR_HANDLE_DISK_FULL,
// ERROR_DISK_FULL); other systems do not have them.
const (
	errHandleDiskFull syscall.Errno = 39
	errDiskFull       syscall.Errno = 112
)

// isNoSpace: the filesystem is full.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, errHandleDiskFull) || errors.Is(err, errDiskFull)
}
