-- +goose Up
-- PostgreSQL's 00006 adds a trigram index for the dossier search
-- (LOWER(code) LIKE '%…%'). SQLite has no such index (FTS5's trigram
-- tokenizer would need a shadow table kept in step with dossiers), and the
-- embedded default's catalogs are a unit's, not a ministry's: the search
-- stays a scan of the code column here. This migration only keeps the two
-- dialects' numbering aligned.
SELECT 1;

-- +goose Down
SELECT 1;
