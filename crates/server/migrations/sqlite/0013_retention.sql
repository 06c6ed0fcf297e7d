-- Retention policies and erasure (see src/ops/retention.rs, src/ops/erasure.rs
-- and docs/data-control.md). Keep in step with ../postgres/0013_retention.sql.
--
-- One policy for the organisation (`id` = 'organisation', `group_id` NULL)
-- and at most one per group (`id` = `group_id`), which overrides it: posts
-- older than `max_age_days` (by creation time) are deleted as tombstones.
CREATE TABLE retention_policies (
    id           TEXT PRIMARY KEY,
    group_id     TEXT UNIQUE REFERENCES groups (id),
    max_age_days BIGINT NOT NULL CHECK (max_age_days >= 1),
    updated_at   BIGINT NOT NULL
);
-- Expired posts are found by age; tombstones need no looking at again.
CREATE INDEX posts_by_age ON posts (created_at) WHERE deleted_at IS NULL;
-- When the person was erased (right to erasure); an erased account stays
-- deactivated for ever.
ALTER TABLE users ADD COLUMN erased_at BIGINT;
-- The full-text index forgets deleted entries for good instead of leaving
-- them in its segments until a merge (FTS5 `secure-delete`), and what older
-- deletions left there is merged away once.
INSERT INTO search_index (search_index, rank) VALUES ('secure-delete', 1);
INSERT INTO search_index (search_index) VALUES ('optimize');
