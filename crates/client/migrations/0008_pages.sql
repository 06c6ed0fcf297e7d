-- Pages read through the REST feeds (`GET /feed`, `GET /groups/{id}/posts`,
-- `GET /groups`) rather than the change log.

-- Entities stored from such a page before the change log's first pull has
-- finished (the first page shown at once on a new login). The pull confirms
-- each one it delivers; whatever it did not deliver when it finishes is no
-- longer visible (deleted, access lost) and is removed then.
-- `id2` is the second half of a two-part key (a membership's user, a
-- reaction's user), '' otherwise.
CREATE TABLE provisional (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    id2  TEXT NOT NULL,
    PRIMARY KEY (kind, id, id2)
) WITHOUT ROWID;

-- Where the server's pages of a feed continue, for loading older posts on
-- demand: `feed` is '' for the home feed or a group id; `next` is the
-- server's opaque cursor, NULL once the last page was read.
CREATE TABLE feed_pages (
    feed TEXT PRIMARY KEY NOT NULL,
    next TEXT
) WITHOUT ROWID;

-- Attachments of cached posts (the metadata each post carries). They go with
-- their post: a tombstone carries none, and a deleted post row (purge,
-- discard, reset, eviction) takes its attachments along (triggers below).
CREATE TABLE post_attachments (
    id           TEXT PRIMARY KEY NOT NULL,
    post_id      TEXT NOT NULL,
    group_id     TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    width        INTEGER,
    height       INTEGER,
    uploader_id  TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX post_attachments_by_post ON post_attachments (post_id);

-- Files downloaded into `attachments/ab/cd/<sha256>` beside the cache: the
-- full file or its thumbnail, with when it was last viewed (`viewed_at` is a
-- counter; the least recently viewed go first when the size limit is reached).
CREATE TABLE attachment_files (
    attachment_id TEXT NOT NULL,
    variant       TEXT NOT NULL CHECK (variant IN ('full', 'thumbnail')),
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    viewed_at     INTEGER NOT NULL,
    PRIMARY KEY (attachment_id, variant)
) WITHOUT ROWID;
CREATE INDEX attachment_files_by_view ON attachment_files (viewed_at);
CREATE INDEX attachment_files_by_sha256 ON attachment_files (sha256);

-- Files whose rows are gone, to delete from disk after the commit (a file
-- system is not transactional); a crash before that leaves them listed here.
CREATE TABLE attachment_trash (
    sha256 TEXT PRIMARY KEY NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER post_attachments_follow_posts AFTER DELETE ON posts BEGIN
    DELETE FROM post_attachments WHERE post_id = old.id;
END;
CREATE TRIGGER post_attachments_leave_tombstones AFTER UPDATE OF deleted_at ON posts
WHEN new.deleted_at IS NOT NULL BEGIN
    DELETE FROM post_attachments WHERE post_id = new.id;
END;
CREATE TRIGGER attachment_files_follow_attachments AFTER DELETE ON post_attachments BEGIN
    DELETE FROM attachment_files WHERE attachment_id = old.id;
END;
CREATE TRIGGER attachment_files_to_trash AFTER DELETE ON attachment_files BEGIN
    INSERT OR IGNORE INTO attachment_trash (sha256) VALUES (old.sha256);
END;
