use commons_protocol::*;

use crate::harness::{ids_in, new_id, Ctx, Reply, Session};

/// The same request about a made-up id, to compare answers with.
async fn same_as_unknown(reply: Reply, unknown: Reply) {
    reply.assert_error(404, "not_found");
    assert_eq!(
        reply.text, unknown.text,
        "must look exactly like a thing that does not exist"
    );
}

async fn comment_as(session: &Session, post_id: &str) -> Reply {
    let request = CreateCommentRequest {
        mutation_id: new_id(),
        id: new_id(),
        body: "hi".into(),
        parent_id: None,
        attachment_ids: Vec::new(),
    };
    session
        .post(&format!("/posts/{post_id}/comments"), &request)
        .await
}

pub async fn secret_groups_are_invisible_to_non_members(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let secret = ada.create_group("Project Falcon", Privacy::Secret).await;
    let post = ada.write_post(&secret, "confidential").await;
    let comment = ada.write_comment(&post, "very").await;
    let (unknown_group, unknown_post) = (new_id(), new_id());

    let groups: Vec<GroupListItem> = bob.get("/groups").await.assert_status(200).json();
    assert!(groups.iter().all(|g| g.group.id != secret.id));
    let ada_groups: Vec<GroupListItem> = ada.get("/groups").await.assert_status(200).json();
    assert!(
        ada_groups.iter().any(|g| g.group.id == secret.id),
        "members do see it"
    );

    for path in ["/groups/{}", "/groups/{}/posts"] {
        same_as_unknown(
            bob.get(&path.replace("{}", &secret.id)).await,
            bob.get(&path.replace("{}", &unknown_group)).await,
        )
        .await;
    }
    same_as_unknown(
        bob.get(&format!("/posts/{}", post.id)).await,
        bob.get(&format!("/posts/{unknown_post}")).await,
    )
    .await;
    same_as_unknown(
        comment_as(&bob, &post.id).await,
        comment_as(&bob, &unknown_post).await,
    )
    .await;
    same_as_unknown(bob.join(&secret.id).await, bob.join(&unknown_group).await).await;
    same_as_unknown(
        bob.add_member(&secret.id, &bob.user.email).await,
        bob.add_member(&unknown_group, &bob.user.email).await,
    )
    .await;
    same_as_unknown(
        bob.post("/posts", &bob.post_request(&secret.id, "let me in"))
            .await,
        bob.post("/posts", &bob.post_request(&unknown_group, "let me in"))
            .await,
    )
    .await;

    let raw = bob.get("/sync").await.assert_status(200).text.clone();
    for id in [&secret.id, &post.id, &comment.id] {
        assert!(!raw.contains(id.as_str()), "sync leaked {id}: {raw}");
    }
    assert!(!raw.contains("Project Falcon") && !raw.contains("confidential"));
    let ada_ids = ids_in(&ada.sync(None).await.changes);
    assert!(ada_ids.contains(&post.id) && ada_ids.contains(&comment.id));
}

pub async fn closed_groups_show_their_name_but_not_their_posts(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let closed = ada.create_group("Leadership", Privacy::Closed).await;
    let post = ada.write_post(&closed, "budget").await;

    let groups: Vec<GroupListItem> = bob.get("/groups").await.assert_status(200).json();
    let listed = groups
        .iter()
        .find(|g| g.group.id == closed.id)
        .expect("closed group listed");
    assert_eq!(
        (
            listed.group.name.as_str(),
            listed.my_role,
            listed.member_count
        ),
        ("Leadership", None, 1)
    );
    bob.get(&format!("/groups/{}", closed.id))
        .await
        .assert_status(200);

    bob.get(&format!("/groups/{}/posts", closed.id))
        .await
        .assert_error(403, "forbidden");
    bob.get(&format!("/posts/{}", post.id))
        .await
        .assert_error(404, "not_found");
    comment_as(&bob, &post.id)
        .await
        .assert_error(404, "not_found");
    // Joining a closed group only asks to join.
    let asked: JoinResponse = bob.join(&closed.id).await.assert_status(200).json();
    assert!(asked.membership.is_none() && asked.request.is_some());
    bob.get(&format!("/groups/{}/posts", closed.id))
        .await
        .assert_error(403, "forbidden");
    bob.post("/posts", &bob.post_request(&closed.id, "hello?"))
        .await
        .assert_error(403, "forbidden");

    let before = bob.sync(None).await;
    let ids = ids_in(&before.changes);
    assert!(ids.contains(&closed.id) && !ids.contains(&post.id));

    ada.add_member(&closed.id, &bob.user.email)
        .await
        .assert_status(200);
    let posts = bob
        .get(&format!("/groups/{}/posts", closed.id))
        .await
        .assert_status(200)
        .json::<FeedPage>()
        .posts;
    assert_eq!(posts.len(), 1);
    assert!(ids_in(&bob.sync(Some(&before.cursor)).await.changes).contains(&post.id));
}
