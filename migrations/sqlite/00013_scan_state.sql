-- +goose Up
-- Two levels of digitization (see the PostgreSQL migration): scan_state is
-- the weaker "scanned and checked", what digitization_state meant before.
ALTER TABLE dossiers ADD COLUMN scan_state TEXT NOT NULL DEFAULT 'incomplete'
    CHECK (scan_state IN ('incomplete', 'scanned_checked'));
UPDATE dossiers SET scan_state = 'scanned_checked' WHERE digitization_state = 'digitized';

-- The progress counts of resolved dossiers group by both states: keep
-- them a covering-index scan.
DROP INDEX dossiers_unit_resolved_idx;
CREATE INDEX dossiers_unit_resolved_idx ON dossiers (unit_code, resolved_at, digitization_state, scan_state, status)
    WHERE status = 'resolved';

-- Snapshots gain the scanned-and-checked counts; rows closed before keep
-- NULL and read as their digitized counts.
ALTER TABLE progress_snapshots ADD COLUMN own_scanned_checked INTEGER;
ALTER TABLE progress_snapshots ADD COLUMN total_scanned_checked INTEGER;

-- The unit's head (lãnh đạo đơn vị), who signs and submits the periodic
-- report, is a role of its own: SQLite changes a CHECK by rebuilding the
-- (small) table.
CREATE TABLE user_roles_new (
    username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('clerk', 'auditor', 'admin', 'scanner', 'head')),
    PRIMARY KEY (username, role)
) STRICT;
INSERT INTO user_roles_new (username, role) SELECT username, role FROM user_roles;
DROP TABLE user_roles;
ALTER TABLE user_roles_new RENAME TO user_roles;

-- +goose Down
CREATE TABLE user_roles_old (
    username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('clerk', 'auditor', 'admin', 'scanner')),
    PRIMARY KEY (username, role)
) STRICT;
INSERT INTO user_roles_old (username, role) SELECT username, role FROM user_roles WHERE role <> 'head';
DROP TABLE user_roles;
ALTER TABLE user_roles_old RENAME TO user_roles;
ALTER TABLE progress_snapshots DROP COLUMN total_scanned_checked;
ALTER TABLE progress_snapshots DROP COLUMN own_scanned_checked;
DROP INDEX dossiers_unit_resolved_idx;
CREATE INDEX dossiers_unit_resolved_idx ON dossiers (unit_code, resolved_at, digitization_state, status)
    WHERE status = 'resolved';
ALTER TABLE dossiers DROP COLUMN scan_state;
