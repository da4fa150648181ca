-- The hotline console: operators and supervisors, reports with what the hotline records about
-- them, contacts without a report, cases with their events, actions, legal clocks, encrypted
-- attachments and legal hold, the authorities referrals go to, the console's notifications, and
-- guardians' consent that repeated blocks of their child are reported. Portable SQL as in 0001.
--
-- Enumerated columns of the new tables carry a CHECK with the values of the `lachan-hotline`
-- vocabulary; a new value is added by rebuilding the table, as 0008 did for api_tokens.
-- `reports.source` (the channel) and `reports.status` stay unchecked (see 0009).

-- Users may now be operators and supervisors of a hotline. SQLite cannot alter a CHECK, so the
-- table is rebuilt with the same columns, rows and ids, plus `hotline`: the hotline an
-- operator or supervisor works for (required for them), or the hotline an administrator also
-- supervises (NULL: none).
--
-- `sessions.user_id` references users ON DELETE CASCADE, and migrations run in a transaction
-- with foreign keys on (PRAGMA foreign_keys cannot change inside one): dropping `users` deletes
-- its rows first, which deletes every session. The sessions are therefore copied aside and put
-- back once the new table has the old ids, so nobody is signed out by the upgrade. The new
-- table takes the name `users` last: renaming the old table instead would have made `sessions`
-- follow it.
CREATE TEMP TABLE sessions_0011 AS
    SELECT token_hash, user_id, csrf, created_ms, expires_ms, last_seen_ms FROM sessions;
CREATE TABLE users_0011 (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,          -- an Argon2id PHC string, never the password
    role TEXT NOT NULL CHECK (role IN ('admin', 'guardian', 'operator', 'supervisor')),
    household TEXT,
    hotline TEXT CHECK (hotline IS NOT NULL OR role NOT IN ('operator', 'supervisor')),
    created_ms BIGINT NOT NULL
);
INSERT INTO users_0011 (id, username, password_hash, role, household, hotline, created_ms)
    SELECT id, username, password_hash, role, household, NULL, created_ms FROM users;
DROP TABLE users;
ALTER TABLE users_0011 RENAME TO users;
INSERT INTO sessions (token_hash, user_id, csrf, created_ms, expires_ms, last_seen_ms)
    SELECT token_hash, user_id, csrf, created_ms, expires_ms, last_seen_ms FROM temp.sessions_0011;
DROP TABLE temp.sessions_0011;

-- Cases: reports triaged together (same child, same suspect account, same URL).
CREATE TABLE hotline_cases (
    id INTEGER PRIMARY KEY,
    hotline TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('new', 'triaged', 'in_intervention', 'referred',
                                           'follow_up', 'closed')),
    risk TEXT NOT NULL CHECK (risk IN ('emergency', 'high', 'medium', 'low')),
    assignee TEXT,                        -- the operator's username; NULL: unassigned
    title TEXT NOT NULL,                  -- short, never an identity
    close_reason TEXT CHECK (close_reason IN ('resolved', 'referred_out', 'no_contact',
                                              'duplicate', 'not_online_harm', 'unfounded')),
    closed_ms BIGINT,
    legal_hold BOOLEAN NOT NULL DEFAULT FALSE,
    hold_reason TEXT,
    anonymised_ms BIGINT                  -- when its reports lost their identity fields
);
CREATE INDEX hotline_cases_assignee ON hotline_cases (hotline, assignee, status);
CREATE INDEX hotline_cases_status ON hotline_cases (hotline, status, updated_ms);
CREATE INDEX hotline_cases_created ON hotline_cases (hotline, created_ms);
CREATE INDEX hotline_cases_to_anonymise ON hotline_cases (closed_ms)
    WHERE status = 'closed' AND anonymised_ms IS NULL;

-- Reports gain what the hotline records. `source` holds the channel. Identity fields
-- (reporter_name, reporter_contact, child_name, child_contact) and the texts that may name
-- someone (description, accounts, urls, platform_reference) are emptied when the case is
-- anonymised; the rest is kept for statistics. URLs, hashes and accounts are JSON arrays.
ALTER TABLE reports ADD COLUMN hotline TEXT NOT NULL DEFAULT '111';
ALTER TABLE reports ADD COLUMN subtype TEXT;
ALTER TABLE reports ADD COLUMN age_band TEXT;
ALTER TABLE reports ADD COLUMN gender TEXT;
ALTER TABLE reports ADD COLUMN province TEXT;
ALTER TABLE reports ADD COLUMN platform TEXT;          -- where it happened online, free text
ALTER TABLE reports ADD COLUMN content_type TEXT;
ALTER TABLE reports ADD COLUMN description TEXT;
ALTER TABLE reports ADD COLUMN urls TEXT;
ALTER TABLE reports ADD COLUMN hashes TEXT;            -- [{"kind": "pdq"|"sha256"|"md5", "value"}]
ALTER TABLE reports ADD COLUMN accounts TEXT;          -- suspect account references
ALTER TABLE reports ADD COLUMN reporter_name TEXT;
ALTER TABLE reports ADD COLUMN reporter_contact TEXT;
ALTER TABLE reports ADD COLUMN child_name TEXT;
ALTER TABLE reports ADD COLUMN child_contact TEXT;
ALTER TABLE reports ADD COLUMN anonymous BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE reports ADD COLUMN case_id INTEGER REFERENCES hotline_cases (id);
ALTER TABLE reports ADD COLUMN idempotency_key TEXT;   -- a platform's Idempotency-Key
ALTER TABLE reports ADD COLUMN operator TEXT;          -- who typed it in
-- The queue: new reports of a hotline, oldest first (it replaces 0009's index by status).
DROP INDEX reports_status_created;
CREATE INDEX reports_queue ON reports (hotline, status, created_ms);
-- Statistics over a period.
CREATE INDEX reports_hotline_created ON reports (hotline, created_ms);
CREATE INDEX reports_case ON reports (case_id) WHERE case_id IS NOT NULL;
-- A retried POST (same sender, same key) finds the report it made. Reports made without a
-- token (detections, operators) count as sender 0; token ids start at 1.
CREATE UNIQUE INDEX reports_idempotency ON reports (IFNULL(token_id, 0), idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Contacts that are not a report (a call about something else): counted in statistics only.
CREATE TABLE hotline_contacts (
    id INTEGER PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    hotline TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('phone', 'zalo', 'email', 'web_form', 'platform',
                                             'image_match', 'grooming_alert', 'dns_alert')),
    topic TEXT NOT NULL CHECK (topic IN ('other_child_protection', 'information',
                                         'silent_or_prank', 'adult_caller')),
    operator TEXT                         -- who answered
);
CREATE INDEX hotline_contacts_created ON hotline_contacts (hotline, created_ms);

-- What happened to a case: opened, status, risk, assignee, reports joined, legal hold.
CREATE TABLE hotline_case_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES hotline_cases (id),
    time_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('opened', 'status', 'risk', 'assignee', 'reports_joined',
                                       'hold')),
    from_value TEXT,
    to_value TEXT,
    reason TEXT CHECK (reason IN ('resolved', 'referred_out', 'no_contact', 'duplicate',
                                  'not_online_harm', 'unfounded')),  -- of a close
    note TEXT                             -- free text: why, what was agreed
);
CREATE INDEX hotline_case_events_case ON hotline_case_events (case_id, id);

-- Who referrals and takedown requests go to: data (institutions are renamed), edited by
-- administrators; seeded from lachan-hotline's defaults while empty. Never deleted, only made
-- inactive, since actions refer to them.
CREATE TABLE hotline_authorities (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('commune_committee', 'police_cyber', 'police_local',
                                       'school', 'health', 'social_services', 'platform',
                                       'other')),
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    contact TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    updated_ms BIGINT NOT NULL
);

-- Interventions, referrals, takedown requests and follow-ups of a case.
CREATE TABLE hotline_actions (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES hotline_cases (id),
    created_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('counselling', 'emergency_intervention', 'referral',
                                       'takedown_request', 'follow_up')),
    authority_id INTEGER REFERENCES hotline_authorities (id),
    note TEXT,
    due_ms BIGINT,                        -- a follow-up's reminder time
    outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'done', 'refused', 'no_answer')),
    outcome_ms BIGINT,
    reminded_ms BIGINT                    -- when the assignee was reminded of a due follow-up
);
CREATE INDEX hotline_actions_case ON hotline_actions (case_id, id);
CREATE INDEX hotline_actions_created ON hotline_actions (created_ms);
CREATE INDEX hotline_actions_follow_ups ON hotline_actions (due_ms)
    WHERE kind = 'follow_up' AND outcome = 'pending' AND reminded_ms IS NULL;

-- Legal clocks of a case, by the name of their rule in lachan-hotline's clock book.
CREATE TABLE hotline_clocks (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES hotline_cases (id),
    action_id INTEGER REFERENCES hotline_actions (id),  -- the takedown request it times
    rule TEXT NOT NULL,
    started_ms BIGINT NOT NULL,
    due_ms BIGINT NOT NULL,
    met_ms BIGINT,
    escalated_ms BIGINT                   -- when supervisors were told it is overdue
);
CREATE INDEX hotline_clocks_case ON hotline_clocks (case_id, id);
CREATE INDEX hotline_clocks_started ON hotline_clocks (started_ms);
CREATE INDEX hotline_clocks_open ON hotline_clocks (due_ms)
    WHERE met_ms IS NULL AND escalated_ms IS NULL;

-- Attachments of a case (screenshots of bullying, letters; never abuse imagery), encrypted by
-- the server with a key kept outside the database.
CREATE TABLE hotline_attachments (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES hotline_cases (id),
    created_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    filename TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,                 -- of the plaintext, in bytes
    sha256 TEXT NOT NULL,                 -- of the plaintext, 64 hex digits
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL
);
CREATE INDEX hotline_attachments_case ON hotline_attachments (case_id, id);

-- What the console shows its users: overdue clocks (to supervisors), due follow-ups (to
-- the assignee), and complaints waiting too long untriaged in the queue (to supervisors, once
-- per report; these have a report and no case).
CREATE TABLE hotline_notifications (
    id INTEGER PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    hotline TEXT NOT NULL,
    audience TEXT NOT NULL,               -- 'supervisors', or 'user:' and a username
    kind TEXT NOT NULL CHECK (kind IN ('clock_overdue', 'follow_up_due', 'queue_waiting')),
    case_id INTEGER REFERENCES hotline_cases (id),
    clock_id INTEGER REFERENCES hotline_clocks (id),
    action_id INTEGER REFERENCES hotline_actions (id),
    report_id INTEGER REFERENCES reports (id),
    text_key TEXT NOT NULL,               -- the message's Fluent key
    read_ms BIGINT,
    CHECK (case_id IS NOT NULL OR (kind = 'queue_waiting' AND report_id IS NOT NULL))
);
CREATE INDEX hotline_notifications_audience ON hotline_notifications (hotline, audience, id);
CREATE UNIQUE INDEX hotline_notifications_waiting ON hotline_notifications (report_id)
    WHERE kind = 'queue_waiting';
-- New reports by age, for the complaints waiting too long in any hotline's queue.
CREATE INDEX reports_new_by_time ON reports (created_ms) WHERE status = 'new';

-- A guardian's consent that repeated adult or gambling blocks of a profile are filed as
-- reports (channel dns_alert) to a hotline.
CREATE TABLE hotline_opt_ins (
    profile TEXT PRIMARY KEY NOT NULL,
    hotline TEXT NOT NULL,
    opted_by TEXT NOT NULL,
    opted_ms BIGINT NOT NULL
);
