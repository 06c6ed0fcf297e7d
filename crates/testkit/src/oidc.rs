//! A real OpenID Connect provider for the single sign-on tests:
//! `tests/oidc/provider.mjs` (the npm package oidc-provider, installed by
//! `scripts/setup.sh --test`), with one client and the accounts a test names.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, ChildStdout, Command, Stdio};

/// The client id and secret the provider knows the server by.
pub const CLIENT_ID: &str = "commons";
pub const CLIENT_SECRET: &str = "a secret only the server knows";

/// A running provider. Killed when dropped.
pub struct OidcProvider {
    child: Child,
    pub issuer: String,
}

impl OidcProvider {
    /// Starts the provider for a server whose callback is `redirect_url`.
    /// `accounts` is a JSON array of `{"id", "email", "password", "name", ...}`
    /// (every field but `password` is a claim).
    pub fn start(redirect_url: &str, accounts: &str) -> OidcProvider {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc");
        assert!(
            root.join("node_modules").is_dir(),
            "the test identity provider is not installed: run scripts/setup.sh --test \
             (npm ci in tests/oidc)"
        );
        let mut child = Command::new("node")
            .arg(root.join("provider.mjs"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts (Node.js is needed for the single sign-on tests)");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout"));
        let first = read_line(&mut lines);
        let issuer = first
            .strip_prefix("issuer ")
            .unwrap_or_else(|| panic!("the provider said {first:?}"))
            .to_string();
        let setup = format!(
            "{{\"client_id\":{CLIENT_ID:?},\"client_secret\":{CLIENT_SECRET:?},\
             \"redirect_uri\":{redirect_url:?},\"accounts\":{}}}\n",
            // One line: the provider reads its setup up to the first newline.
            accounts.replace(['\n', '\r'], " ")
        );
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(setup.as_bytes()).expect("setup sent");
        assert_eq!(read_line(&mut lines), "ready");
        // Keep draining what it says, so it never writes into a closed pipe.
        std::thread::spawn(move || for _ in lines.lines().map_while(Result::ok) {});
        OidcProvider { child, issuer }
    }

    /// The `COMMONS_SSO_...` settings of a server that uses this provider.
    pub fn server_env(&self, redirect_url: &str, required: bool) -> Vec<(&'static str, String)> {
        vec![
            ("COMMONS_SSO_ISSUER_URL", self.issuer.clone()),
            ("COMMONS_SSO_CLIENT_ID", CLIENT_ID.into()),
            ("COMMONS_SSO_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("COMMONS_SSO_REDIRECT_URL", redirect_url.into()),
            ("COMMONS_SSO_REQUIRED", required.to_string()),
        ]
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_line(lines: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    lines.read_line(&mut line).expect("the provider answers");
    line.trim_end().to_string()
}

/// A free loopback address for a server whose callback the provider must
/// know before the server starts.
pub fn free_loopback_address() -> SocketAddr {
    let probe = TcpListener::bind("127.0.0.1:0").expect("a free port");
    probe.local_addr().expect("address")
}
