use commons_protocol::{User, UserPage};

use crate::harness::{send, Ctx, PASSWORD};

pub async fn login_accepts_the_right_password_only(ctx: Ctx) {
    let ada = ctx.create_user("ada").await;

    let good = ctx.login_reply("ADA@example.org ", PASSWORD).await;
    good.assert_status(200);
    assert_eq!(
        good.body["user"]["id"],
        ada.id.as_str(),
        "e-mail matched case-insensitively"
    );
    assert!(good.body["token"].as_str().is_some_and(|t| t.len() >= 40));

    ctx.login_reply(&ada.email, "wrong password")
        .await
        .assert_error(401, "invalid_credentials");
    // An unknown e-mail answers exactly like a wrong password.
    let unknown = ctx.login_reply("nobody@example.org", PASSWORD).await;
    unknown.assert_error(401, "invalid_credentials");
    let wrong = ctx.login_reply(&ada.email, "wrong password").await;
    assert_eq!(unknown.text, wrong.text);
}

pub async fn requests_without_a_live_session_get_401(ctx: Ctx) {
    for path in ["/me", "/users", "/groups", "/sync"] {
        send(ctx.http.get(ctx.api(path)))
            .await
            .assert_error(401, "unauthorized");
        send(ctx.http.get(ctx.api(path)).bearer_auth("not-a-token"))
            .await
            .assert_error(401, "unauthorized");
    }
    send(
        ctx.http
            .post(ctx.api("/posts"))
            .json(&serde_json::json!({})),
    )
    .await
    .assert_error(401, "unauthorized");

    // A logged-out session stops working.
    let ada = ctx.person("ada").await;
    ada.get("/me").await.assert_status(200);
    ada.post("/auth/logout", &serde_json::json!({}))
        .await
        .assert_status(204);
    ada.get("/me").await.assert_error(401, "unauthorized");
}

pub async fn users_see_themselves_and_the_directory(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let me: User = ada.get("/me").await.assert_status(200).json();
    assert_eq!(me, ada.user);
    assert_eq!(me.handle, "ada");
    let directory: UserPage = grace.get("/users").await.assert_status(200).json();
    let handles: Vec<&str> = directory.users.iter().map(|u| u.handle.as_str()).collect();
    assert_eq!(handles, ["ada", "grace"]);
}
