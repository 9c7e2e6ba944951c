package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/sohoa/sohoa"
)

var _ sohoa.UnitKeyService = (*DB)(nil)

const unitKeyCols = `unit_code, sealed, cert_sha256, subject, issuer, not_before, not_after, tsa_url, updated_at`

func (db *DB) SetUnitSigningKey(ctx context.Context, k *sohoa.UnitSigningKey) error {
	if err := k.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		if err := tx.requireUnit(ctx, k.UnitCode, "unit"); err != nil {
			return err
		}
		now, nowTS := tx.nowTS()
		_, err := tx.w.ExecContext(ctx, `INSERT INTO unit_signing_keys (`+unitKeyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (unit_code) DO UPDATE SET sealed = excluded.sealed, cert_sha256 = excluded.cert_sha256,
			subject = excluded.subject, issuer = excluded.issuer, not_before = excluded.not_before,
			not_after = excluded.not_after, tsa_url = excluded.tsa_url, updated_at = excluded.updated_at`,
			k.UnitCode, k.Sealed, k.CertSHA256, k.Subject, k.Issuer, ts(k.NotBefore), ts(k.NotAfter), k.TSAURL, nowTS)
		if err != nil {
			return wrap(err, "set signing key of unit %q", k.UnitCode)
		}
		k.UpdatedAt = now
		return nil
	})
}

func (db *DB) FindUnitSigningKey(ctx context.Context, unitCode string) (*sohoa.UnitSigningKey, error) {
	if err := sohoa.ValidateCode("unit", unitCode); err != nil {
		return nil, err
	}
	var k sohoa.UnitSigningKey
	var nb, na, up string
	err := db.r.QueryRowContext(ctx, `SELECT `+unitKeyCols+` FROM unit_signing_keys WHERE unit_code = ?`, unitCode).
		Scan(&k.UnitCode, &k.Sealed, &k.CertSHA256, &k.Subject, &k.Issuer, &nb, &na, &k.TSAURL, &up)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "unit %q has no signing key", unitCode)
	} else if err != nil {
		return nil, wrap(err, "find signing key of unit %q", unitCode)
	}
	if k.NotBefore, err = parseTS(nb); err != nil {
		return nil, err
	}
	if k.NotAfter, err = parseTS(na); err != nil {
		return nil, err
	}
	if k.UpdatedAt, err = parseTS(up); err != nil {
		return nil, err
	}
	return &k, nil
}

func (db *DB) DeleteUnitSigningKey(ctx context.Context, unitCode string) error {
	if err := sohoa.ValidateCode("unit", unitCode); err != nil {
		return err
	}
	res, err := db.w.ExecContext(ctx, `DELETE FROM unit_signing_keys WHERE unit_code = ?`, unitCode)
	if err != nil {
		return wrap(err, "delete signing key of unit %q", unitCode)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return sohoa.Errorf(sohoa.ENOTFOUND, "unit %q has no signing key", unitCode)
	}
	return nil
}

func (db *DB) RecordCertifiedCopy(ctx context.Context, c *sohoa.CertifiedCopy) error {
	if c.ScanDocumentID <= 0 || c.CopyDocumentID <= 0 || c.ScanDocumentID == c.CopyDocumentID {
		return sohoa.Errorf(sohoa.EINVALID, "certified copy: scan %d and copy %d must be two documents", c.ScanDocumentID, c.CopyDocumentID)
	}
	at, err := sohoa.NormalizeTime("signing time", c.SignedAt)
	if err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		for _, id := range []int64{c.ScanDocumentID, c.CopyDocumentID} {
			if err := tx.requireDocument(ctx, id); err != nil {
				return err
			}
		}
		res, err := tx.w.ExecContext(ctx, `INSERT INTO certified_copies (scan_document_id, copy_document_id, signed_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, c.ScanDocumentID, c.CopyDocumentID, ts(at))
		if err != nil {
			return wrap(err, "record the certified copy of document %d", c.ScanDocumentID)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sohoa.Errorf(sohoa.ECONFLICT, "document %d already has a certified copy, or document %d is already one", c.ScanDocumentID, c.CopyDocumentID)
		}
		c.SignedAt = at
		return nil
	})
}

func (db *DB) FindCertifiedCopy(ctx context.Context, scanDocumentID int64) (*sohoa.CertifiedCopy, error) {
	c := sohoa.CertifiedCopy{}
	var at string
	err := db.r.QueryRowContext(ctx, `SELECT scan_document_id, copy_document_id, signed_at FROM certified_copies WHERE scan_document_id = ?`, scanDocumentID).
		Scan(&c.ScanDocumentID, &c.CopyDocumentID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "document %d has no certified copy", scanDocumentID)
	} else if err != nil {
		return nil, wrap(err, "find the certified copy of document %d", scanDocumentID)
	}
	if c.SignedAt, err = parseTS(at); err != nil {
		return nil, err
	}
	return &c, nil
}
