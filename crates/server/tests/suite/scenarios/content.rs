//! Edits, history, tombstones, replies and pins, as people see them through
//! the API and through sync.

use commons_protocol::*;

use super::content_support::*;
use crate::harness::{new_id, Ctx};

pub async fn authors_edit_posts_and_comments_and_history_keeps_earlier_text(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    bob.join(&group.id).await.assert_status(200);
    let post = ada.write_post(&group, "version one").await;
    let comment = bob.write_comment(&post, "first thought").await;
    let before = bob.sync(None).await;

    // Only the author edits.
    edit_post(&bob, &post, "hijacked")
        .await
        .assert_error(403, "forbidden");
    patch(
        &ada,
        &format!("/comments/{}", comment.id),
        &edit_request("no"),
    )
    .await
    .assert_error(403, "forbidden");

    let request = edit_request("version two");
    let path = format!("/posts/{}", post.id);
    let first_edit = patch(&ada, &path, &request).await;
    first_edit.assert_status(200);
    let edited: Post = first_edit.json();
    assert_eq!(edited.body, "version two");
    let first_edited_at = edited.edited_at.expect("edited_at is set");
    assert!(first_edited_at >= post.created_at);
    // A replay is answered, not applied again.
    assert_eq!(patch(&ada, &path, &request).await.text, first_edit.text);
    let edited: Post = edit_post(&ada, &post, "version three")
        .await
        .assert_status(200)
        .json();
    let second_edited_at = edited.edited_at.expect("edited_at is set");
    assert!(second_edited_at > first_edited_at);
    // The same text again changes nothing.
    let same: Post = edit_post(&ada, &post, "version three")
        .await
        .assert_status(200)
        .json();
    assert_eq!(same, edited);

    // Anyone who may read the post reads its history, oldest first.
    for reader in [&ada, &bob, &carol] {
        let history: Vec<PostVersion> = reader
            .get(&format!("/posts/{}/history", post.id))
            .await
            .assert_status(200)
            .json();
        assert_eq!(
            history,
            vec![
                PostVersion {
                    body: "version one".into(),
                    written_at: post.created_at,
                    replaced_at: first_edited_at,
                },
                PostVersion {
                    body: "version two".into(),
                    written_at: first_edited_at,
                    replaced_at: second_edited_at,
                },
            ]
        );
    }

    let comment_edit: Comment = patch(
        &bob,
        &format!("/comments/{}", comment.id),
        &edit_request("second thought"),
    )
    .await
    .assert_status(200)
    .json();
    assert_eq!(comment_edit.body, "second thought");
    assert!(comment_edit.edited_at.is_some());

    // Sync brings the edited versions (once each).
    let changes = bob.sync(Some(&before.cursor)).await.changes;
    assert_eq!(
        changes,
        vec![
            Change::Post {
                post: edited.clone()
            },
            Change::Comment {
                comment: comment_edit.clone()
            },
        ]
    );
    let page = post_page(&carol, &post.id).await;
    assert_eq!((page.post, page.comments), (edited, vec![comment_edit]));

    // Bad input is refused with clear errors.
    edit_post(&ada, &post, "   ")
        .await
        .assert_error(400, "bad_request");
    edit_post(&ada, &post, &"x".repeat(MAX_POST_BYTES + 1))
        .await
        .assert_error(400, "bad_request");
    patch(
        &bob,
        &format!("/comments/{}", comment.id),
        &edit_request(&"x".repeat(MAX_COMMENT_BYTES + 1)),
    )
    .await
    .assert_error(400, "bad_request");
    patch(&ada, "/posts/not-a-uuid", &edit_request("x"))
        .await
        .assert_error(400, "bad_request");
    patch(&ada, &format!("/posts/{}", new_id()), &edit_request("x"))
        .await
        .assert_error(404, "not_found");
    patch(&ada, &format!("/comments/{}", new_id()), &edit_request("x"))
        .await
        .assert_error(404, "not_found");
    ada.get(&format!("/posts/{}/history", new_id()))
        .await
        .assert_error(404, "not_found");
    let no_body = serde_json::json!({ "mutation_id": new_id() });
    patch(&ada, &path, &no_body)
        .await
        .assert_error(400, "bad_request");
}

pub async fn deleted_posts_become_tombstones_everywhere(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let group = ada.create_group("Engineering", Privacy::Closed).await;
    ada.add_member(&group.id, &bob.user.email)
        .await
        .assert_status(200);
    let post = ada.write_post(&group, "soon gone").await;
    let other = ada.write_post(&group, "stays").await;
    edit_post(&ada, &post, "soon gone, edited")
        .await
        .assert_status(200);
    let comment = bob.write_comment(&post, "a comment").await;
    let reply: Comment = reply_to(&ada, &post.id, &comment.id, "a reply")
        .await
        .assert_status(201)
        .json();
    react(&bob, "posts", &post.id, ReactionKind::Like)
        .await
        .assert_status(200);
    react(&ada, "comments", &comment.id, ReactionKind::Love)
        .await
        .assert_status(200);
    let before = bob.sync(None).await;

    // A member who is neither the author nor a moderator may not.
    delete_post(&bob, &post.id)
        .await
        .assert_error(403, "forbidden");

    let request = mutation();
    let path = format!("/posts/{}", post.id);
    let deleted = delete(&ada, &path, &request).await;
    deleted.assert_status(200);
    let tombstone: Post = deleted.json();
    assert_eq!(tombstone.body, "");
    let deleted_at = tombstone.deleted_at.expect("deleted_at is set");
    assert_eq!(delete(&ada, &path, &request).await.text, deleted.text);
    // Deleting again is fine and changes nothing.
    let again: Post = delete_post(&ada, &post.id).await.assert_status(200).json();
    assert_eq!(again, tombstone);

    // Sync: the post and its comments as tombstones, the reactions removed.
    let changes = bob.sync(Some(&before.cursor)).await.changes;
    let mut tombstones = 0;
    let mut removed = Vec::new();
    for change in &changes {
        match change {
            Change::Post { post: p } => {
                assert_eq!(p.id, post.id);
                assert_eq!((p.body.as_str(), p.deleted_at), ("", Some(deleted_at)));
                tombstones += 1;
            }
            Change::Comment { comment: c } => {
                assert!(c.id == comment.id || c.id == reply.id);
                assert_eq!((c.body.as_str(), c.deleted_at), ("", Some(deleted_at)));
                tombstones += 1;
            }
            Change::ReactionRemoved { target_id, user_id } => {
                removed.push((target_id.clone(), user_id.clone()))
            }
            other => panic!("unexpected change {other:?}"),
        }
    }
    assert_eq!(tombstones, 3, "{changes:?}");
    removed.sort();
    let mut expected = vec![
        (post.id.clone(), bob.user.id.clone()),
        (comment.id.clone(), ada.user.id.clone()),
    ];
    expected.sort();
    assert_eq!(removed, expected);
    // A fresh device gets the tombstones too, never the old text.
    let fresh = bob.sync(None).await;
    let text = serde_json::to_string(&fresh.changes).expect("json");
    for gone in ["soon gone", "a comment", "a reply"] {
        assert!(!text.contains(gone), "{gone:?} still synced");
    }

    // The post page answers the tombstone; history and reactions are gone.
    let page = post_page(&bob, &post.id).await;
    assert_eq!(page.post, tombstone);
    assert_eq!(page.comments.len(), 2);
    assert!(page
        .comments
        .iter()
        .all(|c| c.body.is_empty() && c.deleted_at.is_some()));
    assert!(page.reactions.is_empty());
    let history: Vec<PostVersion> = bob
        .get(&format!("/posts/{}/history", post.id))
        .await
        .assert_status(200)
        .json();
    assert!(history.is_empty());
    let reactions: Vec<Reaction> = bob
        .get(&format!("/posts/{}/reactions", post.id))
        .await
        .assert_status(200)
        .json();
    assert!(reactions.is_empty());

    // Feeds leave it out.
    let feed: FeedPage = bob.get("/feed").await.assert_status(200).json();
    assert_eq!(ids(&feed.posts), vec![other.id.clone()]);
    let group_page: FeedPage = bob
        .get(&format!("/groups/{}/posts", group.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(ids(&group_page.posts), vec![other.id.clone()]);

    // Nothing more happens to a tombstone.
    edit_post(&ada, &post, "back")
        .await
        .assert_error(409, "conflict");
    bob.post(
        &format!("/posts/{}/comments", post.id),
        &CreateCommentRequest {
            mutation_id: new_id(),
            id: new_id(),
            body: "hello?".into(),
            parent_id: None,
            attachment_ids: Vec::new(),
        },
    )
    .await
    .assert_error(409, "conflict");
    react(&bob, "posts", &post.id, ReactionKind::Sad)
        .await
        .assert_error(409, "conflict");
    react(&bob, "comments", &comment.id, ReactionKind::Sad)
        .await
        .assert_error(409, "conflict");
    pin(&ada, &post.id, true)
        .await
        .assert_error(409, "conflict");
    patch(
        &bob,
        &format!("/comments/{}", comment.id),
        &edit_request("x"),
    )
    .await
    .assert_error(409, "conflict");
}

pub async fn comments_are_deleted_by_authors_moderators_and_admins(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let dave = ctx.person("dave").await;
    let eve = ctx.person("eve").await;
    let root = org_admin(&ctx, "root").await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    for member in [&bob, &carol, &dave, &eve] {
        member.join(&group.id).await.assert_status(200);
    }
    make_moderator(&carol, &group.id).await;
    let post = eve.write_post(&group, "a post").await;
    let by_bob = bob.write_comment(&post, "bob's").await;
    let by_ada = ada.write_comment(&post, "ada's").await;
    let by_dave = dave.write_comment(&post, "dave's").await;
    react(&ada, "comments", &by_bob.id, ReactionKind::Haha)
        .await
        .assert_status(200);
    let before = ada.sync(None).await;

    // Neither another member nor the post's author may remove bob's comment.
    delete_comment(&dave, &by_bob.id)
        .await
        .assert_error(403, "forbidden");
    delete_comment(&eve, &by_bob.id)
        .await
        .assert_error(403, "forbidden");
    // The author, a moderator, an organisation admin may.
    let gone: Comment = delete_comment(&bob, &by_bob.id)
        .await
        .assert_status(200)
        .json();
    assert_eq!(gone.body, "");
    assert!(gone.deleted_at.is_some());
    let again: Comment = delete_comment(&bob, &by_bob.id)
        .await
        .assert_status(200)
        .json();
    assert_eq!(again, gone);
    delete_comment(&carol, &by_ada.id).await.assert_status(200);
    delete_comment(&root, &by_dave.id).await.assert_status(200);
    delete_comment(&root, &new_id())
        .await
        .assert_error(404, "not_found");
    delete_comment(&root, "nope")
        .await
        .assert_error(400, "bad_request");

    let changes = ada.sync(Some(&before.cursor)).await.changes;
    assert!(changes.contains(&Change::ReactionRemoved {
        target_id: by_bob.id.clone(),
        user_id: ada.user.id.clone(),
    }));
    let tombstoned = changes
        .iter()
        .filter(|c| matches!(c, Change::Comment { comment } if comment.body.is_empty() && comment.deleted_at.is_some()))
        .count();
    assert_eq!(tombstoned, 3, "{changes:?}");
    let page = post_page(&ada, &post.id).await;
    assert!(page.comments.iter().all(|c| c.deleted_at.is_some()));
    assert!(page.reactions.is_empty());
    assert!(page.post.deleted_at.is_none(), "the post stays");

    // Posts: moderators and organisation admins delete others' posts too.
    let second = bob.write_post(&group, "bob's post").await;
    let third = dave.write_post(&group, "dave's post").await;
    delete_post(&dave, &second.id)
        .await
        .assert_error(403, "forbidden");
    delete_post(&carol, &second.id).await.assert_status(200);
    delete_post(&root, &third.id).await.assert_status(200);
}

pub async fn replies_nest_one_level(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    bob.join(&group.id).await.assert_status(200);
    let post = ada.write_post(&group, "question").await;
    let other_post = ada.write_post(&group, "another").await;
    let top = bob.write_comment(&post, "top-level").await;
    assert_eq!(top.parent_id, None);
    let before = bob.sync(None).await;

    let reply: Comment = reply_to(&ada, &post.id, &top.id, "a reply")
        .await
        .assert_status(201)
        .json();
    assert_eq!(reply.parent_id.as_deref(), Some(top.id.as_str()));
    // A reply to a reply attaches to the top-level comment.
    let nested: Comment = reply_to(&bob, &post.id, &reply.id, "a reply to the reply")
        .await
        .assert_status(201)
        .json();
    assert_eq!(nested.parent_id.as_deref(), Some(top.id.as_str()));

    let page = post_page(&bob, &post.id).await;
    assert_eq!(
        page.comments,
        vec![top.clone(), reply.clone(), nested.clone()]
    );
    // Sync: the replies, and ada's reply notified bob (his comment).
    let changes = bob.sync(Some(&before.cursor)).await.changes;
    let (notified, content): (Vec<Change>, Vec<Change>) = changes
        .into_iter()
        .partition(|c| matches!(c, Change::Notification { .. }));
    assert_eq!(
        content,
        vec![
            Change::Comment {
                comment: reply.clone()
            },
            Change::Comment { comment: nested },
        ]
    );
    match notified.as_slice() {
        [Change::Notification { notification }] => {
            assert_eq!(notification.kind, NotificationKind::ReplyToComment);
            assert_eq!(notification.comment_id.as_deref(), Some(reply.id.as_str()));
        }
        other => panic!("expected one notification, got {other:?}"),
    }

    // The parent must be a live comment of the same post.
    let elsewhere = ada.write_comment(&other_post, "on the other post").await;
    reply_to(&bob, &post.id, &elsewhere.id, "cross-post")
        .await
        .assert_error(400, "bad_request");
    reply_to(&bob, &post.id, &new_id(), "to nothing")
        .await
        .assert_error(400, "bad_request");
    reply_to(&bob, &post.id, "garbage", "to garbage")
        .await
        .assert_error(400, "bad_request");
    delete_comment(&bob, &top.id).await.assert_status(200);
    let refused = reply_to(&ada, &post.id, &top.id, "too late").await;
    refused.assert_error(409, "conflict");
    // The deleted comment keeps its place for its replies.
    let page = post_page(&bob, &post.id).await;
    assert_eq!(page.comments.len(), 3);
    assert_eq!(page.comments[0].id, top.id);
    assert_eq!(page.comments[0].body, "");
}

pub async fn moderators_pin_posts_to_the_top_of_the_group(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    bob.join(&group.id).await.assert_status(200);
    carol.join(&group.id).await.assert_status(200);
    make_moderator(&carol, &group.id).await;
    let old = bob.write_post(&group, "old but important").await;
    let newer = bob.write_post(&group, "newer").await;
    let newest = bob.write_post(&group, "newest").await;

    pin(&bob, &old.id, true)
        .await
        .assert_error(403, "forbidden");
    let request = PinRequest {
        mutation_id: new_id(),
        pinned: true,
    };
    let path = format!("/posts/{}/pin", old.id);
    let pinned = carol.post(&path, &request).await;
    pinned.assert_status(200);
    assert_eq!(carol.post(&path, &request).await.text, pinned.text);
    let pinned: Post = pinned.json();
    assert!(pinned.pinned_at.is_some());
    // Pinning again keeps the first pin time.
    let again: Post = pin(&ada, &old.id, true).await.assert_status(200).json();
    assert_eq!(again.pinned_at, pinned.pinned_at);

    // The group's first page starts with it; later pages do not repeat it.
    let pages = all_pages(&bob, &format!("/groups/{}/posts", group.id), 1).await;
    let flat: Vec<String> = pages.iter().flat_map(|p| ids(p)).collect();
    assert_eq!(
        flat,
        vec![old.id.clone(), newest.id.clone(), newer.id.clone()]
    );
    assert_eq!(ids(&pages[0]), vec![old.id.clone(), newest.id.clone()]);
    // The home feed does not treat it specially.
    let feed: FeedPage = bob.get("/feed").await.assert_status(200).json();
    assert_eq!(
        ids(&feed.posts),
        vec![newest.id.clone(), newer.id.clone(), old.id.clone()]
    );
    // Sync carries the pin.
    let synced = bob.sync(None).await.changes;
    assert!(synced.contains(&Change::Post {
        post: pinned.clone()
    }));

    let unpinned: Post = pin(&ada, &old.id, false).await.assert_status(200).json();
    assert_eq!(unpinned.pinned_at, None);
    let page: FeedPage = bob
        .get(&format!("/groups/{}/posts", group.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        ids(&page.posts),
        vec![newest.id.clone(), newer.id.clone(), old.id.clone()]
    );
    pin(&ada, &new_id(), true)
        .await
        .assert_error(404, "not_found");
    carol
        .post(&path, &serde_json::json!({ "mutation_id": new_id() }))
        .await
        .assert_error(400, "bad_request");
}

/// Secret groups stay invisible through every new endpoint: the answers
/// are exactly those for a post or comment that does not exist.
pub async fn content_endpoints_hide_secret_groups(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let secret = ada.create_group("Project Falcon", Privacy::Secret).await;
    let post = ada.write_post(&secret, "confidential").await;
    let comment = ada.write_comment(&post, "very").await;
    let (unknown_post, unknown_comment) = (new_id(), new_id());

    let pairs = [
        (
            edit_post(&bob, &post, "x").await,
            patch(&bob, &format!("/posts/{unknown_post}"), &edit_request("x")).await,
        ),
        (
            delete_post(&bob, &post.id).await,
            delete_post(&bob, &unknown_post).await,
        ),
        (
            pin(&bob, &post.id, true).await,
            pin(&bob, &unknown_post, true).await,
        ),
        (
            bob.get(&format!("/posts/{}/history", post.id)).await,
            bob.get(&format!("/posts/{unknown_post}/history")).await,
        ),
        (
            bob.get(&format!("/posts/{}/reactions", post.id)).await,
            bob.get(&format!("/posts/{unknown_post}/reactions")).await,
        ),
        (
            react(&bob, "posts", &post.id, ReactionKind::Like).await,
            react(&bob, "posts", &unknown_post, ReactionKind::Like).await,
        ),
        (
            react(&bob, "comments", &comment.id, ReactionKind::Like).await,
            react(&bob, "comments", &unknown_comment, ReactionKind::Like).await,
        ),
        (
            patch(
                &bob,
                &format!("/comments/{}", comment.id),
                &edit_request("x"),
            )
            .await,
            patch(
                &bob,
                &format!("/comments/{unknown_comment}"),
                &edit_request("x"),
            )
            .await,
        ),
        (
            delete_comment(&bob, &comment.id).await,
            delete_comment(&bob, &unknown_comment).await,
        ),
    ];
    for (reply, unknown) in pairs {
        reply.assert_error(404, "not_found");
        assert_eq!(reply.text, unknown.text);
    }
    let feed: FeedPage = bob.get("/feed").await.assert_status(200).json();
    assert!(feed.posts.is_empty());
}
