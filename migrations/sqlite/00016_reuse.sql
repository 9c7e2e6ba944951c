-- +goose Up
-- Reuse of digitized results (see the PostgreSQL migration): the
-- dossier's applicant and the document a reused document refers to.
ALTER TABLE dossiers ADD COLUMN applicant_id TEXT;
CREATE INDEX dossiers_applicant_idx ON dossiers (applicant_id, received_at) WHERE applicant_id IS NOT NULL;
ALTER TABLE documents ADD COLUMN reused_from INTEGER REFERENCES documents (id);
CREATE INDEX documents_reused_idx ON documents (dossier_code) WHERE reused_from IS NOT NULL;

-- +goose Down
DROP INDEX documents_reused_idx;
ALTER TABLE documents DROP COLUMN reused_from;
DROP INDEX dossiers_applicant_idx;
ALTER TABLE dossiers DROP COLUMN applicant_id;
