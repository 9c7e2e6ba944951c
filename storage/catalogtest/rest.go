package catalogtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func (s *suite) testUsers(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	u := &sohoa.User{Username: "lan.nguyen", DisplayName: "Nguyễn Thị Lan",
		Roles: []sohoa.Role{sohoa.RoleClerk, sohoa.RoleAuditor, sohoa.RoleHead, sohoa.RoleClerk}, UnitScopes: []string{"OSS2", "OSS1"}}
	require.NoError(t, c.CreateUser(ctx, u))
	assert.Equal(t, []sohoa.Role{sohoa.RoleAuditor, sohoa.RoleClerk, sohoa.RoleHead}, u.Roles)
	got, err := c.FindUserByUsername(ctx, "lan.nguyen")
	require.NoError(t, err)
	assert.Equal(t, u, got)
	assert.Equal(t, []string{"OSS1", "OSS2"}, got.UnitScopes)

	requireCode(t, sohoa.ECONFLICT, c.CreateUser(ctx, &sohoa.User{Username: "lan.nguyen"}))
	err = c.CreateUser(ctx, &sohoa.User{Username: "ghost", Roles: []sohoa.Role{sohoa.RoleClerk}, UnitScopes: []string{"NOPE"}})
	requireCode(t, sohoa.EINVALID, err)
	assert.Contains(t, sohoa.Message(err), "NOPE")
	_, err = c.FindUserByUsername(ctx, "ghost")
	requireCode(t, sohoa.ENOTFOUND, err, "a rejected user leaves nothing behind")
	requireCode(t, sohoa.EINVALID, c.CreateUser(ctx, &sohoa.User{Username: "x", Roles: []sohoa.Role{"root"}}))
	requireCode(t, sohoa.EINVALID, c.CreateUser(ctx, &sohoa.User{Username: "bad name"}))

	admin := &sohoa.User{Username: "admin", Roles: []sohoa.Role{sohoa.RoleAdmin}}
	require.NoError(t, c.CreateUser(ctx, admin))
	assert.Equal(t, []string{}, admin.UnitScopes)

	roles := []sohoa.Role{sohoa.RoleScanner}
	scopes := []string{"DEP2"}
	name := "Máy quét 1"
	got, err = c.UpdateUser(ctx, "lan.nguyen", sohoa.UserUpdate{Roles: &roles, UnitScopes: &scopes, DisplayName: &name})
	require.NoError(t, err)
	assert.Equal(t, roles, got.Roles)
	got, err = c.FindUserByUsername(ctx, "lan.nguyen")
	require.NoError(t, err)
	assert.Equal(t, roles, got.Roles)
	assert.Equal(t, scopes, got.UnitScopes)
	assert.Equal(t, name, got.DisplayName)
	bad := []string{"NOPE"}
	_, err = c.UpdateUser(ctx, "lan.nguyen", sohoa.UserUpdate{UnitScopes: &bad})
	requireCode(t, sohoa.EINVALID, err)
	got, err = c.FindUserByUsername(ctx, "lan.nguyen")
	require.NoError(t, err)
	assert.Equal(t, scopes, got.UnitScopes, "a rejected update changes nothing")
	_, err = c.UpdateUser(ctx, "nobody", sohoa.UserUpdate{Roles: &roles})
	requireCode(t, sohoa.ENOTFOUND, err)

	users, err := c.FindUsers(ctx)
	require.NoError(t, err)
	require.Len(t, users, 2)
	assert.Equal(t, "admin", users[0].Username)
}

func (s *suite) testAPITokens(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	require.NoError(t, c.CreateUser(ctx, &sohoa.User{Username: "scanner1", Roles: []sohoa.Role{sohoa.RoleScanner}, UnitScopes: []string{"OSS1"}}))
	now := base

	tok, plain, err := c.CreateAPIToken(ctx, "scanner1", "scanner at desk 3", nil)
	require.NoError(t, err)
	assert.Positive(t, tok.ID)
	assert.Equal(t, sohoa.HashAPIToken(plain), tok.Hash, "only the hash is kept")
	assert.NotContains(t, tok.Hash, plain)

	u, got, err := c.Authenticate(ctx, plain, now)
	require.NoError(t, err)
	assert.Equal(t, "scanner1", u.Username)
	assert.Equal(t, []string{"OSS1"}, u.UnitScopes)
	assert.Equal(t, tok.ID, got.ID)

	_, _, err = c.Authenticate(ctx, plain+"x", now)
	requireCode(t, sohoa.EUNAUTHORIZED, err)
	_, _, err = c.Authenticate(ctx, "", now)
	requireCode(t, sohoa.EUNAUTHORIZED, err)

	exp := now.Add(time.Hour)
	short, shortPlain, err := c.CreateAPIToken(ctx, "scanner1", "short", &exp)
	require.NoError(t, err)
	_, _, err = c.Authenticate(ctx, shortPlain, now.Add(59*time.Minute))
	require.NoError(t, err)
	_, _, err = c.Authenticate(ctx, shortPlain, now.Add(time.Hour))
	requireCode(t, sohoa.EUNAUTHORIZED, err)

	toks, err := c.FindAPITokens(ctx, "scanner1")
	require.NoError(t, err)
	require.Len(t, toks, 2)
	require.NotNil(t, toks[1].ExpiresAt)
	assert.True(t, exp.Equal(*toks[1].ExpiresAt))

	require.NoError(t, c.RevokeAPIToken(ctx, short.ID))
	requireCode(t, sohoa.ENOTFOUND, c.RevokeAPIToken(ctx, short.ID))
	_, _, err = c.Authenticate(ctx, shortPlain, now)
	requireCode(t, sohoa.EUNAUTHORIZED, err)

	_, _, err = c.CreateAPIToken(ctx, "ghost", "x", nil)
	requireCode(t, sohoa.ENOTFOUND, err)
	_, _, err = c.CreateAPIToken(ctx, "scanner1", "", nil)
	requireCode(t, sohoa.EINVALID, err)
}

func (s *suite) appendN(t *testing.T, c sohoa.Catalog, n int) []*sohoa.AuditEntry {
	t.Helper()
	var out []*sohoa.AuditEntry
	for i := 0; i < n; i++ {
		e := &sohoa.AuditEntry{Actor: "clerk1", Action: "dossier.create", Object: fmt.Sprintf("dossier:D-%d", i),
			Details: json.RawMessage(fmt.Sprintf(`{ "i": %d, "note": "tạo hồ sơ" }`, i))}
		require.NoError(t, c.AppendAudit(t.Context(), e))
		out = append(out, e)
	}
	return out
}

func (s *suite) testAudit(t *testing.T) {
	c := s.newCatalog(t)
	ctx := t.Context()
	res, err := c.VerifyAuditChain(ctx)
	require.NoError(t, err)
	assert.True(t, res.OK)
	assert.Zero(t, res.Entries)

	es := s.appendN(t, c, 5)
	for i, e := range es {
		assert.Equal(t, int64(i+1), e.Seq)
		assert.Equal(t, e.ComputeHash(nil), e.Hash)
		if i == 0 {
			assert.Equal(t, sohoa.GenesisHash, e.PrevHash)
		} else {
			assert.Equal(t, es[i-1].Hash, e.PrevHash)
		}
	}
	assert.Equal(t, `{"i":0,"note":"tạo hồ sơ"}`, string(es[0].Details))

	got, err := c.FindAuditEntries(ctx, sohoa.AuditFilter{AfterSeq: 1, Limit: 2})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, es[1], got[0])
	assert.Equal(t, es[2], got[1])
	got, err = c.FindAuditEntries(ctx, sohoa.AuditFilter{Object: "dossier:D-3"})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, int64(4), got[0].Seq)

	res, err = c.VerifyAuditChain(ctx)
	require.NoError(t, err)
	assert.True(t, res.OK, "%+v", res)
	assert.Equal(t, int64(5), res.Entries)
}

func (s *suite) testAuditTampering(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tamper  func(t *testing.T, c sohoa.Catalog)
		wantSeq int64
	}{
		{"edited", func(t *testing.T, c sohoa.Catalog) { s.tamper.EditAuditRow(t, c, 3, "mallory") }, 3},
		{"deleted", func(t *testing.T, c sohoa.Catalog) { s.tamper.DeleteAuditRow(t, c, 2) }, 2},
		{"first deleted", func(t *testing.T, c sohoa.Catalog) { s.tamper.DeleteAuditRow(t, c, 1) }, 1},
		{"last deleted", func(t *testing.T, c sohoa.Catalog) { s.tamper.DeleteAuditRow(t, c, 5) }, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := s.newCatalog(t)
			s.appendN(t, c, 5)
			tc.tamper(t, c)
			res, err := c.VerifyAuditChain(t.Context())
			require.NoError(t, err)
			assert.False(t, res.OK)
			assert.Equal(t, tc.wantSeq, res.FirstBrokenSeq, "%+v", res)
			assert.NotEmpty(t, res.Problem)
		})
	}
}

func (s *suite) testAuditConcurrent(t *testing.T) {
	c := s.newCatalog(t)
	const workers, each = 10, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- c.AppendAudit(t.Context(), &sohoa.AuditEntry{Actor: fmt.Sprintf("w%d", w), Action: "test.append"})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	res, err := c.VerifyAuditChain(t.Context())
	require.NoError(t, err)
	assert.True(t, res.OK, "%+v", res)
	assert.Equal(t, int64(workers*each), res.Entries)
}

func (s *suite) testInvalidInput(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	s.dossier(t, c, "D-OK", "OSS1", base)
	longName := strings.Repeat("ư", sohoa.MaxNameLen+1)
	badUTF8 := "H\xe1\xbb\x93 s\xc6" // truncated in the middle of a rune
	early := base.Add(-time.Hour)
	doc := func(mut func(d *sohoa.Document)) *sohoa.Document {
		d := &sohoa.Document{DossierCode: "D-OK", BlobKey: key(1), Size: 1, FileName: "a.pdf", MediaType: "application/pdf",
			Role: sohoa.RoleComponent, Source: sohoa.SourceWeb, UploadedBy: "clerk1"}
		mut(d)
		return d
	}
	dossier := func(mut func(d *sohoa.Dossier)) *sohoa.Dossier {
		d := &sohoa.Dossier{Code: "D-NEW", UnitCode: "OSS1", ProcedureCode: "1.001", ReceivedAt: base}
		mut(d)
		return d
	}
	for name, op := range map[string]func() error{
		"unit code space":     func() error { return c.CreateUnit(ctx, &sohoa.Unit{Code: "OSS 4", Name: "x"}) },
		"unit code empty":     func() error { return c.CreateUnit(ctx, &sohoa.Unit{Code: "", Name: "x"}) },
		"unit code long":      func() error { return c.CreateUnit(ctx, &sohoa.Unit{Code: strings.Repeat("A", 65), Name: "x"}) },
		"unit code non-ascii": func() error { return c.CreateUnit(ctx, &sohoa.Unit{Code: "ĐV1", Name: "x"}) },
		"unit name long":      func() error { return c.CreateUnit(ctx, &sohoa.Unit{Code: "OSS4", Name: longName}) },
		"unit name utf8":      func() error { return c.CreateUnit(ctx, &sohoa.Unit{Code: "OSS4", Name: badUTF8}) },
		"unit name nul":       func() error { return c.CreateUnit(ctx, &sohoa.Unit{Code: "OSS4", Name: "a\x00b"}) },
		"unit parent unknown": func() error { return c.CreateUnit(ctx, &sohoa.Unit{Code: "OSS4", Name: "x", ParentCode: "NOPE"}) },
		"procedure code":      func() error { return c.CreateProcedure(ctx, &sohoa.Procedure{Code: "1/003", Name: "x"}) },
		"procedure name":      func() error { return c.CreateProcedure(ctx, &sohoa.Procedure{Code: "1.003", Name: " "}) },
		"procedure component": func() error {
			return c.CreateProcedure(ctx, &sohoa.Procedure{Code: "1.003", Name: "x", RequiredComponents: []string{badUTF8}})
		},
		"dossier code": func() error { return c.CreateDossier(ctx, dossier(func(d *sohoa.Dossier) { d.Code = "D NEW" })) },
		"dossier code long": func() error {
			return c.CreateDossier(ctx, dossier(func(d *sohoa.Dossier) { d.Code = strings.Repeat("D", 101) }))
		},
		"dossier unit unknown": func() error { return c.CreateDossier(ctx, dossier(func(d *sohoa.Dossier) { d.UnitCode = "NOPE" })) },
		"dossier unit bad":     func() error { return c.CreateDossier(ctx, dossier(func(d *sohoa.Dossier) { d.UnitCode = "no pe" })) },
		"dossier procedure": func() error {
			return c.CreateDossier(ctx, dossier(func(d *sohoa.Dossier) { d.ProcedureCode = "9.999" }))
		},
		"dossier zero time": func() error {
			return c.CreateDossier(ctx, dossier(func(d *sohoa.Dossier) { d.ReceivedAt = time.Time{} }))
		},
		"dossier due before": func() error { return c.CreateDossier(ctx, dossier(func(d *sohoa.Dossier) { d.DueAt = &early })) },
		"dossier status":     func() error { return c.CreateDossier(ctx, dossier(func(d *sohoa.Dossier) { d.Status = "lost" })) },
		"dossier generated bad": func() error {
			return c.CreateDossier(ctx, dossier(func(d *sohoa.Dossier) { d.Code, d.UnitCode = "", "NOPE" }))
		},
		"document key": func() error {
			return c.CreateDocument(ctx, doc(func(d *sohoa.Document) { d.BlobKey = strings.ToUpper(key(1)) }))
		},
		"document dossier":    func() error { return c.CreateDocument(ctx, doc(func(d *sohoa.Document) { d.DossierCode = "D-NOPE" })) },
		"document name utf8":  func() error { return c.CreateDocument(ctx, doc(func(d *sohoa.Document) { d.FileName = badUTF8 })) },
		"document name long":  func() error { return c.CreateDocument(ctx, doc(func(d *sohoa.Document) { d.FileName = longName })) },
		"document role":       func() error { return c.CreateDocument(ctx, doc(func(d *sohoa.Document) { d.Role = "cover" })) },
		"document source":     func() error { return c.CreateDocument(ctx, doc(func(d *sohoa.Document) { d.Source = "email" })) },
		"document size":       func() error { return c.CreateDocument(ctx, doc(func(d *sohoa.Document) { d.Size = -1 })) },
		"document media type": func() error { return c.CreateDocument(ctx, doc(func(d *sohoa.Document) { d.MediaType = "pdf" })) },
		"user scope":          func() error { return c.CreateUser(ctx, &sohoa.User{Username: "u1", UnitScopes: []string{"NOPE"}}) },
		"user name":           func() error { return c.CreateUser(ctx, &sohoa.User{Username: "u 1"}) },
		"user display utf8":   func() error { return c.CreateUser(ctx, &sohoa.User{Username: "u1", DisplayName: badUTF8}) },
		"audit details": func() error {
			return c.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "a", Action: "b", Details: json.RawMessage(`{"a":`)})
		},
		"audit actor":       func() error { return c.AppendAudit(ctx, &sohoa.AuditEntry{Actor: " ", Action: "b"}) },
		"audit action utf8": func() error { return c.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "a", Action: badUTF8}) },
	} {
		err := op()
		if assert.Error(t, err, name) {
			assert.Equal(t, sohoa.EINVALID, sohoa.Code(err), "%s: %v", name, err)
			assert.NotEqual(t, "internal error", sohoa.Message(err), name)
		}
	}

	// Nothing was written.
	units, err := c.FindUnits(ctx, sohoa.UnitFilter{Scope: sohoa.AllUnits})
	require.NoError(t, err)
	assert.Len(t, units, len(fixtureUnits))
	ps, err := c.FindProcedures(ctx)
	require.NoError(t, err)
	assert.Len(t, ps, 2)
	page, err := c.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits})
	require.NoError(t, err)
	assert.Equal(t, []string{"D-OK"}, codes(page.Dossiers))
	docs, err := c.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits})
	require.NoError(t, err)
	assert.Empty(t, docs)
	users, err := c.FindUsers(ctx)
	require.NoError(t, err)
	assert.Empty(t, users)
	entries, err := c.FindAuditEntries(ctx, sohoa.AuditFilter{})
	require.NoError(t, err)
	assert.Empty(t, entries)
	// The rejected generated code did not consume a number either.
	next, err := c.NextDossierCode(ctx, "OSS1", base)
	require.NoError(t, err)
	assert.Equal(t, sohoa.FormatDossierCode("OSS1", base, 1), next)
}

var errBoom = errors.New("boom")

func (s *suite) testTx(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()

	write := func(tx sohoa.Catalog, unit string) {
		require.NoError(t, tx.CreateUnit(ctx, &sohoa.Unit{Code: unit, Name: "tx", ParentCode: "DEP1"}))
		require.NoError(t, tx.CreateDossier(ctx, &sohoa.Dossier{Code: unit + "-D", UnitCode: unit, ProcedureCode: "1.001", ReceivedAt: base}))
		require.NoError(t, tx.CreateDocument(ctx, &sohoa.Document{DossierCode: unit + "-D", BlobKey: key(7), Size: 1, FileName: "a.pdf",
			MediaType: "application/pdf", Role: sohoa.RoleComponent, Source: sohoa.SourceAPI, UploadedBy: "api"}))
		require.NoError(t, tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "api", Action: "dossier.create", Object: "dossier:" + unit + "-D"}))
		// Reads inside the transaction see its writes.
		_, err := tx.FindDossierByCode(ctx, unit+"-D")
		require.NoError(t, err)
	}
	gone := func(unit string) {
		_, err := c.FindUnitByCode(ctx, unit)
		requireCode(t, sohoa.ENOTFOUND, err)
		_, err = c.FindDossierByCode(ctx, unit+"-D")
		requireCode(t, sohoa.ENOTFOUND, err)
	}

	err := c.WithTx(ctx, func(tx sohoa.Catalog) error {
		write(tx, "TXA")
		return errBoom
	})
	assert.ErrorIs(t, err, errBoom)
	gone("TXA")
	docs, err := c.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, BlobKey: key(7)})
	require.NoError(t, err)
	assert.Empty(t, docs)
	res, err := c.VerifyAuditChain(ctx)
	require.NoError(t, err)
	assert.True(t, res.OK)
	assert.Zero(t, res.Entries, "the rolled-back audit row is gone")

	assert.Panics(t, func() {
		_ = c.WithTx(ctx, func(tx sohoa.Catalog) error {
			write(tx, "TXP")
			panic("worker crashed")
		})
	})
	gone("TXP")

	require.NoError(t, c.WithTx(ctx, func(tx sohoa.Catalog) error {
		write(tx, "TXC")
		return nil
	}))
	_, err = c.FindDossierByCode(ctx, "TXC-D")
	require.NoError(t, err)
	e := &sohoa.AuditEntry{Actor: "a", Action: "b"}
	require.NoError(t, c.AppendAudit(ctx, e))
	assert.Equal(t, int64(2), e.Seq, "no seq was used by the rolled-back transactions")

	// User errors inside a transaction do not poison it: the caller may
	// handle them and go on.
	require.NoError(t, c.WithTx(ctx, func(tx sohoa.Catalog) error {
		requireCode(t, sohoa.ECONFLICT, tx.CreateUnit(ctx, &sohoa.Unit{Code: "TXC", Name: "again"}))
		requireCode(t, sohoa.ECONFLICT, tx.CreateDossier(ctx, &sohoa.Dossier{Code: "TXC-D", UnitCode: "TXC", ProcedureCode: "1.001", ReceivedAt: base}))
		requireCode(t, sohoa.ECONFLICT, tx.CreateDocument(ctx, &sohoa.Document{DossierCode: "TXC-D", BlobKey: key(7), Size: 1, FileName: "a.pdf",
			MediaType: "application/pdf", Role: sohoa.RoleComponent, Source: sohoa.SourceAPI, UploadedBy: "api"}))
		requireCode(t, sohoa.EINVALID, tx.CreateDossier(ctx, &sohoa.Dossier{Code: "TXX", UnitCode: "NOPE", ProcedureCode: "1.001", ReceivedAt: base}))
		return tx.CreateUnit(ctx, &sohoa.Unit{Code: "TXD", Name: "after the conflicts"})
	}))
	_, err = c.FindUnitByCode(ctx, "TXD")
	require.NoError(t, err)

	// A nested WithTx is a savepoint: its failure undoes only its own work.
	require.NoError(t, c.WithTx(ctx, func(tx sohoa.Catalog) error {
		require.NoError(t, tx.CreateUnit(ctx, &sohoa.Unit{Code: "OUTER", Name: "outer"}))
		err := tx.WithTx(ctx, func(inner sohoa.Catalog) error {
			require.NoError(t, inner.CreateUnit(ctx, &sohoa.Unit{Code: "INNER", Name: "inner"}))
			return errBoom
		})
		assert.ErrorIs(t, err, errBoom)
		return nil
	}))
	_, err = c.FindUnitByCode(ctx, "OUTER")
	require.NoError(t, err)
	_, err = c.FindUnitByCode(ctx, "INNER")
	requireCode(t, sohoa.ENOTFOUND, err)
}

func (s *suite) testTimes(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	ict := time.FixedZone("ICT", 7*3600)
	// 08:00 in Hà Nội is 01:00 UTC: it sorts before 02:00 UTC although its
	// wall clock reads later.
	local := time.Date(2026, 1, 10, 8, 0, 0, 123456789, ict)
	d := s.dossier(t, c, "T-LOCAL", "OSS1", local)
	s.dossier(t, c, "T-UTC", "OSS1", time.Date(2026, 1, 10, 2, 0, 0, 0, time.UTC))
	assert.Equal(t, time.Date(2026, 1, 10, 1, 0, 0, 123456000, time.UTC), d.ReceivedAt, "UTC, microseconds")

	got, err := c.FindDossierByCode(ctx, "T-LOCAL")
	require.NoError(t, err)
	assert.Equal(t, time.UTC, got.ReceivedAt.Location())
	assert.Equal(t, d.ReceivedAt, got.ReceivedAt)
	assert.Equal(t, time.UTC, got.CreatedAt.Location())

	page, err := c.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, UnitCode: "OSS1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"T-LOCAL", "T-UTC"}, codes(page.Dossiers))

	// Range bounds given in local time select by instant.
	page, err = c.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, ReceivedFrom: time.Date(2026, 1, 10, 8, 30, 0, 0, ict)})
	require.NoError(t, err)
	assert.Equal(t, []string{"T-UTC"}, codes(page.Dossiers))
}
