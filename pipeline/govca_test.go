package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/verify"
)

// govVerifier trusts the samples' root as the Government CA's: its
// signatures are reported under trust_infrastructure "gov".
func govVerifier(t testing.TB) *verify.Verifier {
	t.Helper()
	certs, err := verify.LoadTrustAnchors(filepath.Join(samplesDir(), "trust"))
	require.NoError(t, err)
	infra := map[string]verify.TrustInfrastructure{}
	for _, c := range certs {
		sum := sha256.Sum256(c.Raw)
		infra[hex.EncodeToString(sum[:])] = verify.InfraGov
	}
	v, err := verify.New(verify.Config{TrustAnchors: certs, Infrastructures: infra})
	require.NoError(t, err)
	return v
}

// ingestResolved stores a resolved dossier with both components and a
// result, every file validly signed under the samples' PKI, and waits for
// their results.
func (b *bundle) ingestResolved(t *testing.T, code string) {
	t.Helper()
	resolved := func(r IngestRequest) IngestRequest {
		at := r.NewDossier.ReceivedAt.AddDate(0, 0, 5)
		r.NewDossier.Status, r.NewDossier.ResolvedAt = sohoa.StatusResolved, &at
		return r
	}
	form := b.ingest(t, resolved(req(code, compForm, "don.pdf", sample(t, "signed-valid-blt.pdf")))).Document
	id := b.ingest(t, resolved(req(code, compID, "cccd.pdf", sample(t, "certified-p2.pdf")))).Document
	r := resolved(req(code, "", "giay-phep.pdf", sample(t, "two-signatures.pdf")))
	r.Role = sohoa.RoleResult
	result := b.ingest(t, r).Document
	b.start(t)
	b.wait(t, form.ID, id.ID, result.ID)
}

// A unit requiring the Government CA: a result validly signed under a
// unit-configured anchor is scanned and checked but not digitized, with
// the coded reason; without the policy (RecordUnit after it is cleared)
// the same dossier is digitized; under the Government CA it is digitized
// with the policy on.
func TestResultUnderGovernmentCA(t *testing.T) {
	yes, no := true, false
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		_, err := b.cat.UpdateUnit(ctx, testUnit, sohoa.UnitUpdate{RequireGovCA: &yes})
		require.NoError(t, err)
		const code = "U1-260302-0101"
		b.ingestResolved(t, code)

		d := b.dossier(t, code)
		assert.Equal(t, sohoa.DigitizationIncomplete, d.DigitizationState, "the samples' root is a configured anchor")
		assert.Equal(t, sohoa.ScanChecked, d.ScanState)
		st, err := b.p.Status(ctx, code)
		require.NoError(t, err)
		require.Len(t, st.Missing, 1)
		m := st.Missing[0]
		assert.Equal(t, sohoa.RoleResult, m.Role)
		assert.True(t, m.ScannedChecked)
		assert.Equal(t, sohoa.NewReason(sohoa.ReasonNotGovCA, "file", "giay-phep.pdf"), m.Reason)
		assert.Equal(t, `result: "giay-phep.pdf" is validly signed, but not under the Government CA as the unit requires`, m.Text(sohoa.LangEN))
		assert.Equal(t, `kết quả giải quyết TTHC: tệp “giay-phep.pdf” có chữ ký số hợp lệ nhưng không phải chữ ký số chuyên dùng Chính phủ, theo quy định của đơn vị`, m.Text(sohoa.LangVI))

		// The policy cleared: the unit's resolved dossiers are recomputed.
		_, err = b.cat.UpdateUnit(ctx, testUnit, sohoa.UnitUpdate{RequireGovCA: &no})
		require.NoError(t, err)
		changed, err := b.p.RecordUnit(ctx, testUnit)
		require.NoError(t, err)
		assert.Equal(t, 1, changed)
		assert.Equal(t, sohoa.DigitizationDigitized, b.dossier(t, code).DigitizationState, "without the policy")
		changed, err = b.p.RecordUnit(ctx, testUnit)
		require.NoError(t, err)
		assert.Zero(t, changed, "nothing left to change")
	})
}

func TestResultUnderGovernmentCADigitized(t *testing.T) {
	yes := true
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			cfg := be.open(t)
			b := newBundle(t, cfg)
			b.cfg.Verifier = govVerifier(t)
			b.p = b.pipeline(t, b.cfg)
			ctx := t.Context()
			_, err := b.cat.UpdateUnit(ctx, testUnit, sohoa.UnitUpdate{RequireGovCA: &yes})
			require.NoError(t, err)
			const code = "U1-260302-0102"
			b.ingestResolved(t, code)
			d := b.dossier(t, code)
			assert.Equal(t, sohoa.DigitizationDigitized, d.DigitizationState, "the result is signed under the Government CA")
			st, err := b.p.Status(ctx, code)
			require.NoError(t, err)
			assert.Empty(t, st.Missing)
		})
	}
}
