//! Bounding big groups: old posts leave the cache, unsynced work never does.

use commons_protocol::{Change, Reaction, ReactionKind};

use super::*;

#[tokio::test]
async fn old_posts_of_big_groups_go_but_pinned_and_unsynced_ones_stay() {
    let (cache, ada) = seeded().await;
    let mut tx = cache.write().await.unwrap();
    for n in 1..=8 {
        let mut change = post(&format!("e{n}"), "everyone", "grace", 1000 + n, "news");
        if let Change::Post { post } = &mut change {
            if n == 1 {
                post.pinned_at = Some(2000);
            }
            if n == 4 {
                post.author_id = "ada".into();
            }
        }
        apply_change(&mut tx, &change).await.unwrap();
    }
    let mut old_comment = comment("c-e2", "e2", "grace", 1100, "old talk");
    if let Change::Comment { comment } = &mut old_comment {
        comment.group_id = "everyone".into();
    }
    apply_change(&mut tx, &old_comment).await.unwrap();
    let reaction = Change::Reaction {
        reaction: Reaction {
            target_id: "e5".into(),
            user_id: "grace".into(),
            post_id: "e5".into(),
            group_id: "everyone".into(),
            kind: ReactionKind::Like,
            created_at: 1200,
        },
    };
    apply_change(&mut tx, &reaction).await.unwrap();
    // Unsynced work on old posts: my comment on e3, my edit of e4.
    let mine = writes::comment(&mut tx, &ada, "e3", "not sent yet")
        .await
        .unwrap();
    writes::edit(&mut tx, &ada, "e4", "edited offline")
        .await
        .unwrap();
    for feed in ["", "everyone", "falcon"] {
        set_feed_page_cursor(&mut tx, feed, Some("g1.5"))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let mut tx = cache.write().await.unwrap();
    let dropped = evict_old_posts(&mut tx, 3).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(dropped, 3, "p1, e2 and e5");

    let mut conn = cache.read().await.unwrap();
    let kept: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM posts WHERE group_id = 'everyone' ORDER BY created_at DESC",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(kept, ["e8", "e7", "e6", "e4", "e3", "e1"]);
    let others =
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM posts WHERE group_id <> 'everyone'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(others, 2, "small groups keep everything");
    let comments: Vec<String> = sqlx::query_scalar("SELECT id FROM comments ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert_eq!(
        comments,
        [mine],
        "the comments of dropped posts went with them"
    );
    let reactions = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM reactions")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(reactions, 0);
    let hits = search(&mut conn, &ada.id, "old talk", 10).await.unwrap();
    assert!(hits.is_empty(), "the search index forgot them too");
    assert_eq!(feed_page_cursor(&mut conn, "").await.unwrap(), None);
    assert_eq!(feed_page_cursor(&mut conn, "everyone").await.unwrap(), None);
    assert_eq!(
        feed_page_cursor(&mut conn, "falcon").await.unwrap(),
        Some(Some("g1.5".to_owned()))
    );
    let edited = feed_post(&mut conn, &ada.id, "e4").await.unwrap().unwrap();
    assert_eq!(edited.body, "edited offline");
    assert!(edited.pending);
}

#[tokio::test]
async fn a_tombstone_drops_its_attachments_and_sends_their_files_to_the_trash() {
    let (cache, _ada) = seeded().await;
    let mut with_file = post("pa", "everyone", "grace", 500, "see attached");
    if let Change::Post { post } = &mut with_file {
        post.attachments = vec![commons_protocol::Attachment {
            id: "att".into(),
            sha256: "ab".repeat(32),
            name: "plan.txt".into(),
            content_type: "text/plain".into(),
            size: 10,
            width: None,
            height: None,
            uploader_id: "grace".into(),
            created_at: 500,
        }];
    }
    let mut tx = cache.write().await.unwrap();
    apply_change(&mut tx, &with_file).await.unwrap();
    // An edit (same attachments) keeps the downloaded file.
    add_file(&mut tx, "att", "full", &"ab".repeat(32), 10)
        .await
        .unwrap();
    apply_change(&mut tx, &with_file).await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = cache.read().await.unwrap();
    assert_eq!(post_attachments(&mut conn, "pa").await.unwrap().len(), 1);
    assert!(post_attachments(&mut conn, "pa").await.unwrap()[0].downloaded);
    assert!(trash(&mut conn).await.unwrap().is_empty());
    drop(conn);

    if let Change::Post { post } = &mut with_file {
        post.deleted_at = Some(600);
        post.body = String::new();
        post.attachments.clear();
    }
    let mut tx = cache.write().await.unwrap();
    apply_change(&mut tx, &with_file).await.unwrap();
    tx.commit().await.unwrap();
    let mut conn = cache.read().await.unwrap();
    assert!(post_attachments(&mut conn, "pa").await.unwrap().is_empty());
    assert_eq!(trash(&mut conn).await.unwrap(), ["ab".repeat(32)]);
}
