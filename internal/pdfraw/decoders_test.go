package pdfraw

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// tiffEncode applies TIFF predictor 2 to rows of packed samples.
func tiffEncode(samples [][]uint16, colors, bpc int) []byte {
	var out []byte
	for _, row := range samples {
		enc := make([]uint16, len(row))
		mask := uint16(1<<bpc - 1)
		if bpc == 16 {
			mask = 0xffff
		}
		for i := range row {
			enc[i] = row[i]
			if i >= colors {
				enc[i] = (row[i] - row[i-colors]) & mask
			}
		}
		out = append(out, pack(enc, bpc)...)
	}
	return out
}

func pack(s []uint16, bpc int) []byte {
	var out []byte
	var acc uint32
	n := 0
	for _, v := range s {
		acc = acc<<bpc | uint32(v)
		n += bpc
		for n >= 8 {
			out = append(out, byte(acc>>(n-8)))
			n -= 8
		}
	}
	if n > 0 {
		out = append(out, byte(acc<<(8-n)))
	}
	return out
}

func TestTIFFPredictor(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, bpc := range []int{1, 2, 4, 8, 16} {
		for _, colors := range []int{1, 3} {
			cols := 7
			var rows [][]uint16
			var plain []byte
			for range 5 {
				row := make([]uint16, cols*colors)
				for i := range row {
					row[i] = uint16(r.IntN(1 << bpc))
				}
				rows = append(rows, row)
				plain = append(plain, pack(row, bpc)...)
			}
			enc := tiffEncode(rows, colors, bpc)
			rd, err := predictor(bytes.NewReader(enc), Dict{"Predictor": Int(2), "Colors": Int(colors), "BitsPerComponent": Int(bpc), "Columns": Int(cols)})
			require.NoError(t, err)
			got, err := io.ReadAll(rd)
			require.NoError(t, err)
			require.Equal(t, plain, got, "bpc %d colors %d", bpc, colors)
		}
	}
}

func TestPNGPredictorTruncatedAndBad(t *testing.T) {
	rd, err := predictor(bytes.NewReader([]byte{5, 1, 2}), Dict{"Predictor": Int(12), "Columns": Int(2)})
	require.NoError(t, err)
	_, err = io.ReadAll(rd)
	require.Error(t, err) // bad filter type
	rd, err = predictor(bytes.NewReader([]byte{0, 1}), Dict{"Predictor": Int(12), "Columns": Int(2)})
	require.NoError(t, err)
	_, err = io.ReadAll(rd)
	require.ErrorIs(t, err, errTruncatedRow)
	_, err = predictor(bytes.NewReader(nil), Dict{"Predictor": Int(12), "Columns": Int(1 << 30)})
	require.Error(t, err)
	_, err = predictor(bytes.NewReader(nil), Dict{"Predictor": Int(3)})
	require.ErrorIs(t, err, ErrUnsupported)
}

// BenchmarkASCII85: decoding 1 MiB through the filter chain's reader.
func BenchmarkASCII85(b *testing.B) {
	data := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	enc := ascii85(data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		rd, err := newDecoder("ASCII85Decode", nil, bytes.NewReader(enc))
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, rd)
		if err != nil || n != int64(len(data)) {
			b.Fatal(n, err)
		}
	}
}

func TestASCII85EdgeCases(t *testing.T) {
	decode := func(s string, chunk int) ([]byte, error) {
		rd, err := newDecoder("ASCII85Decode", nil, iotestHalf(bytes.NewReader([]byte(s)), chunk))
		require.NoError(t, err)
		return io.ReadAll(rd)
	}
	for _, chunk := range []int{1, 2, 3, 7, 4096} {
		for in, want := range map[string]string{
			"87cURD]i,\"Ebo80~>":           "Hello World!",
			"87cUR D]i,\n\"Ebo\r\t80 ~>":   "Hello World!",
			"z~>":                          "\x00\x00\x00\x00",
			"~>":                           "",
			"87cURD]i,\"Ebo80~>trailing!!": "Hello World!",
			"9jqo^~>":                      "Man ",
		} {
			got, err := decode(in, chunk)
			require.NoError(t, err, "%q chunk %d", in, chunk)
			require.Equal(t, want, string(got), "%q chunk %d", in, chunk)
		}
		for _, in := range []string{"87cURD]i", "87cUR~x", "87cUR!~>", "8z7cUR~>", "87cURv~>", "87cUR~"} {
			_, err := decode(in, chunk)
			require.Error(t, err, "%q chunk %d", in, chunk)
		}
	}
}

// iotestHalf returns a reader that returns at most n bytes per Read.
func iotestHalf(r io.Reader, n int) io.Reader { return &chunkReader{r: r, n: n} }

type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }
