package source

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/sqlite"
)

// newCatalog opens a real SQLite catalog with one unit, one procedure and
// one dossier.
func newCatalog(t *testing.T) *sqlite.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sohoa.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.CreateUnit(ctx, &sohoa.Unit{Code: "000.00.12.G05", Name: "Bộ phận Một cửa"}))
	require.NoError(t, db.CreateUnit(ctx, &sohoa.Unit{Code: "OTHER", Name: "Khác"}))
	require.NoError(t, db.CreateProcedure(ctx, &sohoa.Procedure{Code: "1.001", Name: "Cấp phép",
		RequiredComponents: []string{"Đơn đề nghị", "Bản sao CCCD"}}))
	require.NoError(t, db.CreateDossier(ctx, &sohoa.Dossier{Code: "000.00.12.G05-261130-0007", UnitCode: "000.00.12.G05",
		ProcedureCode: "1.001", ReceivedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, sohoa.Location())}))
	return db
}

func plan1(t *testing.T, r *Resolver, f File) Target {
	t.Helper()
	ts, err := r.Plan(f)
	require.NoError(t, err)
	require.Len(t, ts, 1)
	return ts[0]
}

func TestResolverByName(t *testing.T) {
	ctx := context.Background()
	r := &Resolver{Catalog: newCatalog(t)}
	file := func(name string) File {
		return File{Path: "/in/" + name, Abs: "/in/" + name, Size: 1, ModTime: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	}

	f := file("000.00.12.G05-261130-0007.2.pdf")
	tg := plan1(t, r, f)
	require.NoError(t, r.Complete(ctx, f, &tg))
	assert.Equal(t, "Bản sao CCCD", tg.Component, "the archive rule's #2 is the procedure's second component")
	assert.Nil(t, tg.NewDossier)
	assert.Equal(t, "000.00.12.G05-261130-0007.2.pdf", tg.FileName)

	f = file("000.00.12.G05-261130-0007__don_de_nghi.pdf")
	tg = plan1(t, r, f)
	require.NoError(t, r.Complete(ctx, f, &tg))
	assert.Equal(t, "Đơn đề nghị", tg.Component, "a loosely written name takes the procedure's spelling")

	// A component the procedure does not list: the dossier could never be
	// digitized with it.
	f = file("000.00.12.G05-261130-0007__Phụ lục.pdf")
	tg = plan1(t, r, f)
	err := r.Complete(ctx, f, &tg)
	require.Error(t, err)
	assert.True(t, IsPermanent(err))
	assert.Contains(t, err.Error(), `component "Phụ lục" is not one of procedure 1.001's components (Đơn đề nghị; Bản sao CCCD)`)

	f = file("000.00.12.G05-261130-0007.3.pdf")
	tg = plan1(t, r, f)
	err = r.Complete(ctx, f, &tg)
	require.Error(t, err)
	assert.True(t, IsPermanent(err))
	assert.Contains(t, err.Error(), "component #3, but procedure 1.001 lists 2")

	// Unknown dossier, no --unit/--procedure: a clear, permanent failure.
	f = file("000.00.12.G05-261201-0001__Đơn đề nghị.pdf")
	tg = plan1(t, r, f)
	err = r.Complete(ctx, f, &tg)
	require.Error(t, err)
	assert.True(t, IsPermanent(err))
	assert.Contains(t, err.Error(), "its dossier does not exist")
	assert.Contains(t, err.Error(), "--unit and --procedure")

	// With them it is created, received on the day in its code.
	r = &Resolver{Catalog: r.Catalog, Unit: "000.00.12.G05", Procedure: "1.001"}
	require.NoError(t, r.Complete(ctx, f, &tg))
	require.NotNil(t, tg.NewDossier)
	assert.Equal(t, "000.00.12.G05", tg.NewDossier.UnitCode)
	assert.True(t, tg.NewDossier.ReceivedAt.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, sohoa.Location())))

	// Another system's code: received at the file's mtime.
	f = file("EXT-42__Đơn đề nghị.pdf")
	tg = plan1(t, r, f)
	require.NoError(t, r.Complete(ctx, f, &tg))
	assert.True(t, tg.NewDossier.ReceivedAt.Equal(f.ModTime))

	// --unit restricts: an existing dossier of another unit fails.
	r = &Resolver{Catalog: r.Catalog, Unit: "OTHER"}
	f = file("000.00.12.G05-261130-0007.1.pdf")
	tg = plan1(t, r, f)
	err = r.Complete(ctx, f, &tg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "belongs to unit 000.00.12.G05, not OTHER")

	// --unit restricts new dossiers' codes: a Circular 01/2018 code of
	// another unit fails; another system's code is accepted.
	r = &Resolver{Catalog: r.Catalog, Unit: "OTHER", Procedure: "1.001"}
	f = file("000.00.12.G05-261201-0009__Đơn đề nghị.pdf")
	tg = plan1(t, r, f)
	err = r.Complete(ctx, f, &tg)
	require.Error(t, err)
	assert.True(t, IsPermanent(err))
	assert.Contains(t, err.Error(), "its code is a code of unit 000.00.12.G05 (Circular 01/2018: <unit code>-YYMMDD-NNNN), not of OTHER (--unit)")
	f = file("EXT-43__Đơn đề nghị.pdf")
	tg = plan1(t, r, f)
	require.NoError(t, r.Complete(ctx, f, &tg))
	assert.Equal(t, "OTHER", tg.NewDossier.UnitCode)
}

func TestResolverByManifest(t *testing.T) {
	ctx := context.Background()
	m, err := ParseManifest(strings.NewReader(header+"\n"+
		"x.pdf,NEW-1,000.00.12.G05,1.001,component,Đơn_đề_nghị,2026-03-01\n"+
		"x.pdf,000.00.12.G05-261130-0007,,,result,,\n"+
		"y.pdf,NEW-2,000.00.12.G05,,component,,\n"+
		"scan0001.pdf,000.00.12.G05-261202-0003,000.00.12.G05,1.001,,,\n"), "/in", ManifestOptions{})
	require.NoError(t, err)
	r := &Resolver{Catalog: newCatalog(t), Manifest: m}

	x := File{Path: "/in/x.pdf", Abs: "/in/x.pdf"}
	ts, err := r.Plan(x)
	require.NoError(t, err)
	require.Len(t, ts, 2, "one target per row")
	require.NoError(t, r.Complete(ctx, x, &ts[0]))
	require.NotNil(t, ts[0].NewDossier)
	assert.Equal(t, "1.001", ts[0].NewDossier.ProcedureCode)
	assert.Equal(t, "Đơn đề nghị", ts[0].Component)
	assert.Equal(t, 2, ts[0].Line)
	require.NoError(t, r.Complete(ctx, x, &ts[1]))
	assert.Nil(t, ts[1].NewDossier)
	assert.Equal(t, sohoa.RoleResult, ts[1].Role)
	assert.NotEqual(t, ts[0].Key, ts[1].Key)

	y := File{Path: "/in/y.pdf", Abs: "/in/y.pdf"}
	ty := plan1(t, r, y)
	err = r.Complete(ctx, y, &ty)
	require.Error(t, err)
	assert.True(t, IsPermanent(err))
	assert.Contains(t, err.Error(), "manifest line 4: dossier NEW-2 does not exist and the manifest does not give its procedure and received_at")

	// A name that follows no convention is fine when the manifest lists
	// it; a Circular code supplies the missing received_at.
	s := File{Path: "/in/scan0001.pdf", Abs: "/in/scan0001.pdf"}
	tsc := plan1(t, r, s)
	require.NoError(t, r.Complete(ctx, s, &tsc))
	assert.True(t, tsc.NewDossier.ReceivedAt.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, sohoa.Location())))

	// Not in the manifest: the naming conventions apply.
	_, err = r.Plan(File{Path: "/in/other.pdf", Abs: "/in/other.pdf"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot tell the dossier from the file name")
}
