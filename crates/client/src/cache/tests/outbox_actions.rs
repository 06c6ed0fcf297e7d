//! Retrying and discarding failed writes, on a real (in-memory) SQLite; the
//! push goes to a minimal HTTP server in this process that accepts posts and
//! comments and records what it was sent.

use std::sync::{Arc, Mutex};

use commons_protocol::{Comment, CreateCommentRequest, CreatePostRequest, Post, User};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::super::*;
use super::seeded;
use crate::api::Api;
use crate::outbox::{self, Mutation, Session};
use crate::{outbox_actions, writes, ClientError, OutboxState};

async fn mutation(cache: &Cache, mutation_id: &str) -> Mutation {
    let mut conn = cache.read().await.unwrap();
    let payload: String = sqlx::query_scalar("SELECT payload FROM outbox WHERE mutation_id = ?")
        .bind(mutation_id.to_owned())
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    serde_json::from_str(&payload).unwrap()
}

/// Queues a post and a comment on it, then fails both as a push would
/// (the comment because its post was refused). Returns their mutation ids.
async fn failed_post_with_comment(cache: &Cache, ada: &User) -> (String, String, String) {
    let mut tx = cache.write().await.unwrap();
    let post_id = writes::post(&mut tx, ada, None, "Refused lighthouse")
        .await
        .unwrap();
    writes::comment(&mut tx, ada, &post_id, "and its comment")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let ids = outbox_ids(cache).await;
    let (post_mid, comment_mid) = (ids[ids.len() - 2].clone(), ids[ids.len() - 1].clone());
    outbox::fail(cache, &mutation(cache, &post_mid).await, "not today")
        .await
        .unwrap();
    outbox::fail(
        cache,
        &mutation(cache, &comment_mid).await,
        "its post was not accepted by the server (not today)",
    )
    .await
    .unwrap();
    (post_id, post_mid, comment_mid)
}

async fn outbox_ids(cache: &Cache) -> Vec<String> {
    let mut conn = cache.read().await.unwrap();
    outbox::items(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.mutation_id)
        .collect()
}

async fn home_feed(cache: &Cache) -> Vec<crate::FeedPost> {
    let mut conn = cache.read().await.unwrap();
    feed(&mut conn, "ada", None, 50, None).await.unwrap()
}

async fn discard(cache: &Cache, mutation_id: &str) -> Result<(), ClientError> {
    let mut tx = cache.write().await.unwrap();
    outbox_actions::discard(&mut tx, mutation_id).await?;
    tx.commit().await.unwrap();
    Ok(())
}

async fn retry(cache: &Cache, mutation_id: &str) -> Result<(), ClientError> {
    let mut tx = cache.write().await.unwrap();
    outbox_actions::retry(&mut tx, mutation_id).await?;
    tx.commit().await.unwrap();
    Ok(())
}

#[tokio::test]
async fn a_discarded_post_leaves_the_feed_with_its_comment() {
    let (cache, ada) = seeded().await;
    let (post_id, post_mid, _) = failed_post_with_comment(&cache, &ada).await;
    assert!(home_feed(&cache).await.iter().any(|p| p.id == post_id));

    discard(&cache, &post_mid).await.unwrap();
    assert!(outbox_ids(&cache).await.is_empty());
    let feed = home_feed(&cache).await;
    assert!(feed.iter().all(|p| p.id != post_id));
    let mut conn = cache.read().await.unwrap();
    assert_eq!(
        comment(&mut conn, "ada", "c1").await.unwrap().map(|c| c.id),
        Some("c1".into())
    );
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE post_id = ?")
        .bind(post_id.clone())
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert!(search(&mut conn, "ada", "lighthouse", 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_discarded_comment_goes_alone() {
    let (cache, ada) = seeded().await;
    let (post_id, post_mid, comment_mid) = failed_post_with_comment(&cache, &ada).await;
    discard(&cache, &comment_mid).await.unwrap();
    assert_eq!(outbox_ids(&cache).await, [post_mid]);
    let post = home_feed(&cache)
        .await
        .into_iter()
        .find(|p| p.id == post_id);
    assert!(post.unwrap().comments.is_empty());
}

#[tokio::test]
async fn only_failed_writes_can_be_discarded_or_retried() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    writes::post(&mut tx, &ada, None, "still waiting")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let pending = outbox_ids(&cache).await.remove(0);

    let refused = discard(&cache, &pending).await.unwrap_err();
    assert!(
        matches!(&refused, ClientError::InvalidInput(m) if m.contains("may already have reached the server")),
        "{refused:?}"
    );
    let refused = retry(&cache, &pending).await.unwrap_err();
    assert!(
        matches!(&refused, ClientError::InvalidInput(m) if m.contains("has not failed")),
        "{refused:?}"
    );
    for unknown in [discard(&cache, "nope").await, retry(&cache, "nope").await] {
        assert!(
            matches!(&unknown, Err(ClientError::InvalidInput(m)) if m.contains("no change nope in the outbox")),
            "{unknown:?}"
        );
    }
    assert_eq!(outbox_ids(&cache).await, [pending]);
    assert_eq!(home_feed(&cache).await[0].body, "still waiting");
}

#[tokio::test]
async fn a_discarded_group_takes_its_posts_and_memberships() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    let group_id =
        writes::create_group(&mut tx, &ada, "Ghost", "", commons_protocol::Privacy::Open)
            .await
            .unwrap();
    let post_id = writes::post(&mut tx, &ada, Some(&group_id), "Into the void")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let ids = outbox_ids(&cache).await;
    outbox::fail(&cache, &mutation(&cache, &ids[0]).await, "id taken")
        .await
        .unwrap();
    outbox::fail(
        &cache,
        &mutation(&cache, &ids[1]).await,
        "its group was not created",
    )
    .await
    .unwrap();

    discard(&cache, &ids[0]).await.unwrap();
    assert!(outbox_ids(&cache).await.is_empty());
    let mut conn = cache.read().await.unwrap();
    assert!(groups(&mut conn, "ada", Some(&group_id))
        .await
        .unwrap()
        .is_empty());
    assert!(feed_post(&mut conn, "ada", &post_id)
        .await
        .unwrap()
        .is_none());
    let memberships: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE group_id = ?")
            .bind(group_id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(memberships, 0);
}

#[tokio::test]
async fn a_retried_join_shows_the_membership_again() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    writes::join_group(&mut tx, &ada, "open").await.unwrap();
    tx.commit().await.unwrap();
    let mid = outbox_ids(&cache).await.remove(0);
    outbox::fail(&cache, &mutation(&cache, &mid).await, "closed for now")
        .await
        .unwrap();
    let mine = |cache: Cache| async move {
        let mut conn = cache.read().await.unwrap();
        groups(&mut conn, "ada", Some("open")).await.unwrap()[0].my_role
    };
    assert_eq!(mine(cache.clone()).await, None);
    retry(&cache, &mid).await.unwrap();
    assert_eq!(
        mine(cache.clone()).await,
        Some(commons_protocol::GroupRole::Member)
    );
}

/// A server that accepts posts and comments, answering as the real one
/// would, and records the mutation ids it received.
async fn accepting_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (path, body) = read_request(&mut stream).await;
            let answer = if path == "/api/v1/posts" {
                let r: CreatePostRequest = serde_json::from_slice(&body).unwrap();
                log.lock().unwrap().push(r.mutation_id);
                serde_json::to_string(&Post {
                    id: r.id,
                    group_id: r.group_id,
                    author_id: "ada".into(),
                    body: r.body,
                    created_at: 1,
                    ..Default::default()
                })
            } else {
                let post_id = path
                    .trim_start_matches("/api/v1/posts/")
                    .trim_end_matches("/comments");
                let r: CreateCommentRequest = serde_json::from_slice(&body).unwrap();
                log.lock().unwrap().push(r.mutation_id);
                serde_json::to_string(&Comment {
                    id: r.id,
                    post_id: post_id.to_owned(),
                    group_id: "everyone".into(),
                    author_id: "ada".into(),
                    body: r.body,
                    created_at: 2,
                    ..Default::default()
                })
            }
            .unwrap();
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{answer}",
                answer.len()
            );
            stream.write_all(response.as_bytes()).await.unwrap();
        }
    });
    (url, received)
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> (String, Vec<u8>) {
    let (_method, path, body) = read_http_request(stream).await;
    (path, body)
}

/// Method (uppercase), path (lowercase) and body of one HTTP/1.1 request.
pub(super) async fn read_http_request(
    stream: &mut tokio::net::TcpStream,
) -> (String, String, Vec<u8>) {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.unwrap();
        data.extend_from_slice(&chunk[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let method = head.split_whitespace().next().unwrap().to_ascii_uppercase();
    let path = head.split_whitespace().nth(1).unwrap().to_owned();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while data.len() < head_end + length {
        let n = stream.read(&mut chunk).await.unwrap();
        data.extend_from_slice(&chunk[..n]);
    }
    (method, path, data[head_end..head_end + length].to_vec())
}

#[tokio::test]
async fn a_retried_write_goes_to_the_end_with_its_dependents_and_is_sent_once() {
    let (cache, ada) = seeded().await;
    let (post_id, post_mid, comment_mid) = failed_post_with_comment(&cache, &ada).await;
    let mut tx = cache.write().await.unwrap();
    writes::post(&mut tx, &ada, None, "queued later")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let later = outbox_ids(&cache).await[2].clone();

    // The comment alone cannot succeed while its post is refused.
    let refused = retry(&cache, &comment_mid).await.unwrap_err();
    assert!(
        matches!(&refused, ClientError::InvalidInput(m) if m.contains(&post_mid)),
        "{refused:?}"
    );

    retry(&cache, &post_mid).await.unwrap();
    assert_eq!(
        outbox_ids(&cache).await,
        [later.clone(), post_mid.clone(), comment_mid.clone()]
    );
    let mut conn = cache.read().await.unwrap();
    let queued = outbox::items(&mut conn).await.unwrap();
    assert!(queued.iter().all(|i| i.state == OutboxState::Pending));
    let post = feed_post(&mut conn, "ada", &post_id)
        .await
        .unwrap()
        .unwrap();
    assert!(post.pending && post.failed.is_none());
    assert!(post.comments[0].pending && post.comments[0].failed.is_none());
    drop(conn);

    let (url, received) = accepting_server().await;
    let api = Api::new().unwrap();
    let session = Session {
        api: &api,
        server_url: &url,
        token: "t",
        // These pushes hold no uploads.
        profile_dir: std::path::Path::new("/nonexistent"),
    };
    let report = outbox::push(&cache, &session).await.unwrap();
    assert_eq!((report.pushed, report.failed), (3, 0));
    assert_eq!(*received.lock().unwrap(), [later, post_mid, comment_mid]);
    assert!(outbox_ids(&cache).await.is_empty());
    let again = outbox::push(&cache, &session).await.unwrap();
    assert_eq!(again.pushed, 0);
    assert_eq!(
        received.lock().unwrap().len(),
        3,
        "each write was sent once"
    );
    let mut conn = cache.read().await.unwrap();
    let post = feed_post(&mut conn, "ada", &post_id)
        .await
        .unwrap()
        .unwrap();
    assert!(!post.pending && !post.comments[0].pending);
}

#[tokio::test]
async fn queued_posts_and_comments_name_their_outbox_write() {
    let (cache, ada) = seeded().await;
    let (post_id, post_mid, comment_mid) = failed_post_with_comment(&cache, &ada).await;
    let feed = home_feed(&cache).await;
    let post = feed.iter().find(|p| p.id == post_id).unwrap();
    assert!(post.failed.is_some());
    assert_eq!(post.mutation_id.as_deref(), Some(post_mid.as_str()));
    assert_eq!(post.comments.len(), 1);
    assert_eq!(
        post.comments[0].mutation_id.as_deref(),
        Some(comment_mid.as_str())
    );
    // What the server confirmed is no longer in the outbox.
    assert!(feed
        .iter()
        .filter(|p| p.id != post_id)
        .all(|p| p.mutation_id.is_none() && p.comments.iter().all(|c| c.mutation_id.is_none())));
    let mut conn = cache.read().await.unwrap();
    let alone = feed_post(&mut conn, "ada", &post_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alone.mutation_id.as_deref(), Some(post_mid.as_str()));
    drop(conn);

    // Retried, it is pending again and keeps its write.
    retry(&cache, &post_mid).await.unwrap();
    let post = home_feed(&cache)
        .await
        .into_iter()
        .find(|p| p.id == post_id)
        .unwrap();
    assert!(post.pending && post.failed.is_none());
    assert_eq!(post.mutation_id, Some(post_mid));
}

#[tokio::test]
async fn a_new_group_shows_its_description_at_once_and_sends_it() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    // Trimmed; exactly the limit is fine once trimmed.
    let long = "d".repeat(commons_protocol::MAX_GROUP_DESCRIPTION_CHARS);
    let long_id = writes::create_group(
        &mut tx,
        &ada,
        "Long",
        &format!("  {long}\n"),
        commons_protocol::Privacy::Open,
    )
    .await
    .unwrap();
    let group_id = writes::create_group(
        &mut tx,
        &ada,
        "Book Club",
        "  Novels and tea ",
        commons_protocol::Privacy::Closed,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut conn = cache.read().await.unwrap();
    let shown = groups(&mut conn, &ada.id, Some(&group_id)).await.unwrap();
    assert!(shown[0].pending);
    assert_eq!(shown[0].description, "Novels and tea");
    let shown = groups(&mut conn, &ada.id, Some(&long_id)).await.unwrap();
    assert_eq!(shown[0].description, long);
    drop(conn);

    let ids = outbox_ids(&cache).await;
    match mutation(&cache, &ids[1]).await {
        Mutation::CreateGroup { request } => {
            assert_eq!(request.id, group_id);
            assert_eq!(request.description, "Novels and tea");
        }
        other => panic!("expected a group creation, got {other:?}"),
    }
}
