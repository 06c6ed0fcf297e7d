-- The seq of the change that began a membership. Sync backfills a group's
-- recent history only for a membership that began after the client's cursor
-- (a role change keeps it, so it sends nothing again). NULL for memberships
-- made before this column existed: their members hold the history already.
ALTER TABLE memberships ADD COLUMN joined_seq BIGINT;
-- login_attempts (0005) also holds the per-person write counters
-- (src/ops/write_limit.rs), keyed by the SHA-256 of "writes:<user id>".
-- Profile pictures and group cover images: attachments (decoded images)
-- chosen by their uploader. An attachment used so is attached to nothing
-- else; replacing or removing it deletes its row.
ALTER TABLE users ADD COLUMN avatar_id TEXT;
ALTER TABLE groups ADD COLUMN cover_id TEXT;
CREATE INDEX users_by_avatar ON users (avatar_id);
CREATE INDEX groups_by_cover ON groups (cover_id);
-- Files attached to comments, as post_id for posts; a deleted comment's rows
-- are deleted.
ALTER TABLE attachments ADD COLUMN comment_id TEXT REFERENCES comments (id);
CREATE INDEX attachments_by_comment ON attachments (comment_id);
