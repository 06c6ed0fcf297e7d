//! Offline full-text search over the cache (`search_index`, FTS5, kept in
//! step by the triggers of migration `0002_search.sql`).
//!
//! What is found is only what the cache holds, and the cache holds only what
//! the server let this account see: the server is what guarantees that a
//! result is visible to the user. On top of that, posts and comments are
//! limited to groups I am a member of (as the home feed is), so a group whose
//! membership was refused or undone drops out of the results at once, and a
//! secret group is listed only while I am in it. Deleted posts and comments
//! have no text in the index (migration `0004_social.sql`), and the comments
//! of a deleted post are not listed either.
//!
//! A first sync indexes its posts and comments in bulk (migration
//! `0009_search_backlog.sql`): they wait in `search_backlog` and are indexed
//! every `SEARCH_BACKLOG_BATCH` rows and when the first sync ends, so search
//! lags behind a first sync by at most that many texts.

use sqlx::SqliteConnection;

use crate::{ClientError, SearchHit, SearchHitKind};

/// Words of a query beyond this many are ignored (keeps queries cheap).
const MAX_TERMS: usize = 16;

/// Tokens of context in a snippet.
const SNIPPET_TOKENS: i64 = 12;

/// Turns what the user typed into an FTS5 query that cannot be a syntax
/// error: each word becomes a quoted prefix term (`"word"*`, inner quotes
/// doubled), and the terms are AND-ed. So `AND`, `*`, `(`, `-` or `"` are
/// searched for as text, never read as operators. Words without a letter or
/// digit are dropped; `None` when nothing is left.
pub(crate) fn match_expression(query: &str) -> Option<String> {
    // A NUL would end the query string early (an unterminated quote): control
    // characters separate words like spaces.
    let query: String = query
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let terms: Vec<String> = query
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .take(MAX_TERMS)
        .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// Texts of the backlog indexed in one go during a first sync: the more, the
/// cheaper each one is to index; search lags behind by at most this many.
pub(crate) const SEARCH_BACKLOG_BATCH: i64 = 20_000;

/// From now on new posts and comments wait in the backlog instead of being
/// indexed one by one (until `end_search_deferral`).
pub(crate) async fn defer_search_index(conn: &mut SqliteConnection) -> Result<(), ClientError> {
    sqlx::query("INSERT OR IGNORE INTO meta (key, value) VALUES ('search_deferred', '1')")
        .execute(conn)
        .await?;
    Ok(())
}

/// Indexes the backlog if it holds at least `at_least` texts.
pub(crate) async fn index_search_backlog(
    conn: &mut SqliteConnection,
    at_least: i64,
) -> Result<(), ClientError> {
    let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM search_backlog")
        .fetch_one(&mut *conn)
        .await?;
    if waiting == 0 || waiting < at_least {
        return Ok(());
    }
    // Joined with the live rows: a text deleted since has no key left, an
    // edited one is indexed as it is now.
    for sql in [
        "INSERT INTO search_index (rowid, title, body)
         SELECT k.key, '', CASE WHEN p.deleted_at IS NULL THEN p.body ELSE '' END
         FROM search_backlog b
         JOIN search_keys k ON k.key = b.key AND k.kind = 'post'
         JOIN posts p ON p.id = k.id",
        "INSERT INTO search_index (rowid, title, body)
         SELECT k.key, '', CASE WHEN c.deleted_at IS NULL THEN c.body ELSE '' END
         FROM search_backlog b
         JOIN search_keys k ON k.key = b.key AND k.kind = 'comment'
         JOIN comments c ON c.id = k.id",
        "DELETE FROM search_backlog",
    ] {
        sqlx::query(sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Indexes what waits and goes back to indexing each text as it is written.
pub(crate) async fn end_search_deferral(conn: &mut SqliteConnection) -> Result<(), ClientError> {
    index_search_backlog(conn, 0).await?;
    sqlx::query("DELETE FROM meta WHERE key = 'search_deferred'")
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct HitRow {
    kind: String,
    id: String,
    post_id: Option<String>,
    group_id: Option<String>,
    title: String,
    snippet: String,
    created_at: Option<i64>,
}

/// The best matches for `query`, best first (bm25; a match in a person's or
/// group's name weighs more than one in a text; ties go to the newest).
pub(crate) async fn search(
    conn: &mut SqliteConnection,
    me: &str,
    query: &str,
    limit: i64,
) -> Result<Vec<SearchHit>, ClientError> {
    let Some(expression) = match_expression(query) else {
        return Ok(Vec::new());
    };
    let rows: Vec<HitRow> = sqlx::query_as(
        "SELECT k.kind, k.id,
                CASE k.kind WHEN 'post' THEN p.id WHEN 'comment' THEN c.post_id END AS post_id,
                CASE k.kind WHEN 'post' THEN p.group_id WHEN 'comment' THEN c.group_id
                            WHEN 'group' THEN g.id END AS group_id,
                CASE k.kind WHEN 'post' THEN COALESCE(pa.name, 'Unknown user')
                            WHEN 'comment' THEN COALESCE(ca.name, 'Unknown user')
                            WHEN 'person' THEN u.name
                            ELSE g.name END AS title,
                snippet(search_index, -1, '[', ']', '…', ?4) AS snippet,
                COALESCE(p.created_at, c.created_at) AS created_at
         FROM search_index
         JOIN search_keys k ON k.key = search_index.rowid
         LEFT JOIN posts p ON k.kind = 'post' AND p.id = k.id
         LEFT JOIN comments c ON k.kind = 'comment' AND c.id = k.id
         LEFT JOIN users u ON k.kind = 'person' AND u.id = k.id
         LEFT JOIN groups g ON k.kind = 'group' AND g.id = k.id
         LEFT JOIN users pa ON pa.id = p.author_id
         LEFT JOIN users ca ON ca.id = c.author_id
         WHERE search_index MATCH ?1
           AND CASE k.kind
                 WHEN 'post' THEN EXISTS (SELECT 1 FROM memberships m
                                          WHERE m.group_id = p.group_id AND m.user_id = ?2)
                 WHEN 'comment' THEN EXISTS (SELECT 1 FROM memberships m
                                             WHERE m.group_id = c.group_id AND m.user_id = ?2)
                                     AND NOT EXISTS (SELECT 1 FROM posts dp WHERE dp.id = c.post_id
                                                     AND dp.deleted_at IS NOT NULL)
                 WHEN 'group' THEN g.privacy <> 'secret'
                                   OR EXISTS (SELECT 1 FROM memberships m
                                              WHERE m.group_id = g.id AND m.user_id = ?2)
                 ELSE u.id IS NOT NULL
               END
         ORDER BY bm25(search_index, 4.0, 1.0), COALESCE(p.created_at, c.created_at) DESC, k.key
         LIMIT ?3",
    )
    .bind(expression)
    .bind(me.to_owned())
    .bind(limit)
    .bind(SNIPPET_TOKENS)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(hit).collect()
}

fn hit(row: HitRow) -> Result<SearchHit, ClientError> {
    let kind = match row.kind.as_str() {
        "post" => SearchHitKind::Post,
        "comment" => SearchHitKind::Comment,
        "person" => SearchHitKind::Person,
        "group" => SearchHitKind::Group,
        other => {
            return Err(ClientError::CorruptCache(format!(
                "search index entry of unknown kind {other:?}"
            )))
        }
    };
    Ok(SearchHit {
        kind,
        id: row.id,
        post_id: row.post_id,
        group_id: row.group_id,
        title: row.title,
        snippet: row.snippet,
        created_at: row.created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::match_expression;

    #[test]
    fn user_input_becomes_quoted_prefix_terms() {
        assert_eq!(
            match_expression("  nightly  Build "),
            Some("\"nightly\"* AND \"Build\"*".to_owned())
        );
        assert_eq!(
            match_expression("say \"hi\" AND *"),
            Some("\"say\"* AND \"\"\"hi\"\"\"* AND \"AND\"*".to_owned())
        );
        assert_eq!(match_expression(""), None);
        assert_eq!(match_expression(" * - \"\" () "), None);
        assert_eq!(
            match_expression("a\0b"),
            Some("\"a\"* AND \"b\"*".to_owned())
        );
    }
}
