//! `commons login --sso`: prints the sign-in address, waits for the browser,
//! logs in. Against a real server process, a real OpenID provider and the
//! real Secret Service (run inside `scripts/desktop-session.sh`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use commons_testkit::browser::Browser;
use commons_testkit::oidc::{free_loopback_address, OidcProvider};
use commons_testkit::TestServer;

const ADA: &str = r#"[{"id": "ada", "email": "ada@example.org", "password": "ada's password", "name": "Ada Lovelace"}]"#;

fn commons(profile: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_commons"));
    command.arg("--profile").arg(profile);
    command
}

#[tokio::test]
async fn login_with_sso_prints_the_address_and_logs_in_when_the_browser_returns() {
    let dirs = tempfile::tempdir().unwrap();
    let data = dirs.path().join("server");
    std::fs::create_dir(&data).unwrap();
    let listen = free_loopback_address();
    let redirect_url = format!("http://{listen}/api/v1/auth/sso/callback");
    let provider = OidcProvider::start(&redirect_url, ADA);
    let env = provider.server_env(&redirect_url, false);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start_with_env(&data, &listen.to_string(), &env);
    let profile = dirs.path().join("profile");

    let mut child = commons(&profile)
        .args(["login", "--sso", "--no-browser", "--server", &server.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.trim()
                .starts_with("http")
                .then(|| line.trim().to_string())
        })
        .expect("the sign-in address is printed");
    assert!(
        url.starts_with(&format!("{}/api/v1/auth/sso/start?", server.url())),
        "{url}"
    );
    let page = Browser::new()
        .sign_in(&url, "ada@example.org", "ada's password")
        .await;
    assert!(page.body.contains("Signed in"), "{}", page.body);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "{rest:?}");
    assert!(
        rest.iter()
            .any(|l| l.contains("Logged in to") && l.contains("Ada Lovelace <ada@example.org>")),
        "{rest:?}"
    );
    // The session is the profile's: syncing works.
    let sync = commons(&profile).arg("sync").output().unwrap();
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );

    // Without SSO on the server: a readable refusal and a non-zero exit.
    let plain = dirs.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let plain = TestServer::start(&plain, "127.0.0.1:0");
    let refused = commons(&dirs.path().join("other"))
        .args(["login", "--sso", "--no-browser", "--server", &plain.url()])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("does not offer single sign-on"),
        "{message}"
    );
    // Neither --email nor --sso: a usage error.
    let usage = commons(&dirs.path().join("other"))
        .args(["login", "--server", &plain.url()])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
}
