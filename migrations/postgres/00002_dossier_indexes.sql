-- +goose Up
-- Progress pages count a unit's dossiers per digitization state in a
-- period: carrying the state in the unit index makes that an index-only
-- scan. Listing a unit's incomplete (or digitized) dossiers in a period
-- reads them in order from the second index.
DROP INDEX dossiers_unit_received_idx;
CREATE INDEX dossiers_unit_received_idx ON dossiers (unit_code, received_at, code) INCLUDE (digitization_state);
CREATE INDEX dossiers_unit_state_received_idx ON dossiers (unit_code, digitization_state, received_at, code);

-- +goose Down
DROP INDEX dossiers_unit_state_received_idx;
DROP INDEX dossiers_unit_received_idx;
CREATE INDEX dossiers_unit_received_idx ON dossiers (unit_code, received_at, code);
