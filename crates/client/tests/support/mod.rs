//! Shared by the integration tests: the real server process of
//! `commons-testkit`, and small helpers around a logged-in client.

#![allow(dead_code)] // each test file uses a different part

use std::path::Path;

use commons_client::{Client, FeedPost};

#[allow(unused_imports)] // each test file uses a different part
pub use commons_testkit::{server_bin, TestServer, DEMO_PASSWORD, PATIENCE};

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

    /// Bodies of the posts of a group, as the server has them (every page).
    pub async fn group_post_bodies(&self, group_id: &str) -> Vec<String> {
        let mut bodies = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let mut request = self
                .http
                .get(format!("{}/groups/{group_id}/posts", self.base))
                .bearer_auth(&self.token);
            if let Some(cursor) = &before {
                request = request.query(&[("before", cursor)]);
            }
            let page: commons_protocol::FeedPage = request
                .send()
                .await
                .expect("posts request")
                .error_for_status()
                .expect("posts answer")
                .json()
                .await
                .expect("posts json");
            bodies.extend(page.posts.into_iter().map(|p| p.post.body));
            match page.next {
                Some(next) => before = Some(next),
                None => return bodies,
            }
        }
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

    /// A write straight to the API (`{path}` under `/api/v1`), with a fresh
    /// mutation id added to `body`; returns the answer, failing on an error status.
    pub async fn write(
        &self,
        method: reqwest::Method,
        path: &str,
        mut body: serde_json::Value,
    ) -> serde_json::Value {
        body["mutation_id"] = uuid::Uuid::new_v4().to_string().into();
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("write request");
        let status = response.status();
        let text = response.text().await.expect("write answer");
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// Uploads a file (`POST /attachments?name=`); returns its `Attachment`.
    pub async fn upload(&self, name: &str, bytes: &[u8]) -> serde_json::Value {
        let response = self
            .http
            .post(format!("{}/attachments", self.base))
            .query(&[("name", name)])
            .bearer_auth(&self.token)
            .body(bytes.to_vec())
            .send()
            .await
            .expect("upload request");
        let status = response.status();
        let text = response.text().await.expect("upload answer");
        assert!(status.is_success(), "upload: {status} {text}");
        serde_json::from_str(&text).expect("upload json")
    }

    /// `GET {path}` under `/api/v1`, as JSON.
    pub async fn get(&self, path: &str) -> serde_json::Value {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("get request")
            .error_for_status()
            .expect("get answer")
            .json()
            .await
            .expect("get json")
    }

    /// `POST /attachments`: uploads `bytes` as `name`; answers the `Attachment`.
    pub async fn upload(&self, name: &str, bytes: Vec<u8>) -> commons_protocol::Attachment {
        self.http
            .post(format!("{}/attachments", self.base))
            .query(&[("name", name)])
            .bearer_auth(&self.token)
            .body(bytes)
            .send()
            .await
            .expect("upload request")
            .error_for_status()
            .expect("upload accepted")
            .json()
            .await
            .expect("upload json")
    }
}
