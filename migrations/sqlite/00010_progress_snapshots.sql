-- +goose Up
-- Per-unit targets of the progress figures (percent); a unit without a row
-- uses 100 for every rate.
CREATE TABLE unit_targets (
    unit_code  TEXT PRIMARY KEY REFERENCES units (code),
    digitized  INTEGER NOT NULL CHECK (digitized BETWEEN 1 AND 100),
    results    INTEGER NOT NULL CHECK (results BETWEEN 1 AND 100),
    reports    INTEGER NOT NULL CHECK (reports BETWEEN 1 AND 100),
    updated_at TEXT NOT NULL
) STRICT;

-- A closed period's frozen figures, one row per unit (see the PostgreSQL
-- migration). Rows are never changed or deleted.
CREATE TABLE progress_snapshots (
    period                  TEXT NOT NULL,
    unit_code               TEXT NOT NULL REFERENCES units (code),
    unit_name               TEXT NOT NULL,
    parent_code             TEXT,
    closed_at               TEXT NOT NULL,
    closed_by               TEXT NOT NULL,
    early                   INTEGER NOT NULL CHECK (early IN (0, 1)),
    target_digitized        INTEGER NOT NULL,
    target_results          INTEGER NOT NULL,
    target_reports          INTEGER NOT NULL,
    own_received            INTEGER NOT NULL,
    own_digitized           INTEGER NOT NULL,
    own_resolved            INTEGER NOT NULL,
    own_results_digitized   INTEGER NOT NULL,
    own_reports_due         INTEGER NOT NULL,
    own_reports_signed      INTEGER NOT NULL,
    own_reports_on_time     INTEGER NOT NULL,
    total_received          INTEGER NOT NULL,
    total_digitized         INTEGER NOT NULL,
    total_resolved          INTEGER NOT NULL,
    total_results_digitized INTEGER NOT NULL,
    total_reports_due       INTEGER NOT NULL,
    total_reports_signed    INTEGER NOT NULL,
    total_reports_on_time   INTEGER NOT NULL,
    report_status           TEXT NOT NULL CHECK (report_status IN ('on_time', 'late', 'unsigned', 'pending', 'missing')),
    report_submitted_at     TEXT,
    PRIMARY KEY (period, unit_code)
) STRICT;

-- +goose StatementBegin
CREATE TRIGGER progress_snapshots_no_update BEFORE UPDATE ON progress_snapshots
BEGIN
    SELECT RAISE(ABORT, 'progress_snapshots rows are never rewritten');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER progress_snapshots_no_delete BEFORE DELETE ON progress_snapshots
BEGIN
    SELECT RAISE(ABORT, 'progress_snapshots rows are never rewritten');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER progress_snapshots_no_delete;
DROP TRIGGER progress_snapshots_no_update;
DROP TABLE progress_snapshots;
DROP TABLE unit_targets;
