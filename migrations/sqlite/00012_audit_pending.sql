-- +goose Up
-- PostgreSQL's 00012 adds audit_pending, where entries appended inside a
-- transaction wait to be chained, so that transactions appending to the
-- audit log commit in parallel. SQLite has one writer at a time anyway: it
-- chains every entry as it is appended. This migration only keeps the two
-- dialects' numbering aligned.
SELECT 1;

-- +goose Down
SELECT 1;
