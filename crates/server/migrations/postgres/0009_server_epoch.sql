-- The epoch names this life of the change log; see ../sqlite/0009_server_epoch.sql.
CREATE TABLE server_identity (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL
);
INSERT INTO server_identity (id, epoch)
    VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 16));
