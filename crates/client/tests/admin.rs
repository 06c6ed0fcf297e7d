//! What organisation admins do from a client, against a real server process:
//! add a person, take admin rights, deactivate and reactivate, and read
//! the audit log, with names from the cache. Run inside a session bus with
//! an unlocked Secret Service (see README.md).

mod support;

use commons_client::{AuditAction, AuditQuery, ClientError, ErrorCode};
use support::{logged_in, TestServer};

fn query(action: AuditAction) -> AuditQuery {
    AuditQuery {
        action: Some(action.to_string()),
        ..AuditQuery::default()
    }
}

#[tokio::test]
async fn an_org_admin_manages_accounts_and_reads_the_audit_log() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;

    // Not an admin: refused by the server, with its reason.
    match grace.audit_log(&AuditQuery::default()).await {
        Err(ClientError::Server { code, .. }) => assert_eq!(code, ErrorCode::Forbidden),
        other => panic!("expected forbidden, got {other:?}"),
    }
    match grace
        .invite_person("x@example.org", "X", "long enough", false)
        .await
    {
        Err(ClientError::Server { code, .. }) => assert_eq!(code, ErrorCode::Forbidden),
        other => panic!("expected forbidden, got {other:?}"),
    }

    let katherine = ada
        .invite_person(
            " katherine@example.org ",
            "Katherine Johnson",
            "first-password",
            false,
        )
        .await
        .unwrap();
    assert_eq!(katherine.email, "katherine@example.org");
    let promoted = ada.set_org_admin(&katherine.id, true).await.unwrap();
    assert!(promoted.is_admin);
    let grace_id = grace.account().await.unwrap().unwrap().user.id;
    let deactivated = ada.set_account_active(&grace_id, false).await.unwrap();
    assert!(deactivated.deactivated);
    // The admin's account list keeps deactivated people, flagged; the directory does not.
    ada.sync().await.unwrap();
    let listed = ada.accounts(Some("grace"), 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].deactivated);
    assert_eq!(listed[0].email, "grace@example.org");
    assert!(ada.people(Some("grace"), 10).await.unwrap().is_empty());
    // Grace's session ended with the deactivation.
    assert!(matches!(
        grace.sync().await,
        Err(ClientError::SessionExpired)
    ));
    ada.set_account_active(&grace_id, true).await.unwrap();

    // The new person is in everyone's directory after a sync, and the audit
    // log names her from the cache.
    ada.sync().await.unwrap();
    assert_eq!(ada.people(Some("katherine"), 5).await.unwrap().len(), 1);
    let everyone = ada.accounts(None, 100).await.unwrap();
    let names: Vec<_> = everyone
        .iter()
        .map(|a| (a.name.as_str(), a.is_admin))
        .collect();
    assert!(names.contains(&("Katherine Johnson", true)), "{names:?}");
    assert!(names
        .windows(2)
        .all(|w| w[0].0.to_lowercase() <= w[1].0.to_lowercase()));
    let created = ada
        .audit_log(&query(AuditAction::UserCreated))
        .await
        .unwrap();
    let entry = created
        .entries
        .iter()
        .find(|e| e.target_id.as_deref() == Some(katherine.id.as_str()))
        .expect("the creation is audited");
    assert_eq!(entry.actor_name, "Ada Lovelace");
    assert_eq!(entry.target_name.as_deref(), Some("Katherine Johnson"));
    assert!(
        entry.details.contains("katherine@example.org"),
        "{}",
        entry.details
    );
    let page = ada
        .audit_log(&AuditQuery {
            limit: Some(2),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let actions: Vec<_> = page.entries.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::UserReactivated, AuditAction::UserDeactivated]
    );
    let older = AuditQuery {
        before: page.next_before,
        limit: Some(2),
        ..AuditQuery::default()
    };
    let next = ada.audit_log(&older).await.unwrap();
    assert_eq!(next.entries[0].action, AuditAction::SessionsRevoked);
    assert_eq!(next.entries[0].target_name.as_deref(), Some("Grace Hopper"));

    // Offline, nothing happens and the admin is told so.
    server.kill();
    assert!(matches!(
        ada.set_org_admin(&katherine.id, false).await,
        Err(ClientError::Offline(_))
    ));
}
