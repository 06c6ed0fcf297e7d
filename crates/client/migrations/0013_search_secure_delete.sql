-- The offline search index forgets deleted entries for good (FTS5
-- `secure-delete`) instead of keeping their words in its segments until a
-- merge: a tombstone or an erasure leaves no word of the text in the cache
-- file. What earlier deletions left there is merged away once.
INSERT INTO search_index (search_index, rank) VALUES ('secure-delete', 1);
INSERT INTO search_index (search_index) VALUES ('optimize');
