package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

const documentCols = `doc.id, doc.dossier_code, doc.blob_key, doc.size, doc.file_name, doc.media_type, doc.role,
	doc.component_name, doc.source, doc.uploaded_by, doc.created_at, doc.reused_from`

func scanDocument(row scanner) (*sohoa.Document, error) {
	var d sohoa.Document
	var reused *int64
	var created string
	if err := row.Scan(&d.ID, &d.DossierCode, &d.BlobKey, &d.Size, &d.FileName, &d.MediaType, &d.Role,
		&d.ComponentName, &d.Source, &d.UploadedBy, &created, &reused); err != nil {
		return nil, err
	}
	d.ReusedFrom = sqlcat.ID(reused)
	var err error
	d.CreatedAt, err = parseTS(created)
	return &d, err
}

func (db *DB) CreateDocument(ctx context.Context, d *sohoa.Document) error {
	if err := d.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		ok, err := tx.exists(ctx, `SELECT 1 FROM dossiers WHERE code = ?`, d.DossierCode)
		if err := dialect.Require(ok, err, "dossier", sohoa.EINVALID, "unknown dossier %q", d.DossierCode); err != nil {
			return err
		}
		created, createdTS := tx.nowTS()
		if err := tx.claimBlob(ctx, d.BlobKey, created); err != nil { // see sohoa.BlobGCService
			return err
		}
		var id int64
		err = tx.w.QueryRowContext(ctx, `INSERT INTO documents (dossier_code, blob_key, size, file_name, media_type, role,
				component_name, source, uploaded_by, created_at, reused_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (dossier_code, blob_key) DO NOTHING RETURNING id`,
			d.DossierCode, d.BlobKey, d.Size, d.FileName, d.MediaType, d.Role, d.ComponentName, d.Source, d.UploadedBy, createdTS, sqlcat.NullID(d.ReusedFrom)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return sohoa.Errorf(sohoa.ECONFLICT, "dossier %q already holds a document with SHA-256 %s", d.DossierCode, d.BlobKey)
		} else if err != nil {
			return wrap(err, "create document")
		}
		d.ID, d.CreatedAt = id, created
		return nil
	})
}

func (db *DB) FindDocumentByID(ctx context.Context, id int64) (*sohoa.Document, error) {
	d, err := scanDocument(db.r.QueryRowContext(ctx, `SELECT `+documentCols+` FROM documents doc WHERE doc.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "document %d not found", id)
	}
	return d, wrap(err, "find document %d", id)
}

func (db *DB) FindDocumentByBlob(ctx context.Context, dossierCode, blobKey string) (*sohoa.Document, error) {
	if err := sohoa.ValidateDossierCode(dossierCode); err != nil {
		return nil, err
	}
	if err := sohoa.ValidateBlobKey(blobKey); err != nil {
		return nil, err
	}
	d, err := scanDocument(db.r.QueryRowContext(ctx, `SELECT `+documentCols+` FROM documents doc
		WHERE doc.dossier_code = ? AND doc.blob_key = ?`, dossierCode, blobKey))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "dossier %q has no document with SHA-256 %s", dossierCode, blobKey)
	}
	return d, wrap(err, "find document")
}

func (db *DB) FindDocuments(ctx context.Context, f sohoa.DocumentFilter) ([]*sohoa.Document, error) {
	a := dialect.Args()
	from, err := sqlcat.DocumentsFrom(&f, &a)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+documentCols+from, a.Values...)
	docs, err := collect(rows, err, func(r *sql.Rows) (*sohoa.Document, error) { return scanDocument(r) })
	if docs == nil {
		docs = []*sohoa.Document{}
	}
	return docs, wrap(err, "find documents")
}

func (db *DB) ForEachBlobKey(ctx context.Context, fn func(key string, size int64) error) error {
	return sqlcat.ForEachBlobKey(func(after string, n int) ([]sqlcat.KeySize, error) {
		rows, err := db.r.QueryContext(ctx, `SELECT blob_key, max(size) FROM documents WHERE blob_key > ?
			GROUP BY blob_key ORDER BY blob_key LIMIT ?`, after, n)
		keys, err := collect(rows, err, func(r *sql.Rows) (sqlcat.KeySize, error) {
			var x sqlcat.KeySize
			err := r.Scan(&x.Key, &x.Size)
			return x, err
		})
		return keys, wrap(err, "list blob keys")
	}, fn)
}
