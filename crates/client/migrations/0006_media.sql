-- Profile pictures, group covers and comment attachments (server migration
-- 0007). The files are fetched from the server by id; the cache keeps what
-- names them.
ALTER TABLE users ADD COLUMN avatar_id TEXT;
ALTER TABLE groups ADD COLUMN cover_id TEXT;
-- The comment's attachments as the server sent them: a JSON array of
-- `commons_protocol::Attachment` (a tombstone's is empty).
ALTER TABLE comments ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
