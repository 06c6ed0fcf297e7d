//! The offline promise, end to end against a real server process: read from
//! the cache while the server is down, write offline, deliver exactly once.
//! Run inside a session bus with an unlocked Secret Service (see README.md).

mod support;

use commons_client::{Client, ClientError, OutboxState};
use support::{everyone_group, find_post, logged_in, RawApi, TestServer};

#[tokio::test]
async fn offline_writes_are_kept_and_delivered_exactly_once() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;

    let first = ada.sync().await.expect("first sync");
    assert!(first.pulled > 0);
    assert!(
        first.notifications.is_empty(),
        "a first sync brings history, not news"
    );
    let feed = ada.feed(None, 50, None).await.unwrap();
    assert!(feed
        .iter()
        .any(|p| p.body.starts_with("Welcome to Commons")));
    let falcon = feed.iter().find(|p| p.group_name == "Project Falcon");
    assert!(falcon.is_some(), "Ada sees her secret group's posts");

    // The server goes away; reading still works from the cache.
    let (data_dir, addr) = server.kill();
    assert_eq!(ada.feed(None, 50, None).await.unwrap(), feed);

    // Writing offline: visible at once, pending, queued.
    let post = ada.post(None, "Written on a train").await.unwrap();
    assert!(post.pending && post.failed.is_none());
    assert_eq!(post.group_name, "Everyone");
    let comment = ada.comment(&post.id, "and a comment on it").await.unwrap();
    assert!(comment.pending);
    // A new group, described at creation: the pending group shows the (trimmed) description.
    let book_club = ada
        .create_group(
            "Book Club",
            "  Novels, poetry and tea.  ",
            commons_client::Privacy::Open,
        )
        .await
        .unwrap();
    assert!(book_club.pending);
    assert_eq!(book_club.description, "Novels, poetry and tea.");
    let queued = ada.outbox().await.unwrap();
    assert_eq!(queued.len(), 3);
    assert!(queued.iter().all(|i| i.state == OutboxState::Pending));
    assert_eq!(queued[0].kind, "post");
    assert_eq!(queued[1].kind, "comment");

    match ada.sync().await {
        Err(ClientError::Offline(url)) => assert_eq!(url, format!("http://{addr}")),
        other => panic!("expected Offline, got {other:?}"),
    }
    let top = ada.feed(None, 1, None).await.unwrap();
    assert_eq!(top[0].id, post.id);
    assert!(top[0].pending, "still pending after a failed sync");
    assert_eq!(ada.outbox().await.unwrap().len(), 3);

    // The server comes back on the same address; the next sync delivers.
    let server = TestServer::start(&data_dir, &addr.to_string());
    let report = ada.sync().await.expect("sync after restart");
    assert_eq!((report.pushed, report.failed), (3, 0));
    assert!(ada.outbox().await.unwrap().is_empty());
    let mine = find_post(&ada, "Written on a train").await;
    assert_eq!(mine.len(), 1);
    assert!(!mine[0].pending);
    assert_eq!(mine[0].comments.len(), 1);
    assert!(!mine[0].comments[0].pending);

    // Another user sees it once, through the raw API and through a fresh profile.
    let everyone = everyone_group(&ada).await;
    let grace_api = RawApi::login(&server.url(), "grace@example.org").await;
    let bodies = grace_api.group_post_bodies(&everyone).await;
    assert_eq!(
        bodies.iter().filter(|b| *b == "Written on a train").count(),
        1
    );
    let on_server = grace_api.post_with_comments(&post.id).await;
    assert_eq!(on_server.comments.len(), 1);
    assert_eq!(on_server.comments[0].body, "and a comment on it");

    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    grace.sync().await.unwrap();
    let seen = find_post(&grace, "Written on a train").await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].author_name, "Ada Lovelace");
    assert_eq!(seen[0].comments[0].body, "and a comment on it");

    // The description reached the server, and through it another person's cache.
    let on_server = grace_api.group(&book_club.id).await;
    assert_eq!(on_server.group.description, "Novels, poetry and tea.");
    let theirs = grace.groups().await.unwrap();
    let seen = theirs.iter().find(|g| g.id == book_club.id).unwrap();
    assert_eq!(seen.description, "Novels, poetry and tea.");
    assert!(!seen.pending);

    ada.logout().await.unwrap();
    grace.logout().await.unwrap();
}

#[tokio::test]
async fn replaying_a_write_after_a_crash_creates_one_post() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let profile = profiles.path().join("ada");
    let ada = logged_in(&profile, &server, "ada@example.org").await;
    ada.sync().await.unwrap();
    ada.post(None, "Sent twice, stored once").await.unwrap();

    // Freeze the profile as it is before the send: a crash right after the
    // server commits but before the cache records it leaves exactly this.
    ada.close().await;
    drop(ada);
    let frozen = profiles.path().join("ada-before-confirm");
    copy_dir(&profile, &frozen);

    let ada = Client::open(&profile).await.unwrap();
    assert_eq!(ada.sync().await.unwrap().pushed, 1);

    let replayed = Client::open(&frozen).await.unwrap();
    assert_eq!(
        replayed.outbox().await.unwrap().len(),
        1,
        "the copy still holds the write"
    );
    let report = replayed.sync().await.expect("replay");
    assert_eq!(
        (report.pushed, report.failed),
        (1, 0),
        "the replay is answered, not refused"
    );
    assert!(replayed.outbox().await.unwrap().is_empty());
    let copies = find_post(&replayed, "Sent twice, stored once").await;
    assert_eq!(copies.len(), 1);
    assert!(!copies[0].pending);

    let grace = RawApi::login(&server.url(), "grace@example.org").await;
    let bodies = grace.group_post_bodies(&everyone_group(&ada).await).await;
    assert_eq!(
        bodies
            .iter()
            .filter(|b| *b == "Sent twice, stored once")
            .count(),
        1
    );

    // Both copies share one keychain entry (same profile id); one logout removes it.
    ada.logout().await.unwrap();
}

#[tokio::test]
async fn rejected_writes_stay_visible_as_failed_and_dependents_fail_with_them() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    ada.sync().await.unwrap();
    let everyone = everyone_group(&ada).await;

    // The server knows no such person: a 404 the cache could not foresee.
    ada.add_member(&everyone, "nobody@example.org")
        .await
        .unwrap();
    // A group that only exists locally (its creation will be refused)...
    let ghost = ada
        .create_group("Ghost", "", commons_client::Privacy::Open)
        .await
        .unwrap();
    assert!(ghost.pending);
    // ...with a post in it and a comment on that post, all queued behind it.
    let post = ada.post(Some(&ghost.id), "Into the void").await.unwrap();
    ada.comment(&post.id, "echo").await.unwrap();
    // Make the group's creation fail on the server: Grace takes its id first
    // (for a secret group of hers, so Ada's sync never sees it).
    let grace = RawApi::login(&server.url(), "grace@example.org").await;
    grace.create_secret_group_with_id(&ghost.id, "Taken").await;

    let report = ada.sync().await.expect("sync");
    assert_eq!((report.pushed, report.failed), (0, 4));
    let outbox = ada.outbox().await.unwrap();
    let reasons: Vec<String> = outbox
        .iter()
        .map(|item| match &item.state {
            OutboxState::Failed { reason } => reason.clone(),
            OutboxState::Pending => panic!("{} still pending", item.summary),
        })
        .collect();
    assert!(reasons[0].contains("nobody@example.org"), "{reasons:?}");
    assert!(reasons[1].contains("already used"), "{reasons:?}");
    assert!(
        reasons[2].starts_with("its group was not created"),
        "{reasons:?}"
    );
    assert!(
        reasons[3].starts_with("its post was not accepted"),
        "{reasons:?}"
    );

    // Nothing typed is lost: the post and comment stay visible, marked failed.
    let failed = find_post(&ada, "Into the void").await;
    assert_eq!(failed.len(), 1);
    assert!(failed[0].failed.is_some() && !failed[0].pending);
    assert!(failed[0].comments[0].failed.is_some());
    let groups = ada.groups().await.unwrap();
    let ghost_now = groups.iter().find(|g| g.id == ghost.id).unwrap();
    assert!(ghost_now
        .failed
        .as_deref()
        .unwrap()
        .contains("already used"));

    // Failed writes are not sent again.
    let again = ada.sync().await.unwrap();
    assert_eq!((again.pushed, again.failed), (0, 0));
    ada.logout().await.unwrap();
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}
