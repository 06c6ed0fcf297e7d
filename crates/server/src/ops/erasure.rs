//! The right to erasure: an organisation admin erases a person. The policy
//! is `docs/data-control.md`; this module implements exactly it.
//!
//! Everything happens in one write transaction and syncs: posts and comments
//! become tombstones (through the same paths as a deletion), reactions,
//! votes, memberships and join requests sync as removals, the anonymised
//! person as a `user` change. After the commit, [`compact`] removes the
//! bytes the database still holds of what was deleted.

use commons_protocol::{AuditAction, ErasureReport, User};
use serde_json::json;
use sqlx::AnyConnection;

use super::audit::{self, Target};
use super::people::require_org_admin;
use super::{validate, OpError, OpResult};
use crate::db::attachments::Owner;
use crate::db::changes::{ChangeKind, NewChange};
use crate::db::erasure::{self as sql, Removed};
use crate::db::{self, now_millis, Backend, Database, Write};
use crate::hub::Audience;

/// Erases `user_id`. `actor` is `None` for a command run on the server.
/// Answers the report and the attachment blobs to forget after the commit
/// (`ops::attachments::forget_blobs`). Erasing an erased person changes
/// nothing and answers zero counts.
pub async fn erase(
    w: &mut Write,
    actor: Option<&User>,
    user_id: &str,
) -> OpResult<(ErasureReport, Vec<String>)> {
    let user_id = validate::id("user id", user_id)?;
    if let Some(actor) = actor {
        require_org_admin(actor, "erase people")?;
        if actor.id == user_id {
            return Err(OpError::Forbidden(
                "you cannot erase yourself: ask another organisation admin".into(),
            ));
        }
    }
    let person = db::users::find(w.conn(), &user_id)
        .await?
        .ok_or_else(|| OpError::NotFound("person not found".into()))?;
    if sql::is_erased(w.conn(), &person.id).await? {
        let report = ErasureReport {
            user: person,
            ..ErasureReport::default()
        };
        return Ok((report, Vec::new()));
    }
    if person.is_admin && !person.deactivated && db::users::active_admin_count(w.conn()).await? <= 1
    {
        return Err(OpError::Conflict(format!(
            "{} is the last organisation admin: make someone else an admin first",
            person.name
        )));
    }
    let mut report = ErasureReport::default();
    let mut blobs = Vec::new();

    for post_id in sql::live_posts_of(w.conn(), &person.id).await? {
        let Some(post) = db::posts::find_post(w.conn(), &post_id).await? else {
            continue;
        };
        blobs.extend(db::attachments::blobs_of(w.conn(), Owner::Post(&post_id)).await?);
        super::posts::tombstone(w, post).await?;
        report.posts += 1;
    }
    for comment_id in sql::live_comments_of(w.conn(), &person.id).await? {
        let Some(comment) = db::posts::find_comment(w.conn(), &comment_id).await? else {
            continue;
        };
        blobs.extend(db::attachments::blobs_of(w.conn(), Owner::Comment(&comment_id)).await?);
        super::comments::tombstone(w, comment).await?;
        report.comments += 1;
    }
    // The picture's row goes with the other loose uploads.
    db::users::set_avatar(w.conn(), &person.id, None).await?;
    let (loose, attachments) = sql::delete_loose_attachments(w.conn(), &person.id).await?;
    blobs.extend(loose);
    report.attachments = attachments;

    let removals = [
        ("reactions", "target_id", ChangeKind::Reaction),
        ("poll_votes", "post_id", ChangeKind::PollVote),
        ("join_requests", "group_id", ChangeKind::JoinRequest),
        ("memberships", "group_id", ChangeKind::Membership),
    ];
    for (table, first, kind) in removals {
        let removed = sql::delete_rows_of(w.conn(), table, first, &person.id).await?;
        let count = removed.len() as u64;
        match kind {
            ChangeKind::Reaction => report.reactions = count,
            ChangeKind::PollVote => report.votes = count,
            ChangeKind::Membership => report.memberships = count,
            _ => {}
        }
        for row in &removed {
            append_removal(w, kind, row).await?;
        }
    }
    // Only the person held these; nothing to sync.
    sql::delete_rows_of(w.conn(), "post_seen", "post_id", &person.id).await?;
    sql::delete_rows_of(w.conn(), "group_settings", "group_id", &person.id).await?;
    report.notifications = sql::delete_notifications(w.conn(), &person.id).await?;

    for report_id in sql::unlink_reports(w.conn(), &person.id).await? {
        super::people::changed(w, &report_id).await?;
    }
    report.sessions = db::users::delete_sessions_of(w.conn(), &person.id).await?;
    sql::delete_mutations(w.conn(), &person.id).await?;
    sql::anonymise(w.conn(), &person.id, now_millis()).await?;
    // Counts only: the audit log keeps ids and actions, never content.
    audit::record(
        w.conn(),
        actor.map(|a| a.id.as_str()),
        AuditAction::UserErased,
        Target::User(&person.id),
        json!({
            "posts": report.posts, "comments": report.comments,
            "reactions": report.reactions, "votes": report.votes,
            "memberships": report.memberships, "notifications": report.notifications,
            "attachments": report.attachments, "sessions": report.sessions,
        }),
    )
    .await?;
    report.user = super::people::changed(w, &person.id).await?;
    Ok((report, blobs))
}

/// A removal clients learn through sync: the row is gone, so sync answers
/// "removed" for it.
async fn append_removal(w: &mut Write, kind: ChangeKind, row: &Removed) -> OpResult<()> {
    let entity_id = match kind {
        // Memberships and join requests are named by the member.
        ChangeKind::Membership | ChangeKind::JoinRequest => &row.second,
        _ => &row.first,
    };
    w.append(NewChange {
        kind,
        entity_id,
        group_id: Some(&row.group_id),
        user_id: Some(&row.second),
    })
    .await?;
    let members = db::groups::member_ids(w.conn(), &row.group_id).await?;
    w.notify(Audience::users(members));
    Ok(())
}

/// `admin erase EMAIL`: the same rules, outside a running server, then the
/// files and [`compact`].
pub async fn erase_by_email(
    db: &Database,
    store: &dyn crate::blobs::AttachmentStore,
    email: &str,
) -> OpResult<ErasureReport> {
    let email = validate::email(email)?;
    let mut w = db.write().await?;
    let person = db::users::find_by_email(w.conn(), &email)
        .await?
        .ok_or_else(|| OpError::NotFound(format!("no user with e-mail {email}")))?;
    let (report, blobs) = erase(&mut w, None, &person.id).await?;
    w.commit().await?;
    super::attachments::forget_blobs(db, store, &blobs).await;
    compact(db).await?;
    Ok(report)
}

/// After an erasure commits: leaves no readable copy of what it deleted in
/// the database files. SQLite (with `secure_delete` on every connection,
/// which zeroes what is deleted) moves the write-ahead log into the file and
/// truncates it, since the log still holds the pages as they were before;
/// the full-text index deletes for good (its `secure-delete` option, set by
/// migration 0013). PostgreSQL: `VACUUM` the touched tables, so dead row
/// versions leave the tables and their indexes (see docs/data-control.md for
/// what it does not do).
pub async fn compact(db: &Database) -> OpResult<()> {
    match db.backend() {
        Backend::Sqlite => {
            let _turn = db.single_write_turn().await;
            let mut conn = db.pool().acquire().await?;
            // A reader holding an old snapshot makes it busy: try again.
            for _ in 0..50 {
                if checkpoint(&mut conn).await? {
                    return Ok(());
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            tracing::warn!("erasure: the write-ahead log could not be truncated (busy readers)");
            Ok(())
        }
        Backend::Postgres => {
            let mut conn = db.pool().acquire().await?;
            sqlx::raw_sql(
                "VACUUM posts, post_versions, comments, users, attachments, reactions, \
                 poll_votes, post_seen, notifications, mutations, memberships, join_requests, \
                 group_settings, sessions",
            )
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
    }
}

/// `PRAGMA wal_checkpoint(TRUNCATE)`; whether it completed.
async fn checkpoint(conn: &mut AnyConnection) -> OpResult<bool> {
    use sqlx::Row;
    let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(conn)
        .await?;
    let busy: i64 = row.try_get(0)?;
    Ok(busy == 0)
}
