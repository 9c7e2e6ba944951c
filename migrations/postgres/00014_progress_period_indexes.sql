-- +goose Up
-- The progress figures count the dossiers received, and those resolved, in
-- a period per unit and digitization state, leaving out the dossiers that
-- hold the units' periodic reports (procedure BC.DINHKY). Until now:
--
--   - for every unit (or a large subtree: no unit list) no index served
--     them, as those of 00002 and 00008 lead with the unit: at 1,000,000
--     dossiers over eight quarters the ministry's figures took 144 ms (p50),
--     303 ms (p95), the resolved count a parallel scan of every row
--     (bench/progress.sh, BENCHMARKS.md, issue 11);
--   - for a unit's subtree the unit indexes served them, but read the table
--     for the procedure of every dossier counted.
--
-- Now four indexes carry the unit, the procedure and the state(s), so every
-- count is an index-only scan of one period's entries:
--
--   - dossiers_received_idx, (received_at, code) as before (the listings'
--     order), and dossiers_resolved_idx (new) on resolved dossiers by
--     resolved_at: the counts for every unit;
--   - dossiers_unit_received_idx and dossiers_unit_resolved_idx, keys as
--     before: the counts for a list of units.
--
-- The states are digitization_state and, once migration 00013 has added it,
-- scan_state ("scanned and checked"), which the counts group by too.
-- +goose StatementBegin
DO $$
DECLARE
    states text := 'digitization_state';
BEGIN
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'dossiers'::regclass AND attname = 'scan_state' AND NOT attisdropped) THEN
        states := states || ', scan_state';
    END IF;
    DROP INDEX dossiers_received_idx;
    EXECUTE format('CREATE INDEX dossiers_received_idx ON dossiers (received_at, code) INCLUDE (unit_code, procedure_code, %s)', states);
    EXECUTE format('CREATE INDEX dossiers_resolved_idx ON dossiers (resolved_at) INCLUDE (unit_code, procedure_code, %s) WHERE status = ''resolved''', states);
    DROP INDEX dossiers_unit_received_idx;
    EXECUTE format('CREATE INDEX dossiers_unit_received_idx ON dossiers (unit_code, received_at, code) INCLUDE (%s, procedure_code)', states);
    DROP INDEX dossiers_unit_resolved_idx;
    EXECUTE format('CREATE INDEX dossiers_unit_resolved_idx ON dossiers (unit_code, resolved_at) INCLUDE (%s, procedure_code) WHERE status = ''resolved''', states);
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    states text := 'digitization_state';
BEGIN
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'dossiers'::regclass AND attname = 'scan_state' AND NOT attisdropped) THEN
        states := states || ', scan_state';
    END IF;
    DROP INDEX dossiers_resolved_idx;
    DROP INDEX dossiers_received_idx;
    CREATE INDEX dossiers_received_idx ON dossiers (received_at, code);
    DROP INDEX dossiers_unit_received_idx;
    EXECUTE format('CREATE INDEX dossiers_unit_received_idx ON dossiers (unit_code, received_at, code) INCLUDE (%s)', states);
    DROP INDEX dossiers_unit_resolved_idx;
    EXECUTE format('CREATE INDEX dossiers_unit_resolved_idx ON dossiers (unit_code, resolved_at) INCLUDE (%s) WHERE status = ''resolved''', states);
END
$$;
-- +goose StatementEnd
