-- A first sync indexes its posts and comments in bulk, not row by row.
--
-- Indexing texts from a trigger, a few hundred per statement, cost FTS5 about
-- 1.6 times what indexing them 20,000 at a time in one `INSERT ... SELECT`
-- does (likely more, smaller segments to flush and merge); on a first sync of
-- a big organisation the search index was two thirds of SQLite's work
-- (BENCHMARKS.md, 2026-12-07 and 2026-12-08).
--
-- While the meta key `search_deferred` exists (set by the first sync), a new
-- post or comment gets its search key at once, but its key goes to
-- `search_backlog` instead of the index; `cache::index_search_backlog`
-- indexes the backlog in one statement per kind, every few tens of thousands
-- of rows and when the first sync ends. Updates and deletes are unchanged:
-- on a key not indexed yet they do nothing, and the backlog is joined with
-- the live rows when it is indexed, so it indexes the text as it is then.
-- People and groups are few and stay indexed at once.

CREATE TABLE search_backlog (
    key INTEGER PRIMARY KEY
);

DROP TRIGGER posts_search_insert;
CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
    INSERT INTO search_keys (kind, id) VALUES ('post', new.id);
    INSERT INTO search_index (rowid, title, body)
        SELECT key, '', CASE WHEN new.deleted_at IS NULL THEN new.body ELSE '' END
        FROM search_keys
        WHERE kind = 'post' AND id = new.id
          AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'search_deferred');
    INSERT OR IGNORE INTO search_backlog (key)
        SELECT key FROM search_keys
        WHERE kind = 'post' AND id = new.id
          AND EXISTS (SELECT 1 FROM meta WHERE key = 'search_deferred');
END;

DROP TRIGGER comments_search_insert;
CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    INSERT INTO search_keys (kind, id) VALUES ('comment', new.id);
    INSERT INTO search_index (rowid, title, body)
        SELECT key, '', CASE WHEN new.deleted_at IS NULL THEN new.body ELSE '' END
        FROM search_keys
        WHERE kind = 'comment' AND id = new.id
          AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'search_deferred');
    INSERT OR IGNORE INTO search_backlog (key)
        SELECT key FROM search_keys
        WHERE kind = 'comment' AND id = new.id
          AND EXISTS (SELECT 1 FROM meta WHERE key = 'search_deferred');
END;
