-- +goose Up
-- Snapshots freeze the reused figure too (dossiers received in the period with
-- a component attached by reuse, migration 00016). Rows closed before this
-- migration keep NULL (they are never rewritten) and read as 0: no dossier
-- could be attached by reuse before 00016.
ALTER TABLE progress_snapshots ADD COLUMN own_reused bigint;
ALTER TABLE progress_snapshots ADD COLUMN total_reused bigint;

-- +goose Down
ALTER TABLE progress_snapshots DROP COLUMN total_reused;
ALTER TABLE progress_snapshots DROP COLUMN own_reused;
