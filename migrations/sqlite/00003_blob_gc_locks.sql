-- +goose Up
-- A garbage collector's lock on a blob it is about to delete (see
-- sohoa.BlobGCService). Ingestion inserts and deletes a row here in the
-- transaction that records a document, so that it conflicts on the key
-- with a collector's lock; rows live only while one blob is deleted, or
-- until a crashed collector's lock goes stale.
CREATE TABLE blob_gc_locks (
    blob_key  TEXT PRIMARY KEY CHECK (length(blob_key) = 64 AND blob_key NOT GLOB '*[^0-9a-f]*'),
    locked_at TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE blob_gc_locks;
