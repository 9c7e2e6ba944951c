package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/internal/sqlcat"
)

func (db *DB) requireDocument(ctx context.Context, id int64) error {
	ok, err := db.exists(ctx, `SELECT 1 FROM documents WHERE id = ?`, id)
	return dialect.Require(ok, err, "document", sohoa.EINVALID, "unknown document %d", id)
}

const inspectionCols = `i.id, i.document_id, i.outcome, i.findings, i.policy_name, i.inspector_version, i.created_at`

func scanInspection(row scanner) (*sohoa.Inspection, error) {
	var in sohoa.Inspection
	var findings, created string
	if err := row.Scan(&in.ID, &in.DocumentID, &in.Outcome, &findings, &in.PolicyName, &in.InspectorVersion, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(findings), &in.Findings); err != nil {
		return nil, err
	}
	if in.Findings == nil {
		in.Findings = []sohoa.Finding{}
	}
	var err error
	in.CreatedAt, err = parseTS(created)
	return &in, err
}

func scanInspections(r *sql.Rows) (*sohoa.Inspection, error) { return scanInspection(r) }

func (db *DB) CreateInspection(ctx context.Context, in *sohoa.Inspection) error {
	if err := in.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		if err := tx.requireDocument(ctx, in.DocumentID); err != nil {
			return err
		}
		findings, err := json.Marshal(in.Findings)
		if err != nil {
			return err
		}
		created, createdTS := tx.nowTS()
		if err := tx.w.QueryRowContext(ctx, `INSERT INTO inspections (document_id, outcome, findings, policy_name, inspector_version, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			in.DocumentID, in.Outcome, string(findings), in.PolicyName, in.InspectorVersion, createdTS).Scan(&in.ID); err != nil {
			return wrap(err, "record inspection")
		}
		in.CreatedAt = created
		return nil
	})
}

func (db *DB) FindInspections(ctx context.Context, documentID int64) ([]*sohoa.Inspection, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+inspectionCols+` FROM inspections i WHERE i.document_id = ? ORDER BY i.id DESC`, documentID)
	ins, err := collect(rows, err, scanInspections)
	return ins, wrap(err, "find inspections")
}

func (db *DB) LatestInspections(ctx context.Context, documentIDs []int64) (map[int64]*sohoa.Inspection, error) {
	return latest(ctx, db, documentIDs, inspectionCols, "inspections", "i", scanInspection,
		func(in *sohoa.Inspection) int64 { return in.DocumentID })
}

const verificationCols = `v.id, v.document_id, v.indication, v.sub_indication, v.report, v.verifier_version,
	v.trust_anchors_sha256, v.created_at`

// verdictCols are verificationCols without the report.
var verdictCols = strings.Replace(verificationCols, "v.report", "''", 1)

func scanVerification(row scanner) (*sohoa.Verification, error) {
	var v sohoa.Verification
	var report, created string
	if err := row.Scan(&v.ID, &v.DocumentID, &v.Indication, &v.SubIndication, &report, &v.VerifierVersion,
		&v.TrustAnchorsSHA256, &created); err != nil {
		return nil, err
	}
	if len(report) > 0 {
		v.ReportJSON = json.RawMessage(report)
	}
	var err error
	v.CreatedAt, err = parseTS(created)
	return &v, err
}

func scanVerifications(r *sql.Rows) (*sohoa.Verification, error) { return scanVerification(r) }

func (db *DB) CreateVerification(ctx context.Context, v *sohoa.Verification) error {
	if err := v.Validate(); err != nil {
		return err
	}
	return db.atomic(ctx, func(tx *DB) error {
		if err := tx.requireDocument(ctx, v.DocumentID); err != nil {
			return err
		}
		created, createdTS := tx.nowTS()
		if err := tx.w.QueryRowContext(ctx, `INSERT INTO verifications (document_id, indication, sub_indication, report,
				verifier_version, trust_anchors_sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			v.DocumentID, v.Indication, v.SubIndication, string(v.ReportJSON), v.VerifierVersion, v.TrustAnchorsSHA256, createdTS).Scan(&v.ID); err != nil {
			return wrap(err, "record verification")
		}
		v.CreatedAt = created
		return nil
	})
}

func (db *DB) FindVerifications(ctx context.Context, documentID int64) ([]*sohoa.Verification, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+verificationCols+` FROM verifications v WHERE v.document_id = ? ORDER BY v.id DESC`, documentID)
	vs, err := collect(rows, err, scanVerifications)
	return vs, wrap(err, "find verifications")
}

func (db *DB) LatestVerification(ctx context.Context, documentID int64) (*sohoa.Verification, error) {
	v, err := scanVerification(db.r.QueryRowContext(ctx, `SELECT `+verificationCols+` FROM verifications v
		WHERE v.document_id = ? ORDER BY v.id DESC LIMIT 1`, documentID))
	if errors.Is(err, sql.ErrNoRows) {
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
// each of documentIDs.
func latest[T any](ctx context.Context, db *DB, documentIDs []int64, cols, table, alias string,
	scan func(scanner) (*T, error), documentID func(*T) int64) (map[int64]*T, error) {
	return sqlcat.Latest(documentIDs, func() ([]*T, error) {
		rows, err := db.r.QueryContext(ctx, `SELECT `+cols+` FROM `+table+` `+alias+` WHERE `+alias+`.id IN (
			SELECT (SELECT x.id FROM `+table+` x WHERE x.document_id = want.value ORDER BY x.id DESC LIMIT 1)
			FROM json_each(?) want)`, sqlcat.JSONIDs(documentIDs))
		xs, err := collect(rows, err, func(r *sql.Rows) (*T, error) { return scan(r) })
		return xs, wrap(err, "latest %s", table)
	}, documentID)
}
