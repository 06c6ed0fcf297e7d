//! The session token in the real OS keychain (Secret Service over D-Bus),
//! and what happens when there is none.

mod support;

use commons_client::{delete_token, load_token, store_token, Client, ClientError, TokenKey};
use support::{TestServer, DEMO_PASSWORD};

#[tokio::test]
async fn a_token_is_stored_read_and_deleted_in_the_secret_service() {
    let key = TokenKey {
        server_url: "http://keychain-test.invalid".into(),
        user_id: uuid::Uuid::new_v4().to_string(),
        profile_id: uuid::Uuid::new_v4().to_string(),
    };
    assert_eq!(load_token(&key).await.unwrap(), None);
    store_token(&key, "secret-token-1").await.unwrap();
    assert_eq!(
        load_token(&key).await.unwrap().as_deref(),
        Some("secret-token-1")
    );
    store_token(&key, "secret-token-2").await.unwrap();
    assert_eq!(
        load_token(&key).await.unwrap().as_deref(),
        Some("secret-token-2")
    );
    delete_token(&key).await.unwrap();
    assert_eq!(load_token(&key).await.unwrap(), None);
    delete_token(&key).await.expect("deleting nothing is fine");
}

#[tokio::test]
async fn the_token_never_reaches_the_profile_directory() {
    let data = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let client = Client::open(profile.path()).await.unwrap();
    let account = client
        .login(&server.url(), "ada@example.org", DEMO_PASSWORD)
        .await
        .unwrap();
    client.sync().await.unwrap();
    assert_eq!(client.account().await.unwrap(), Some(account));
    let key = client.token_key().await.unwrap().expect("an account");
    let token = load_token(&key)
        .await
        .unwrap()
        .expect("the token is in the keychain");
    client.close().await;

    // No file of the profile contains the token.
    for entry in std::fs::read_dir(profile.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token leaked into the profile directory"
        );
    }

    let reopened = Client::open(profile.path()).await.unwrap();
    assert!(
        reopened.account().await.unwrap().is_some(),
        "the keychain keeps the session"
    );
    reopened.logout().await.unwrap();
    assert_eq!(reopened.account().await.unwrap(), None);
    assert_eq!(load_token(&key).await.unwrap(), None);
    match reopened.sync().await {
        Err(ClientError::NotLoggedIn) => {}
        other => panic!("expected NotLoggedIn, got {other:?}"),
    }
}

/// Run as a child process with no session bus: the keychain cannot be reached.
const CHILD_ENV: &str = "COMMONS_TEST_NO_KEYCHAIN_SERVER";

#[tokio::test]
async fn login_without_a_reachable_keychain_is_a_clear_error() {
    if let Ok(server_url) = std::env::var(CHILD_ENV) {
        // In the child: D-Bus points nowhere.
        let profile = tempfile::tempdir().unwrap();
        let client = Client::open(profile.path()).await.unwrap();
        match client
            .login(&server_url, "ada@example.org", DEMO_PASSWORD)
            .await
        {
            Err(ClientError::Keychain(message)) => {
                assert!(
                    message.contains("OS keychain (Secret Service)"),
                    "{message}"
                );
                assert!(message.contains("not reachable or is locked"), "{message}");
            }
            other => panic!("expected a keychain error, got {other:?}"),
        }
        assert!(
            client.stored_account().await.unwrap().is_none(),
            "nothing recorded"
        );
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::demo(data.path());
    let output = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "login_without_a_reachable_keychain_is_a_clear_error",
            "--nocapture",
        ])
        .env(CHILD_ENV, server.url())
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/commons-test-bus",
        )
        .output()
        .await
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "child failed:\n{log}");
    assert!(log.contains("1 passed"), "the child ran the test:\n{log}");
}
