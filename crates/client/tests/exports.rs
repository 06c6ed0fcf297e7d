//! Exports downloaded by the client core from a real server process: the
//! organisation's (admins only, secret groups included) and one's own data.
//! Run inside a session bus with an unlocked Secret Service (see README.md).

mod support;

use std::io::Read;
use std::path::Path;

use commons_client::{ClientError, ErrorCode, Privacy};
use support::{logged_in, TestServer};

/// The files of a `.tar.gz`, by name, with their text.
fn archive_files(path: &Path) -> Vec<(String, String)> {
    let file = std::fs::File::open(path).unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut files = Vec::new();
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.push((name, String::from_utf8_lossy(&bytes).into_owned()));
    }
    files
}

fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    &files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} in the archive"))
        .1
}

fn rows(summary: &commons_client::ExportSummary, name: &str) -> u64 {
    summary
        .counts
        .iter()
        .find(|c| c.name == name)
        .map_or(0, |c| c.rows)
}

#[tokio::test]
async fn exports_are_streamed_to_files_for_admins_and_for_everyone() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    let alan = logged_in(&profiles.path().join("alan"), &server, "alan@example.org").await;

    // A secret group Ada is not in, with a post; and a post of Grace's.
    alan.sync().await.unwrap();
    let secret = alan
        .create_group("Skunkworks", "", Privacy::Secret)
        .await
        .unwrap();
    alan.post(Some(&secret.id), "only the skunkworks know this")
        .await
        .unwrap();
    alan.sync().await.unwrap();
    grace.sync().await.unwrap();
    grace.post(None, "my own words, exported").await.unwrap();
    grace.sync().await.unwrap();

    // The admin's organisation export holds everything, the secret group's post too.
    let org = out.path().join("org.tar.gz");
    let summary = ada.export_organisation(&org).await.unwrap();
    assert_eq!(summary.path, org.display().to_string());
    assert_eq!(summary.bytes, std::fs::metadata(&org).unwrap().len());
    assert_eq!(summary.scope.as_deref(), Some("organisation"));
    assert!(rows(&summary, "posts") >= 8, "{summary:?}");
    assert!(rows(&summary, "people") >= 4, "{summary:?}");
    assert!(!out.path().join("org.tar.gz.partial").exists());
    let files = archive_files(&org);
    assert_eq!(files.last().unwrap().0, "manifest.json");
    let posts = file(&files, "posts.jsonl");
    assert!(posts.contains("only the skunkworks know this"), "{posts}");
    assert!(file(&files, "groups.jsonl").contains("Skunkworks"));
    assert_eq!(posts.lines().count() as u64, rows(&summary, "posts"));

    // Grace's own export: her post, not another member's.
    let mine = out.path().join("mine.tar.gz");
    let summary = grace.export_mine(&mine).await.unwrap();
    assert_eq!(summary.scope.as_deref(), Some("personal"));
    assert_eq!(summary.bytes, std::fs::metadata(&mine).unwrap().len());
    let files = archive_files(&mine);
    let posts = file(&files, "posts.jsonl");
    assert!(posts.contains("my own words, exported"), "{posts}");
    assert!(!posts.contains("only the skunkworks know this"), "{posts}");
    assert!(!posts.contains("Welcome to Commons"), "{posts}");

    // Not an admin: refused with the server's code, and no file is left.
    let refused = out.path().join("refused.tar.gz");
    match grace.export_organisation(&refused).await {
        Err(ClientError::Server { code, .. }) => assert_eq!(code, ErrorCode::Forbidden),
        other => panic!("expected forbidden, got {other:?}"),
    }
    assert!(!refused.exists());
    assert!(!out.path().join("refused.tar.gz.partial").exists());

    // Offline: said so, and nothing is written.
    server.kill();
    let offline = out.path().join("offline.tar.gz");
    assert!(matches!(
        ada.export_mine(&offline).await,
        Err(ClientError::Offline(_))
    ));
    let left: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut left = left;
    left.sort();
    assert_eq!(left, ["mine.tar.gz", "org.tar.gz"]);
}
