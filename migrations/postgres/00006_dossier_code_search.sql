-- +goose Up
-- The dossier search (GET /api/v1/dossiers?q=, the /ho-so page) keeps the
-- dossiers whose code contains the text, ignoring ASCII case:
-- LOWER(d.code) LIKE '%…%'. A B-tree cannot serve a pattern that starts
-- with a wildcard, so at 1,000,000 dossiers that was a scan of every row
-- (issue 10). A trigram GIN index over LOWER(code) serves it for any text
-- of three characters or more; pg_trgm ships with PostgreSQL (contrib) and
-- is a trusted extension, so the catalog's owner may create it.
--
-- An extension lives in one schema of the database: where an earlier
-- catalog (another schema of the same database) or the administrator put
-- it, or else the first schema of the search path. Its operator class is
-- named with that schema, so a catalog whose search path does not include
-- it still gets the index.
-- +goose StatementBegin
DO $$
DECLARE
    s text;
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    SELECT n.nspname INTO STRICT s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX dossiers_code_trgm_idx ON dossiers USING gin (LOWER(code) %I.gin_trgm_ops)', s);
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX dossiers_code_trgm_idx;
