-- +goose Up
-- Audit entries appended but not yet chained (storage/postgres, AppendAudit
-- inside a transaction): the entry commits with the change it describes
-- without locking audit_head, so such transactions commit in parallel, and
-- a sealer chains the committed rows into audit_log in batches (one lock of
-- the head per batch), deleting them here in the same transaction. Rows
-- left by a crash are sealed by the next sealer. key_id and mac: the key
-- the appender held and an HMAC of the entry under a key derived from it
-- (sqlcat.PendingMAC), so a row written here without the key is never
-- chained as a keyed row; the sealer marks such rows rejected (and leaves
-- them for `sohoa audit verify` to report) instead of sealing them.
CREATE TABLE audit_pending (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL,
    actor    text NOT NULL,
    action   text NOT NULL,
    object   text NOT NULL,
    details  json NOT NULL,
    key_id   text NOT NULL DEFAULT '',
    mac      text NOT NULL DEFAULT '',
    rejected text NOT NULL DEFAULT ''
);

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_pending) THEN
        RAISE EXCEPTION 'audit_pending holds entries not yet sealed into audit_log: open the catalog with this version to seal them first';
    END IF;
END
$$;
-- +goose StatementEnd
DROP TABLE audit_pending;
