//! `commons-server migrate-db`: an SQLite server copied into PostgreSQL,
//! through the real binary; clients keep syncing from their cursors.

use commons_protocol::*;
use commons_server::{DatabaseConfig, ServerConfig};

use super::attachments::{png, upload};
use super::binary::text;
use crate::harness::{Ctx, ScratchDatabase, Session};

const BINARY: &str = env!("CARGO_BIN_EXE_commons-server");

fn at(who: &Session, url: &str) -> Session {
    Session {
        ctx: who.ctx.at(url),
        token: who.token.clone(),
        user: who.user.clone(),
    }
}

pub async fn an_sqlite_server_moves_to_postgres_and_clients_keep_their_cursors(ctx: Ctx) {
    assert!(ctx.database_url.is_none(), "the source is SQLite");
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    // A row that names a row of its own table (users.manager_id).
    let profile = UpdateProfileRequest {
        mutation_id: crate::harness::new_id(),
        name: None,
        title: Some("Engineer".into()),
        department: None,
        location: None,
        manager_id: Some(ada.user.id.clone()),
        about: None,
    };
    bob.patch("/me", &profile).await.assert_status(200);
    let group = ada.create_group("Moving", Privacy::Closed).await;
    ada.add_member(&group.id, &bob.user.email)
        .await
        .assert_status(200);
    let post = ada.write_post(&group, "Before the move @bob").await;
    let comment = bob.write_comment(&post, "a comment").await;
    let reply = CreateCommentRequest {
        mutation_id: crate::harness::new_id(),
        id: crate::harness::new_id(),
        body: "a reply".into(),
        parent_id: Some(comment.id.clone()),
        attachment_ids: Vec::new(),
    };
    ada.post(&format!("/posts/{}/comments", post.id), &reply)
        .await
        .assert_status(201);
    let picture = png(20, 20, 3);
    let attachment = upload(&ada, "before.png", picture.clone()).await;
    let applied = CreatePostRequest {
        attachment_ids: vec![attachment.id.clone()],
        ..ada.post_request(&group.id, "with a picture")
    };
    ada.post("/posts", &applied).await.assert_status(201);
    let (bobs_changes, bobs_cursor) = bob.sync_all(None, 1000).await;

    let target = ScratchDatabase::create().await;
    let out = tokio::process::Command::new(BINARY)
        .args(["migrate-db", "--to", &target.url, "--data-dir"])
        .arg(&ctx.data_dir)
        .env_remove("COMMONS_DATABASE_URL")
        .env_remove("COMMONS_DATA_DIR")
        .output()
        .await
        .expect("binary runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("copied"),
        "{}",
        text(&out.stdout)
    );

    let server = commons_server::start(ServerConfig::new(
        DatabaseConfig::new(&ctx.data_dir, Some(target.url.clone())),
        "127.0.0.1:0".parse().expect("address"),
    ))
    .await
    .expect("a server starts on PostgreSQL");
    let url = server.url();
    let (bob_pg, ada_pg) = (at(&bob, &url), at(&ada, &url));

    // The same sessions, the same change log from the beginning...
    let (copied, cursor) = bob_pg.sync_all(None, 1000).await;
    assert_eq!(copied, bobs_changes);
    assert_eq!(cursor, bobs_cursor);
    // ...and a client that synced before the move just carries on.
    let nothing_new = bob_pg.sync(Some(&bobs_cursor)).await;
    assert!(nothing_new.changes.is_empty(), "{:?}", nothing_new.changes);
    let after = ada_pg.write_post(&group, "After the move").await;
    let news = bob_pg.sync(Some(&bobs_cursor)).await;
    assert!(
        news.changes
            .iter()
            .any(|c| matches!(c, Change::Post { post } if post.id == after.id)),
        "{:?}",
        news.changes
    );

    // A write the outbox sends again after the move is not applied twice.
    let replayed = ada_pg.post("/posts", &applied).await;
    replayed.assert_status(201);
    let feed: FeedPage = ada_pg
        .get(&format!("/groups/{}/posts", group.id))
        .await
        .assert_status(200)
        .json();
    let with_picture = feed
        .posts
        .iter()
        .filter(|p| p.post.body == "with a picture")
        .count();
    assert_eq!(with_picture, 1);

    // Search (PostgreSQL's own index) and attachments work on the copy.
    let found: SearchResponse = bob_pg.get("/search?q=move").await.assert_status(200).json();
    assert!(!found.hits.is_empty(), "search finds copied posts");
    let download = ctx
        .http
        .get(format!("{url}/api/v1/attachments/{}", attachment.id))
        .bearer_auth(&bob.token)
        .send()
        .await
        .expect("answer");
    assert_eq!(download.bytes().await.expect("bytes").to_vec(), picture);

    // The target now has data: a second copy is refused and changes nothing.
    server.shutdown().await.expect("stops");
    let again = tokio::process::Command::new(BINARY)
        .args(["migrate-db", "--to", &target.url, "--data-dir"])
        .arg(&ctx.data_dir)
        .output()
        .await
        .expect("binary runs");
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("not empty"),
        "{}",
        text(&again.stderr)
    );
    target.drop().await;
}
