-- Commons schema, SQLite flavour. Keep in step with ../postgres/0001_initial.sql.
-- Types are limited to what sqlx's Any driver decodes on both databases:
-- TEXT, BIGINT (booleans as 0/1), timestamps as Unix milliseconds.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    handle        TEXT NOT NULL UNIQUE,
    is_admin      BIGINT NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_name TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    privacy     TEXT NOT NULL CHECK (privacy IN ('open', 'closed', 'secret')),
    is_default  BIGINT NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL
);
-- At most one default ("Everyone") group.
CREATE UNIQUE INDEX groups_one_default ON groups (is_default) WHERE is_default = 1;

CREATE TABLE memberships (
    group_id  TEXT NOT NULL REFERENCES groups (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    role      TEXT NOT NULL CHECK (role IN ('member', 'admin')),
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

-- `seq` is the change-log position of the creation: it orders posts and
-- comments exactly as they were committed, unlike millisecond timestamps.
CREATE TABLE posts (
    id         TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL REFERENCES groups (id),
    author_id  TEXT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seq        BIGINT NOT NULL
);
CREATE INDEX posts_by_group ON posts (group_id, seq);

CREATE TABLE comments (
    id         TEXT PRIMARY KEY,
    post_id    TEXT NOT NULL REFERENCES posts (id),
    group_id   TEXT NOT NULL REFERENCES groups (id),
    author_id  TEXT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seq        BIGINT NOT NULL
);
CREATE INDEX comments_by_post ON comments (post_id, seq);
CREATE INDEX comments_by_group ON comments (group_id, seq);

-- The change log read by sync. AUTOINCREMENT: a seq is never reused, even
-- after the newest row is deleted.
CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL CHECK (kind IN ('user', 'group', 'membership', 'post', 'comment')),
    entity_id  TEXT NOT NULL,
    group_id   TEXT,
    user_id    TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX changes_by_group ON changes (group_id, seq);

-- Idempotent writes: the answer given to each (user, mutation id).
CREATE TABLE mutations (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mutation_id   TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        BIGINT NOT NULL,
    response_json TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, mutation_id)
);
