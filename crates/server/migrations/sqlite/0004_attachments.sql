-- Files attached to posts. The bytes live in the attachment store, named by
-- their SHA-256 (`sha256`, and `thumb_sha256` for an image's thumbnail), so
-- several rows may share one blob. `post_id` is NULL until the uploader
-- links the attachment to a post; a deleted post's rows are deleted.
CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    sha256       TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    width        BIGINT,
    height       BIGINT,
    thumb_sha256 TEXT,
    uploader_id  TEXT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    post_id      TEXT REFERENCES posts (id)
);
CREATE INDEX attachments_by_post ON attachments (post_id);
CREATE INDEX attachments_by_sha256 ON attachments (sha256);
CREATE INDEX attachments_by_thumb ON attachments (thumb_sha256);
