-- +goose Up
-- Sign-in (issue 10): a password hash per user (argon2id in PHC form, ''
-- when none is set), a disabled mark, server-side sessions and the
-- failed sign-ins the throttle counts. Sessions and failures live here,
-- not in a server's memory, so several serve processes share them.
ALTER TABLE users ADD COLUMN password_hash text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- A session's id is the SHA-256 of the cookie's token; the token itself is
-- never stored. last_seen_at drives the idle timeout, expires_at is the
-- absolute end.
CREATE TABLE sessions (
    id           text COLLATE "C" PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
    username     text COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    csrf_secret  text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    user_agent   text NOT NULL DEFAULT '',
    addr         text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_username_idx ON sessions (username);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- One row per failed sign-in; username is '' when the name given could not
-- be a username, addr '' when the address is unknown. No foreign key: the
-- names tried need not exist.
CREATE TABLE sign_in_failures (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text COLLATE "C" NOT NULL,
    addr     text NOT NULL,
    at       timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_username_idx ON sign_in_failures (username, at);
CREATE INDEX sign_in_failures_addr_idx ON sign_in_failures (addr, at);
CREATE INDEX sign_in_failures_at_idx ON sign_in_failures (at);

-- +goose Down
DROP TABLE sign_in_failures;
DROP TABLE sessions;
ALTER TABLE users DROP COLUMN disabled_at;
ALTER TABLE users DROP COLUMN password_hash;
