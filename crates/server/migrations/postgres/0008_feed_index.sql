-- The home feed walks the posts newest activity first and keeps those of the
-- reader's groups (ops/feed.rs). Without this index PostgreSQL read every post
-- of those groups and sorted them: 31 ms a page at 20,000 posts, 0.3 ms with it.
-- (The planner still picks the per-group index for someone in few groups.)
CREATE INDEX posts_by_recent_activity ON posts (activity_seq) WHERE deleted_at IS NULL;
