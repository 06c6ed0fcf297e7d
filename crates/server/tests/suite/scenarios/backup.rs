//! `commons-server backup` and `restore`, through the real binary, while
//! the scenario's server keeps running.

use commons_protocol::*;
use commons_server::{DatabaseConfig, ServerConfig};

use super::attachments::{png, post_with, upload};
use super::binary::{run, text};
use crate::harness::{Ctx, Session};

const BINARY: &str = env!("CARGO_BIN_EXE_commons-server");

async fn restore(archive: &std::path::Path, into: &std::path::Path) -> std::process::Output {
    tokio::process::Command::new(BINARY)
        .arg("restore")
        .arg("--data-dir")
        .arg(into)
        .arg(archive)
        .env_remove("COMMONS_DATA_DIR")
        .output()
        .await
        .expect("binary runs")
}

/// Everything `who` can sync from the server at `url`, with the same token.
async fn everything(who: &Session, url: &str) -> Vec<Change> {
    let there = Session {
        ctx: who.ctx.at(url),
        token: who.token.clone(),
        user: who.user.clone(),
    };
    there.sync_all(None, 1000).await.0
}

pub async fn a_backup_of_a_running_server_restores_the_same_data(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let group = ada.create_group("Archive", Privacy::Closed).await;
    let post = ada.write_post(&group, "Kept **forever**").await;
    ada.write_comment(&post, "and this too").await;
    let picture = png(40, 30, 7);
    let attachment = upload(&ada, "chart.png", picture.clone()).await;
    post_with(&ada, &group, &[attachment.id.as_str()])
        .await
        .assert_status(201);

    let scratch = tempfile::tempdir().expect("temp dir");
    let archive = scratch.path().join("commons-backup.tar.gz");
    let out = run(
        &ctx,
        &["backup", "--out", archive.to_str().expect("utf-8")],
        "",
    )
    .await;
    if ctx.database_url.is_some() {
        // PostgreSQL has its own tools; the command says which, and writes nothing.
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("pg_dump"),
            "{}",
            text(&out.stderr)
        );
        assert!(!archive.exists());
        return;
    }
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("2 attachment files"),
        "{}",
        text(&out.stdout)
    );

    // The server kept running; a write after the backup is not in it.
    let later = ada.write_post(&group, "written after the backup").await;

    let restored = scratch.path().join("restored");
    let out = restore(&archive, &restored).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let server = commons_server::start(ServerConfig::new(
        DatabaseConfig::new(&restored, None),
        "127.0.0.1:0".parse().expect("address"),
    ))
    .await
    .expect("a server starts on the restored data");

    // Same sessions, same change log, same files.
    // The restored log is an earlier life: cursors from after it are refused
    // (the client starts over), a sync from the beginning works.
    let (_, current) = ada.sync_all(None, 1000).await;
    let there = format!("{}/api/v1/sync?since={current}", server.url());
    let stale = crate::harness::send(ctx.http.get(there).bearer_auth(&ada.token)).await;
    stale.assert_error(400, "bad_request");
    let original = everything(&ada, &ctx.url).await;
    let copy = everything(&ada, &server.url()).await;
    let before_later: Vec<Change> = original
        .into_iter()
        .filter(|c| !matches!(c, Change::Post { post } if post.id == later.id))
        .collect();
    assert!(
        copy.len() >= 5,
        "users, group, membership, posts, comment: {copy:?}"
    );
    assert_eq!(copy, before_later);
    let download = ctx
        .http
        .get(format!(
            "{}/api/v1/attachments/{}",
            server.url(),
            attachment.id
        ))
        .bearer_auth(&ada.token)
        .send()
        .await
        .expect("answer");
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(download.bytes().await.expect("bytes").to_vec(), picture);
    server.shutdown().await.expect("stops");

    // Restoring over data is refused; the data stays.
    let out = restore(&archive, &restored).await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not empty"),
        "{}",
        text(&out.stderr)
    );
    assert!(restored.join("commons.db").is_file());

    // A damaged archive is refused and leaves nothing behind.
    let mut bytes = std::fs::read(&archive).expect("archive");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xFF;
    let damaged = scratch.path().join("damaged.tar.gz");
    std::fs::write(&damaged, &bytes).expect("write");
    let target = scratch.path().join("from-damaged");
    let out = restore(&damaged, &target).await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("damaged"),
        "{}",
        text(&out.stderr)
    );
    assert!(!target.exists());
    let leftovers: Vec<_> = std::fs::read_dir(scratch.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "scratch files left: {leftovers:?}");
}
