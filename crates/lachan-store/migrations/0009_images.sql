-- Image safety: hash banks (named lists of PDQ hashes of known abuse imagery, as hotlines share
-- them) and the reports made for the hotline's case queue when an upload matches one. Never the
-- bytes of an image: hashes, references and match details only.

-- A bank: one named list of hashes of one kind of imagery, which decides what a match does.
CREATE TABLE image_banks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL CHECK (category IN ('sexual_minors', 'ncii', 'terror', 'custom')),
    source TEXT,                          -- where the hashes came from, in the importer's words
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL            -- when the last import into it finished
);

-- The hashes of each bank: PDQ, 32 bytes in hex order (big-endian), once per bank.
CREATE TABLE image_bank_hashes (
    id INTEGER PRIMARY KEY,
    bank_id INTEGER NOT NULL REFERENCES image_banks (id) ON DELETE CASCADE,
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    label TEXT,                           -- the list's own note on the hash (a case id, ...)
    UNIQUE (bank_id, hash)
);

-- One number that every finished import and every removal of a bank raises, so that a running
-- server sees cheaply that its in-memory index is out of date.
CREATE TABLE image_bank_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO image_bank_generation (id, generation) VALUES (1, 0);

-- Reports for the hotline's case queue. The hotline console (issue 6) extends this table with
-- ALTER TABLE ADD COLUMN (reporter details, the child's age band, province, description,
-- URLs, the case a report joins). `source` and `status` take values the program checks rather
-- than a CHECK, so that new sources and workflow states need no rebuild of the table.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    source TEXT NOT NULL,                 -- image_match (later: platform, operator, public_form, ...)
    category TEXT NOT NULL,               -- the taxonomy's category, e.g. sexual_minors
    status TEXT NOT NULL DEFAULT 'new',
    reporter TEXT,                        -- who sent it, as the audit log names them (token:NAME)
    token_id INTEGER,                     -- the API token that sent it; no foreign key: a
                                          -- revoked token's reports stay
    platform_reference TEXT,              -- the platform's own id of the content or upload
    pdq TEXT,                             -- the content's PDQ hash, 64 hex digits
    sha256 TEXT,                          -- SHA-256 of the content's bytes, 64 hex digits
    bank TEXT,                            -- the bank that matched, by name (kept if it is removed)
    bank_label TEXT,                      -- the bank's label of the matching hash
    distance INTEGER,                     -- Hamming distance of the match (0..=31)
    transform TEXT                        -- the rotation or flip of the upload that matched
);
CREATE INDEX reports_status_created ON reports (status, created_ms);
CREATE INDEX reports_sha256 ON reports (sha256);
