-- The audit log becomes a hash chain, so that an edited or removed entry is detected
-- (`lachan audit verify`). Each entry keeps the SHA-256 of its predecessor and its own SHA-256
-- over a canonical encoding of its fields and that predecessor hash; the encoding is
-- documented in `src/audit.rs`. The hashes are computed by the store, never in SQL.

ALTER TABLE audit_log ADD COLUMN prev_hash BLOB;  -- the previous entry's hash (32 zero bytes for the first)
ALTER TABLE audit_log ADD COLUMN hash BLOB;       -- SHA-256 of this entry; NULL only before the chain

-- The end of the chain as the store last wrote it, so that entries removed from the end are
-- detected as well: a single row.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER,                      -- the last chained entry; NULL while there is none
    last_hash BLOB,                       -- its hash
    entries BIGINT NOT NULL,              -- how many entries the chain holds
    unchained_until INTEGER               -- see below; NULL once every entry is chained
);

-- Entries written before this migration have no hashes, and SQLite cannot compute SHA-256.
-- They are the chain's genesis: the first time the store opens the database after this
-- migration, it chains them, in id order and in one transaction, exactly as they are then; from
-- that moment they are protected like every later entry. `unchained_until` marks them (the
-- largest id at migration time) until that is done.
INSERT INTO audit_head (id, last_id, last_hash, entries, unchained_until)
SELECT 1, NULL, NULL, 0, MAX(id) FROM audit_log;
