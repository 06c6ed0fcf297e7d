//! Profile pictures, group covers and comment attachments: who sets them,
//! who may fetch them, and that replaced or deleted ones leave no file.

use commons_protocol::*;
use commons_server::ops::users::NewUser;

use super::attachments::{blob_exists, download, png, post_with, upload, PDF};
use super::content_support::*;
use crate::harness::{ids_in, new_id, Ctx, Session, PASSWORD};

fn set_image(attachment: &Attachment) -> SetImageRequest {
    SetImageRequest {
        mutation_id: new_id(),
        attachment_id: attachment.id.clone(),
    }
}

async fn admin(ctx: &Ctx, handle: &str) -> Session {
    let user = commons_server::ops::users::create(
        &ctx.db,
        NewUser {
            email: format!("{handle}@example.org"),
            name: format!("{handle} Example"),
            password: PASSWORD.into(),
            is_admin: true,
        },
    )
    .await
    .expect("admin created");
    ctx.login(&user).await
}

/// Both the bytes and the list-sized thumbnail answer `status`.
async fn assert_fetch(s: &Session, attachment: &Attachment, status: u16) {
    for path in [
        format!("/attachments/{}", attachment.id),
        format!("/attachments/{}/thumbnail", attachment.id),
    ] {
        let got = download(s, &path).await;
        assert_eq!(
            got.status,
            status,
            "{path} for {}: {}",
            s.user.handle,
            got.text()
        );
    }
}

pub async fn people_set_replace_and_remove_their_picture(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let root = admin(&ctx, "root").await;
    let before = grace.sync_all(None, 1000).await.1;

    // Only a decoded image of one's own, used for nothing else.
    let pdf = upload(&ada, "cv.pdf", PDF.to_vec()).await;
    put(&ada, "/me/avatar", &set_image(&pdf))
        .await
        .assert_error(400, "bad_request");
    let theirs = upload(&grace, "grace.png", png(40, 40, 1)).await;
    put(&ada, "/me/avatar", &set_image(&theirs))
        .await
        .assert_error(400, "bad_request");

    let first = upload(&ada, "ada.png", png(400, 300, 2)).await;
    let me: User = put(&ada, "/me/avatar", &set_image(&first))
        .await
        .assert_status(200)
        .json();
    assert_eq!(me.avatar_id.as_deref(), Some(first.id.as_str()));
    // Everyone signed in sees it, in profiles, the directory and sync.
    let profile: User = grace
        .get(&format!("/users/{}", ada.user.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(profile.avatar_id, me.avatar_id);
    let directory: UserPage = grace.get("/users").await.assert_status(200).json();
    assert!(directory
        .users
        .iter()
        .any(|u| u.id == ada.user.id && u.avatar_id == me.avatar_id));
    let (changes, _) = grace.sync_all(Some(&before), 1000).await;
    assert!(changes.iter().any(|c| matches!(c,
        Change::User { user } if user.id == ada.user.id && user.avatar_id == me.avatar_id)));
    assert_fetch(&grace, &first, 200).await;
    // A picture is no longer an upload waiting for a post.
    post_with(
        &ada,
        &ada.create_group("Ada's", Privacy::Open).await,
        &[&first.id],
    )
    .await
    .assert_error(400, "bad_request");

    // Replacing deletes the earlier picture and its file.
    let second = upload(&ada, "ada2.png", png(64, 64, 3)).await;
    let me: User = put(&ada, "/me/avatar", &set_image(&second))
        .await
        .assert_status(200)
        .json();
    assert_eq!(me.avatar_id.as_deref(), Some(second.id.as_str()));
    assert_fetch(&grace, &first, 404).await;
    assert_fetch(&ada, &first, 404).await;
    assert!(!blob_exists(&ctx, &first.sha256));
    assert_fetch(&grace, &second, 200).await;

    // Removing one's own; an organisation admin removes anyone's.
    let me: User = delete(&ada, "/me/avatar", &mutation())
        .await
        .assert_status(200)
        .json();
    assert_eq!(me.avatar_id, None);
    assert_fetch(&grace, &second, 404).await;
    assert!(!blob_exists(&ctx, &second.sha256));

    let third = upload(&ada, "ada3.png", png(32, 32, 4)).await;
    put(&ada, "/me/avatar", &set_image(&third))
        .await
        .assert_status(200);
    let path = format!("/admin/users/{}/avatar", ada.user.id);
    delete(&grace, &path, &mutation())
        .await
        .assert_error(403, "forbidden");
    assert_fetch(&grace, &third, 200).await;
    let removed: User = delete(&root, &path, &mutation())
        .await
        .assert_status(200)
        .json();
    assert_eq!(removed.avatar_id, None);
    assert_fetch(&ada, &third, 404).await;
    delete(
        &root,
        &format!("/admin/users/{}/avatar", new_id()),
        &mutation(),
    )
    .await
    .assert_error(404, "not_found");
}

pub async fn group_covers_follow_the_visibility_of_their_group(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let grace = ctx.person("grace").await;
    let secret = ada.create_group("Falcon", Privacy::Secret).await;
    ada.add_member(&secret.id, &bob.user.email)
        .await
        .assert_status(200);
    let closed = ada.create_group("Board", Privacy::Closed).await;
    let bob_cursor = bob.sync_all(None, 1000).await.1;

    let secret_cover = upload(&ada, "falcon.png", png(800, 200, 5)).await;
    let path = format!("/groups/{}/cover", secret.id);
    let group: Group = put(&ada, &path, &set_image(&secret_cover))
        .await
        .assert_status(200)
        .json();
    assert_eq!(group.cover_id.as_deref(), Some(secret_cover.id.as_str()));
    // Members see it; to others the group and its cover do not exist.
    assert_fetch(&bob, &secret_cover, 200).await;
    assert_fetch(&grace, &secret_cover, 404).await;
    let (changes, _) = bob.sync_all(Some(&bob_cursor), 1000).await;
    assert!(changes.iter().any(|c| matches!(c,
        Change::Group { group } if group.id == secret.id && group.cover_id == Some(secret_cover.id.clone()))));
    let grace_image = upload(&grace, "mine.png", png(20, 20, 6)).await;
    put(&grace, &path, &set_image(&grace_image))
        .await
        .assert_error(404, "not_found");
    // Members who are not admins may not change it.
    let bob_image = upload(&bob, "bob.png", png(20, 20, 7)).await;
    put(&bob, &path, &set_image(&bob_image))
        .await
        .assert_error(403, "forbidden");
    delete(&bob, &path, &mutation())
        .await
        .assert_error(403, "forbidden");

    // A closed group's cover is seen by all, like its name.
    let closed_cover = upload(&ada, "board.png", png(300, 100, 8)).await;
    put(
        &ada,
        &format!("/groups/{}/cover", closed.id),
        &set_image(&closed_cover),
    )
    .await
    .assert_status(200);
    assert_fetch(&grace, &closed_cover, 200).await;

    // Replaced and removed covers leave no file behind.
    let newer = upload(&ada, "falcon2.png", png(600, 200, 9)).await;
    put(&ada, &path, &set_image(&newer))
        .await
        .assert_status(200);
    assert_fetch(&bob, &secret_cover, 404).await;
    assert!(!blob_exists(&ctx, &secret_cover.sha256));
    let group: Group = delete(&ada, &path, &mutation())
        .await
        .assert_status(200)
        .json();
    assert_eq!(group.cover_id, None);
    assert_fetch(&bob, &newer, 404).await;
    assert!(!blob_exists(&ctx, &newer.sha256));
}

pub async fn comments_carry_attachments_with_the_rules_of_posts(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let grace = ctx.person("grace").await;
    let group = ada.create_group("Board", Privacy::Closed).await;
    ada.add_member(&group.id, &bob.user.email)
        .await
        .assert_status(200);
    let post = ada.write_post(&group, "the plan").await;
    let ada_cursor = ada.sync_all(None, 1000).await.1;

    let file = upload(&bob, "notes.pdf", PDF.to_vec()).await;
    let picture = upload(&bob, "sketch.png", png(50, 50, 10)).await;
    let comment_with = |ids: Vec<String>, parent_id: Option<String>| CreateCommentRequest {
        mutation_id: new_id(),
        id: new_id(),
        body: "see attached".into(),
        parent_id,
        attachment_ids: ids,
    };
    let comments = format!("/posts/{}/comments", post.id);
    let comment: Comment = bob
        .post(&comments, &comment_with(vec![file.id.clone()], None))
        .await
        .assert_status(201)
        .json();
    assert_eq!(comment.attachments, vec![file.clone()]);
    let reply: Comment = bob
        .post(
            &comments,
            &comment_with(vec![picture.id.clone()], Some(comment.id.clone())),
        )
        .await
        .assert_status(201)
        .json();
    assert_eq!(reply.attachments, vec![picture.clone()]);
    // Used once only, and only one's own uploads.
    bob.post(&comments, &comment_with(vec![file.id.clone()], None))
        .await
        .assert_error(400, "bad_request");
    let adas = upload(&ada, "ada.png", png(10, 10, 11)).await;
    bob.post(&comments, &comment_with(vec![adas.id.clone()], None))
        .await
        .assert_error(400, "bad_request");

    // Readers of the post see them, in the post, the feed and sync.
    let page = post_page(&ada, &post.id).await;
    let shown: Vec<_> = page
        .comments
        .iter()
        .map(|c| c.attachments.clone())
        .collect();
    assert_eq!(shown, vec![vec![file.clone()], vec![picture.clone()]]);
    let (changes, _) = ada.sync_all(Some(&ada_cursor), 1000).await;
    assert!(changes.iter().any(|c| matches!(c,
        Change::Comment { comment: synced } if synced.id == comment.id && synced.attachments == vec![file.clone()])));
    assert_fetch(&ada, &picture, 200).await;
    assert_eq!(
        download(&ada, &format!("/attachments/{}", file.id))
            .await
            .status,
        200
    );
    assert_fetch(&grace, &picture, 404).await;
    assert_eq!(
        download(&grace, &format!("/attachments/{}", file.id))
            .await
            .status,
        404
    );

    // Deleting the comment tombstones it and deletes its files.
    let tombstone: Comment = delete_comment(&ada, &comment.id)
        .await
        .assert_status(200)
        .json();
    assert!(tombstone.attachments.is_empty());
    assert_eq!(
        download(&bob, &format!("/attachments/{}", file.id))
            .await
            .status,
        404
    );
    assert!(!blob_exists(&ctx, &file.sha256));
    let page = post_page(&bob, &post.id).await;
    assert!(page.comments[0].attachments.is_empty());
    // Deleting the post deletes its comments' files too.
    delete_post(&ada, &post.id).await.assert_status(200);
    assert_fetch(&bob, &picture, 404).await;
    assert!(!blob_exists(&ctx, &picture.sha256));
    let ids = ids_in(&ada.sync_all(None, 1000).await.0);
    assert!(ids.contains(&reply.id));
}
