-- Polls and announcements on posts (see src/ops/polls.rs).
-- Keep in step with the other dialect's 0006_polls.sql.

-- The poll as JSON (`commons_protocol::Poll`), NULL when the post has none.
ALTER TABLE posts ADD COLUMN poll TEXT;
-- An announcement lasts until then (Unix ms); NULL when the post is not one.
ALTER TABLE posts ADD COLUMN announced_until BIGINT;
CREATE INDEX posts_announced ON posts (group_id, announced_until)
    WHERE announced_until IS NOT NULL;

-- One vote per person and poll: the chosen option indexes, ascending,
-- comma-separated ("0,2").
CREATE TABLE poll_votes (
    post_id  TEXT NOT NULL REFERENCES posts (id),
    user_id  TEXT NOT NULL REFERENCES users (id),
    group_id TEXT NOT NULL REFERENCES groups (id),
    options  TEXT NOT NULL,
    voted_at BIGINT NOT NULL,
    seq      BIGINT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

-- Who saw a post, the first time.
CREATE TABLE post_seen (
    post_id  TEXT NOT NULL REFERENCES posts (id),
    user_id  TEXT NOT NULL REFERENCES users (id),
    group_id TEXT NOT NULL REFERENCES groups (id),
    seen_at  BIGINT NOT NULL,
    seq      BIGINT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_seen_by_user ON post_seen (user_id);
