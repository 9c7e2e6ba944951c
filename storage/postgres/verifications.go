package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

func (db *DB) requireDocument(ctx context.Context, id int64) error {
	ok, err := db.exists(ctx, `SELECT 1 FROM documents WHERE id = $1`, id)
	return dialect.Require(ok, err, "document", sohoa.EINVALID, "unknown document %d", id)
}

func unknownDocument(id int64) error { return sohoa.Errorf(sohoa.EINVALID, "unknown document %d", id) }

const inspectionCols = `i.id, i.document_id, i.outcome, i.findings, i.policy_name, i.inspector_version, i.created_at`

func scanInspection(row pgx.Row) (*sohoa.Inspection, error) {
	var in sohoa.Inspection
	if err := row.Scan(&in.ID, &in.DocumentID, &in.Outcome, &in.Findings, &in.PolicyName, &in.InspectorVersion, &in.CreatedAt); err != nil {
		return nil, err
	}
	if in.Findings == nil {
		in.Findings = []sohoa.Finding{}
	}
	in.CreatedAt = in.CreatedAt.UTC()
	return &in, nil
}

func (db *DB) CreateInspection(ctx context.Context, in *sohoa.Inspection) error {
	if err := in.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		findings, err := json.Marshal(in.Findings)
		if err != nil {
			return err
		}
		created := tx.nowUTC()
		if err := tx.q.QueryRow(ctx, `INSERT INTO inspections (document_id, outcome, findings, policy_name, inspector_version, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			in.DocumentID, in.Outcome, string(findings), in.PolicyName, in.InspectorVersion, created).Scan(&in.ID); isForeignKeyViolation(err) {
			return unknownDocument(in.DocumentID)
		} else if err != nil {
			return wrap(err, "record inspection")
		}
		in.CreatedAt = created
		return nil
	})
}

func (db *DB) FindInspections(ctx context.Context, documentID int64) ([]*sohoa.Inspection, error) {
	rows, err := db.q.Query(ctx, `SELECT `+inspectionCols+` FROM inspections i WHERE i.document_id = $1 ORDER BY i.id DESC`, documentID)
	if err != nil {
		return nil, wrap(err, "find inspections")
	}
	ins, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*sohoa.Inspection, error) { return scanInspection(r) })
	return ins, wrap(err, "find inspections")
}

func (db *DB) LatestInspections(ctx context.Context, documentIDs []int64) (map[int64]*sohoa.Inspection, error) {
	return latest(ctx, db, documentIDs, inspectionCols, "inspections", "i", scanInspection,
		func(in *sohoa.Inspection) int64 { return in.DocumentID })
}

const verificationCols = `v.id, v.document_id, v.indication, v.sub_indication, v.report, v.verifier_version,
	v.trust_anchors_sha256, v.created_at`

// verdictCols are verificationCols without the report.
var verdictCols = strings.Replace(verificationCols, "v.report", "NULL::json", 1)

func scanVerification(row pgx.Row) (*sohoa.Verification, error) {
	var v sohoa.Verification
	var report []byte
	if err := row.Scan(&v.ID, &v.DocumentID, &v.Indication, &v.SubIndication, &report, &v.VerifierVersion,
		&v.TrustAnchorsSHA256, &v.CreatedAt); err != nil {
		return nil, err
	}
	if len(report) > 0 {
		v.ReportJSON = json.RawMessage(report)
	}
	v.CreatedAt = v.CreatedAt.UTC()
	return &v, nil
}

func (db *DB) CreateVerification(ctx context.Context, v *sohoa.Verification) error {
	if err := v.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		created := tx.nowUTC()
		if err := tx.q.QueryRow(ctx, `INSERT INTO verifications (document_id, indication, sub_indication, report,
				verifier_version, trust_anchors_sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			v.DocumentID, v.Indication, v.SubIndication, string(v.ReportJSON), v.VerifierVersion, v.TrustAnchorsSHA256, created).Scan(&v.ID); isForeignKeyViolation(err) {
			return unknownDocument(v.DocumentID)
		} else if err != nil {
			return wrap(err, "record verification")
		}
		v.CreatedAt = created
		return nil
	})
}

func (db *DB) FindVerifications(ctx context.Context, documentID int64) ([]*sohoa.Verification, error) {
	rows, err := db.q.Query(ctx, `SELECT `+verificationCols+` FROM verifications v WHERE v.document_id = $1 ORDER BY v.id DESC`, documentID)
	if err != nil {
		return nil, wrap(err, "find verifications")
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*sohoa.Verification, error) { return scanVerification(r) })
	return vs, wrap(err, "find verifications")
}

func (db *DB) LatestVerification(ctx context.Context, documentID int64) (*sohoa.Verification, error) {
	v, err := scanVerification(db.q.QueryRow(ctx, `SELECT `+verificationCols+` FROM verifications v
		WHERE v.document_id = $1 ORDER BY v.id DESC LIMIT 1`, documentID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "document %d has no verification", documentID)
	}
	return v, wrap(err, "latest verification")
}

func (db *DB) LatestVerifications(ctx context.Context, documentIDs []int64) (map[int64]*sohoa.Verification, error) {
	return db.latestVerifications(ctx, documentIDs, verificationCols)
}

func (db *DB) LatestVerdicts(ctx context.Context, documentIDs []int64) (map[int64]*sohoa.Verification, error) {
	return db.latestVerifications(ctx, documentIDs, verdictCols)
}

func (db *DB) latestVerifications(ctx context.Context, documentIDs []int64, cols string) (map[int64]*sohoa.Verification, error) {
	return latest(ctx, db, documentIDs, cols, "verifications", "v", scanVerification,
		func(v *sohoa.Verification) int64 { return v.DocumentID })
}

// latest reads the newest row of table (alias is its name in cols) for
// each of documentIDs: one index probe per document on (document_id, id
// DESC).
func latest[T any](ctx context.Context, db *DB, documentIDs []int64, cols, table, alias string,
	scan func(pgx.Row) (*T, error), documentID func(*T) int64) (map[int64]*T, error) {
	return sqlcat.Latest(documentIDs, func() ([]*T, error) {
		rows, err := db.q.Query(ctx, `SELECT `+cols+` FROM unnest($1::bigint[]) AS want(id)
			CROSS JOIN LATERAL (SELECT * FROM `+table+` x WHERE x.document_id = want.id ORDER BY x.id DESC LIMIT 1) `+alias, documentIDs)
		if err != nil {
			return nil, wrap(err, "latest %s", table)
		}
		xs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*T, error) { return scan(r) })
		return xs, wrap(err, "latest %s", table)
	}, documentID)
}
