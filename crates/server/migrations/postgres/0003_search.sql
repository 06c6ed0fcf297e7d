-- Full-text search over posts, comments, people and groups.
-- Keep in step with ../sqlite/0003_search.sql; queried by src/db/search.rs.
--
-- Each table gets a generated tsvector column (kept in step by PostgreSQL on
-- every write) with a GIN index. The 'simple' configuration: no stemming and
-- no stop words, whatever the language, like SQLite's unicode61 tokenizer.
-- Names weigh A, texts B (ts_rank: 1.0 and 0.4).
--   post, comment: the text
--   person:        the name; '@handle · title · department · location · about'
--                  (the same expression as PERSON_TEXT in src/db/search.rs)
--   group:         the name; the description
-- A deleted post or comment (a tombstone) has an empty body, so an empty
-- vector; the partial indexes leave tombstones out altogether.

ALTER TABLE posts ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (setweight(to_tsvector('simple', body), 'B')) STORED;
CREATE INDEX posts_search ON posts USING GIN (search_vector) WHERE deleted_at IS NULL;

ALTER TABLE comments ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (setweight(to_tsvector('simple', body), 'B')) STORED;
CREATE INDEX comments_search ON comments USING GIN (search_vector) WHERE deleted_at IS NULL;

ALTER TABLE users ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', name), 'A')
        || setweight(to_tsvector('simple', '@' || handle
            || CASE WHEN title <> '' THEN ' · ' || title ELSE '' END
            || CASE WHEN department <> '' THEN ' · ' || department ELSE '' END
            || CASE WHEN location <> '' THEN ' · ' || location ELSE '' END
            || CASE WHEN about <> '' THEN ' · ' || about ELSE '' END), 'B')
    ) STORED;
CREATE INDEX users_search ON users USING GIN (search_vector);

ALTER TABLE groups ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', name), 'A')
        || setweight(to_tsvector('simple', description), 'B')
    ) STORED;
CREATE INDEX groups_search ON groups USING GIN (search_vector);
