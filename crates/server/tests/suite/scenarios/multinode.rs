use commons_protocol::Privacy;

use super::binary::serve;
use super::stream::{connect, next_poke};
use crate::harness::{ids_in, Ctx, PASSWORD};

/// Two `commons-server serve` processes on one PostgreSQL database, as behind
/// a load balancer: a write through one node pokes a stream on the other,
/// and failed logins count on both.
pub async fn two_server_processes_share_pokes_and_login_limits(ctx: Ctx) {
    let node_a = serve(&ctx).await;
    let node_b = serve(&ctx).await;
    let on_a = ctx.at(&node_a.url);
    let on_b = ctx.at(&node_b.url);
    let ada = on_a.login(&ctx.create_user("ada").await).await;
    let bob = on_b.login(&ctx.create_user("bob").await).await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    bob.join(&group.id).await.assert_status(200);

    let mut socket = connect(&bob).await.expect("bob connects to node B");
    let hello = next_poke(&mut socket).await;
    let post = ada.write_post(&group, "written through node A").await;
    let poke = next_poke(&mut socket).await;
    assert_ne!(poke, hello, "the poke announces a newer cursor");
    let news = bob.sync(Some(&hello)).await;
    assert_eq!(ids_in(&news.changes), vec![post.id.clone()]);
    assert_eq!(news.cursor, poke);
    drop(socket);

    // The default limit is 10 failures per e-mail, counted in the database.
    for i in 0..10 {
        [&on_a, &on_b][i % 2]
            .login_reply(&ada.user.email, "wrong password")
            .await
            .assert_error(401, "invalid_credentials");
    }
    on_b.login_reply(&ada.user.email, PASSWORD)
        .await
        .assert_error(429, "rate_limited");
    on_a.login(&bob.user).await;

    node_a.stop().await;
    node_b.stop().await;
}
