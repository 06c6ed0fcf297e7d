//! The social model in the cache, on a real (in-memory) SQLite: every change
//! kind lands in its screen, tombstones leave no text to find, and the new
//! local writes show at once, wait in the outbox, fail and discard cleanly,
//! and go out as the API documents (to a recording server in this process).

use std::sync::{Arc, Mutex};

use commons_protocol::{
    Change, Comment, GroupRole, GroupSettings, JoinRequest, Notification, NotificationKind,
    NotificationLevel, Post, Privacy, Reaction, ReactionKind, ReactionResponse,
};
use tokio::io::AsyncWriteExt;

use super::super::*;
use super::outbox_actions::read_http_request;
use super::{comment, group, member, post, seeded, user};
use crate::api::Api;
use crate::outbox::{self, Mutation, Session};
use crate::{outbox_actions, writes, ClientError, FeedPost, OutboxState, ReactionCount};

async fn apply(cache: &Cache, changes: &[Change]) {
    let mut tx = cache.write().await.unwrap();
    for change in changes {
        apply_change(&mut tx, change).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn reaction(
    target_id: &str,
    post_id: &str,
    group_id: &str,
    user_id: &str,
    kind: ReactionKind,
) -> Change {
    Change::Reaction {
        reaction: Reaction {
            target_id: target_id.into(),
            post_id: post_id.into(),
            group_id: group_id.into(),
            user_id: user_id.into(),
            kind,
            created_at: 5,
        },
    }
}

fn notification(id: &str, kind: NotificationKind, actor: Option<&str>, at: i64) -> Notification {
    Notification {
        id: id.into(),
        user_id: "ada".into(),
        kind,
        actor_id: actor.map(Into::into),
        group_id: Some("everyone".into()),
        post_id: Some("p1".into()),
        comment_id: None,
        created_at: at,
        read_at: None,
    }
}

fn counts(pairs: &[(ReactionKind, i64)]) -> Vec<ReactionCount> {
    pairs
        .iter()
        .map(|&(kind, count)| ReactionCount { kind, count })
        .collect()
}

async fn one_post(cache: &Cache, id: &str) -> FeedPost {
    let mut conn = cache.read().await.unwrap();
    feed_post(&mut conn, "ada", id).await.unwrap().unwrap()
}

async fn home(cache: &Cache) -> Vec<FeedPost> {
    let mut conn = cache.read().await.unwrap();
    feed(&mut conn, "ada", None, 50, None).await.unwrap()
}

async fn outbox_kinds(cache: &Cache) -> Vec<(String, OutboxState)> {
    let mut conn = cache.read().await.unwrap();
    outbox::items(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.kind, i.state))
        .collect()
}

async fn last_mutation(cache: &Cache) -> (String, Mutation) {
    let mut conn = cache.read().await.unwrap();
    let (id, payload): (String, String) =
        sqlx::query_as("SELECT mutation_id, payload FROM outbox ORDER BY seq DESC LIMIT 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    (id, serde_json::from_str(&payload).unwrap())
}

async fn discard(cache: &Cache, mutation_id: &str) {
    let mut tx = cache.write().await.unwrap();
    outbox_actions::discard(&mut tx, mutation_id).await.unwrap();
    tx.commit().await.unwrap();
}

async fn retry(cache: &Cache, mutation_id: &str) {
    let mut tx = cache.write().await.unwrap();
    outbox_actions::retry(&mut tx, mutation_id).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn every_change_kind_lands_in_its_screen() {
    let (cache, ada) = seeded().await;
    let mut grace = user("grace", "grace", "Grace Hopper");
    grace.title = "Rear admiral".into();
    grace.department = "Navy".into();
    grace.location = "Arlington".into();
    grace.about = "Wrote the first compiler.".into();
    grace.manager_id = Some("ada".into());
    let mut alan = user("alan", "alan", "Alan Turing");
    alan.manager_id = Some("grace".into());
    let mut gone = user("zed", "zed", "Zed Gone");
    gone.deactivated = true;
    gone.manager_id = Some("grace".into());
    let mut pinned = match post("p4", "everyone", "grace", 50, "Read me first") {
        Change::Post { post } => post,
        _ => unreachable!(),
    };
    pinned.edited_at = Some(60);
    pinned.pinned_at = Some(70);
    let mut reply = match comment("c2", "p1", "grace", 160, "Hi Ada, welcome") {
        Change::Comment { comment } => comment,
        _ => unreachable!(),
    };
    reply.parent_id = Some("c1".into());
    let mut read = notification("n2", NotificationKind::AddedToGroup, None, 20);
    read.read_at = Some(30);
    read.group_id = Some("research".into());
    read.post_id = None;
    let mut on_my_comment =
        notification("n1", NotificationKind::ReplyToComment, Some("grace"), 170);
    on_my_comment.comment_id = Some("c2".into());

    apply(
        &cache,
        &[
            Change::User { user: grace },
            Change::User { user: alan },
            Change::User { user: gone },
            Change::User {
                user: user("bob", "bob", "Bob Kahn"),
            },
            Change::Group {
                group: group("research", "Research", Privacy::Closed, false),
            },
            Change::Group {
                group: group("lab", "Lab", Privacy::Closed, false),
            },
            member("research", "ada", GroupRole::Admin),
            member("research", "grace", GroupRole::Moderator),
            member("research", "alan", GroupRole::Member),
            Change::MembershipRemoved {
                group_id: "research".into(),
                user_id: "alan".into(),
            },
            Change::JoinRequest {
                request: JoinRequest {
                    group_id: "research".into(),
                    user_id: "bob".into(),
                    created_at: 9,
                },
            },
            Change::JoinRequest {
                request: JoinRequest {
                    group_id: "research".into(),
                    user_id: "alan".into(),
                    created_at: 8,
                },
            },
            Change::JoinRequestRemoved {
                group_id: "research".into(),
                user_id: "alan".into(),
            },
            Change::JoinRequest {
                request: JoinRequest {
                    group_id: "lab".into(),
                    user_id: "ada".into(),
                    created_at: 9,
                },
            },
            Change::Post { post: pinned },
            Change::Comment { comment: reply },
            reaction("p1", "p1", "everyone", "grace", ReactionKind::Like),
            reaction("p1", "p1", "everyone", "ada", ReactionKind::Love),
            reaction("p1", "p1", "everyone", "alan", ReactionKind::Like),
            reaction("p1", "p1", "everyone", "bob", ReactionKind::Wow),
            Change::ReactionRemoved {
                target_id: "p1".into(),
                user_id: "alan".into(),
            },
            reaction("c1", "p1", "everyone", "grace", ReactionKind::Haha),
            Change::Notification {
                notification: on_my_comment,
            },
            Change::Notification { notification: read },
            Change::GroupSettings {
                settings: GroupSettings {
                    group_id: "everyone".into(),
                    user_id: "ada".into(),
                    notification_level: NotificationLevel::All,
                },
            },
            Change::Unknown,
        ],
    )
    .await;

    let mut conn = cache.read().await.unwrap();
    // Members with roles, admins first; a removed member is gone.
    let members = members(&mut conn, "research").await.unwrap();
    let roles: Vec<(&str, GroupRole)> = members.iter().map(|m| (m.name.as_str(), m.role)).collect();
    assert_eq!(
        roles,
        [
            ("Ada Lovelace", GroupRole::Admin),
            ("Grace Hopper", GroupRole::Moderator)
        ]
    );
    assert_eq!(members[1].title, "Rear admiral");

    // Requests waiting for me as an admin; mine shows on the group.
    let requests = join_requests(&mut conn, &ada.id).await.unwrap();
    let who: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.group_name.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(who, [("Research", "Bob Kahn")]);
    let groups = groups(&mut conn, &ada.id, None).await.unwrap();
    let find = |id: &str| groups.iter().find(|g| g.id == id).unwrap();
    assert!(find("lab").requested && find("lab").my_role.is_none());
    assert!(!find("research").requested);
    assert_eq!(find("everyone").notification_level, NotificationLevel::All);
    assert_eq!(
        find("research").notification_level,
        NotificationLevel::Highlights
    );

    // Reactions per kind (most first), mine, replies, edits and pins.
    let p1 = feed_post(&mut conn, "ada", "p1").await.unwrap().unwrap();
    assert_eq!(
        p1.reactions,
        counts(&[
            (ReactionKind::Like, 1),
            (ReactionKind::Love, 1),
            (ReactionKind::Wow, 1)
        ])
    );
    assert_eq!(p1.my_reaction, Some(ReactionKind::Love));
    let thread: Vec<(&str, Option<&str>)> = p1
        .comments
        .iter()
        .map(|c| (c.id.as_str(), c.parent_id.as_deref()))
        .collect();
    assert_eq!(thread, [("c1", None), ("c2", Some("c1"))]);
    assert_eq!(p1.comments[0].reactions, counts(&[(ReactionKind::Haha, 1)]));
    assert_eq!(p1.comments[0].my_reaction, None);
    assert!(!p1.edited && !p1.pinned && !p1.deleted);

    let everyone = feed(&mut conn, "ada", Some("everyone"), 10, None)
        .await
        .unwrap();
    let order: Vec<&str> = everyone.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(order, ["p4", "p1"], "the pinned post leads its group");
    assert!(everyone[0].pinned && everyone[0].edited);
    let home = feed(&mut conn, "ada", None, 10, None).await.unwrap();
    let order: Vec<&str> = home.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(order, ["p2", "p1", "p4"], "the home feed is by time");
    // The next page of the group continues after the unpinned ones.
    let next = feed(
        &mut conn,
        "ada",
        Some("everyone"),
        10,
        Some(&everyone[1].cursor()),
    )
    .await
    .unwrap();
    assert!(next.is_empty());

    // Notifications, newest first, described from the cache.
    let list = notifications(&mut conn, "ada", false, 10, None)
        .await
        .unwrap();
    assert_eq!(list.unread_count, 1);
    let n1 = &list.notifications[0];
    assert_eq!(
        (n1.id.as_str(), n1.kind, n1.read),
        ("n1", NotificationKind::ReplyToComment, false)
    );
    assert_eq!(n1.actor_name.as_deref(), Some("Grace Hopper"));
    assert_eq!(n1.group_name.as_deref(), Some("Everyone"));
    assert_eq!(n1.excerpt, "Hi Ada, welcome", "the comment, not the post");
    let n2 = &list.notifications[1];
    assert_eq!((n2.actor_name.clone(), n2.read), (None, true));
    assert_eq!(n2.group_name.as_deref(), Some("Research"));
    let unread = notifications(&mut conn, "ada", true, 10, None)
        .await
        .unwrap();
    assert_eq!(unread.notifications.len(), 1);
    let page2 = notifications(
        &mut conn,
        "ada",
        false,
        1,
        Some(&crate::FeedCursor {
            created_at: n1.created_at,
            id: n1.id.clone(),
        }),
    )
    .await
    .unwrap();
    assert_eq!(page2.notifications[0].id, "n2");

    // The directory (active people by name), filtered, and a profile.
    let names = |people: Vec<crate::PersonSummary>| -> Vec<String> {
        people.into_iter().map(|p| p.name).collect()
    };
    assert_eq!(
        names(people(&mut conn, None, 50).await.unwrap()),
        ["Ada Lovelace", "Alan Turing", "Bob Kahn", "Grace Hopper"]
    );
    assert_eq!(
        names(people(&mut conn, Some("nav"), 50).await.unwrap()),
        ["Grace Hopper"]
    );
    assert_eq!(
        names(people(&mut conn, Some("arlington rear"), 50).await.unwrap()),
        ["Grace Hopper"]
    );
    assert!(people(&mut conn, Some("zed"), 50).await.unwrap().is_empty());
    assert!(people(&mut conn, Some("*"), 50).await.unwrap().is_empty());

    let grace = profile(&mut conn, "@Grace").await.unwrap().unwrap();
    assert_eq!(grace.id, "grace");
    assert_eq!(
        (grace.title.as_str(), grace.department.as_str()),
        ("Rear admiral", "Navy")
    );
    assert_eq!(grace.about, "Wrote the first compiler.");
    assert_eq!(
        grace.manager.map(|m| m.name).as_deref(),
        Some("Ada Lovelace")
    );
    assert_eq!(names(grace.reports), ["Alan Turing"], "not the deactivated");
    let in_groups: Vec<(&str, GroupRole)> = grace
        .groups
        .iter()
        .map(|g| (g.name.as_str(), g.role))
        .collect();
    assert_eq!(
        in_groups,
        [
            ("Everyone", GroupRole::Member),
            ("Book club", GroupRole::Admin),
            ("Research", GroupRole::Moderator)
        ]
    );
    assert_eq!(
        profile_by(&mut conn, "grace").await,
        profile_by(&mut conn, "GRACE").await
    );
    assert!(profile(&mut conn, "nobody").await.unwrap().is_none());
}

async fn profile_by(conn: &mut sqlx::SqliteConnection, key: &str) -> Option<String> {
    profile(conn, key).await.unwrap().map(|p| p.id)
}

#[tokio::test]
async fn tombstones_leave_no_text_to_read_or_find() {
    let (cache, ada) = seeded().await;
    let mut reply = match comment("c2", "p1", "grace", 160, "zanzibar reply") {
        Change::Comment { comment } => comment,
        _ => unreachable!(),
    };
    reply.parent_id = Some("c1".into());
    apply(
        &cache,
        &[
            post("p5", "everyone", "grace", 500, "zanzibar crossing"),
            comment("c3", "p1", "grace", 170, "zanzibar again"),
            Change::Comment {
                comment: reply.clone(),
            },
        ],
    )
    .await;
    let find = |cache: Cache| async move {
        let mut conn = cache.read().await.unwrap();
        search(&mut conn, "ada", "zanzibar", 10)
            .await
            .unwrap()
            .len()
    };
    assert_eq!(find(cache.clone()).await, 3);

    // The server sends tombstones; even one still carrying text keeps none.
    apply(
        &cache,
        &[
            Change::Post {
                post: Post {
                    id: "p5".into(),
                    group_id: "everyone".into(),
                    author_id: "grace".into(),
                    body: String::new(),
                    created_at: 500,
                    deleted_at: Some(600),
                    ..Default::default()
                },
            },
            Change::Comment {
                comment: Comment {
                    body: "zanzibar again".into(),
                    deleted_at: Some(600),
                    ..match comment("c3", "p1", "grace", 170, "") {
                        Change::Comment { comment } => comment,
                        _ => unreachable!(),
                    }
                },
            },
            // A comment with a reply stays as a tombstone.
            Change::Comment {
                comment: Comment {
                    body: String::new(),
                    deleted_at: Some(600),
                    ..match comment("c1", "p1", "ada", 150, "") {
                        Change::Comment { comment } => comment,
                        _ => unreachable!(),
                    }
                },
            },
        ],
    )
    .await;
    assert_eq!(find(cache.clone()).await, 1, "only the live reply");
    // The comments of a deleted post are not found either.
    apply(
        &cache,
        &[comment("c4", "p5", "ada", 610, "zanzibar orphan")],
    )
    .await;
    assert_eq!(find(cache.clone()).await, 1);
    let mut conn = cache.read().await.unwrap();
    assert!(search(&mut conn, "ada", "crossing", 10)
        .await
        .unwrap()
        .is_empty());
    let bodies: Vec<(String, String)> =
        sqlx::query_as("SELECT id, body FROM comments WHERE id IN ('c1', 'c3') ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(
        bodies,
        [("c1".into(), String::new()), ("c3".into(), String::new())]
    );
    let feed = feed(&mut conn, &ada.id, None, 10, None).await.unwrap();
    assert!(
        feed.iter().all(|p| p.id != "p5"),
        "the feed skips tombstones"
    );
    let p1 = feed.iter().find(|p| p.id == "p1").unwrap();
    let thread: Vec<(&str, bool)> = p1
        .comments
        .iter()
        .map(|c| (c.id.as_str(), c.deleted))
        .collect();
    assert_eq!(thread, [("c1", true), ("c2", false)]);
    let gone = feed_post(&mut conn, "ada", "p5").await.unwrap().unwrap();
    assert!(gone.deleted && gone.body.is_empty());
}

#[tokio::test]
async fn new_writes_show_at_once_and_wait_in_the_outbox() {
    let (cache, ada) = seeded().await;
    apply(
        &cache,
        &[
            Change::Group {
                group: group("lab", "Lab", Privacy::Closed, false),
            },
            post("p6", "falcon", "grace", 600, "Grace in Falcon"),
            Change::Notification {
                notification: notification("n1", NotificationKind::Mention, Some("grace"), 10),
            },
            Change::Notification {
                notification: notification("n2", NotificationKind::Mention, Some("grace"), 20),
            },
            Change::Notification {
                notification: notification("n3", NotificationKind::Mention, Some("grace"), 30),
            },
        ],
    )
    .await;
    let mut tx = cache.write().await.unwrap();
    assert!(writes::react(&mut tx, &ada, "p1", Some(ReactionKind::Like))
        .await
        .unwrap());
    assert!(
        !writes::react(&mut tx, &ada, "p1", Some(ReactionKind::Like))
            .await
            .unwrap(),
        "the same reaction again queues nothing"
    );
    let reply = writes::reply(&mut tx, &ada, "c1", "a reply").await.unwrap();
    let to_reply = writes::reply(&mut tx, &ada, &reply, "to the reply")
        .await
        .unwrap();
    writes::edit(&mut tx, &ada, "p2", "Secret plans, revised")
        .await
        .unwrap();
    writes::delete(&mut tx, &ada, "p6").await.unwrap();
    writes::join_group(&mut tx, &ada, "lab").await.unwrap();
    assert!(writes::mark_notification_read(&mut tx, &ada, "n1")
        .await
        .unwrap());
    assert_eq!(
        writes::mark_all_notifications_read(&mut tx, &ada)
            .await
            .unwrap(),
        2
    );
    assert!(
        writes::set_notification_level(&mut tx, &ada, "everyone", NotificationLevel::Off)
            .await
            .unwrap()
    );
    writes::leave_group(&mut tx, &ada, "falcon").await.unwrap();
    tx.commit().await.unwrap();

    let kinds: Vec<String> = outbox_kinds(&cache)
        .await
        .into_iter()
        .map(|(k, s)| {
            assert_eq!(s, OutboxState::Pending);
            k
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "react",
            "comment",
            "comment",
            "edit_post",
            "delete_post",
            "join_group",
            "read_notification",
            "read_all_notifications",
            "group_settings",
            "leave_group"
        ]
    );

    let p1 = one_post(&cache, "p1").await;
    assert_eq!(p1.my_reaction, Some(ReactionKind::Like));
    assert_eq!(p1.reactions, counts(&[(ReactionKind::Like, 1)]));
    let replies: Vec<(&str, Option<&str>, bool)> = p1
        .comments
        .iter()
        .map(|c| (c.id.as_str(), c.parent_id.as_deref(), c.pending))
        .collect();
    assert_eq!(
        replies,
        [
            ("c1", None, false),
            (reply.as_str(), Some("c1"), true),
            (to_reply.as_str(), Some("c1"), true)
        ],
        "a reply to a reply answers the top-level comment"
    );

    let p2 = one_post(&cache, "p2").await;
    assert_eq!(p2.body, "Secret plans, revised");
    assert!(p2.edited && p2.pending && p2.failed.is_none());
    assert!(p2.mutation_id.is_some());
    let mut conn = cache.read().await.unwrap();
    let hits = search(&mut conn, "ada", "revised", 10).await.unwrap();
    assert!(
        hits.is_empty(),
        "Falcon was left: its posts are not searched"
    );
    let p6 = feed_post(&mut conn, "ada", "p6").await.unwrap().unwrap();
    assert!(p6.deleted && p6.pending, "deleted at once, pending");

    let home: Vec<String> = feed(&mut conn, "ada", None, 10, None)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(home, ["p1"], "Falcon left: its posts leave the feed");
    let groups = groups(&mut conn, "ada", None).await.unwrap();
    let find = |id: &str| groups.iter().find(|g| g.id == id).unwrap();
    assert!(find("lab").requested && find("lab").my_role.is_none());
    assert_eq!(find("falcon").my_role, None);
    assert_eq!(find("everyone").notification_level, NotificationLevel::Off);

    let list = notifications(&mut conn, "ada", false, 10, None)
        .await
        .unwrap();
    assert_eq!(list.unread_count, 0);
    assert!(list.notifications.iter().all(|n| n.read && n.pending));
}

#[tokio::test]
async fn new_writes_are_checked_against_the_cache() {
    let (cache, ada) = seeded().await;
    apply(
        &cache,
        &[
            Change::Group {
                group: group("lab", "Lab", Privacy::Closed, false),
            },
            Change::JoinRequest {
                request: JoinRequest {
                    group_id: "lab".into(),
                    user_id: "ada".into(),
                    created_at: 1,
                },
            },
            post("gone", "everyone", "ada", 1, ""),
            Change::Post {
                post: Post {
                    id: "gone".into(),
                    group_id: "everyone".into(),
                    author_id: "ada".into(),
                    created_at: 1,
                    deleted_at: Some(2),
                    ..Default::default()
                },
            },
        ],
    )
    .await;
    let mut tx = cache.write().await.unwrap();
    let cases = [
        writes::edit(&mut tx, &ada, "p1", "not mine").await.err(),
        writes::edit(&mut tx, &ada, "p2", "  ").await.err(),
        writes::edit(&mut tx, &ada, "nope", "x").await.err(),
        writes::delete(&mut tx, &ada, "p1").await.err(),
        writes::delete(&mut tx, &ada, "gone").await.err(),
        writes::react(&mut tx, &ada, "gone", Some(ReactionKind::Like))
            .await
            .err(),
        writes::reply(&mut tx, &ada, "nope", "hi").await.err(),
        writes::comment(&mut tx, &ada, "gone", "hi").await.err(),
        writes::leave_group(&mut tx, &ada, "everyone").await.err(),
        writes::leave_group(&mut tx, &ada, "open").await.err(),
        writes::join_group(&mut tx, &ada, "lab").await.err(),
        writes::mark_notification_read(&mut tx, &ada, "nope")
            .await
            .err(),
        writes::set_notification_level(&mut tx, &ada, "open", NotificationLevel::All)
            .await
            .err(),
    ];
    for (i, case) in cases.into_iter().enumerate() {
        assert!(
            matches!(case, Some(ClientError::InvalidInput(_))),
            "case {i}: {case:?}"
        );
    }
    // Nothing to do is not an error, and queues nothing.
    assert!(!writes::react(&mut tx, &ada, "p1", None).await.unwrap());
    writes::edit(&mut tx, &ada, "p2", " Secret plans ")
        .await
        .unwrap();
    assert_eq!(
        writes::mark_all_notifications_read(&mut tx, &ada)
            .await
            .unwrap(),
        0
    );
    tx.commit().await.unwrap();
    assert!(outbox_kinds(&cache).await.is_empty());
}

#[tokio::test]
async fn refused_writes_show_the_servers_state_but_keep_typed_text() {
    let (cache, ada) = seeded().await;
    apply(
        &cache,
        &[
            reaction("p1", "p1", "everyone", "ada", ReactionKind::Wow),
            Change::Notification {
                notification: notification("n1", NotificationKind::Mention, Some("grace"), 10),
            },
        ],
    )
    .await;

    // An edit: the new text stays, marked failed; discarding brings the old one back.
    let mut tx = cache.write().await.unwrap();
    writes::edit(&mut tx, &ada, "p2", "Plans v2").await.unwrap();
    tx.commit().await.unwrap();
    let (edit_mid, edit) = last_mutation(&cache).await;
    outbox::fail(&cache, &edit, "too late").await.unwrap();
    let p2 = one_post(&cache, "p2").await;
    assert_eq!(p2.body, "Plans v2");
    assert_eq!(p2.failed.as_deref(), Some("too late"));
    assert!(!p2.pending);
    assert_eq!(p2.mutation_id.as_deref(), Some(edit_mid.as_str()));
    retry(&cache, &edit_mid).await;
    assert!(one_post(&cache, "p2").await.pending);
    outbox::fail(&cache, &edit, "still too late").await.unwrap();
    discard(&cache, &edit_mid).await;
    let p2 = one_post(&cache, "p2").await;
    assert_eq!(p2.body, "Secret plans");
    assert!(!p2.edited && p2.failed.is_none() && p2.mutation_id.is_none());

    // A deletion: the post comes back, saying why.
    let mut tx = cache.write().await.unwrap();
    writes::delete(&mut tx, &ada, "p2").await.unwrap();
    tx.commit().await.unwrap();
    assert!(home(&cache).await.iter().all(|p| p.id != "p2"));
    let (delete_mid, delete) = last_mutation(&cache).await;
    outbox::fail(&cache, &delete, "not allowed").await.unwrap();
    let p2 = one_post(&cache, "p2").await;
    assert!(!p2.deleted && p2.body == "Secret plans");
    assert_eq!(p2.failed.as_deref(), Some("not allowed"));
    assert!(home(&cache).await.iter().any(|p| p.id == "p2"));
    discard(&cache, &delete_mid).await;
    assert!(one_post(&cache, "p2").await.failed.is_none());

    // A reaction, leaving, a read mark: back as they were.
    let mut tx = cache.write().await.unwrap();
    writes::react(&mut tx, &ada, "p1", Some(ReactionKind::Love))
        .await
        .unwrap();
    writes::leave_group(&mut tx, &ada, "falcon").await.unwrap();
    writes::mark_notification_read(&mut tx, &ada, "n1")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let queued: Vec<Mutation> = {
        let mut conn = cache.read().await.unwrap();
        let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM outbox ORDER BY seq")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        payloads
            .iter()
            .map(|p| serde_json::from_str(p).unwrap())
            .collect()
    };
    for mutation in &queued {
        outbox::fail(&cache, mutation, "no").await.unwrap();
    }
    assert_eq!(
        one_post(&cache, "p1").await.my_reaction,
        Some(ReactionKind::Wow)
    );
    let mut conn = cache.read().await.unwrap();
    let falcon = groups(&mut conn, "ada", Some("falcon")).await.unwrap();
    assert_eq!(falcon[0].my_role, Some(GroupRole::Admin));
    let list = notifications(&mut conn, "ada", false, 10, None)
        .await
        .unwrap();
    assert_eq!(list.unread_count, 1);
    drop(conn);
    let states = outbox_kinds(&cache).await;
    assert!(states
        .iter()
        .all(|(_, s)| matches!(s, OutboxState::Failed { .. })));
}

/// A server that answers the new writes as the API documents, recording
/// each request's method, path and body.
type Log = Arc<Mutex<Vec<(String, String, serde_json::Value)>>>;

async fn recording_server() -> (String, Log) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let seen = log.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (method, path, body) = read_http_request(&mut stream).await;
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let route = path.trim_start_matches("/api/v1");
            let answer = match (method.as_str(), route) {
                ("PATCH", "/posts/p2") => serde_json::to_value(Post {
                    id: "p2".into(),
                    group_id: "falcon".into(),
                    author_id: "ada".into(),
                    body: body["body"].as_str().unwrap().into(),
                    created_at: 200,
                    edited_at: Some(900),
                    ..Default::default()
                })
                .unwrap(),
                ("PUT", "/posts/p1/reaction") => serde_json::to_value(ReactionResponse {
                    reaction: Some(Reaction {
                        target_id: "p1".into(),
                        post_id: "p1".into(),
                        group_id: "everyone".into(),
                        user_id: "ada".into(),
                        kind: serde_json::from_value(body["kind"].clone()).unwrap(),
                        created_at: 901,
                    }),
                })
                .unwrap(),
                ("DELETE", "/comments/c1/reaction") => {
                    serde_json::to_value(ReactionResponse { reaction: None }).unwrap()
                }
                // A deletion answered without a body.
                ("DELETE", "/posts/p6") => serde_json::Value::Null,
                _ => serde_json::json!({}),
            };
            seen.lock().unwrap().push((method, route.to_owned(), body));
            let (status, answer) = if answer.is_null() {
                ("204 No Content", String::new())
            } else {
                ("200 OK", answer.to_string())
            };
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{answer}",
                answer.len()
            );
            stream.write_all(response.as_bytes()).await.unwrap();
        }
    });
    (url, log)
}

#[tokio::test]
async fn new_writes_go_out_as_documented_and_are_confirmed_once() {
    let (cache, ada) = seeded().await;
    apply(
        &cache,
        &[
            post("p6", "falcon", "grace", 600, "Grace in Falcon"),
            reaction("c1", "p1", "everyone", "ada", ReactionKind::Sad),
            Change::Notification {
                notification: notification("n1", NotificationKind::Mention, Some("grace"), 10),
            },
            Change::Notification {
                notification: notification("n2", NotificationKind::Mention, Some("grace"), 10),
            },
        ],
    )
    .await;
    let mut tx = cache.write().await.unwrap();
    writes::edit(&mut tx, &ada, "p2", "Plans v2").await.unwrap();
    writes::react(&mut tx, &ada, "p1", Some(ReactionKind::Care))
        .await
        .unwrap();
    writes::react(&mut tx, &ada, "c1", None).await.unwrap();
    writes::delete(&mut tx, &ada, "p6").await.unwrap();
    writes::mark_notification_read(&mut tx, &ada, "n1")
        .await
        .unwrap();
    writes::mark_all_notifications_read(&mut tx, &ada)
        .await
        .unwrap();
    writes::set_notification_level(&mut tx, &ada, "falcon", NotificationLevel::All)
        .await
        .unwrap();
    writes::leave_group(&mut tx, &ada, "falcon").await.unwrap();
    tx.commit().await.unwrap();
    let mutation_ids: Vec<String> = {
        let mut conn = cache.read().await.unwrap();
        outbox::items(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.mutation_id)
            .collect()
    };

    let (url, log) = recording_server().await;
    let api = Api::new().unwrap();
    let session = Session {
        api: &api,
        server_url: &url,
        token: "t",
        // These pushes hold no uploads.
        profile_dir: std::path::Path::new("/nonexistent"),
    };
    let report = outbox::push(&cache, &session).await.unwrap();
    assert_eq!((report.pushed, report.failed), (8, 0));
    assert!(outbox_kinds(&cache).await.is_empty());
    assert_eq!(outbox::push(&cache, &session).await.unwrap().pushed, 0);

    let log = log.lock().unwrap().clone();
    let requests: Vec<(&str, &str)> = log
        .iter()
        .map(|(m, p, _)| (m.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        requests,
        [
            ("PATCH", "/posts/p2"),
            ("PUT", "/posts/p1/reaction"),
            ("DELETE", "/comments/c1/reaction"),
            ("DELETE", "/posts/p6"),
            ("POST", "/notifications/n1/read"),
            ("POST", "/notifications/read-all"),
            ("PUT", "/groups/falcon/settings"),
            ("POST", "/groups/falcon/leave"),
        ]
    );
    for ((_, _, body), mutation_id) in log.iter().zip(&mutation_ids) {
        assert_eq!(body["mutation_id"], mutation_id.as_str());
    }
    assert_eq!(log[0].2["body"], "Plans v2");
    assert_eq!(log[1].2["kind"], "care");
    assert_eq!(log[6].2["notification_level"], "all");
    // Only what the API documents is sent: no local bookkeeping.
    assert_eq!(
        log[5].2,
        serde_json::json!({ "mutation_id": mutation_ids[5] })
    );

    // The answers are stored: the edit's time, the reactions; a confirmed
    // deletion keeps no text.
    let mut conn = cache.read().await.unwrap();
    let (body, edited_at): (String, Option<i64>) =
        sqlx::query_as("SELECT body, edited_at FROM posts WHERE id = 'p2'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!((body.as_str(), edited_at), ("Plans v2", Some(900)));
    let p1 = feed_post(&mut conn, "ada", "p1").await.unwrap().unwrap();
    assert_eq!(p1.my_reaction, Some(ReactionKind::Care));
    assert_eq!(p1.comments[0].my_reaction, None);
    let p6: String = sqlx::query_scalar("SELECT body FROM posts WHERE id = 'p6'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(p6, "");
}
