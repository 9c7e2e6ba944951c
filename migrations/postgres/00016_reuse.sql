-- +goose Up
-- Reuse of digitized results (tái sử dụng kết quả số hóa): a dossier may
-- name its applicant (a 12-digit citizen ID, CCCD, or a tax code, MST), and
-- a component document may be attached by reference to a document of an
-- earlier dossier of the same applicant: the same blob, no new scan.
ALTER TABLE dossiers ADD COLUMN applicant_id text;
CREATE INDEX dossiers_applicant_idx ON dossiers (applicant_id, received_at) WHERE applicant_id IS NOT NULL;
ALTER TABLE documents ADD COLUMN reused_from bigint REFERENCES documents (id);
-- The reused progress figure asks, per dossier, whether one of its
-- documents was reused: a small partial index answers it.
CREATE INDEX documents_reused_idx ON documents (dossier_code) WHERE reused_from IS NOT NULL;

-- +goose Down
DROP INDEX documents_reused_idx;
ALTER TABLE documents DROP COLUMN reused_from;
DROP INDEX dossiers_applicant_idx;
ALTER TABLE dossiers DROP COLUMN applicant_id;
