-- +goose Up
-- A unit's agency signing key, sealed (AES-256-GCM under a key derived
-- from the audit key, which never enters the database), with its
-- certificate's fields to show, and the optional RFC 3161 service.
CREATE TABLE unit_signing_keys (
    unit_code   text COLLATE "C" PRIMARY KEY REFERENCES units (code),
    sealed      bytea NOT NULL,
    cert_sha256 text COLLATE "C" NOT NULL CHECK (cert_sha256 ~ '^[0-9a-f]{64}$'),
    subject     text NOT NULL,
    issuer      text NOT NULL,
    not_before  timestamptz NOT NULL,
    not_after   timestamptz NOT NULL,
    tsa_url     text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL
);

-- The certified copy (bản sao điện tử) made of a scan: a document of the
-- same dossier. One copy per scan makes the certify job idempotent.
CREATE TABLE certified_copies (
    scan_document_id bigint PRIMARY KEY REFERENCES documents (id),
    copy_document_id bigint NOT NULL UNIQUE REFERENCES documents (id),
    signed_at        timestamptz NOT NULL,
    CHECK (scan_document_id <> copy_document_id)
);

-- +goose Down
DROP TABLE certified_copies;
DROP TABLE unit_signing_keys;
