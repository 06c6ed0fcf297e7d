//! The right to erasure: an organisation admin erases a person; what they
//! wrote and who they were is gone for everyone, from sync, search and the
//! database's bytes, and the account can never log in again.

use commons_protocol::*;
use sqlx::Row;

use super::attachments::{blob_exists, files_under, post_with};
use super::content_support::{edit_post, mutation, org_admin, put, react_request};
use crate::harness::{new_id, send, Ctx, Session};

async fn erase(admin: &Session, user_id: &str) -> crate::harness::Reply {
    admin
        .post(&format!("/admin/users/{user_id}/erase"), &mutation())
        .await
}

/// Files the database consists of (SQLite: the file and its write-ahead log).
fn database_files(ctx: &Ctx) -> Vec<std::path::PathBuf> {
    ["commons.db", "commons.db-wal", "commons.db-shm"]
        .iter()
        .map(|name| ctx.data_dir.join(name))
        .filter(|path| path.is_file())
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// PostgreSQL: the tables and text columns (tsvectors and JSON as text) that
/// hold `marker`.
async fn postgres_columns_holding(ctx: &Ctx, marker: &str) -> Vec<String> {
    let columns = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
         WHERE table_schema = 'public' \
           AND data_type IN ('text', 'character varying', 'tsvector', 'json', 'jsonb')",
    )
    .fetch_all(ctx.db.pool())
    .await
    .expect("catalog");
    let mut holding = Vec::new();
    for column in columns {
        let table: String = column.get("t");
        let name: String = column.get("c");
        let sql = format!(
            "SELECT COUNT(*) AS n FROM \"{table}\" WHERE LOWER(CAST(\"{name}\" AS TEXT)) LIKE $1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(format!("%{marker}%"))
            .fetch_one(ctx.db.pool())
            .await
            .expect("count");
        if row.get::<i64, _>("n") > 0 {
            holding.push(format!("{table}.{name}"));
        }
    }
    holding
}

pub async fn erasure_leaves_no_byte_of_the_person_behind(ctx: Ctx) {
    let marker = format!("zqx{}", new_id().replace('-', "")[20..].to_lowercase());
    let admin = org_admin(&ctx, "root").await;
    let erin = ctx.person("erin").await;
    let bob = ctx.person("bob").await;
    let lobby = admin.create_group("Lobby", Privacy::Open).await;
    erin.join(&lobby.id).await.assert_status(200);
    bob.join(&lobby.id).await.assert_status(200);

    // The marker in the profile, a post, its history, a comment, a file.
    let profile = UpdateProfileRequest {
        mutation_id: new_id(),
        name: Some(format!("Erin {marker}")),
        title: Some(format!("Head of {marker}")),
        department: None,
        location: Some(format!("{marker} City")),
        manager_id: None,
        about: Some(format!("I like {marker}")),
    };
    erin.patch("/me", &profile).await.assert_status(200);
    let manager = UpdateProfileRequest {
        mutation_id: new_id(),
        manager_id: Some(erin.user.id.clone()),
        name: None,
        title: None,
        department: None,
        location: None,
        about: None,
    };
    bob.patch("/me", &manager).await.assert_status(200);
    let first = erin
        .write_post(&lobby, &format!("first draft {marker}"))
        .await;
    edit_post(&erin, &first, &format!("second draft {marker}"))
        .await
        .assert_status(200);
    let upload = send(
        ctx.http
            .post(ctx.api("/attachments"))
            .query(&[("name", format!("{marker}.txt"))])
            .header("content-type", "text/plain")
            .bearer_auth(&erin.token)
            .body(format!("the file says {marker}\n").repeat(20)),
    )
    .await;
    let file: Attachment = upload.assert_status(201).json();
    let with_file: Post = post_with(&erin, &lobby, &[&file.id])
        .await
        .assert_status(201)
        .json();
    let bobs = bob.write_post(&lobby, "bob's own post").await;
    let remark = erin
        .write_comment(&bobs, &format!("a remark {marker}"))
        .await;
    let answer = bob.write_comment(&first, "bob answers erin").await;
    put(
        &erin,
        &format!("/posts/{}/reaction", bobs.id),
        &react_request(ReactionKind::Love),
    )
    .await
    .assert_status(200);
    let (_, before) = bob.sync_all(None, 500).await;
    assert!(
        !holders(&ctx, &marker).await.is_empty(),
        "the marker is stored before the erasure"
    );

    // Only organisation admins, never themselves.
    erase(&bob, &erin.user.id)
        .await
        .assert_error(403, "forbidden");
    erase(&admin, &admin.user.id)
        .await
        .assert_error(403, "forbidden");
    erase(&admin, &new_id())
        .await
        .assert_error(404, "not_found");

    let reply = erase(&admin, &erin.user.id).await;
    let report: ErasureReport = reply.assert_status(200).json();
    assert_eq!(
        (
            report.posts,
            report.comments,
            report.reactions,
            report.memberships
        ),
        (2, 1, 1, 2),
        "{}",
        reply.text
    );
    assert!(report.sessions >= 1);
    assert_eq!(report.user.name, "Former member");
    let again: ErasureReport = erase(&admin, &erin.user.id).await.assert_status(200).json();
    assert_eq!((again.posts, again.user.id), (0, erin.user.id.clone()));

    // Gone for the person: no session, no login, no reactivation.
    erin.get("/me").await.assert_error(401, "unauthorized");
    ctx.login_reply(&erin.user.email, crate::harness::PASSWORD)
        .await
        .assert_status(401);
    admin
        .post(
            &format!("/admin/users/{}/reactivate", erin.user.id),
            &mutation(),
        )
        .await
        .assert_error(409, "conflict");

    // What everyone sees.
    let seen: User = bob
        .get(&format!("/users/{}", erin.user.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(seen.name, "Former member");
    assert!(seen.deactivated && !seen.is_admin && seen.avatar_id.is_none());
    assert_eq!((seen.title.as_str(), seen.about.as_str()), ("", ""));
    assert_ne!(seen.email, erin.user.email);
    assert_ne!(seen.handle, erin.user.handle);
    let me: User = bob.get("/me").await.assert_status(200).json();
    assert_eq!(me.manager_id, None, "bob's manager link went");
    for post in [&first, &with_file] {
        let shown: PostWithComments = bob
            .get(&format!("/posts/{}", post.id))
            .await
            .assert_status(200)
            .json();
        assert!(shown.post.deleted_at.is_some() && shown.post.body.is_empty());
        assert!(shown.post.attachments.is_empty());
    }
    let history: Vec<PostVersion> = bob
        .get(&format!("/posts/{}/history", first.id))
        .await
        .assert_status(200)
        .json();
    assert!(history.is_empty());
    let reactions: Vec<Reaction> = bob
        .get(&format!("/posts/{}/reactions", bobs.id))
        .await
        .assert_status(200)
        .json();
    assert!(reactions.is_empty());
    let members: MemberPage = bob
        .get(&format!("/groups/{}/members", lobby.id))
        .await
        .assert_status(200)
        .json();
    assert!(members.members.iter().all(|m| m.user.id != erin.user.id));
    let hits: SearchResponse = bob
        .get(&format!("/search?q={marker}"))
        .await
        .assert_status(200)
        .json();
    assert!(hits.hits.is_empty(), "{:?}", hits.hits);
    assert!(!blob_exists(&ctx, &file.sha256));

    // Sync tells bob's clients to forget it.
    let (changes, _) = bob.sync_all(Some(&before), 500).await;
    let text = serde_json::to_string(&changes).expect("json");
    assert!(!text.contains(&marker), "{text}");
    for id in [&first.id, &with_file.id] {
        assert!(changes.iter().any(|c| matches!(c,
            Change::Post { post } if post.id == *id && post.deleted_at.is_some())));
    }
    for id in [&remark.id, &answer.id] {
        assert!(changes.iter().any(|c| matches!(c,
            Change::Comment { comment } if comment.id == *id && comment.deleted_at.is_some())));
    }
    assert!(changes.iter().any(|c| matches!(c,
        Change::ReactionRemoved { target_id, user_id } if *target_id == bobs.id && *user_id == erin.user.id)));
    assert!(changes.iter().any(|c| matches!(c,
        Change::MembershipRemoved { group_id, user_id } if *group_id == lobby.id && *user_id == erin.user.id)));
    assert!(changes.iter().any(|c| matches!(c,
        Change::User { user } if user.id == erin.user.id && user.name == "Former member")));

    // The audit log keeps the event, with counts and no content.
    let audit: AuditPage = admin
        .get("/admin/audit?action=user_erased")
        .await
        .assert_status(200)
        .json();
    assert_eq!(audit.entries.len(), 1);
    assert_eq!(audit.entries[0].details["posts"], 2);
    let whole: AuditPage = admin
        .get("/admin/audit?limit=500")
        .await
        .assert_status(200)
        .json();
    assert!(!serde_json::to_string(&whole)
        .expect("json")
        .contains(&marker));

    // An export made afterwards holds nothing of it either (files included).
    let archive = admin
        .ctx
        .http
        .get(admin.ctx.api("/admin/export"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("export answers");
    assert_eq!(archive.status().as_u16(), 200);
    let compressed = archive.bytes().await.expect("the archive");
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&compressed[..]),
        &mut unpacked,
    )
    .expect("a gzip archive");
    assert!(
        String::from_utf8_lossy(&unpacked).contains("Former member"),
        "the export holds the anonymised person"
    );
    assert!(
        !unpacked
            .windows(marker.len())
            .any(|w| w == marker.as_bytes()),
        "the erased content is in an export made afterwards"
    );

    // Not one byte left: the database's files and the attachment store.
    let holding = holders(&ctx, &marker).await;
    assert!(holding.is_empty(), "still there: {holding:?}");
}

/// Where `marker` is stored: the SQLite files (raw bytes) or PostgreSQL's
/// text columns, and the attachment files.
async fn holders(ctx: &Ctx, marker: &str) -> Vec<String> {
    let mut files = files_under(&ctx.data_dir.join("attachments"));
    let mut holding = match ctx.database_url {
        None => {
            files.extend(database_files(ctx));
            Vec::new()
        }
        Some(_) => postgres_columns_holding(ctx, marker).await,
    };
    for path in files {
        let bytes = std::fs::read(&path).expect("readable");
        if contains(&bytes, marker) {
            holding.push(path.display().to_string());
        }
    }
    holding
}
