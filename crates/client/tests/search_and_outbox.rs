//! Offline search of a synced cache, and what to do with rejected writes
//! (retry, discard), end to end against a real server process.
//! Run inside a session bus with an unlocked Secret Service (see README.md).

mod support;

use std::process::Stdio;

use commons_client::{OutboxState, SearchHitKind};
use support::{everyone_group, find_post, logged_in, server_bin, RawApi, TestServer, PATIENCE};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn search_finds_what_the_account_may_see_online_and_offline() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let linus = logged_in(&profiles.path().join("linus"), &server, "linus@example.org").await;
    ada.sync().await.unwrap();
    linus.sync().await.unwrap();

    let hits = ada.search("nightly", 10).await.unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].kind, SearchHitKind::Post);
    assert_eq!(hits[0].title, "Alan Turing");
    assert!(hits[0].snippet.contains("[nightly]"), "{hits:?}");
    let post = ada.post_by_id(&hits[0].id).await.unwrap().unwrap();
    assert_eq!(post.group_name, "Engineering");

    // Ada is in Project Falcon (secret): the group, its kick-off post and Alan's comment.
    let falcon = ada.search("falcon", 10).await.unwrap();
    assert_eq!(falcon[0].kind, SearchHitKind::Group, "{falcon:?}");
    let kickoff = falcon.iter().find(|h| h.kind == SearchHitKind::Post);
    let prototype = ada.search("prototype sched", 10).await.unwrap();
    assert_eq!(prototype[0].kind, SearchHitKind::Comment);
    assert_eq!(prototype[0].post_id, kickoff.map(|h| h.id.clone()));

    // Linus is in none of those: the open group is listed, its posts are not.
    assert!(linus.search("nightly", 10).await.unwrap().is_empty());
    assert!(linus.search("falcon", 10).await.unwrap().is_empty());
    // (People are found by their title and department too: the group's name
    // ranks first, then Grace, "VP Engineering" in Engineering.)
    let engineering = linus.search("engineering", 10).await.unwrap();
    let found: Vec<(SearchHitKind, &str)> = engineering
        .iter()
        .map(|h| (h.kind, h.title.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (SearchHitKind::Group, "Engineering"),
            (SearchHitKind::Person, "Grace Hopper"),
            (SearchHitKind::Person, "Alan Turing")
        ]
    );
    let people = linus.search("grace@example", 10).await.unwrap();
    assert_eq!(people[0].title, "Grace Hopper");

    // Offline: the cache answers, a pending post included.
    drop(server.kill());
    let pending = ada
        .post(None, "Notes about the zeppelin hangar")
        .await
        .unwrap();
    let hits = ada.search("zepp hang", 10).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, pending.id);
    assert_eq!(hits[0].snippet, "Notes about the [zeppelin] [hangar]");
    assert!(ada.search("", 10).await.unwrap().is_empty());
    assert!(ada.search("\"AND* (", 10).await.is_ok());

    ada.logout().await.ok();
    linus.logout().await.ok();
}

#[tokio::test]
async fn rejected_writes_can_be_discarded_or_retried() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    ada.sync().await.unwrap();
    let everyone = everyone_group(&ada).await;
    let members_before = member_count(&ada, &everyone).await;

    // Rejected: a person the server does not know (yet), and a group whose
    // id Grace takes first, with a post and a comment queued behind it.
    ada.add_member(&everyone, "newcomer@example.org")
        .await
        .unwrap();
    let ghost = ada
        .create_group("Ghost", "", commons_client::Privacy::Open)
        .await
        .unwrap();
    let post = ada.post(Some(&ghost.id), "Into the void").await.unwrap();
    ada.comment(&post.id, "echo").await.unwrap();
    let grace = RawApi::login(&server.url(), "grace@example.org").await;
    grace.create_secret_group_with_id(&ghost.id, "Taken").await;
    let report = ada.sync().await.unwrap();
    assert_eq!((report.pushed, report.failed), (0, 4));
    let outbox = ada.outbox().await.unwrap();
    let (add, group) = (outbox[0].mutation_id.clone(), outbox[1].mutation_id.clone());

    // An unknown id is refused with a message.
    assert!(ada.discard("no-such-change").await.is_err());

    // Discarding the group takes the post and the comment with it.
    ada.discard(&group).await.unwrap();
    let left: Vec<String> = ada
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.mutation_id)
        .collect();
    assert_eq!(left, std::slice::from_ref(&add));
    assert!(find_post(&ada, "Into the void").await.is_empty());
    assert!(ada.post_by_id(&post.id).await.unwrap().is_none());
    assert!(ada.groups().await.unwrap().iter().all(|g| g.id != ghost.id));
    assert!(ada.search("void", 10).await.unwrap().is_empty());

    // The newcomer gets an account; the retried write is sent once and accepted.
    create_user(&server, "newcomer@example.org", "Newcomer").await;
    ada.retry(&add).await.unwrap();
    assert_eq!(ada.outbox().await.unwrap()[0].state, OutboxState::Pending);
    let report = ada.sync().await.unwrap();
    assert_eq!((report.pushed, report.failed), (1, 0));
    assert!(ada.outbox().await.unwrap().is_empty());
    assert_eq!(member_count(&ada, &everyone).await, members_before + 1);
    let again = ada.sync().await.unwrap();
    assert_eq!((again.pushed, again.failed), (0, 0));

    ada.logout().await.unwrap();
}

async fn member_count(client: &commons_client::Client, group_id: &str) -> i64 {
    client
        .groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.id == group_id)
        .unwrap()
        .member_count
}

/// `commons-server admin create-user`, on the running server's data directory.
async fn create_user(server: &TestServer, email: &str, name: &str) {
    let mut child = tokio::process::Command::new(server_bin())
        .args(["admin", "create-user", "--data-dir"])
        .arg(&server.data_dir)
        .args(["--email", email, "--name", name])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run commons-server admin create-user");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"a-long-enough-password\n").await.unwrap();
    drop(stdin);
    let status = tokio::time::timeout(PATIENCE, child.wait())
        .await
        .expect("create-user finished in time")
        .unwrap();
    assert!(status.success(), "create-user failed: {status}");
}
