-- +goose Up
-- PostgreSQL's 00014 makes the progress counts for every unit index-only
-- scans of one period (indexes led by received_at and resolved_at, carrying
-- the unit, procedure and states). The embedded default's catalogs are a
-- unit's, not a ministry's, and its counts already read the unit indexes of
-- 00002 and 00008: this migration only keeps the two dialects' numbering
-- aligned.
SELECT 1;

-- +goose Down
SELECT 1;
