-- +goose Up
-- Per-unit targets of the progress figures (percent); a unit without a row
-- uses 100 for every rate.
CREATE TABLE unit_targets (
    unit_code  text COLLATE "C" PRIMARY KEY REFERENCES units (code),
    digitized  integer NOT NULL CHECK (digitized BETWEEN 1 AND 100),
    results    integer NOT NULL CHECK (results BETWEEN 1 AND 100),
    reports    integer NOT NULL CHECK (reports BETWEEN 1 AND 100),
    updated_at timestamptz NOT NULL
);

-- A closed period's frozen figures, one row per unit: the unit as it was
-- (name, parent: no foreign key on the parent, the tree may change
-- later), its own and subtree counts, targets and report status. Rows are
-- never changed or deleted.
CREATE TABLE progress_snapshots (
    period                  text NOT NULL,
    unit_code               text COLLATE "C" NOT NULL REFERENCES units (code),
    unit_name               text NOT NULL,
    parent_code             text COLLATE "C",
    closed_at               timestamptz NOT NULL,
    closed_by               text NOT NULL,
    early                   boolean NOT NULL,
    target_digitized        integer NOT NULL,
    target_results          integer NOT NULL,
    target_reports          integer NOT NULL,
    own_received            bigint NOT NULL,
    own_digitized           bigint NOT NULL,
    own_resolved            bigint NOT NULL,
    own_results_digitized   bigint NOT NULL,
    own_reports_due         bigint NOT NULL,
    own_reports_signed      bigint NOT NULL,
    own_reports_on_time     bigint NOT NULL,
    total_received          bigint NOT NULL,
    total_digitized         bigint NOT NULL,
    total_resolved          bigint NOT NULL,
    total_results_digitized bigint NOT NULL,
    total_reports_due       bigint NOT NULL,
    total_reports_signed    bigint NOT NULL,
    total_reports_on_time   bigint NOT NULL,
    report_status           text NOT NULL CHECK (report_status IN ('on_time', 'late', 'unsigned', 'pending', 'missing')),
    report_submitted_at     timestamptz,
    PRIMARY KEY (period, unit_code)
);

-- +goose StatementBegin
CREATE FUNCTION progress_snapshots_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'progress_snapshots rows are never rewritten' USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER progress_snapshots_no_change BEFORE UPDATE OR DELETE ON progress_snapshots
    FOR EACH ROW EXECUTE FUNCTION progress_snapshots_frozen();
CREATE TRIGGER progress_snapshots_no_truncate BEFORE TRUNCATE ON progress_snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION progress_snapshots_frozen();

-- +goose Down
DROP TABLE progress_snapshots, unit_targets;
DROP FUNCTION progress_snapshots_frozen();
