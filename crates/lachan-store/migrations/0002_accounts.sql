-- Accounts of the web console and the JSON API, and the audit log of changes. Portable SQL as
-- in 0001 (BLOB becomes BYTEA in the PostgreSQL migration).

-- People who sign in to the console. `household` is the household or class a guardian
-- manages; NULL for administrators.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,          -- an Argon2id PHC string, never the password
    role TEXT NOT NULL CHECK (role IN ('admin', 'guardian')),
    household TEXT,
    created_ms BIGINT NOT NULL
);

-- Bearer tokens of the JSON API. Only the SHA-256 of a token is kept: the token itself is
-- shown once, when it is made.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'guardian')),
    household TEXT,
    token_hash BLOB NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL,
    last_used_ms BIGINT                   -- NULL until first used; updated at most once a minute
);

-- Who changed what, and when.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    time_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,                  -- a username, a token name, or the command line
    action TEXT NOT NULL,                 -- e.g. "token created"
    object TEXT NOT NULL,                 -- what was acted on
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_time ON audit_log (time_ms);
