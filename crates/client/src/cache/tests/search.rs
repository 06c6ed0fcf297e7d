//! Offline search on a real (in-memory) SQLite with the FTS5 index.

use commons_protocol::{Change, GroupRole, Privacy};

use super::super::*;
use super::comment as comment_change;
use super::{group, member, post, seeded, user};
use crate::{writes, SearchHit, SearchHitKind};

async fn find(cache: &Cache, query: &str) -> Vec<SearchHit> {
    let mut conn = cache.read().await.unwrap();
    search(&mut conn, "ada", query, 50).await.unwrap()
}

fn ids(hits: &[SearchHit]) -> Vec<&str> {
    hits.iter().map(|h| h.id.as_str()).collect()
}

async fn apply(cache: &Cache, changes: &[Change]) {
    let mut tx = cache.write().await.unwrap();
    for change in changes {
        apply_change(&mut tx, change).await.unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn words_match_as_prefixes_and_snippets_mark_them() {
    let (cache, _ada) = seeded().await;
    let hits = find(&cache, "hel").await;
    assert_eq!(ids(&hits), ["p1"]);
    let hit = &hits[0];
    assert_eq!(hit.kind, SearchHitKind::Post);
    assert_eq!(hit.title, "Grace Hopper");
    assert_eq!(hit.snippet, "[Hello] all");
    assert_eq!(hit.post_id.as_deref(), Some("p1"));
    assert_eq!(hit.group_id.as_deref(), Some("everyone"));
    assert_eq!(hit.created_at, Some(100));

    // A comment opens its post; every word must match.
    let hits = find(&cache, "HI gra").await;
    let comment = hits.iter().find(|h| h.id == "c1").expect("the comment");
    assert_eq!(comment.kind, SearchHitKind::Comment);
    assert_eq!(comment.post_id.as_deref(), Some("p1"));
    assert_eq!(comment.title, "Ada Lovelace");
    assert_eq!(comment.snippet, "[Hi] [Grace]");
    assert!(find(&cache, "hello nothing").await.is_empty());
    assert!(find(&cache, "   ").await.is_empty());
}

#[tokio::test]
async fn people_by_name_handle_or_email_and_groups_by_name_or_description() {
    let (cache, _ada) = seeded().await;
    let hits = find(&cache, "hopper").await;
    assert_eq!(ids(&hits), ["grace"]);
    assert_eq!(hits[0].kind, SearchHitKind::Person);
    assert_eq!(hits[0].snippet, "Grace [Hopper]");
    assert_eq!((hits[0].group_id.clone(), hits[0].created_at), (None, None));

    let hits = find(&cache, "grace@example.org").await;
    let person = hits.iter().find(|h| h.kind == SearchHitKind::Person);
    assert_eq!(person.map(|h| h.id.as_str()), Some("grace"));
    let snippet = &person.unwrap().snippet;
    // The address is one phrase: marked as one.
    assert_eq!(snippet, "grace [grace@example.org]");

    let mut book_club = group("bc", "Readers", Privacy::Closed, false);
    book_club.description = "Novels and poetry".into();
    apply(&cache, &[Change::Group { group: book_club }]).await;
    let hits = find(&cache, "poetry").await;
    assert_eq!(ids(&hits), ["bc"]);
    assert_eq!(hits[0].kind, SearchHitKind::Group);
    assert_eq!(hits[0].title, "Readers");
    assert_eq!(hits[0].group_id.as_deref(), Some("bc"));
    assert_eq!(hits[0].snippet, "Novels and [poetry]");
}

#[tokio::test]
async fn no_user_input_is_an_fts_syntax_error() {
    let (cache, _ada) = seeded().await;
    let nasty = [
        "\"",
        "\"\"",
        "\"hello",
        "hello\"all",
        "AND",
        "hello AND",
        "OR NOT",
        "NEAR(hello all)",
        "*",
        "hel*",
        "*hel",
        "a*b",
        "(hello",
        "hello)",
        "-hello",
        "^hello",
        "+hello",
        "title:hello",
        "{title body}: hello",
        "col:",
        "'",
        "\\",
        "hello;--",
        "é",
        "🎉",
        "日本語",
        "\u{0903}",
        "a\u{0}b",
        "\u{200b}",
    ];
    for query in nasty {
        let mut conn = cache.read().await.unwrap();
        let result = search(&mut conn, "ada", query, 10).await;
        assert!(result.is_ok(), "{query:?}: {result:?}");
    }
    // Operators are text: these find the post that says "Hello all".
    assert_eq!(ids(&find(&cache, "\"hello").await), ["p1"]);
    assert_eq!(ids(&find(&cache, "hel* (all)").await), ["p1"]);
}

#[tokio::test]
async fn a_name_or_a_focused_text_ranks_before_a_passing_mention() {
    let (cache, _ada) = seeded().await;
    apply(
        &cache,
        &[
            post(
                "long",
                "everyone",
                "grace",
                900,
                "Minutes of the weekly meeting: budgets, hiring, the office move, the \
                 holiday rota, the coffee machine, and at the very end a word on falcon.",
            ),
            post("short", "everyone", "grace", 100, "Falcon falcon falcon!"),
        ],
    )
    .await;
    let hits = find(&cache, "falcon").await;
    assert_eq!(ids(&hits), ["falcon", "short", "long"]);
    assert_eq!(hits[0].kind, SearchHitKind::Group);
    assert_eq!(hits[0].snippet, "Project [Falcon]");
}

#[tokio::test]
async fn pending_local_items_are_found_and_the_index_follows_the_cache() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    let id = writes::post(&mut tx, &ada, None, "Written offline about zeppelins")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let hits = find(&cache, "zeppelin").await;
    assert_eq!(ids(&hits), [id.as_str()]);
    assert_eq!(hits[0].title, "Ada Lovelace");

    // The server's version replaces the text; a renamed person is found by the new name.
    apply(
        &cache,
        &[
            post(&id, "everyone", "ada", 500, "Written about airships"),
            Change::User {
                user: user("grace", "grace", "Grace Brewster"),
            },
        ],
    )
    .await;
    assert!(find(&cache, "zeppelin").await.is_empty());
    assert_eq!(ids(&find(&cache, "airships").await), [id.as_str()]);
    assert!(find(&cache, "hopper").await.is_empty());
    assert_eq!(ids(&find(&cache, "brewster").await), ["grace"]);
    assert_eq!(find(&cache, "hello").await[0].title, "Grace Brewster");

    // Another account's cache starts empty, index included.
    let mut tx = cache.write().await.unwrap();
    reset_for_new_account(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    assert!(find(&cache, "airships").await.is_empty());
    let mut conn = cache.read().await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_index")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn only_my_groups_content_and_no_secret_group_i_am_not_in() {
    let (cache, ada) = seeded().await;
    // "Reading list" is in Book club, which Ada has not joined; the group itself is listed.
    assert!(find(&cache, "reading").await.is_empty());
    assert_eq!(ids(&find(&cache, "book").await), ["open"]);

    let mut tx = cache.write().await.unwrap();
    writes::join_group(&mut tx, &ada, "open").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids(&find(&cache, "reading").await), ["p3"]);

    // The server refused the join: the membership goes, and the content with it.
    let mut tx = cache.write().await.unwrap();
    remove_pending_membership(&mut tx, "open", "ada")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(find(&cache, "reading").await.is_empty());

    // A secret group (and its posts) cached while I was in it.
    apply(
        &cache,
        &[
            Change::Group {
                group: group("vault", "Vault", Privacy::Secret, false),
            },
            member("vault", "grace", GroupRole::Admin),
            post("pv", "vault", "grace", 700, "vault contents"),
        ],
    )
    .await;
    assert!(find(&cache, "vault").await.is_empty());
    apply(&cache, &[member("vault", "ada", GroupRole::Member)]).await;
    assert_eq!(find(&cache, "vault").await.len(), 2);
}

#[tokio::test]
async fn the_migration_indexes_what_an_older_cache_holds() {
    use std::borrow::Cow;
    use std::str::FromStr;

    let options = sqlx::sqlite::SqliteConnectOptions::from_str("sqlite::memory:").unwrap();
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    let first_only = sqlx::migrate::Migrator {
        migrations: Cow::Owned(vec![MIGRATOR.migrations[0].clone()]),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    first_only.run(&pool).await.unwrap();
    let old = Cache { pool: pool.clone() };
    // Rows as the first version of the cache wrote them.
    for sql in [
        "INSERT INTO users (id, email, name, handle, is_admin, created_at)
         VALUES ('grace', 'grace@example.org', 'Grace Hopper', 'grace', 0, 1)",
        "INSERT INTO groups (id, name, description, privacy, is_default, created_by, created_at)
         VALUES ('everyone', 'Everyone', '', 'open', 1, 'ada', 1)",
        "INSERT INTO memberships (group_id, user_id, role, joined_at)
         VALUES ('everyone', 'ada', 'member', 1)",
        "INSERT INTO posts (id, group_id, author_id, body, created_at)
         VALUES ('p1', 'everyone', 'grace', 'Hello all', 100)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    MIGRATOR.run(&pool).await.unwrap();
    assert_eq!(ids(&find(&old, "hello").await), ["p1"]);
    assert_eq!(ids(&find(&old, "hopper").await), ["grace"]);
    assert_eq!(ids(&find(&old, "everyone").await), ["everyone"]);
    // The rebuilt memberships keep their rows and now take a moderator.
    apply(&old, &[member("everyone", "grace", GroupRole::Moderator)]).await;
    let mut conn = old.read().await.unwrap();
    let roles: Vec<(String, String)> =
        sqlx::query_as("SELECT user_id, role FROM memberships ORDER BY user_id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(
        roles,
        [
            ("ada".to_owned(), "member".to_owned()),
            ("grace".to_owned(), "moderator".to_owned())
        ]
    );
}

/// A first sync defers the index: its texts are found once the backlog is
/// indexed, as they are then (edited, deleted), and what was indexed before
/// stays found meanwhile.
#[tokio::test]
async fn a_deferred_index_finds_the_backlog_once_indexed_as_it_is_then() {
    let (cache, _ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    defer_search_index(&mut tx).await.unwrap();
    for change in [
        post("p4", "everyone", "grace", 400, "Quarterly roadmap draft"),
        post("p5", "everyone", "grace", 500, "Obsolete roadmap"),
        comment_change("c2", "p4", "ada", 450, "Roadmap looks good"),
        // Edited and deleted before the backlog is indexed.
        post("p4", "everyone", "grace", 400, "Quarterly roadmap final"),
        Change::Post {
            post: commons_protocol::Post {
                id: "p5".into(),
                group_id: "everyone".into(),
                author_id: "grace".into(),
                created_at: 500,
                deleted_at: Some(510),
                ..Default::default()
            },
        },
    ] {
        apply_change(&mut tx, &change).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert!(find(&cache, "roadmap").await.is_empty(), "not indexed yet");
    assert_eq!(ids(&find(&cache, "hello").await), ["p1"], "indexed before");

    let mut tx = cache.write().await.unwrap();
    index_search_backlog(&mut tx, 10).await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        find(&cache, "roadmap").await.is_empty(),
        "under the batch size"
    );

    let mut tx = cache.write().await.unwrap();
    end_search_deferral(&mut tx).await.unwrap();
    // Indexed one by one again.
    apply_change(
        &mut tx,
        &post("p6", "everyone", "grace", 600, "Roadmap review"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut found = ids(&find(&cache, "roadmap").await)
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    found.sort();
    assert_eq!(found, ["c2", "p4", "p6"]);
    assert!(
        find(&cache, "draft").await.is_empty(),
        "the edit is indexed"
    );
    assert!(find(&cache, "obsolete").await.is_empty(), "the deletion is");
    let hits = find(&cache, "final").await;
    assert_eq!(hits[0].snippet, "Quarterly roadmap [final]");
}
