-- +goose Up
-- A garbage collector's lock on a blob it is about to delete (see
-- sohoa.BlobGCService). Ingestion inserts and deletes a row here in the
-- transaction that records a document, so that it conflicts on the key
-- with a collector's lock; rows live only while one blob is deleted, or
-- until a crashed collector's lock goes stale.
CREATE TABLE blob_gc_locks (
    blob_key  text COLLATE "C" PRIMARY KEY CHECK (blob_key ~ '^[0-9a-f]{64}$'),
    locked_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE blob_gc_locks;
