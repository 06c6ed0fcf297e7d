-- The epoch names this life of the change log. Cursors carry it, so a
-- client holding a cursor of another server, or of this one before a reset
-- or a restore, is told to start over instead of being answered with
-- someone else's changes. `restore` draws a new one; `migrate-db` keeps it.
CREATE TABLE server_identity (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL
);
INSERT INTO server_identity (id, epoch) VALUES (1, lower(hex(randomblob(8))));
