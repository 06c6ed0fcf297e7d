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

#[tokio::test]
async fn an_org_admin_sets_retention_policies_and_erases_a_person() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    ada.sync().await.unwrap();
    let groups = ada.groups().await.unwrap();
    let group = groups
        .iter()
        .find(|g| !g.is_default)
        .expect("a demo group besides the default one");

    // An organisation policy and a group's, read back with the group's name.
    assert!(ada.retention_policies().await.unwrap().is_empty());
    ada.set_retention(None, 365).await.unwrap();
    let after = ada.set_retention(Some(&group.id), 30).await.unwrap();
    let read = ada.retention_policies().await.unwrap();
    assert_eq!(read, after);
    let shown: Vec<_> = read
        .iter()
        .map(|p| (p.group_id.as_deref(), p.group_name.as_str(), p.max_age_days))
        .collect();
    assert_eq!(
        shown,
        [
            (None, "", 365),
            (Some(group.id.as_str()), group.name.as_str(), 30)
        ]
    );
    // Out of range: refused before anything is sent; an unknown group by the server.
    assert!(matches!(
        ada.set_retention(None, 0).await,
        Err(ClientError::InvalidInput(_))
    ));
    match ada
        .set_retention(Some("00000000-0000-7000-8000-000000000000"), 10)
        .await
    {
        Err(ClientError::Server { code, .. }) => assert_eq!(code, ErrorCode::NotFound),
        other => panic!("expected not found, got {other:?}"),
    }
    // Cleared, the group follows the organisation's again.
    let cleared = ada.clear_retention(Some(&group.id)).await.unwrap();
    assert_eq!(cleared.len(), 1);
    assert_eq!(cleared[0].group_id, None);

    // Not an admin: refused with the server's code, for reads and writes alike.
    for refused in [
        grace.retention_policies().await.map(|_| ()),
        grace.set_retention(None, 7).await.map(|_| ()),
        grace.clear_retention(None).await.map(|_| ()),
        grace
            .erase_person(&ada.account().await.unwrap().unwrap().user.id)
            .await
            .map(|_| ()),
    ] {
        match refused {
            Err(ClientError::Server { code, .. }) => assert_eq!(code, ErrorCode::Forbidden),
            other => panic!("expected forbidden, got {other:?}"),
        }
    }
    assert_eq!(ada.retention_policies().await.unwrap().len(), 1);

    // Grace posts; Ada's cache has it; Ada erases Grace.
    let grace_id = grace.account().await.unwrap().unwrap().user.id;
    grace.sync().await.unwrap();
    grace.post(None, "a post to be erased").await.unwrap();
    grace.sync().await.unwrap();
    ada.sync().await.unwrap();
    assert_eq!(
        support::find_post(&ada, "a post to be erased").await.len(),
        1
    );
    let report = ada.erase_person(&grace_id).await.unwrap();
    assert_eq!(report.user.name, "Former member");
    assert!(report.posts >= 1, "{report:?}");
    assert!(report.sessions >= 1, "{report:?}");

    // After a sync, Ada's cache knows her only as "Former member", with no posts.
    ada.sync().await.unwrap();
    let accounts = ada.accounts(None, 100).await.unwrap();
    let former = accounts
        .iter()
        .find(|a| a.id == grace_id)
        .expect("the erased account stays in the list");
    assert_eq!(former.name, "Former member");
    assert!(former.deactivated);
    assert!(!accounts.iter().any(|a| a.name == "Grace Hopper"));
    let feed = ada.feed(None, 200, None).await.unwrap();
    assert!(!feed.iter().any(|p| p.author_id == grace_id));
    assert!(support::find_post(&ada, "a post to be erased")
        .await
        .is_empty());
    // Her session ended with the erasure.
    assert!(matches!(
        grace.sync().await,
        Err(ClientError::SessionExpired)
    ));
}
