-- +goose Up
-- Listing a unit's incomplete (or digitized) dossiers in a period reads
-- them in order from this index.
CREATE INDEX dossiers_unit_state_received_idx ON dossiers (unit_code, digitization_state, received_at, code);

-- +goose Down
DROP INDEX dossiers_unit_state_received_idx;
