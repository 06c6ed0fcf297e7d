//! A post written offline with files attached goes through the outbox: each
//! file is uploaded once, then the post naming them, even when the client
//! crashed after the server had taken them (a frozen copy of the profile is
//! replayed). Against a real server; run inside a session bus with an
//! unlocked Secret Service (see README.md).

mod support;

use std::path::Path;
use std::process::Command;

use commons_client::Client;
use support::{everyone_group, logged_in, RawApi, TestServer};

fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn files_written_offline_are_uploaded_once_then_the_post() {
    let dirs = tempfile::tempdir().unwrap();
    let data = dirs.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let server = TestServer::demo(&data);
    let profile = dirs.path().join("ada");
    let ada = logged_in(&profile, &server, "ada@example.org").await;
    ada.sync().await.unwrap();
    let everyone = everyone_group(&ada).await;

    let minutes = dirs.path().join("minutes.txt");
    let budget = dirs.path().join("budget.csv");
    std::fs::write(&minutes, b"We agreed on everything.\n".repeat(4)).unwrap();
    std::fs::write(&budget, b"item,cost\ntea,12\n").unwrap();

    // Offline: the post shows at once with its files, which are queued first.
    let (data_dir, addr) = server.kill();
    let post = ada
        .post_with_files(
            None,
            "Minutes and budget",
            &[minutes.clone(), budget.clone()],
        )
        .await
        .unwrap();
    assert!(post.pending);
    let local = ada.attachments(&post.id).await.unwrap();
    let names: Vec<&str> = local.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["minutes.txt", "budget.csv"]);
    assert!(local.iter().all(|a| a.downloaded));
    let shown = ada.attachment_file(&local[0].id, false).await.unwrap();
    assert_eq!(
        std::fs::read(shown).unwrap(),
        std::fs::read(&minutes).unwrap()
    );
    let kinds: Vec<String> = ada
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.kind)
        .collect();
    assert_eq!(kinds, ["upload", "upload", "post"]);

    // A crash after the server took everything, before the cache knew: freeze it.
    ada.close().await;
    drop(ada);
    let frozen = dirs.path().join("ada-frozen");
    copy_dir(&profile, &frozen);

    let server = TestServer::start(&data_dir, &addr.to_string());
    let ada = Client::open(&profile).await.unwrap();
    let report = ada.sync().await.unwrap();
    assert_eq!((report.pushed, report.failed), (3, 0));
    let sent = ada.attachments(&post.id).await.unwrap();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter().all(|a| local.iter().all(|l| l.id != a.id)),
        "server ids now"
    );

    let replayed = Client::open(&frozen).await.unwrap();
    let report = replayed.sync().await.expect("replay");
    assert_eq!((report.pushed, report.failed), (3, 0));
    let again = replayed.attachments(&post.id).await.unwrap();
    let ids = |list: &[commons_client::AttachmentView]| {
        list.iter().map(|a| a.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&again),
        ids(&sent),
        "the replay got the same attachments back"
    );

    // Others see one post with both files, and can open them.
    let grace_api = RawApi::login(&server.url(), "grace@example.org").await;
    let bodies = grace_api.group_post_bodies(&everyone).await;
    assert_eq!(
        bodies.iter().filter(|b| *b == "Minutes and budget").count(),
        1
    );
    let on_server = grace_api.post_with_comments(&post.id).await;
    let server_ids: Vec<String> = on_server
        .post
        .attachments
        .iter()
        .map(|a| a.id.clone())
        .collect();
    assert_eq!(server_ids, ids(&sent));
    let grace = logged_in(&dirs.path().join("grace"), &server, "grace@example.org").await;
    grace.sync().await.unwrap();
    let file = grace.attachment_file(&sent[1].id, false).await.unwrap();
    assert_eq!(
        std::fs::read(file).unwrap(),
        std::fs::read(&budget).unwrap()
    );
}
