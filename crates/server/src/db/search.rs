//! Full-text search over posts, comments, people and groups: the one place
//! where the two databases need different SQL, one function per backend.
//!
//! - SQLite: one FTS5 table, `search_index`, kept in step by the triggers of
//!   `migrations/sqlite/0003_search.sql`; `search_keys` gives each entity a
//!   stable integer key (its FTS rowid). Ranked by bm25, a match in a name
//!   weighing four times one in a text.
//! - PostgreSQL: a generated `search_vector` column per table with a GIN index
//!   (`migrations/postgres/0003_search.sql`), names weighted A and texts B;
//!   ranked by `ts_rank`, snippets by `ts_headline`.
//!
//! Both use the language-neutral tokenisation (`unicode61` / `simple`): no
//! stemming, every word of the query matches as a word or a word's start.
//!
//! Visibility is part of each query (what [`search`] returns, the caller may
//! see): posts and comments that are not deleted (nor is a comment's post),
//! in open groups or groups the caller is in; groups that are not secret or
//! that the caller is in; people who are not deactivated.

use commons_protocol::SearchKind;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Backend, Database, DbError};

/// Put around each match in [`RawHit::snippet`] by the database; the caller
/// turns them into the protocol's markers. Control characters, so that no
/// ordinary text is mistaken for them.
pub const MATCH_START: char = '\u{2}';
pub const MATCH_END: char = '\u{3}';

/// What to look for, already made safe: `terms` are non-empty runs of
/// letters and digits (no quotes, operators or punctuation).
#[derive(Clone, Debug)]
pub struct SearchQuery<'a> {
    pub user_id: &'a str,
    pub terms: &'a [String],
    pub kind: Option<SearchKind>,
    pub limit: i64,
}

/// One hit as the database gives it; the snippet carries [`MATCH_START`] and
/// [`MATCH_END`] around matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawHit {
    pub kind: SearchKind,
    pub id: String,
    pub title: String,
    pub snippet: String,
    pub group_id: Option<String>,
    pub post_id: Option<String>,
    pub author_id: Option<String>,
    pub created_at: i64,
}

fn from_row(row: &AnyRow) -> Result<RawHit, DbError> {
    let kind: String = row.try_get("kind")?;
    let kind = match kind.as_str() {
        "post" => SearchKind::Post,
        "comment" => SearchKind::Comment,
        "person" => SearchKind::Person,
        "group" => SearchKind::Group,
        other => return Err(DbError::Corrupt(format!("search hit of kind {other:?}"))),
    };
    Ok(RawHit {
        kind,
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        snippet: row.try_get("snippet")?,
        group_id: row.try_get("group_id")?,
        post_id: row.try_get("post_id")?,
        author_id: row.try_get("author_id")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The best hits first (ties: newest first). No terms, no hits.
pub async fn search(db: &Database, query: &SearchQuery<'_>) -> Result<Vec<RawHit>, DbError> {
    if query.terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = db.pool().acquire().await?;
    match db.backend() {
        Backend::Sqlite => search_sqlite(&mut conn, query).await,
        Backend::Postgres => search_postgres(&mut conn, query).await,
    }
}

/// Words of context around the matches in a snippet.
const SNIPPET_WORDS: i64 = 16;

/// `"term1"* AND "term2"*`: each term a quoted prefix, so nothing in it is
/// FTS5 syntax (terms hold letters and digits only; quotes are doubled anyway).
fn fts5_expression(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"*", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `'term1':* & 'term2':*` for `to_tsquery`: each term a quoted prefix
/// lexeme (terms hold letters and digits only; quotes are doubled anyway).
fn tsquery_expression(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("'{}':*", t.replace('\'', "''").replace('\\', "\\\\")))
        .collect::<Vec<_>>()
        .join(" & ")
}

async fn search_sqlite(
    conn: &mut sqlx::AnyConnection,
    query: &SearchQuery<'_>,
) -> Result<Vec<RawHit>, DbError> {
    const MEMBER: &str = "EXISTS (SELECT 1 FROM memberships m \
        WHERE m.group_id = COALESCE(p.group_id, c.group_id, g.id) AND m.user_id = $2)";
    let sql = format!(
        "SELECT k.kind, k.id, \
            COALESCE(pa.name, ca.name, u.name, g.name, '') AS title, \
            snippet(search_index, 1, char(2), char(3), '…', $4) AS snippet, \
            COALESCE(p.group_id, c.group_id, g.id) AS group_id, \
            COALESCE(p.id, c.post_id) AS post_id, \
            COALESCE(p.author_id, c.author_id) AS author_id, \
            COALESCE(p.created_at, c.created_at, u.created_at, g.created_at) AS created_at \
         FROM search_index \
         JOIN search_keys k ON k.key = search_index.rowid \
         LEFT JOIN posts p ON k.kind = 'post' AND p.id = k.id \
         LEFT JOIN comments c ON k.kind = 'comment' AND c.id = k.id \
         LEFT JOIN posts cp ON cp.id = c.post_id \
         LEFT JOIN users u ON k.kind = 'person' AND u.id = k.id \
         LEFT JOIN groups g ON k.kind = 'group' AND g.id = k.id \
         LEFT JOIN groups pg ON pg.id = COALESCE(p.group_id, c.group_id) \
         LEFT JOIN users pa ON pa.id = p.author_id \
         LEFT JOIN users ca ON ca.id = c.author_id \
         WHERE search_index MATCH $1 AND ($3 IS NULL OR k.kind = $3) \
           AND CASE k.kind \
             WHEN 'post' THEN p.deleted_at IS NULL AND (pg.privacy = 'open' OR {MEMBER}) \
             WHEN 'comment' THEN c.deleted_at IS NULL AND cp.deleted_at IS NULL \
                 AND (pg.privacy = 'open' OR {MEMBER}) \
             WHEN 'group' THEN g.privacy <> 'secret' OR {MEMBER} \
             WHEN 'person' THEN u.deactivated_at IS NULL \
             ELSE 0 END \
         ORDER BY bm25(search_index, 4.0, 1.0), 8 DESC, k.id \
         LIMIT $5"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(fts5_expression(query.terms))
        .bind(query.user_id)
        .bind(query.kind.map(SearchKind::as_str))
        .bind(SNIPPET_WORDS)
        .bind(query.limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// What a person's hit shows and is searched by besides the name; the same
/// expression as in `migrations/postgres/0003_search.sql` (and the SQLite triggers).
const PERSON_TEXT: &str = "'@' || u.handle \
    || CASE WHEN u.title <> '' THEN ' · ' || u.title ELSE '' END \
    || CASE WHEN u.department <> '' THEN ' · ' || u.department ELSE '' END \
    || CASE WHEN u.location <> '' THEN ' · ' || u.location ELSE '' END \
    || CASE WHEN u.about <> '' THEN ' · ' || u.about ELSE '' END";

async fn search_postgres(
    conn: &mut sqlx::AnyConnection,
    query: &SearchQuery<'_>,
) -> Result<Vec<RawHit>, DbError> {
    // $1: the tsquery text, $2: the caller, $3: the limit, $4: headline options.
    const Q: &str = "to_tsquery('simple', $1)";
    const MEMBER: &str =
        "EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = $2 AND m.group_id =";
    let posts = format!(
        "SELECT CAST('post' AS TEXT) AS kind, p.id, COALESCE(a.name, '') AS title, \
            p.group_id, p.id AS post_id, p.author_id, p.created_at, p.body AS doc, \
            ts_rank(p.search_vector, {Q}, 1) AS rank \
         FROM posts p JOIN groups g ON g.id = p.group_id LEFT JOIN users a ON a.id = p.author_id \
         WHERE p.search_vector @@ {Q} AND p.deleted_at IS NULL \
           AND (g.privacy = 'open' OR {MEMBER} p.group_id))"
    );
    let comments = format!(
        "SELECT CAST('comment' AS TEXT) AS kind, c.id, COALESCE(a.name, '') AS title, \
            c.group_id, c.post_id, c.author_id, c.created_at, c.body AS doc, \
            ts_rank(c.search_vector, {Q}, 1) AS rank \
         FROM comments c JOIN posts cp ON cp.id = c.post_id JOIN groups g ON g.id = c.group_id \
         LEFT JOIN users a ON a.id = c.author_id \
         WHERE c.search_vector @@ {Q} AND c.deleted_at IS NULL AND cp.deleted_at IS NULL \
           AND (g.privacy = 'open' OR {MEMBER} c.group_id))"
    );
    let people = format!(
        "SELECT CAST('person' AS TEXT) AS kind, u.id, u.name AS title, \
            CAST(NULL AS TEXT) AS group_id, CAST(NULL AS TEXT) AS post_id, \
            CAST(NULL AS TEXT) AS author_id, u.created_at, {PERSON_TEXT} AS doc, \
            ts_rank(u.search_vector, {Q}, 1) AS rank \
         FROM users u \
         WHERE u.search_vector @@ {Q} AND u.deactivated_at IS NULL"
    );
    let groups = format!(
        "SELECT CAST('group' AS TEXT) AS kind, g.id, g.name AS title, g.id AS group_id, \
            CAST(NULL AS TEXT) AS post_id, CAST(NULL AS TEXT) AS author_id, g.created_at, \
            g.description AS doc, ts_rank(g.search_vector, {Q}, 1) AS rank \
         FROM groups g \
         WHERE g.search_vector @@ {Q} AND (g.privacy <> 'secret' OR {MEMBER} g.id))"
    );
    let parts: Vec<&str> = match query.kind {
        Some(SearchKind::Post) => vec![&posts],
        Some(SearchKind::Comment) => vec![&comments],
        Some(SearchKind::Person) => vec![&people],
        Some(SearchKind::Group) => vec![&groups],
        None => vec![&posts, &comments, &people, &groups],
    };
    // Rank and cut first; headlines (the costly part) only for the hits kept.
    let sql = format!(
        "SELECT h.kind, h.id, h.title, h.group_id, h.post_id, h.author_id, h.created_at, \
            ts_headline('simple', h.doc, {Q}, $4) AS snippet \
         FROM ({} ORDER BY rank DESC, created_at DESC, id LIMIT $3) h \
         ORDER BY h.rank DESC, h.created_at DESC, h.id",
        parts.join(" UNION ALL ")
    );
    // One excerpt, the whole text when it is short.
    let options = format!(
        "StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords={SNIPPET_WORDS}, MinWords={}",
        SNIPPET_WORDS / 2
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(tsquery_expression(query.terms))
        .bind(query.user_id)
        .bind(query.limit)
        .bind(options)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_become_quoted_prefixes() {
        let terms = vec!["nightly".to_string(), "Build".to_string()];
        assert_eq!(fts5_expression(&terms), "\"nightly\"* AND \"Build\"*");
        assert_eq!(tsquery_expression(&terms), "'nightly':* & 'Build':*");
        let odd = vec!["a\"b'c\\".to_string()];
        assert_eq!(fts5_expression(&odd), "\"a\"\"b'c\\\"*");
        assert_eq!(tsquery_expression(&odd), "'a\"b''c\\\\':*");
    }
}
