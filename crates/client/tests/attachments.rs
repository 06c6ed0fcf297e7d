//! Attachments in the client: downloaded on demand into a content-addressed
//! folder beside the cache, checked against their SHA-256, kept within a size
//! limit (least recently viewed out first), readable offline, and gone from
//! the disk with their group's content when access is lost. Against a real
//! server; run inside a session bus with an unlocked Secret Service.

mod support;

use std::path::{Path, PathBuf};

use commons_client::{Client, ClientError, ATTACHMENTS_DIR, CACHE_FILE};
use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};
use support::{logged_in, RawApi, TestServer};

/// A 1×1 PNG.
const PNG: [u8; 70] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xfc, 0xcf, 0xc0, 0x50,
    0x0f, 0x00, 0x04, 0x85, 0x01, 0x80, 0x84, 0xa9, 0x8c, 0x21, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every regular file under `dir` (none when it does not exist).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn group_id(api: &RawApi, name: &str) -> String {
    let groups = api.get("/groups").await;
    groups
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["group"]["name"] == name)
        .map(|item| item["group"]["id"].as_str().unwrap().to_owned())
        .unwrap()
}

async fn file_bytes(client: &Client, id: &str, thumbnail: bool) -> (PathBuf, Vec<u8>) {
    let path = client.attachment_file(id, thumbnail).await.expect("file");
    let bytes = std::fs::read(&path).expect("read file");
    (path, bytes)
}

#[tokio::test]
async fn attachments_download_verify_evict_and_leave_with_their_group() {
    let dirs = tempfile::tempdir().unwrap();
    let data = dirs.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let server = TestServer::demo(&data);
    let ada_api = RawApi::login(&server.url(), "ada@example.org").await;
    let falcon = group_id(&ada_api, "Project Falcon").await;
    let notes: Vec<Vec<u8>> = (0..4)
        .map(|n| format!("falcon secret notes {n} ").repeat(10).into_bytes())
        .collect();
    let mut ids = Vec::new();
    let image = ada_api.upload("engine.png", &PNG).await;
    ids.push(image.id);
    for (n, bytes) in notes.iter().enumerate() {
        let uploaded = ada_api.upload(&format!("falcon-plan-{n}.txt"), bytes).await;
        ids.push(uploaded.id);
    }
    let post_id = uuid::Uuid::now_v7().to_string();
    ada_api
        .write(
            Method::POST,
            "/posts",
            json!({"id": post_id, "group_id": falcon, "body": "Plans attached", "attachment_ids": ids}),
        )
        .await;

    let profile = dirs.path().join("alan");
    let alan = logged_in(&profile, &server, "alan@example.org").await;
    alan.sync().await.expect("sync");
    let listed = alan.attachments(&post_id).await.unwrap();
    assert_eq!(listed.len(), 5);
    assert_eq!(listed[0].name, "engine.png");
    assert!(listed.iter().all(|a| !a.downloaded));
    let folder = profile.join(ATTACHMENTS_DIR);
    assert!(
        files_under(&folder).is_empty(),
        "nothing before it is asked for"
    );

    // An image comes as its thumbnail first; files are named by their hash.
    let (path, bytes) = file_bytes(&alan, &ids[0], true).await;
    assert!(bytes.starts_with(b"\x89PNG"));
    let sha = sha256_hex(&bytes);
    assert_eq!(path, folder.join(&sha[0..2]).join(&sha[2..4]).join(&sha));
    let (path, bytes) = file_bytes(&alan, &ids[1], false).await;
    assert_eq!(bytes, notes[0]);
    assert_eq!(
        path.file_name().unwrap().to_str().unwrap(),
        sha256_hex(&notes[0])
    );
    assert!(alan.attachments(&post_id).await.unwrap()[1].downloaded);

    // A file damaged on the server is refused and not kept.
    let blob = sha256_hex(&notes[3]);
    let on_server = data
        .join("attachments")
        .join(&blob[0..2])
        .join(&blob[2..4])
        .join(&blob);
    std::fs::write(&on_server, b"tampered").unwrap();
    match alan.attachment_file(&ids[4], false).await {
        Err(ClientError::UnexpectedResponse(message)) => assert!(message.contains("damaged")),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(!alan.attachments(&post_id).await.unwrap()[4].downloaded);

    // Offline, downloaded files are still there.
    let (data_dir, addr) = server.kill();
    assert_eq!(file_bytes(&alan, &ids[1], false).await.1, notes[0]);
    let server = TestServer::start(&data_dir, &addr.to_string());

    // The size limit evicts the least recently viewed first.
    file_bytes(&alan, &ids[2], false).await; // notes 1
    file_bytes(&alan, &ids[1], false).await; // notes 0 viewed again: now the most recent
                                             // Room for two notes but not three: the thumbnail and notes 1 must go.
    let limit = 3 * notes[0].len() as u64 - 1;
    alan.set_attachment_cache_limit(limit).await.unwrap();
    assert_eq!(alan.attachment_cache_limit().await.unwrap(), limit);
    file_bytes(&alan, &ids[3], false).await; // notes 2
    let downloaded: Vec<bool> = alan
        .attachments(&post_id)
        .await
        .unwrap()
        .iter()
        .map(|a| a.downloaded)
        .collect();
    assert_eq!(downloaded, [false, true, false, true, false]);
    let on_disk: Vec<String> = files_under(&folder)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut expected = vec![sha256_hex(&notes[0]), sha256_hex(&notes[2])];
    let mut on_disk_sorted = on_disk.clone();
    on_disk_sorted.sort();
    expected.sort();
    assert_eq!(on_disk_sorted, expected);

    // A lower limit applies at once (Settings' "files kept"), least recently viewed first.
    let before = alan.cache_usage().await.unwrap();
    assert_eq!(before.files_bytes, (notes[0].len() + notes[2].len()) as u64);
    assert!(before.database_bytes > 0, "the cache database has a size");
    alan.set_attachment_cache_limit(notes[2].len() as u64)
        .await
        .unwrap();
    let after = alan.cache_usage().await.unwrap();
    assert_eq!(after.files_bytes, notes[2].len() as u64);
    assert_eq!(after.files_limit, notes[2].len() as u64);
    let on_disk: Vec<String> = files_under(&folder)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        on_disk,
        vec![sha256_hex(&notes[2])],
        "the evicted file left the disk"
    );

    // Removed from the group: its attachments leave the cache and the disk.
    let alan_id = alan.stored_account().await.unwrap().unwrap().user.id;
    let ada_api = RawApi::login(&server.url(), "ada@example.org").await;
    ada_api
        .write(
            Method::POST,
            &format!("/groups/{falcon}/members/{alan_id}/remove"),
            json!({}),
        )
        .await;
    alan.sync().await.expect("sync after removal");
    assert!(alan.attachments(&post_id).await.unwrap().is_empty());
    assert!(
        files_under(&folder).is_empty(),
        "{:?}",
        files_under(&folder)
    );
    for file in [CACHE_FILE, "cache.db-wal"] {
        let bytes = std::fs::read(profile.join(file)).unwrap_or_default();
        assert!(
            !contains(&bytes, b"falcon-plan-"),
            "a file name left in {file}"
        );
    }
    match alan.attachment_file(&ids[1], false).await {
        Err(ClientError::InvalidInput(_)) => {}
        other => panic!("expected an unknown attachment, got {other:?}"),
    }
}
