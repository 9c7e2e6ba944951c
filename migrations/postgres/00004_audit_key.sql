-- +goose Up
-- The keyed audit log (sohoa.AuditKey): each row names the key its HMAC was
-- computed with ('' for the unkeyed rows written before), and the head is
-- sealed with an HMAC of its seq and hash, so cutting the tail and moving
-- the head back needs the key, which is kept outside the database.
ALTER TABLE audit_log ADD COLUMN key_id text NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN key_id text NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN mac text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit_head DROP COLUMN mac;
ALTER TABLE audit_head DROP COLUMN key_id;
ALTER TABLE audit_log DROP COLUMN key_id;
