-- Lachan's first schema. Kept to portable SQL (TEXT, BIGINT, INTEGER, BOOLEAN, ON CONFLICT
-- upserts) so that the PostgreSQL migration can follow it closely.

-- Configuration. `origin` is 'file' (declared in the TOML configuration, rewritten at every
-- start) or 'console' (made in the web console, never touched by the file sync).

CREATE TABLE lists (
    name TEXT PRIMARY KEY NOT NULL,
    source TEXT NOT NULL,                 -- a file path or an https URL
    category TEXT NOT NULL,               -- lachan_policy::Category::as_str
    subdomains BOOLEAN NOT NULL,
    enabled BOOLEAN NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('file', 'console'))
);

CREATE TABLE profiles (
    name TEXT PRIMARY KEY NOT NULL,
    block TEXT NOT NULL,                  -- JSON array of category names
    safe_search BOOLEAN NOT NULL,
    youtube TEXT NOT NULL,                -- off | moderate | strict
    allow_rules TEXT NOT NULL,            -- JSON array of rules
    deny_rules TEXT NOT NULL,             -- JSON array of rules
    block_answer TEXT,                    -- NULL: the server's default
    origin TEXT NOT NULL CHECK (origin IN ('file', 'console'))
);

-- `profile` names a profile but has no foreign key: a configuration edit that removes a
-- profile must not fail because a console client still names it; readers resolve it.
CREATE TABLE clients (
    name TEXT PRIMARY KEY NOT NULL,
    matchers TEXT NOT NULL,               -- JSON array of IP, CIDR or MAC texts
    profile TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('file', 'console'))
);

-- The outcome of the last refresh of each list; goes away with its list.
CREATE TABLE list_refresh (
    name TEXT PRIMARY KEY NOT NULL REFERENCES lists (name) ON DELETE CASCADE,
    last_attempt_ms BIGINT NOT NULL,
    last_success_ms BIGINT,
    rules BIGINT,
    invalid BIGINT,
    error TEXT                            -- NULL when the last attempt succeeded
);

-- One row per answered DNS query.
CREATE TABLE query_log (
    id INTEGER PRIMARY KEY,
    time_ms BIGINT NOT NULL,
    client_ip TEXT,                       -- NULL when clients are anonymised
    client_name TEXT,
    profile TEXT NOT NULL,
    name TEXT NOT NULL,
    qtype INTEGER NOT NULL,
    decision TEXT NOT NULL,               -- Decision::as_str
    category TEXT,
    rule TEXT,
    upstream TEXT,
    upstream_ms INTEGER
);

-- One index only: every query writes a row, and each index is another b-tree insert on the DNS
-- server's core. Recent-query reads walk this index backwards, filter, and stop at their limit;
-- per-day summaries read the `usage` table instead.
CREATE INDEX query_log_time ON query_log (time_ms);

-- Per-minute counters, per client (name, else IP, else ''), profile and category ('' for none).
CREATE TABLE usage (
    minute_ms BIGINT NOT NULL,
    client TEXT NOT NULL,
    profile TEXT NOT NULL,
    category TEXT NOT NULL,
    queries BIGINT NOT NULL,
    blocked BIGINT NOT NULL,
    PRIMARY KEY (minute_ms, client, profile, category)
);

CREATE INDEX usage_client ON usage (client, minute_ms);
