//! Polls (who votes, one or several options, results, closing, tombstones)
//! and announcements (on top until seen or ended, who saw them, notifications).

use commons_protocol::*;

use super::content_support::*;
use crate::harness::{new_id, Ctx, Reply, Session};

fn poll(options: &[&str], multiple: bool) -> NewPoll {
    NewPoll {
        options: options.iter().map(|o| o.to_string()).collect(),
        multiple,
    }
}

async fn write_poll(s: &Session, group: &Group, body: &str, poll: NewPoll) -> Reply {
    let mut request = s.post_request(&group.id, body);
    request.poll = Some(poll);
    s.post("/posts", &request).await
}

async fn write_announcement(s: &Session, group: &Group, body: &str, days: u32) -> Reply {
    let mut request = s.post_request(&group.id, body);
    request.announce_days = Some(days);
    s.post("/posts", &request).await
}

fn vote_request(options: &[u32]) -> VoteRequest {
    VoteRequest {
        mutation_id: new_id(),
        options: options.to_vec(),
    }
}

async fn vote(s: &Session, post: &Post, options: &[u32]) -> Reply {
    put(
        s,
        &format!("/posts/{}/vote", post.id),
        &vote_request(options),
    )
    .await
}

async fn results(s: &Session, post: &Post) -> Reply {
    s.get(&format!("/posts/{}/poll", post.id)).await
}

/// (count, voters) of each option.
fn tally(results: &PollResults) -> Vec<(u32, Vec<String>)> {
    results
        .options
        .iter()
        .map(|o| (o.count, o.voter_ids.clone()))
        .collect()
}

async fn announce(s: &Session, post: &Post, days: Option<u32>) -> Reply {
    let request = AnnounceRequest {
        mutation_id: new_id(),
        days,
    };
    s.post(&format!("/posts/{}/announce", post.id), &request)
        .await
}

async fn close(s: &Session, post: &Post) -> Reply {
    s.post(&format!("/posts/{}/poll/close", post.id), &mutation())
        .await
}

async fn mark_seen(s: &Session, post: &Post) -> Reply {
    s.post(&format!("/posts/{}/seen", post.id), &mutation())
        .await
}

async fn first_page(s: &Session, path: &str) -> Vec<String> {
    let page: FeedPage = s
        .get(&format!("{path}?limit=2"))
        .await
        .assert_status(200)
        .json();
    ids(&page.posts)
}

pub async fn polls_take_one_vote_or_several_from_members_only(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let dan = ctx.person("dan").await;
    let group = ada.create_group("Lunch", Privacy::Open).await;
    bob.join(&group.id).await.assert_status(200);
    carol.join(&group.id).await.assert_status(200);

    // The options are checked when the post is written.
    let too_many: Vec<String> = (0..21).map(|i| format!("option {i}")).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    let long = "x".repeat(MAX_POLL_OPTION_CHARS + 1);
    for bad in [
        poll(&["alone"], false),
        poll(&too_many, false),
        poll(&["pizza", "  "], false),
        poll(&["pizza", &long], false),
        poll(&["pizza", "Pizza"], false),
    ] {
        write_poll(&ada, &group, "where?", bad)
            .await
            .assert_error(400, "bad_request");
    }
    let single: Post = write_poll(
        &ada,
        &group,
        "where?",
        poll(&[" pizza ", "sushi", "tacos"], false),
    )
    .await
    .assert_status(201)
    .json();
    let asked = single.poll.clone().expect("a poll");
    assert_eq!(asked.options, ["pizza", "sushi", "tacos"]);
    assert!(!asked.multiple && asked.closed_at.is_none());
    assert_eq!(post_page(&dan, &single.id).await.post.poll, Some(asked));

    // Members vote once; a replay answers the same; a new vote replaces the old.
    let request = vote_request(&[1]);
    let path = format!("/posts/{}/vote", single.id);
    let first = put(&bob, &path, &request).await;
    first.assert_status(200);
    assert_eq!(put(&bob, &path, &request).await.text, first.text, "replay");
    vote(&carol, &single, &[1]).await.assert_status(200);
    let after: PollResults = vote(&bob, &single, &[2]).await.assert_status(200).json();
    let (b, c) = (bob.user.id.clone(), carol.user.id.clone());
    assert_eq!(
        tally(&after),
        vec![(0, vec![]), (1, vec![c.clone()]), (1, vec![b.clone()])]
    );
    assert_eq!(after.voters, 2);
    for bad in [&[][..], &[0, 1], &[3], &[0, 0]] {
        vote(&bob, &single, bad)
            .await
            .assert_error(400, "bad_request");
    }
    // A non-member reads the results of an open group but does not vote.
    vote(&dan, &single, &[0])
        .await
        .assert_error(403, "forbidden");
    let seen: PollResults = results(&dan, &single).await.assert_status(200).json();
    assert_eq!(seen, after);
    let plain = ada.write_post(&group, "no poll here").await;
    vote(&bob, &plain, &[0])
        .await
        .assert_error(404, "not_found");
    results(&bob, &plain).await.assert_error(404, "not_found");

    // Several options when the author allows it.
    let multiple: Post = write_poll(
        &ada,
        &group,
        "which days?",
        poll(&["mon", "tue", "wed"], true),
    )
    .await
    .assert_status(201)
    .json();
    let both: PollResults = vote(&bob, &multiple, &[2, 0])
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        tally(&both),
        vec![(1, vec![b.clone()]), (0, vec![]), (1, vec![b.clone()])]
    );
    vote(&bob, &multiple, &[])
        .await
        .assert_error(400, "bad_request");

    // Unvote, idempotent; sync tells the others.
    let cursor = carol.sync(None).await.cursor;
    let unvoted: PollResults = delete(&bob, &format!("/posts/{}/vote", multiple.id), &mutation())
        .await
        .assert_status(200)
        .json();
    assert_eq!(unvoted.voters, 0);
    delete(&bob, &format!("/posts/{}/vote", multiple.id), &mutation())
        .await
        .assert_status(200);
    let changes = carol.sync(Some(&cursor)).await.changes;
    assert!(changes.contains(&Change::PollVoteRemoved {
        post_id: multiple.id.clone(),
        user_id: b.clone(),
    }));
    let all = carol.sync(None).await.changes;
    let votes: Vec<&PollVote> = all
        .iter()
        .filter_map(|c| match c {
            Change::PollVote { vote } => Some(vote),
            _ => None,
        })
        .collect();
    assert_eq!(votes.len(), 2, "bob's and carol's votes in the single poll");
    assert!(votes
        .iter()
        .any(|v| v.user_id == b && v.options == [2] && v.post_id == single.id));

    // Closing: the author or a moderator, then no more votes.
    close(&bob, &single).await.assert_error(403, "forbidden");
    let closed: PollResults = close(&ada, &single).await.assert_status(200).json();
    assert!(closed.closed_at.is_some());
    assert_eq!(tally(&closed), tally(&after));
    vote(&carol, &single, &[0])
        .await
        .assert_error(409, "conflict");
    let synced = post_page(&carol, &single.id)
        .await
        .post
        .poll
        .expect("a poll");
    assert_eq!(synced.closed_at, closed.closed_at);
}

pub async fn deleting_a_post_removes_its_poll_and_votes(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let group = ada.create_group("Lunch", Privacy::Open).await;
    bob.join(&group.id).await.assert_status(200);
    let post: Post = write_poll(&ada, &group, "where?", poll(&["pizza", "sushi"], false))
        .await
        .assert_status(201)
        .json();
    vote(&bob, &post, &[0]).await.assert_status(200);
    let cursor = bob.sync(None).await.cursor;
    let tombstone: Post = delete_post(&ada, &post.id).await.assert_status(200).json();
    assert_eq!(tombstone.poll, None);
    results(&bob, &post).await.assert_error(404, "not_found");
    vote(&bob, &post, &[1]).await.assert_error(409, "conflict");
    mark_seen(&bob, &post).await.assert_error(409, "conflict");
    let changes = bob.sync(Some(&cursor)).await.changes;
    assert!(
        changes.iter().any(|c| matches!(c,
        Change::Post { post: p } if p.id == post.id && p.deleted_at.is_some() && p.poll.is_none()))
    );
    // A fresh client gets no vote of a deleted post.
    let fresh = bob.sync(None).await.changes;
    assert!(!fresh.iter().any(|c| matches!(c, Change::PollVote { .. })));
}

pub async fn closed_and_secret_groups_keep_polls_and_seen_to_members(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let eve = ctx.person("eve").await;
    for privacy in [Privacy::Closed, Privacy::Secret] {
        let group = ada.create_group(&format!("Board {privacy}"), privacy).await;
        ada.add_member(&group.id, &bob.user.email)
            .await
            .assert_status(200);
        let post: Post = write_poll(&ada, &group, "merge?", poll(&["yes", "no"], false))
            .await
            .assert_status(201)
            .json();
        vote(&bob, &post, &[0]).await.assert_status(200);
        mark_seen(&bob, &post).await.assert_status(200);
        announce(&ada, &post, Some(2)).await.assert_status(200);
        // A non-member gets exactly what a made-up post gets.
        let unknown = Post {
            id: new_id(),
            ..post.clone()
        };
        for (mine, made_up) in [
            (results(&eve, &post).await, results(&eve, &unknown).await),
            (
                vote(&eve, &post, &[1]).await,
                vote(&eve, &unknown, &[1]).await,
            ),
            (
                mark_seen(&eve, &post).await,
                mark_seen(&eve, &unknown).await,
            ),
            (
                eve.get(&format!("/posts/{}/seen", post.id)).await,
                eve.get(&format!("/posts/{}/seen", unknown.id)).await,
            ),
        ] {
            mine.assert_error(404, "not_found");
            assert_eq!(mine.text, made_up.text);
        }
        let synced = eve.sync(None).await.changes;
        assert!(!synced.iter().any(|c| matches!(
            c,
            Change::PollVote { .. } | Change::PostSeen { .. } | Change::Post { .. }
        )));
        assert!(first_page(&eve, "/feed").await.is_empty());
        let results: PollResults = results(&bob, &post).await.assert_status(200).json();
        assert_eq!(results.voters, 1);
    }
}

pub async fn announcements_stay_on_top_until_seen_or_ended(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let mod_ = ctx.person("mo").await;
    let group = ada.create_group("News", Privacy::Open).await;
    for s in [&bob, &carol, &mod_] {
        s.join(&group.id).await.assert_status(200);
    }
    make_moderator(&mod_, &group.id).await;

    // Only group admins and moderators announce, for 1 to 7 days.
    write_announcement(&bob, &group, "listen!", 2)
        .await
        .assert_error(403, "forbidden");
    for days in [0, 8] {
        write_announcement(&ada, &group, "listen!", days)
            .await
            .assert_error(400, "bad_request");
    }
    let news: Post = write_announcement(&ada, &group, "office closed friday", 3)
        .await
        .assert_status(201)
        .json();
    let until = news.announced_until.expect("announced");
    let day = DAY_MILLIS;
    assert!(
        until > news.created_at + 3 * day - 60_000 && until <= news.created_at + 3 * day + 60_000
    );
    let older = bob.write_post(&group, "older").await;
    let newer = bob.write_post(&group, "newer").await;
    pin(&ada, &older.id, true).await.assert_status(200);

    // On top of the home feed and of the group page (above pinned posts),
    // for everyone who has not seen it.
    let group_path = format!("/groups/{}/posts", group.id);
    for s in [&bob, &carol] {
        assert_eq!(first_page(s, "/feed").await[0], news.id);
        let page = first_page(s, &group_path).await;
        assert_eq!(page[..2], [news.id.clone(), older.id.clone()]);
    }
    // Seen (idempotent, the first time kept): back in its place for bob only.
    let seen: PostSeen = mark_seen(&bob, &news).await.assert_status(200).json();
    let again: PostSeen = mark_seen(&bob, &news).await.assert_status(200).json();
    assert_eq!(seen, again);
    assert_eq!(
        first_page(&bob, "/feed").await,
        [newer.id.clone(), older.id.clone()]
    );
    assert_eq!(first_page(&carol, "/feed").await[0], news.id);

    // An announcement whose end has passed stays out of the top.
    sqlx::query("UPDATE posts SET announced_until = $1 WHERE id = $2")
        .bind(news.created_at - 1)
        .bind(&news.id)
        .execute(ctx.db.pool())
        .await
        .expect("ended");
    assert_eq!(
        first_page(&carol, "/feed").await,
        [newer.id.clone(), older.id.clone()]
    );
    // Pinned posts come on top of a page of two.
    assert_eq!(
        first_page(&carol, &group_path).await,
        [older.id.clone(), newer.id.clone(), news.id.clone()]
    );

    // Announcing later: moderators too; members not; unmarking takes it off.
    announce(&bob, &newer, Some(1))
        .await
        .assert_error(403, "forbidden");
    announce(&mod_, &older, Some(8))
        .await
        .assert_error(400, "bad_request");
    let announced: Post = announce(&mod_, &older, Some(1))
        .await
        .assert_status(200)
        .json();
    assert!(announced.announced_until.is_some());
    assert_eq!(first_page(&carol, "/feed").await[0], older.id);
    let unmarked: Post = announce(&ada, &older, None).await.assert_status(200).json();
    assert_eq!(unmarked.announced_until, None);
    assert_eq!(
        first_page(&carol, "/feed").await,
        [newer.id.clone(), older.id.clone()]
    );
    // Sync carries the state.
    let changes = carol.sync(None).await.changes;
    assert!(changes.iter().any(|c| matches!(c,
        Change::Post { post } if post.id == older.id && post.announced_until.is_none())));
}

pub async fn seen_by_is_for_the_author_and_group_admins(ctx: Ctx) {
    let ada = ctx.person("ada").await; // group admin
    let bob = ctx.person("bob").await; // author
    let carol = ctx.person("carol").await;
    let mod_ = ctx.person("mo").await;
    let dan = ctx.person("dan").await; // not a member
    let group = ada.create_group("News", Privacy::Open).await;
    for s in [&bob, &carol, &mod_] {
        s.join(&group.id).await.assert_status(200);
    }
    make_moderator(&mod_, &group.id).await;
    let post = bob.write_post(&group, "new process").await;
    announce(&ada, &post, Some(7)).await.assert_status(200);
    let cursors = [
        ada.sync(None).await.cursor,
        bob.sync(None).await.cursor,
        carol.sync(None).await.cursor,
        mod_.sync(None).await.cursor,
    ];
    let carol_saw: PostSeen = mark_seen(&carol, &post).await.assert_status(200).json();
    let mod_saw: PostSeen = mark_seen(&mod_, &post).await.assert_status(200).json();
    mark_seen(&dan, &post).await.assert_error(403, "forbidden");

    let path = format!("/posts/{}/seen", post.id);
    for s in [&ada, &bob] {
        let seen: SeenBy = s.get(&path).await.assert_status(200).json();
        assert_eq!(seen.count, 2);
        assert_eq!(seen.seen, vec![carol_saw.clone(), mod_saw.clone()]);
    }
    for s in [&carol, &mod_, &dan] {
        s.get(&path).await.assert_error(403, "forbidden");
    }
    // Through sync: who saw, the author and the admins; nobody else.
    let seen_in = |changes: &[Change]| -> Vec<String> {
        changes
            .iter()
            .filter_map(|c| match c {
                Change::PostSeen { seen } => Some(seen.user_id.clone()),
                _ => None,
            })
            .collect()
    };
    let (c, m) = (carol.user.id.clone(), mod_.user.id.clone());
    let expected = [
        vec![c.clone(), m.clone()],
        vec![c.clone(), m.clone()],
        vec![c],
        vec![m],
    ];
    for ((s, cursor), want) in [&ada, &bob, &carol, &mod_]
        .iter()
        .zip(&cursors)
        .zip(expected)
    {
        let changes = s.sync(Some(cursor)).await.changes;
        assert_eq!(seen_in(&changes), want, "{}", s.user.handle);
    }
    assert!(seen_in(&dan.sync(None).await.changes).is_empty());
}

pub async fn announcements_notify_members_by_level(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let all = ctx.person("all").await;
    let high = ctx.person("high").await;
    let off = ctx.person("off").await;
    let group = ada.create_group("News", Privacy::Closed).await;
    for s in [&all, &high, &off] {
        ada.add_member(&group.id, &s.user.email)
            .await
            .assert_status(200);
    }
    set_level(&all, &group.id, NotificationLevel::All).await;
    set_level(&off, &group.id, NotificationLevel::Off).await;
    // `high` keeps the default, highlights.

    let kinds_about = |list: Vec<Notification>, post: &Post| -> Vec<NotificationKind> {
        list.into_iter()
            .filter(|n| n.post_id.as_deref() == Some(post.id.as_str()))
            .map(|n| n.kind)
            .collect()
    };
    // Announced when written: one notification each, an announcement.
    let first: Post = write_announcement(&ada, &group, "all hands", 2)
        .await
        .assert_status(201)
        .json();
    assert_eq!(
        kinds_about(notifications(&all).await, &first),
        [NotificationKind::Announcement]
    );
    assert_eq!(
        kinds_about(notifications(&high).await, &first),
        [NotificationKind::Announcement]
    );
    assert!(kinds_about(notifications(&off).await, &first).is_empty());
    assert!(kinds_about(notifications(&ada).await, &first).is_empty());

    // Announced later: `all` heard of the post and now of the announcement.
    let later = ada.write_post(&group, "new policy").await;
    announce(&ada, &later, Some(1)).await.assert_status(200);
    assert_eq!(
        kinds_about(notifications(&all).await, &later),
        [NotificationKind::GroupPost, NotificationKind::Announcement]
    );
    assert_eq!(
        kinds_about(notifications(&high).await, &later),
        [NotificationKind::Announcement]
    );
    assert!(kinds_about(notifications(&off).await, &later).is_empty());
    // Extending a running announcement notifies nobody again.
    announce(&ada, &later, Some(5)).await.assert_status(200);
    assert_eq!(kinds_about(notifications(&high).await, &later).len(), 1);
}
