use commons_protocol::*;

use crate::harness::{new_id, Ctx};

pub async fn a_repeated_mutation_applies_once(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    bob.join(&group.id).await.assert_status(200);

    let request = ada.post_request(&group.id, "said once");
    let first = ada.post("/posts", &request).await;
    first.assert_status(201);
    let replay = ada.post("/posts", &request).await;
    replay.assert_status(201);
    assert_eq!(replay.text, first.text, "a replay gets the stored answer");

    let posts = ada
        .get(&format!("/groups/{}/posts", group.id))
        .await
        .assert_status(200)
        .json::<FeedPage>()
        .posts;
    assert_eq!(posts.len(), 1);
    let synced = ada.sync(None).await.changes;
    let post_changes = synced
        .iter()
        .filter(|c| matches!(c, Change::Post { .. }))
        .count();
    assert_eq!(post_changes, 1);

    // The same mutation id for something else is refused.
    let mut altered = request.clone();
    altered.body = "said twice".into();
    ada.post("/posts", &altered)
        .await
        .assert_error(409, "conflict");
    // A fresh mutation reusing an existing post id conflicts too.
    let mut reused_id = ada.post_request(&group.id, "another");
    reused_id.id = request.id.clone();
    ada.post("/posts", &reused_id)
        .await
        .assert_error(409, "conflict");
    bob.post("/posts", &reused_id)
        .await
        .assert_error(409, "conflict");

    // Mutation ids belong to their sender: bob's own id space is separate.
    let mut bobs = bob.post_request(&group.id, "bob here");
    bobs.mutation_id = request.mutation_id.clone();
    bob.post("/posts", &bobs).await.assert_status(201);

    // Joins replay too.
    let join = JoinGroupRequest {
        mutation_id: new_id(),
    };
    let other = ada.create_group("Design", Privacy::Open).await;
    let path = format!("/groups/{}/join", other.id);
    let once = bob.post(&path, &join).await;
    once.assert_status(200);
    assert_eq!(bob.post(&path, &join).await.text, once.text);
}
