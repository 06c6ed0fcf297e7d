//! Single sign-on from the client core: the loopback listener, the browser
//! (here a test browser, as `open_browser` would start the system's), the
//! state check and the token kept in the keychain, as a password login
//! keeps it. Against a real server process and a real OpenID provider; the
//! keychain is the real Secret Service (run inside `scripts/desktop-session.sh`).

mod support;

use commons_client::{load_token, Client, ClientError};
use commons_testkit::browser::Browser;
use commons_testkit::oidc::{free_loopback_address, OidcProvider};
use support::{TestServer, PATIENCE};
use tokio::sync::oneshot;

const ZOE: &str = r#"[{"id": "zoe", "email": "zoe@example.org", "password": "zoe's password",
    "name": "Zoe Example", "department": "Research"}]"#;

/// A server with single sign-on through a new provider; both are stopped on drop.
fn server_with_provider(data_dir: &std::path::Path) -> (TestServer, OidcProvider) {
    let listen = free_loopback_address();
    let redirect_url = format!("http://{listen}/api/v1/auth/sso/callback");
    let provider = OidcProvider::start(&redirect_url, ZOE);
    let env = provider.server_env(&redirect_url, false);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start_with_env(data_dir, &listen.to_string(), &env);
    (server, provider)
}

#[tokio::test]
async fn single_sign_on_goes_through_the_browser_and_keeps_the_token_in_the_keychain() {
    let dirs = tempfile::tempdir().unwrap();
    let data = dirs.path().join("server");
    std::fs::create_dir(&data).unwrap();
    let (server, _provider) = server_with_provider(&data);
    let client = Client::open(&dirs.path().join("profile")).await.unwrap();

    let info = client.sso_info(&server.url()).await.unwrap();
    assert!(info.enabled && !info.required);
    assert_eq!(info.label.as_deref(), Some("Log in with single sign-on"));

    // The app hands the URL to the browser and waits; the browser signs in.
    let (opened, url) = oneshot::channel();
    let server_url = server.url();
    let login = client.login_sso(&server_url, PATIENCE, move |url| {
        opened.send(url.to_string()).unwrap();
    });
    let browse = async {
        let url = url.await.unwrap();
        assert!(
            url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
            "{url}"
        );
        Browser::new()
            .sign_in(&url, "zoe@example.org", "zoe's password")
            .await
    };
    let (account, page) = tokio::join!(login, browse);
    let account = account.expect("signed in");
    assert!(page.body.contains("Signed in"), "{}", page.body);
    assert_eq!(account.user.email, "zoe@example.org");
    assert_eq!(account.user.name, "Zoe Example");
    assert_eq!(account.user.department, "Research");

    // The token is in the keychain, as after a password login, and works.
    let key = client.token_key().await.unwrap().expect("an account");
    let token = load_token(&key).await.unwrap().expect("a token");
    let me: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/me", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["id"], account.user.id.as_str());
    client
        .sync()
        .await
        .expect("the client syncs with its new session");
    assert_eq!(
        client.account().await.unwrap().unwrap().user.id,
        account.user.id
    );
}

#[tokio::test]
async fn an_answer_for_another_sign_in_is_refused() {
    let dirs = tempfile::tempdir().unwrap();
    let data = dirs.path().join("server");
    std::fs::create_dir(&data).unwrap();
    let (server, _provider) = server_with_provider(&data);
    let client = Client::open(&dirs.path().join("profile")).await.unwrap();

    // Something other than the browser calls the listener with a state of its own.
    let (opened, url) = oneshot::channel();
    let server_url = server.url();
    let login = client.login_sso(&server_url, PATIENCE, move |url| {
        opened.send(url.to_string()).unwrap();
    });
    let forge = async {
        let url = reqwest::Url::parse(&url.await.unwrap()).unwrap();
        let (_, redirect) = url
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .expect("a redirect URI");
        reqwest::get(format!("{redirect}?code=stolen&state=forged"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let (refused, page) = tokio::join!(login, forge);
    match refused {
        Err(ClientError::InvalidInput(message)) => {
            assert!(message.contains("another sign-in"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(page.contains("another sign-in"), "{page}");
    assert!(
        client.account().await.unwrap().is_none(),
        "nobody is logged in"
    );

    // A server without single sign-on says so before any browser opens.
    let plain = dirs.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let plain = TestServer::start(&plain, "127.0.0.1:0");
    let refused = client
        .login_sso(&plain.url(), PATIENCE, |_| {
            panic!("no browser for a server without SSO")
        })
        .await;
    assert!(
        matches!(&refused, Err(ClientError::InvalidInput(m)) if m.contains("does not offer single sign-on")),
        "{refused:?}"
    );
}
