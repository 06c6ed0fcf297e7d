//! Attachments in S3-compatible object storage shared by several nodes.
//! The store is s3s-fs, a real S3 protocol server keeping objects as files
//! (installed by `scripts/setup.sh --test`), started by the test.

use std::path::{Path, PathBuf};
use std::time::Duration;

use commons_protocol::*;
use commons_server::blobs::S3Config;
use commons_server::{AttachmentStoreConfig, DatabaseConfig, RunningServer, ServerConfig};

use super::attachments::{files_under, png, post_with, upload};
use super::content_support::delete_post;
use crate::harness::{Ctx, Session};

const BUCKET: &str = "commons-attachments";

struct S3Server {
    child: tokio::process::Child,
    root: tempfile::TempDir,
    endpoint: String,
}

fn s3_server_binary() -> PathBuf {
    if let Ok(bin) = std::env::var("COMMONS_S3_SERVER_BIN") {
        return bin.into();
    }
    let in_cargo = std::env::var("HOME")
        .map(|home| Path::new(&home).join(".cargo/bin/s3s-fs"))
        .unwrap_or_default();
    if in_cargo.is_file() {
        return in_cargo;
    }
    PathBuf::from("s3s-fs")
}

async fn start_s3() -> S3Server {
    let root = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(root.path().join(BUCKET)).expect("bucket folder");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = tokio::process::Command::new(s3_server_binary())
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--access-key", "commons-test", "--secret-key", "commons-test-secret"])
        .arg(root.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start s3s-fs ({e}): run ./scripts/setup.sh --test, or set COMMONS_S3_SERVER_BIN")
        });
    // Wait for it to listen (its start-up time, not a timing assertion).
    let mut tries = 0;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        tries += 1;
        assert!(tries < 300, "s3s-fs did not start listening");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    S3Server {
        child,
        root,
        endpoint: format!("http://127.0.0.1:{port}"),
    }
}

async fn node(ctx: &Ctx, s3: &S3Server, data_dir: &Path) -> RunningServer {
    let store = AttachmentStoreConfig::S3(S3Config {
        endpoint: s3.endpoint.clone(),
        bucket: BUCKET.into(),
        region: "us-east-1".into(),
        access_key_id: "commons-test".into(),
        secret_access_key: "commons-test-secret".into(),
        allow_http: true,
    });
    commons_server::start(ServerConfig {
        attachment_store: store,
        ..ServerConfig::new(
            DatabaseConfig::new(data_dir, ctx.database_url.clone()),
            "127.0.0.1:0".parse().expect("address"),
        )
    })
    .await
    .expect("node starts")
}

fn at(who: &Session, url: &str) -> Session {
    Session {
        ctx: who.ctx.at(url),
        token: who.token.clone(),
        user: who.user.clone(),
    }
}

async fn get(who: &Session, path: &str) -> (u16, Vec<u8>) {
    let answer = who
        .ctx
        .http
        .get(who.ctx.api(path))
        .bearer_auth(&who.token)
        .send()
        .await
        .expect("answer");
    let status = answer.status().as_u16();
    (status, answer.bytes().await.expect("body").to_vec())
}

pub async fn attachments_in_object_storage_are_shared_by_every_node(ctx: Ctx) {
    let mut s3 = start_s3().await;
    let (dir_a, dir_b) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let node_a = node(&ctx, &s3, dir_a.path()).await;
    let node_b = node(&ctx, &s3, dir_b.path()).await;
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let (ada_a, bob_b) = (at(&ada, &node_a.url()), at(&bob, &node_b.url()));
    let group = ada_a.create_group("Shared files", Privacy::Open).await;
    bob_b.join(&group.id).await.assert_status(200);

    // Uploaded through one node...
    let picture = png(64, 48, 9);
    let attachment = upload(&ada_a, "plan.png", picture.clone()).await;
    let post: Post = post_with(&ada_a, &group, &[attachment.id.as_str()])
        .await
        .assert_status(201)
        .json();
    let in_bucket = files_under(&s3.root.path().join(BUCKET));
    assert_eq!(
        in_bucket.len(),
        2,
        "the file and its thumbnail: {in_bucket:?}"
    );
    assert!(
        files_under(dir_a.path()).is_empty(),
        "nothing stays on the node that took the upload"
    );

    // ...downloaded through the other.
    let (status, bytes) = get(&bob_b, &format!("/attachments/{}", attachment.id)).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, picture);
    let (status, thumbnail) =
        get(&bob_b, &format!("/attachments/{}/thumbnail", attachment.id)).await;
    assert_eq!(status, 200);
    assert!(thumbnail.starts_with(b"\x89PNG"), "a PNG thumbnail");

    // The same bytes again are stored once.
    let again = upload(&at(&bob, &node_b.url()), "copy.png", picture.clone()).await;
    assert_ne!(again.id, attachment.id);
    assert_eq!(files_under(&s3.root.path().join(BUCKET)).len(), 2);

    // Deleting the post hides its attachment; the files stay while Bob's
    // upload of the same bytes still uses them.
    delete_post(&ada_a, &post.id).await.assert_status(200);
    let (status, _) = get(&bob_b, &format!("/attachments/{}", attachment.id)).await;
    assert_eq!(status, 404);
    assert_eq!(files_under(&s3.root.path().join(BUCKET)).len(), 2);

    node_a.shutdown().await.expect("stops");
    node_b.shutdown().await.expect("stops");
    let _ = s3.child.kill().await;
}
