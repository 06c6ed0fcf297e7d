//! Single sign-on with a real OpenID provider (see `sso_support.rs`): the
//! whole flow as the app and the system browser run it, what it refuses,
//! and password logins when single sign-on is required.

use commons_protocol::*;
use serde_json::json;

use super::content_support::{mutation, org_admin};
use super::sso_support::{
    app_browser, node_with_provider, param, Account, AppRequest, Browser, APP_REDIRECT,
};
use crate::harness::{send, Ctx, Reply, Session, PASSWORD};

fn ada() -> Account {
    Account {
        email: "ada@example.org",
        password: "ada's provider password",
        claims: json!({"name": "Ada Lovelace", "title": "Analyst", "department": "Engines"}),
    }
}

fn grace() -> Account {
    Account {
        email: "grace@example.org",
        password: "grace's provider password",
        claims: json!({"name": "Grace Hopper"}),
    }
}

/// The app's last step: the one-time code and the verifier for a session.
async fn trade(ctx: &Ctx, code: &str, verifier: &str) -> Reply {
    let body = SsoTokenRequest {
        code: code.into(),
        code_verifier: verifier.into(),
        device_name: Some("laptop".into()),
    };
    send(ctx.http.post(ctx.api("/auth/sso/token")).json(&body)).await
}

/// A whole sign-in, as the app runs it: the state comes back unchanged, the
/// code and verifier give a session.
async fn sign_in(ctx: &Ctx, browser: &mut Browser, account: &Account, state: &str) -> Session {
    let app = AppRequest::new(state);
    let back = browser
        .sign_in(&app.start_url(&ctx.url), account.email, account.password)
        .await
        .url;
    assert_eq!(param(&back, "state").as_deref(), Some(state), "{back}");
    let code = param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
    let reply = trade(ctx, &code, &app.verifier).await;
    reply.assert_status(200);
    let login: LoginResponse = reply.json();
    Session {
        ctx: ctx.clone(),
        token: login.token,
        user: login.user,
    }
}

async fn audit(admin: &Session, action: AuditAction) -> Vec<AuditEntry> {
    let page: AuditPage = admin
        .get(&format!("/admin/audit?action={action}&limit=500"))
        .await
        .assert_status(200)
        .json();
    page.entries
}

pub async fn single_sign_on_creates_people_once_and_opens_working_sessions(ctx: Ctx) {
    let admin = org_admin(&ctx, "root").await;
    let existing_grace = ctx.create_user("grace").await;
    let (node, _provider) = node_with_provider(&ctx, &[ada(), grace()], false).await;
    let sso = ctx.at(&node.url);

    // Apps ask first; a server without [sso] says so and has no flow to start.
    let info: SsoInfo = send(sso.http.get(sso.api("/auth/sso"))).await.json();
    assert_eq!(
        info,
        SsoInfo {
            enabled: true,
            required: false,
            label: Some("Log in with Example ID".into())
        }
    );
    let off: SsoInfo = send(ctx.http.get(ctx.api("/auth/sso"))).await.json();
    assert!(!off.enabled && !off.required);
    let app = AppRequest::new("s");
    send(ctx.http.get(app.start_url(&ctx.url)))
        .await
        .assert_error(404, "not_found");

    // First sign-in: Ada is created from the provider's claims.
    let mut browser = app_browser();
    let first = sign_in(&sso, &mut browser, &ada(), "first").await;
    assert_eq!(first.user.email, "ada@example.org");
    assert_eq!(first.user.name, "Ada Lovelace");
    assert_eq!(first.user.title, "Analyst");
    assert_eq!(first.user.department, "Engines");
    assert!(!first.user.is_admin);
    // The session works, on every node.
    let me: User = first.get("/me").await.assert_status(200).json();
    assert_eq!(me.id, first.user.id);
    let on_main = Session {
        ctx: ctx.clone(),
        token: first.token.clone(),
        user: first.user.clone(),
    };
    on_main.get("/me").await.assert_status(200);
    // She is a person like any other: in the directory, in the default group.
    let groups = first.get("/groups").await.assert_status(200).body.clone();
    assert_eq!(groups[0]["group"]["is_default"], true);
    assert_eq!(groups[0]["my_role"], "member");

    // Second sign-in (the provider remembers her): the same account.
    let second = sign_in(&sso, &mut browser, &ada(), "second").await;
    assert_eq!(second.user.id, first.user.id);
    assert_ne!(second.token, first.token);

    // Grace had an account already: found by e-mail, her profile kept.
    let grace_session = sign_in(&sso, &mut app_browser(), &grace(), "g").await;
    assert_eq!(grace_session.user.id, existing_grace.id);
    assert_eq!(grace_session.user.name, existing_grace.name);

    // Audit: two SSO logins for Ada, one for Grace, one account created.
    let logins = audit(&admin, AuditAction::Login).await;
    let sso_logins_of = |id: &str| {
        logins
            .iter()
            .filter(|e| e.actor_id.as_deref() == Some(id) && e.details["method"] == "sso")
            .count()
    };
    assert_eq!(sso_logins_of(&first.user.id), 2);
    assert_eq!(sso_logins_of(&existing_grace.id), 1);
    let created = audit(&admin, AuditAction::UserCreated).await;
    let ada_created: Vec<_> = created
        .iter()
        .filter(|e| e.target_id.as_deref() == Some(first.user.id.as_str()))
        .collect();
    assert_eq!(ada_created.len(), 1);
    assert_eq!(ada_created[0].details["email"], "ada@example.org");
}

pub async fn single_sign_on_refuses_what_does_not_belong_to_the_flow(ctx: Ctx) {
    let admin = org_admin(&ctx, "root").await;
    let unverified = Account {
        email: "cy@example.org",
        password: "cy's provider password",
        claims: json!({"name": "Cy", "email_verified": false}),
    };
    let (node, _provider) = node_with_provider(&ctx, &[ada(), unverified], false).await;
    let sso = ctx.at(&node.url);
    let mut browser = app_browser();

    // A wrong verifier uses the code up: the right one comes too late.
    let app = AppRequest::new("x");
    let back = browser
        .sign_in(&app.start_url(&sso.url), ada().email, ada().password)
        .await
        .url;
    let code = param(&back, "code").expect("a code");
    trade(&sso, &code, &AppRequest::new("other").verifier)
        .await
        .assert_error(400, "bad_request");
    trade(&sso, &code, &app.verifier)
        .await
        .assert_error(400, "bad_request");
    // A code works once.
    let app = AppRequest::new("y");
    let back = browser.sign_in(&app.start_url(&sso.url), "", "").await.url;
    let code = param(&back, "code").expect("a code");
    trade(&sso, &code, &app.verifier).await.assert_status(200);
    trade(&sso, &code, &app.verifier)
        .await
        .assert_error(400, "bad_request");
    // The provider's answer works once: the callback again is refused.
    let callback = browser
        .visited
        .iter()
        .rev()
        .find(|url| url.path() == "/api/v1/auth/sso/callback")
        .expect("the browser came through the callback")
        .to_string();
    send(sso.http.get(&callback))
        .await
        .assert_error(400, "bad_request");
    // A state the server never gave out.
    send(
        sso.http
            .get(sso.api("/auth/sso/callback?state=forged&code=whatever")),
    )
    .await
    .assert_error(400, "bad_request");

    // Only loopback addresses and commons:// links are redirect URIs.
    let challenge = AppRequest::new("z").challenge();
    for redirect in [
        "https://evil.example/callback",
        "http://localhost:9/sso-done",
        "http://192.168.1.2:9/sso-done",
        "file:///etc/passwd",
    ] {
        let url = format!(
            "{}?redirect_uri={}&code_challenge={challenge}&state=z",
            sso.api("/auth/sso/start"),
            url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
        );
        send(sso.http.get(&url))
            .await
            .assert_error(400, "bad_request");
    }
    let without_challenge = format!(
        "{}?redirect_uri={APP_REDIRECT}&state=z",
        sso.api("/auth/sso/start")
    );
    send(sso.http.get(&without_challenge))
        .await
        .assert_error(400, "bad_request");
    let without_state = format!(
        "{}?redirect_uri={APP_REDIRECT}&code_challenge={challenge}",
        sso.api("/auth/sso/start")
    );
    send(sso.http.get(&without_state))
        .await
        .assert_error(400, "bad_request");

    // An e-mail the provider has not verified names nobody.
    let mut cy_browser = app_browser();
    let app = AppRequest::new("cy");
    let back = cy_browser
        .sign_in(
            &app.start_url(&sso.url),
            "cy@example.org",
            "cy's provider password",
        )
        .await
        .url;
    assert_eq!(
        param(&back, "error").as_deref(),
        Some("access_denied"),
        "{back}"
    );
    assert_eq!(param(&back, "state").as_deref(), Some("cy"));
    assert_eq!(param(&back, "code"), None);

    // A deactivated account goes back to the app with an error, not a code.
    let ada_user: User = admin
        .get("/users/by-handle/ada")
        .await
        .assert_status(200)
        .json();
    admin
        .post(
            &format!("/admin/users/{}/deactivate", ada_user.id),
            &mutation(),
        )
        .await
        .assert_status(200);
    let app = AppRequest::new("after");
    let back = browser.sign_in(&app.start_url(&sso.url), "", "").await.url;
    assert_eq!(
        param(&back, "error").as_deref(),
        Some("access_denied"),
        "{back}"
    );
    assert!(param(&back, "error_description").is_some_and(|d| d.contains("deactivated")));

    let reasons: Vec<String> = audit(&admin, AuditAction::LoginFailed)
        .await
        .iter()
        .map(|e| e.details["reason"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        reasons,
        ["deactivated", "email_unverified", "wrong_code_verifier"]
    );
}

pub async fn password_logins_are_refused_when_single_sign_on_is_required(ctx: Ctx) {
    let admin = org_admin(&ctx, "root").await;
    let bob = ctx.create_user("bob").await;
    let bob_account = Account {
        email: "bob@example.org",
        password: "bob's provider password",
        claims: json!({"name": "Bob"}),
    };
    let (node, _provider) = node_with_provider(&ctx, &[bob_account], true).await;
    let strict = ctx.at(&node.url);

    let info: SsoInfo = send(strict.http.get(strict.api("/auth/sso"))).await.json();
    assert!(info.enabled && info.required);
    // Bob's right password is refused with a reason; a wrong one as always.
    let refused = strict.login_reply(&bob.email, PASSWORD).await;
    refused.assert_error(403, "forbidden");
    assert!(refused.text.contains("single sign-on"), "{}", refused.text);
    strict
        .login_reply(&bob.email, "wrong password")
        .await
        .assert_error(401, "invalid_credentials");
    // Organisation admins keep their password (break-glass).
    strict
        .login_reply(&admin.user.email, PASSWORD)
        .await
        .assert_status(200);
    // Bob signs in through the provider instead.
    let session = sign_in(
        &strict,
        &mut app_browser(),
        &Account {
            email: "bob@example.org",
            password: "bob's provider password",
            claims: json!({}),
        },
        "bob",
    )
    .await;
    assert_eq!(session.user.id, bob.id);

    let failed = audit(&admin, AuditAction::LoginFailed).await;
    assert!(failed
        .iter()
        .any(|e| e.actor_id.as_deref() == Some(bob.id.as_str())
            && e.details["reason"] == "sso_required"));
}
