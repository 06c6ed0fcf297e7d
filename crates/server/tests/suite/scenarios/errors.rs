use commons_protocol::*;

use crate::harness::{new_id, send, Ctx};

pub async fn errors_are_json_with_the_right_status(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    let posts_url = ctx.api("/posts");
    let raw = |body: &'static str| {
        ctx.http
            .post(&posts_url)
            .bearer_auth(&ada.token)
            .header("content-type", "application/json")
            .body(body)
    };

    send(raw("{")).await.assert_error(400, "bad_request");
    send(raw(r#"{"mutation_id": "x"}"#))
        .await
        .assert_error(400, "bad_request");
    send(ctx.http.post(&posts_url).bearer_auth(&ada.token).body("{}"))
        .await
        .assert_error(400, "bad_request");

    ada.get(&format!("/groups/{}/posts", new_id()))
        .await
        .assert_error(404, "not_found");
    ada.post("/posts", &ada.post_request(&new_id(), "hello"))
        .await
        .assert_error(404, "not_found");
    let bad_id = ada.get("/groups/not-a-uuid/posts").await;
    bad_id.assert_error(400, "bad_request");
    assert!(bad_id.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("UUID"));

    let too_long = ada
        .post(
            "/posts",
            &ada.post_request(&group.id, &"x".repeat(MAX_POST_BYTES + 1)),
        )
        .await;
    too_long.assert_error(400, "bad_request");
    assert!(
        too_long.text.contains(&MAX_POST_BYTES.to_string()),
        "{}",
        too_long.text
    );
    ada.post("/posts", &ada.post_request(&group.id, "  \n"))
        .await
        .assert_error(400, "bad_request");
    let mut bad_post_id = ada.post_request(&group.id, "hello");
    bad_post_id.id = "42".into();
    ada.post("/posts", &bad_post_id)
        .await
        .assert_error(400, "bad_request");

    let group_request = |name: &str, privacy: &str| serde_json::json!({ "mutation_id": new_id(), "id": new_id(), "name": name, "privacy": privacy });
    ada.post("/groups", &group_request("Fine", "public"))
        .await
        .assert_error(400, "bad_request");
    ada.post("/groups", &group_request("   ", "open"))
        .await
        .assert_error(400, "bad_request");
    ada.post(
        "/groups",
        &group_request(&"n".repeat(MAX_GROUP_NAME_CHARS + 1), "open"),
    )
    .await
    .assert_error(400, "bad_request");

    let huge = ada.post_request(&group.id, &"x".repeat(1024 * 1024 + 1024));
    ada.post("/posts", &huge)
        .await
        .assert_error(413, "payload_too_large");

    ada.get("/sync?since=garbage")
        .await
        .assert_error(400, "bad_request");
    ada.get("/sync?since=c1.999999")
        .await
        .assert_error(400, "bad_request");
    ada.get("/sync?limit=many")
        .await
        .assert_error(400, "bad_request");
    ada.get("/no/such/endpoint")
        .await
        .assert_error(404, "not_found");
}
