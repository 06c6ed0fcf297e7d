-- What an import brought in: each item of another system (`source`, e.g.
-- 'workplace'; `kind`: member, group, post, comment) and the Commons id it
-- became. Written in the transaction that creates the item, so an import run
-- again or resumed after an interruption skips exactly what is already here
-- (see src/import/). Keep in step with the other dialect's 0012_import_ids.sql.
CREATE TABLE import_ids (
    source     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    source_id  TEXT NOT NULL,
    commons_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (source, kind, source_id)
);
