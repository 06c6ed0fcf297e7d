//! Single sign-on against a real OpenID provider: `tests/oidc/provider.mjs`
//! (the npm package oidc-provider, installed by `scripts/setup.sh --test`),
//! a Commons node pointed at it, and a browser that follows redirects and
//! keeps cookies, as the system browser does for the app.

use std::process::Stdio;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use commons_server::SsoConfig;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use url::Url;

pub use commons_testkit::browser::Browser;

use crate::harness::{Ctx, Node};

pub const CLIENT_ID: &str = "commons";
const CLIENT_SECRET: &str = "a secret only the server knows";
/// Where the app listens in these tests (nothing listens: the browser stops there).
pub const APP_REDIRECT: &str = "http://127.0.0.1:9/sso-done";

/// A test account of the identity provider.
pub struct Account {
    pub email: &'static str,
    pub password: &'static str,
    pub claims: Value,
}

/// The provider process; killed when dropped.
pub struct Provider {
    pub issuer: String,
    _process: Child,
}

impl Provider {
    /// Starts the provider with `accounts` and one client, the server whose
    /// callback is `redirect_url`.
    pub async fn start(redirect_url: &str, accounts: &[Account]) -> Provider {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/oidc/provider.mjs");
        let modules = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/oidc/node_modules");
        assert!(
            std::path::Path::new(modules).is_dir(),
            "the test identity provider is not installed: run scripts/setup.sh --test \
             (npm ci in tests/oidc)"
        );
        let mut process = Command::new("node")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts (Node.js is needed for the SSO tests)");
        let mut lines = BufReader::new(process.stdout.take().expect("stdout")).lines();
        let mut next_line = async || lines.next_line().await.expect("reads").expect("a line");
        let first = next_line().await;
        let issuer = first
            .strip_prefix("issuer ")
            .unwrap_or_else(|| panic!("the provider said {first:?}"))
            .to_string();
        let accounts: Vec<Value> = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let mut account = a.claims.clone();
                account["id"] = json!(format!("account-{i}"));
                account["email"] = json!(a.email);
                account["password"] = json!(a.password);
                account
            })
            .collect();
        let setup = json!({
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": redirect_url,
            "accounts": accounts,
        });
        let mut stdin = process.stdin.take().expect("stdin");
        stdin
            .write_all(format!("{setup}\n").as_bytes())
            .await
            .expect("setup sent");
        assert_eq!(next_line().await, "ready");
        // Whatever it says later goes to the test's output; a closed pipe would kill it.
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("oidc-provider: {line}");
            }
        });
        Provider {
            issuer,
            _process: process,
        }
    }
}

/// A Commons node on the scenario's database with single sign-on through a
/// new provider. Its address is chosen first: the provider must know the
/// callback before the node knows the issuer.
pub async fn node_with_provider(
    ctx: &Ctx,
    accounts: &[Account],
    required: bool,
) -> (Node, Provider) {
    let listen = free_loopback_address();
    let redirect_url = format!("http://{listen}/api/v1/auth/sso/callback");
    let provider = Provider::start(&redirect_url, accounts).await;
    let sso = SsoConfig {
        issuer_url: provider.issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        redirect_url,
        required,
        scopes: vec!["openid".into(), "email".into(), "profile".into()],
        button_label: "Log in with Example ID".into(),
    };
    let node = ctx
        .start_node_with(|config| commons_server::ServerConfig {
            listen,
            sso: Some(sso),
            ..config
        })
        .await;
    (node, provider)
}

fn free_loopback_address() -> std::net::SocketAddr {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    probe.local_addr().expect("address")
}

/// What the app makes before opening the browser.
pub struct AppRequest {
    pub verifier: String,
    pub state: String,
}

impl AppRequest {
    pub fn new(state: &str) -> AppRequest {
        AppRequest {
            verifier: format!(
                "{}-verifier-of-at-least-43-characters-{state}",
                uuid::Uuid::new_v4()
            ),
            state: state.into(),
        }
    }

    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }

    /// `GET /auth/sso/start` as the app opens it.
    pub fn start_url(&self, node_url: &str) -> String {
        let mut url = Url::parse(&format!("{node_url}/api/v1/auth/sso/start")).expect("URL");
        url.query_pairs_mut()
            .append_pair("redirect_uri", APP_REDIRECT)
            .append_pair("code_challenge", &self.challenge())
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &self.state);
        url.into()
    }
}

/// A browser that stops at the app's redirect (nothing listens there).
pub fn app_browser() -> Browser {
    Browser::stopping_at(APP_REDIRECT)
}

/// The query parameter `name` of `url`.
pub fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
