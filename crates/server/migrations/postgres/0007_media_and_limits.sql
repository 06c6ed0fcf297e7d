-- The seq of the change that began a membership. Sync backfills a group's
-- recent history only for a membership that began after the client's cursor
-- (a role change keeps it, so it sends nothing again). NULL for memberships
-- made before this column existed: their members hold the history already.
ALTER TABLE memberships ADD COLUMN joined_seq BIGINT;
-- login_attempts (0005) also holds the per-person write counters
-- (src/ops/write_limit.rs), keyed by the SHA-256 of "writes:<user id>".
