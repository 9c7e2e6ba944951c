//go:build unix

package fsblob

import (
	"errors"
	"syscall"
)

// isNoSpace: the filesystem is full, or the user's quota is used up.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
