//! Shared by the integration tests: a real `commons-server` process on a
//! temporary data directory, and small helpers around it.
//!
//! The server binary is `COMMONS_SERVER_BIN`, else `target/debug/commons-server`
//! of this workspace (build it first: `cargo build -p commons-server`).

#![allow(dead_code)] // each test file uses a different part

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use commons_client::{Client, FeedPost};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const DEMO_PASSWORD: &str = "commons-demo";

/// Upper bound for things that normally take a second; only a guard against hanging.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub fn server_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("COMMONS_SERVER_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let bin = target.join("debug/commons-server");
    assert!(
        bin.exists(),
        "the server binary {} is missing: run `cargo build -p commons-server` first, \
         or set COMMONS_SERVER_BIN",
        bin.display()
    );
    bin
}

/// A running server. Killed when dropped.
pub struct TestServer {
    child: Child,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
}

impl TestServer {
    /// A fresh data directory with the demo organisation, served on a free port.
    pub async fn demo(data_dir: &Path) -> TestServer {
        let status = Command::new(server_bin())
            .args(["demo", "--data-dir"])
            .arg(data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .expect("run commons-server demo");
        assert!(status.success(), "commons-server demo failed: {status}");
        TestServer::start(data_dir, "127.0.0.1:0").await
    }

    /// Serves `data_dir` on `listen` and waits for the `listening on` line.
    pub async fn start(data_dir: &Path, listen: &str) -> TestServer {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))
            .expect("server log file");
        let mut child = Command::new(server_bin())
            .args(["serve", "--data-dir"])
            .arg(data_dir)
            .args(["--listen", listen])
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("start commons-server");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = tokio::time::timeout(PATIENCE, async {
            while let Some(line) = lines.next_line().await.expect("read server stdout") {
                if let Some(url) = line.trim().strip_prefix("listening on http://") {
                    return url
                        .parse::<SocketAddr>()
                        .expect("address in the listening line");
                }
            }
            panic!(
                "commons-server exited without listening; see {}",
                data_dir.join("server.log").display()
            )
        })
        .await
        .expect("server did not start in time");
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        TestServer {
            child,
            addr,
            data_dir: data_dir.to_path_buf(),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server the hard way, as a crash or power cut would.
    pub async fn kill(mut self) -> (PathBuf, SocketAddr) {
        self.child.kill().await.expect("kill server");
        (self.data_dir.clone(), self.addr)
    }
}

/// A client on a new profile, logged in to `server` as `email`.
pub async fn logged_in(profile: &Path, server: &TestServer, email: &str) -> Client {
    let client = Client::open(profile).await.expect("open profile");
    client
        .login(&server.url(), email, DEMO_PASSWORD)
        .await
        .expect("login");
    client
}

/// The default group's id, from a synced client's cache.
pub async fn everyone_group(client: &Client) -> String {
    client
        .groups()
        .await
        .expect("groups")
        .into_iter()
        .find(|g| g.is_default)
        .expect("the default group is in the cache")
        .id
}

pub async fn find_post(client: &Client, body: &str) -> Vec<FeedPost> {
    client
        .feed(None, 200, None)
        .await
        .expect("feed")
        .into_iter()
        .filter(|p| p.body == body)
        .collect()
}

/// Straight to the server's REST API, as another user would see it (no client core involved).
pub struct RawApi {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl RawApi {
    pub async fn login(server_url: &str, email: &str) -> RawApi {
        let http = reqwest::Client::new();
        let base = format!("{server_url}/api/v1");
        let answer: serde_json::Value = http
            .post(format!("{base}/auth/login"))
            .json(&serde_json::json!({"email": email, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("login request")
            .error_for_status()
            .expect("login accepted")
            .json()
            .await
            .expect("login answer");
        let token = answer["token"].as_str().expect("token").to_owned();
        RawApi { http, base, token }
    }

    /// Bodies of the posts of a group, as the server has them.
    pub async fn group_post_bodies(&self, group_id: &str) -> Vec<String> {
        let posts: Vec<commons_protocol::PostWithComments> = self
            .http
            .get(format!("{}/groups/{group_id}/posts", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("posts request")
            .error_for_status()
            .expect("posts answer")
            .json()
            .await
            .expect("posts json");
        posts.into_iter().map(|p| p.post.body).collect()
    }

    /// Creates a secret group with a chosen id (to make someone else's use of that id conflict).
    pub async fn create_secret_group_with_id(&self, id: &str, name: &str) {
        self.http
            .post(format!("{}/groups", self.base))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({
                "mutation_id": uuid::Uuid::new_v4().to_string(),
                "id": id,
                "name": name,
                "privacy": "secret",
            }))
            .send()
            .await
            .expect("create group request")
            .error_for_status()
            .expect("group created");
    }

    /// `GET /api/v1/groups/{id}`: the group as the server has it.
    pub async fn group(&self, group_id: &str) -> commons_protocol::GroupListItem {
        self.http
            .get(format!("{}/groups/{group_id}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("group request")
            .error_for_status()
            .expect("group answer")
            .json()
            .await
            .expect("group json")
    }

    pub async fn post_with_comments(&self, post_id: &str) -> commons_protocol::PostWithComments {
        self.http
            .get(format!("{}/posts/{post_id}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("post request")
            .error_for_status()
            .expect("post answer")
            .json()
            .await
            .expect("post json")
    }
}
