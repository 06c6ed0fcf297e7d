//! What imports brought in (`import_ids`): each item of another system and
//! the Commons id it became, plus the few writes only an import makes (times
//! kept from the other system).

use std::collections::HashMap;

use commons_protocol::{Comment, Post, PostSeen, Reaction};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{now_millis, placeholders, DbError};

/// Rows per multi-row INSERT: a few thousand bound values, far below both
/// databases' limits.
const ROWS_PER_INSERT: usize = 400;

/// `($1, ..., $n), ($n+1, ...)`: `rows` groups of `columns` placeholders.
fn value_groups(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(r * columns + 1, columns)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every item of `kind` already imported from `source`: its id there → its id here.
pub async fn load_ids(
    conn: &mut AnyConnection,
    source: &str,
    kind: &str,
) -> Result<HashMap<String, String>, DbError> {
    let rows =
        sqlx::query("SELECT source_id, commons_id FROM import_ids WHERE source = $1 AND kind = $2")
            .bind(source)
            .bind(kind)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("source_id")?, row.try_get("commons_id")?)))
        .collect()
}

/// Records items imported from `source`: (kind, id there, id here).
pub async fn insert_ids(
    conn: &mut AnyConnection,
    source: &str,
    rows: &[(&str, String, String)],
) -> Result<(), DbError> {
    let now = now_millis();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO import_ids (source, kind, source_id, commons_id, created_at) VALUES {}",
            value_groups(chunk.len(), 5)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (kind, source_id, commons_id) in chunk {
            query = query
                .bind(source)
                .bind(*kind)
                .bind(source_id)
                .bind(commons_id)
                .bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts comments with the seqs of their changes, several per statement.
/// Unlike `posts::insert_comment` it leaves the posts' activity to
/// [`set_activity_seq`], once per post.
pub async fn insert_comments(
    conn: &mut AnyConnection,
    comments: &[(&Comment, i64)],
) -> Result<(), DbError> {
    for chunk in comments.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO comments (id, post_id, group_id, author_id, body, created_at, seq, \
             parent_id) VALUES {}",
            value_groups(chunk.len(), 8)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (c, seq) in chunk {
            query = query
                .bind(&c.id)
                .bind(&c.post_id)
                .bind(&c.group_id)
                .bind(&c.author_id)
                .bind(&c.body)
                .bind(c.created_at)
                .bind(*seq)
                .bind(&c.parent_id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts posts (without polls or announcements) with the seqs of their
/// changes and of their newest activity, several per statement.
pub async fn insert_posts(
    conn: &mut AnyConnection,
    posts: &[(&Post, i64, i64)],
) -> Result<(), DbError> {
    for chunk in posts.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO posts (id, group_id, author_id, body, created_at, edited_at, seq, \
             activity_seq) VALUES {}",
            value_groups(chunk.len(), 8)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (p, seq, activity_seq) in chunk {
            query = query
                .bind(&p.id)
                .bind(&p.group_id)
                .bind(&p.author_id)
                .bind(&p.body)
                .bind(p.created_at)
                .bind(p.edited_at)
                .bind(*seq)
                .bind(*activity_seq);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Records who saw posts, several per statement.
pub async fn insert_seen(
    conn: &mut AnyConnection,
    seen: &[(&PostSeen, i64)],
) -> Result<(), DbError> {
    for chunk in seen.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO post_seen (post_id, user_id, group_id, seen_at, seq) VALUES {}",
            value_groups(chunk.len(), 5)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (s, seq) in chunk {
            query = query
                .bind(&s.post_id)
                .bind(&s.user_id)
                .bind(&s.group_id)
                .bind(s.seen_at)
                .bind(*seq);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts reactions, several per statement.
pub async fn insert_reactions(
    conn: &mut AnyConnection,
    reactions: &[Reaction],
) -> Result<(), DbError> {
    for chunk in reactions.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO reactions (target_id, user_id, post_id, group_id, kind, created_at) \
             VALUES {}",
            value_groups(chunk.len(), 6)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for r in chunk {
            query = query
                .bind(&r.target_id)
                .bind(&r.user_id)
                .bind(&r.post_id)
                .bind(&r.group_id)
                .bind(r.kind.as_str())
                .bind(r.created_at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A post's newest activity (its last comment's seq), as commenting sets it.
pub async fn set_activity_seq(
    conn: &mut AnyConnection,
    post_id: &str,
    seq: i64,
) -> Result<(), DbError> {
    sqlx::query("UPDATE posts SET activity_seq = $2 WHERE id = $1 AND activity_seq < $2")
        .bind(post_id)
        .bind(seq)
        .execute(conn)
        .await?;
    Ok(())
}

/// An imported person's title, department and manager.
pub async fn set_profile(
    conn: &mut AnyConnection,
    user_id: &str,
    title: &str,
    department: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET title = $2, department = $3 WHERE id = $1")
        .bind(user_id)
        .bind(title)
        .bind(department)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_manager(
    conn: &mut AnyConnection,
    user_id: &str,
    manager_id: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET manager_id = $2 WHERE id = $1")
        .bind(user_id)
        .bind(manager_id)
        .execute(conn)
        .await?;
    Ok(())
}
