//! The home feed and group pages: order, pagination, who sees what.

use commons_protocol::*;

use super::content_support::*;
use crate::harness::Ctx;

pub async fn the_home_feed_orders_by_activity_and_pages_without_gaps(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let a = ada.create_group("Alpha", Privacy::Open).await;
    let b = ada.create_group("Beta", Privacy::Closed).await;
    let c = bob.create_group("Gamma", Privacy::Open).await;
    bob.join(&a.id).await.assert_status(200);
    let p1 = ada.write_post(&a, "one").await;
    let p2 = ada.write_post(&b, "two").await;
    let p3 = bob.write_post(&c, "three, not in ada's groups").await;
    let p4 = bob.write_post(&a, "four").await;
    let p5 = ada.write_post(&b, "five").await;
    let p6 = ada.write_post(&a, "six").await;
    let id = |p: &Post| p.id.clone();

    let feed: FeedPage = ada.get("/feed").await.assert_status(200).json();
    assert_eq!(ids(&feed.posts), [&p6, &p5, &p4, &p2, &p1].map(id));
    assert_eq!(feed.next, None);
    let bobs: FeedPage = bob.get("/feed").await.assert_status(200).json();
    assert_eq!(ids(&bobs.posts), [&p6, &p4, &p3, &p1].map(id));

    // A comment is activity: the post moves to the top; an edit or a
    // reaction is not.
    let comment = bob.write_comment(&p1, "bump").await;
    edit_post(&ada, &p2, "two, edited").await.assert_status(200);
    react(&ada, "posts", &p4.id, ReactionKind::Like)
        .await
        .assert_status(200);
    let expected = [&p1, &p6, &p5, &p4, &p2].map(id);
    let feed: FeedPage = ada.get("/feed").await.assert_status(200).json();
    assert_eq!(ids(&feed.posts), expected);
    assert_eq!(feed.posts[0].comments, vec![comment]);

    // Pages of two: the same posts, once each, in the same order.
    let pages = all_pages(&ada, "/feed", 2).await;
    assert_eq!(
        pages.iter().map(|p| p.len()).collect::<Vec<_>>(),
        vec![2, 2, 1]
    );
    let flat: Vec<String> = pages.iter().flat_map(|p| ids(p)).collect();
    assert_eq!(flat, expected);

    // Activity while paging: the commented post goes to the top and is not
    // shown again further down; nothing is skipped.
    let first: FeedPage = ada.get("/feed?limit=2").await.assert_status(200).json();
    assert_eq!(ids(&first.posts), [&p1, &p6].map(id));
    ada.write_comment(&p2, "bump the oldest").await;
    let next = first.next.expect("more pages");
    let second: FeedPage = ada
        .get(&format!("/feed?limit=2&before={next}"))
        .await
        .assert_status(200)
        .json();
    assert_eq!(ids(&second.posts), [&p5, &p4].map(id));
    assert_eq!(second.next, None);
    let fresh: FeedPage = ada.get("/feed?limit=2").await.assert_status(200).json();
    assert_eq!(ids(&fresh.posts), [&p2, &p1].map(id));

    // Someone in no group with posts has an empty feed.
    let empty: FeedPage = carol.get("/feed").await.assert_status(200).json();
    assert!(empty.posts.is_empty() && empty.next.is_none());

    // Limits are clamped; cursors are checked.
    let one: FeedPage = ada.get("/feed?limit=0").await.assert_status(200).json();
    assert_eq!(one.posts.len(), 1);
    let all: FeedPage = ada
        .get("/feed?limit=1000000")
        .await
        .assert_status(200)
        .json();
    assert_eq!(all.posts.len(), 5);
    ada.get("/feed?limit=many")
        .await
        .assert_error(400, "bad_request");
    ada.get("/feed?before=garbage")
        .await
        .assert_error(400, "bad_request");
    let group_page: FeedPage = ada
        .get(&format!("/groups/{}/posts?limit=1", a.id))
        .await
        .assert_status(200)
        .json();
    let group_cursor = group_page.next.expect("more pages");
    ada.get(&format!("/feed?before={group_cursor}"))
        .await
        .assert_error(400, "bad_request");
    ada.get(&format!("/groups/{}/posts?before={next}", a.id))
        .await
        .assert_error(400, "bad_request");
}

pub async fn group_pages_list_posts_newest_first_in_pages(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let group = ada.create_group("Alpha", Privacy::Open).await;
    let mut written = Vec::new();
    for n in 0..7 {
        written.push(ada.write_post(&group, &format!("post {n}")).await.id);
    }
    // Comments do not reorder a group's page (newest post first).
    ada.write_comment(
        &Post {
            id: written[0].clone(),
            ..Post::default()
        },
        "late comment",
    )
    .await;
    written.reverse();

    // A non-member reads an open group's page.
    for limit in [1, 2, 3, 7, 50] {
        let pages = all_pages(&bob, &format!("/groups/{}/posts", group.id), limit).await;
        let flat: Vec<String> = pages.iter().flat_map(|p| ids(p)).collect();
        assert_eq!(flat, written, "limit {limit}");
        assert!(pages.iter().all(|p| p.len() as i64 <= limit));
    }
    let default: FeedPage = bob
        .get(&format!("/groups/{}/posts", group.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(default.posts.len(), 7);
    assert_eq!(default.next, None);
    bob.get(&format!("/groups/{}/posts?before=g1.x", group.id))
        .await
        .assert_error(400, "bad_request");
}
