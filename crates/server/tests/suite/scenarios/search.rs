use std::collections::BTreeSet;

use commons_protocol::*;

use crate::harness::{send, Ctx, Reply, Session};

async fn search_reply(session: &Session, params: &[(&str, &str)]) -> Reply {
    send(
        session
            .ctx
            .http
            .get(session.ctx.api("/search"))
            .query(params)
            .bearer_auth(&session.token),
    )
    .await
}

async fn search(session: &Session, q: &str, kind: Option<&str>) -> Vec<SearchHit> {
    let mut params = vec![("q", q)];
    if let Some(kind) = kind {
        params.push(("kind", kind));
    }
    let found: SearchResponse = search_reply(session, &params)
        .await
        .assert_status(200)
        .json();
    found.hits
}

/// The ids found, of one kind.
async fn found(session: &Session, q: &str, kind: &str) -> BTreeSet<String> {
    let hits = search(session, q, Some(kind)).await;
    assert!(
        hits.iter().all(|h| h.kind.as_str() == kind),
        "kind={kind} gave {hits:?}"
    );
    hits.into_iter().map(|h| h.id).collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

/// Deletes like the delete endpoint does: a tombstone with an empty body.
async fn tombstone(ctx: &Ctx, table: &str, id: &str) {
    let sql = format!("UPDATE {table} SET body = '', deleted_at = $1 WHERE id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(1_i64)
        .bind(id)
        .execute(ctx.db.pool())
        .await
        .expect("tombstoned");
}

async fn execute(ctx: &Ctx, sql: &'static str, a: &str, b: &str) {
    sqlx::query(sql)
        .bind(a)
        .bind(b)
        .execute(ctx.db.pool())
        .await
        .expect("updated");
}

pub async fn search_finds_only_what_the_caller_may_see(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let open = ada.create_group("Astronomy", Privacy::Open).await;
    let closed = ada.create_group("Budget", Privacy::Closed).await;
    let secret = ada.create_group("Falcon", Privacy::Secret).await;
    for group in [&closed, &secret] {
        ada.add_member(&group.id, &bob.user.email)
            .await
            .assert_status(200);
    }
    bob.join(&open.id).await.assert_status(200);
    let open_post = ada
        .write_post(&open, "The telescope arrives on Tuesday")
        .await;
    let closed_post = ada
        .write_post(&closed, "The telescope budget is approved")
        .await;
    let secret_post = ada
        .write_post(&secret, "The telescope prototype is confidential")
        .await;
    let open_comment = bob
        .write_comment(&open_post, "Telescopes need clean lenses")
        .await;
    let secret_comment = bob
        .write_comment(&secret_post, "Telescope mirror polished")
        .await;

    // Open groups for everyone; closed and secret ones for members only.
    assert_eq!(
        found(&carol, "telescope", "post").await,
        set(&[&open_post.id])
    );
    assert_eq!(
        found(&carol, "telescope", "comment").await,
        set(&[&open_comment.id])
    );
    for member in [&ada, &bob] {
        assert_eq!(
            found(member, "telescope", "post").await,
            set(&[&open_post.id, &closed_post.id, &secret_post.id])
        );
        assert_eq!(
            found(member, "TELESCOPE", "comment").await,
            set(&[&open_comment.id, &secret_comment.id])
        );
    }
    let everything = search(&carol, "telescope", None).await;
    assert_eq!(everything.len(), 2, "{everything:?}");
    let raw = search_reply(&carol, &[("q", "telescope")]).await.text;
    for secret_thing in [&closed_post.id, &secret_post.id, &secret_comment.id] {
        assert!(!raw.contains(secret_thing.as_str()), "leaked: {raw}");
    }
    assert!(!raw.contains("confidential") && !raw.contains("budget"));

    // A hit says what and where, with the match marked.
    let hit = search(&carol, "arrives", Some("post")).await.remove(0);
    assert_eq!(hit.id, open_post.id);
    assert_eq!(hit.kind, SearchKind::Post);
    assert_eq!(hit.title, ada.user.name);
    assert_eq!(hit.group_id.as_deref(), Some(open.id.as_str()));
    assert_eq!(hit.post_id.as_deref(), Some(open_post.id.as_str()));
    assert_eq!(hit.author_id.as_deref(), Some(ada.user.id.as_str()));
    assert!(
        hit.snippet.contains("[[arrives]]") && hit.snippet.contains("Tuesday"),
        "{}",
        hit.snippet
    );
    let comment_hit = search(&carol, "lenses", Some("comment")).await.remove(0);
    assert_eq!(comment_hit.post_id.as_deref(), Some(open_post.id.as_str()));
    assert_eq!(comment_hit.title, bob.user.name);
    // Every word must match; words match as prefixes.
    assert_eq!(
        found(&bob, "telescope tues", "post").await,
        set(&[&open_post.id])
    );
    assert_eq!(found(&bob, "telesc", "comment").await.len(), 2);

    // Edits are found as they are now.
    execute(
        &ctx,
        "UPDATE posts SET body = $1 WHERE id = $2",
        "The comet arrives on Tuesday",
        &open_post.id,
    )
    .await;
    assert_eq!(found(&carol, "comet", "post").await, set(&[&open_post.id]));
    assert!(found(&carol, "telescope", "post").await.is_empty());

    // Deleted posts and comments (tombstones) are never found, nor the
    // comments of a deleted post.
    let zeppelin = ada.write_post(&open, "The zeppelin lands at noon").await;
    let zeppelin_comment = bob.write_comment(&zeppelin, "Zeppelin tickets?").await;
    let gone_comment = bob.write_comment(&open_post, "A zeppelin too").await;
    assert_eq!(
        found(&carol, "zeppelin", "post").await,
        set(&[&zeppelin.id])
    );
    assert_eq!(found(&carol, "zeppelin", "comment").await.len(), 2);
    tombstone(&ctx, "comments", &gone_comment.id).await;
    assert_eq!(
        found(&carol, "zeppelin", "comment").await,
        set(&[&zeppelin_comment.id])
    );
    tombstone(&ctx, "posts", &zeppelin.id).await;
    assert!(search(&carol, "zeppelin", None).await.is_empty());
    assert!(search(&ada, "zeppelin", None).await.is_empty());

    // Groups: all but the secret ones the caller is not in, by name or description.
    assert_eq!(found(&carol, "astronomy", "group").await, set(&[&open.id]));
    assert_eq!(found(&carol, "budget", "group").await, set(&[&closed.id]));
    assert!(found(&carol, "falcon", "group").await.is_empty());
    assert_eq!(found(&bob, "falcon", "group").await, set(&[&secret.id]));
    execute(
        &ctx,
        "UPDATE groups SET description = $1 WHERE id = $2",
        "Stars and nebulae",
        &open.id,
    )
    .await;
    let group_hit = search(&carol, "nebulae", Some("group")).await.remove(0);
    assert_eq!(group_hit.id, open.id);
    assert_eq!(group_hit.title, "Astronomy");
    assert_eq!(group_hit.group_id.as_deref(), Some(open.id.as_str()));
    assert!(
        group_hit.snippet.contains("[[nebulae]]"),
        "{}",
        group_hit.snippet
    );

    // People: by name, handle and profile; deactivated ones are left out.
    bob.patch(
        "/me",
        &UpdateProfileRequest {
            mutation_id: crate::harness::new_id(),
            title: Some("Quantum Cartographer".into()),
            department: Some("Maps".into()),
            ..UpdateProfileRequest::default()
        },
    )
    .await
    .assert_status(200);
    for q in ["cartographer", "Cartog", "quantum maps", "bob"] {
        assert_eq!(
            found(&carol, q, "person").await,
            set(&[&bob.user.id]),
            "q={q}"
        );
    }
    let person = search(&carol, "cartographer", Some("person"))
        .await
        .remove(0);
    assert_eq!(person.title, bob.user.name);
    assert!(
        person.snippet.contains("[[Cartographer]]") && person.snippet.contains("@bob"),
        "{}",
        person.snippet
    );
    commons_server::ops::people::set_active_by_email(&ctx.db, &bob.user.email, false)
        .await
        .expect("deactivated");
    assert!(found(&carol, "cartographer", "person").await.is_empty());
    // Their content stays.
    assert_eq!(
        found(&carol, "lenses", "comment").await,
        set(&[&open_comment.id])
    );
    commons_server::ops::people::set_active_by_email(&ctx.db, &bob.user.email, true)
        .await
        .expect("reactivated");
    assert_eq!(
        found(&carol, "cartographer", "person").await,
        set(&[&bob.user.id])
    );

    // Text in other scripts and with accents.
    let unicode = ada
        .write_post(&open, "Réunion über Zürich und 東京 [[wiki]] <b>bold</b>")
        .await;
    for q in ["Zürich", "über", "東京", "réunion"] {
        assert_eq!(found(&carol, q, "post").await, set(&[&unicode.id]), "q={q}");
    }
    let hit = search(&carol, "bold", Some("post")).await.remove(0);
    assert!(hit.snippet.contains("[[bold]]"), "{}", hit.snippet);
    assert!(!hit.snippet.contains("[[wiki]]"), "{}", hit.snippet);

    // The limit is kept.
    for n in 0..4 {
        ada.write_post(&open, &format!("Quasar sighting number {n}"))
            .await;
    }
    let limited: SearchResponse = search_reply(&carol, &[("q", "quasar"), ("limit", "3")])
        .await
        .assert_status(200)
        .json();
    assert_eq!(limited.hits.len(), 3);
}

pub async fn hostile_search_queries_never_fail(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let open = ada.create_group("Lab", Privacy::Open).await;
    let post = ada
        .write_post(
            &open,
            "The telescope works: see \"NEAR\" AND OR NOT *stars*",
        )
        .await;

    let long = "telescope ".repeat(100);
    let hostile = [
        "\"",
        "\"\"",
        "\"unterminated",
        "*",
        "ada*",
        "NEAR(",
        "NEAR(a b)",
        "NEAR(telescope works, 2)",
        "title:ada",
        "body:telescope",
        ":",
        "-",
        "-telescope",
        "telescope -works",
        "a OR b",
        "AND",
        "OR NOT",
        "(",
        ")",
        "^telescope",
        "'",
        "''",
        "\\",
        "%",
        "_",
        "telescope' OR '1'='1",
        "'; DROP TABLE posts; --",
        "!@#$%^&*()",
        "{}[]<>|~`",
        "😀",
        "東京",
        "\u{202e}telescope",
        "\u{0}",
        "tele\u{0}scope",
        "\u{301}",
        "&amp;",
        "<script>",
        " ",
        "",
        long.as_str(),
    ];
    for q in hostile {
        let reply = search_reply(&ada, &[("q", q)]).await;
        let status = reply.status.as_u16();
        assert!(
            status == 200 || status == 400,
            "q={q:?} answered {status}: {}",
            reply.text
        );
        if status == 400 {
            reply.assert_error(400, "bad_request");
        } else {
            let _: SearchResponse = reply.json();
        }
    }
    // Operators are text: the post is still found through them.
    for q in [
        "\"telescope\"",
        "telescope*",
        "-telescope",
        "NEAR(telescope",
        "(telescope)",
        "telescope:",
        "works: \"NEAR\" AND OR NOT *stars*",
    ] {
        let hits = search(&ada, q, Some("post")).await;
        assert_eq!(hits.len(), 1, "q={q:?}");
        assert_eq!(hits[0].id, post.id);
    }
    assert!(search(&ada, "*", None).await.is_empty());

    search_reply(&ada, &[])
        .await
        .assert_error(400, "bad_request");
    search_reply(&ada, &[("q", "")])
        .await
        .assert_error(400, "bad_request");
    search_reply(&ada, &[("q", &long)])
        .await
        .assert_error(400, "bad_request");
    search_reply(&ada, &[("q", "telescope"), ("kind", "bogus")])
        .await
        .assert_error(400, "bad_request");
    search_reply(&ada, &[("q", "telescope"), ("limit", "many")])
        .await
        .assert_error(400, "bad_request");
    for limit in ["-5", "0", "100000"] {
        search_reply(&ada, &[("q", "telescope"), ("limit", limit)])
            .await
            .assert_status(200);
    }
    send(ctx.http.get(ctx.api("/search?q=telescope")))
        .await
        .assert_error(401, "unauthorized");
}
