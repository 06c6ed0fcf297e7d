//! The cache's queries and the local write path, on a real (in-memory) SQLite.

use commons_protocol::{Change, Comment, Group, GroupRole, Membership, Post, Privacy, User};

use super::*;
use crate::{notifications, outbox, writes, OutboxState};

mod batch;
mod eviction;
mod outbox_actions;
mod polls;
mod purge;
mod search;
mod social;

pub(super) fn user(id: &str, handle: &str, name: &str) -> User {
    User {
        id: id.into(),
        email: format!("{handle}@example.org"),
        name: name.into(),
        handle: handle.into(),
        is_admin: false,
        created_at: 1,
        ..Default::default()
    }
}

pub(super) fn group(id: &str, name: &str, privacy: Privacy, is_default: bool) -> Group {
    Group {
        id: id.into(),
        name: name.into(),
        description: String::new(),
        privacy,
        is_default,
        created_by: "ada".into(),
        created_at: 1,
        cover_id: None,
    }
}

pub(super) fn member(group_id: &str, user_id: &str, role: GroupRole) -> Change {
    Change::Membership {
        membership: Membership {
            group_id: group_id.into(),
            user_id: user_id.into(),
            role,
            joined_at: 1,
        },
    }
}

pub(super) fn post(
    id: &str,
    group_id: &str,
    author_id: &str,
    created_at: i64,
    body: &str,
) -> Change {
    Change::Post {
        post: Post {
            id: id.into(),
            group_id: group_id.into(),
            author_id: author_id.into(),
            body: body.into(),
            created_at,
            ..Default::default()
        },
    }
}

pub(super) fn comment(
    id: &str,
    post_id: &str,
    author_id: &str,
    created_at: i64,
    body: &str,
) -> Change {
    Change::Comment {
        comment: Comment {
            id: id.into(),
            post_id: post_id.into(),
            group_id: "everyone".into(),
            author_id: author_id.into(),
            body: body.into(),
            created_at,
            ..Default::default()
        },
    }
}

/// Ada and Grace, both in "Everyone" and Ada alone in "Falcon" (secret); "Open" she is not in.
pub(super) async fn seeded() -> (Cache, User) {
    let cache = Cache::open_in_memory().await.unwrap();
    let ada = user("ada", "ada", "Ada Lovelace");
    let changes = vec![
        Change::User { user: ada.clone() },
        Change::User {
            user: user("grace", "grace", "Grace Hopper"),
        },
        Change::Group {
            group: group("everyone", "Everyone", Privacy::Open, true),
        },
        Change::Group {
            group: group("falcon", "Project Falcon", Privacy::Secret, false),
        },
        Change::Group {
            group: group("open", "Book club", Privacy::Open, false),
        },
        member("everyone", "ada", GroupRole::Member),
        member("everyone", "grace", GroupRole::Member),
        member("falcon", "ada", GroupRole::Admin),
        member("open", "grace", GroupRole::Admin),
        post("p1", "everyone", "grace", 100, "Hello all"),
        post("p2", "falcon", "ada", 200, "Secret plans"),
        post("p3", "open", "grace", 300, "Reading list"),
        comment("c1", "p1", "ada", 150, "Hi Grace"),
    ];
    let mut tx = cache.write().await.unwrap();
    for change in &changes {
        apply_change(&mut tx, change).await.unwrap();
    }
    tx.commit().await.unwrap();
    (cache, ada)
}

#[tokio::test]
async fn home_feed_shows_my_groups_newest_first_with_comments() {
    let (cache, ada) = seeded().await;
    let mut conn = cache.read().await.unwrap();
    let feed = feed(&mut conn, &ada.id, None, 10, None).await.unwrap();
    let ids: Vec<&str> = feed.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["p2", "p1"], "Book club is not Ada's group");
    assert_eq!(feed[1].author_name, "Grace Hopper");
    assert_eq!(feed[1].group_name, "Everyone");
    assert_eq!(feed[1].comments.len(), 1);
    assert_eq!(feed[1].comments[0].author_name, "Ada Lovelace");
    assert!(!feed[0].pending && feed[0].failed.is_none());
}

#[tokio::test]
async fn posts_and_comments_carry_their_markdown_as_safe_html() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    let changes = [
        post(
            "p4",
            "everyone",
            "grace",
            400,
            "**Ship it**, @ada #release\n<script>alert(1)</script>",
        ),
        comment(
            "c2",
            "p4",
            "ada",
            450,
            "[docs](javascript:alert(1)) `@grace`",
        ),
    ];
    for change in &changes {
        apply_change(&mut tx, change).await.unwrap();
    }
    let local = writes::comment(&mut tx, &ada, "p4", "*pending* <b>x</b>")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut conn = cache.read().await.unwrap();
    let top = feed(&mut conn, &ada.id, None, 1, None).await.unwrap();
    let shown = &top[0];
    assert_eq!(
        shown.body,
        "**Ship it**, @ada #release\n<script>alert(1)</script>"
    );
    assert_eq!(
        shown.body_html,
        "<p><strong>Ship it</strong>, <span class=\"mention\" data-handle=\"ada\">@ada</span> \
         <span class=\"hashtag\" data-tag=\"release\">#release</span></p>\n\
         <p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    );
    let htmls: Vec<&str> = shown
        .comments
        .iter()
        .map(|c| c.body_html.as_str())
        .collect();
    assert_eq!(
        htmls,
        [
            "<p>docs <code>@grace</code></p>",
            "<p><em>pending</em> &lt;b&gt;x&lt;/b&gt;</p>"
        ]
    );
    // The one-post and one-comment reads render the same way.
    let alone = feed_post(&mut conn, "ada", "p4").await.unwrap().unwrap();
    assert_eq!(alone.body_html, shown.body_html);
    let pending = super::comment(&mut conn, "ada", &local)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pending.body_html, htmls[1]);
}

#[tokio::test]
async fn feed_pages_continue_after_the_cursor() {
    let (cache, ada) = seeded().await;
    let mut conn = cache.read().await.unwrap();
    let first = feed(&mut conn, &ada.id, None, 1, None).await.unwrap();
    assert_eq!(first.len(), 1);
    let cursor = first[0].cursor();
    let second = feed(&mut conn, &ada.id, None, 1, Some(&cursor))
        .await
        .unwrap();
    assert_eq!(second[0].id, "p1");
    let third = feed(&mut conn, &ada.id, None, 1, Some(&second[0].cursor()))
        .await
        .unwrap();
    assert!(third.is_empty());
    let book_club = feed(&mut conn, &ada.id, Some("open"), 10, None)
        .await
        .unwrap();
    assert_eq!(book_club.len(), 1, "an open group's feed is readable");
}

#[tokio::test]
async fn groups_list_mine_first_with_roles_and_counts() {
    let (cache, ada) = seeded().await;
    let mut conn = cache.read().await.unwrap();
    let groups = groups(&mut conn, &ada.id, None).await.unwrap();
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["Everyone", "Project Falcon", "Book club"]);
    assert_eq!(groups[0].member_count, 2);
    assert_eq!(groups[1].my_role, Some(GroupRole::Admin));
    assert_eq!(groups[2].my_role, None);
}

#[tokio::test]
async fn a_local_post_is_pending_in_the_feed_and_queued_in_the_same_transaction() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    let id = writes::post(&mut tx, &ada, None, "  Offline hello  ")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut conn = cache.read().await.unwrap();
    let top = feed(&mut conn, &ada.id, None, 1, None).await.unwrap();
    assert_eq!(top[0].id, id);
    assert_eq!(top[0].body, "Offline hello");
    assert!(top[0].pending);
    let queued = outbox::items(&mut conn).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].kind, "post");
    assert_eq!(queued[0].state, OutboxState::Pending);
    assert_eq!(queued[0].summary, "post in Everyone: Offline hello");
}

#[tokio::test]
async fn a_rolled_back_write_leaves_neither_row_nor_outbox_item() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    writes::post(&mut tx, &ada, None, "never committed")
        .await
        .unwrap();
    drop(tx);
    let mut conn = cache.read().await.unwrap();
    assert!(outbox::items(&mut conn).await.unwrap().is_empty());
    let top = feed(&mut conn, &ada.id, None, 1, None).await.unwrap();
    assert_eq!(top[0].id, "p2");
}

#[tokio::test]
async fn writes_are_checked_against_the_cache() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    let cases = [
        writes::post(&mut tx, &ada, None, "   ").await.err(),
        writes::post(&mut tx, &ada, Some("open"), "hi").await.err(),
        writes::post(&mut tx, &ada, Some("nope"), "hi").await.err(),
        writes::comment(&mut tx, &ada, "nope", "hi").await.err(),
        writes::join_group(&mut tx, &ada, "everyone").await.err(),
        writes::add_member(&mut tx, &ada, "everyone", "grace@example.org")
            .await
            .err(),
        writes::create_group(&mut tx, &ada, " ", "", Privacy::Open)
            .await
            .err(),
        writes::create_group(&mut tx, &ada, "Wordy", &"x".repeat(2001), Privacy::Open)
            .await
            .err(),
    ];
    for (i, case) in cases.into_iter().enumerate() {
        assert!(
            matches!(case, Some(crate::ClientError::InvalidInput(_))),
            "case {i}: {case:?}"
        );
    }
    // Joining an open group works locally at once.
    writes::join_group(&mut tx, &ada, "open").await.unwrap();
    let mine = groups(&mut tx, &ada.id, Some("open")).await.unwrap();
    assert_eq!(mine[0].my_role, Some(GroupRole::Member));
}

#[tokio::test]
async fn an_incoming_server_entity_clears_the_pending_mark() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    let id = writes::post(&mut tx, &ada, None, "sent before a crash")
        .await
        .unwrap();
    apply_change(
        &mut tx,
        &post(&id, "everyone", "ada", 500, "sent before a crash"),
    )
    .await
    .unwrap();
    let post = feed_post(&mut tx, "ada", &id).await.unwrap().unwrap();
    assert!(!post.pending);
    assert_eq!(post.created_at, 500, "the server's version wins");
}

#[tokio::test]
async fn notifications_only_for_new_items_by_others_and_once() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    let on_my_post = comment("c2", "p2", "grace", 600, "Count me in");
    let mine = comment("c3", "p2", "ada", 610, "Thanks");
    let known = comment("c1", "p1", "grace", 150, "@ada again");

    let first = notifications::consider(&mut tx, &ada, &on_my_post)
        .await
        .unwrap();
    assert_eq!(
        first.map(|n| n.title).as_deref(),
        Some("Grace Hopper commented on your post")
    );
    // The same item again (a replayed page) is not news any more.
    assert_eq!(
        notifications::consider(&mut tx, &ada, &on_my_post)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        notifications::consider(&mut tx, &ada, &mine).await.unwrap(),
        None
    );
    assert_eq!(
        notifications::consider(&mut tx, &ada, &known)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn switching_accounts_keeps_the_profile_id_only() {
    let (cache, _ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    let id = profile_id(&mut tx).await.unwrap();
    reset_for_new_account(&mut tx).await.unwrap();
    assert_eq!(profile_id(&mut tx).await.unwrap(), id);
    assert!(groups(&mut tx, "ada", None).await.unwrap().is_empty());
}
