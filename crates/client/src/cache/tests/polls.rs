//! Votes and "seen" from sync: applied, withdrawn, and gone with a
//! tombstone or a purge; an expired announcement is not on top.

use commons_protocol::{Change, Poll, PollVote, Post, PostSeen};

use super::super::*;
use super::seeded;

fn vote(post_id: &str, group_id: &str, user_id: &str, options: &[u32]) -> Change {
    Change::PollVote {
        vote: PollVote {
            post_id: post_id.into(),
            group_id: group_id.into(),
            user_id: user_id.into(),
            options: options.to_vec(),
            voted_at: 1,
        },
    }
}

fn seen(post_id: &str, group_id: &str, user_id: &str) -> Change {
    Change::PostSeen {
        seen: PostSeen {
            post_id: post_id.into(),
            group_id: group_id.into(),
            user_id: user_id.into(),
            seen_at: 5,
        },
    }
}

fn with_poll(id: &str, group_id: &str, created_at: i64, announced_until: Option<i64>) -> Post {
    Post {
        id: id.into(),
        group_id: group_id.into(),
        author_id: "ada".into(),
        body: format!("poll {id}"),
        created_at,
        poll: Some(Poll {
            options: vec!["yes".into(), "no".into()],
            multiple: true,
            closed_at: None,
        }),
        announced_until,
        ..Default::default()
    }
}

async fn apply(cache: &Cache, changes: &[Change]) {
    let mut tx = cache.write().await.unwrap();
    for change in changes {
        apply_change(&mut tx, change).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn view(cache: &Cache, id: &str) -> crate::FeedPost {
    let mut conn = cache.read().await.unwrap();
    feed_post(&mut conn, "ada", id)
        .await
        .unwrap()
        .expect("post")
}

fn counts(post: &crate::FeedPost) -> Vec<(i64, bool)> {
    let poll = post.poll.as_ref().expect("a poll");
    poll.options.iter().map(|o| (o.count, o.mine)).collect()
}

#[tokio::test]
async fn votes_and_seen_follow_sync_tombstones_and_purges() {
    let (cache, _) = seeded().await;
    let far = now_millis() + 1_000_000;
    let everyone = with_poll("q1", "everyone", 40, Some(far));
    let falcon = with_poll("q2", "falcon", 500, None);
    apply(
        &cache,
        &[
            Change::Post {
                post: everyone.clone(),
            },
            Change::Post { post: falcon },
            vote("q1", "everyone", "ada", &[0, 1]),
            vote("q1", "everyone", "grace", &[1]),
            vote("q2", "falcon", "ada", &[0]),
            seen("q1", "everyone", "grace"),
            seen("q2", "falcon", "ada"),
        ],
    )
    .await;
    let q1 = view(&cache, "q1").await;
    assert_eq!(counts(&q1), vec![(1, true), (2, true)]);
    assert_eq!(q1.poll.as_ref().unwrap().voters, 2);
    assert_eq!((q1.seen_by_me, q1.seen_by_count), (false, Some(1)));
    // Unseen by me and running: on top of the home feed, above newer posts
    // (and in its own place further down too).
    let mut conn = cache.read().await.unwrap();
    let home = feed(&mut conn, "ada", None, 2, None).await.unwrap();
    drop(conn);
    assert_eq!(home[0].id, "q1");

    // A withdrawn vote; then the post's tombstone takes the rest.
    apply(
        &cache,
        &[Change::PollVoteRemoved {
            post_id: "q1".into(),
            user_id: "grace".into(),
        }],
    )
    .await;
    assert_eq!(
        counts(&view(&cache, "q1").await),
        vec![(1, true), (1, true)]
    );
    let tombstone = Post {
        body: String::new(),
        poll: None,
        announced_until: None,
        deleted_at: Some(600),
        ..everyone
    };
    apply(&cache, &[Change::Post { post: tombstone }]).await;
    let mut conn = cache.read().await.unwrap();
    for sql in [
        "SELECT COUNT(*) FROM poll_votes WHERE post_id = 'q1'",
        "SELECT COUNT(*) FROM post_seen WHERE post_id = 'q1'",
    ] {
        let left: i64 = sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap();
        assert_eq!(left, 0, "{sql}");
    }
    drop(conn);

    // A purge of the group takes its votes and "seen".
    apply(
        &cache,
        &[Change::Purge {
            group_id: "falcon".into(),
        }],
    )
    .await;
    let mut conn = cache.read().await.unwrap();
    for sql in [
        "SELECT COUNT(*) FROM poll_votes WHERE group_id = 'falcon'",
        "SELECT COUNT(*) FROM post_seen WHERE group_id = 'falcon'",
    ] {
        let left: i64 = sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap();
        assert_eq!(left, 0, "{sql}");
    }
}

#[tokio::test]
async fn an_ended_or_seen_announcement_keeps_its_place() {
    let (cache, _) = seeded().await;
    let ended = with_poll("q1", "everyone", 50, Some(now_millis() - 1));
    let running = with_poll("q2", "everyone", 60, Some(now_millis() + 1_000_000));
    apply(
        &cache,
        &[
            Change::Post { post: ended },
            Change::Post { post: running },
            seen("q2", "everyone", "ada"),
        ],
    )
    .await;
    let mut conn = cache.read().await.unwrap();
    let home: Vec<String> = feed(&mut conn, "ada", None, 10, None)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    // Newest first by creation, as if neither were announced.
    assert_eq!(home, ["p2", "p1", "q2", "q1"]);
}
