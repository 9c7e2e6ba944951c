package sqlite_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testenv"
	dbpkg "github.com/sohoa/sohoa/storage/sqlite"
)

// fillCatalog records documents, a few hundred per transaction, until the
// catalog fails, and returns that error (nil if it never did).
func fillCatalog(t *testing.T, db *dbpkg.DB) error {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, db.CreateUnit(ctx, &sohoa.Unit{Code: "U1", Name: "Một cửa"}))
	require.NoError(t, db.CreateProcedure(ctx, &sohoa.Procedure{Code: "P1", Name: "Cấp phép"}))
	require.NoError(t, db.CreateDossier(ctx, &sohoa.Dossier{Code: "D-1", UnitCode: "U1", ProcedureCode: "P1", ReceivedAt: time.Now()}))
	name := strings.Repeat("tài liệu ", 25) + ".pdf"
	n := 0
	for batch := 0; batch < 500; batch++ {
		err := db.WithTx(ctx, func(tx sohoa.Catalog) error {
			for range 300 {
				n++
				if err := tx.CreateDocument(ctx, &sohoa.Document{DossierCode: "D-1", BlobKey: fmt.Sprintf("%064x", n), Size: 1,
					FileName: name, MediaType: "application/pdf", Role: sohoa.RoleComponent, ComponentName: name,
					Source: sohoa.SourceBulk, UploadedBy: "test"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Logf("full after %d documents: %v", n, err)
			return err
		}
	}
	return nil
}

func requireFull(t *testing.T, err error) {
	t.Helper()
	require.ErrorIs(t, err, sohoa.ErrNoSpace)
	var se *sqlite.Error
	require.True(t, errors.As(err, &se), "the driver's error is kept: %v", err)
	require.Equal(t, sqlite3.SQLITE_FULL, se.Code()&0xff)
	require.Equal(t, sohoa.EINTERNAL, sohoa.Code(err))
}

// TestNoSpace fills a catalog for real: on a full filesystem (a small
// tmpfs) and at SQLite's own size limit (max_page_count); both report
// SQLITE_FULL wrapped with sohoa.ErrNoSpace.
func TestNoSpace(t *testing.T) {
	t.Run("MaxPageCount", func(t *testing.T) {
		db := open(t, filepath.Join(t.TempDir(), "sohoa.db"))
		var pages int
		require.NoError(t, db.Writer().QueryRow(`PRAGMA page_count`).Scan(&pages))
		_, err := db.Writer().Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+50))
		require.NoError(t, err)
		requireFull(t, fillCatalog(t, db))
	})
	t.Run("FullFilesystem", func(t *testing.T) {
		db := open(t, filepath.Join(testenv.Tmpfs(t, "size=3m"), "sohoa.db"))
		requireFull(t, fillCatalog(t, db))
	})
}
