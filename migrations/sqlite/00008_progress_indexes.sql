-- +goose Up
-- Progress figures count a unit's dossiers resolved in a period per
-- digitization state: a partial index on resolved dossiers, carrying the
-- state (and the status, which SQLite otherwise reads from the table),
-- makes that a covering-index scan.
CREATE INDEX dossiers_unit_resolved_idx ON dossiers (unit_code, resolved_at, digitization_state, status)
    WHERE status = 'resolved';

-- +goose Down
DROP INDEX dossiers_unit_resolved_idx;
