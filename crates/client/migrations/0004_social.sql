-- The social model in the cache: profiles, moderators, edits and tombstones,
-- pins, replies, reactions, join requests, notifications and per-group
-- settings (protocol: entities.rs, social.rs; server migration 0002_social).
--
-- Local writes on these (reactions, edits, deletions, read marks, settings,
-- leaving) change the rows directly; what is still unconfirmed is known from
-- the outbox (`outbox_by_entity`), not from a column.

-- People: the profile everyone sees.
ALTER TABLE users ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN location TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN manager_id TEXT;
ALTER TABLE users ADD COLUMN about TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN deactivated INTEGER NOT NULL DEFAULT 0;
-- The directory, by name; profiles by handle; a manager's reports.
CREATE INDEX users_by_name ON users (name COLLATE NOCASE, id);
CREATE INDEX users_by_handle ON users (handle COLLATE NOCASE);
CREATE INDEX users_by_manager ON users (manager_id) WHERE manager_id IS NOT NULL;

-- SQLite cannot alter a CHECK: rebuild memberships so a moderator fits.
CREATE TABLE memberships_v2 (
    group_id  TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    role      TEXT NOT NULL CHECK (role IN ('member', 'moderator', 'admin')),
    joined_at INTEGER NOT NULL,
    pending   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
INSERT INTO memberships_v2 (group_id, user_id, role, joined_at, pending)
    SELECT group_id, user_id, role, joined_at, pending FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_v2 RENAME TO memberships;
CREATE INDEX memberships_by_user ON memberships (user_id, group_id);

-- Posts and comments: edits, tombstones (`deleted_at` set, body emptied by
-- the server), pins, one level of replies.
ALTER TABLE posts ADD COLUMN edited_at INTEGER;
ALTER TABLE posts ADD COLUMN deleted_at INTEGER;
ALTER TABLE posts ADD COLUMN pinned_at INTEGER;
-- A group's pinned posts, on top of its feed.
CREATE INDEX posts_pinned ON posts (group_id, pinned_at DESC) WHERE pinned_at IS NOT NULL;

ALTER TABLE comments ADD COLUMN parent_id TEXT;
ALTER TABLE comments ADD COLUMN edited_at INTEGER;
ALTER TABLE comments ADD COLUMN deleted_at INTEGER;
-- A purge deletes a group's comments.
CREATE INDEX comments_by_group ON comments (group_id);

-- One reaction per person and post or comment.
CREATE TABLE reactions (
    target_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    post_id    TEXT NOT NULL,
    group_id   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('like', 'love', 'care', 'haha', 'wow', 'sad', 'angry')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (target_id, user_id)
) WITHOUT ROWID;
-- The counts of a feed page (its posts and their comments) in one range scan.
CREATE INDEX reactions_by_post ON reactions (post_id, target_id, kind);
CREATE INDEX reactions_by_group ON reactions (group_id);

-- Requests to join closed groups: my own, and those waiting for me when I
-- administer or moderate the group.
CREATE TABLE join_requests (
    group_id   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- Made here, not yet confirmed by the server.
    pending    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX join_requests_by_user ON join_requests (user_id, group_id);

-- My notifications (only the recipient receives them).
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    actor_id   TEXT,
    group_id   TEXT,
    post_id    TEXT,
    comment_id TEXT,
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
-- The list, newest first; the unread count; a purge.
CREATE INDEX notifications_by_user ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_by_group ON notifications (group_id) WHERE group_id IS NOT NULL;
CREATE INDEX notifications_by_post ON notifications (post_id) WHERE post_id IS NOT NULL;

-- My own settings per group.
CREATE TABLE group_settings (
    group_id           TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    notification_level TEXT NOT NULL CHECK (notification_level IN ('all', 'highlights', 'off')),
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;

-- Search: a deleted post or comment (a server tombstone, or deleted here and
-- waiting for the server) is not indexed; people are found by their title,
-- department and location too.
--
-- `secure-delete` makes FTS5 remove a deleted row's terms from the index
-- itself instead of recording a delete marker, so forgotten text does not
-- linger in the index's pages.
INSERT INTO search_index (search_index, rank) VALUES ('secure-delete', 1);

DROP TRIGGER posts_search_insert;
DROP TRIGGER posts_search_update;
CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
    INSERT INTO search_keys (kind, id) VALUES ('post', new.id);
    INSERT INTO search_index (rowid, title, body)
        VALUES ((SELECT key FROM search_keys WHERE kind = 'post' AND id = new.id), '',
                CASE WHEN new.deleted_at IS NULL THEN new.body ELSE '' END);
END;
CREATE TRIGGER posts_search_update AFTER UPDATE ON posts
WHEN old.id IS NOT new.id OR old.body IS NOT new.body OR old.deleted_at IS NOT new.deleted_at
BEGIN
    UPDATE search_keys SET id = new.id WHERE kind = 'post' AND id = old.id;
    UPDATE search_index SET body = CASE WHEN new.deleted_at IS NULL THEN new.body ELSE '' END
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'post' AND id = new.id);
END;

DROP TRIGGER comments_search_insert;
DROP TRIGGER comments_search_update;
CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    INSERT INTO search_keys (kind, id) VALUES ('comment', new.id);
    INSERT INTO search_index (rowid, title, body)
        VALUES ((SELECT key FROM search_keys WHERE kind = 'comment' AND id = new.id), '',
                CASE WHEN new.deleted_at IS NULL THEN new.body ELSE '' END);
END;
CREATE TRIGGER comments_search_update AFTER UPDATE ON comments
WHEN old.id IS NOT new.id OR old.body IS NOT new.body OR old.deleted_at IS NOT new.deleted_at
BEGIN
    UPDATE search_keys SET id = new.id WHERE kind = 'comment' AND id = old.id;
    UPDATE search_index SET body = CASE WHEN new.deleted_at IS NULL THEN new.body ELSE '' END
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'comment' AND id = new.id);
END;

DROP TRIGGER users_search_insert;
DROP TRIGGER users_search_update;
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO search_keys (kind, id) VALUES ('person', new.id);
    INSERT INTO search_index (rowid, title, body)
        VALUES ((SELECT key FROM search_keys WHERE kind = 'person' AND id = new.id),
                new.name,
                new.handle || ' ' || new.email
                    || CASE WHEN new.title <> '' THEN ' ' || new.title ELSE '' END
                    || CASE WHEN new.department <> '' THEN ' ' || new.department ELSE '' END
                    || CASE WHEN new.location <> '' THEN ' ' || new.location ELSE '' END);
END;
CREATE TRIGGER users_search_update AFTER UPDATE ON users
WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.handle IS NOT new.handle
     OR old.email IS NOT new.email OR old.title IS NOT new.title
     OR old.department IS NOT new.department OR old.location IS NOT new.location BEGIN
    UPDATE search_keys SET id = new.id WHERE kind = 'person' AND id = old.id;
    UPDATE search_index SET title = new.name,
            body = new.handle || ' ' || new.email
                || CASE WHEN new.title <> '' THEN ' ' || new.title ELSE '' END
                || CASE WHEN new.department <> '' THEN ' ' || new.department ELSE '' END
                || CASE WHEN new.location <> '' THEN ' ' || new.location ELSE '' END
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'person' AND id = new.id);
END;
