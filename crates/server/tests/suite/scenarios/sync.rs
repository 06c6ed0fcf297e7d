use commons_protocol::*;

use commons_server::{SyncTuning, Tuning};

use super::content_support::{delete_post, pin, react};
use crate::harness::{ids_in, new_id, Ctx};

pub async fn sync_pages_through_the_change_log_with_a_cursor(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    let first = ada.write_post(&group, "first").await;

    let full = ada.sync(None).await;
    assert!(!full.has_more);
    let ids = ids_in(&full.changes);
    for id in [&ada.user.id, &grace.user.id, &group.id, &first.id] {
        assert!(ids.contains(id), "{id} missing from {ids:?}");
    }

    // Nothing new: nothing returned, same cursor.
    let idle = ada.sync(Some(&full.cursor)).await;
    assert!(idle.changes.is_empty());
    assert_eq!(idle.cursor, full.cursor);

    let second = ada.write_post(&group, "second").await;
    let comment = ada.write_comment(&first, "a comment").await;
    let newer = ada.sync(Some(&full.cursor)).await;
    assert_eq!(
        newer.changes,
        vec![Change::Post { post: second }, Change::Comment { comment }],
        "only what came after the cursor, in order"
    );
    assert!(!newer.has_more);
    assert_ne!(newer.cursor, full.cursor);

    // One change per page adds up to the same as one big page. A page may
    // repeat an entity (a join re-sends the group's history, and the member
    // may have seen part of it on an earlier page): applied as upserts, the
    // result is the same, so compare first occurrences.
    let everything = ada.sync(None).await;
    let (paged, last_cursor) = ada.sync_all(None, 1).await;
    let mut seen = std::collections::HashSet::new();
    let first_occurrences: Vec<Change> = ids_in(&paged)
        .into_iter()
        .zip(paged)
        .filter(|(id, _)| seen.insert(id.clone()))
        .map(|(_, change)| change)
        .collect();
    assert_eq!(first_occurrences, everything.changes);
    assert_eq!(last_cursor, newer.cursor);
    let page: SyncResponse = ada.get("/sync?limit=1").await.assert_status(200).json();
    assert_eq!((page.changes.len(), page.has_more), (1, true));

    // A limit above the maximum is clamped, not refused.
    ada.get("/sync?limit=1000000").await.assert_status(200);

    // Grace is not a member: she sees the open group, not its posts.
    let theirs = ids_in(&grace.sync(None).await.changes);
    assert!(theirs.contains(&group.id));
    assert!(!theirs.contains(&first.id));
}

pub async fn joining_a_group_backfills_its_history(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let open = ada.create_group("Engineering", Privacy::Open).await;
    let old_post = ada.write_post(&open, "said before grace joined").await;
    let old_comment = ada.write_comment(&old_post, "also before").await;

    let before = grace.sync(None).await;
    assert!(!ids_in(&before.changes).contains(&old_post.id));

    grace.join(&open.id).await.assert_status(200);
    let after = grace.sync(Some(&before.cursor)).await;
    let ids = ids_in(&after.changes);
    let my_join = format!("{}/{}", open.id, grace.user.id);
    for id in [&old_post.id, &old_comment.id, &my_join] {
        assert!(ids.contains(id), "{id} missing from {ids:?}");
    }
    let position = |id: &String| ids.iter().position(|x| x == id);
    assert!(
        position(&old_post.id) < position(&my_join),
        "history comes before the join"
    );

    // Being added to a secret group brings the group itself and its past.
    let secret = ada.create_group("Project Falcon", Privacy::Secret).await;
    let plan = ada.write_post(&secret, "the plan").await;
    let before = grace.sync(Some(&after.cursor)).await;
    assert!(!ids_in(&before.changes).contains(&secret.id));
    ada.add_member(&secret.id, &grace.user.email)
        .await
        .assert_status(200);
    let ids = ids_in(&grace.sync(Some(&before.cursor)).await.changes);
    for id in [&secret.id, &plan.id] {
        assert!(ids.contains(id), "{id} missing from {ids:?}");
    }
}

/// A new member's sync carries the group's recent history only (the newest
/// posts that are not deleted, and the pinned ones, with their comments and
/// reactions); older posts stay readable through the group page. A role
/// change sends none of it again.
pub async fn the_join_backfill_is_capped_and_not_repeated_on_a_role_change(ctx: Ctx) {
    let node = ctx
        .start_node(Tuning {
            sync: SyncTuning {
                join_backfill_posts: 2,
            },
            ..Tuning::default()
        })
        .await;
    let ctx = ctx.at(&node.url);
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    // Grace's cursor is older than everything below: what she missed as a
    // non-member lies after it, and is capped all the same.
    let before = grace.sync_all(None, 1000).await.1;

    let pinned = ada.write_post(&group, "pinned long ago").await;
    pin(&ada, &pinned.id, true).await.assert_status(200);
    let old = ada.write_post(&group, "old").await;
    let old_comment = ada.write_comment(&old, "on the old one").await;
    react(&ada, "posts", &old.id, ReactionKind::Like)
        .await
        .assert_status(200);
    let recent = ada.write_post(&group, "recent").await;
    let newest = ada.write_post(&group, "newest").await;
    let newest_comment = ada.write_comment(&newest, "on the newest").await;
    react(&ada, "posts", &newest.id, ReactionKind::Love)
        .await
        .assert_status(200);
    let deleted = ada.write_post(&group, "deleted").await;
    delete_post(&ada, &deleted.id).await.assert_status(200);

    grace.join(&group.id).await.assert_status(200);
    let (changes, after_join) = grace.sync_all(Some(&before), 1000).await;
    let ids = ids_in(&changes);
    let my_membership = format!("{}/{}", group.id, grace.user.id);
    let newest_reaction = format!("{}:{}", newest.id, ada.user.id);
    for id in [
        &pinned.id,
        &recent.id,
        &newest.id,
        &newest_comment.id,
        &newest_reaction,
        &my_membership,
    ] {
        assert!(ids.contains(id), "{id} missing from {ids:?}");
    }
    let old_reaction = format!("{}:{}", old.id, ada.user.id);
    for id in [&old.id, &old_comment.id, &old_reaction, &deleted.id] {
        assert!(!ids.contains(id), "{id} beyond the cap in {ids:?}");
    }
    let position = |id: &String| ids.iter().position(|x| x == id);
    assert!(position(&newest.id) < position(&my_membership));

    // Older posts are one group page away.
    let page: FeedPage = grace
        .get(&format!("/groups/{}/posts", group.id))
        .await
        .assert_status(200)
        .json();
    assert!(page.posts.iter().any(|p| p.post.id == old.id));

    // What is written after joining arrives as usual; a promotion brings the
    // membership and nothing of the history again.
    let later = ada.write_post(&group, "after grace joined").await;
    let promote = SetRoleRequest {
        mutation_id: new_id(),
        role: GroupRole::Moderator,
    };
    ada.post(
        &format!("/groups/{}/members/{}/role", group.id, grace.user.id),
        &promote,
    )
    .await
    .assert_status(200);
    let ids = ids_in(&grace.sync_all(Some(&after_join), 1000).await.0);
    assert!(ids.contains(&later.id), "{ids:?}");
    assert!(ids.contains(&my_membership), "{ids:?}");
    for id in [&pinned.id, &recent.id, &newest.id, &newest_comment.id] {
        assert!(!ids.contains(id), "{id} sent again in {ids:?}");
    }
}

/// A moderator demoted to member is told that the pending requests are gone
/// for them; a member who never moderated hears nothing of them.
pub async fn a_demoted_moderator_forgets_pending_join_requests(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let grace = ctx.person("grace").await;
    let group = ada.create_group("Board", Privacy::Closed).await;
    for who in [&bob, &carol] {
        ada.add_member(&group.id, &who.user.email)
            .await
            .assert_status(200);
    }
    let set_role = |role: GroupRole| SetRoleRequest {
        mutation_id: new_id(),
        role,
    };
    let bob_role = format!("/groups/{}/members/{}/role", group.id, bob.user.id);
    ada.post(&bob_role, &set_role(GroupRole::Moderator))
        .await
        .assert_status(200);
    grace.join(&group.id).await.assert_status(200);
    let request = format!("request {}/{}", group.id, grace.user.id);
    let (changes, bob_cursor) = bob.sync_all(None, 1000).await;
    assert!(
        ids_in(&changes).contains(&request),
        "the moderator holds it"
    );
    let carol_cursor = carol.sync_all(None, 1000).await.1;

    ada.post(&bob_role, &set_role(GroupRole::Member))
        .await
        .assert_status(200);
    let removed = format!("-request {}/{}", group.id, grace.user.id);
    let ids = ids_in(&bob.sync_all(Some(&bob_cursor), 1000).await.0);
    assert!(ids.contains(&removed), "{ids:?}");
    assert!(!ids.contains(&request), "{ids:?}");
    let ids = ids_in(&bob.sync_all(None, 1000).await.0);
    assert!(!ids.contains(&request), "{ids:?}");
    let ids = ids_in(&carol.sync_all(Some(&carol_cursor), 1000).await.0);
    assert!(!ids.iter().any(|id| id.contains(&grace.user.id)), "{ids:?}");
}

/// A cursor names the life of the change log it points into: one of another
/// server (or of this one before a reset or a restore) is refused, so the
/// client starts over instead of being answered from the wrong log.
pub async fn a_cursor_of_another_server_is_refused(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let (_, ours) = ada.sync_all(None, 100).await;
    assert!(ours.as_str().starts_with("c2."), "{ours}");

    let elsewhere = tempfile::tempdir().expect("temp dir");
    let other = commons_server::start(commons_server::ServerConfig::new(
        commons_server::DatabaseConfig::new(elsewhere.path(), None),
        "127.0.0.1:0".parse().expect("address"),
    ))
    .await
    .expect("another server starts");
    let there = Ctx {
        url: other.url(),
        db: other.database().clone(),
        ..ctx.clone()
    };
    let stranger = there.person("stranger").await;
    // Its log is longer than ours, so only the epoch can tell the cursors apart.
    for n in 0..3 {
        stranger
            .create_group(&format!("Busy {n}"), Privacy::Open)
            .await;
    }
    let (_, theirs) = stranger.sync_all(None, 100).await;
    other.shutdown().await.expect("stops");

    let refused = ada.get(&format!("/sync?since={theirs}")).await;
    refused.assert_error(400, "bad_request");
    assert!(refused.text.contains("another server"), "{}", refused.text);
    ada.get(&format!("/sync?since={ours}"))
        .await
        .assert_status(200);
    // Cursors from before epochs still work.
    let seq = ours.as_str().rsplit('.').next().expect("seq");
    ada.get(&format!("/sync?since=c1.{seq}"))
        .await
        .assert_status(200);
}
