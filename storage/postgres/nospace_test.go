package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testenv"
	"github.com/sohoa/sohoa/storage/postgres"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
)

func execSQL(t *testing.T, url, sql string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// TestNoSpace fills a real disk: the documents table moves to a
// tablespace on a 1 MiB tmpfs, and inserting documents until it is full
// fails with SQLSTATE 53100 wrapped with sohoa.ErrNoSpace. It needs the
// test server on this machine (it must see the tmpfs) and root (to mount
// it and hand it to the postgres user); elsewhere it skips.
func TestNoSpace(t *testing.T) {
	base := pgtest.BaseURL(t)
	dir := testenv.Tmpfs(t, "size=1m")
	pgUser, err := user.Lookup("postgres")
	if err != nil {
		t.Skipf("no postgres OS user to own the tablespace directory: %v", err)
	}
	loc := filepath.Join(dir, "ts")
	require.NoError(t, os.Mkdir(loc, 0o700))
	uid, _ := strconv.Atoi(pgUser.Uid)
	gid, _ := strconv.Atoi(pgUser.Gid)
	require.NoError(t, os.Chown(loc, uid, gid))
	ts := fmt.Sprintf("sohoa_full_%d", time.Now().UnixNano())
	if err := execSQL(t, base, `CREATE TABLESPACE `+ts+` LOCATION '`+loc+`'`); err != nil {
		t.Skipf("the test server cannot use a directory of this machine (%v): is it elsewhere?", err)
	}
	t.Cleanup(func() {
		if err := execSQL(t, base, `DROP TABLESPACE IF EXISTS `+ts); err != nil {
			t.Errorf("drop tablespace: %v", err)
		}
	})
	dbURL := pgtest.NewDatabase(t, "nospace") // dropped before the tablespace
	db, err := postgres.Open(t.Context(), dbURL, nil)
	require.NoError(t, err)
	defer db.Close()
	ctx := t.Context()
	_, err = db.Pool().Exec(ctx, `ALTER TABLE documents SET TABLESPACE `+ts)
	require.NoError(t, err)

	require.NoError(t, db.CreateUnit(ctx, &sohoa.Unit{Code: "U1", Name: "Một cửa"}))
	require.NoError(t, db.CreateProcedure(ctx, &sohoa.Procedure{Code: "P1", Name: "Cấp phép"}))
	require.NoError(t, db.CreateDossier(ctx, &sohoa.Dossier{Code: "D-1", UnitCode: "U1", ProcedureCode: "P1", ReceivedAt: time.Now()}))
	name := strings.Repeat("tài liệu ", 25) + ".pdf"
	n := 0
	for batch := 0; batch < 100 && err == nil; batch++ {
		err = db.WithTx(ctx, func(tx sohoa.Catalog) error {
			for range 200 {
				n++
				if err := tx.CreateDocument(ctx, &sohoa.Document{DossierCode: "D-1", BlobKey: fmt.Sprintf("%064x", n), Size: 1,
					FileName: name, MediaType: "application/pdf", Role: sohoa.RoleComponent, ComponentName: name,
					Source: sohoa.SourceBulk, UploadedBy: "test"}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	t.Logf("full after %d documents: %v", n, err)
	require.ErrorIs(t, err, sohoa.ErrNoSpace)
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "the driver's error is kept")
	require.Equal(t, "53100", pe.Code)
}

func TestNoSpaceClassification(t *testing.T) {
	for code, full := range map[string]bool{"53100": true, "53200": false, "53300": false, "53400": false, "23505": false} {
		err := postgres.MapErrForTest(&pgconn.PgError{Code: code, Message: "x"})
		require.Equal(t, full, errors.Is(err, sohoa.ErrNoSpace), code)
	}
}
