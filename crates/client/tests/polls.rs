//! Polls and announcements end to end against a real server process: votes
//! and posts with polls written offline and applied at once, counts reaching
//! everyone; announcements on top of the feeds until seen, who saw them.
//! Run inside a session bus with an unlocked Secret Service (see README.md).

mod support;

use commons_client::{
    Client, ClientError, FeedPost, NotificationKind, PollOptionView, PostExtras, Privacy,
};
use support::{logged_in, TestServer};

async fn sync_all_accepted(client: &Client) {
    let report = client.sync().await.unwrap();
    assert_eq!(report.failed, 0, "{:?}", client.outbox().await.unwrap());
    assert!(client.outbox().await.unwrap().is_empty());
}

async fn post(client: &Client, id: &str) -> FeedPost {
    client.post_by_id(id).await.unwrap().expect("post in cache")
}

/// (text, count, mine) of each option.
fn tally(post: &FeedPost) -> Vec<(String, i64, bool)> {
    let poll = post.poll.as_ref().expect("a poll");
    poll.options
        .iter()
        .map(|PollOptionView { text, count, mine }| (text.clone(), *count, *mine))
        .collect()
}

fn o(text: &str, count: i64, mine: bool) -> (String, i64, bool) {
    (text.to_owned(), count, mine)
}

/// Ada's open group, with Grace and Alan in it, synced everywhere.
async fn lunch_group(ada: &Client, others: &[&Client]) -> String {
    let group = ada
        .create_group("Lunch", "where we eat", Privacy::Open)
        .await
        .unwrap();
    sync_all_accepted(ada).await;
    for client in others {
        client.sync().await.unwrap();
        client.join_group(&group.id).await.unwrap();
        sync_all_accepted(client).await;
    }
    ada.sync().await.unwrap();
    group.id
}

#[tokio::test]
async fn polls_and_votes_are_written_offline_and_reach_everyone() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    for client in [&ada, &grace] {
        client.sync().await.unwrap();
    }
    let group = lunch_group(&ada, &[&grace]).await;

    // A post with a poll, before any sync: shown at once with its options.
    let bad = PostExtras {
        poll_options: vec!["only one".into()],
        ..PostExtras::default()
    };
    let refused = ada.post_with(Some(&group), "where?", &bad).await;
    assert!(
        matches!(refused, Err(ClientError::InvalidInput(_))),
        "{refused:?}"
    );
    let extras = PostExtras {
        poll_options: vec!["pizza".into(), "sushi".into(), "tacos".into()],
        multiple: false,
        announce_days: None,
    };
    let asked = ada
        .post_with(Some(&group), "where?", &extras)
        .await
        .unwrap();
    assert!(asked.pending);
    assert_eq!(
        tally(&asked),
        vec![
            o("pizza", 0, false),
            o("sushi", 0, false),
            o("tacos", 0, false)
        ]
    );
    sync_all_accepted(&ada).await;
    grace.sync().await.unwrap();

    // Grace votes offline: her view counts it at once; one option only.
    let two = grace.vote(&asked.id, &[0, 1]).await;
    assert!(matches!(two, Err(ClientError::InvalidInput(_))), "{two:?}");
    assert!(grace.vote(&asked.id, &[1]).await.unwrap());
    assert!(!grace.vote(&asked.id, &[1]).await.unwrap(), "already so");
    let mine = post(&grace, &asked.id).await;
    assert_eq!(
        tally(&mine),
        vec![
            o("pizza", 0, false),
            o("sushi", 1, true),
            o("tacos", 0, false)
        ]
    );
    assert_eq!(grace.outbox().await.unwrap()[0].kind, "vote");
    sync_all_accepted(&grace).await;
    ada.vote(&asked.id, &[1]).await.unwrap();
    sync_all_accepted(&ada).await;
    let seen_by_ada = post(&ada, &asked.id).await;
    assert_eq!(
        tally(&seen_by_ada),
        vec![
            o("pizza", 0, false),
            o("sushi", 2, true),
            o("tacos", 0, false)
        ]
    );
    assert_eq!(seen_by_ada.poll.as_ref().unwrap().voters, 2);

    // Changing and withdrawing a vote reach the others too.
    grace.vote(&asked.id, &[2]).await.unwrap();
    sync_all_accepted(&grace).await;
    ada.sync().await.unwrap();
    assert_eq!(
        tally(&post(&ada, &asked.id).await),
        vec![
            o("pizza", 0, false),
            o("sushi", 1, true),
            o("tacos", 1, false)
        ]
    );
    assert!(grace.vote(&asked.id, &[]).await.unwrap());
    assert!(!post(&grace, &asked.id).await.poll.unwrap().options[2].mine);
    sync_all_accepted(&grace).await;
    ada.sync().await.unwrap();
    let after = post(&ada, &asked.id).await;
    assert_eq!(after.poll.as_ref().unwrap().voters, 1);
    assert_eq!(tally(&after)[2], o("tacos", 0, false));

    // Deleting the post takes its poll and votes from every cache.
    ada.delete(&asked.id).await.unwrap();
    sync_all_accepted(&ada).await;
    grace.sync().await.unwrap();
    let gone = post(&grace, &asked.id).await;
    assert!(gone.deleted && gone.poll.is_none());
}

#[tokio::test]
async fn announcements_stay_on_top_until_seen_and_authors_see_who_saw_them() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    let alan = logged_in(&profiles.path().join("alan"), &server, "alan@example.org").await;
    for client in [&ada, &grace, &alan] {
        client.sync().await.unwrap();
    }
    let group = lunch_group(&ada, &[&grace, &alan]).await;

    // Only the group's admins and moderators announce.
    let announce = PostExtras {
        announce_days: Some(3),
        ..PostExtras::default()
    };
    let refused = grace.post_with(Some(&group), "listen!", &announce).await;
    assert!(
        matches!(refused, Err(ClientError::InvalidInput(_))),
        "{refused:?}"
    );
    let news = ada
        .post_with(Some(&group), "office closed friday", &announce)
        .await
        .unwrap();
    assert!(news.announced_until.is_some());
    sync_all_accepted(&ada).await;
    // Grace hears of it once (the server notified her: highlights, her default level).
    let report = grace.sync().await.unwrap();
    let heard: Vec<(NotificationKind, String, String)> = report
        .notifications
        .iter()
        .map(|n| (n.kind, n.title.clone(), n.post_id.clone()))
        .collect();
    assert_eq!(
        heard,
        [(
            NotificationKind::Announcement,
            "Ada Lovelace made an announcement in Lunch".to_owned(),
            news.id.clone()
        )]
    );
    assert!(grace.sync().await.unwrap().notifications.is_empty());
    alan.sync().await.unwrap();
    let later = grace.post(Some(&group), "a newer post").await.unwrap();
    sync_all_accepted(&grace).await;
    alan.sync().await.unwrap();

    // On top of the home feed and the group's page while unseen.
    for client in [&grace, &alan] {
        assert_eq!(client.feed(None, 1, None).await.unwrap()[0].id, news.id);
        let page = client.feed(Some(&group), 1, None).await.unwrap();
        assert_eq!(page[0].id, news.id);
    }
    // Seen, offline: back in its place at once.
    assert!(grace.mark_seen(&news.id).await.unwrap());
    assert!(!grace.mark_seen(&news.id).await.unwrap(), "already seen");
    assert_eq!(grace.feed(None, 1, None).await.unwrap()[0].id, later.id);
    assert!(post(&grace, &news.id).await.seen_by_me);
    sync_all_accepted(&grace).await;

    // The author sees who saw it; the others only themselves.
    ada.sync().await.unwrap();
    let mine = post(&ada, &news.id).await;
    assert_eq!(mine.seen_by_count, Some(1));
    let seen = ada.seen_by(&news.id).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].name, "Grace Hopper");
    alan.sync().await.unwrap();
    assert_eq!(post(&alan, &news.id).await.seen_by_count, None);
    assert!(alan.seen_by(&news.id).await.unwrap().is_empty());

    // Announcing later and unmarking, by the group's admin only.
    let refused = grace.announce(&later.id, Some(1)).await;
    assert!(
        matches!(refused, Err(ClientError::InvalidInput(_))),
        "{refused:?}"
    );
    ada.announce(&later.id, Some(1)).await.unwrap();
    assert!(post(&ada, &later.id).await.announced_until.is_some());
    sync_all_accepted(&ada).await;
    alan.sync().await.unwrap();
    assert_eq!(
        alan.feed(None, 2, None).await.unwrap()[..2]
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>(),
        [later.id.clone(), news.id.clone()]
    );
    ada.announce(&later.id, None).await.unwrap();
    sync_all_accepted(&ada).await;
    alan.sync().await.unwrap();
    assert_eq!(post(&alan, &later.id).await.announced_until, None);
}

#[tokio::test]
async fn offline_poll_writes_reach_the_server_once_and_refused_ones_are_undone() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    for client in [&ada, &grace] {
        client.sync().await.unwrap();
    }
    let group = lunch_group(&ada, &[&grace]).await;
    let extras = PostExtras {
        poll_options: vec!["tea".into(), "coffee".into()],
        multiple: true,
        announce_days: None,
    };
    let poll = ada
        .post_with(Some(&group), "drinks?", &extras)
        .await
        .unwrap();
    let other = ada.post(Some(&group), "second").await.unwrap();
    sync_all_accepted(&ada).await;
    grace.sync().await.unwrap();

    // The server is down: a vote, a seen mark and an announcement wait.
    let (data_dir, addr) = server.kill();
    assert!(grace.vote(&poll.id, &[0, 1]).await.unwrap());
    assert!(grace.mark_seen(&poll.id).await.unwrap());
    ada.announce(&other.id, Some(2)).await.unwrap();
    assert!(matches!(grace.sync().await, Err(ClientError::Offline(_))));
    assert_eq!(
        tally(&post(&grace, &poll.id).await),
        vec![o("tea", 1, true), o("coffee", 1, true)]
    );
    let _server = TestServer::start(&data_dir, &addr.to_string());
    sync_all_accepted(&grace).await;
    sync_all_accepted(&ada).await;
    // Pushing again sends nothing new; the server counts one vote.
    sync_all_accepted(&grace).await;
    let seen_by_ada = post(&ada, &poll.id).await;
    assert_eq!(seen_by_ada.poll.as_ref().unwrap().voters, 1);
    assert_eq!(
        tally(&seen_by_ada),
        vec![o("tea", 1, false), o("coffee", 1, false)]
    );
    assert_eq!(seen_by_ada.seen_by_count, Some(1));
    assert!(post(&ada, &other.id).await.announced_until.is_some());

    // A vote the server refuses (Ada deleted the post meanwhile) is undone
    // here and kept in the outbox as failed.
    let before = post(&grace, &poll.id).await;
    ada.delete(&poll.id).await.unwrap();
    sync_all_accepted(&ada).await;
    assert!(grace.vote(&poll.id, &[1]).await.unwrap());
    let report = grace.push().await.unwrap();
    assert_eq!(report.failed, 1);
    assert_eq!(tally(&post(&grace, &poll.id).await), tally(&before));
}
