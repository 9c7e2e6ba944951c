-- +goose Up
-- Progress figures count a unit's dossiers resolved in a period per
-- digitization state: a partial index on resolved dossiers, carrying the
-- state, makes that an index-only scan (received dossiers already have
-- dossiers_unit_received_idx, see 00002).
CREATE INDEX dossiers_unit_resolved_idx ON dossiers (unit_code, resolved_at) INCLUDE (digitization_state)
    WHERE status = 'resolved';

-- +goose Down
DROP INDEX dossiers_unit_resolved_idx;
