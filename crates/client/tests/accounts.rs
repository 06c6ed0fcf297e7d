//! Several accounts on several servers side by side, one profile each, and
//! logging out: the server session ends, the token leaves the keychain and,
//! when asked, the cache is deleted. Against real servers and the real
//! Secret Service (run inside `scripts/desktop-session.sh`).

mod support;

use commons_client::{list_accounts, load_token, Client, ClientError, CACHE_FILE};
use support::{find_post, logged_in, TestServer};

/// The status `GET /me` answers with this token.
async fn me_status(server_url: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{server_url}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

async fn token_of(client: &Client) -> String {
    let key = client.token_key().await.unwrap().expect("an account");
    load_token(&key).await.unwrap().expect("a token")
}

#[tokio::test]
async fn accounts_on_two_servers_live_side_by_side_and_log_out_cleanly() {
    let dirs = tempfile::tempdir().unwrap();
    let (data_a, data_b) = (dirs.path().join("a"), dirs.path().join("b"));
    std::fs::create_dir(&data_a).unwrap();
    std::fs::create_dir(&data_b).unwrap();
    let server_a = TestServer::demo(&data_a);
    let server_b = TestServer::demo(&data_b);
    let root = dirs.path().join("accounts");

    let ada_a = logged_in(&root.join("ada-a"), &server_a, "ada@example.org").await;
    let ada_b = logged_in(&root.join("ada-b"), &server_b, "ada@example.org").await;
    let grace_b = logged_in(&root.join("grace-b"), &server_b, "grace@example.org").await;
    for client in [&ada_a, &ada_b, &grace_b] {
        client.sync().await.expect("sync");
    }
    ada_a.post(None, "Only on server A").await.unwrap();
    ada_a.sync().await.expect("sync");
    assert_eq!(find_post(&ada_a, "Only on server A").await.len(), 1);
    assert!(find_post(&ada_b, "Only on server A").await.is_empty());
    assert!(find_post(&grace_b, "Only on server A").await.is_empty());

    let accounts = list_accounts(&root).await.unwrap();
    let names: Vec<_> = accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["ada-a", "ada-b", "grace-b"]);
    assert_eq!(accounts[0].server_url, server_a.url());
    assert_eq!(accounts[1].server_url, server_b.url());
    assert_eq!(accounts[2].user.email, "grace@example.org");
    assert!(accounts.iter().all(|a| a.logged_in));
    let tokens = [
        token_of(&ada_a).await,
        token_of(&ada_b).await,
        token_of(&grace_b).await,
    ];
    assert!(tokens[0] != tokens[1] && tokens[1] != tokens[2]);

    // Logging in again to the same account ends the previous session.
    ada_a
        .login(&server_a.url(), "ada@example.org", support::DEMO_PASSWORD)
        .await
        .unwrap();
    assert_eq!(me_status(&server_a.url(), &tokens[0]).await, 401);
    let renewed = token_of(&ada_a).await;
    assert_eq!(me_status(&server_a.url(), &renewed).await, 200);
    assert_eq!(find_post(&ada_a, "Only on server A").await.len(), 1);

    // Logout: the session ends, the token goes, the cache stays readable.
    ada_b.logout().await.unwrap();
    assert_eq!(me_status(&server_b.url(), &tokens[1]).await, 401);
    let key = ada_b.token_key().await.unwrap().unwrap();
    assert_eq!(load_token(&key).await.unwrap(), None);
    assert!(ada_b.account().await.unwrap().is_none());
    assert!(!ada_b.feed(None, 5, None).await.unwrap().is_empty());
    // The other account on that server is untouched.
    assert_eq!(me_status(&server_b.url(), &tokens[2]).await, 200);

    // Logout with the cache: refused while a write is unsent, then complete.
    grace_b.post(None, "Not sent yet").await.unwrap();
    let (data_dir, addr) = server_b.kill();
    grace_b.sync().await.unwrap_err();
    match grace_b.logout_and_delete_cache().await {
        Err(ClientError::InvalidInput(message)) => assert!(message.contains("unsent")),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let server_b = TestServer::start(&data_dir, &addr.to_string());
    grace_b.sync().await.expect("sync");
    grace_b.logout_and_delete_cache().await.unwrap();
    assert_eq!(me_status(&server_b.url(), &tokens[2]).await, 401);
    assert!(!root.join("grace-b").join(CACHE_FILE).exists());
    assert!(!root.join("grace-b").exists());

    let accounts = list_accounts(&root).await.unwrap();
    let summary: Vec<_> = accounts
        .iter()
        .map(|a| (a.name.as_str(), a.logged_in))
        .collect();
    assert_eq!(summary, [("ada-a", true), ("ada-b", false)]);
}
