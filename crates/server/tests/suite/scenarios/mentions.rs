//! Notifications caused by content: mentions, comments, replies, reactions
//! and new posts; one per person and item, none for one's own actions.

use commons_protocol::*;

use super::content_support::*;
use crate::harness::{new_id, Ctx, Session};

/// (kind, actor, post, comment) of each notification, oldest first.
async fn seen(s: &Session) -> Vec<(NotificationKind, String, String, Option<String>)> {
    notifications(s)
        .await
        .into_iter()
        .map(|n| {
            (
                n.kind,
                n.actor_id.unwrap_or_default(),
                n.post_id.unwrap_or_default(),
                n.comment_id,
            )
        })
        .collect()
}

pub async fn content_notifies_mentions_comments_replies_reactions_and_posts(ctx: Ctx) {
    use NotificationKind::*;
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let dave = ctx.person("dave").await;
    let erin = ctx.person("erin").await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    for member in [&bob, &carol, &dave] {
        member.join(&group.id).await.assert_status(200);
    }
    set_level(&dave, &group.id, NotificationLevel::All).await;
    set_level(&carol, &group.id, NotificationLevel::Off).await;
    let (a, b, c, d) = (
        ada.user.id.clone(),
        bob.user.id.clone(),
        carol.user.id.clone(),
        dave.user.id.clone(),
    );

    // A post: mentions of members (even at level Off), every post for
    // level All; not for the author, nor for non-members or unknown handles.
    let p = bob
        .write_post(&group, "Hello @Carol, @erin, @nobody and @bob!")
        .await;
    // A mention in a comment on your own post: one notification, the mention.
    let c1 = ada.write_comment(&p, "@bob see this").await;
    // A comment on your post; replayed, it notifies once.
    let request = CreateCommentRequest {
        mutation_id: new_id(),
        id: new_id(),
        body: "me too".into(),
        parent_id: None,
        attachment_ids: Vec::new(),
    };
    let path = format!("/posts/{}/comments", p.id);
    let c2: Comment = carol.post(&path, &request).await.assert_status(201).json();
    carol.post(&path, &request).await.assert_status(201);
    // Replies notify the comment's author (and the post's author).
    let r1: Comment = reply_to(&dave, &p.id, &c2.id, "agreed")
        .await
        .assert_status(201)
        .json();
    // A reply to a reply: its author and the thread's author.
    let r2: Comment = reply_to(&bob, &p.id, &r1.id, "thanks both")
        .await
        .assert_status(201)
        .json();
    // A reaction to a post notifies once per person, not on a change of kind
    // nor when taken back and given again; reactions to comments do not.
    react(&ada, "posts", &p.id, ReactionKind::Like)
        .await
        .assert_status(200);
    react(&ada, "posts", &p.id, ReactionKind::Love)
        .await
        .assert_status(200);
    unreact(&ada, "posts", &p.id).await.assert_status(200);
    react(&ada, "posts", &p.id, ReactionKind::Wow)
        .await
        .assert_status(200);
    react(&bob, "posts", &p.id, ReactionKind::Like)
        .await
        .assert_status(200);
    react(&ada, "comments", &c2.id, ReactionKind::Like)
        .await
        .assert_status(200);
    // Edits notify people newly mentioned, once.
    edit_post(&bob, &p, "Hello @carol and @ada!")
        .await
        .assert_status(200);
    edit_post(&bob, &p, "Hello @carol and @ada, again!")
        .await
        .assert_status(200);
    patch(
        &ada,
        &format!("/comments/{}", c1.id),
        &edit_request("@bob and @carol see this"),
    )
    .await
    .assert_status(200);
    // Mentioned in a post of a group at level All: one notification, the mention.
    let q = carol.write_post(&group, "@dave, a question").await;

    let on = |kind, actor: &str, post: &Post, comment: Option<&Comment>| {
        (
            kind,
            actor.to_string(),
            post.id.clone(),
            comment.map(|c| c.id.clone()),
        )
    };
    assert_eq!(seen(&ada).await, vec![on(Mention, &b, &p, None)]);
    assert_eq!(
        seen(&bob).await,
        vec![
            on(Mention, &a, &p, Some(&c1)),
            on(CommentOnPost, &c, &p, Some(&c2)),
            on(CommentOnPost, &d, &p, Some(&r1)),
            on(ReactionToPost, &a, &p, None),
        ]
    );
    assert_eq!(
        seen(&carol).await,
        vec![
            on(Mention, &b, &p, None),
            on(ReplyToComment, &d, &p, Some(&r1)),
            on(ReplyToComment, &b, &p, Some(&r2)),
            on(Mention, &a, &p, Some(&c1)),
        ]
    );
    assert_eq!(
        seen(&dave).await,
        vec![
            on(GroupPost, &b, &p, None),
            on(ReplyToComment, &b, &p, Some(&r2)),
            on(Mention, &c, &q, None),
        ]
    );
    assert_eq!(seen(&erin).await, vec![]);
    assert_eq!(r2.parent_id.as_deref(), Some(c2.id.as_str()));

    // They reach their recipient through sync, and nobody else.
    let synced = carol.sync(None).await.changes;
    let mine: Vec<&Notification> = synced
        .iter()
        .filter_map(|ch| match ch {
            Change::Notification { notification } => Some(notification),
            _ => None,
        })
        .collect();
    assert_eq!(mine.len(), 4);
    assert!(mine.iter().all(|n| n.user_id == carol.user.id));
}

pub async fn mentions_reach_only_people_who_may_read_the_group(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let closed = ada.create_group("Leadership", Privacy::Closed).await;
    ada.add_member(&closed.id, &carol.user.email)
        .await
        .assert_status(200);
    let post = ada
        .write_post(&closed, "@bob must not know, @carol may")
        .await;
    ada.write_comment(&post, "still @bob and @carol").await;
    assert!(notifications(&bob).await.is_empty());
    let carols: Vec<NotificationKind> =
        notifications(&carol).await.iter().map(|n| n.kind).collect();
    // Oldest first: being added to the group, then the two mentions.
    assert_eq!(
        carols,
        vec![
            NotificationKind::AddedToGroup,
            NotificationKind::Mention,
            NotificationKind::Mention,
        ]
    );
    // Nothing for your own actions.
    assert!(notifications(&ada).await.is_empty());
}
