//! The social model end to end against a real server process: reactions,
//! replies, edits and deletions reaching other people's caches; moderators;
//! leaving a secret group purging it from the disk; closed-group requests;
//! notifications and their read marks; settings; the directory.
//! Run inside a session bus with an unlocked Secret Service (see README.md).

mod support;

use commons_client::{
    Client, FeedPost, GroupRole, NotificationLevel, OutboxState, ReactionCount, ReactionKind,
};
use commons_protocol::NotificationKind;
use reqwest::Method;
use support::{logged_in, RawApi, TestServer};

async fn post_containing(client: &Client, text: &str) -> FeedPost {
    client
        .feed(None, 200, None)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.body.contains(text))
        .unwrap_or_else(|| panic!("no post with {text:?} in the feed"))
}

async fn group_id(client: &Client, name: &str) -> String {
    client
        .groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.name == name)
        .unwrap_or_else(|| panic!("no group {name}"))
        .id
}

async fn user_id(client: &Client, handle: &str) -> String {
    client
        .profile(handle)
        .await
        .unwrap()
        .expect("known person")
        .id
}

/// Syncs and checks that everything queued was accepted.
async fn sync_all_accepted(client: &Client) {
    let report = client.sync().await.unwrap();
    assert_eq!(report.failed, 0, "{:?}", client.outbox().await.unwrap());
    assert!(client.outbox().await.unwrap().is_empty());
}

fn count(kind: ReactionKind, count: i64) -> ReactionCount {
    ReactionCount { kind, count }
}

#[tokio::test]
async fn reactions_replies_edits_and_deletions_reach_everyone() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    let alan = logged_in(&profiles.path().join("alan"), &server, "alan@example.org").await;
    for client in [&ada, &grace, &alan] {
        client.sync().await.unwrap();
    }
    let all_hands = post_containing(&ada, "all-hands").await;

    // Reactions: mine at once and pending, then everyone's counts.
    assert!(ada
        .react(&all_hands.id, Some(ReactionKind::Love))
        .await
        .unwrap());
    let mine = ada.post_by_id(&all_hands.id).await.unwrap().unwrap();
    assert_eq!(mine.my_reaction, Some(ReactionKind::Love));
    assert_eq!(ada.outbox().await.unwrap()[0].kind, "react");
    assert_eq!(ada.outbox().await.unwrap()[0].state, OutboxState::Pending);
    sync_all_accepted(&ada).await;
    grace
        .react(&all_hands.id, Some(ReactionKind::Like))
        .await
        .unwrap();
    sync_all_accepted(&grace).await;
    ada.sync().await.unwrap();
    let seen = ada.post_by_id(&all_hands.id).await.unwrap().unwrap();
    assert_eq!(
        seen.reactions,
        [count(ReactionKind::Like, 1), count(ReactionKind::Love, 1)]
    );
    assert_eq!(seen.my_reaction, Some(ReactionKind::Love));
    // Ada's reaction notified Grace, described from her cache.
    let list = grace.notifications(false, 50, None).await.unwrap();
    let reacted = list
        .notifications
        .iter()
        .find(|n| n.kind == NotificationKind::ReactionToPost)
        .expect("a reaction notification");
    assert_eq!(reacted.actor_name.as_deref(), Some("Ada Lovelace"));
    assert!(reacted.excerpt.starts_with("Reminder: the all-hands"));
    assert!(!reacted.read && list.unread_count >= 1);
    // Taken back.
    assert!(ada.react(&all_hands.id, None).await.unwrap());
    sync_all_accepted(&ada).await;
    grace.sync().await.unwrap();
    let seen = grace.post_by_id(&all_hands.id).await.unwrap().unwrap();
    assert_eq!(seen.reactions, [count(ReactionKind::Like, 1)]);

    // A reply: nested under Alan's comment in every cache; Alan is notified.
    let slides = all_hands
        .comments
        .iter()
        .find(|c| c.body == "Slides are almost ready.")
        .unwrap()
        .clone();
    let reply = ada
        .reply(&slides.id, "Looking forward to it")
        .await
        .unwrap();
    assert_eq!(reply.parent_id.as_deref(), Some(slides.id.as_str()));
    assert!(reply.pending);
    sync_all_accepted(&ada).await;
    alan.sync().await.unwrap();
    let seen = alan.post_by_id(&all_hands.id).await.unwrap().unwrap();
    let got = seen.comments.iter().find(|c| c.id == reply.id).unwrap();
    assert_eq!(got.parent_id.as_deref(), Some(slides.id.as_str()));
    assert!(!got.pending);
    let list = alan.notifications(true, 50, None).await.unwrap();
    assert!(list
        .notifications
        .iter()
        .any(|n| n.kind == NotificationKind::ReplyToComment
            && n.actor_name.as_deref() == Some("Ada Lovelace")));

    // An edit: the new text everywhere, marked edited, and searchable instead of the old one.
    let edited = "Reminder: the all-hands is relocated to the atrium.";
    grace.edit(&all_hands.id, edited).await.unwrap();
    let local = grace.post_by_id(&all_hands.id).await.unwrap().unwrap();
    assert!(local.pending && local.edited && local.body == edited);
    sync_all_accepted(&grace).await;
    assert!(
        !grace
            .post_by_id(&all_hands.id)
            .await
            .unwrap()
            .unwrap()
            .pending
    );
    ada.sync().await.unwrap();
    let seen = ada.post_by_id(&all_hands.id).await.unwrap().unwrap();
    assert!(seen.edited && seen.body == edited);
    assert_eq!(ada.search("relocated", 10).await.unwrap().len(), 1);
    assert!(ada.search("thursday", 10).await.unwrap().is_empty());

    // A deleted comment keeps its place for the reply but loses its text.
    alan.delete(&slides.id).await.unwrap();
    sync_all_accepted(&alan).await;
    ada.sync().await.unwrap();
    let seen = ada.post_by_id(&all_hands.id).await.unwrap().unwrap();
    let tombstone = seen.comments.iter().find(|c| c.id == slides.id).unwrap();
    assert!(tombstone.deleted && tombstone.body.is_empty());
    assert!(ada.search("slides almost", 10).await.unwrap().is_empty());

    // A deleted post leaves every feed and the search.
    grace.delete(&all_hands.id).await.unwrap();
    assert!(grace
        .feed(None, 200, None)
        .await
        .unwrap()
        .iter()
        .all(|p| p.id != all_hands.id));
    sync_all_accepted(&grace).await;
    ada.sync().await.unwrap();
    assert!(ada
        .feed(None, 200, None)
        .await
        .unwrap()
        .iter()
        .all(|p| p.id != all_hands.id));
    let gone = ada.post_by_id(&all_hands.id).await.unwrap().unwrap();
    assert!(gone.deleted && gone.body.is_empty());
    assert!(ada.search("relocated", 10).await.unwrap().is_empty());

    for client in [&ada, &grace, &alan] {
        client.logout().await.ok();
    }
}

#[tokio::test]
async fn moderators_and_refused_writes() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    let alan = logged_in(&profiles.path().join("alan"), &server, "alan@example.org").await;
    for client in [&ada, &grace, &alan] {
        client.sync().await.unwrap();
    }
    let engineering = group_id(&ada, "Engineering").await;
    let grace_id = user_id(&ada, "grace").await;

    // Ada makes Grace a moderator: every cache holds the role.
    RawApi::login(&server.url(), "ada@example.org")
        .await
        .write(
            Method::POST,
            &format!("/groups/{engineering}/members/{grace_id}/role"),
            serde_json::json!({ "role": "moderator" }),
        )
        .await;
    for client in [&ada, &grace] {
        client.sync().await.unwrap();
    }
    let members = ada.members(&engineering).await.unwrap();
    let roles: Vec<(&str, GroupRole)> = members.iter().map(|m| (m.name.as_str(), m.role)).collect();
    assert_eq!(
        roles,
        [
            ("Ada Lovelace", GroupRole::Admin),
            ("Grace Hopper", GroupRole::Moderator),
            ("Alan Turing", GroupRole::Member)
        ]
    );
    let mine = grace.groups().await.unwrap();
    let role = mine.iter().find(|g| g.id == engineering).unwrap().my_role;
    assert_eq!(role, Some(GroupRole::Moderator));

    // As a moderator she removes Alan's post; Alan's cache forgets its text.
    let build = post_containing(&grace, "nightly build").await;
    grace.delete(&build.id).await.unwrap();
    sync_all_accepted(&grace).await;
    alan.sync().await.unwrap();
    let gone = alan.post_by_id(&build.id).await.unwrap().unwrap();
    assert!(gone.deleted && gone.body.is_empty());
    assert!(alan.search("nightly", 10).await.unwrap().is_empty());

    // Refused by the server: the last admin cannot leave. The membership is
    // back, the write stays failed with the server's reason, and is discarded.
    ada.leave_group(&engineering).await.unwrap();
    let left = ada.groups().await.unwrap();
    assert_eq!(
        left.iter().find(|g| g.id == engineering).unwrap().my_role,
        None
    );
    let report = ada.sync().await.unwrap();
    assert_eq!(report.failed, 1);
    let outbox = ada.outbox().await.unwrap();
    assert_eq!(outbox[0].kind, "leave_group");
    assert!(
        matches!(&outbox[0].state, OutboxState::Failed { reason } if reason.contains("last admin")),
        "{outbox:?}"
    );
    let back = ada.groups().await.unwrap();
    assert_eq!(
        back.iter().find(|g| g.id == engineering).unwrap().my_role,
        Some(GroupRole::Admin)
    );
    ada.discard(&outbox[0].mutation_id).await.unwrap();
    assert!(ada.outbox().await.unwrap().is_empty());

    // Refused too: an edit of a post deleted meanwhile keeps its text, marked failed.
    let review = post_containing(&grace, "review guideline").await;
    grace.edit(&review.id, "Review guideline v2").await.unwrap();
    RawApi::login(&server.url(), "ada@example.org")
        .await
        .write(
            Method::DELETE,
            &format!("/posts/{}", review.id),
            serde_json::json!({}),
        )
        .await;
    let report = grace.sync().await.unwrap();
    assert_eq!(report.failed, 1);
    let outbox = grace.outbox().await.unwrap();
    assert_eq!(outbox[0].kind, "edit_post");
    assert!(matches!(outbox[0].state, OutboxState::Failed { .. }));
    assert!(outbox[0].summary.contains("Review guideline v2"));

    for client in [&ada, &grace, &alan] {
        client.logout().await.ok();
    }
}

/// Everything of a purged group is gone from the profile's files.
fn on_disk(profile: &std::path::Path, text: &str) -> Vec<String> {
    let needle = text.to_ascii_lowercase();
    ["cache.db", "cache.db-wal"]
        .iter()
        .filter(|name| {
            std::fs::read(profile.join(name)).is_ok_and(|bytes| {
                bytes
                    .to_ascii_lowercase()
                    .windows(needle.len())
                    .any(|w| w == needle.as_bytes())
            })
        })
        .map(|name| name.to_string())
        .collect()
}

#[tokio::test]
async fn leaving_a_secret_group_purges_it_from_the_disk() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let profile = profiles.path().join("alan");
    let alan = logged_in(&profile, &server, "alan@example.org").await;
    alan.sync().await.unwrap();
    let falcon = group_id(&alan, "Project Falcon").await;
    let kickoff = post_containing(&alan, "analytical engine").await;
    assert_eq!(alan.search("analytical", 10).await.unwrap().len(), 1);
    let secrets = [
        "evaluating a new analytical engine",
        "prototype of the scheduling module",
        "Project Falcon",
        "Not announced yet",
    ];
    for text in secrets {
        assert!(!on_disk(&profile, text).is_empty(), "{text} before");
    }

    alan.leave_group(&falcon).await.unwrap();
    assert!(alan
        .feed(None, 200, None)
        .await
        .unwrap()
        .iter()
        .all(|p| p.id != kickoff.id));
    sync_all_accepted(&alan).await;

    assert!(alan.groups().await.unwrap().iter().all(|g| g.id != falcon));
    assert!(alan.post_by_id(&kickoff.id).await.unwrap().is_none());
    assert!(alan.search("falcon", 10).await.unwrap().is_empty());
    assert!(alan.search("analytical", 10).await.unwrap().is_empty());
    assert!(alan.search("prototype", 10).await.unwrap().is_empty());
    for text in secrets {
        assert_eq!(on_disk(&profile, text), Vec::<String>::new(), "{text}");
    }
    // The rest of the cache is intact.
    assert!(!on_disk(&profile, "nightly build").is_empty());
    alan.logout().await.ok();
}

#[tokio::test]
async fn requests_notifications_settings_and_the_directory() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let linus = logged_in(&profiles.path().join("linus"), &server, "linus@example.org").await;
    ada.sync().await.unwrap();
    linus.sync().await.unwrap();
    let leadership = group_id(&linus, "Leadership").await;

    // Linus asks to join the closed group: shown at once, answered by Ada.
    linus.join_group(&leadership).await.unwrap();
    let asked = |groups: Vec<commons_client::GroupView>| {
        let g = groups.into_iter().find(|g| g.id == leadership).unwrap();
        (g.requested, g.my_role)
    };
    assert_eq!(asked(linus.groups().await.unwrap()), (true, None));
    sync_all_accepted(&linus).await;
    assert_eq!(asked(linus.groups().await.unwrap()), (true, None));
    assert!(
        linus.join_group(&leadership).await.is_err(),
        "asked already"
    );
    ada.sync().await.unwrap();
    let requests = ada.join_requests().await.unwrap();
    let who: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.group_name.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(who, [("Leadership", "Linus Torvalds")]);
    RawApi::login(&server.url(), "ada@example.org")
        .await
        .write(
            Method::POST,
            &format!(
                "/groups/{leadership}/requests/{}/approve",
                requests[0].user_id
            ),
            serde_json::json!({}),
        )
        .await;
    ada.sync().await.unwrap();
    assert!(ada.join_requests().await.unwrap().is_empty());
    linus.sync().await.unwrap();
    assert_eq!(
        asked(linus.groups().await.unwrap()),
        (false, Some(GroupRole::Member))
    );
    post_containing(&linus, "Budget planning").await;
    let list = linus.notifications(false, 50, None).await.unwrap();
    assert!(list
        .notifications
        .iter()
        .any(|n| n.kind == NotificationKind::RequestApproved));

    // Read marks: one, then all; the server agrees.
    let unread = linus.notifications(true, 50, None).await.unwrap();
    assert!(unread.unread_count >= 1);
    let first = unread.notifications[0].id.clone();
    assert!(linus.mark_notification_read(&first).await.unwrap());
    assert!(!linus.mark_notification_read(&first).await.unwrap());
    let marked = linus.notifications(false, 50, None).await.unwrap();
    let n = marked.notifications.iter().find(|n| n.id == first).unwrap();
    assert!(n.read && n.pending);
    sync_all_accepted(&linus).await;
    let raw = RawApi::login(&server.url(), "linus@example.org").await;
    let page = raw.get("/notifications").await;
    let on_server = page["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == first.as_str())
        .unwrap()
        .clone();
    assert!(on_server["read_at"].is_i64());
    linus.mark_all_notifications_read().await.unwrap();
    sync_all_accepted(&linus).await;
    assert_eq!(raw.get("/notifications").await["unread_count"], 0);
    let after = linus.notifications(true, 50, None).await.unwrap();
    assert_eq!((after.unread_count, after.notifications.len()), (0, 0));

    // A notification level follows the account to a new profile.
    assert!(linus
        .set_notification_level(&leadership, NotificationLevel::Off)
        .await
        .unwrap());
    sync_all_accepted(&linus).await;
    let second = logged_in(
        &profiles.path().join("linus2"),
        &server,
        "linus@example.org",
    )
    .await;
    second.sync().await.unwrap();
    let level = second
        .groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.id == leadership)
        .unwrap()
        .notification_level;
    assert_eq!(level, NotificationLevel::Off);

    // The directory and a profile, from the cache.
    let names: Vec<String> = linus
        .people(None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        names,
        [
            "Ada Lovelace",
            "Alan Turing",
            "Grace Hopper",
            "Linus Torvalds"
        ]
    );
    let engineers: Vec<String> = linus
        .people(Some("engineering"), 50)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(engineers, ["Alan Turing", "Grace Hopper"]);
    let grace = linus.profile("@grace").await.unwrap().unwrap();
    assert_eq!(grace.title, "VP Engineering");
    assert_eq!(
        grace.manager.map(|m| m.name).as_deref(),
        Some("Ada Lovelace")
    );
    let reports: Vec<String> = grace.reports.into_iter().map(|r| r.name).collect();
    assert_eq!(reports, ["Alan Turing", "Linus Torvalds"]);

    for client in [&ada, &linus, &second] {
        client.logout().await.ok();
    }
}
