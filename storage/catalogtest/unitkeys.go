package catalogtest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func (s *suite) testUnitKeys(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	_, err := c.FindUnitSigningKey(ctx, "OSS1")
	requireCode(t, sohoa.ENOTFOUND, err)
	requireCode(t, sohoa.ENOTFOUND, c.DeleteUnitSigningKey(ctx, "OSS1"))

	k := &sohoa.UnitSigningKey{UnitCode: "OSS1", Sealed: []byte{1, 2, 3, 0, 255}, CertSHA256: key(1),
		Subject: "CN=Ủy ban nhân dân xã Thanh Xuân", Issuer: "CN=Sohoa Test Issuing CA",
		NotBefore: base, NotAfter: base.Add(365 * 24 * time.Hour)}
	require.NoError(t, c.SetUnitSigningKey(ctx, k))
	assert.False(t, k.UpdatedAt.IsZero())
	got, err := c.FindUnitSigningKey(ctx, "OSS1")
	require.NoError(t, err)
	assert.Equal(t, k, got)

	// Setting again replaces it, TSA included.
	k2 := *k
	k2.Sealed, k2.CertSHA256, k2.TSAURL = []byte("other"), key(2), "http://tsa.example.vn/tsa"
	require.NoError(t, c.SetUnitSigningKey(ctx, &k2))
	got, err = c.FindUnitSigningKey(ctx, "OSS1")
	require.NoError(t, err)
	assert.Equal(t, []byte("other"), got.Sealed)
	assert.Equal(t, "http://tsa.example.vn/tsa", got.TSAURL)
	_, err = c.FindUnitSigningKey(ctx, "OSS2")
	requireCode(t, sohoa.ENOTFOUND, err, "keys are per unit")

	bad := *k
	bad.UnitCode = "NOPE"
	requireCode(t, sohoa.EINVALID, c.SetUnitSigningKey(ctx, &bad), "unknown unit")
	bad = *k
	bad.TSAURL = "ftp://x"
	requireCode(t, sohoa.EINVALID, c.SetUnitSigningKey(ctx, &bad))
	bad = *k
	bad.Sealed = nil
	requireCode(t, sohoa.EINVALID, c.SetUnitSigningKey(ctx, &bad))
	bad = *k
	bad.Subject = strings.Repeat(" ", 3)
	requireCode(t, sohoa.EINVALID, c.SetUnitSigningKey(ctx, &bad))

	require.NoError(t, c.DeleteUnitSigningKey(ctx, "OSS1"))
	_, err = c.FindUnitSigningKey(ctx, "OSS1")
	requireCode(t, sohoa.ENOTFOUND, err)
}

func (s *suite) testCertifiedCopies(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	s.dossier(t, c, "D-1", "OSS1", base)
	scan := s.document(t, c, "D-1", 1)
	cp := s.document(t, c, "D-1", 2)
	other := s.document(t, c, "D-1", 3)

	_, err := c.FindCertifiedCopy(ctx, scan.ID)
	requireCode(t, sohoa.ENOTFOUND, err)
	at := base.Add(time.Hour).In(time.FixedZone("ICT", 7*3600))
	require.NoError(t, c.RecordCertifiedCopy(ctx, &sohoa.CertifiedCopy{ScanDocumentID: scan.ID, CopyDocumentID: cp.ID, SignedAt: at}))
	got, err := c.FindCertifiedCopy(ctx, scan.ID)
	require.NoError(t, err)
	assert.Equal(t, &sohoa.CertifiedCopy{ScanDocumentID: scan.ID, CopyDocumentID: cp.ID, SignedAt: at.UTC()}, got)

	// One copy per scan, and a copy belongs to one scan; the conflict
	// leaves the transaction usable.
	require.NoError(t, c.WithTx(ctx, func(tx sohoa.Catalog) error {
		requireCode(t, sohoa.ECONFLICT, tx.RecordCertifiedCopy(ctx, &sohoa.CertifiedCopy{ScanDocumentID: scan.ID, CopyDocumentID: other.ID, SignedAt: at}))
		requireCode(t, sohoa.ECONFLICT, tx.RecordCertifiedCopy(ctx, &sohoa.CertifiedCopy{ScanDocumentID: other.ID, CopyDocumentID: cp.ID, SignedAt: at}))
		_, err := tx.FindCertifiedCopy(ctx, scan.ID)
		return err
	}))
	requireCode(t, sohoa.EINVALID, c.RecordCertifiedCopy(ctx, &sohoa.CertifiedCopy{ScanDocumentID: other.ID, CopyDocumentID: 999999, SignedAt: at}))
	requireCode(t, sohoa.EINVALID, c.RecordCertifiedCopy(ctx, &sohoa.CertifiedCopy{ScanDocumentID: other.ID, CopyDocumentID: other.ID, SignedAt: at}))
	requireCode(t, sohoa.EINVALID, c.RecordCertifiedCopy(ctx, &sohoa.CertifiedCopy{ScanDocumentID: other.ID, CopyDocumentID: scan.ID}))
}
