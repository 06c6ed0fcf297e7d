use std::collections::HashSet;

use commons_protocol::*;
use commons_server::ops::users::NewUser;

use crate::harness::{new_id, Ctx, Session, PASSWORD};

/// An account with the given display name, not logged in.
async fn named(ctx: &Ctx, handle: &str, name: &str, is_admin: bool) -> User {
    commons_server::ops::users::create(
        &ctx.db,
        NewUser {
            email: format!("{handle}@example.org"),
            name: name.into(),
            password: PASSWORD.into(),
            is_admin,
        },
    )
    .await
    .expect("user created")
}

/// An organisation admin, logged in.
async fn org_admin(ctx: &Ctx, handle: &str) -> Session {
    let user = named(ctx, handle, &format!("{handle} Admin"), true).await;
    ctx.login(&user).await
}

fn edit() -> UpdateProfileRequest {
    UpdateProfileRequest {
        mutation_id: new_id(),
        ..UpdateProfileRequest::default()
    }
}

/// The newest state of `user_id` among the changes.
fn user_in(changes: &[Change], user_id: &str) -> Option<User> {
    changes.iter().rev().find_map(|change| match change {
        Change::User { user } if user.id == user_id => Some(user.clone()),
        _ => None,
    })
}

async fn me(session: &Session) -> User {
    session.get("/me").await.assert_status(200).json()
}

fn admin_path(user: &User, action: &str) -> String {
    format!("/admin/users/{}/{action}", user.id)
}

fn mutation() -> MutationRequest {
    MutationRequest {
        mutation_id: new_id(),
    }
}

fn role(is_admin: bool) -> SetOrgAdminRequest {
    SetOrgAdminRequest {
        mutation_id: new_id(),
        is_admin,
    }
}

pub async fn people_edit_their_profile_and_everyone_sees_it(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let grace = ctx.person("grace").await;
    let (_, cursor) = grace.sync_all(None, 100).await;

    let request = UpdateProfileRequest {
        mutation_id: new_id(),
        name: Some(" Ada Lovelace ".into()),
        title: Some(" Analyst ".into()),
        department: Some("Engines".into()),
        location: Some("London".into()),
        manager_id: Some(grace.user.id.clone()),
        about: Some("Notes on the engine.\nAnd more.".into()),
    };
    let edited: User = ada.patch("/me", &request).await.assert_status(200).json();
    assert_eq!(edited.name, "Ada Lovelace");
    assert_eq!(edited.title, "Analyst");
    assert_eq!(edited.department, "Engines");
    assert_eq!(edited.location, "London");
    assert_eq!(edited.manager_id.as_deref(), Some(grace.user.id.as_str()));
    assert_eq!(edited.about, "Notes on the engine.\nAnd more.");
    assert_eq!(
        (edited.id.as_str(), edited.handle.as_str()),
        (ada.user.id.as_str(), "ada")
    );
    let replayed: User = ada.patch("/me", &request).await.assert_status(200).json();
    assert_eq!(replayed, edited, "a replay answers the same");
    assert_eq!(me(&ada).await, edited);

    // Everyone sees it: through sync, by id and by handle (any case, with or without @).
    let (changes, cursor) = grace.sync_all(Some(&cursor), 100).await;
    assert_eq!(user_in(&changes, &ada.user.id), Some(edited.clone()));
    let by_id: User = grace
        .get(&format!("/users/{}", ada.user.id))
        .await
        .assert_status(200)
        .json();
    assert_eq!(by_id, edited);
    for handle in ["ada", "ADA", "@Ada"] {
        let found: User = grace
            .get(&format!("/users/by-handle/{handle}"))
            .await
            .assert_status(200)
            .json();
        assert_eq!(found, edited, "{handle}");
    }
    grace
        .get("/users/by-handle/nobody")
        .await
        .assert_error(404, "not_found");
    grace
        .get(&format!("/users/{}", new_id()))
        .await
        .assert_error(404, "not_found");
    grace
        .get("/users/not-an-id")
        .await
        .assert_error(400, "bad_request");

    // Absent fields stay; an empty manager clears it.
    let cleared: User = ada
        .patch(
            "/me",
            &UpdateProfileRequest {
                manager_id: Some(String::new()),
                ..edit()
            },
        )
        .await
        .assert_status(200)
        .json();
    assert_eq!(cleared.manager_id, None);
    assert_eq!(cleared.title, "Analyst");
    assert_eq!(cleared.about, edited.about);
    let (changes, cursor) = grace.sync_all(Some(&cursor), 100).await;
    assert_eq!(user_in(&changes, &ada.user.id), Some(cleared.clone()));

    // Changing nothing appends nothing.
    ada.patch(
        "/me",
        &UpdateProfileRequest {
            title: Some("Analyst".into()),
            ..edit()
        },
    )
    .await
    .assert_status(200);
    let (changes, _) = grace.sync_all(Some(&cursor), 100).await;
    assert_eq!(user_in(&changes, &ada.user.id), None, "{changes:?}");

    // Bad values are refused and change nothing.
    let long = "x".repeat(MAX_PROFILE_FIELD_CHARS + 1);
    let bad = [
        UpdateProfileRequest {
            name: Some("  ".into()),
            ..edit()
        },
        UpdateProfileRequest {
            title: Some(long.clone()),
            ..edit()
        },
        UpdateProfileRequest {
            department: Some("two\nlines".into()),
            ..edit()
        },
        UpdateProfileRequest {
            location: Some(long),
            ..edit()
        },
        UpdateProfileRequest {
            about: Some("x".repeat(MAX_ABOUT_CHARS + 1)),
            ..edit()
        },
        UpdateProfileRequest {
            manager_id: Some(ada.user.id.clone()),
            ..edit()
        },
        UpdateProfileRequest {
            manager_id: Some(new_id()),
            ..edit()
        },
        UpdateProfileRequest {
            manager_id: Some("grace".into()),
            ..edit()
        },
    ];
    for request in &bad {
        ada.patch("/me", request)
            .await
            .assert_error(400, "bad_request");
    }
    assert_eq!(me(&ada).await, cleared);

    // Reporting lines never loop, directly or through others.
    let bob = ctx.person("bob").await;
    let to = |manager: &Session| UpdateProfileRequest {
        manager_id: Some(manager.user.id.clone()),
        ..edit()
    };
    grace.patch("/me", &to(&ada)).await.assert_status(200);
    ada.patch("/me", &to(&grace))
        .await
        .assert_error(400, "bad_request");
    bob.patch("/me", &to(&grace)).await.assert_status(200);
    ada.patch("/me", &to(&bob))
        .await
        .assert_error(400, "bad_request");
    grace
        .patch("/me", &to(&bob))
        .await
        .assert_error(400, "bad_request");
    assert_eq!(me(&ada).await.manager_id, None);
}

pub async fn the_directory_pages_by_name_without_gaps_or_duplicates(ctx: Ctx) {
    let viewer = ctx.person("viewer").await;
    for (handle, name) in [
        ("zoe", "Zoe Adams"),
        ("adam", "Adam Smith"),
        ("sam1", "Sam Lee"),
        ("sam2", "Sam Lee"),
        ("emile", "Émile Zola"),
        ("bob", "Bob O'Neil"),
        ("carla", "Carla 100%"),
    ] {
        named(&ctx, handle, name, false).await;
    }
    let staff = ctx.person("staff").await;
    staff
        .patch(
            "/me",
            &UpdateProfileRequest {
                title: Some("Staff Engineer".into()),
                department: Some("Platform".into()),
                ..edit()
            },
        )
        .await
        .assert_status(200);
    let principal = ctx.person("principal").await;
    principal
        .patch(
            "/me",
            &UpdateProfileRequest {
                title: Some("Principal Engineer".into()),
                department: Some("Research".into()),
                ..edit()
            },
        )
        .await
        .assert_status(200);

    let everyone: UserPage = viewer
        .get("/users?limit=200")
        .await
        .assert_status(200)
        .json();
    assert_eq!(everyone.users.len(), 10);
    assert_eq!(everyone.next, None);
    let names: Vec<&str> = everyone.users.iter().map(|u| u.name.as_str()).collect();
    // By name (the database's collation decides about case and accents).
    assert_eq!(names[0], "Adam Smith", "{names:?}");
    assert_eq!(names[1], "Bob O'Neil", "{names:?}");
    let ids: HashSet<&str> = everyone.users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids.len(), 10);

    // Small pages add up to the whole directory, in the same order, once each.
    for limit in [1, 3, 4] {
        let mut seen: Vec<String> = Vec::new();
        let mut path = format!("/users?limit={limit}");
        loop {
            let page: UserPage = viewer.get(&path).await.assert_status(200).json();
            assert!(page.users.len() <= limit);
            seen.extend(page.users.iter().map(|u| u.id.clone()));
            match page.next {
                Some(next) => path = format!("/users?limit={limit}&after={next}"),
                None => break,
            }
        }
        let all: Vec<String> = everyone.users.iter().map(|u| u.id.clone()).collect();
        assert_eq!(seen, all, "pages of {limit}");
    }

    // ?q= matches name, handle, title and department; every word must match.
    let handles = |page: UserPage| -> Vec<String> {
        let mut found: Vec<String> = page.users.into_iter().map(|u| u.handle).collect();
        found.sort();
        found
    };
    for (q, expected) in [
        ("engineer", vec!["principal", "staff"]),
        ("ENGINEER platform", vec!["staff"]),
        ("research", vec!["principal"]),
        ("sam", vec!["sam1", "sam2"]),
        ("zoe", vec!["zoe"]),
        ("100%25", vec!["carla"]),
        ("_", vec![]),
        ("o'neil", vec!["bob"]),
        ("nobody-at-all", vec![]),
    ] {
        let page: UserPage = viewer
            .get(&format!("/users?q={q}&limit=200"))
            .await
            .assert_status(200)
            .json();
        assert_eq!(handles(page), expected, "q={q}");
    }
    let first: UserPage = viewer
        .get("/users?q=sam&limit=1")
        .await
        .assert_status(200)
        .json();
    let next = first.next.clone().expect("a second page");
    let second: UserPage = viewer
        .get(&format!("/users?q=sam&limit=1&after={next}"))
        .await
        .assert_status(200)
        .json();
    assert_eq!(first.users.len() + second.users.len(), 2);
    assert_ne!(first.users[0].id, second.users[0].id);
    assert_eq!(second.next, None);

    viewer
        .get("/users?after=garbage")
        .await
        .assert_error(400, "bad_request");
    let clamped: UserPage = viewer.get("/users?limit=0").await.assert_status(200).json();
    assert_eq!(clamped.users.len(), 1);
}

pub async fn deactivated_people_lose_their_sessions_and_cannot_log_in(ctx: Ctx) {
    let root = org_admin(&ctx, "root").await;
    let bob = ctx.person("bob").await;
    let bob_laptop = ctx.login(&bob.user).await;
    let grace = ctx.person("grace").await;
    let (_, cursor) = grace.sync_all(None, 100).await;

    // Only organisation admins may.
    grace
        .post(&admin_path(&bob.user, "deactivate"), &mutation())
        .await
        .assert_error(403, "forbidden");
    bob.get("/me").await.assert_status(200);

    let request = mutation();
    let done: User = root
        .post(&admin_path(&bob.user, "deactivate"), &request)
        .await
        .assert_status(200)
        .json();
    assert!(done.deactivated);
    let replayed: User = root
        .post(&admin_path(&bob.user, "deactivate"), &request)
        .await
        .assert_status(200)
        .json();
    assert_eq!(replayed, done);

    // Every session ends at once; logging in is refused, clearly, and only
    // to someone who knows the password.
    for session in [&bob, &bob_laptop] {
        session.get("/me").await.assert_error(401, "unauthorized");
        session.get("/sync").await.assert_error(401, "unauthorized");
    }
    let refused = ctx.login_reply(&bob.user.email, PASSWORD).await;
    refused.assert_error(403, "forbidden");
    assert!(refused.text.contains("deactivated"), "{}", refused.text);
    ctx.login_reply(&bob.user.email, "wrong password")
        .await
        .assert_error(401, "invalid_credentials");

    // Everyone learns it through sync and the profile.
    let (changes, cursor) = grace.sync_all(Some(&cursor), 100).await;
    assert_eq!(user_in(&changes, &bob.user.id), Some(done.clone()));
    let profile: User = grace
        .get(&format!("/users/{}", bob.user.id))
        .await
        .assert_status(200)
        .json();
    assert!(profile.deactivated);
    let directory: UserPage = grace.get("/users").await.assert_status(200).json();
    assert!(directory.users.iter().all(|u| u.id != bob.user.id));
    let directory: UserPage = grace
        .get("/users?include_deactivated=true")
        .await
        .assert_status(200)
        .json();
    assert!(directory.users.iter().any(|u| u.id == bob.user.id));
    // Nobody new reports to a deactivated person.
    grace
        .patch(
            "/me",
            &UpdateProfileRequest {
                manager_id: Some(bob.user.id.clone()),
                ..edit()
            },
        )
        .await
        .assert_error(400, "bad_request");

    // Reactivated: logging in works again; the old sessions stay ended.
    let back: User = root
        .post(&admin_path(&bob.user, "reactivate"), &mutation())
        .await
        .assert_status(200)
        .json();
    assert!(!back.deactivated);
    bob.get("/me").await.assert_error(401, "unauthorized");
    let again = ctx.login(&bob.user).await;
    assert!(!me(&again).await.deactivated);
    let (changes, _) = grace.sync_all(Some(&cursor), 100).await;
    assert_eq!(user_in(&changes, &bob.user.id), Some(back));

    let unknown = User {
        id: new_id(),
        ..User::default()
    };
    root.post(&admin_path(&unknown, "deactivate"), &mutation())
        .await
        .assert_error(404, "not_found");
    root.post("/admin/users/nope/deactivate", &mutation())
        .await
        .assert_error(400, "bad_request");
}

pub async fn the_last_org_admin_cannot_be_demoted_or_deactivated(ctx: Ctx) {
    let root = org_admin(&ctx, "root").await;
    let bob = ctx.person("bob").await;

    root.post(&admin_path(&root.user, "deactivate"), &mutation())
        .await
        .assert_error(409, "conflict");
    root.post(&admin_path(&root.user, "role"), &role(false))
        .await
        .assert_error(409, "conflict");
    bob.post(&admin_path(&bob.user, "role"), &role(true))
        .await
        .assert_error(403, "forbidden");
    assert!(me(&root).await.is_admin);

    let promoted: User = root
        .post(&admin_path(&bob.user, "role"), &role(true))
        .await
        .assert_status(200)
        .json();
    assert!(promoted.is_admin);
    assert!(me(&bob).await.is_admin);
    let (changes, _) = root.sync_all(None, 100).await;
    assert_eq!(user_in(&changes, &bob.user.id), Some(promoted));

    // With two admins, one may step down; then the other is the last.
    root.post(&admin_path(&root.user, "role"), &role(false))
        .await
        .assert_status(200);
    assert!(!me(&root).await.is_admin);
    root.post(&admin_path(&bob.user, "deactivate"), &mutation())
        .await
        .assert_error(403, "forbidden");
    bob.post(&admin_path(&bob.user, "role"), &role(false))
        .await
        .assert_error(409, "conflict");
    bob.post(&admin_path(&bob.user, "deactivate"), &mutation())
        .await
        .assert_error(409, "conflict");

    // A deactivated admin does not count: they cannot log in to act.
    bob.post(&admin_path(&root.user, "deactivate"), &mutation())
        .await
        .assert_status(200);
    let promoted: User = bob
        .post(&admin_path(&root.user, "role"), &role(true))
        .await
        .assert_status(200)
        .json();
    assert!(promoted.is_admin && promoted.deactivated);
    bob.post(&admin_path(&bob.user, "role"), &role(false))
        .await
        .assert_error(409, "conflict");
    assert!(me(&bob).await.is_admin);
}

fn invite(email: &str, name: &str, password: &str) -> InviteRequest {
    InviteRequest {
        mutation_id: new_id(),
        email: email.into(),
        name: name.into(),
        password: password.into(),
        is_admin: false,
    }
}

pub async fn org_admins_add_people_who_log_in_with_the_first_password(ctx: Ctx) {
    let root = org_admin(&ctx, "root").await;
    let bob = ctx.person("bob").await;
    let request = invite(
        "Katherine@Example.org",
        "Katherine Johnson",
        "first-password-1",
    );
    bob.post("/admin/users", &request)
        .await
        .assert_error(403, "forbidden");
    let added: User = root
        .post("/admin/users", &request)
        .await
        .assert_status(201)
        .json();
    assert_eq!(added.email, "katherine@example.org");
    assert_eq!(added.handle, "katherine");
    assert!(!added.is_admin);
    // The outbox sends it again after a lost answer: the same person, once.
    let again: User = root
        .post("/admin/users", &request)
        .await
        .assert_status(201)
        .json();
    assert_eq!(again.id, added.id);
    root.post(
        "/admin/users",
        &invite("katherine@example.org", "K", "first-password-1"),
    )
    .await
    .assert_error(409, "conflict");
    root.post(
        "/admin/users",
        &invite("dorothy@example.org", "Dorothy", "short"),
    )
    .await
    .assert_error(400, "bad_request");
    root.post(
        "/admin/users",
        &invite("not an e-mail", "Dorothy", "long enough pw"),
    )
    .await
    .assert_error(400, "bad_request");

    // They log in, and everyone finds them in the directory and through sync.
    ctx.login_reply("katherine@example.org", "first-password-1")
        .await
        .assert_status(200);
    let (changes, _) = bob.sync_all(None, 500).await;
    assert_eq!(
        user_in(&changes, &added.id).map(|u| u.name),
        Some("Katherine Johnson".into())
    );
    let created: AuditPage = root
        .get(&format!(
            "/admin/audit?action=user_created&target_id={}",
            added.id
        ))
        .await
        .assert_status(200)
        .json();
    assert_eq!(created.entries.len(), 1);
    assert_eq!(
        created.entries[0].actor_id.as_deref(),
        Some(root.user.id.as_str())
    );
    // The first password is nowhere in what the server stored about the request.
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT request_hash, response_json FROM mutations")
            .fetch_all(ctx.db.pool())
            .await
            .expect("mutations");
    assert!(stored
        .iter()
        .all(|(hash, body)| !body.contains("first-password-1") && hash.len() == 64));
}
