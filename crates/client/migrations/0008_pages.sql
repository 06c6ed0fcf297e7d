-- Pages read through the REST feeds (`GET /feed`, `GET /groups/{id}/posts`,
-- `GET /groups`) rather than the change log.

-- Entities stored from such a page before the change log's first pull has
-- finished (the first page shown at once on a new login). The pull confirms
-- each one it delivers; whatever it did not deliver when it finishes is no
-- longer visible (deleted, access lost) and is removed then.
-- `id2` is the second half of a two-part key (a membership's user, a
-- reaction's user), '' otherwise.
CREATE TABLE provisional (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    id2  TEXT NOT NULL,
    PRIMARY KEY (kind, id, id2)
) WITHOUT ROWID;

-- Where the server's pages of a feed continue, for loading older posts on
-- demand: `feed` is '' for the home feed or a group id; `next` is the
-- server's opaque cursor, NULL once the last page was read.
CREATE TABLE feed_pages (
    feed TEXT PRIMARY KEY NOT NULL,
    next TEXT
) WITHOUT ROWID;
