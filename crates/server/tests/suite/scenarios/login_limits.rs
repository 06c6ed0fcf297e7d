use std::time::Duration;

use commons_protocol::Privacy;
use commons_server::{LoginLimits, Tuning, WriteLimits};

use crate::harness::{Ctx, Reply, PASSWORD};

const WINDOW: Duration = Duration::from_secs(600);

#[track_caller]
fn assert_rate_limited(reply: &Reply) {
    reply.assert_error(429, "rate_limited");
    let retry_after: u64 = reply
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("429 without a Retry-After in seconds: {:?}", reply.headers));
    assert!(
        (1..=WINDOW.as_secs()).contains(&retry_after),
        "Retry-After {retry_after}"
    );
}

/// Two nodes on one database count failures together, per e-mail and per
/// client address.
pub async fn failed_logins_are_limited_per_email_and_address_on_every_node(ctx: Ctx) {
    let tuning = Tuning {
        login: LoginLimits {
            per_email: 3,
            per_address: 8,
            window: WINDOW,
        },
        ..Tuning::default()
    };
    let one = ctx.start_node(tuning).await;
    let two = ctx.start_node(tuning).await;
    let ada = ctx.create_user("ada").await;
    let bob = ctx.create_user("bob").await;
    let from = |ip: &str| {
        [
            ctx.at(&one.url).coming_from(ip),
            ctx.at(&two.url).coming_from(ip),
        ]
    };

    // Guessing one person's password, through both nodes in turn.
    let nodes = from("127.0.0.2");
    for i in 0..3 {
        nodes[i % 2]
            .login_reply(&ada.email, "wrong password")
            .await
            .assert_error(401, "invalid_credentials");
    }
    assert_rate_limited(&nodes[1].login_reply(&ada.email, "wrong password").await);
    // Not even the right password is checked now: the answer would tell a guesser.
    assert_rate_limited(&nodes[0].login_reply(&ada.email, PASSWORD).await);
    // Someone else logs in, from the same address too.
    nodes[1].login(&bob).await;

    // Spraying many accounts from one address.
    let nodes = from("127.0.0.3");
    for i in 0..8 {
        nodes[i % 2]
            .login_reply(&format!("nobody{i}@example.org"), "wrong password")
            .await
            .assert_error(401, "invalid_credentials");
    }
    assert_rate_limited(
        &nodes[0]
            .login_reply("nobody@example.org", "wrong password")
            .await,
    );
    assert_rate_limited(&nodes[1].login_reply(&bob.email, PASSWORD).await);

    // Elsewhere, bob is welcome and ada's e-mail is still blocked.
    let nodes = from("127.0.0.4");
    assert_rate_limited(&nodes[0].login_reply(&ada.email, PASSWORD).await);
    // A success clears the e-mail's count: bob's two slips before it are forgotten.
    for _ in 0..2 {
        nodes[0]
            .login_reply(&bob.email, "wrong password")
            .await
            .assert_error(401, "invalid_credentials");
    }
    nodes[1].login(&bob).await;
    for _ in 0..3 {
        nodes[1]
            .login_reply(&bob.email, "wrong password")
            .await
            .assert_error(401, "invalid_credentials");
    }
}

/// Writes are counted per person across nodes; reads and other people are
/// not held back.
pub async fn writes_are_limited_per_person_on_every_node(ctx: Ctx) {
    let tuning = Tuning {
        writes: WriteLimits {
            per_user: 3,
            window: WINDOW,
        },
        ..Tuning::default()
    };
    let one = ctx.start_node(tuning).await;
    let two = ctx.start_node(tuning).await;
    let ada = ctx.create_user("ada").await;
    let bob = ctx.create_user("bob").await;
    let ada_one = ctx.at(&one.url).login(&ada).await;
    let ada_two = ctx.at(&two.url).login(&ada).await;

    let group = ada_one.create_group("Rates", Privacy::Open).await;
    ada_two.write_post(&group, "first").await;
    ada_one.write_post(&group, "second").await;
    let refused = ada_two
        .post("/posts", &ada_two.post_request(&group.id, "third"))
        .await;
    assert_rate_limited(&refused);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("too many writes")),
        "{}",
        refused.text
    );
    assert_rate_limited(
        &ada_one
            .post("/posts", &ada_one.post_request(&group.id, "third"))
            .await,
    );

    // Nothing of the refused writes was applied, and ada still reads.
    let page = ada_one.get(&format!("/groups/{}/posts", group.id)).await;
    let bodies: Vec<&str> = page.assert_status(200).body["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .filter_map(|p| p["post"]["body"].as_str())
        .collect();
    assert_eq!(bodies, ["second", "first"]);

    // Bob has a count of his own.
    let bob_two = ctx.at(&two.url).login(&bob).await;
    assert_eq!(bob_two.join(&group.id).await.status, 200);
    bob_two.write_post(&group, "bob writes").await;
}
