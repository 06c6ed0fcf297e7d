//! The audit log: each administrative and security event leaves one entry
//! with who, when, what and from where; only organisation admins read it,
//! filtered and paged; nothing can rewrite it.

use commons_protocol::*;

use super::content_support::{delete_post, mutation, org_admin};
use crate::harness::{new_id, Ctx, Session};

async fn audit(admin: &Session, query: &str) -> AuditPage {
    admin
        .get(&format!("/admin/audit{query}"))
        .await
        .assert_status(200)
        .json()
}

/// The entries of `action`, newest first.
async fn entries_of(admin: &Session, action: AuditAction) -> Vec<AuditEntry> {
    audit(admin, &format!("?action={action}&limit=500"))
        .await
        .entries
}

pub async fn the_audit_log_records_security_and_admin_events(ctx: Ctx) {
    // Requests from a known address, so the source can be checked.
    let from = ctx.coming_from("127.0.0.7");
    let admin = org_admin(&from, "root").await;
    let grace = from.person("grace").await;
    let alan = from.person("alan").await;

    // Logins, failed ones with their reason, and the login of a deactivated account.
    from.login_reply(&grace.user.email, "wrong password")
        .await
        .assert_status(401);
    from.login_reply("nobody@example.org", "whatever")
        .await
        .assert_status(401);
    let failed = entries_of(&admin, AuditAction::LoginFailed).await;
    let reasons: Vec<_> = failed.iter().map(|e| e.details["reason"].clone()).collect();
    assert_eq!(reasons, ["unknown_email", "wrong_password"]);
    assert_eq!(failed[1].actor_id.as_deref(), Some(grace.user.id.as_str()));
    assert_eq!(failed[0].actor_id, None, "an unknown e-mail names no one");
    assert_eq!(failed[0].details["email"], "nobody@example.org");
    assert!(failed
        .iter()
        .all(|e| e.source_addr.as_deref() == Some("127.0.0.7")));
    let logins = entries_of(&admin, AuditAction::Login).await;
    assert!(logins
        .iter()
        .any(|e| e.actor_id.as_deref() == Some(grace.user.id.as_str())
            && e.actor_name == grace.user.name
            && e.details["method"] == "password"));

    // Group privacy, a member's role, a removal, a moderator's removal of a post.
    let group = grace.create_group("Design", Privacy::Open).await;
    alan.join(&group.id).await.assert_status(200);
    let post = alan.write_post(&group, "My draft").await;
    let own = grace.write_post(&group, "Mine").await;
    delete_post(&grace, &own.id).await.assert_status(200);
    delete_post(&grace, &post.id).await.assert_status(200);
    let update = UpdateGroupRequest {
        mutation_id: new_id(),
        name: None,
        description: None,
        privacy: Some(Privacy::Closed),
    };
    grace
        .patch(&format!("/groups/{}", group.id), &update)
        .await
        .assert_status(200);
    let role = SetRoleRequest {
        mutation_id: new_id(),
        role: GroupRole::Moderator,
    };
    let role_path = format!("/groups/{}/members/{}/role", group.id, alan.user.id);
    grace.post(&role_path, &role).await.assert_status(200);
    let remove_path = format!("/groups/{}/members/{}/remove", group.id, alan.user.id);
    grace
        .post(&remove_path, &mutation())
        .await
        .assert_status(200);

    let removed = entries_of(&admin, AuditAction::PostRemoved).await;
    assert_eq!(
        removed.len(),
        1,
        "deleting one's own post is not audited: {removed:?}"
    );
    assert_eq!(removed[0].target_id.as_deref(), Some(post.id.as_str()));
    assert_eq!(removed[0].actor_id.as_deref(), Some(grace.user.id.as_str()));
    assert_eq!(removed[0].details["author_id"], alan.user.id);
    assert!(
        !removed[0].details.to_string().contains("My draft"),
        "never the text"
    );
    let privacy = entries_of(&admin, AuditAction::GroupPrivacyChanged).await;
    assert_eq!(privacy.len(), 1);
    assert_eq!(privacy[0].target_id.as_deref(), Some(group.id.as_str()));
    assert_eq!(privacy[0].details["from"], "open");
    assert_eq!(privacy[0].details["to"], "closed");
    let roles = entries_of(&admin, AuditAction::GroupRoleChanged).await;
    assert_eq!(roles[0].details["to"], "moderator");
    assert_eq!(roles[0].target_id.as_deref(), Some(alan.user.id.as_str()));
    let removals = entries_of(&admin, AuditAction::MemberRemoved).await;
    assert_eq!(removals[0].details["group_id"], group.id);

    // Organisation roles, deactivation (which ends sessions), reactivation, logout.
    let make_admin = SetOrgAdminRequest {
        mutation_id: new_id(),
        is_admin: true,
    };
    admin
        .post(&format!("/admin/users/{}/role", alan.user.id), &make_admin)
        .await
        .assert_status(200);
    admin
        .post(
            &format!("/admin/users/{}/deactivate", grace.user.id),
            &mutation(),
        )
        .await
        .assert_status(200);
    from.login_reply(&grace.user.email, crate::harness::PASSWORD)
        .await
        .assert_status(403);
    admin
        .post(
            &format!("/admin/users/{}/reactivate", grace.user.id),
            &mutation(),
        )
        .await
        .assert_status(200);
    alan.post("/auth/logout", &serde_json::json!({}))
        .await
        .assert_status(204);

    let by_alan_target = audit(&admin, &format!("?target_id={}&limit=500", alan.user.id)).await;
    let actions: Vec<_> = by_alan_target.entries.iter().map(|e| e.action).collect();
    for expected in [
        AuditAction::Logout,
        AuditAction::UserRoleChanged,
        AuditAction::MemberRemoved,
        AuditAction::GroupRoleChanged,
        AuditAction::Login,
        AuditAction::UserCreated,
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    let grace_events = audit(&admin, &format!("?target_id={}&limit=500", grace.user.id)).await;
    let actions: Vec<_> = grace_events.entries.iter().map(|e| e.action).collect();
    let newest_first = [
        AuditAction::UserReactivated,
        AuditAction::LoginFailed,
        AuditAction::UserDeactivated,
        AuditAction::SessionsRevoked,
    ];
    assert_eq!(actions[..4], newest_first, "{actions:?}");
    assert_eq!(
        grace_events.entries[2].actor_id.as_deref(),
        Some(admin.user.id.as_str())
    );
    assert_eq!(grace_events.entries[1].details["reason"], "deactivated");
}

pub async fn only_org_admins_read_the_audit_log_in_pages(ctx: Ctx) {
    let admin = org_admin(&ctx, "root").await;
    let grace = ctx.person("grace").await;
    grace
        .get("/admin/audit")
        .await
        .assert_error(403, "forbidden");
    admin
        .get("/admin/audit?action=nonsense")
        .await
        .assert_error(400, "bad_request");
    admin
        .get("/admin/audit?limit=0")
        .await
        .assert_error(400, "bad_request");
    admin
        .get("/admin/audit?actor_id=12")
        .await
        .assert_error(400, "bad_request");

    for _ in 0..4 {
        ctx.login_reply(&grace.user.email, "nope")
            .await
            .assert_status(401);
    }
    let mut seen = Vec::new();
    let mut query = "?action=login_failed&limit=3".to_string();
    loop {
        let page = audit(&admin, &query).await;
        seen.extend(page.entries.iter().map(|e| e.seq));
        match page.next_before {
            Some(before) => query = format!("?action=login_failed&limit=3&before={before}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4, "every failure once: {seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seen:?}"
    );

    // Filters by time: nothing in the future.
    let future = audit(&admin, "?since=99999999999999").await;
    assert!(future.entries.is_empty());

    // Append-only, whatever goes through the database.
    for sql in [
        "UPDATE audit_log SET action = 'login'",
        "DELETE FROM audit_log",
    ] {
        let refused = sqlx::query(sql).execute(ctx.db.pool()).await;
        assert!(refused.is_err(), "{sql} must be refused");
    }
    let after = audit(&admin, "?action=login_failed").await;
    assert_eq!(after.entries.len(), 4);
}
