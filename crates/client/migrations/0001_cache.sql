-- The client cache: a local copy of what the server let this account see,
-- plus the writes not yet confirmed by the server (the outbox).
--
-- Synced tables hold the server's entities as received. Rows created locally
-- and not yet confirmed have `pending = 1`; a write the server rejected keeps
-- its row with `failed` set to the server's reason, so nothing the user typed
-- disappears silently.
--
-- There are deliberately no foreign keys between synced tables: the change
-- log is the source of truth and may legitimately deliver an item whose
-- parent this account cannot see (yet). Reads use LEFT JOINs instead.

-- Key/value facts about the profile: server_url, user (JSON), cursor,
-- first_sync_done.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    id         TEXT PRIMARY KEY NOT NULL,
    email      TEXT NOT NULL,
    name       TEXT NOT NULL,
    handle     TEXT NOT NULL,
    is_admin   INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX users_by_email ON users (email);

CREATE TABLE groups (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    privacy     TEXT NOT NULL CHECK (privacy IN ('open', 'closed', 'secret')),
    is_default  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    pending     INTEGER NOT NULL DEFAULT 0,
    failed      TEXT
);

CREATE TABLE memberships (
    group_id  TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    role      TEXT NOT NULL CHECK (role IN ('member', 'admin')),
    joined_at INTEGER NOT NULL,
    pending   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX memberships_by_user ON memberships (user_id, group_id);

CREATE TABLE posts (
    id         TEXT PRIMARY KEY NOT NULL,
    group_id   TEXT NOT NULL,
    author_id  TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    pending    INTEGER NOT NULL DEFAULT 0,
    failed     TEXT
);
-- Home feed and one group's feed, newest first, keyset-paginated.
CREATE INDEX posts_feed ON posts (created_at DESC, id DESC);
CREATE INDEX posts_group_feed ON posts (group_id, created_at DESC, id DESC);

CREATE TABLE comments (
    id         TEXT PRIMARY KEY NOT NULL,
    post_id    TEXT NOT NULL,
    group_id   TEXT NOT NULL,
    author_id  TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    pending    INTEGER NOT NULL DEFAULT 0,
    failed     TEXT
);
CREATE INDEX comments_by_post ON comments (post_id, created_at, id);

-- Writes waiting for the server, sent in `seq` order. A row leaves this
-- table only in the transaction that stores the server's answer.
CREATE TABLE outbox (
    mutation_id TEXT PRIMARY KEY NOT NULL,
    seq         INTEGER NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    -- The id of the entity the write creates or changes (post, comment, group).
    entity_id   TEXT NOT NULL,
    -- One line for people, written when the change is made (names resolved then).
    summary     TEXT NOT NULL,
    -- The request to send, as JSON (see `outbox::Mutation`).
    payload     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
    reason      TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX outbox_by_state ON outbox (state, seq);

-- Items a notification was already raised for (never twice for one item).
CREATE TABLE notified (
    item_id     TEXT PRIMARY KEY NOT NULL,
    notified_at INTEGER NOT NULL
) WITHOUT ROWID;
