-- +goose Up
-- A unit's policy that its results and periodic reports be signed under
-- the Government CA (see the PostgreSQL migration). Off by default.
ALTER TABLE units ADD COLUMN require_gov_ca INTEGER NOT NULL DEFAULT 0 CHECK (require_gov_ca IN (0, 1));

-- +goose Down
ALTER TABLE units DROP COLUMN require_gov_ca;
