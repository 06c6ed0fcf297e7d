//! Reactions: one per person and item, replaced, removed, synced, and only
//! for members.

use commons_protocol::*;

use super::content_support::*;
use crate::harness::{ids_in, new_id, Ctx};

pub async fn reactions_are_one_per_person_replaced_and_removed(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    bob.join(&group.id).await.assert_status(200);
    let post = ada.write_post(&group, "ship it?").await;
    let comment = ada.write_comment(&post, "tests are green").await;
    let before = ada.sync(None).await;

    let request = react_request(ReactionKind::Like);
    let path = format!("/posts/{}/reaction", post.id);
    let liked = put(&bob, &path, &request).await;
    liked.assert_status(200);
    assert_eq!(put(&bob, &path, &request).await.text, liked.text, "replay");
    let liked: ReactionResponse = liked.json();
    let like = liked.reaction.expect("a reaction");
    assert_eq!(
        (
            like.target_id.as_str(),
            like.post_id.as_str(),
            like.group_id.as_str(),
            like.user_id.as_str(),
            like.kind
        ),
        (
            post.id.as_str(),
            post.id.as_str(),
            group.id.as_str(),
            bob.user.id.as_str(),
            ReactionKind::Like
        )
    );
    // A second reaction replaces the first.
    let love: ReactionResponse = react(&bob, "posts", &post.id, ReactionKind::Love)
        .await
        .assert_status(200)
        .json();
    let love = love.reaction.expect("a reaction");
    assert_eq!(love.kind, ReactionKind::Love);
    let on_comment: ReactionResponse = react(&bob, "comments", &comment.id, ReactionKind::Wow)
        .await
        .assert_status(200)
        .json();
    let on_comment = on_comment.reaction.expect("a reaction");
    assert_eq!(
        (on_comment.target_id.as_str(), on_comment.post_id.as_str()),
        (comment.id.as_str(), post.id.as_str())
    );
    let mine: ReactionResponse = react(&ada, "posts", &post.id, ReactionKind::Haha)
        .await
        .assert_status(200)
        .json();
    let mine = mine.reaction.expect("a reaction");

    // Who reacted with what: the list, the post page, the feeds.
    // Oldest first (ties, within a millisecond, by item and person).
    let mut expected = vec![love.clone(), on_comment.clone(), mine.clone()];
    expected.sort_by(|a, b| {
        (a.created_at, &a.target_id, &a.user_id).cmp(&(b.created_at, &b.target_id, &b.user_id))
    });
    for reader in [&ada, &bob, &carol] {
        let all: Vec<Reaction> = reader
            .get(&format!("/posts/{}/reactions", post.id))
            .await
            .assert_status(200)
            .json();
        assert_eq!(all, expected);
        assert_eq!(post_page(reader, &post.id).await.reactions, expected);
    }
    let feed: FeedPage = bob.get("/feed").await.assert_status(200).json();
    assert_eq!(feed.posts[0].reactions, expected);
    let group_page: FeedPage = carol
        .get(&format!("/groups/{}/posts", group.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(group_page.posts[0].reactions, expected);

    // Sync: the current reaction once per person and item.
    let synced = ada.sync(Some(&before.cursor)).await;
    let reactions: Vec<&Reaction> = synced
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Reaction { reaction } => Some(reaction),
            _ => None,
        })
        .collect();
    assert_eq!(reactions, vec![&love, &on_comment, &mine]);

    // Removing: the answer has no reaction, sync says it is gone.
    let request = mutation();
    let removed = delete(&bob, &path, &request).await;
    removed.assert_status(200);
    assert_eq!(delete(&bob, &path, &request).await.text, removed.text);
    let removed: ReactionResponse = removed.json();
    assert_eq!(removed.reaction, None);
    let none: ReactionResponse = unreact(&bob, "posts", &post.id)
        .await
        .assert_status(200)
        .json();
    assert_eq!(none.reaction, None, "removing nothing is fine");
    unreact(&bob, "comments", &comment.id)
        .await
        .assert_status(200);
    let after = ada.sync(Some(&synced.cursor)).await.changes;
    assert_eq!(
        after,
        vec![
            Change::ReactionRemoved {
                target_id: post.id.clone(),
                user_id: bob.user.id.clone(),
            },
            Change::ReactionRemoved {
                target_id: comment.id.clone(),
                user_id: bob.user.id.clone(),
            },
        ]
    );
    let left: Vec<Reaction> = carol
        .get(&format!("/posts/{}/reactions", post.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(left, vec![mine]);

    // Bad input.
    put(
        &bob,
        &path,
        &serde_json::json!({ "mutation_id": new_id(), "kind": "thumbs_up" }),
    )
    .await
    .assert_error(400, "bad_request");
    put(&bob, &path, &serde_json::json!({ "mutation_id": new_id() }))
        .await
        .assert_error(400, "bad_request");
    react(&bob, "posts", "not-a-uuid", ReactionKind::Like)
        .await
        .assert_error(400, "bad_request");
    react(&bob, "posts", &new_id(), ReactionKind::Like)
        .await
        .assert_error(404, "not_found");
}

pub async fn only_members_react_and_closed_groups_hide_reactions(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let open = ada.create_group("Engineering", Privacy::Open).await;
    let closed = ada.create_group("Leadership", Privacy::Closed).await;
    let open_post = ada.write_post(&open, "open to all").await;
    let closed_post = ada.write_post(&closed, "members only").await;
    let closed_comment = ada.write_comment(&closed_post, "indeed").await;
    react(&ada, "posts", &closed_post.id, ReactionKind::Like)
        .await
        .assert_status(200);

    // Open group: bob reads the reactions but must join to react.
    react(&bob, "posts", &open_post.id, ReactionKind::Like)
        .await
        .assert_error(403, "forbidden");
    bob.get(&format!("/posts/{}/reactions", open_post.id))
        .await
        .assert_status(200);

    // Closed group: bob can neither react nor see who reacted.
    react(&bob, "posts", &closed_post.id, ReactionKind::Like)
        .await
        .assert_error(404, "not_found");
    react(&bob, "comments", &closed_comment.id, ReactionKind::Like)
        .await
        .assert_error(404, "not_found");
    unreact(&bob, "posts", &closed_post.id)
        .await
        .assert_error(404, "not_found");
    bob.get(&format!("/posts/{}/reactions", closed_post.id))
        .await
        .assert_error(404, "not_found");
    let synced = bob.sync(None).await.changes;
    assert!(
        !ids_in(&synced)
            .iter()
            .any(|id| id.starts_with(&closed_post.id)),
        "no reaction of the closed group syncs to a non-member"
    );

    // Once a member, he may.
    ada.add_member(&closed.id, &bob.user.email)
        .await
        .assert_status(200);
    react(&bob, "posts", &closed_post.id, ReactionKind::Care)
        .await
        .assert_status(200);
    let all: Vec<Reaction> = bob
        .get(&format!("/posts/{}/reactions", closed_post.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(all.len(), 2);
}
