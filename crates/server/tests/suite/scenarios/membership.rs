//! The group lifecycle: join requests, invitations, leaving, removal, roles,
//! group changes, member lists and settings, as users see them through the
//! API and through sync.

use commons_protocol::*;
use serde::Serialize;

use super::stream::{connect, next_poke};
use crate::harness::{ids_in, new_id, send, Ctx, Reply, Session};

fn mutation() -> MutationRequest {
    MutationRequest {
        mutation_id: new_id(),
    }
}

async fn patch<B: Serialize>(session: &Session, path: &str, body: &B) -> Reply {
    let url = session.ctx.api(path);
    send(
        session
            .ctx
            .http
            .patch(url)
            .bearer_auth(&session.token)
            .json(body),
    )
    .await
}

async fn put<B: Serialize>(session: &Session, path: &str, body: &B) -> Reply {
    let url = session.ctx.api(path);
    send(
        session
            .ctx
            .http
            .put(url)
            .bearer_auth(&session.token)
            .json(body),
    )
    .await
}

async fn approve(session: &Session, group: &Group, user: &User) -> Reply {
    let path = format!("/groups/{}/requests/{}/approve", group.id, user.id);
    session.post(&path, &mutation()).await
}

async fn decline(session: &Session, group: &Group, user: &User) -> Reply {
    let path = format!("/groups/{}/requests/{}/decline", group.id, user.id);
    session.post(&path, &mutation()).await
}

async fn leave(session: &Session, group: &Group) -> Reply {
    let path = format!("/groups/{}/leave", group.id);
    session.post(&path, &mutation()).await
}

async fn remove(session: &Session, group: &Group, user: &User) -> Reply {
    let path = format!("/groups/{}/members/{}/remove", group.id, user.id);
    session.post(&path, &mutation()).await
}

async fn set_role(session: &Session, group: &Group, user: &User, role: GroupRole) -> Reply {
    let path = format!("/groups/{}/members/{}/role", group.id, user.id);
    let request = SetRoleRequest {
        mutation_id: new_id(),
        role,
    };
    session.post(&path, &request).await
}

async fn update(session: &Session, group: &Group, request: UpdateGroupRequest) -> Reply {
    patch(session, &format!("/groups/{}", group.id), &request).await
}

fn rename(name: &str) -> UpdateGroupRequest {
    UpdateGroupRequest {
        mutation_id: new_id(),
        name: Some(name.into()),
        ..UpdateGroupRequest::default()
    }
}

fn make(privacy: Privacy) -> UpdateGroupRequest {
    UpdateGroupRequest {
        mutation_id: new_id(),
        privacy: Some(privacy),
        ..UpdateGroupRequest::default()
    }
}

async fn notifications_of(session: &Session, kind: NotificationKind) -> Vec<Notification> {
    let page: NotificationPage = session
        .get("/notifications")
        .await
        .assert_status(200)
        .json();
    page.notifications
        .into_iter()
        .filter(|n| n.kind == kind)
        .collect()
}

fn gone() -> JoinResponse {
    JoinResponse {
        membership: None,
        request: None,
    }
}

fn request_removed(group: &Group, user: &User) -> Change {
    Change::JoinRequestRemoved {
        group_id: group.id.clone(),
        user_id: user.id.clone(),
    }
}

fn is_request(change: &Change) -> bool {
    matches!(
        change,
        Change::JoinRequest { .. } | Change::JoinRequestRemoved { .. }
    )
}

pub async fn closed_groups_take_join_requests_until_approved(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let carol = ctx.person("carol").await;
    let bob = ctx.person("bob").await;
    let closed = ada.create_group("Leadership", Privacy::Closed).await;
    for member in [&grace, &carol] {
        ada.add_member(&closed.id, &member.user.email)
            .await
            .assert_status(200);
    }
    let old_post = ada.write_post(&closed, "said before bob joined").await;
    let old_comment = grace.write_comment(&old_post, "noted").await;
    let ada_start = ada.sync(None).await.cursor;
    let grace_start = grace.sync(None).await.cursor;
    let carol_start = carol.sync(None).await.cursor;
    let bob_start = bob.sync(None).await.cursor;

    let asked: JoinResponse = bob.join(&closed.id).await.assert_status(200).json();
    let request = asked
        .request
        .clone()
        .expect("a closed group takes a request");
    assert_eq!(asked.membership, None);
    assert_eq!(
        (request.group_id.as_str(), request.user_id.as_str()),
        (closed.id.as_str(), bob.user.id.as_str())
    );
    let again: JoinResponse = bob.join(&closed.id).await.assert_status(200).json();
    assert_eq!(again, asked, "asking twice changes nothing");

    // The requester and the group's admins see the request; ordinary members do not.
    let pending = Change::JoinRequest {
        request: request.clone(),
    };
    let ada_news = ada.sync(Some(&ada_start)).await;
    assert_eq!(
        ada_news.changes.iter().filter(|c| **c == pending).count(),
        1
    );
    let asks = notifications_of(&ada, NotificationKind::JoinRequest).await;
    assert_eq!(asks.len(), 1, "one notification, however often bob asks");
    assert_eq!(
        (asks[0].actor_id.as_deref(), asks[0].group_id.as_deref()),
        (Some(bob.user.id.as_str()), Some(closed.id.as_str()))
    );
    let bob_news = bob.sync(Some(&bob_start)).await;
    assert_eq!(bob_news.changes, vec![pending.clone()]);
    let grace_news = grace.sync(Some(&grace_start)).await;
    assert!(grace_news.changes.is_empty(), "{:?}", grace_news.changes);
    let requests_path = format!("/groups/{}/requests", closed.id);
    let listed: Vec<JoinRequest> = ada.get(&requests_path).await.assert_status(200).json();
    assert_eq!(listed, vec![request.clone()]);
    for outsider in [&grace, &bob] {
        outsider
            .get(&requests_path)
            .await
            .assert_error(403, "forbidden");
    }
    bob.get(&format!("/groups/{}/posts", closed.id))
        .await
        .assert_error(403, "forbidden");

    // Neither the requester nor an ordinary member may approve.
    approve(&bob, &closed, &bob.user)
        .await
        .assert_error(403, "forbidden");
    approve(&grace, &closed, &bob.user)
        .await
        .assert_error(403, "forbidden");
    decline(&grace, &closed, &bob.user)
        .await
        .assert_error(403, "forbidden");

    // Promoted to moderator, carol gets the pending request through sync and may approve.
    let promoted: MembershipResponse = set_role(&ada, &closed, &carol.user, GroupRole::Moderator)
        .await
        .assert_status(200)
        .json();
    assert_eq!(promoted.membership.role, GroupRole::Moderator);
    let carol_news = carol.sync(Some(&carol_start)).await.changes;
    assert!(carol_news.contains(&pending), "{carol_news:?}");
    carol.get(&requests_path).await.assert_status(200);
    let approved: JoinResponse = approve(&carol, &closed, &bob.user)
        .await
        .assert_status(200)
        .json();
    let membership = approved.membership.clone().expect("a membership");
    assert_eq!(approved.request, None);
    assert_eq!(
        (membership.user_id.as_str(), membership.role),
        (bob.user.id.as_str(), GroupRole::Member)
    );

    // Bob's next sync: the group's history (backfill) before his membership,
    // his request gone, and a notification.
    let bob_after = bob.sync(Some(&bob_news.cursor)).await.changes;
    let ids = ids_in(&bob_after);
    let position = |id: &str| ids.iter().position(|x| x == id);
    let my_membership = format!("{}/{}", closed.id, bob.user.id);
    for id in [&old_post.id, &old_comment.id, &my_membership] {
        assert!(position(id).is_some(), "{id} missing from {ids:?}");
    }
    assert!(position(&old_post.id) < position(&my_membership));
    assert!(bob_after.contains(&request_removed(&closed, &bob.user)));
    let welcomed = notifications_of(&bob, NotificationKind::RequestApproved).await;
    assert_eq!(welcomed.len(), 1);
    assert_eq!(
        welcomed[0].actor_id.as_deref(),
        Some(carol.user.id.as_str())
    );
    bob.get(&format!("/groups/{}/posts", closed.id))
        .await
        .assert_status(200);

    // Admins see the request settled and the new member; members only the member.
    let ada_after = ada.sync(Some(&ada_news.cursor)).await.changes;
    assert!(ada_after.contains(&request_removed(&closed, &bob.user)));
    assert!(ada_after.contains(&Change::Membership {
        membership: membership.clone()
    }));
    let grace_after = grace.sync(Some(&grace_news.cursor)).await.changes;
    assert!(grace_after.contains(&Change::Membership {
        membership: membership.clone()
    }));
    assert!(!grace_after.iter().any(is_request), "{grace_after:?}");

    let listed: Vec<JoinRequest> = ada.get(&requests_path).await.assert_status(200).json();
    assert!(listed.is_empty());
    // Approving again answers the membership; nobody else asked.
    let twice: JoinResponse = approve(&ada, &closed, &bob.user)
        .await
        .assert_status(200)
        .json();
    assert_eq!(twice.membership, Some(membership));
    let stranger = ctx.create_user("stranger").await;
    approve(&ada, &closed, &stranger)
        .await
        .assert_error(404, "not_found");
}

pub async fn join_requests_are_declined_withdrawn_or_overtaken(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let dave = ctx.person("dave").await;
    let erin = ctx.person("erin").await;
    let closed = ada.create_group("Leadership", Privacy::Closed).await;

    // Dave withdraws his own request.
    dave.join(&closed.id).await.assert_status(200);
    let dave_cursor = dave.sync(None).await.cursor;
    let withdrawn: JoinResponse = decline(&dave, &closed, &dave.user)
        .await
        .assert_status(200)
        .json();
    assert_eq!(withdrawn, gone());
    assert_eq!(
        dave.sync(Some(&dave_cursor)).await.changes,
        vec![request_removed(&closed, &dave.user)]
    );
    decline(&dave, &closed, &dave.user)
        .await
        .assert_error(404, "not_found");

    // An admin declines Erin's; nobody else may decline it.
    erin.join(&closed.id).await.assert_status(200);
    decline(&dave, &closed, &erin.user)
        .await
        .assert_error(403, "forbidden");
    let erin_cursor = erin.sync(None).await.cursor;
    let declined: JoinResponse = decline(&ada, &closed, &erin.user)
        .await
        .assert_status(200)
        .json();
    assert_eq!(declined, gone());
    assert_eq!(
        erin.sync(Some(&erin_cursor)).await.changes,
        vec![request_removed(&closed, &erin.user)]
    );
    approve(&ada, &closed, &erin.user)
        .await
        .assert_error(404, "not_found");
    let path = format!("/groups/{}/requests/not-a-uuid/approve", closed.id);
    ada.post(&path, &mutation())
        .await
        .assert_error(400, "bad_request");

    // Erin asks again and is added by e-mail meanwhile: the request is settled
    // and she is told she was added.
    erin.join(&closed.id).await.assert_status(200);
    let ada_cursor = ada.sync(None).await.cursor;
    ada.add_member(&closed.id, &erin.user.email)
        .await
        .assert_status(200);
    let ada_news = ada.sync(Some(&ada_cursor)).await.changes;
    assert!(ada_news.contains(&request_removed(&closed, &erin.user)));
    let added = notifications_of(&erin, NotificationKind::AddedToGroup).await;
    assert_eq!(added.len(), 1);
    assert_eq!(
        (added[0].actor_id.as_deref(), added[0].group_id.as_deref()),
        (Some(ada.user.id.as_str()), Some(closed.id.as_str()))
    );
    let listed: Vec<JoinRequest> = ada
        .get(&format!("/groups/{}/requests", closed.id))
        .await
        .assert_status(200)
        .json();
    assert!(listed.is_empty());

    // Invitations work for secret groups too.
    let secret = ada.create_group("Project Falcon", Privacy::Secret).await;
    let dave_cursor = dave.sync(None).await.cursor;
    ada.add_member(&secret.id, &dave.user.email)
        .await
        .assert_status(200);
    let dave_news = ids_in(&dave.sync(Some(&dave_cursor)).await.changes);
    assert!(dave_news.contains(&secret.id), "{dave_news:?}");
    assert_eq!(
        notifications_of(&dave, NotificationKind::AddedToGroup)
            .await
            .len(),
        1
    );

    // A closed group made open: a pending requester joins straight away.
    dave.join(&closed.id).await.assert_status(200);
    update(&ada, &closed, make(Privacy::Open))
        .await
        .assert_status(200);
    let joined: JoinResponse = dave.join(&closed.id).await.assert_status(200).json();
    assert!(joined.membership.is_some() && joined.request.is_none());
    let listed: Vec<JoinRequest> = ada
        .get(&format!("/groups/{}/requests", closed.id))
        .await
        .assert_status(200)
        .json();
    assert!(listed.is_empty(), "joining settles the request");
}

pub async fn removal_from_a_secret_group_purges_it(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let grace = ctx.person("grace").await;
    let secret = ada.create_group("Project Falcon", Privacy::Secret).await;
    for member in [&bob, &grace] {
        ada.add_member(&secret.id, &member.user.email)
            .await
            .assert_status(200);
    }
    ada.write_post(&secret, "the plan").await;
    let bob_view = bob.sync(None).await;
    assert!(ids_in(&bob_view.changes).contains(&secret.id));
    let grace_cursor = grace.sync(None).await.cursor;

    let mut socket = connect(&bob).await.expect("bob connects");
    next_poke(&mut socket).await;
    grace
        .post(
            &format!("/groups/{}/members/{}/remove", secret.id, bob.user.id),
            &mutation(),
        )
        .await
        .assert_error(403, "forbidden");
    let removed: JoinResponse = remove(&ada, &secret, &bob.user)
        .await
        .assert_status(200)
        .json();
    assert_eq!(removed, gone());
    next_poke(&mut socket).await;

    // Bob's cache forgets the group; grace's loses bob.
    let bob_news = bob.sync(Some(&bob_view.cursor)).await;
    assert_eq!(
        bob_news.changes,
        vec![Change::Purge {
            group_id: secret.id.clone()
        }]
    );
    let grace_news = grace.sync(Some(&grace_cursor)).await;
    assert_eq!(
        grace_news.changes,
        vec![Change::MembershipRemoved {
            group_id: secret.id.clone(),
            user_id: bob.user.id.clone()
        }]
    );

    // Nothing of the group reaches bob afterwards.
    let later = ada.write_post(&secret, "after bob left").await;
    ada.write_comment(&later, "still secret").await;
    let raw = bob
        .get(&format!("/sync?since={}", bob_news.cursor))
        .await
        .assert_status(200)
        .text
        .clone();
    assert!(
        !raw.contains(secret.id.as_str()) && !raw.contains("after bob left"),
        "{raw}"
    );
    let groups: Vec<GroupListItem> = bob.get("/groups").await.assert_status(200).json();
    assert!(groups.iter().all(|g| g.group.id != secret.id));
    bob.get(&format!("/groups/{}", secret.id))
        .await
        .assert_error(404, "not_found");
    remove(&ada, &secret, &bob.user)
        .await
        .assert_error(404, "not_found");
    leave(&bob, &secret).await.assert_error(404, "not_found");

    // Leaving works the same way.
    let ada_cursor = ada.sync(None).await.cursor;
    let left: JoinResponse = leave(&grace, &secret).await.assert_status(200).json();
    assert_eq!(left, gone());
    let grace_after = grace.sync(Some(&grace_news.cursor)).await.changes;
    assert_eq!(
        grace_after.last(),
        Some(&Change::Purge {
            group_id: secret.id.clone()
        })
    );
    assert!(!grace_after
        .iter()
        .any(|c| matches!(c, Change::Group { .. } | Change::Post { .. })));
    assert_eq!(
        ada.sync(Some(&ada_cursor)).await.changes,
        vec![Change::MembershipRemoved {
            group_id: secret.id.clone(),
            user_id: grace.user.id.clone()
        }]
    );

    // Someone who leaves an open group forgets its content but still sees the group.
    let open = ada.create_group("Engineering", Privacy::Open).await;
    grace.join(&open.id).await.assert_status(200);
    let cursor = grace.sync(None).await.cursor;
    leave(&grace, &open).await.assert_status(200);
    let news = grace.sync(Some(&cursor)).await.changes;
    assert_eq!(
        news,
        vec![
            Change::Purge {
                group_id: open.id.clone()
            },
            Change::Group { group: open }
        ]
    );
}

pub async fn a_closed_group_made_secret_vanishes_for_non_members(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let closed = ada.create_group("Leadership", Privacy::Closed).await;
    ada.add_member(&closed.id, &grace.user.email)
        .await
        .assert_status(200);
    carol.join(&closed.id).await.assert_status(200);
    let bob_cursor = bob.sync(None).await.cursor;
    let carol_cursor = carol.sync(None).await.cursor;
    let grace_cursor = grace.sync(None).await.cursor;

    update(&grace, &closed, make(Privacy::Secret))
        .await
        .assert_error(403, "forbidden");
    update(&bob, &closed, make(Privacy::Secret))
        .await
        .assert_error(403, "forbidden");
    update(&ada, &closed, rename("   "))
        .await
        .assert_error(400, "bad_request");
    let long = UpdateGroupRequest {
        mutation_id: new_id(),
        description: Some("x".repeat(MAX_GROUP_DESCRIPTION_CHARS + 1)),
        ..UpdateGroupRequest::default()
    };
    update(&ada, &closed, long)
        .await
        .assert_error(400, "bad_request");

    let secret: Group = update(&ada, &closed, make(Privacy::Secret))
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        (secret.privacy, secret.name.as_str()),
        (Privacy::Secret, "Leadership")
    );

    // Non-members: a purge, and the group is gone from every answer.
    let purge = Change::Purge {
        group_id: closed.id.clone(),
    };
    let bob_news = bob.sync(Some(&bob_cursor)).await;
    assert_eq!(bob_news.changes, vec![purge.clone()]);
    let carol_news = carol.sync(Some(&carol_cursor)).await.changes;
    assert!(carol_news.contains(&purge), "{carol_news:?}");
    assert!(
        carol_news.contains(&request_removed(&closed, &carol.user)),
        "pending requests are dropped: {carol_news:?}"
    );
    assert!(!carol_news.iter().any(|c| matches!(c, Change::Group { .. })));
    let groups: Vec<GroupListItem> = bob.get("/groups").await.assert_status(200).json();
    assert!(groups.iter().all(|g| g.group.id != closed.id));
    for path in ["/groups/{}", "/groups/{}/members"] {
        bob.get(&path.replace("{}", &closed.id))
            .await
            .assert_error(404, "not_found");
    }
    // Members: the new state, no purge.
    let grace_news = grace.sync(Some(&grace_cursor)).await.changes;
    assert!(grace_news.contains(&Change::Group {
        group: secret.clone()
    }));
    assert!(!grace_news.contains(&purge));
    let listed: Vec<JoinRequest> = ada
        .get(&format!("/groups/{}/requests", closed.id))
        .await
        .assert_status(200)
        .json();
    assert!(listed.is_empty());

    // Back to closed: everyone sees it again. Renaming trims like creation.
    let reopened: Group = update(&ada, &closed, make(Privacy::Closed))
        .await
        .assert_status(200)
        .json();
    let bob_again = bob.sync(Some(&bob_news.cursor)).await;
    assert_eq!(
        bob_again.changes,
        vec![Change::Group {
            group: reopened.clone()
        }]
    );
    let renamed: Group = update(&ada, &closed, rename("  Leaders "))
        .await
        .assert_status(200)
        .json();
    assert_eq!(renamed.name, "Leaders");
    let cursor = bob.sync(None).await.cursor;
    let unchanged: Group = update(&ada, &closed, rename("Leaders"))
        .await
        .assert_status(200)
        .json();
    assert_eq!(unchanged, renamed);
    assert!(bob.sync(Some(&cursor)).await.changes.is_empty());

    // The default group stays open; its admins may rename it.
    let groups: Vec<GroupListItem> = ada.get("/groups").await.assert_status(200).json();
    let everyone = groups[0].group.clone();
    assert!(everyone.is_default);
    update(&ada, &everyone, make(Privacy::Closed))
        .await
        .assert_error(403, "forbidden");
    update(&grace, &everyone, rename("All of us"))
        .await
        .assert_error(403, "forbidden");
    let renamed: Group = update(&ada, &everyone, rename("All of us"))
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        (renamed.name.as_str(), renamed.privacy),
        ("All of us", Privacy::Open)
    );
}

pub async fn every_group_keeps_an_admin(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let bob = ctx.person("bob").await;
    let team = ada.create_group("Team", Privacy::Open).await;
    for member in [&grace, &bob] {
        member.join(&team.id).await.assert_status(200);
    }

    // The last admin can neither leave, be removed nor be demoted.
    leave(&ada, &team).await.assert_error(409, "conflict");
    remove(&ada, &team, &ada.user)
        .await
        .assert_error(409, "conflict");
    set_role(&ada, &team, &ada.user, GroupRole::Member)
        .await
        .assert_error(409, "conflict");
    let reply = leave(&ada, &team).await;
    let message = reply.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("admin"), "{message}");

    // Only admins remove members and change roles; moderators do not.
    remove(&grace, &team, &bob.user)
        .await
        .assert_error(403, "forbidden");
    set_role(&grace, &team, &grace.user, GroupRole::Admin)
        .await
        .assert_error(403, "forbidden");
    set_role(&ada, &team, &grace.user, GroupRole::Moderator)
        .await
        .assert_status(200);
    remove(&grace, &team, &bob.user)
        .await
        .assert_error(403, "forbidden");
    set_role(&grace, &team, &bob.user, GroupRole::Moderator)
        .await
        .assert_error(403, "forbidden");

    // With a second admin, the first may go.
    let grace_cursor = grace.sync(None).await.cursor;
    let promoted: MembershipResponse = set_role(&ada, &team, &grace.user, GroupRole::Admin)
        .await
        .assert_status(200)
        .json();
    assert_eq!(promoted.membership.role, GroupRole::Admin);
    let same: MembershipResponse = set_role(&ada, &team, &grace.user, GroupRole::Admin)
        .await
        .assert_status(200)
        .json();
    assert_eq!(same, promoted, "setting the same role changes nothing");
    assert!(grace
        .sync(Some(&grace_cursor))
        .await
        .changes
        .contains(&Change::Membership {
            membership: promoted.membership.clone()
        }));
    leave(&ada, &team).await.assert_status(200);
    set_role(&grace, &team, &grace.user, GroupRole::Member)
        .await
        .assert_error(409, "conflict");

    // Nobody leaves or is removed from the default group.
    let groups: Vec<GroupListItem> = ada.get("/groups").await.assert_status(200).json();
    let everyone = groups[0].group.clone();
    assert!(everyone.is_default);
    leave(&bob, &everyone).await.assert_error(403, "forbidden");
    remove(&ada, &everyone, &bob.user)
        .await
        .assert_error(403, "forbidden");

    // Organisation admins manage groups they are not in, within the same rules.
    let root = commons_server::ops::users::create(
        &ctx.db,
        commons_server::ops::users::NewUser {
            email: "root@example.org".into(),
            name: "Root Example".into(),
            password: crate::harness::PASSWORD.into(),
            is_admin: true,
        },
    )
    .await
    .expect("admin created");
    let root = ctx.login(&root).await;
    set_role(&root, &team, &bob.user, GroupRole::Admin)
        .await
        .assert_status(200);
    remove(&root, &team, &grace.user).await.assert_status(200);
    remove(&root, &team, &bob.user)
        .await
        .assert_error(409, "conflict");

    // Bad input is a 400 or 404, never a 500.
    let path = format!("/groups/{}/members/{}/role", team.id, bob.user.id);
    let bad_role = serde_json::json!({ "mutation_id": new_id(), "role": "owner" });
    root.post(&path, &bad_role)
        .await
        .assert_error(400, "bad_request");
    let path = format!("/groups/{}/members/nope/remove", team.id);
    root.post(&path, &mutation())
        .await
        .assert_error(400, "bad_request");
    set_role(&root, &team, &ada.user, GroupRole::Member)
        .await
        .assert_error(404, "not_found");
    leave(&ada, &team).await.assert_error(404, "not_found");
}

pub async fn members_are_listed_by_name_in_pages(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let eve = ctx.person("eve").await;
    let closed = ada.create_group("Leadership", Privacy::Closed).await;
    let mut people = vec![ada.user.clone()];
    for handle in ["zed", "bob", "dave", "carol"] {
        let person = ctx.create_user(handle).await;
        ada.add_member(&closed.id, &person.email)
            .await
            .assert_status(200);
        people.push(person);
    }
    let carol = people.last().expect("carol").clone();
    set_role(&ada, &closed, &carol, GroupRole::Moderator)
        .await
        .assert_status(200);

    // A non-member sees a closed group's members, two at a time.
    let mut seen: Vec<GroupMember> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(after) => format!("/groups/{}/members?limit=2&after={after}", closed.id),
            None => format!("/groups/{}/members?limit=2", closed.id),
        };
        let page: MemberPage = eve.get(&path).await.assert_status(200).json();
        assert!(page.members.len() <= 2);
        seen.extend(page.members);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let names: Vec<&str> = seen.iter().map(|m| m.user.handle.as_str()).collect();
    assert_eq!(names, ["ada", "bob", "carol", "dave", "zed"]);
    let roles: Vec<GroupRole> = seen.iter().map(|m| m.role).collect();
    use GroupRole::{Admin, Member, Moderator};
    assert_eq!(roles, [Admin, Member, Moderator, Member, Member]);
    assert_eq!(seen[0].user, ada.user);

    let base = format!("/groups/{}/members", closed.id);
    let one: MemberPage = eve
        .get(&format!("{base}?limit=0"))
        .await
        .assert_status(200)
        .json();
    assert_eq!(one.members.len(), 1, "the limit is clamped");
    let all: MemberPage = eve.get(&base).await.assert_status(200).json();
    assert_eq!((all.members.len(), all.next), (5, None));
    for bad in ["?after=nope", "?limit=lots"] {
        eve.get(&format!("{base}{bad}"))
            .await
            .assert_error(400, "bad_request");
    }
    eve.get(&format!("{base}?after={}", new_id()))
        .await
        .assert_error(400, "bad_request");

    // A secret group's members are for its members.
    let secret = ada.create_group("Project Falcon", Privacy::Secret).await;
    eve.get(&format!("/groups/{}/members", secret.id))
        .await
        .assert_error(404, "not_found");
    let page: MemberPage = ada
        .get(&format!("/groups/{}/members", secret.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(page.members.len(), 1);
}

pub async fn group_settings_belong_to_each_member(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let bob = ctx.person("bob").await;
    let open = ada.create_group("Engineering", Privacy::Open).await;
    grace.join(&open.id).await.assert_status(200);
    let path = format!("/groups/{}/settings", open.id);
    let level = |notification_level| GroupSettingsRequest {
        mutation_id: new_id(),
        notification_level,
    };
    let ada_cursor = ada.sync(None).await.cursor;
    let grace_cursor = grace.sync(None).await.cursor;

    let settings: GroupSettings = put(&grace, &path, &level(NotificationLevel::All))
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        settings,
        GroupSettings {
            group_id: open.id.clone(),
            user_id: grace.user.id.clone(),
            notification_level: NotificationLevel::All,
        }
    );
    let news = grace.sync(Some(&grace_cursor)).await;
    assert_eq!(
        news.changes,
        vec![Change::GroupSettings {
            settings: settings.clone()
        }]
    );
    assert!(ada.sync(Some(&ada_cursor)).await.changes.is_empty());
    let again: GroupSettings = put(&grace, &path, &level(NotificationLevel::All))
        .await
        .assert_status(200)
        .json();
    assert_eq!(again, settings);
    assert!(grace.sync(Some(&news.cursor)).await.changes.is_empty());

    put(&bob, &path, &level(NotificationLevel::Off))
        .await
        .assert_error(403, "forbidden");
    let secret = ada.create_group("Project Falcon", Privacy::Secret).await;
    put(
        &bob,
        &format!("/groups/{}/settings", secret.id),
        &level(NotificationLevel::Off),
    )
    .await
    .assert_error(404, "not_found");
    let loud = serde_json::json!({ "mutation_id": new_id(), "notification_level": "loud" });
    put(&grace, &path, &loud)
        .await
        .assert_error(400, "bad_request");

    // Leaving forgets the settings: a returning member starts from the default.
    leave(&grace, &open).await.assert_status(200);
    let mut conn = ctx.db.pool().acquire().await.expect("connection");
    let row = sqlx::query("SELECT COUNT(*) AS n FROM group_settings WHERE user_id = $1")
        .bind(&grace.user.id)
        .fetch_one(&mut *conn)
        .await
        .expect("count");
    let kept: i64 = sqlx::Row::try_get(&row, "n").expect("n");
    assert_eq!(kept, 0);
}

/// Each write sent twice with one mutation id: applied once, same answer.
pub async fn membership_writes_replay_once(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let grace = ctx.person("grace").await;
    let closed = ada.create_group("Leadership", Privacy::Closed).await;
    ada.add_member(&closed.id, &grace.user.email)
        .await
        .assert_status(200);

    async fn twice<B: Serialize>(session: &Session, path: &str, body: &B) -> Reply {
        let first = session.post(path, body).await;
        first.assert_status(200);
        let replay = session.post(path, body).await;
        assert_eq!(replay.status, first.status);
        assert_eq!(
            replay.text, first.text,
            "{path}: a replay gets the stored answer"
        );
        first
    }
    let group_path = |tail: &str| format!("/groups/{}/{tail}", closed.id);

    // A request: one notification.
    let ask = JoinGroupRequest {
        mutation_id: new_id(),
    };
    twice(&bob, &group_path("join"), &ask).await;
    assert_eq!(
        notifications_of(&ada, NotificationKind::JoinRequest)
            .await
            .len(),
        1
    );
    // Approval: one notification.
    let once = mutation();
    twice(
        &ada,
        &group_path(&format!("requests/{}/approve", bob.user.id)),
        &once,
    )
    .await;
    assert_eq!(
        notifications_of(&bob, NotificationKind::RequestApproved)
            .await
            .len(),
        1
    );
    // A withdrawal replayed does not become "no pending request".
    carol.join(&closed.id).await.assert_status(200);
    let withdraw = twice(
        &carol,
        &group_path(&format!("requests/{}/decline", carol.user.id)),
        &mutation(),
    )
    .await;
    assert_eq!(withdraw.json::<JoinResponse>(), gone());
    // Role, settings, group change.
    let role = SetRoleRequest {
        mutation_id: new_id(),
        role: GroupRole::Moderator,
    };
    twice(
        &ada,
        &group_path(&format!("members/{}/role", bob.user.id)),
        &role,
    )
    .await;
    let settings = GroupSettingsRequest {
        mutation_id: new_id(),
        notification_level: NotificationLevel::Off,
    };
    let first = put(&bob, &group_path("settings"), &settings).await;
    first.assert_status(200);
    assert_eq!(
        put(&bob, &group_path("settings"), &settings).await.text,
        first.text
    );
    let change = rename("Leaders");
    let first = update(&ada, &closed, change.clone()).await;
    first.assert_status(200);
    let replay = update(&ada, &closed, change).await;
    assert_eq!(replay.text, first.text);
    // Leaving and removal: a replay is not "not a member".
    let bob_leaves = mutation();
    twice(&bob, &group_path("leave"), &bob_leaves).await;
    let remove_grace = mutation();
    twice(
        &ada,
        &group_path(&format!("members/{}/remove", grace.user.id)),
        &remove_grace,
    )
    .await;
    let members: MemberPage = ada
        .get(&group_path("members"))
        .await
        .assert_status(200)
        .json();
    assert_eq!(members.members.len(), 1);
    // One id, two different writes: refused (the join alone would be accepted).
    bob.post(&group_path("join"), &bob_leaves)
        .await
        .assert_error(409, "conflict");
}

/// A group made secret, through sync: a `purge` reaches the non-members who
/// may hold the group (their cursor is past its creation), and nobody else
/// learns even its id: not a new account, nor one that last synced before
/// the group existed.
pub async fn a_group_made_secret_is_purged_only_where_it_may_be_held(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let carol = ctx.person("carol").await;
    let before_the_group = carol.sync(None).await.cursor;
    let group = ada.create_group("Soon secret", Privacy::Closed).await;
    let bob_saw_it = bob.sync(None).await;
    assert!(bob_saw_it
        .changes
        .iter()
        .any(|c| matches!(c, Change::Group { group: g } if g.id == group.id)));

    let request = UpdateGroupRequest {
        mutation_id: new_id(),
        privacy: Some(Privacy::Secret),
        ..UpdateGroupRequest::default()
    };
    ada.patch(&format!("/groups/{}", group.id), &request)
        .await
        .assert_status(200);

    let purge = Change::Purge {
        group_id: group.id.clone(),
    };
    assert_eq!(
        bob.sync(Some(&bob_saw_it.cursor)).await.changes,
        vec![purge]
    );
    let dave = ctx.person("dave").await;
    for (who, since) in [
        (&carol, Some(&before_the_group)),
        (&carol, None),
        (&dave, None),
    ] {
        let (changes, _) = who.sync_all(since, 1000).await;
        let text = serde_json::to_string(&changes).expect("changes serialise");
        assert!(
            !text.contains(&group.id),
            "{} (since {since:?}) learns of the secret group: {text}",
            who.user.handle
        );
    }
}
