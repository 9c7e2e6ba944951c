-- +goose Up
-- The dossier search (GET /api/v1/dossiers?q=, the /ho-so page) keeps the
-- dossiers whose code contains the text, ignoring ASCII case:
-- LOWER(d.code) LIKE '%…%'. A B-tree cannot serve a pattern that starts
-- with a wildcard, so at 1,000,000 dossiers that was a scan of every row
-- (issue 10). A trigram GIN index over LOWER(code) serves it for any text
-- of three characters or more; pg_trgm ships with PostgreSQL (contrib) and
-- is a trusted extension, so the catalog's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX dossiers_code_trgm_idx ON dossiers USING gin (LOWER(code) gin_trgm_ops);

-- +goose Down
DROP INDEX dossiers_code_trgm_idx;
