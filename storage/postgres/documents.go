package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

const documentCols = `doc.id, doc.dossier_code, doc.blob_key, doc.size, doc.file_name, doc.media_type, doc.role,
	doc.component_name, doc.source, doc.uploaded_by, doc.created_at, doc.reused_from`

func scanDocument(row pgx.Row) (*sohoa.Document, error) {
	var d sohoa.Document
	var reused *int64
	if err := row.Scan(&d.ID, &d.DossierCode, &d.BlobKey, &d.Size, &d.FileName, &d.MediaType, &d.Role,
		&d.ComponentName, &d.Source, &d.UploadedBy, &d.CreatedAt, &reused); err != nil {
		return nil, err
	}
	d.ReusedFrom = sqlcat.ID(reused)
	d.CreatedAt = d.CreatedAt.UTC()
	return &d, nil
}

func (db *DB) CreateDocument(ctx context.Context, d *sohoa.Document) error {
	if err := d.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		created := tx.nowUTC()
		// First, so that a collector's lock fails the call before anything
		// is written (see sohoa.BlobGCService).
		if err := tx.claimBlob(ctx, d.BlobKey, created); err != nil {
			return err
		}
		var id int64
		err := tx.q.QueryRow(ctx, `INSERT INTO documents (dossier_code, blob_key, size, file_name, media_type, role,
				component_name, source, uploaded_by, created_at, reused_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (dossier_code, blob_key) DO NOTHING RETURNING id`,
			d.DossierCode, d.BlobKey, d.Size, d.FileName, d.MediaType, d.Role, d.ComponentName, d.Source, d.UploadedBy, created, sqlcat.NullID(d.ReusedFrom)).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return sohoa.Errorf(sohoa.ECONFLICT, "dossier %q already holds a document with SHA-256 %s", d.DossierCode, d.BlobKey)
		} else if isForeignKeyViolation(err) {
			return sohoa.Errorf(sohoa.EINVALID, "unknown dossier %q", d.DossierCode)
		} else if err != nil {
			return wrap(err, "create document")
		}
		d.ID, d.CreatedAt = id, created
		return nil
	})
}

func (db *DB) FindDocumentByID(ctx context.Context, id int64) (*sohoa.Document, error) {
	d, err := scanDocument(db.q.QueryRow(ctx, `SELECT `+documentCols+` FROM documents doc WHERE doc.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
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
	d, err := scanDocument(db.q.QueryRow(ctx, `SELECT `+documentCols+` FROM documents doc
		WHERE doc.dossier_code = $1 AND doc.blob_key = $2`, dossierCode, blobKey))
	if errors.Is(err, pgx.ErrNoRows) {
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
	rows, err := db.q.Query(ctx, `SELECT `+documentCols+from, a.Values...)
	if err != nil {
		return nil, wrap(err, "find documents")
	}
	docs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*sohoa.Document, error) { return scanDocument(r) })
	if docs == nil {
		docs = []*sohoa.Document{}
	}
	return docs, wrap(err, "find documents")
}

func (db *DB) ForEachBlobKey(ctx context.Context, fn func(key string, size int64) error) error {
	return sqlcat.ForEachBlobKey(func(after string, n int) ([]sqlcat.KeySize, error) {
		rows, err := db.q.Query(ctx, `SELECT blob_key, max(size) FROM documents WHERE blob_key > $1
			GROUP BY blob_key ORDER BY blob_key LIMIT $2`, after, n)
		if err != nil {
			return nil, wrap(err, "list blob keys")
		}
		keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sqlcat.KeySize, error) {
			var x sqlcat.KeySize
			err := r.Scan(&x.Key, &x.Size)
			return x, err
		})
		return keys, wrap(err, "list blob keys")
	}, fn)
}
