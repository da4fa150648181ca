-- Minutes in which a profile's devices used a service of the catalogue (for daily time budgets;
-- kept so a restart does not give a child a fresh budget).
CREATE TABLE service_usage (
    profile TEXT NOT NULL,
    minute_ms BIGINT NOT NULL,            -- start of the minute, ms since the Unix epoch
    service TEXT NOT NULL,                -- catalogue id
    service_group TEXT NOT NULL,          -- games, social, ...
    PRIMARY KEY (profile, service, minute_ms)
);
CREATE INDEX service_usage_minute ON service_usage (minute_ms);
