//! What group admins do, against a real server process: answering requests to
//! join a closed group (an approval makes a member at once, pending, who reads
//! the group after the next sync; a decline leaves them out; only admins and
//! moderators answer), changing roles and removing members (shown at once; a
//! refusal by the server puts things back). Run inside a session bus with an
//! unlocked Secret Service (see README.md).

mod support;

use commons_client::{Client, ClientError, GroupRole, OutboxState, Privacy};
use support::{logged_in, TestServer};

async fn group_id(client: &Client, name: &str) -> String {
    client
        .groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.name == name)
        .unwrap_or_else(|| panic!("no group {name}"))
        .id
}

async fn requesters(client: &Client, group_id: &str) -> Vec<String> {
    client
        .join_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.group_id == group_id)
        .map(|r| r.name)
        .collect()
}

async fn reads_budget(client: &Client) -> bool {
    client
        .feed(None, 200, None)
        .await
        .unwrap()
        .iter()
        .any(|p| p.body.contains("Budget planning"))
}

#[tokio::test]
async fn admins_approve_and_decline_requests_to_join() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    let alan = logged_in(&profiles.path().join("alan"), &server, "alan@example.org").await;
    let linus = logged_in(&profiles.path().join("linus"), &server, "linus@example.org").await;
    for client in [&ada, &grace, &alan, &linus] {
        client.sync().await.unwrap();
    }
    let leadership = group_id(&ada, "Leadership").await;
    for asker in [&alan, &linus] {
        asker.join_group(&leadership).await.unwrap();
        asker.sync().await.unwrap();
        assert!(!reads_budget(asker).await);
    }
    ada.sync().await.unwrap();
    assert_eq!(
        requesters(&ada, &leadership).await,
        ["Alan Turing", "Linus Torvalds"]
    );
    let linus_id = linus.account().await.unwrap().unwrap().user.id;
    let alan_id = alan.account().await.unwrap().unwrap().user.id;

    // Grace is a plain member of Leadership: not hers to answer.
    grace.sync().await.unwrap();
    assert!(matches!(
        grace
            .answer_join_request(&leadership, &linus_id, true)
            .await,
        Err(ClientError::InvalidInput(_))
    ));

    // Ada approves Linus: a pending member at once, the request gone.
    ada.answer_join_request(&leadership, &linus_id, true)
        .await
        .unwrap();
    assert_eq!(requesters(&ada, &leadership).await, ["Alan Turing"]);
    let linus_member = ada
        .members(&leadership)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.user_id == linus_id)
        .expect("Linus listed as a member at once");
    assert!(linus_member.pending);
    assert_eq!(ada.outbox().await.unwrap()[0].kind, "approve_request");
    // And declines Alan.
    ada.answer_join_request(&leadership, &alan_id, false)
        .await
        .unwrap();
    assert!(requesters(&ada, &leadership).await.is_empty());
    // Answering twice is refused here already.
    assert!(ada
        .answer_join_request(&leadership, &alan_id, true)
        .await
        .is_err());

    let report = ada.sync().await.unwrap();
    assert_eq!(report.failed, 0, "{:?}", ada.outbox().await.unwrap());
    assert!(ada.outbox().await.unwrap().is_empty());
    assert!(
        !ada.members(&leadership)
            .await
            .unwrap()
            .iter()
            .any(|m| m.user_id == linus_id && m.pending),
        "the server confirmed Linus's membership"
    );

    // Linus now reads Leadership; Alan still does not, and may ask again.
    linus.sync().await.unwrap();
    assert!(reads_budget(&linus).await);
    alan.sync().await.unwrap();
    assert!(!reads_budget(&alan).await);
    let group = alan
        .groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.id == leadership)
        .unwrap();
    assert!(group.my_role.is_none() && !group.requested);
}

async fn role_of(client: &Client, group_id: &str, user_id: &str) -> Option<(GroupRole, bool)> {
    client
        .members(group_id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.user_id == user_id)
        .map(|m| (m.role, m.pending))
}

async fn reads_nightly_build(client: &Client) -> bool {
    client
        .feed(None, 200, None)
        .await
        .unwrap()
        .iter()
        .any(|p| p.body.contains("nightly build"))
}

#[tokio::test]
async fn admins_change_roles_and_remove_members() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let grace = logged_in(&profiles.path().join("grace"), &server, "grace@example.org").await;
    let alan = logged_in(&profiles.path().join("alan"), &server, "alan@example.org").await;
    for client in [&ada, &grace, &alan] {
        client.sync().await.unwrap();
    }
    let engineering = group_id(&ada, "Engineering").await;
    let ada_id = ada.account().await.unwrap().unwrap().user.id;
    let grace_id = grace.account().await.unwrap().unwrap().user.id;
    let alan_id = alan.account().await.unwrap().unwrap().user.id;

    // Grace becomes a moderator: shown at once (pending), then confirmed, and she knows.
    assert!(ada
        .set_member_role(&engineering, &grace_id, GroupRole::Moderator)
        .await
        .unwrap());
    assert_eq!(
        role_of(&ada, &engineering, &grace_id).await,
        Some((GroupRole::Moderator, true))
    );
    assert!(!ada
        .set_member_role(&engineering, &grace_id, GroupRole::Moderator)
        .await
        .unwrap());
    ada.sync().await.unwrap();
    assert!(ada.outbox().await.unwrap().is_empty());
    assert_eq!(
        role_of(&ada, &engineering, &grace_id).await,
        Some((GroupRole::Moderator, false))
    );
    grace.sync().await.unwrap();
    let seen = grace.groups().await.unwrap();
    let mine = seen.iter().find(|g| g.id == engineering).unwrap();
    assert_eq!(mine.my_role, Some(GroupRole::Moderator));
    // A moderator does not change members.
    assert!(matches!(
        grace.remove_member(&engineering, &alan_id).await,
        Err(ClientError::InvalidInput(_))
    ));

    // Ada removes Alan: gone from the list at once; after syncing, Alan no longer reads the group.
    assert!(reads_nightly_build(&alan).await);
    ada.remove_member(&engineering, &alan_id).await.unwrap();
    assert_eq!(role_of(&ada, &engineering, &alan_id).await, None);
    ada.sync().await.unwrap();
    assert!(ada.outbox().await.unwrap().is_empty());
    alan.sync().await.unwrap();
    assert!(!reads_nightly_build(&alan).await);

    // The last admin cannot step down: the server refuses, and the cache shows Ada as admin again.
    assert!(ada
        .set_member_role(&engineering, &ada_id, GroupRole::Member)
        .await
        .unwrap());
    assert_eq!(
        role_of(&ada, &engineering, &ada_id).await,
        Some((GroupRole::Member, true))
    );
    let report = ada.sync().await.unwrap();
    assert_eq!(report.failed, 1);
    let outbox = ada.outbox().await.unwrap();
    assert_eq!(outbox[0].kind, "set_role");
    assert!(matches!(outbox[0].state, OutboxState::Failed { .. }));
    assert_eq!(
        role_of(&ada, &engineering, &ada_id).await,
        Some((GroupRole::Admin, false))
    );
}

#[tokio::test]
async fn admins_set_a_groups_privacy() {
    let data = tempfile::tempdir().unwrap();
    let profiles = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let ada = logged_in(&profiles.path().join("ada"), &server, "ada@example.org").await;
    let linus = logged_in(&profiles.path().join("linus"), &server, "linus@example.org").await;
    for client in [&ada, &linus] {
        client.sync().await.unwrap();
    }
    let engineering = group_id(&ada, "Engineering").await;
    let privacy_of = async |client: &Client| {
        client
            .groups()
            .await
            .unwrap()
            .into_iter()
            .find(|g| g.id == engineering)
            .map(|g| g.privacy)
    };
    assert_eq!(privacy_of(&linus).await, Some(Privacy::Open));

    // Closed at once here, then on the server: Linus, not a member, sees it closed.
    assert!(ada
        .set_group_privacy(&engineering, Privacy::Closed)
        .await
        .unwrap());
    assert_eq!(privacy_of(&ada).await, Some(Privacy::Closed));
    assert!(!ada
        .set_group_privacy(&engineering, Privacy::Closed)
        .await
        .unwrap());
    ada.sync().await.unwrap();
    assert!(ada.outbox().await.unwrap().is_empty());
    linus.sync().await.unwrap();
    assert_eq!(privacy_of(&linus).await, Some(Privacy::Closed));

    // Secret: the group leaves Linus's copy altogether.
    assert!(ada
        .set_group_privacy(&engineering, Privacy::Secret)
        .await
        .unwrap());
    ada.sync().await.unwrap();
    assert!(ada.outbox().await.unwrap().is_empty());
    linus.sync().await.unwrap();
    assert_eq!(privacy_of(&linus).await, None);

    // The organisation's group stays open; Linus administers nothing.
    let everyone = support::everyone_group(&ada).await;
    assert!(matches!(
        ada.set_group_privacy(&everyone, Privacy::Secret).await,
        Err(ClientError::InvalidInput(_))
    ));
    assert!(matches!(
        linus.set_group_privacy(&engineering, Privacy::Open).await,
        Err(ClientError::InvalidInput(_))
    ));
}
