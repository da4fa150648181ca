-- The text-safety API: platform tokens, and the state of the conversations platforms send.

-- API tokens may now have the role 'platform' (software of a platform that hosts children: the
-- text-safety endpoints only). SQLite cannot alter a CHECK, so the table is rebuilt with the
-- same columns, rows and ids. Nothing references api_tokens, so dropping the old table loses
-- nothing. A later role is added the same way.
CREATE TABLE api_tokens_0008 (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'guardian', 'platform')),
    household TEXT,
    token_hash BLOB NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL,
    last_used_ms BIGINT                   -- NULL until first used; updated at most once a minute
);
INSERT INTO api_tokens_0008 (id, name, role, household, token_hash, created_ms, last_used_ms)
    SELECT id, name, role, household, token_hash, created_ms, last_used_ms FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_0008 RENAME TO api_tokens;

-- The grooming analyser's state of each conversation, per owner: what the stages and the risk
-- are, which participants (as hashes) showed them, at which message indices. Never the text of
-- a message, and the conversation id only as its SHA-256. A row whose last message is older
-- than the configured expiry counts as absent, and is pruned.
CREATE TABLE text_conversations (
    owner TEXT NOT NULL,                  -- token:ID or user:ID
    conversation_hash BLOB NOT NULL,      -- SHA-256 of the id the platform chose
    state TEXT NOT NULL,                  -- JSON of lachan_text::conversation::Conversation
    last_ms BIGINT NOT NULL,              -- when its last message came
    PRIMARY KEY (owner, conversation_hash)
) WITHOUT ROWID;
CREATE INDEX text_conversations_owner_last ON text_conversations (owner, last_ms);
CREATE INDEX text_conversations_last ON text_conversations (last_ms);
