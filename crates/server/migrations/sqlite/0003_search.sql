-- Full-text search (FTS5) over posts, comments, people and groups.
-- Keep in step with ../postgres/0003_search.sql; queried by src/db/search.rs.
--
-- One FTS table for every kind, so bm25 scores compare across kinds:
--   post, comment: title = '',        body = the text
--   person:        title = the name,  body = '@handle · title · department · location · about'
--   group:         title = the name,  body = the description
-- Author names are not indexed with posts: they are joined at query time,
-- so renaming someone leaves nothing stale behind.
--
-- Triggers keep the index in step with every write, in the write's own
-- transaction. A deleted post or comment (a tombstone: deleted_at set) leaves
-- the index. Deactivated people stay indexed; the query leaves them out, so
-- reactivating needs no re-indexing.
--
-- `search_keys` gives each entity a stable integer key, its FTS rowid (an
-- INTEGER PRIMARY KEY survives VACUUM, unlike the implicit rowid of the
-- text-keyed tables).

CREATE TABLE search_keys (
    key  INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('post', 'comment', 'person', 'group')),
    id   TEXT NOT NULL,
    UNIQUE (kind, id)
);

CREATE VIRTUAL TABLE search_index USING fts5 (
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Backfill what is already there, before the triggers exist.
INSERT INTO search_keys (kind, id) SELECT 'post', id FROM posts;
INSERT INTO search_keys (kind, id) SELECT 'comment', id FROM comments;
INSERT INTO search_keys (kind, id) SELECT 'person', id FROM users;
INSERT INTO search_keys (kind, id) SELECT 'group', id FROM groups;
INSERT INTO search_index (rowid, title, body)
    SELECT k.key, '', p.body FROM search_keys k JOIN posts p ON k.kind = 'post' AND p.id = k.id
    WHERE p.deleted_at IS NULL;
INSERT INTO search_index (rowid, title, body)
    SELECT k.key, '', c.body FROM search_keys k JOIN comments c ON k.kind = 'comment' AND c.id = k.id
    WHERE c.deleted_at IS NULL;
INSERT INTO search_index (rowid, title, body)
    SELECT k.key, u.name, '@' || u.handle
        || CASE WHEN u.title <> '' THEN ' · ' || u.title ELSE '' END
        || CASE WHEN u.department <> '' THEN ' · ' || u.department ELSE '' END
        || CASE WHEN u.location <> '' THEN ' · ' || u.location ELSE '' END
        || CASE WHEN u.about <> '' THEN ' · ' || u.about ELSE '' END
    FROM search_keys k JOIN users u ON k.kind = 'person' AND u.id = k.id;
INSERT INTO search_index (rowid, title, body)
    SELECT k.key, g.name, g.description
    FROM search_keys k JOIN groups g ON k.kind = 'group' AND g.id = k.id;

-- Posts.
CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
    INSERT INTO search_keys (kind, id) VALUES ('post', new.id);
    INSERT INTO search_index (rowid, title, body)
        SELECT key, '', new.body FROM search_keys
        WHERE kind = 'post' AND id = new.id AND new.deleted_at IS NULL;
END;
CREATE TRIGGER posts_search_update AFTER UPDATE OF body, deleted_at ON posts BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'post' AND id = old.id);
    INSERT INTO search_index (rowid, title, body)
        SELECT key, '', new.body FROM search_keys
        WHERE kind = 'post' AND id = new.id AND new.deleted_at IS NULL;
END;
CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'post' AND id = old.id);
    DELETE FROM search_keys WHERE kind = 'post' AND id = old.id;
END;

-- Comments.
CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    INSERT INTO search_keys (kind, id) VALUES ('comment', new.id);
    INSERT INTO search_index (rowid, title, body)
        SELECT key, '', new.body FROM search_keys
        WHERE kind = 'comment' AND id = new.id AND new.deleted_at IS NULL;
END;
CREATE TRIGGER comments_search_update AFTER UPDATE OF body, deleted_at ON comments BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'comment' AND id = old.id);
    INSERT INTO search_index (rowid, title, body)
        SELECT key, '', new.body FROM search_keys
        WHERE kind = 'comment' AND id = new.id AND new.deleted_at IS NULL;
END;
CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'comment' AND id = old.id);
    DELETE FROM search_keys WHERE kind = 'comment' AND id = old.id;
END;

-- People.
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO search_keys (kind, id) VALUES ('person', new.id);
    INSERT INTO search_index (rowid, title, body)
        SELECT key, new.name, '@' || new.handle
            || CASE WHEN new.title <> '' THEN ' · ' || new.title ELSE '' END
            || CASE WHEN new.department <> '' THEN ' · ' || new.department ELSE '' END
            || CASE WHEN new.location <> '' THEN ' · ' || new.location ELSE '' END
            || CASE WHEN new.about <> '' THEN ' · ' || new.about ELSE '' END
        FROM search_keys WHERE kind = 'person' AND id = new.id;
END;
CREATE TRIGGER users_search_update
AFTER UPDATE OF name, handle, title, department, location, about ON users BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'person' AND id = old.id);
    INSERT INTO search_index (rowid, title, body)
        SELECT key, new.name, '@' || new.handle
            || CASE WHEN new.title <> '' THEN ' · ' || new.title ELSE '' END
            || CASE WHEN new.department <> '' THEN ' · ' || new.department ELSE '' END
            || CASE WHEN new.location <> '' THEN ' · ' || new.location ELSE '' END
            || CASE WHEN new.about <> '' THEN ' · ' || new.about ELSE '' END
        FROM search_keys WHERE kind = 'person' AND id = new.id;
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'person' AND id = old.id);
    DELETE FROM search_keys WHERE kind = 'person' AND id = old.id;
END;

-- Groups.
CREATE TRIGGER groups_search_insert AFTER INSERT ON groups BEGIN
    INSERT INTO search_keys (kind, id) VALUES ('group', new.id);
    INSERT INTO search_index (rowid, title, body)
        SELECT key, new.name, new.description FROM search_keys
        WHERE kind = 'group' AND id = new.id;
END;
CREATE TRIGGER groups_search_update AFTER UPDATE OF name, description ON groups BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'group' AND id = old.id);
    INSERT INTO search_index (rowid, title, body)
        SELECT key, new.name, new.description FROM search_keys
        WHERE kind = 'group' AND id = new.id;
END;
CREATE TRIGGER groups_search_delete AFTER DELETE ON groups BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'group' AND id = old.id);
    DELETE FROM search_keys WHERE kind = 'group' AND id = old.id;
END;
