//! A new login shows the first page of the home feed before the change log's
//! first pull, and older pages load from the server on demand. The log stays
//! the source of truth: what the first page showed is reconciled with it,
//! never duplicated, and what was deleted or hidden meanwhile disappears.
//! Against a real server; run inside a session bus with an unlocked Secret
//! Service (see README.md).

mod support;

use std::collections::BTreeSet;

use commons_client::Client;
use reqwest::Method;
use serde_json::json;
use support::{logged_in, RawApi, TestServer};

async fn group_id(api: &RawApi, name: &str) -> String {
    let groups = api.get("/groups").await;
    groups
        .as_array()
        .expect("group list")
        .iter()
        .find(|item| item["group"]["name"] == name)
        .map(|item| item["group"]["id"].as_str().expect("id").to_owned())
        .unwrap_or_else(|| panic!("no group {name}"))
}

async fn create_post(api: &RawApi, group_id: &str, body: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    api.write(
        Method::POST,
        "/posts",
        json!({"id": id, "group_id": group_id, "body": body}),
    )
    .await;
    id
}

/// Every post id of the home feed as the server pages it.
async fn server_home_feed(api: &RawApi) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut before: Option<String> = None;
    loop {
        let path = match &before {
            None => "/feed?limit=100".to_owned(),
            Some(next) => format!("/feed?limit=100&before={next}"),
        };
        let page = api.get(&path).await;
        for item in page["posts"].as_array().expect("posts") {
            ids.insert(item["post"]["id"].as_str().expect("id").to_owned());
        }
        match page["next"].as_str() {
            Some(next) => before = Some(next.to_owned()),
            None => return ids,
        }
    }
}

async fn cached_home_feed(client: &Client) -> Vec<String> {
    let feed = client.feed(None, 200, None).await.expect("feed");
    feed.into_iter().map(|p| p.id).collect()
}

#[tokio::test]
async fn the_first_page_shows_at_once_and_the_log_reconciles_it() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada_api = RawApi::login(&server.url(), "ada@example.org").await;
    let grace_api = RawApi::login(&server.url(), "grace@example.org").await;
    let everyone = group_id(&ada_api, "Everyone").await;
    let falcon = group_id(&ada_api, "Project Falcon").await;
    let secret = create_post(&ada_api, &falcon, "Falcon: the engine runs").await;
    let doomed = create_post(&grace_api, &everyone, "A post about to be deleted").await;
    let newest = create_post(&grace_api, &everyone, "The newest post").await;

    let alan = logged_in(&profiles.path().join("alan"), &server, "alan@example.org").await;
    let added = alan.first_page().await.expect("first page");
    assert!(added > 0);
    let feed = alan.feed(None, 20, None).await.unwrap();
    assert_eq!(feed[0].id, newest, "the newest post comes first");
    assert_eq!(feed[0].author_name, "Grace Hopper");
    assert!(feed.iter().any(|p| p.id == secret), "Alan is in Falcon");
    assert!(feed.iter().any(|p| p.id == doomed));
    let groups = alan.groups().await.unwrap();
    assert!(groups.iter().any(|g| g.id == falcon && g.my_role.is_some()));
    assert_eq!(alan.first_page().await.unwrap(), 0, "only once");

    // Before the pull: Grace deletes her post, Ada removes Alan from Falcon.
    grace_api
        .write(Method::DELETE, &format!("/posts/{doomed}"), json!({}))
        .await;
    let alan_id = alan.stored_account().await.unwrap().unwrap().user.id;
    ada_api
        .write(
            Method::POST,
            &format!("/groups/{falcon}/members/{alan_id}/remove"),
            json!({}),
        )
        .await;

    alan.sync().await.expect("first sync");
    let cached = cached_home_feed(&alan).await;
    let unique: BTreeSet<String> = cached.iter().cloned().collect();
    assert_eq!(unique.len(), cached.len(), "no post twice");
    let alan_api = RawApi::login(&server.url(), "alan@example.org").await;
    assert_eq!(unique, server_home_feed(&alan_api).await);
    assert!(!unique.contains(&doomed), "the deleted post is gone");
    assert!(
        alan.post_by_id(&secret).await.unwrap().is_none(),
        "nothing of a secret group Alan left stays in the cache"
    );
    assert!(alan.groups().await.unwrap().iter().all(|g| g.id != falcon));
    assert!(alan.search("engine runs", 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn older_pages_load_on_demand_and_stay_cached() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let grace_api = RawApi::login(&server.url(), "grace@example.org").await;
    let engineering = group_id(&grace_api, "Engineering").await;
    for n in 0..45 {
        create_post(&grace_api, &engineering, &format!("Build note {n}")).await;
    }

    let alan = logged_in(&profiles.path().join("alan"), &server, "alan@example.org").await;
    alan.first_page().await.expect("first page");
    let first = cached_home_feed(&alan).await;
    assert_eq!(first.len(), 20, "one page so far");

    // Scrolling past the cache's end: the group's own pages, then the home feed's.
    let older = alan.load_older(Some(&engineering), 20).await.unwrap();
    assert!(older.added > 0 && older.more);
    loop {
        let older = alan.load_older(None, 20).await.unwrap();
        if !older.more {
            break;
        }
    }
    let alan_api = RawApi::login(&server.url(), "alan@example.org").await;
    let everything = server_home_feed(&alan_api).await;
    let cached = cached_home_feed(&alan).await;
    assert_eq!(cached.iter().cloned().collect::<BTreeSet<_>>(), everything);
    assert_eq!(cached.len(), everything.len());
    let ended = alan.load_older(None, 20).await.unwrap();
    assert_eq!((ended.added, ended.more), (0, false));

    // Offline, the loaded pages are still there; the pull adds nothing twice.
    let (data_dir, addr) = server.kill();
    assert_eq!(cached_home_feed(&alan).await, cached);
    let _server = TestServer::start(&data_dir, &addr.to_string());
    alan.sync().await.expect("sync");
    assert_eq!(cached_home_feed(&alan).await, cached);
}

#[tokio::test]
async fn big_groups_keep_their_newest_posts_and_reload_older_ones_on_scroll() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let grace_api = RawApi::login(&server.url(), "grace@example.org").await;
    let engineering = group_id(&grace_api, "Engineering").await;
    let mut newest = Vec::new();
    for n in 0..30 {
        newest.push(create_post(&grace_api, &engineering, &format!("Build note {n}")).await);
    }
    newest.reverse();
    newest.truncate(10);

    let alan = logged_in(&profiles.path().join("alan"), &server, "alan@example.org").await;
    alan.set_posts_per_group(Some(10)).await.unwrap();
    alan.sync().await.expect("sync");
    let group_feed = |client: &Client| {
        let client = client.clone();
        let engineering = engineering.clone();
        async move {
            let posts = client.feed(Some(&engineering), 200, None).await.unwrap();
            posts.into_iter().map(|p| p.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(group_feed(&alan).await, newest, "only the 10 newest stay");

    // Scrolling on reloads the older ones from the server.
    loop {
        if !alan.load_older(Some(&engineering), 20).await.unwrap().more {
            break;
        }
    }
    let on_server = grace_api.group_post_bodies(&engineering).await;
    assert_eq!(group_feed(&alan).await.len(), on_server.len());
}
