package fsblob

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
)

// copyHash copies r into f and returns the SHA-256 of what it copied and the
// length. Reading and writing run in the calling goroutine while SHA-256 runs
// in another: hashing (about 1.4 GB/s per core here) is the slowest stage,
// and overlapping it with the I/O is what keeps Put close to cp. Writeback
// is started as data arrives (see startWriteback) so the final fsync does
// not have to push the whole file at once.
func copyHash(ctx context.Context, f *os.File, r io.Reader) (sum []byte, n int64, err error) {
	const nbuf = 4
	free := make(chan []byte, nbuf)
	for range nbuf {
		b := getBuf()
		defer putBuf(b)
		free <- *b
	}
	toHash := make(chan []byte, nbuf)
	h := sha256.New()
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		for b := range toHash {
			h.Write(b)
			free <- b[:cap(b)]
		}
	}()

	wb := newWriteback(f)
	src := &ctxReader{ctx: ctx, r: r}
	for {
		b := <-free
		m, rerr := io.ReadFull(src, b)
		if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrUnexpectedEOF) {
			err = rerr
			free <- b
			break
		}
		if m == 0 {
			free <- b
			break
		}
		toHash <- b[:m]
		if _, werr := f.Write(b[:m]); werr != nil {
			err = werr
			break
		}
		n += int64(m)
		wb.written(n)
		if rerr != nil { // short read: EOF
			break
		}
	}
	close(toHash)
	<-hashed
	if err != nil {
		return nil, 0, err
	}
	return h.Sum(nil), n, nil
}
