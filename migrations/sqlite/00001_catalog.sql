-- +goose Up
-- STRICT tables; times are fixed-width UTC text (2006-01-02T15:04:05.000000Z)
-- so that text order is time order; codes compare byte-wise (BINARY).

CREATE TABLE units (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_code TEXT REFERENCES units (code),
    created_at  TEXT NOT NULL,
    CHECK (parent_code IS NULL OR parent_code <> code)
) STRICT;
CREATE INDEX units_parent_code_idx ON units (parent_code);

CREATE TABLE procedures (
    code                TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    required_components TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(required_components)),
    created_at          TEXT NOT NULL
) STRICT;

CREATE TABLE dossiers (
    code               TEXT PRIMARY KEY,
    unit_code          TEXT NOT NULL REFERENCES units (code),
    procedure_code     TEXT NOT NULL REFERENCES procedures (code),
    received_at        TEXT NOT NULL,
    due_at             TEXT,
    resolved_at        TEXT,
    status             TEXT NOT NULL CHECK (status IN ('received', 'processing', 'resolved', 'returned')),
    digitization_state TEXT NOT NULL CHECK (digitization_state IN ('incomplete', 'digitized')),
    created_at         TEXT NOT NULL
) STRICT;
CREATE INDEX dossiers_unit_received_idx ON dossiers (unit_code, received_at, code);
CREATE INDEX dossiers_received_idx ON dossiers (received_at, code);
CREATE INDEX dossiers_procedure_idx ON dossiers (procedure_code);

CREATE TABLE dossier_code_counters (
    unit_code   TEXT NOT NULL REFERENCES units (code),
    day         TEXT NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (unit_code, day)
) STRICT;

CREATE TABLE documents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_code   TEXT NOT NULL REFERENCES dossiers (code),
    blob_key       TEXT NOT NULL CHECK (length(blob_key) = 64 AND blob_key NOT GLOB '*[^0-9a-f]*'),
    size           INTEGER NOT NULL CHECK (size >= 0),
    file_name      TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('component', 'result', 'report')),
    component_name TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL CHECK (source IN ('web', 'api', 'folder', 'bulk')),
    uploaded_by    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (dossier_code, blob_key)
) STRICT;
CREATE INDEX documents_blob_key_idx ON documents (blob_key);

CREATE TABLE inspections (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id       INTEGER NOT NULL REFERENCES documents (id),
    outcome           TEXT NOT NULL CHECK (outcome IN ('ok', 'warn', 'fail')),
    findings          TEXT NOT NULL CHECK (json_valid(findings)),
    policy_name       TEXT NOT NULL,
    inspector_version TEXT NOT NULL,
    created_at        TEXT NOT NULL
) STRICT;
CREATE INDEX inspections_document_idx ON inspections (document_id, id DESC);

CREATE TABLE verifications (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id          INTEGER NOT NULL REFERENCES documents (id),
    indication           TEXT NOT NULL CHECK (indication IN ('TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE')),
    sub_indication       TEXT NOT NULL DEFAULT '',
    report               TEXT NOT NULL CHECK (json_valid(report)),
    verifier_version     TEXT NOT NULL,
    trust_anchors_sha256 TEXT NOT NULL DEFAULT '',
    created_at           TEXT NOT NULL
) STRICT;
CREATE INDEX verifications_document_idx ON verifications (document_id, id DESC);

CREATE TABLE periodic_reports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_code    TEXT NOT NULL REFERENCES units (code),
    period       TEXT NOT NULL,
    document_id  INTEGER NOT NULL REFERENCES documents (id),
    submitted_at TEXT NOT NULL,
    UNIQUE (unit_code, period, document_id)
) STRICT;

CREATE TABLE users (
    username     TEXT PRIMARY KEY,
    display_name TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE user_roles (
    username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('clerk', 'auditor', 'admin', 'scanner')),
    PRIMARY KEY (username, role)
) STRICT;

CREATE TABLE user_unit_scopes (
    username  TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    unit_code TEXT NOT NULL REFERENCES units (code),
    PRIMARY KEY (username, unit_code)
) STRICT;

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    username     TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT
) STRICT;
CREATE INDEX api_tokens_username_idx ON api_tokens (username);

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY CHECK (seq > 0),
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    details   TEXT NOT NULL CHECK (json_valid(details)),
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_object_idx ON audit_log (object, seq);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE user_unit_scopes;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE periodic_reports;
DROP TABLE verifications;
DROP TABLE inspections;
DROP TABLE documents;
DROP TABLE dossier_code_counters;
DROP TABLE dossiers;
DROP TABLE procedures;
DROP TABLE units;
