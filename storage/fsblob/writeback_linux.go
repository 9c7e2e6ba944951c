package fsblob

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// writeback asks the kernel to start writing dirty pages of a file every few
// MiB (sync_file_range with SYNC_FILE_RANGE_WRITE does not wait), so that
// disk writes overlap the upload and the closing fsync is short. It is only
// a performance hint; durability still comes from fsync.
type writeback struct {
	rc   syscall.RawConn
	done int64 // bytes already handed to writeback
}

const writebackChunk = 8 << 20

func newWriteback(f *os.File) *writeback {
	rc, err := f.SyscallConn()
	if err != nil {
		return &writeback{}
	}
	return &writeback{rc: rc}
}

func (w *writeback) written(n int64) {
	if w.rc == nil || n-w.done < writebackChunk {
		return
	}
	off, length := w.done, n-w.done
	_ = w.rc.Control(func(fd uintptr) {
		_ = unix.SyncFileRange(int(fd), off, length, unix.SYNC_FILE_RANGE_WRITE)
	})
	w.done = n
}
