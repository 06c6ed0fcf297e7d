//! Runs each scenario against a fresh server on SQLite (a temp dir) and on
//! PostgreSQL (a fresh database, dropped afterwards), over real HTTP.

use std::future::Future;
use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use commons_protocol::*;
use commons_server::db::Database;
use commons_server::hub::Hub;
use commons_server::ops::users::NewUser;
use commons_server::{DatabaseConfig, RunningServer, ServerConfig, Tuning};
use futures_util::FutureExt;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Password of every account the tests create.
pub const PASSWORD: &str = "correct horse battery";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Instantiates each named scenario (an `async fn(Ctx)` in `crate::scenarios`)
/// once per database.
#[macro_export]
macro_rules! on_both_databases {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    $crate::harness::run($crate::harness::Backend::Sqlite, $crate::scenarios::$scenario).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    $crate::harness::run($crate::harness::Backend::Postgres, $crate::scenarios::$scenario).await;
                }
            )*
        }
    };
}

/// What a scenario gets: the running server's URL, its database, and the
/// settings to point the real binary at the same data.
#[derive(Clone)]
pub struct Ctx {
    pub url: String,
    pub db: Database,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub http: reqwest::Client,
    /// Servers started by [`Ctx::start_node`], shut down after the scenario.
    pub nodes: Arc<Mutex<Vec<RunningServer>>>,
}

/// Another in-process server on the scenario's database.
pub struct Node {
    pub url: String,
    pub hub: Hub,
}

/// Starts a server for `backend`, runs the scenario, and always cleans up.
pub async fn run<F, Fut>(backend: Backend, scenario: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let temp = tempfile::tempdir().expect("temp dir");
    let data_dir = temp.path().join("data");
    let postgres = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(ScratchDatabase::create().await),
    };
    let database_url = postgres.as_ref().map(|p| p.url.clone());
    let server = commons_server::start(ServerConfig::new(
        DatabaseConfig::new(&data_dir, database_url.clone()),
        "127.0.0.1:0".parse().expect("address"),
    ))
    .await
    .expect("server starts");
    let ctx = Ctx {
        url: server.url(),
        db: server.database().clone(),
        data_dir,
        database_url,
        http: reqwest::Client::new(),
        nodes: Arc::default(),
    };
    let nodes = ctx.nodes.clone();
    let outcome = AssertUnwindSafe(scenario(ctx)).catch_unwind().await;
    let extra_nodes = std::mem::take(&mut *nodes.lock().expect("nodes"));
    for node in extra_nodes {
        node.shutdown().await.expect("node shuts down cleanly");
    }
    server.shutdown().await.expect("server shuts down cleanly");
    if let Some(postgres) = postgres {
        postgres.drop().await;
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// A PostgreSQL database of its own for one test.
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl ScratchDatabase {
    pub async fn create() -> Self {
        sqlx::any::install_default_drivers();
        let admin_url = std::env::var("COMMONS_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_string());
        let name = format!("commons_test_{}", Uuid::new_v4().simple());
        let mut admin = Self::admin_connection(&admin_url).await;
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        close(admin).await;
        let mut url = reqwest::Url::parse(&admin_url).expect("COMMONS_TEST_POSTGRES_URL is a URL");
        url.set_path(&name);
        ScratchDatabase {
            admin_url,
            name,
            url: url.to_string(),
        }
    }

    /// One direct connection: fails at once, with the real cause, when
    /// PostgreSQL is not there (a pool would retry until its timeout).
    async fn admin_connection(admin_url: &str) -> sqlx::AnyConnection {
        use sqlx::Connection;
        sqlx::AnyConnection::connect(admin_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {admin_url}: {e}. The PostgreSQL tests need it: \
                 start it, or point COMMONS_TEST_POSTGRES_URL at a server where the user may create databases."
            )
        })
    }

    pub async fn drop(self) {
        let mut admin = Self::admin_connection(&self.admin_url).await;
        let dropped = sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut admin)
        .await;
        if let Err(e) = dropped {
            eprintln!("warning: could not drop test database {}: {e}", self.name);
        }
        close(admin).await;
    }
}

async fn close(connection: sqlx::AnyConnection) {
    use sqlx::Connection;
    let _ = connection.close().await;
}

/// A fresh UUID in text form, as clients generate ids.
pub fn new_id() -> String {
    Uuid::now_v7().to_string()
}

/// An HTTP answer: status and JSON body (`Value::Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|e| panic!("unexpected body ({e}): {}", self.text))
    }

    /// Asserts the protocol's error shape with this status and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(self.body["error"]["code"], code, "body: {}", self.text);
        let message = self.body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty(),
            "error without a message: {}",
            self.text
        );
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        self
    }
}

impl Ctx {
    pub fn api(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.url)
    }

    /// Starts another server on this scenario's database, with `tuning`.
    pub async fn start_node(&self, tuning: Tuning) -> Node {
        let config = ServerConfig {
            tuning,
            ..ServerConfig::new(
                DatabaseConfig::new(&self.data_dir, self.database_url.clone()),
                "127.0.0.1:0".parse().expect("address"),
            )
        };
        let server = commons_server::start(config).await.expect("node starts");
        let node = Node {
            url: server.url(),
            hub: server.hub().clone(),
        };
        self.nodes.lock().expect("nodes").push(server);
        node
    }

    /// Starts another server on this scenario's database, configured by
    /// `configure` (single sign-on, a fixed address).
    pub async fn start_node_with(
        &self,
        configure: impl FnOnce(ServerConfig) -> ServerConfig,
    ) -> Node {
        let config = configure(ServerConfig::new(
            DatabaseConfig::new(&self.data_dir, self.database_url.clone()),
            "127.0.0.1:0".parse().expect("address"),
        ));
        let server = commons_server::start(config).await.expect("node starts");
        let node = Node {
            url: server.url(),
            hub: server.hub().clone(),
        };
        self.nodes.lock().expect("nodes").push(server);
        node
    }

    /// The same scenario, talking to the server at `url`.
    pub fn at(&self, url: &str) -> Ctx {
        Ctx {
            url: url.to_string(),
            ..self.clone()
        }
    }

    /// The same scenario, with requests coming from `ip` (any 127.x.y.z
    /// reaches this machine's servers).
    pub fn coming_from(&self, ip: &str) -> Ctx {
        let ip: IpAddr = ip.parse().expect("IP address");
        Ctx {
            http: reqwest::Client::builder()
                .local_address(ip)
                .build()
                .expect("HTTP client"),
            ..self.clone()
        }
    }

    /// Creates an account directly through the server library.
    pub async fn create_user(&self, handle: &str) -> User {
        commons_server::ops::users::create(
            &self.db,
            NewUser {
                email: format!("{handle}@example.org"),
                name: format!("{handle} Example"),
                password: PASSWORD.into(),
                is_admin: false,
            },
        )
        .await
        .expect("user created")
    }

    pub async fn login_reply(&self, email: &str, password: &str) -> Reply {
        let request = LoginRequest {
            email: email.into(),
            password: password.into(),
            device_name: Some("test".into()),
        };
        send(self.http.post(self.api("/auth/login")).json(&request)).await
    }

    pub async fn login(&self, user: &User) -> Session {
        let reply = self.login_reply(&user.email, PASSWORD).await;
        reply.assert_status(200);
        let login: LoginResponse = reply.json();
        Session {
            ctx: self.clone(),
            token: login.token,
            user: login.user,
        }
    }

    /// A new account, logged in.
    pub async fn person(&self, handle: &str) -> Session {
        let user = self.create_user(handle).await;
        self.login(&user).await
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => panic!("server does not answer: {e:?}"),
    };
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    // Text answers (`/metrics`) have no JSON body; a JSON one must parse.
    let is_text = headers
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/openmetrics-text"));
    let body = if text.is_empty() || is_text {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"))
    };
    Reply {
        status,
        headers,
        body,
        text,
    }
}

/// A logged-in person talking to the API.
pub struct Session {
    pub ctx: Ctx,
    pub token: String,
    pub user: User,
}

impl Session {
    pub async fn get(&self, path: &str) -> Reply {
        send(
            self.ctx
                .http
                .get(self.ctx.api(path))
                .bearer_auth(&self.token),
        )
        .await
    }

    pub async fn post<B: Serialize>(&self, path: &str, body: &B) -> Reply {
        send(
            self.ctx
                .http
                .post(self.ctx.api(path))
                .bearer_auth(&self.token)
                .json(body),
        )
        .await
    }

    pub async fn patch<B: Serialize>(&self, path: &str, body: &B) -> Reply {
        send(
            self.ctx
                .http
                .patch(self.ctx.api(path))
                .bearer_auth(&self.token)
                .json(body),
        )
        .await
    }

    pub async fn create_group(&self, name: &str, privacy: Privacy) -> Group {
        let request = CreateGroupRequest {
            mutation_id: new_id(),
            id: new_id(),
            name: name.into(),
            description: format!("About {name}"),
            privacy,
        };
        let reply = self.post("/groups", &request).await;
        reply.assert_status(201).json()
    }

    pub async fn write_post(&self, group: &Group, body: &str) -> Post {
        let reply = self
            .post("/posts", &self.post_request(&group.id, body))
            .await;
        reply.assert_status(201).json()
    }

    pub fn post_request(&self, group_id: &str, body: &str) -> CreatePostRequest {
        CreatePostRequest {
            mutation_id: new_id(),
            id: new_id(),
            group_id: group_id.into(),
            body: body.into(),
            attachment_ids: Vec::new(),
            poll: None,
            announce_days: None,
        }
    }

    pub async fn write_comment(&self, post: &Post, body: &str) -> Comment {
        let request = CreateCommentRequest {
            mutation_id: new_id(),
            id: new_id(),
            body: body.into(),
            parent_id: None,
            attachment_ids: Vec::new(),
        };
        let reply = self
            .post(&format!("/posts/{}/comments", post.id), &request)
            .await;
        reply.assert_status(201).json()
    }

    pub async fn join(&self, group_id: &str) -> Reply {
        let request = JoinGroupRequest {
            mutation_id: new_id(),
        };
        self.post(&format!("/groups/{group_id}/join"), &request)
            .await
    }

    pub async fn add_member(&self, group_id: &str, email: &str) -> Reply {
        let request = AddMemberRequest {
            mutation_id: new_id(),
            email: email.into(),
        };
        self.post(&format!("/groups/{group_id}/members"), &request)
            .await
    }

    pub async fn sync(&self, since: Option<&Cursor>) -> SyncResponse {
        let path = match since {
            Some(cursor) => format!("/sync?since={cursor}"),
            None => "/sync".to_string(),
        };
        self.get(&path).await.assert_status(200).json()
    }

    /// Pulls until the server says there is no more.
    pub async fn sync_all(&self, since: Option<&Cursor>, limit: i64) -> (Vec<Change>, Cursor) {
        let mut changes = Vec::new();
        let mut cursor = since.cloned();
        loop {
            let path = match &cursor {
                Some(c) => format!("/sync?since={c}&limit={limit}"),
                None => format!("/sync?limit={limit}"),
            };
            let page: SyncResponse = self.get(&path).await.assert_status(200).json();
            changes.extend(page.changes);
            cursor = Some(page.cursor);
            if !page.has_more {
                return (changes, cursor.expect("cursor"));
            }
        }
    }
}

/// The posts, comments and groups named in changes, as ids.
pub fn ids_in(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .map(|change| match change {
            Change::User { user } => user.id.clone(),
            Change::Group { group } => group.id.clone(),
            Change::Membership { membership } => {
                format!("{}/{}", membership.group_id, membership.user_id)
            }
            Change::Post { post } => post.id.clone(),
            Change::Comment { comment } => comment.id.clone(),
            Change::MembershipRemoved { group_id, user_id } => format!("-{group_id}/{user_id}"),
            Change::Purge { group_id } => format!("purge {group_id}"),
            Change::JoinRequest { request } => {
                format!("request {}/{}", request.group_id, request.user_id)
            }
            Change::JoinRequestRemoved { group_id, user_id } => {
                format!("-request {group_id}/{user_id}")
            }
            Change::Reaction { reaction } => format!("{}:{}", reaction.target_id, reaction.user_id),
            Change::ReactionRemoved { target_id, user_id } => format!("-{target_id}:{user_id}"),
            Change::Notification { notification } => notification.id.clone(),
            Change::GroupSettings { settings } => {
                format!("settings {}/{}", settings.group_id, settings.user_id)
            }
            Change::PollVote { vote } => format!("vote {}:{}", vote.post_id, vote.user_id),
            Change::PollVoteRemoved { post_id, user_id } => format!("-vote {post_id}:{user_id}"),
            Change::PostSeen { seen } => format!("seen {}:{}", seen.post_id, seen.user_id),
            Change::Unknown => "unknown".into(),
        })
        .collect()
}
