-- +goose Up
-- Two levels of digitization (sohoa.EvaluateDigitization): digitization_state
-- keeps its values, now for the stricter "digitized" (certified copies of the
-- unit, born-digital files whose signatures passed, a validly signed result);
-- scan_state is the weaker "scanned and checked" (every part has a file that
-- passed inspection and no failed signature), which is what
-- digitization_state meant before this migration, so a dossier stored as
-- digitized starts as scanned_checked. Its digitization_state stays as
-- stored (under the earlier, weaker rule) until the pipeline records the
-- dossier again (pipeline.Record: the next result of one of its documents);
-- SQL cannot apply the rule, and the audit log must see the change.
ALTER TABLE dossiers ADD COLUMN scan_state text NOT NULL DEFAULT 'incomplete'
    CHECK (scan_state IN ('incomplete', 'scanned_checked'));
UPDATE dossiers SET scan_state = 'scanned_checked' WHERE digitization_state = 'digitized';

-- The progress counts group by both states: carry both in the indexes
-- they scan, so they stay index-only scans.
DROP INDEX dossiers_unit_received_idx;
CREATE INDEX dossiers_unit_received_idx ON dossiers (unit_code, received_at, code) INCLUDE (digitization_state, scan_state);
DROP INDEX dossiers_unit_resolved_idx;
CREATE INDEX dossiers_unit_resolved_idx ON dossiers (unit_code, resolved_at) INCLUDE (digitization_state, scan_state)
    WHERE status = 'resolved';

-- Snapshots gain the scanned-and-checked counts. Rows closed before this
-- migration keep NULL (they are never rewritten); they read as their
-- digitized counts, which counted exactly that when they were closed.
ALTER TABLE progress_snapshots ADD COLUMN own_scanned_checked bigint, ADD COLUMN total_scanned_checked bigint;

-- The unit's head (lãnh đạo đơn vị), who signs and submits the periodic
-- report, is a role of its own.
ALTER TABLE user_roles DROP CONSTRAINT user_roles_role_check;
ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_check CHECK (role IN ('clerk', 'auditor', 'admin', 'scanner', 'head'));

-- +goose Down
DELETE FROM user_roles WHERE role = 'head';
ALTER TABLE user_roles DROP CONSTRAINT user_roles_role_check;
ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_check CHECK (role IN ('clerk', 'auditor', 'admin', 'scanner'));
ALTER TABLE progress_snapshots DROP COLUMN total_scanned_checked, DROP COLUMN own_scanned_checked;
DROP INDEX dossiers_unit_resolved_idx;
CREATE INDEX dossiers_unit_resolved_idx ON dossiers (unit_code, resolved_at) INCLUDE (digitization_state)
    WHERE status = 'resolved';
DROP INDEX dossiers_unit_received_idx;
CREATE INDEX dossiers_unit_received_idx ON dossiers (unit_code, received_at, code) INCLUDE (digitization_state);
ALTER TABLE dossiers DROP COLUMN scan_state;
