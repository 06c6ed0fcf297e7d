//! `GET /search`: full-text search over what the caller may see. The SQL (and
//! the visibility rules inside it) is in `db/search.rs`; this module makes
//! the user's text safe and the snippets unambiguous.

use commons_protocol::{
    SearchHit, SearchKind, SearchResponse, User, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_CHARS,
    MAX_SEARCH_LIMIT, SEARCH_MARK_END, SEARCH_MARK_START,
};

use super::{OpError, OpResult};
use crate::db::search::{self, SearchQuery, MATCH_END, MATCH_START};
use crate::db::Database;

/// Words of a query beyond this many are ignored (keeps queries cheap).
const MAX_TERMS: usize = 16;
/// Longer words are cut to this many characters (still a prefix of the word).
const MAX_TERM_CHARS: usize = 64;

pub async fn search(
    db: &Database,
    actor: &User,
    q: Option<&str>,
    kind: Option<SearchKind>,
    limit: Option<i64>,
) -> OpResult<SearchResponse> {
    let q = q.unwrap_or_default();
    if q.trim().is_empty() {
        return Err(OpError::Invalid("say what to search for: ?q=words".into()));
    }
    if q.chars().count() > MAX_SEARCH_CHARS {
        return Err(OpError::Invalid(format!(
            "the search text is longer than {MAX_SEARCH_CHARS} characters"
        )));
    }
    let terms = terms(q);
    let limit = limit
        .unwrap_or(DEFAULT_SEARCH_LIMIT)
        .clamp(1, MAX_SEARCH_LIMIT);
    let query = SearchQuery {
        user_id: &actor.id,
        terms: &terms,
        kind,
        limit,
    };
    let hits = search::search(db, &query)
        .await?
        .into_iter()
        .map(|hit| SearchHit {
            kind: hit.kind,
            id: hit.id,
            title: hit.title,
            snippet: mark(&hit.snippet),
            group_id: hit.group_id,
            post_id: hit.post_id,
            author_id: hit.author_id,
            created_at: hit.created_at,
        })
        .collect();
    Ok(SearchResponse { hits })
}

/// The words of what the user typed: runs of letters and digits, so quotes,
/// `*`, `-`, `:`, parentheses and the like separate words and never reach
/// the database as syntax. Text with no word finds nothing.
pub(crate) fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(MAX_TERMS)
        .map(|word| word.chars().take(MAX_TERM_CHARS).collect())
        .collect()
}

/// Turns the database's match delimiters into [`SEARCH_MARK_START`] and
/// [`SEARCH_MARK_END`]. Markers always pair up, and a double bracket is
/// always a marker: a bracket of the text that would touch another of its
/// kind (or a marker) gets a space in between. Other control characters
/// become spaces.
pub(crate) fn mark(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    let mut open = false;
    for c in raw.chars() {
        match c {
            MATCH_START if !open => {
                if out.ends_with('[') {
                    out.push(' ');
                }
                out.push_str(SEARCH_MARK_START);
                open = true;
            }
            MATCH_END if open => {
                if out.ends_with(']') {
                    out.push(' ');
                }
                out.push_str(SEARCH_MARK_END);
                open = false;
            }
            '[' | ']' => {
                if out.ends_with(c) {
                    out.push(' ');
                }
                out.push(c);
            }
            '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    if open {
        if out.ends_with(']') {
            out.push(' ');
        }
        out.push_str(SEARCH_MARK_END);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_becomes_plain_words() {
        assert_eq!(terms("  nightly  Build "), ["nightly", "Build"]);
        assert_eq!(
            terms("\"say\" AND NEAR(a b) col:x -y *"),
            ["say", "AND", "NEAR", "a", "b", "col", "x", "y"]
        );
        assert!(terms(" * - \"\" () ^ : ").is_empty());
        assert_eq!(terms("café ü 東京"), ["café", "ü", "東京"]);
        assert_eq!(terms("a\0b"), ["a", "b"]);
        assert_eq!(terms(&"x".repeat(500))[0].len(), MAX_TERM_CHARS);
        assert_eq!(terms(&"w ".repeat(100)).len(), MAX_TERMS);
    }

    #[test]
    fn snippets_get_unambiguous_markers() {
        assert_eq!(mark("the \u{2}build\u{3} is fast"), "the [[build]] is fast");
        // Brackets of the text never form a marker.
        assert_eq!(
            mark("see [[wiki]] and a[\u{2}b\u{3}]"),
            "see [ [wiki] ] and a[ [[b]] ]"
        );
        assert_eq!(mark("\u{2}[x]\u{3}"), "[[ [x] ]]");
        // Stray or unbalanced delimiters still give pairs.
        assert_eq!(mark("\u{3}a \u{2}b \u{2}c"), " a [[b  c]]");
        assert_eq!(mark("line\none\u{7}"), "line one ");
    }
}
