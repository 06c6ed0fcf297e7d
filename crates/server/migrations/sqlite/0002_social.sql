-- The social model: profiles, moderators, join requests, edits, tombstones,
-- replies, reactions, notifications and per-group settings.
-- Keep in step with ../postgres/0002_social.sql.

ALTER TABLE users ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN location TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN manager_id TEXT REFERENCES users (id);
ALTER TABLE users ADD COLUMN about TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;

-- SQLite cannot alter a CHECK: rebuild the two tables whose checks widen.
-- The change log loses its kind check (the code owns the list of kinds).
CREATE TABLE changes_v2 (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    group_id   TEXT,
    user_id    TEXT,
    created_at BIGINT NOT NULL
);
INSERT INTO changes_v2 (seq, kind, entity_id, group_id, user_id, created_at)
    SELECT seq, kind, entity_id, group_id, user_id, created_at FROM changes;
DROP TABLE changes;
ALTER TABLE changes_v2 RENAME TO changes;
CREATE INDEX changes_by_group ON changes (group_id, seq);
CREATE INDEX changes_by_user ON changes (user_id, seq);

CREATE TABLE memberships_v2 (
    group_id  TEXT NOT NULL REFERENCES groups (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    role      TEXT NOT NULL CHECK (role IN ('member', 'moderator', 'admin')),
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
INSERT INTO memberships_v2 SELECT group_id, user_id, role, joined_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_v2 RENAME TO memberships;
CREATE INDEX memberships_by_user ON memberships (user_id);

-- `activity_seq`: change-log seq of the post's newest activity (creation or
-- comment); the home feed orders by it.
ALTER TABLE posts ADD COLUMN edited_at BIGINT;
ALTER TABLE posts ADD COLUMN deleted_at BIGINT;
ALTER TABLE posts ADD COLUMN pinned_at BIGINT;
ALTER TABLE posts ADD COLUMN activity_seq BIGINT NOT NULL DEFAULT 0;
UPDATE posts SET activity_seq = MAX(seq, COALESCE((SELECT MAX(c.seq) FROM comments c WHERE c.post_id = posts.id), 0));
CREATE INDEX posts_by_activity ON posts (group_id, activity_seq);

-- Earlier versions of edited posts.
CREATE TABLE post_versions (
    post_id     TEXT NOT NULL REFERENCES posts (id),
    body        TEXT NOT NULL,
    written_at  BIGINT NOT NULL,
    replaced_at BIGINT NOT NULL
);
CREATE INDEX post_versions_by_post ON post_versions (post_id, replaced_at);

ALTER TABLE comments ADD COLUMN parent_id TEXT REFERENCES comments (id);
ALTER TABLE comments ADD COLUMN edited_at BIGINT;
ALTER TABLE comments ADD COLUMN deleted_at BIGINT;

CREATE TABLE join_requests (
    group_id   TEXT NOT NULL REFERENCES groups (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

-- One reaction per person and post or comment.
CREATE TABLE reactions (
    target_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    post_id    TEXT NOT NULL REFERENCES posts (id),
    group_id   TEXT NOT NULL REFERENCES groups (id),
    kind       TEXT NOT NULL CHECK (kind IN ('like', 'love', 'care', 'haha', 'wow', 'sad', 'angry')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (target_id, user_id)
);
CREATE INDEX reactions_by_post ON reactions (post_id);

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    actor_id   TEXT REFERENCES users (id),
    group_id   TEXT REFERENCES groups (id),
    post_id    TEXT,
    comment_id TEXT,
    created_at BIGINT NOT NULL,
    read_at    BIGINT,
    seq        BIGINT NOT NULL
);
CREATE INDEX notifications_by_user ON notifications (user_id, seq);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

CREATE TABLE group_settings (
    group_id           TEXT NOT NULL REFERENCES groups (id),
    user_id            TEXT NOT NULL REFERENCES users (id),
    notification_level TEXT NOT NULL CHECK (notification_level IN ('all', 'highlights', 'off')),
    PRIMARY KEY (group_id, user_id)
);
