//! The right to erasure reaches every cache: after an organisation admin
//! erases someone, another person's client that synced their posts forgets
//! them on its next sync, down to the bytes of its cache files. Against a
//! real server process; run inside a session bus with an unlocked Secret
//! Service (see README.md).

mod support;

use std::path::Path;

use reqwest::Method;
use serde_json::json;
use support::{everyone_group, logged_in, RawApi, TestServer};

/// Whether the cache files of the profile hold `marker` (any case).
fn cache_holds(profile: &Path, marker: &str) -> Vec<String> {
    let mut holding = Vec::new();
    for name in ["cache.db", "cache.db-wal"] {
        let Ok(bytes) = std::fs::read(profile.join(name)) else {
            continue;
        };
        if bytes
            .windows(marker.len())
            .any(|w| w.eq_ignore_ascii_case(marker.as_bytes()))
        {
            holding.push(name.to_string());
        }
    }
    holding
}

#[tokio::test]
async fn an_erased_person_leaves_other_caches_on_their_next_sync() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let marker = format!("zqx{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let alan = RawApi::login(&server.url(), "alan@example.org").await;
    let ada = RawApi::login(&server.url(), "ada@example.org").await;
    let grace_profile = profiles.path().join("grace");
    let grace = logged_in(&grace_profile, &server, "grace@example.org").await;
    grace.sync().await.unwrap();
    let everyone = everyone_group(&grace).await;

    alan.write(
        Method::PATCH,
        "/me",
        json!({"about": format!("Ask me about {marker}")}),
    )
    .await;
    let post_id = uuid::Uuid::now_v7().to_string();
    alan.write(
        Method::POST,
        "/posts",
        json!({"id": post_id, "group_id": everyone, "body": format!("A post on {marker}")}),
    )
    .await;
    alan.write(
        Method::PATCH,
        &format!("/posts/{post_id}"),
        json!({"body": format!("Edited, still on {marker}")}),
    )
    .await;
    alan.write(
        Method::POST,
        &format!("/posts/{post_id}/comments"),
        json!({"id": uuid::Uuid::now_v7().to_string(), "body": format!("And a comment on {marker}")}),
    )
    .await;
    grace.sync().await.unwrap();
    let hits = grace.search(&marker, 10).await.unwrap();
    assert!(!hits.is_empty(), "grace's cache holds alan's texts");
    assert!(!cache_holds(&grace_profile, &marker).is_empty());

    let me: serde_json::Value = alan.get("/me").await;
    let alan_id = me["id"].as_str().expect("id").to_string();
    let report = ada
        .write(
            Method::POST,
            &format!("/admin/users/{alan_id}/erase"),
            json!({}),
        )
        .await;
    assert!(report["posts"].as_u64() >= Some(1), "{report}");

    grace.sync().await.unwrap();
    let feed = grace.feed(None, 200, None).await.unwrap();
    assert!(feed.iter().all(|p| !p.body.contains(&marker)));
    let profile = grace
        .profile(&alan_id)
        .await
        .unwrap()
        .expect("still listed");
    assert_eq!(profile.name, "Former member");
    assert_eq!(profile.about, "");
    assert!(grace.search(&marker, 10).await.unwrap().is_empty());
    assert_eq!(
        cache_holds(&grace_profile, &marker),
        Vec::<String>::new(),
        "no byte of the erased texts stays in grace's cache"
    );
}

/// Retention: posts past their group's policy, deleted by the server's job
/// (here `commons-server retention run`), leave the feed and the cache of a
/// client on its next sync.
#[tokio::test]
async fn posts_deleted_by_retention_leave_the_cache_on_the_next_sync() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let marker = format!("zqx{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let alan = RawApi::login(&server.url(), "alan@example.org").await;
    let grace_profile = profiles.path().join("grace");
    let grace = logged_in(&grace_profile, &server, "grace@example.org").await;
    grace.sync().await.unwrap();
    let everyone = everyone_group(&grace).await;
    let old_id = uuid::Uuid::now_v7().to_string();
    alan.write(
        Method::POST,
        "/posts",
        json!({"id": old_id, "group_id": everyone, "body": format!("Old news on {marker}")}),
    )
    .await;
    let recent_id = uuid::Uuid::now_v7().to_string();
    alan.write(
        Method::POST,
        "/posts",
        json!({"id": recent_id, "group_id": everyone, "body": "Fresh news"}),
    )
    .await;
    grace.sync().await.unwrap();
    let ids: Vec<String> = grace
        .feed(None, 200, None)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert!(ids.contains(&old_id) && ids.contains(&recent_id));

    // A year old (there is no clock to turn back), then a 30-day policy and a run.
    let database = data.path().join("commons.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE posts SET created_at = created_at - 365 * 86400000 WHERE id = ?1")
        .bind(&old_id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    for args in [
        &["retention", "set", "--days", "30"][..],
        &["retention", "run"],
    ] {
        let out = std::process::Command::new(support::server_bin())
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    grace.sync().await.unwrap();
    let ids: Vec<String> = grace
        .feed(None, 200, None)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert!(!ids.contains(&old_id), "the old post is gone");
    assert!(ids.contains(&recent_id), "the recent one stays");
    assert!(grace.search(&marker, 10).await.unwrap().is_empty());
    assert_eq!(cache_holds(&grace_profile, &marker), Vec::<String>::new());
}
