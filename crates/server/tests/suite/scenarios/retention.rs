//! Retention policies: organisation admins set them (the organisation's and
//! a group's, which overrides it), a run deletes exactly the posts past
//! their group's policy as tombstones that sync, and on one PostgreSQL
//! shared by several nodes a round happens once.

use std::time::Duration;

use commons_protocol::*;
use commons_server::db::Database;
use commons_server::{DatabaseConfig, RetentionTuning, Tuning};

use super::attachments::{blob_exists, post_with, upload};
use super::content_support::{delete, org_admin, pin, put, react_request};
use crate::harness::{new_id, Ctx, Session};

const DAY: i64 = 24 * 60 * 60 * 1000;

/// Makes a post look `days` old (no clock to turn back otherwise).
async fn age(db: &Database, post: &Post, days: i64) {
    let created_at = post.created_at - days * DAY;
    sqlx::query("UPDATE posts SET created_at = $1 WHERE id = $2")
        .bind(created_at)
        .bind(&post.id)
        .execute(db.pool())
        .await
        .expect("backdated");
}

async fn set_policy(admin: &Session, group_id: Option<&str>, days: i64) -> RetentionPolicies {
    let request = SetRetentionRequest {
        mutation_id: new_id(),
        group_id: group_id.map(str::to_string),
        max_age_days: days,
    };
    put(admin, "/admin/retention", &request)
        .await
        .assert_status(200)
        .json()
}

async fn run_now(ctx: &Ctx, db: &Database, min_gap: Option<Duration>) -> Option<RetentionReport> {
    let store = commons_server::open_attachment_store(
        &DatabaseConfig::new(&ctx.data_dir, ctx.database_url.clone()),
        &commons_server::AttachmentStoreConfig::Local,
    )
    .expect("store");
    commons_server::ops::retention::run(db, store.as_ref(), None, min_gap)
        .await
        .expect("retention runs")
}

async fn runs(admin: &Session) -> Vec<AuditEntry> {
    let page: AuditPage = admin
        .get("/admin/audit?action=retention_run&limit=500")
        .await
        .assert_status(200)
        .json();
    page.entries
}

async fn body_of(s: &Session, post: &Post) -> PostWithComments {
    s.get(&format!("/posts/{}", post.id))
        .await
        .assert_status(200)
        .json()
}

pub async fn retention_deletes_exactly_the_old_posts_of_each_group(ctx: Ctx) {
    let admin = org_admin(&ctx, "root").await;
    let ada = ctx.person("ada").await;
    let news = ada.create_group("News", Privacy::Open).await;
    let chat = ada.create_group("Chat", Privacy::Closed).await;
    let archive = ada.create_group("Archive", Privacy::Secret).await;

    // Only organisation admins, with sane values, for groups that exist.
    let request = SetRetentionRequest {
        mutation_id: new_id(),
        group_id: None,
        max_age_days: 30,
    };
    put(&ada, "/admin/retention", &request)
        .await
        .assert_error(403, "forbidden");
    ada.get("/admin/retention")
        .await
        .assert_error(403, "forbidden");
    let zero = SetRetentionRequest {
        max_age_days: 0,
        ..request.clone()
    };
    put(&admin, "/admin/retention", &zero)
        .await
        .assert_error(400, "bad_request");
    let nowhere = SetRetentionRequest {
        group_id: Some(new_id()),
        ..request.clone()
    };
    put(&admin, "/admin/retention", &nowhere)
        .await
        .assert_error(404, "not_found");
    assert_eq!(
        run_now(&ctx, &ctx.db, None).await,
        None,
        "no policy, no run"
    );

    // The organisation keeps a year; News 30 days; Archive 1000 days.
    set_policy(&admin, None, 365).await;
    set_policy(&admin, Some(&news.id), 30).await;
    let replayed = put(&admin, "/admin/retention", &request).await;
    replayed.assert_status(200);
    let again = put(&admin, "/admin/retention", &request).await;
    assert_eq!(again.text, replayed.text, "a replay answers the same");
    set_policy(&admin, Some(&news.id), 30).await;
    let policies = set_policy(&admin, Some(&archive.id), 1000).await;
    let listed: RetentionPolicies = admin
        .get("/admin/retention")
        .await
        .assert_status(200)
        .json();
    assert_eq!(listed, policies);
    let shape: Vec<_> = listed
        .policies
        .iter()
        .map(|p| (p.group_id.clone(), p.group_name.as_str(), p.max_age_days))
        .collect();
    assert_eq!(
        shape,
        [
            (None, "", 30),
            (Some(archive.id.clone()), "Archive", 1000),
            (Some(news.id.clone()), "News", 30),
        ],
        "the replayed organisation-wide 30 days stands; groups by name"
    );
    set_policy(&admin, None, 365).await;

    let file = upload(&ada, "old.png", super::attachments::png(4, 4, 9)).await;
    let news_old: Post = post_with(&ada, &news, &[&file.id])
        .await
        .assert_status(201)
        .json();
    let reply = ada.write_comment(&news_old, "an old reply").await;
    put(
        &ada,
        &format!("/posts/{}/reaction", news_old.id),
        &react_request(ReactionKind::Like),
    )
    .await
    .assert_status(200);
    let news_new = ada.write_post(&news, "last week").await;
    let news_pinned = ada.write_post(&news, "house rules").await;
    pin(&ada, &news_pinned.id, true).await.assert_status(200);
    let chat_old = ada.write_post(&chat, "two years ago").await;
    let chat_mid = ada.write_post(&chat, "this spring").await;
    let archive_old = ada.write_post(&archive, "two years ago too").await;
    age(&ctx.db, &news_old, 40).await;
    age(&ctx.db, &news_new, 7).await;
    age(&ctx.db, &news_pinned, 400).await;
    age(&ctx.db, &chat_old, 730).await;
    age(&ctx.db, &chat_mid, 100).await;
    age(&ctx.db, &archive_old, 730).await;
    let before = ada.sync_all(None, 500).await.1;

    let report = run_now(&ctx, &ctx.db, None).await.expect("a run");
    assert_eq!(
        report.posts_by_group,
        [(news.id.clone(), 1), (chat.id.clone(), 1)]
            .into_iter()
            .collect()
    );
    assert_eq!(report.comments, 1);

    for gone in [&news_old, &chat_old] {
        let seen = body_of(&ada, gone).await;
        assert!(
            seen.post.deleted_at.is_some(),
            "{} is a tombstone",
            gone.body
        );
        assert_eq!(seen.post.body, "");
    }
    let seen = body_of(&ada, &news_old).await;
    assert!(seen
        .comments
        .iter()
        .all(|c| c.deleted_at.is_some() && c.body.is_empty()));
    assert!(seen.post.attachments.is_empty());
    assert!(!blob_exists(&ctx, &file.sha256), "the file is gone");
    for kept in [&news_new, &news_pinned, &chat_mid, &archive_old] {
        let seen = body_of(&ada, kept).await;
        assert_eq!(seen.post.deleted_at, None, "{} stays", kept.body);
        assert_eq!(seen.post.body, kept.body);
    }

    // Clients learn it through sync, as a deletion by the author.
    let (changes, _) = ada.sync_all(Some(&before), 500).await;
    let tombstones: Vec<_> = changes
        .iter()
        .filter_map(|change| match change {
            Change::Post { post } if post.deleted_at.is_some() => Some(post.id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(tombstones.len(), 2);
    assert!(tombstones.contains(&news_old.id) && tombstones.contains(&chat_old.id));
    assert!(changes.iter().any(|c| matches!(c,
        Change::Comment { comment } if comment.id == reply.id && comment.deleted_at.is_some())));
    assert!(changes.iter().any(|c| matches!(c,
        Change::ReactionRemoved { target_id, .. } if *target_id == news_old.id)));

    // One audit entry per run, with counts and no text.
    let entries = runs(&admin).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor_id, None, "the system ran it");
    assert_eq!(entries[0].details["posts"], 2);
    assert_eq!(entries[0].details["posts_by_group"][&news.id], 1);
    let changed: AuditPage = admin
        .get("/admin/audit?action=retention_policy_changed&limit=500")
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        changed.entries.len(),
        5,
        "each change once, replays and no-ops not"
    );

    // A run right after another is skipped when a gap is asked for.
    let hour = Some(Duration::from_secs(3600));
    assert_eq!(run_now(&ctx, &ctx.db, hour).await, None);
    // Removing News's policy puts it under the organisation's year.
    let clear = ClearRetentionRequest {
        mutation_id: new_id(),
        group_id: Some(news.id.clone()),
    };
    let after: RetentionPolicies = delete(&admin, "/admin/retention", &clear)
        .await
        .assert_status(200)
        .json();
    assert_eq!(after.policies.len(), 2);
    let report = run_now(&ctx, &ctx.db, None).await.expect("a run");
    assert!(
        report.posts_by_group.is_empty(),
        "nothing else is past a year"
    );
    assert_eq!(runs(&admin).await.len(), 2);
}

/// PostgreSQL: two nodes on one database, each running the job; a round
/// happens once.
pub async fn nodes_on_one_database_run_each_retention_round_once(ctx: Ctx) {
    let admin = org_admin(&ctx, "root").await;
    let ada = ctx.person("ada").await;
    let news = ada.create_group("News", Privacy::Open).await;
    set_policy(&admin, Some(&news.id), 30).await;
    let mut old = Vec::new();
    for i in 0..(2 * commons_server::ops::retention::BATCH_POSTS + 3) {
        let post = ada.write_post(&news, &format!("old post {i}")).await;
        age(&ctx.db, &post, 60).await;
        old.push(post);
    }
    let config = DatabaseConfig::new(&ctx.data_dir, ctx.database_url.clone());
    let node_a = Database::open(&config).await.expect("node A");
    let node_b = Database::open(&config).await.expect("node B");
    let hour = Some(Duration::from_secs(3600));
    let (a, b) = tokio::join!(run_now(&ctx, &node_a, hour), run_now(&ctx, &node_b, hour));
    let ran: Vec<_> = [a, b].into_iter().flatten().collect();
    assert_eq!(ran.len(), 1, "one node ran the round, the other skipped it");
    assert_eq!(ran[0].posts_by_group[&news.id], old.len() as u64);
    assert_eq!(runs(&admin).await.len(), 1, "one audit entry for the round");
    node_a.close().await;
    node_b.close().await;

    // The scheduled job of two serving nodes: every expired post is
    // deleted once, whichever node's round took it.
    let more = ada.write_post(&news, "expired later").await;
    age(&ctx.db, &more, 60).await;
    let quick = Tuning {
        retention: RetentionTuning {
            every: Some(Duration::from_millis(300)),
        },
        ..Tuning::default()
    };
    ctx.start_node(quick).await;
    ctx.start_node(quick).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while body_of(&ada, &more).await.post.deleted_at.is_none() {
        assert!(tokio::time::Instant::now() < deadline, "the job never ran");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let counted: u64 = runs(&admin)
        .await
        .iter()
        .map(|e| e.details["posts"].as_u64().expect("a count"))
        .sum();
    assert_eq!(counted, old.len() as u64 + 1, "no post deleted twice");
}

pub async fn retention_and_erasure_commands_work_through_the_binary(ctx: Ctx) {
    use super::binary::{run, text};
    let ada = ctx.person("ada").await;
    let news = ada.create_group("News", Privacy::Open).await;
    let old = ada.write_post(&news, "from long ago").await;
    age(&ctx.db, &old, 40).await;

    let list = run(&ctx, &["retention", "list"], "").await;
    assert!(list.status.success(), "{}", text(&list.stderr));
    assert!(text(&list.stdout).contains("no retention policy"));
    let bad = run(&ctx, &["retention", "set", "--days", "0"], "").await;
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("max_age_days"),
        "{}",
        text(&bad.stderr)
    );
    let set = run(
        &ctx,
        &["retention", "set", "--days", "30", "--group", &news.id],
        "",
    )
    .await;
    assert!(set.status.success(), "{}", text(&set.stderr));
    assert!(
        text(&set.stdout).contains(&format!("group News ({}): 30 days", news.id)),
        "{}",
        text(&set.stdout)
    );
    let ran = run(&ctx, &["retention", "run"], "").await;
    assert!(ran.status.success(), "{}", text(&ran.stderr));
    assert!(
        text(&ran.stdout).contains("deleted 1 posts"),
        "{}",
        text(&ran.stdout)
    );
    let shown: PostWithComments = ada
        .get(&format!("/posts/{}", old.id))
        .await
        .assert_status(200)
        .json();
    assert!(shown.post.deleted_at.is_some());
    let cleared = run(&ctx, &["retention", "clear", "--group", &news.id], "").await;
    assert!(cleared.status.success(), "{}", text(&cleared.stderr));
    assert!(text(&cleared.stdout).contains("no retention policy"));

    let nobody = run(&ctx, &["admin", "erase", "nobody@example.org"], "").await;
    assert!(!nobody.status.success());
    assert!(
        text(&nobody.stderr).contains("no user with e-mail"),
        "{}",
        text(&nobody.stderr)
    );
    let erased = run(&ctx, &["admin", "erase", &ada.user.email], "").await;
    assert!(erased.status.success(), "{}", text(&erased.stderr));
    assert!(
        text(&erased.stdout).contains("(now Former member"),
        "{}",
        text(&erased.stdout)
    );
    ada.get("/me").await.assert_error(401, "unauthorized");
    let audit: AuditPage = org_admin(&ctx, "root")
        .await
        .get("/admin/audit?action=user_erased")
        .await
        .assert_status(200)
        .json();
    assert_eq!(audit.entries.len(), 1);
    assert_eq!(
        audit.entries[0].actor_id, None,
        "a command run on the server"
    );
}
