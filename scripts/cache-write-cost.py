#!/usr/bin/env python3
# How long SQLite itself takes to write the client's posts and comments, with the
# cache's real schema (triggers, indexes, FTS5), taken from a synced cache
# (BENCHMARKS.md). Usage: scripts/cache-write-cost.py CACHE.db full notriggers noprefix
import sqlite3, time, sys, os
src = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
schema = [r[0] for r in src.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'search_index_%' AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END")]
posts = src.execute("SELECT * FROM posts").fetchall()
comments = src.execute("SELECT * FROM comments").fetchall()
pcols = len(posts[0]); ccols = len(comments[0])
print(len(posts), "posts", len(comments), "comments", sqlite3.sqlite_version)
for variant in sys.argv[2:]:
    path = "/tmp/apply-%s.db" % variant
    for f in (path, path + "-wal", path + "-shm"):
        if os.path.exists(f): os.remove(f)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA secure_delete=ON"); db.execute("PRAGMA cache_size=-16384")
    for sql in schema:
        if variant == "notriggers" and sql.startswith("CREATE TRIGGER"): continue
        if variant == "noprefix": sql = sql.replace("prefix = '2 3'", "prefix = '2'") if "fts5" in sql else sql
        try: db.execute(sql)
        except Exception as e: print("skip", sql[:60], e)
    t = time.time()
    for rows, table, n in ((posts, "posts", pcols), (comments, "comments", ccols)):
        q = "INSERT INTO %s VALUES (%s)" % (table, ",".join("?" * n))
        for i in range(0, len(rows), 1000):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(q, rows[i:i+1000])
            db.execute("COMMIT")
    print(variant, "%.1f s" % (time.time() - t), "%d MB" % (os.path.getsize(path) // 1e6))
