// Package catalogtest is the conformance suite every sohoa.Catalog
// implementation passes (storage/sqlite and storage/postgres), in the
// style of Go CDK's drivertest and River's riverdrivertest: one set of
// tests, run against each adapter by its own test package, so the embedded
// default and the server deployment behave the same.
package catalogtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// Tamperer changes a catalog behind its back, with raw SQL that bypasses
// the append-only guards, as an attacker with database access (but not the
// audit key) could. The suite checks that VerifyAuditChain and VerifyAudit
// notice.
type Tamperer interface {
	// EditAuditRow sets the actor of audit row seq.
	EditAuditRow(t *testing.T, c sohoa.Catalog, seq int64, actor string)
	// DeleteAuditRow removes audit row seq.
	DeleteAuditRow(t *testing.T, c sohoa.Catalog, seq int64)
	// Exec runs statements on c's database with the audit log's
	// append-only triggers out of the way; parameters are written ? in
	// the order they are passed.
	Exec(t *testing.T, c sohoa.Catalog, stmt string, args ...any)
	// Reopen opens c's database again as a catalog holding key (nil:
	// none), closed when t ends.
	Reopen(t *testing.T, c sohoa.Catalog, key *sohoa.AuditKey) sohoa.Catalog
}

// RunConformance runs the suite. newCatalog must return an empty, migrated
// catalog of its own for every call (a temporary file, a fresh schema) and
// release it when t ends. The tests run in parallel (up to -parallel).
func RunConformance(t *testing.T, newCatalog func(t *testing.T) sohoa.Catalog, tamper Tamperer) {
	s := &suite{newCatalog: newCatalog, tamper: tamper}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"Units", s.testUnits},
		{"UnitCycles", s.testUnitCycles},
		{"Procedures", s.testProcedures},
		{"Dossiers", s.testDossiers},
		{"DossierCodesGenerated", s.testGeneratedCodes},
		{"DossierCodesConcurrent", s.testGeneratedCodesConcurrent},
		{"Documents", s.testDocuments},
		{"BlobGCLocks", s.testBlobGCLocks},
		{"BlobGCWaits", s.testBlobGCWaits},
		{"BlobGCRace", s.testBlobGCRace},
		{"Inspections", s.testInspections},
		{"Verifications", s.testVerifications},
		{"ListDossiers", s.testListDossiers},
		{"Scoping", s.testScoping},
		{"Reports", s.testReports},
		{"Progress", s.testProgress},
		{"ProgressSnapshot", s.testProgressSnapshot},
		{"ProgressSeries", s.testProgressSeries},
		{"ProgressTargets", s.testProgressTargets},
		{"Reuse", s.testReuse},
		{"CloseDueConcurrent", s.testCloseDueConcurrent},
		{"UnitKeys", s.testUnitKeys},
		{"CertifiedCopies", s.testCertifiedCopies},
		{"Users", s.testUsers},
		{"APITokens", s.testAPITokens},
		{"Passwords", s.testPasswords},
		{"DisableUser", s.testDisableUser},
		{"Sessions", s.testSessions},
		{"SignInThrottle", s.testSignInThrottle},
		{"Audit", s.testAudit},
		{"AuditFilter", s.testAuditFilter},
		{"AuditTampering", s.testAuditTampering},
		{"AuditConcurrent", s.testAuditConcurrent},
		{"AuditKeyed", s.testAuditKeyed},
		{"AuditKeyedTampering", s.testAuditKeyedTampering},
		{"AuditKeyedConcurrent", s.testAuditKeyedConcurrent},
		{"AuditCrossCheck", s.testAuditCrossCheck},
		{"AuditTxConcurrent", s.testAuditTxConcurrent},
		{"AuditTxVisibility", s.testAuditTxVisibility},
		{"AuditTxRefused", s.testAuditTxRefused},
		{"InvalidInput", s.testInvalidInput},
		{"Tx", s.testTx},
		{"Times", s.testTimes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // every test has its own catalog
			tc.fn(t)
		})
	}
}

type suite struct {
	newCatalog func(t *testing.T) sohoa.Catalog
	tamper     Tamperer
}

// The fixture tree:
//
//	MIN (ministry)
//	├── DEP1
//	│   ├── OSS1
//	│   └── OSS2
//	└── DEP2
//	    └── OSS3
var fixtureUnits = []sohoa.Unit{
	{Code: "MIN", Name: "Bộ Ví dụ"},
	{Code: "DEP1", Name: "Cục Một", ParentCode: "MIN"},
	{Code: "DEP2", Name: "Cục Hai", ParentCode: "MIN"},
	{Code: "OSS1", Name: "Bộ phận Một cửa 1", ParentCode: "DEP1"},
	{Code: "OSS2", Name: "Bộ phận Một cửa 2", ParentCode: "DEP1"},
	{Code: "OSS3", Name: "Bộ phận Một cửa 3", ParentCode: "DEP2"},
}

// base is a fixed instant the fixtures count from.
var base = time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC)

// fixture is a catalog with the unit tree and two procedures.
func (s *suite) fixture(t *testing.T) sohoa.Catalog {
	t.Helper()
	c := s.newCatalog(t)
	ctx := t.Context()
	for _, u := range fixtureUnits {
		u := u
		require.NoError(t, c.CreateUnit(ctx, &u))
	}
	require.NoError(t, c.CreateProcedure(ctx, &sohoa.Procedure{Code: "1.001", Name: "Cấp giấy phép", RequiredComponents: []string{"Đơn đề nghị", "Bản sao CCCD"}}))
	require.NoError(t, c.CreateProcedure(ctx, &sohoa.Procedure{Code: "1.002", Name: "Gia hạn giấy phép"}))
	return c
}

func (s *suite) dossier(t *testing.T, c sohoa.Catalog, code, unit string, at time.Time) *sohoa.Dossier {
	t.Helper()
	d := &sohoa.Dossier{Code: code, UnitCode: unit, ProcedureCode: "1.001", ReceivedAt: at}
	require.NoError(t, c.CreateDossier(t.Context(), d))
	return d
}

// key is a blob key derived from n.
func key(n int) string { return fmt.Sprintf("%064x", n+0xabc000) }

func (s *suite) document(t *testing.T, c sohoa.Catalog, dossier string, n int) *sohoa.Document {
	t.Helper()
	d := &sohoa.Document{DossierCode: dossier, BlobKey: key(n), Size: int64(1000 + n), FileName: fmt.Sprintf("scan-%d.pdf", n),
		MediaType: "application/pdf", Role: sohoa.RoleComponent, ComponentName: "Đơn đề nghị", Source: sohoa.SourceWeb, UploadedBy: "clerk1"}
	require.NoError(t, c.CreateDocument(t.Context(), d))
	return d
}

func requireCode(t *testing.T, want sohoa.ErrorCode, err error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Equal(t, want, sohoa.Code(err), append([]any{"error: %v"}, err)...)
}

func codes(ds []*sohoa.Dossier) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Code
	}
	return out
}

func unitCodes(us []*sohoa.Unit) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Code
	}
	return out
}

func (s *suite) testUnits(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()

	u, err := c.FindUnitByCode(ctx, "OSS1")
	require.NoError(t, err)
	assert.Equal(t, "Bộ phận Một cửa 1", u.Name)
	assert.Equal(t, "DEP1", u.ParentCode)
	assert.False(t, u.CreatedAt.IsZero())
	assert.Equal(t, time.UTC, u.CreatedAt.Location())

	all, err := c.FindUnits(ctx, sohoa.UnitFilter{Scope: sohoa.AllUnits})
	require.NoError(t, err)
	assert.Equal(t, []string{"DEP1", "DEP2", "MIN", "OSS1", "OSS2", "OSS3"}, unitCodes(all))

	under, err := c.FindUnits(ctx, sohoa.UnitFilter{Scope: sohoa.AllUnits, Under: "DEP1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"DEP1", "OSS1", "OSS2"}, unitCodes(under))

	requireCode(t, sohoa.ECONFLICT, c.CreateUnit(ctx, &sohoa.Unit{Code: "OSS1", Name: "again"}))
	err = c.CreateUnit(ctx, &sohoa.Unit{Code: "OSS9", Name: "orphan", ParentCode: "NOPE"})
	requireCode(t, sohoa.EINVALID, err)
	assert.Contains(t, sohoa.Message(err), "NOPE")
	_, err = c.FindUnitByCode(ctx, "OSS9")
	requireCode(t, sohoa.ENOTFOUND, err)

	name := "Bộ phận Một cửa số 1"
	u, err = c.UpdateUnit(ctx, "OSS1", sohoa.UnitUpdate{Name: &name})
	require.NoError(t, err)
	assert.Equal(t, name, u.Name)
	assert.Equal(t, "DEP1", u.ParentCode)
	_, err = c.UpdateUnit(ctx, "NOPE", sohoa.UnitUpdate{Name: &name})
	requireCode(t, sohoa.ENOTFOUND, err)

	// The Government CA policy: off by default, set and cleared alone.
	assert.False(t, u.RequireGovCA)
	yes, no := true, false
	u, err = c.UpdateUnit(ctx, "OSS1", sohoa.UnitUpdate{RequireGovCA: &yes})
	require.NoError(t, err)
	assert.True(t, u.RequireGovCA)
	assert.Equal(t, name, u.Name)
	u, err = c.FindUnitByCode(ctx, "OSS1")
	require.NoError(t, err)
	assert.True(t, u.RequireGovCA)
	all, err = c.FindUnits(ctx, sohoa.UnitFilter{Scope: sohoa.AllUnits, Under: "OSS1"})
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.True(t, all[0].RequireGovCA)
	u, err = c.UpdateUnit(ctx, "OSS1", sohoa.UnitUpdate{Name: &name})
	require.NoError(t, err)
	assert.True(t, u.RequireGovCA, "a rename keeps the policy")
	u, err = c.UpdateUnit(ctx, "OSS1", sohoa.UnitUpdate{RequireGovCA: &no})
	require.NoError(t, err)
	assert.False(t, u.RequireGovCA)
	require.NoError(t, c.CreateUnit(ctx, &sohoa.Unit{Code: "OSS8", Name: "gov", ParentCode: "DEP1", RequireGovCA: true}))
	u, err = c.FindUnitByCode(ctx, "OSS8")
	require.NoError(t, err)
	assert.True(t, u.RequireGovCA, "set at creation")

	// Moving a one-stop shop to the other department moves its subtree
	// membership with it.
	dep2 := "DEP2"
	_, err = c.UpdateUnit(ctx, "OSS2", sohoa.UnitUpdate{ParentCode: &dep2})
	require.NoError(t, err)
	under, err = c.FindUnits(ctx, sohoa.UnitFilter{Scope: sohoa.AllUnits, Under: "DEP2"})
	require.NoError(t, err)
	assert.Equal(t, []string{"DEP2", "OSS2", "OSS3"}, unitCodes(under))

	// A unit becomes a root with an empty parent code.
	empty := ""
	u, err = c.UpdateUnit(ctx, "OSS3", sohoa.UnitUpdate{ParentCode: &empty})
	require.NoError(t, err)
	assert.Equal(t, "", u.ParentCode)
}

func (s *suite) testUnitCycles(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	for _, tc := range []struct{ unit, parent string }{
		{"MIN", "OSS1"},  // grandchild
		{"MIN", "DEP1"},  // child
		{"DEP1", "OSS2"}, // child
		{"OSS1", "OSS1"}, // itself
	} {
		parent := tc.parent
		_, err := c.UpdateUnit(ctx, tc.unit, sohoa.UnitUpdate{ParentCode: &parent})
		requireCode(t, sohoa.EINVALID, err, "%s under %s", tc.unit, tc.parent)
	}
	u, err := c.FindUnitByCode(ctx, "MIN")
	require.NoError(t, err)
	assert.Equal(t, "", u.ParentCode, "rejected moves change nothing")
	missing := "NOPE"
	_, err = c.UpdateUnit(ctx, "OSS1", sohoa.UnitUpdate{ParentCode: &missing})
	requireCode(t, sohoa.EINVALID, err)
}

func (s *suite) testProcedures(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	p, err := c.FindProcedureByCode(ctx, "1.001")
	require.NoError(t, err)
	assert.Equal(t, []string{"Đơn đề nghị", "Bản sao CCCD"}, p.RequiredComponents, "order kept")
	p2, err := c.FindProcedureByCode(ctx, "1.002")
	require.NoError(t, err)
	assert.Equal(t, []string{}, p2.RequiredComponents)

	requireCode(t, sohoa.ECONFLICT, c.CreateProcedure(ctx, &sohoa.Procedure{Code: "1.001", Name: "x"}))
	requireCode(t, sohoa.EINVALID, c.CreateProcedure(ctx, &sohoa.Procedure{Code: "1.003", Name: "x", RequiredComponents: []string{"a", "a"}}))
	_, err = c.FindProcedureByCode(ctx, "1.003")
	requireCode(t, sohoa.ENOTFOUND, err)

	comps := []string{"Tờ khai"}
	p, err = c.UpdateProcedure(ctx, "1.002", sohoa.ProcedureUpdate{RequiredComponents: &comps})
	require.NoError(t, err)
	assert.Equal(t, comps, p.RequiredComponents)
	p, err = c.FindProcedureByCode(ctx, "1.002")
	require.NoError(t, err)
	assert.Equal(t, comps, p.RequiredComponents)
	_, err = c.UpdateProcedure(ctx, "9.999", sohoa.ProcedureUpdate{RequiredComponents: &comps})
	requireCode(t, sohoa.ENOTFOUND, err)

	ps, err := c.FindProcedures(ctx)
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, "1.001", ps[0].Code)
}

func (s *suite) testDossiers(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	due := base.Add(15 * 24 * time.Hour)
	d := &sohoa.Dossier{Code: "000.00.12.G05-261130-0007", UnitCode: "OSS1", ProcedureCode: "1.001", ReceivedAt: base, DueAt: &due}
	require.NoError(t, c.CreateDossier(ctx, d))
	assert.Equal(t, sohoa.StatusReceived, d.Status)
	assert.False(t, d.CreatedAt.IsZero())

	got, err := c.FindDossierByCode(ctx, d.Code)
	require.NoError(t, err)
	assert.Equal(t, d, got)

	err = c.CreateDossier(ctx, &sohoa.Dossier{Code: d.Code, UnitCode: "OSS2", ProcedureCode: "1.002", ReceivedAt: base})
	requireCode(t, sohoa.ECONFLICT, err)
	assert.Contains(t, sohoa.Message(err), d.Code)
	got, err = c.FindDossierByCode(ctx, d.Code)
	require.NoError(t, err)
	assert.Equal(t, "OSS1", got.UnitCode, "the conflicting insert changed nothing")

	err = c.CreateDossier(ctx, &sohoa.Dossier{Code: "X-1", UnitCode: "NOPE", ProcedureCode: "1.001", ReceivedAt: base})
	requireCode(t, sohoa.EINVALID, err)
	assert.Contains(t, sohoa.Message(err), `unknown unit "NOPE"`)
	err = c.CreateDossier(ctx, &sohoa.Dossier{Code: "X-1", UnitCode: "OSS1", ProcedureCode: "9.999", ReceivedAt: base})
	requireCode(t, sohoa.EINVALID, err)
	assert.Contains(t, sohoa.Message(err), `unknown procedure "9.999"`)
	_, err = c.FindDossierByCode(ctx, "X-1")
	requireCode(t, sohoa.ENOTFOUND, err)

	processing, resolved := sohoa.StatusProcessing, sohoa.StatusResolved
	got, err = c.UpdateDossier(ctx, d.Code, sohoa.DossierUpdate{Status: &processing})
	require.NoError(t, err)
	assert.Equal(t, sohoa.StatusProcessing, got.Status)
	at := base.Add(48 * time.Hour)
	digitized := sohoa.DigitizationDigitized
	_, err = c.UpdateDossier(ctx, d.Code, sohoa.DossierUpdate{Status: &resolved, ResolvedAt: &at, DigitizationState: &digitized, ClearDueAt: true})
	require.NoError(t, err)
	got, err = c.FindDossierByCode(ctx, d.Code)
	require.NoError(t, err)
	assert.Equal(t, sohoa.StatusResolved, got.Status)
	assert.Equal(t, sohoa.DigitizationDigitized, got.DigitizationState)
	require.NotNil(t, got.ResolvedAt)
	assert.True(t, at.Equal(*got.ResolvedAt))
	assert.Nil(t, got.DueAt)

	early := base.Add(-time.Hour)
	_, err = c.UpdateDossier(ctx, d.Code, sohoa.DossierUpdate{ResolvedAt: &early})
	requireCode(t, sohoa.EINVALID, err)
	bad := sohoa.DossierStatus("lost")
	_, err = c.UpdateDossier(ctx, d.Code, sohoa.DossierUpdate{Status: &bad})
	requireCode(t, sohoa.EINVALID, err)
	_, err = c.UpdateDossier(ctx, "NOPE-1", sohoa.DossierUpdate{Status: &processing})
	requireCode(t, sohoa.ENOTFOUND, err)
	got, err = c.FindDossierByCode(ctx, d.Code)
	require.NoError(t, err)
	assert.True(t, at.Equal(*got.ResolvedAt), "rejected updates change nothing")
}

func (s *suite) testGeneratedCodes(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	loc := sohoa.Location()
	// 30 Nov 2026, 23:30 in Hà Nội is 16:30 UTC: the code takes the local day.
	at := time.Date(2026, 11, 30, 23, 30, 0, 0, loc)
	d1 := &sohoa.Dossier{UnitCode: "OSS1", ProcedureCode: "1.001", ReceivedAt: at}
	require.NoError(t, c.CreateDossier(ctx, d1))
	assert.Equal(t, "OSS1-261130-0001", d1.Code)

	// A code imported from another system holding the next number is skipped.
	s.dossier(t, c, "OSS1-261130-0002", "OSS1", at)
	d3 := &sohoa.Dossier{UnitCode: "OSS1", ProcedureCode: "1.001", ReceivedAt: at}
	require.NoError(t, c.CreateDossier(ctx, d3))
	assert.Equal(t, "OSS1-261130-0003", d3.Code)

	// Numbering is per unit and per local day.
	next, err := c.NextDossierCode(ctx, "OSS2", at)
	require.NoError(t, err)
	assert.Equal(t, "OSS2-261130-0001", next)
	next, err = c.NextDossierCode(ctx, "OSS1", at.Add(time.Hour)) // 00:30 on 1 Dec, local
	require.NoError(t, err)
	assert.Equal(t, "OSS1-261201-0001", next)
	next, err = c.NextDossierCode(ctx, "OSS1", at)
	require.NoError(t, err)
	assert.Equal(t, "OSS1-261130-0004", next, "a reserved number is not handed out again")

	_, err = c.NextDossierCode(ctx, "NOPE", at)
	requireCode(t, sohoa.EINVALID, err)
	_, err = c.NextDossierCode(ctx, "OSS1", time.Time{})
	requireCode(t, sohoa.EINVALID, err)
}

func (s *suite) testGeneratedCodesConcurrent(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	const n = 20
	at := base
	type result struct {
		code string
		err  error
	}
	results := make(chan result, 2*n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			<-start
			d := &sohoa.Dossier{UnitCode: "OSS1", ProcedureCode: "1.001", ReceivedAt: at}
			err := c.CreateDossier(ctx, d)
			results <- result{d.Code, err}
		}()
		go func() {
			<-start
			code, err := c.NextDossierCode(ctx, "OSS1", at)
			results <- result{code, err}
		}()
	}
	close(start)
	seen := map[string]bool{}
	for i := 0; i < 2*n; i++ {
		r := <-results
		require.NoError(t, r.err)
		require.False(t, seen[r.code], "code %s handed out twice", r.code)
		seen[r.code] = true
	}
	for i := 1; i <= 2*n; i++ {
		assert.True(t, seen[sohoa.FormatDossierCode("OSS1", at, i)], "number %d missing", i)
	}
	page, err := c.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, UnitCode: "OSS1", Limit: 100})
	require.NoError(t, err)
	assert.Len(t, page.Dossiers, n)
}

func (s *suite) testDocuments(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	s.dossier(t, c, "D-1", "OSS1", base)
	s.dossier(t, c, "D-2", "OSS2", base)

	doc := s.document(t, c, "D-1", 1)
	assert.Positive(t, doc.ID)
	assert.False(t, doc.CreatedAt.IsZero())
	got, err := c.FindDocumentByID(ctx, doc.ID)
	require.NoError(t, err)
	assert.Equal(t, doc, got)

	// The same bytes again in the same dossier: a conflict, and the first
	// document is findable for deduplication.
	dup := *doc
	dup.ID, dup.FileName = 0, "again.pdf"
	err = c.CreateDocument(ctx, &dup)
	requireCode(t, sohoa.ECONFLICT, err)
	existing, err := c.FindDocumentByBlob(ctx, "D-1", key(1))
	require.NoError(t, err)
	assert.Equal(t, doc.ID, existing.ID)
	assert.Equal(t, "scan-1.pdf", existing.FileName)
	// Inside a transaction too, and the transaction goes on.
	require.NoError(t, c.WithTx(ctx, func(tx sohoa.Catalog) error {
		again := dup
		requireCode(t, sohoa.ECONFLICT, tx.CreateDocument(ctx, &again))
		found, err := tx.FindDocumentByBlob(ctx, "D-1", key(1))
		if err != nil {
			return err
		}
		assert.Equal(t, doc.ID, found.ID)
		return tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "clerk1", Action: "document.duplicate", Object: "document:1"})
	}))

	// The same bytes in another dossier are fine.
	other := s.document(t, c, "D-2", 1)
	assert.NotEqual(t, doc.ID, other.ID)
	s.document(t, c, "D-1", 2)
	res := &sohoa.Document{DossierCode: "D-1", BlobKey: key(3), Size: 5, FileName: "ket-qua.pdf", MediaType: "application/pdf",
		Role: sohoa.RoleResult, Source: sohoa.SourceFolder, UploadedBy: "system:folder"}
	require.NoError(t, c.CreateDocument(ctx, res))

	docs, err := c.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: "D-1"})
	require.NoError(t, err)
	require.Len(t, docs, 3)
	assert.Equal(t, doc.ID, docs[0].ID, "ordered by ID")
	results, err := c.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: "D-1", Role: sohoa.RoleResult})
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.Equal(t, sohoa.SourceFolder, results[0].Source)
	byBlob, err := c.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, BlobKey: key(1)})
	require.NoError(t, err)
	assert.Len(t, byBlob, 2)
	paged, err := c.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, AfterID: docs[0].ID, Limit: 1})
	require.NoError(t, err)
	require.Len(t, paged, 1)
	assert.Greater(t, paged[0].ID, docs[0].ID)

	_, err = c.FindDocumentByID(ctx, 999999)
	requireCode(t, sohoa.ENOTFOUND, err)
	_, err = c.FindDocumentByBlob(ctx, "D-2", key(2))
	requireCode(t, sohoa.ENOTFOUND, err)
	bad := *doc
	bad.DossierCode = "NOPE-1"
	err = c.CreateDocument(ctx, &bad)
	requireCode(t, sohoa.EINVALID, err)
	assert.Contains(t, sohoa.Message(err), "NOPE-1")

	var keys []string
	sizes := map[string]int64{}
	require.NoError(t, c.ForEachBlobKey(ctx, func(k string, size int64) error {
		keys = append(keys, k)
		sizes[k] = size
		return nil
	}))
	assert.Equal(t, []string{key(1), key(2), key(3)}, keys, "distinct and sorted")
	assert.Equal(t, int64(1001), sizes[key(1)])
	stop := errors.New("stop")
	n := 0
	err = c.ForEachBlobKey(ctx, func(string, int64) error { n++; return stop })
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, n)
}

func (s *suite) testInspections(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	s.dossier(t, c, "D-1", "OSS1", base)
	doc := s.document(t, c, "D-1", 1)
	doc2 := s.document(t, c, "D-1", 2)

	first := &sohoa.Inspection{DocumentID: doc.ID, Outcome: sohoa.InspectionWarn, PolicyName: "default", InspectorVersion: "1.0",
		Findings: []sohoa.Finding{{Rule: "resolution", Outcome: sohoa.InspectionWarn, Page: 2, Message: "180 dpi, below 200"}, {Rule: "pdf-version", Outcome: sohoa.InspectionOK, Message: "PDF 1.7"}}}
	require.NoError(t, c.CreateInspection(ctx, first))
	second := &sohoa.Inspection{DocumentID: doc.ID, Outcome: sohoa.InspectionOK, PolicyName: "default", InspectorVersion: "1.1"}
	require.NoError(t, c.CreateInspection(ctx, second))
	assert.Greater(t, second.ID, first.ID)

	hist, err := c.FindInspections(ctx, doc.ID)
	require.NoError(t, err)
	require.Len(t, hist, 2)
	assert.Equal(t, second.ID, hist[0].ID, "newest first")
	assert.Equal(t, first.Findings, hist[1].Findings)
	assert.Equal(t, []sohoa.Finding{}, hist[0].Findings)

	latest, err := c.LatestInspections(ctx, []int64{doc.ID, doc2.ID})
	require.NoError(t, err)
	require.Len(t, latest, 1, "doc2 has none")
	assert.Equal(t, second.ID, latest[doc.ID].ID)
	empty, err := c.LatestInspections(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, empty)

	requireCode(t, sohoa.EINVALID, c.CreateInspection(ctx, &sohoa.Inspection{DocumentID: 999999, Outcome: sohoa.InspectionOK, PolicyName: "p", InspectorVersion: "1"}))
	requireCode(t, sohoa.EINVALID, c.CreateInspection(ctx, &sohoa.Inspection{DocumentID: doc.ID, Outcome: "great", PolicyName: "p", InspectorVersion: "1"}))
	hist, err = c.FindInspections(ctx, doc.ID)
	require.NoError(t, err)
	assert.Len(t, hist, 2)
}

func (s *suite) testVerifications(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	s.dossier(t, c, "D-1", "OSS1", base)
	var docs []*sohoa.Document
	for i := 0; i < 5; i++ {
		docs = append(docs, s.document(t, c, "D-1", i))
	}
	// The report is kept byte for byte, whitespace and key order included.
	report := json.RawMessage("{\n  \"indication\": \"INDETERMINATE\",\n  \"b\": 1, \"a\": [1,2]\n}")
	anchors := strings.Repeat("0123456789abcdef", 4)
	var last []*sohoa.Verification
	for i, d := range docs[:4] {
		var v *sohoa.Verification
		for run := 0; run <= i%3; run++ {
			ind := sohoa.IndicationIndeterminate
			if run == i%3 {
				ind = sohoa.IndicationTotalPassed
			}
			v = &sohoa.Verification{DocumentID: d.ID, Indication: ind, SubIndication: "", ReportJSON: report, VerifierVersion: fmt.Sprintf("v%d", run), TrustAnchorsSHA256: anchors}
			if ind == sohoa.IndicationIndeterminate {
				v.SubIndication = "TRY_LATER"
			}
			require.NoError(t, c.CreateVerification(ctx, v))
		}
		last = append(last, v)
	}
	hist, err := c.FindVerifications(ctx, docs[2].ID)
	require.NoError(t, err)
	require.Len(t, hist, 3)
	assert.Equal(t, sohoa.IndicationTotalPassed, hist[0].Indication)
	assert.Equal(t, "TRY_LATER", hist[2].SubIndication)
	assert.Equal(t, string(report), string(hist[1].ReportJSON))
	assert.Equal(t, anchors, hist[1].TrustAnchorsSHA256)

	v, err := c.LatestVerification(ctx, docs[2].ID)
	require.NoError(t, err)
	assert.Equal(t, last[2].ID, v.ID)
	assert.Equal(t, "v2", v.VerifierVersion)
	_, err = c.LatestVerification(ctx, docs[4].ID)
	requireCode(t, sohoa.ENOTFOUND, err)

	ids := []int64{docs[0].ID, docs[1].ID, docs[2].ID, docs[3].ID, docs[4].ID, 999999}
	m, err := c.LatestVerifications(ctx, ids)
	require.NoError(t, err)
	require.Len(t, m, 4)
	for i := 0; i < 4; i++ {
		assert.Equal(t, last[i].ID, m[docs[i].ID].ID)
		assert.Equal(t, sohoa.IndicationTotalPassed, m[docs[i].ID].Indication)
		assert.NotEmpty(t, m[docs[i].ID].ReportJSON)
	}
	verdicts, err := c.LatestVerdicts(ctx, ids)
	require.NoError(t, err)
	require.Len(t, verdicts, 4)
	for id, full := range m {
		want := *full
		want.ReportJSON = nil
		assert.Equal(t, &want, verdicts[id], "the verdict is the latest run without its report")
	}
	verdicts, err = c.LatestVerdicts(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, verdicts)

	requireCode(t, sohoa.EINVALID, c.CreateVerification(ctx, &sohoa.Verification{DocumentID: docs[0].ID, Indication: "MAYBE", ReportJSON: report, VerifierVersion: "v"}))
	requireCode(t, sohoa.EINVALID, c.CreateVerification(ctx, &sohoa.Verification{DocumentID: docs[0].ID, Indication: sohoa.IndicationTotalPassed, ReportJSON: json.RawMessage("{"), VerifierVersion: "v"}))
	requireCode(t, sohoa.EINVALID, c.CreateVerification(ctx, &sohoa.Verification{DocumentID: 999999, Indication: sohoa.IndicationTotalPassed, ReportJSON: report, VerifierVersion: "v"}))
	hist, err = c.FindVerifications(ctx, docs[0].ID)
	require.NoError(t, err)
	assert.Len(t, hist, 1)
}
