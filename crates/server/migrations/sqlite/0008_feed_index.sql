-- Only PostgreSQL needs an index here (see ../postgres/0008_feed_index.sql):
-- SQLite reads each of the reader's groups through posts_by_activity, newest
-- first, and stops each group once the page is full. This migration is kept
-- so both databases count the same versions.
SELECT 1;
