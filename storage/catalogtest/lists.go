package catalogtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// listFixture creates 60 dossiers over four units with many ties on
// received_at (so the code tiebreak matters) and codes that do not sort in
// creation order.
func (s *suite) listFixture(t *testing.T, c sohoa.Catalog) []*sohoa.Dossier {
	t.Helper()
	ctx := t.Context()
	units := []string{"OSS1", "OSS2", "OSS3", "DEP1"}
	statuses := []sohoa.DossierStatus{sohoa.StatusReceived, sohoa.StatusProcessing, sohoa.StatusResolved, sohoa.StatusReturned}
	var all []*sohoa.Dossier
	for i := 0; i < 60; i++ {
		d := &sohoa.Dossier{
			Code:          fmt.Sprintf("L-%03d", (i*37)%60),
			UnitCode:      units[i%4],
			ProcedureCode: []string{"1.001", "1.002"}[i%2],
			ReceivedAt:    base.Add(time.Duration(i%20) * time.Hour),
			Status:        statuses[(i/4)%4],
		}
		if i%3 == 0 {
			d.DigitizationState = sohoa.DigitizationDigitized
		}
		require.NoError(t, c.CreateDossier(ctx, d))
		all = append(all, d)
	}
	return all
}

func sortDossiers(ds []*sohoa.Dossier, desc bool) {
	slices.SortFunc(ds, func(a, b *sohoa.Dossier) int {
		r := a.ReceivedAt.Compare(b.ReceivedAt)
		if r == 0 {
			r = compareStrings(a.Code, b.Code)
		}
		if desc {
			r = -r
		}
		return r
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pageAll follows cursors to the end, checking page sizes.
func pageAll(t *testing.T, c sohoa.Catalog, f sohoa.DossierFilter) []string {
	t.Helper()
	var got []string
	for pages := 0; ; pages++ {
		require.Less(t, pages, 100, "pagination does not end")
		page, err := c.FindDossiers(t.Context(), f)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Dossiers), f.Limit)
		got = append(got, codes(page.Dossiers)...)
		if page.NextCursor == "" {
			return got
		}
		require.Len(t, page.Dossiers, f.Limit, "only the last page may be short")
		f.Cursor = page.NextCursor
	}
}

func (s *suite) testListDossiers(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	all := s.listFixture(t, c)
	subtreeDEP1 := map[string]bool{"DEP1": true, "OSS1": true, "OSS2": true}
	q1, _ := sohoa.ParsePeriod("2026-Q1")
	from, before := base.Add(5*time.Hour), base.Add(12*time.Hour)

	for _, tc := range []struct {
		name string
		f    sohoa.DossierFilter
		keep func(d *sohoa.Dossier) bool
	}{
		{"all", sohoa.DossierFilter{}, func(*sohoa.Dossier) bool { return true }},
		{"unit", sohoa.DossierFilter{UnitCode: "OSS1"}, func(d *sohoa.Dossier) bool { return d.UnitCode == "OSS1" }},
		{"subunits", sohoa.DossierFilter{UnitCode: "DEP1", IncludeSubunits: true}, func(d *sohoa.Dossier) bool { return subtreeDEP1[d.UnitCode] }},
		{"statuses", sohoa.DossierFilter{Statuses: []sohoa.DossierStatus{sohoa.StatusProcessing, sohoa.StatusReturned}},
			func(d *sohoa.Dossier) bool {
				return d.Status == sohoa.StatusProcessing || d.Status == sohoa.StatusReturned
			}},
		{"state", sohoa.DossierFilter{States: []sohoa.DigitizationState{sohoa.DigitizationDigitized}},
			func(d *sohoa.Dossier) bool { return d.DigitizationState == sohoa.DigitizationDigitized }},
		{"procedure", sohoa.DossierFilter{ProcedureCode: "1.002"}, func(d *sohoa.Dossier) bool { return d.ProcedureCode == "1.002" }},
		{"code contains", sohoa.DossierFilter{CodeContains: "l-01"}, func(d *sohoa.Dossier) bool { return strings.HasPrefix(d.Code, "L-01") }},
		{"code contains wildcard", sohoa.DossierFilter{CodeContains: "_0"}, func(d *sohoa.Dossier) bool { return false }},
		{"range", sohoa.DossierFilter{ReceivedFrom: from, ReceivedBefore: before},
			func(d *sohoa.Dossier) bool { return !d.ReceivedAt.Before(from) && d.ReceivedAt.Before(before) }},
		{"period", sohoa.DossierFilter{UnitCode: "OSS2", ReceivedFrom: q1.Start(), ReceivedBefore: q1.End()},
			func(d *sohoa.Dossier) bool { return d.UnitCode == "OSS2" }},
		{"combined", sohoa.DossierFilter{UnitCode: "DEP1", IncludeSubunits: true, Statuses: []sohoa.DossierStatus{sohoa.StatusReceived}, ReceivedFrom: from},
			func(d *sohoa.Dossier) bool {
				return subtreeDEP1[d.UnitCode] && d.Status == sohoa.StatusReceived && !d.ReceivedAt.Before(from)
			}},
		{"none", sohoa.DossierFilter{UnitCode: "MIN"}, func(d *sohoa.Dossier) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []*sohoa.Dossier
			for _, d := range all {
				if tc.keep(d) {
					want = append(want, d)
				}
			}
			for _, desc := range []bool{false, true} {
				sortDossiers(want, desc)
				for _, limit := range []int{1, 7, 1000} {
					f := tc.f
					f.Scope, f.Descending, f.Limit = sohoa.AllUnits, desc, limit
					got := pageAll(t, c, f)
					if len(want) == 0 {
						assert.Empty(t, got)
						continue
					}
					assert.Equal(t, codes(want), got, "desc=%v limit=%d", desc, limit)
				}
			}
			f := tc.f
			f.Scope = sohoa.AllUnits
			counts, err := c.CountDossiers(ctx, f)
			require.NoError(t, err)
			wantCounts := map[string]int64{}
			for _, d := range want {
				wantCounts[d.UnitCode+"/"+string(d.DigitizationState)]++
			}
			gotCounts := map[string]int64{}
			for _, n := range counts {
				gotCounts[n.UnitCode+"/"+string(n.DigitizationState)] += n.Count
			}
			assert.Equal(t, wantCounts, gotCounts)
		})
	}

	// The page a cursor starts is unaffected by rows inserted before it.
	page, err := c.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, Limit: 10})
	require.NoError(t, err)
	s.dossier(t, c, "A-EARLY", "OSS1", base.Add(-time.Hour))
	next, err := c.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, Limit: 10, Cursor: page.NextCursor})
	require.NoError(t, err)
	sortDossiers(all, false)
	assert.Equal(t, codes(all[10:20]), codes(next.Dossiers))

	_, err = c.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, Limit: sohoa.MaxPageSize + 1})
	requireCode(t, sohoa.EINVALID, err)
	_, err = c.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, Cursor: "garbage!"})
	requireCode(t, sohoa.EINVALID, err)
	_, err = c.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, Statuses: []sohoa.DossierStatus{"lost"}})
	requireCode(t, sohoa.EINVALID, err)
	page, err = c.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits})
	require.NoError(t, err)
	assert.Len(t, page.Dossiers, sohoa.DefaultPageSize)
}

func (s *suite) testScoping(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	all := s.listFixture(t, c)
	byUnit := func(units ...string) []string {
		var out []*sohoa.Dossier
		for _, d := range all {
			if slices.Contains(units, d.UnitCode) {
				out = append(out, d)
			}
		}
		sortDossiers(out, false)
		return codes(out)
	}
	for _, tc := range []struct {
		scope sohoa.Scope
		unit  string
		want  []string
	}{
		{sohoa.ScopeOf("OSS1"), "", byUnit("OSS1")},
		{sohoa.ScopeOf("DEP1"), "", byUnit("DEP1", "OSS1", "OSS2")},
		{sohoa.ScopeOf("OSS1", "OSS3"), "", byUnit("OSS1", "OSS3")},
		{sohoa.ScopeOf("MIN"), "", byUnit("DEP1", "OSS1", "OSS2", "OSS3")},
		{sohoa.ScopeOf("OSS1"), "OSS3", nil},
		{sohoa.ScopeOf("DEP1"), "OSS2", byUnit("OSS2")},
		{sohoa.ScopeOf("NOPE"), "", nil},
	} {
		got := pageAll(t, c, sohoa.DossierFilter{Scope: tc.scope, UnitCode: tc.unit, Limit: 9})
		if tc.want == nil {
			assert.Empty(t, got, "%v", tc.scope)
		} else {
			assert.Equal(t, tc.want, got, "%v", tc.scope)
		}
	}
	// Subtree filtering inside a scope: DEP1 and below, but only what OSS2's scope shows.
	got := pageAll(t, c, sohoa.DossierFilter{Scope: sohoa.ScopeOf("OSS2"), UnitCode: "DEP1", IncludeSubunits: true, Limit: 50})
	assert.Equal(t, byUnit("OSS2"), got)

	_, err := c.FindDossiers(ctx, sohoa.DossierFilter{UnitCode: "OSS1"})
	requireCode(t, sohoa.EFORBIDDEN, err, "the zero scope is refused, not treated as all or nothing")
	_, err = c.CountDossiers(ctx, sohoa.DossierFilter{})
	requireCode(t, sohoa.EFORBIDDEN, err)
	_, err = c.FindDocuments(ctx, sohoa.DocumentFilter{})
	requireCode(t, sohoa.EFORBIDDEN, err)
	_, err = c.FindUnits(ctx, sohoa.UnitFilter{})
	requireCode(t, sohoa.EFORBIDDEN, err)
	_, err = c.FindPeriodicReports(ctx, sohoa.ReportFilter{})
	requireCode(t, sohoa.EFORBIDDEN, err)

	counts, err := c.CountDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.ScopeOf("DEP2")})
	require.NoError(t, err)
	var total int64
	for _, n := range counts {
		assert.Equal(t, "OSS3", n.UnitCode)
		total += n.Count
	}
	assert.Equal(t, int64(len(byUnit("OSS3"))), total)

	units, err := c.FindUnits(ctx, sohoa.UnitFilter{Scope: sohoa.ScopeOf("DEP1")})
	require.NoError(t, err)
	assert.Equal(t, []string{"DEP1", "OSS1", "OSS2"}, unitCodes(units))
	units, err = c.FindUnits(ctx, sohoa.UnitFilter{Scope: sohoa.ScopeOf("DEP1"), Under: "MIN"})
	require.NoError(t, err)
	assert.Equal(t, []string{"DEP1", "OSS1", "OSS2"}, unitCodes(units))

	require.NoError(t, c.CheckScope(ctx, sohoa.ScopeOf("DEP1"), "OSS2"))
	require.NoError(t, c.CheckScope(ctx, sohoa.ScopeOf("OSS2"), "OSS2"))
	require.NoError(t, c.CheckScope(ctx, sohoa.AllUnits, "OSS2"))
	requireCode(t, sohoa.EFORBIDDEN, c.CheckScope(ctx, sohoa.ScopeOf("DEP1"), "OSS3"))
	requireCode(t, sohoa.EFORBIDDEN, c.CheckScope(ctx, sohoa.ScopeOf("OSS1"), "DEP1"), "a parent is not in its child's scope")
	requireCode(t, sohoa.EFORBIDDEN, c.CheckScope(ctx, sohoa.ScopeOf("DEP1"), "NOPE"))
	requireCode(t, sohoa.ENOTFOUND, c.CheckScope(ctx, sohoa.AllUnits, "NOPE"))
	requireCode(t, sohoa.EFORBIDDEN, c.CheckScope(ctx, sohoa.Scope{}, "OSS1"))

	// Documents follow their dossier's unit.
	var inOSS1, inOSS3 string
	for _, d := range all {
		if d.UnitCode == "OSS1" && inOSS1 == "" {
			inOSS1 = d.Code
		}
		if d.UnitCode == "OSS3" && inOSS3 == "" {
			inOSS3 = d.Code
		}
	}
	d1 := s.document(t, c, inOSS1, 1)
	s.document(t, c, inOSS3, 1)
	docs, err := c.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.ScopeOf("DEP1"), BlobKey: key(1)})
	require.NoError(t, err)
	require.Len(t, docs, 1)
	assert.Equal(t, d1.ID, docs[0].ID)
	docs, err = c.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.ScopeOf("DEP1"), DossierCode: inOSS3})
	require.NoError(t, err)
	assert.Empty(t, docs)

	// A user's scope is what they see.
	u := &sohoa.User{Username: "auditor2", Roles: []sohoa.Role{sohoa.RoleAuditor}, UnitScopes: []string{"DEP2"}}
	require.NoError(t, c.CreateUser(ctx, u))
	u, err = c.FindUserByUsername(ctx, "auditor2")
	require.NoError(t, err)
	assert.Equal(t, byUnit("OSS3"), pageAll(t, c, sohoa.DossierFilter{Scope: u.Scope(), Limit: 50}))
	nobody := &sohoa.User{Username: "nobody", Roles: []sohoa.Role{sohoa.RoleClerk}}
	_, err = c.FindDossiers(ctx, sohoa.DossierFilter{Scope: nobody.Scope()})
	requireCode(t, sohoa.EFORBIDDEN, err)
}

func (s *suite) testReports(t *testing.T) {
	c := s.fixture(t)
	ctx := t.Context()
	s.dossier(t, c, "R-1", "OSS1", base)
	doc := s.document(t, c, "R-1", 1)
	doc2 := s.document(t, c, "R-1", 2)

	r := &sohoa.PeriodicReport{UnitCode: "OSS1", Period: "2026-q1", DocumentID: doc.ID, SubmittedAt: base}
	require.NoError(t, c.CreatePeriodicReport(ctx, r))
	assert.Positive(t, r.ID)
	assert.Equal(t, "2026-Q1", r.Period)
	requireCode(t, sohoa.ECONFLICT, c.CreatePeriodicReport(ctx, &sohoa.PeriodicReport{UnitCode: "OSS1", Period: "2026-Q1", DocumentID: doc.ID, SubmittedAt: base}))
	require.NoError(t, c.CreatePeriodicReport(ctx, &sohoa.PeriodicReport{UnitCode: "OSS1", Period: "2026-Q1", DocumentID: doc2.ID, SubmittedAt: base.Add(time.Hour)}))
	require.NoError(t, c.CreatePeriodicReport(ctx, &sohoa.PeriodicReport{UnitCode: "OSS3", Period: "2026-Q2", DocumentID: doc2.ID, SubmittedAt: base.Add(2 * time.Hour)}))

	requireCode(t, sohoa.EINVALID, c.CreatePeriodicReport(ctx, &sohoa.PeriodicReport{UnitCode: "OSS1", Period: "2026-Q5", DocumentID: doc.ID, SubmittedAt: base}))
	requireCode(t, sohoa.EINVALID, c.CreatePeriodicReport(ctx, &sohoa.PeriodicReport{UnitCode: "NOPE", Period: "2026-Q1", DocumentID: doc.ID, SubmittedAt: base}))
	requireCode(t, sohoa.EINVALID, c.CreatePeriodicReport(ctx, &sohoa.PeriodicReport{UnitCode: "OSS1", Period: "2026-Q1", DocumentID: 999999, SubmittedAt: base}))

	rs, err := c.FindPeriodicReports(ctx, sohoa.ReportFilter{Scope: sohoa.AllUnits, Period: "2026-Q1"})
	require.NoError(t, err)
	require.Len(t, rs, 2)
	assert.Equal(t, doc.ID, rs[0].DocumentID, "oldest first")
	assert.True(t, base.Equal(rs[0].SubmittedAt))
	rs, err = c.FindPeriodicReports(ctx, sohoa.ReportFilter{Scope: sohoa.ScopeOf("DEP2")})
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, "OSS3", rs[0].UnitCode)
	rs, err = c.FindPeriodicReports(ctx, sohoa.ReportFilter{Scope: sohoa.AllUnits, UnitCode: "OSS1"})
	require.NoError(t, err)
	assert.Len(t, rs, 2)
}
