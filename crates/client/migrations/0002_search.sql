-- Offline full-text search (FTS5) over the cached posts, comments, people and
-- groups.
--
-- The index is kept in step by triggers on the cached tables, so every code
-- path that writes the cache (pull, local writes, confirmations, discards,
-- account reset) updates it in the same transaction, and none can forget to.
--
-- One FTS table for all kinds, so bm25 scores are comparable across kinds:
--   post, comment: title = '',   body = the text
--   person:        title = name, body = handle and e-mail
--   group:         title = name, body = description
-- Author names are not indexed with posts: they are joined in at query time,
-- so renaming someone never leaves stale rows behind.
--
-- `search_keys` gives each indexed entity a stable integer key (INTEGER
-- PRIMARY KEY survives VACUUM, unlike the implicit rowid of the text-keyed
-- tables), used as the FTS rowid.

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

-- Backfill what earlier versions cached, before the triggers exist.
INSERT INTO search_keys (kind, id) SELECT 'post', id FROM posts;
INSERT INTO search_keys (kind, id) SELECT 'comment', id FROM comments;
INSERT INTO search_keys (kind, id) SELECT 'person', id FROM users;
INSERT INTO search_keys (kind, id) SELECT 'group', id FROM groups;
INSERT INTO search_index (rowid, title, body)
    SELECT k.key, '', p.body FROM search_keys k JOIN posts p ON k.kind = 'post' AND p.id = k.id;
INSERT INTO search_index (rowid, title, body)
    SELECT k.key, '', c.body FROM search_keys k JOIN comments c ON k.kind = 'comment' AND c.id = k.id;
INSERT INTO search_index (rowid, title, body)
    SELECT k.key, u.name, u.handle || ' ' || u.email
    FROM search_keys k JOIN users u ON k.kind = 'person' AND u.id = k.id;
INSERT INTO search_index (rowid, title, body)
    SELECT k.key, g.name, g.description
    FROM search_keys k JOIN groups g ON k.kind = 'group' AND g.id = k.id;

-- Posts.
CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
    INSERT INTO search_keys (kind, id) VALUES ('post', new.id);
    INSERT INTO search_index (rowid, title, body)
        VALUES ((SELECT key FROM search_keys WHERE kind = 'post' AND id = new.id), '', new.body);
END;
-- Every sync re-applies rows as upserts: only a changed text touches the index.
CREATE TRIGGER posts_search_update AFTER UPDATE ON posts
WHEN old.id IS NOT new.id OR old.body IS NOT new.body BEGIN
    UPDATE search_keys SET id = new.id WHERE kind = 'post' AND id = old.id;
    UPDATE search_index SET body = new.body
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'post' AND id = new.id);
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
        VALUES ((SELECT key FROM search_keys WHERE kind = 'comment' AND id = new.id), '', new.body);
END;
CREATE TRIGGER comments_search_update AFTER UPDATE ON comments
WHEN old.id IS NOT new.id OR old.body IS NOT new.body BEGIN
    UPDATE search_keys SET id = new.id WHERE kind = 'comment' AND id = old.id;
    UPDATE search_index SET body = new.body
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'comment' AND id = new.id);
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
        VALUES ((SELECT key FROM search_keys WHERE kind = 'person' AND id = new.id),
                new.name, new.handle || ' ' || new.email);
END;
CREATE TRIGGER users_search_update AFTER UPDATE ON users
WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.handle IS NOT new.handle
     OR old.email IS NOT new.email BEGIN
    UPDATE search_keys SET id = new.id WHERE kind = 'person' AND id = old.id;
    UPDATE search_index SET title = new.name, body = new.handle || ' ' || new.email
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'person' AND id = new.id);
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
        VALUES ((SELECT key FROM search_keys WHERE kind = 'group' AND id = new.id),
                new.name, new.description);
END;
CREATE TRIGGER groups_search_update AFTER UPDATE ON groups
WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.description IS NOT new.description
BEGIN
    UPDATE search_keys SET id = new.id WHERE kind = 'group' AND id = old.id;
    UPDATE search_index SET title = new.name, body = new.description
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'group' AND id = new.id);
END;
CREATE TRIGGER groups_search_delete AFTER DELETE ON groups BEGIN
    DELETE FROM search_index
        WHERE rowid = (SELECT key FROM search_keys WHERE kind = 'group' AND id = old.id);
    DELETE FROM search_keys WHERE kind = 'group' AND id = old.id;
END;
