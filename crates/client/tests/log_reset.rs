//! A server whose change log was reset (here: restored from a backup taken
//! before the client's last sync) refuses the client's cursor. The client then
//! starts over from the beginning of the new log, without losing the writes
//! it had not sent. Against a real server; run inside a session bus with an
//! unlocked Secret Service (see README.md).

mod support;

use std::path::Path;
use std::process::Command;

use commons_client::{OutboxState, Privacy};
use reqwest::Method;
use serde_json::json;
use support::{everyone_group, find_post, logged_in, RawApi, TestServer};

fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(status.success());
}

#[tokio::test]
async fn a_reset_log_makes_the_client_start_over_keeping_unsent_writes() {
    let dirs = tempfile::tempdir().unwrap();
    let data = dirs.path().join("data");
    let backup = dirs.path().join("backup");
    std::fs::create_dir(&data).unwrap();
    let server = TestServer::demo(&data);
    let ada = logged_in(&dirs.path().join("ada"), &server, "ada@example.org").await;

    // A backup with Ada's session in it, taken with the server stopped.
    let (data_dir, addr) = server.kill();
    copy_dir(&data_dir, &backup);
    let server = TestServer::start(&data_dir, &addr.to_string());

    // After the backup: a group of Ada's and posts of Grace's, all synced.
    ada.sync().await.expect("first sync");
    let everyone = everyone_group(&ada).await;
    let book_club = ada
        .create_group("Book Club", "", Privacy::Open)
        .await
        .unwrap();
    let grace = RawApi::login(&server.url(), "grace@example.org").await;
    for n in 0..10 {
        let id = uuid::Uuid::now_v7().to_string();
        let body = format!("After the backup {n}");
        grace
            .write(
                Method::POST,
                "/posts",
                json!({"id": id, "group_id": everyone, "body": body}),
            )
            .await;
    }
    ada.sync().await.expect("sync");
    assert_eq!(find_post(&ada, "After the backup 3").await.len(), 1);

    // Offline, Ada writes; then the server comes back from the backup.
    let (data_dir, addr) = server.kill();
    let unsent = ada.post(None, "Written before the restore").await.unwrap();
    let orphan = ada
        .post(Some(&book_club.id), "For the book club")
        .await
        .unwrap();
    std::fs::remove_dir_all(&data_dir).unwrap();
    copy_dir(&backup, &data_dir);
    let server = TestServer::start(&data_dir, &addr.to_string());

    let report = ada.sync().await.expect("sync after the reset");
    assert_eq!((report.pushed, report.failed), (1, 1));

    // The unsent post reached the new server once and shows once, confirmed.
    let mine = find_post(&ada, "Written before the restore").await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, unsent.id);
    assert!(!mine[0].pending);
    let grace = RawApi::login(&server.url(), "grace@example.org").await;
    let bodies = grace.group_post_bodies(&everyone).await;
    let delivered = bodies
        .iter()
        .filter(|b| *b == "Written before the restore")
        .count();
    assert_eq!(delivered, 1);

    // What the reset server does not have left the cache.
    assert!(find_post(&ada, "After the backup 3").await.is_empty());
    assert!(ada.search("backup", 10).await.unwrap().is_empty());
    assert!(ada
        .groups()
        .await
        .unwrap()
        .iter()
        .all(|g| g.id != book_club.id));

    // The post into the vanished group failed and is kept for the user.
    let outbox = ada.outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(Some(&outbox[0].mutation_id), orphan.mutation_id.as_ref());
    assert!(matches!(outbox[0].state, OutboxState::Failed { .. }));
    let kept = ada.post_by_id(&orphan.id).await.unwrap().expect("kept");
    assert_eq!(kept.body, "For the book club");
    assert!(kept.failed.is_some());

    // And syncing goes on incrementally from the new log.
    let id = uuid::Uuid::now_v7().to_string();
    grace
        .write(
            Method::POST,
            "/posts",
            json!({"id": id, "group_id": everyone, "body": "After the restore"}),
        )
        .await;
    ada.sync().await.expect("incremental sync");
    assert_eq!(find_post(&ada, "After the restore").await.len(), 1);
}
