-- Polls and announcements (see src/cache/polls.rs).

-- The poll as JSON (`commons_protocol::Poll`), NULL when the post has none.
ALTER TABLE posts ADD COLUMN poll TEXT;
-- An announcement lasts until then; NULL when the post is not one.
ALTER TABLE posts ADD COLUMN announced_until INTEGER;
CREATE INDEX posts_announced ON posts (announced_until) WHERE announced_until IS NOT NULL;

-- One vote per person and poll: the chosen option indexes as a JSON array.
CREATE TABLE poll_votes (
    post_id  TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    group_id TEXT NOT NULL,
    options  TEXT NOT NULL,
    voted_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX poll_votes_by_group ON poll_votes (group_id);

-- Who saw a post (the first time): mine, and everyone's on posts I wrote or
-- of groups I administer (what the server lets me see).
CREATE TABLE post_seen (
    post_id  TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    group_id TEXT NOT NULL,
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_seen_by_group ON post_seen (group_id);
