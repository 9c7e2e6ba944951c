-- +goose Up
-- A unit's policy that its results (kết quả giải quyết TTHC) and periodic
-- reports be signed under the Government CA (chữ ký số chuyên dùng Chính
-- phủ): a result whose valid signatures do not chain to the Government CA's
-- root is then not digitized. Off by default.
ALTER TABLE units ADD COLUMN require_gov_ca boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE units DROP COLUMN require_gov_ca;
