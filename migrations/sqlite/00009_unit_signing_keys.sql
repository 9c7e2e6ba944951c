-- +goose Up
-- A unit's agency signing key, sealed (AES-256-GCM under a key derived
-- from the audit key, which never enters the database), with its
-- certificate's fields to show, and the optional RFC 3161 service.
CREATE TABLE unit_signing_keys (
    unit_code   TEXT PRIMARY KEY REFERENCES units (code),
    sealed      BLOB NOT NULL,
    cert_sha256 TEXT NOT NULL CHECK (length(cert_sha256) = 64),
    subject     TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    not_before  TEXT NOT NULL,
    not_after   TEXT NOT NULL,
    tsa_url     TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL
) STRICT;

-- The certified copy (bản sao điện tử) made of a scan: a document of the
-- same dossier. One copy per scan makes the certify job idempotent.
CREATE TABLE certified_copies (
    scan_document_id INTEGER PRIMARY KEY REFERENCES documents (id),
    copy_document_id INTEGER NOT NULL UNIQUE REFERENCES documents (id),
    signed_at        TEXT NOT NULL,
    CHECK (scan_document_id <> copy_document_id)
) STRICT;

-- +goose Down
DROP TABLE certified_copies;
DROP TABLE unit_signing_keys;
