#!/usr/bin/env python3
# The cost of PRAGMA secure_delete on inserts and tombstones (BENCHMARKS.md).
import sqlite3, time, os, random, string
def run(sd):
    path=f"/tmp/secure-delete-cost-{sd}.db"
    for s in ["","-wal","-shm"]:
        try: os.remove(path+s)
        except FileNotFoundError: pass
    c=sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=NORMAL")
    c.execute(f"PRAGMA secure_delete={'ON' if sd else 'OFF'}")
    c.execute("CREATE TABLE posts(id TEXT PRIMARY KEY, body TEXT, deleted_at INTEGER)")
    body=''.join(random.choice(string.ascii_letters+' ') for _ in range(400))
    t=time.perf_counter()
    for i in range(200):
        c.execute("BEGIN")
        for j in range(100):
            c.execute("INSERT INTO posts VALUES(?,?,NULL)",(f"{i}-{j}",body))
        c.execute("COMMIT")
    ins=time.perf_counter()-t
    t=time.perf_counter()
    for i in range(200):
        c.execute("BEGIN")
        for j in range(100): c.execute("UPDATE posts SET body='', deleted_at=1 WHERE id = ?",(f"{i}-{j}",))
        c.execute("COMMIT")
    upd=time.perf_counter()-t
    print(f"secure_delete={sd}: insert 20000 rows {ins:.3f}s, tombstone 20000 rows {upd:.3f}s, sqlite {sqlite3.sqlite_version}")
for r in range(3):
    run(0); run(1)
