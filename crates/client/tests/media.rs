//! Profile pictures, group covers and comment attachments reach the cache
//! through sync and show in the views (the files stay on the server).
//! Run inside a session bus with an unlocked Secret Service (see README.md).

mod support;

use serde_json::json;
use support::{logged_in, RawApi, TestServer};

/// A 2×2 PNG, small enough to write out here.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x38, 0x91, 0x62, 0x04,
    0x44, 0x0c, 0x10, 0x0a, 0x00, 0x28, 0xae, 0x05, 0x79, 0x42, 0xe1, 0x27, 0xee, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

#[tokio::test]
async fn pictures_covers_and_comment_files_reach_the_views() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    grace.sync().await.unwrap();
    let post = grace.feed(None, 1, None).await.unwrap().remove(0);

    let ada = RawApi::login(&server.url(), "ada@example.org").await;
    let avatar = ada.upload("ada.png", PNG.to_vec()).await;
    assert!(avatar.width.is_some(), "the server decoded the picture");
    ada.write(
        reqwest::Method::PUT,
        "/me/avatar",
        json!({ "attachment_id": avatar.id }),
    )
    .await;
    let group_id = uuid::Uuid::now_v7().to_string();
    ada.write(
        reqwest::Method::POST,
        "/groups",
        json!({ "id": group_id, "name": "Analytical Engine", "description": "", "privacy": "open" }),
    )
    .await;
    let cover = ada.upload("engine.png", PNG.to_vec()).await;
    ada.write(
        reqwest::Method::PUT,
        &format!("/groups/{group_id}/cover"),
        json!({ "attachment_id": cover.id }),
    )
    .await;
    let notes = ada.upload("notes.txt", b"Note G".to_vec()).await;
    let comment_id = uuid::Uuid::now_v7().to_string();
    ada.write(
        reqwest::Method::POST,
        &format!("/posts/{}/comments", post.id),
        json!({ "id": comment_id, "body": "the notes", "attachment_ids": [notes.id] }),
    )
    .await;

    grace.sync().await.unwrap();
    let profile = grace.profile("ada").await.unwrap().expect("ada's profile");
    assert_eq!(profile.avatar_id.as_deref(), Some(avatar.id.as_str()));
    let listed = grace.people(Some("ada"), 10).await.unwrap();
    assert_eq!(listed[0].avatar_id.as_deref(), Some(avatar.id.as_str()));
    let group = grace
        .groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.id == group_id)
        .expect("the new open group");
    assert_eq!(group.cover_id.as_deref(), Some(cover.id.as_str()));
    let seen = grace.post_by_id(&post.id).await.unwrap().expect("the post");
    let comment = seen
        .comments
        .iter()
        .find(|c| c.id == comment_id)
        .expect("ada's comment");
    assert_eq!(comment.attachments, vec![notes.clone()]);

    // Removed and deleted ones go from the views too.
    ada.write(reqwest::Method::DELETE, "/me/avatar", json!({}))
        .await;
    ada.write(
        reqwest::Method::DELETE,
        &format!("/comments/{comment_id}"),
        json!({}),
    )
    .await;
    grace.sync().await.unwrap();
    let profile = grace.profile("ada").await.unwrap().expect("ada's profile");
    assert_eq!(profile.avatar_id, None);
    let seen = grace.post_by_id(&post.id).await.unwrap().expect("the post");
    assert!(seen
        .comments
        .iter()
        .all(|c| c.id != comment_id || c.attachments.is_empty()));
}
