-- The console: households, sign-in sessions, extra time, alerts, and the counters behind a
-- profile's day and week views and the "new devices" list.
--
-- The three counter tables are filled by the query-log writer, summed in memory per batch like
-- `usage`, and pruned with the query log. They are WITHOUT ROWID tables: the writer's upserts
-- and the readers' range scans then touch one b-tree each (the PostgreSQL migration uses plain
-- tables with the same primary keys).

-- The household or class a console profile belongs to; NULL: administrators only.
ALTER TABLE profiles ADD COLUMN household TEXT;

-- Console sign-in sessions. Only the SHA-256 of the cookie's token is kept.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,                   -- the token forms and API calls must echo
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL          -- updated at most once a minute
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Extra minutes a guardian granted a profile for the rest of its day.
CREATE TABLE extra_time (
    id INTEGER PRIMARY KEY,
    profile TEXT NOT NULL,
    target TEXT NOT NULL,                 -- all | group:NAME | service:ID
    minutes INTEGER NOT NULL,
    expires_ms BIGINT NOT NULL,           -- the profile's next local midnight
    granted_by TEXT NOT NULL,
    granted_ms BIGINT NOT NULL
);
CREATE INDEX extra_time_expires ON extra_time (expires_ms);

-- Alerts for guardians.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    time_ms BIGINT NOT NULL,
    profile TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('repeated_blocks', 'budget_used_up')),
    subject TEXT NOT NULL,                -- a category, or a budget's target
    count INTEGER NOT NULL,               -- blocked attempts, or minutes used
    detail TEXT NOT NULL,
    read BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX alerts_profile_time ON alerts (profile, time_ms);

-- Queries per profile, quarter hour and category ('' for none). Every time zone's midnight is
-- a whole quarter hour, so a local day is a whole number of rows.
CREATE TABLE profile_activity (
    profile TEXT NOT NULL,
    bucket_ms BIGINT NOT NULL,            -- start of the quarter hour, ms since the Unix epoch
    category TEXT NOT NULL,
    queries BIGINT NOT NULL,
    blocked BIGINT NOT NULL,
    PRIMARY KEY (profile, bucket_ms, category)
) WITHOUT ROWID;

-- Queries per profile, quarter hour and queried name: a day's top names.
CREATE TABLE domain_activity (
    profile TEXT NOT NULL,
    bucket_ms BIGINT NOT NULL,
    name TEXT NOT NULL,
    queries BIGINT NOT NULL,
    blocked BIGINT NOT NULL,
    PRIMARY KEY (profile, bucket_ms, name)
) WITHOUT ROWID;

-- A profile's minutes of service use in a period (day and week views); the primary key puts
-- the service before the minute.
CREATE INDEX service_usage_profile_minute ON service_usage (profile, minute_ms);

-- Queries per hour from client addresses that matched no configured device.
CREATE TABLE unnamed_clients (
    hour_ms BIGINT NOT NULL,
    ip TEXT NOT NULL,
    first_ms BIGINT NOT NULL,
    last_ms BIGINT NOT NULL,
    queries BIGINT NOT NULL,
    PRIMARY KEY (hour_ms, ip)
) WITHOUT ROWID;
