package pdfraw

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDamagedHeader(t *testing.T) {
	good := classic().bytes()
	for _, c := range []struct{ header, anomaly string }{
		{"%PDX-1.7", "no %PDF- header in the first 1024 bytes; read as PDF anyway"},
		{"\x00\x00\x00\x00\x00\x00\x00\x00", "no %PDF- header in the first 1024 bytes; read as PDF anyway"},
		{"%PDF-x.y", "malformed version in the %PDF- header at offset 0; read as PDF anyway"},
		{"%PDF-1.A", "malformed version in the %PDF- header at offset 0; read as PDF anyway"},
	} {
		data := bytes.Clone(good)
		copy(data, c.header)
		f := open(t, data)
		require.Equal(t, "", f.Version(), "%q", c.header)
		require.Equal(t, []string{c.anomaly}, f.Anomalies())
		require.Equal(t, Name("Catalog"), obj(t, f, 0, 1).(Dict)["Type"])
		// Without an intact structure it is not read as a PDF: no repair.
		setStartxref(t, data, int64(len(data)), func(v int64) int64 { return v + 3 })
		require.ErrorIs(t, openErr(data, Limits{}), ErrNotPDF, "%q", c.header)
	}
	require.Equal(t, "1.7", open(t, good).Version())
	require.Empty(t, open(t, good).Anomalies())
	// Neither a header nor a PDF structure.
	for _, data := range []string{"", "<!DOCTYPE html><html><body>not a PDF</body></html>", "\x8f\x12\x00\xffrandom\x00bytes"} {
		require.ErrorIs(t, openErr([]byte(data), Limits{}), ErrNotPDF, "%q", data)
	}
}

func TestDuplicateKeys(t *testing.T) {
	b := newBuilder()
	b.obj(1, "<</Type/Catalog/Version/1.4/Version/1.7>>")
	b.obj(2, "<</Type/Sig/ByteRange[0 1 2 3]/Contents<00>/ByteRange[0 1 2 4]>>")
	b.obj(3, "<</Length 5/Length 5/Type/X>>")
	b.objStm(5, []uint32{4}, []string{"<</FT/Sig/FT/Btn>>"})
	b.xrefStream(6, "/Root 1 0 R/Root 1 0 R/Size 99", false)
	f := open(t, b.bytes())
	// The trailer's repeated /Size is seen at Open.
	require.Len(t, f.DuplicateKeys(), 1)
	require.Equal(t, Name("Size"), f.DuplicateKeys()[0].Key)
	require.Equal(t, Int(99), f.Trailer(0)["Size"])
	require.Contains(t, f.DuplicateKeys()[0].Where, "object at offset")

	require.Equal(t, Name("1.7"), obj(t, f, 0, 1).(Dict)["Version"]) // not critical: not reported
	require.Equal(t, Array{Int(0), Int(1), Int(2), Int(4)}, obj(t, f, 0, 2).(Dict)["ByteRange"])
	require.Equal(t, Int(5), obj(t, f, 0, 3).(Dict)["Length"]) // equal values: not reported
	require.Equal(t, Name("Btn"), obj(t, f, 0, 4).(Dict)["FT"])
	// Reading again (from the cache) does not report twice.
	obj(t, f, 0, 2)
	dups := f.DuplicateKeys()
	require.Len(t, dups, 3)
	require.Equal(t, Name("ByteRange"), dups[1].Key)
	require.Contains(t, dups[1].Where, "object 2 0 at offset")
	require.Equal(t, Name("FT"), dups[2].Key)
	require.Contains(t, dups[2].Where, "object stream 5")
	an := f.Anomalies()
	require.Len(t, an, 3)
	require.Equal(t, fmt.Sprintf("%s: dictionary key /ByteRange repeated with a different value; the last value is used", dups[1].Where), an[1])
}

func TestAnomalyBound(t *testing.T) {
	b := newBuilder()
	for i := uint32(1); i <= maxNotes+50; i++ {
		b.obj(i, "<</Type/A/Type/B>>")
	}
	b.table("")
	f := open(t, b.bytes())
	walkAll(f, 0)
	require.Len(t, f.Anomalies(), maxNotes+1)
	require.Len(t, f.DuplicateKeys(), maxNotes)
	require.Equal(t, fmt.Sprintf("more than %d anomalies; the rest are not listed", maxNotes), f.Anomalies()[maxNotes])
}
