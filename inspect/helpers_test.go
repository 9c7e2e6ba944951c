package inspect

import (
	"encoding/binary"
	"os"
	"os/exec"
	"testing"
)

// jpxCodestream is the start of a raw JPEG 2000 codestream: SOC and a SIZ
// marker segment for nc components of the given bit depth.
func jpxCodestream(nc, bits int) []byte {
	b := []byte{0xFF, 0x4F, 0xFF, 0x51}
	siz := make([]byte, 38)
	binary.BigEndian.PutUint16(siz[0:], uint16(38+3*nc))
	binary.BigEndian.PutUint32(siz[4:], 2480)
	binary.BigEndian.PutUint32(siz[8:], 3508)
	binary.BigEndian.PutUint16(siz[36:], uint16(nc))
	b = append(b, siz...)
	for range nc {
		b = append(b, byte(bits-1), 1, 1)
	}
	return b
}

// jp2Header is the start of a JP2 file: signature, file type and a header
// box with its image header.
func jp2Header(nc, bits int) []byte {
	b := []byte{0, 0, 0, 12, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}
	b = append(b, 0, 0, 0, 20, 'f', 't', 'y', 'p', 'j', 'p', '2', ' ', 0, 0, 0, 0, 'j', 'p', '2', ' ')
	b = append(b, 0, 0, 0, 45, 'j', 'p', '2', 'h')
	ihdr := make([]byte, 22)
	binary.BigEndian.PutUint32(ihdr[0:], 22)
	copy(ihdr[4:], "ihdr")
	binary.BigEndian.PutUint32(ihdr[8:], 3508)
	binary.BigEndian.PutUint32(ihdr[12:], 2480)
	binary.BigEndian.PutUint16(ihdr[16:], uint16(nc))
	ihdr[18] = byte(bits - 1)
	ihdr[19] = 7
	return append(b, ihdr...)
}

// testCommand re-runs this test binary with args.
func testCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exec.Command(exe, args...)
}
