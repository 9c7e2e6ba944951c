-- +goose Up
-- Codes compare byte-wise (COLLATE "C") so ordering and keyset pagination
-- agree with SQLite whatever the database's locale.

CREATE TABLE units (
    code        text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    parent_code text COLLATE "C" REFERENCES units (code),
    created_at  timestamptz NOT NULL,
    CHECK (parent_code IS NULL OR parent_code <> code)
);
CREATE INDEX units_parent_code_idx ON units (parent_code);

CREATE TABLE procedures (
    code                text COLLATE "C" PRIMARY KEY,
    name                text NOT NULL,
    required_components jsonb NOT NULL DEFAULT '[]',
    created_at          timestamptz NOT NULL
);

CREATE TABLE dossiers (
    code               text COLLATE "C" PRIMARY KEY,
    unit_code          text COLLATE "C" NOT NULL REFERENCES units (code),
    procedure_code     text COLLATE "C" NOT NULL REFERENCES procedures (code),
    received_at        timestamptz NOT NULL,
    due_at             timestamptz,
    resolved_at        timestamptz,
    status             text NOT NULL CHECK (status IN ('received', 'processing', 'resolved', 'returned')),
    digitization_state text NOT NULL CHECK (digitization_state IN ('incomplete', 'digitized')),
    created_at         timestamptz NOT NULL
);
-- Dossiers of a unit in a period, in (received_at, code) order.
CREATE INDEX dossiers_unit_received_idx ON dossiers (unit_code, received_at, code);
-- Dossiers of every unit (or a large subtree) in (received_at, code) order.
CREATE INDEX dossiers_received_idx ON dossiers (received_at, code);
CREATE INDEX dossiers_procedure_idx ON dossiers (procedure_code);

-- Per unit and local day (YYMMDD), the last number handed out for a
-- generated dossier code.
CREATE TABLE dossier_code_counters (
    unit_code   text COLLATE "C" NOT NULL REFERENCES units (code),
    day         text NOT NULL,
    last_number integer NOT NULL,
    PRIMARY KEY (unit_code, day)
);

CREATE TABLE documents (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_code   text COLLATE "C" NOT NULL REFERENCES dossiers (code),
    blob_key       text COLLATE "C" NOT NULL CHECK (blob_key ~ '^[0-9a-f]{64}$'),
    size           bigint NOT NULL CHECK (size >= 0),
    file_name      text NOT NULL,
    media_type     text NOT NULL,
    role           text NOT NULL CHECK (role IN ('component', 'result', 'report')),
    component_name text NOT NULL DEFAULT '',
    source         text NOT NULL CHECK (source IN ('web', 'api', 'folder', 'bulk')),
    uploaded_by    text NOT NULL,
    created_at     timestamptz NOT NULL,
    CONSTRAINT documents_dossier_blob_key UNIQUE (dossier_code, blob_key)
);
CREATE INDEX documents_blob_key_idx ON documents (blob_key);

CREATE TABLE inspections (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id       bigint NOT NULL REFERENCES documents (id),
    outcome           text NOT NULL CHECK (outcome IN ('ok', 'warn', 'fail')),
    findings          jsonb NOT NULL,
    policy_name       text NOT NULL,
    inspector_version text NOT NULL,
    created_at        timestamptz NOT NULL
);
CREATE INDEX inspections_document_idx ON inspections (document_id, id DESC);

CREATE TABLE verifications (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id          bigint NOT NULL REFERENCES documents (id),
    indication           text NOT NULL CHECK (indication IN ('TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE')),
    sub_indication       text NOT NULL DEFAULT '',
    -- json, not jsonb: the verifier's report is kept byte for byte.
    report               json NOT NULL,
    verifier_version     text NOT NULL,
    trust_anchors_sha256 text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL
);
-- Latest verification per document: one index probe each.
CREATE INDEX verifications_document_idx ON verifications (document_id, id DESC);

CREATE TABLE periodic_reports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_code    text COLLATE "C" NOT NULL REFERENCES units (code),
    period       text NOT NULL,
    document_id  bigint NOT NULL REFERENCES documents (id),
    submitted_at timestamptz NOT NULL,
    CONSTRAINT periodic_reports_unit_period_document UNIQUE (unit_code, period, document_id)
);

CREATE TABLE users (
    username     text COLLATE "C" PRIMARY KEY,
    display_name text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL
);

CREATE TABLE user_roles (
    username text COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    role     text NOT NULL CHECK (role IN ('clerk', 'auditor', 'admin', 'scanner')),
    PRIMARY KEY (username, role)
);

CREATE TABLE user_unit_scopes (
    username  text COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    unit_code text COLLATE "C" NOT NULL REFERENCES units (code),
    PRIMARY KEY (username, unit_code)
);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username     text COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    name         text NOT NULL,
    token_sha256 text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz
);
CREATE INDEX api_tokens_username_idx ON api_tokens (username);

-- The audit log is append-only and hash-chained (see sohoa.AuditEntry).
-- details is json, not jsonb, so the hashed bytes are the stored bytes.
CREATE TABLE audit_log (
    seq       bigint PRIMARY KEY CHECK (seq > 0),
    at        timestamptz NOT NULL,
    actor     text NOT NULL,
    action    text NOT NULL,
    object    text NOT NULL,
    details   json NOT NULL,
    prev_hash text NOT NULL,
    hash      text NOT NULL
);
CREATE INDEX audit_log_object_idx ON audit_log (object, seq);

-- The newest row's seq and hash. Appends lock this row (serialising them)
-- and verification compares it with the last row, so deleting rows from
-- the end is detected too.
CREATE TABLE audit_head (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq  bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (true, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Defence in depth: the application never updates or deletes audit rows.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log, audit_head, api_tokens, user_unit_scopes, user_roles, users,
    periodic_reports, verifications, inspections, documents, dossier_code_counters,
    dossiers, procedures, units;
DROP FUNCTION audit_log_append_only();
