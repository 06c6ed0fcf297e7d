//! The servers under load: `commons-server serve` processes started by
//! `commons-testkit` (one on SQLite, or several on one fresh PostgreSQL
//! database), or a server started elsewhere (`--server URL`).
//!
//! Separate processes, so that their memory (`VmRSS`) is the server's alone,
//! not the load generator's and its client cores'.

use std::path::{Path, PathBuf};

use anyhow::Context;
use commons_server::db::Database;
use commons_server::ops::users::NewUser;
use commons_server::DatabaseConfig;
use commons_testkit::TestServer;
use sqlx::{AssertSqlSafe, Connection};
use uuid::Uuid;

/// The account that seeds the members (organisation admin).
pub const ADMIN_EMAIL: &str = "load-admin@load.example";
pub const PASSWORD: &str = "commons-load-password";

pub struct Nodes {
    /// One URL per node, `http://ADDR`.
    pub urls: Vec<String>,
    servers: Vec<TestServer>,
    scratch: Option<ScratchDatabase>,
    pub backend: String,
}

impl Nodes {
    /// A server started elsewhere: nothing to start, no memory to read.
    pub fn external(url: &str) -> Nodes {
        Nodes {
            urls: vec![url.trim_end_matches('/').to_owned()],
            servers: Vec::new(),
            scratch: None,
            backend: "external server".into(),
        }
    }

    /// `count` nodes: SQLite in `dir` when `postgres` is `None` (one node only),
    /// else a fresh database on that PostgreSQL server, dropped by [`Nodes::stop`].
    /// Creates the admin account before the nodes start.
    pub async fn start(
        bin: &Path,
        dir: &Path,
        count: usize,
        postgres: Option<&str>,
    ) -> anyhow::Result<Nodes> {
        anyhow::ensure!(count >= 1, "--nodes must be at least 1");
        anyhow::ensure!(
            count == 1 || postgres.is_some(),
            "several nodes need --postgres (SQLite serves one node)"
        );
        let scratch = match postgres {
            Some(admin_url) => Some(ScratchDatabase::create(admin_url).await?),
            None => None,
        };
        let database_url = scratch.as_ref().map(|s| s.url.clone());
        // Migrates the schema and creates the admin, through the server's library.
        let db = Database::open(&DatabaseConfig::new(
            dir.join("node0"),
            database_url.clone(),
        ))
        .await
        .context("cannot open the server database")?;
        commons_server::ops::users::create(
            &db,
            NewUser {
                email: ADMIN_EMAIL.into(),
                name: "Load Admin".into(),
                password: PASSWORD.into(),
                is_admin: true,
            },
        )
        .await
        .context("cannot create the admin account")?;
        db.close().await;

        let mut env = vec![
            // The bench's posters write far faster than a person may.
            ("COMMONS_LIMITS_WRITES_PER_PERSON", "1000000000"),
            // Logging every request would measure the log file.
            ("RUST_LOG", "warn"),
        ];
        if let Some(url) = &database_url {
            env.push(("COMMONS_DATABASE_URL", url.as_str()));
        }
        let mut servers = Vec::new();
        for i in 0..count {
            let data = dir.join(format!("node{i}"));
            let server = tokio::task::spawn_blocking({
                let (bin, env) = (bin.to_path_buf(), env.clone());
                let env: Vec<(String, String)> = env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                move || {
                    let env: Vec<(&str, &str)> =
                        env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    TestServer::spawn(&bin, &data, "127.0.0.1:0", &env)
                }
            })
            .await?
            .map_err(anyhow::Error::msg)?;
            servers.push(server);
        }
        Ok(Nodes {
            urls: servers.iter().map(TestServer::url).collect(),
            servers,
            scratch,
            backend: match postgres {
                Some(_) => format!("PostgreSQL, {count} node(s)"),
                None => "SQLite, 1 node".into(),
            },
        })
    }

    /// `VmRSS` of each node process, in MiB (`None`: not ours to read).
    pub fn rss_mib(&self) -> Vec<Option<f64>> {
        self.servers
            .iter()
            .map(|s| s.rss_bytes().map(|b| b as f64 / (1024.0 * 1024.0)))
            .collect()
    }

    /// CPU seconds each node process has used so far.
    pub fn cpu_seconds(&self) -> Vec<f64> {
        self.servers
            .iter()
            .map(|s| crate::procfs::cpu_seconds(&s.pid().to_string()))
            .collect()
    }

    /// The node URL for the `i`th client (round robin).
    pub fn url_for(&self, i: usize) -> &str {
        &self.urls[i % self.urls.len()]
    }

    /// SIGTERM to every node, then drops the scratch database.
    pub async fn stop(self) -> anyhow::Result<()> {
        for server in self.servers {
            let clean = tokio::task::spawn_blocking(move || server.terminate()).await??;
            if !clean {
                eprintln!("warning: a node did not exit cleanly on SIGTERM");
            }
        }
        if let Some(scratch) = self.scratch {
            scratch.drop().await;
        }
        Ok(())
    }
}

/// The `commons-server` binary: `--server-bin`, else `COMMONS_SERVER_BIN`,
/// else the one beside this program (`target/release/` for a release build).
pub fn server_bin(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(bin) = flag.or_else(|| std::env::var_os("COMMONS_SERVER_BIN").map(PathBuf::from)) {
        return Ok(bin);
    }
    let me = std::env::current_exe()?;
    let beside = me.with_file_name("commons-server");
    anyhow::ensure!(
        beside.exists(),
        "{} is missing: build it (cargo build --release -p commons-server) or pass --server-bin",
        beside.display()
    );
    Ok(beside)
}

/// A PostgreSQL database of the bench's own, as the server's multinode tests make one.
struct ScratchDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    async fn create(admin_url: &str) -> anyhow::Result<ScratchDatabase> {
        sqlx::any::install_default_drivers();
        let name = format!("commons_load_{}", Uuid::new_v4().simple());
        let mut admin = sqlx::AnyConnection::connect(admin_url)
            .await
            .with_context(|| format!("PostgreSQL is not reachable at {admin_url}"))?;
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .with_context(|| format!("cannot create the database {name}"))?;
        let _ = admin.close().await;
        let mut url = reqwest::Url::parse(admin_url).context("--postgres is not a URL")?;
        url.set_path(&name);
        eprintln!("created the PostgreSQL database {name}");
        Ok(ScratchDatabase {
            admin_url: admin_url.to_owned(),
            name,
            url: url.to_string(),
        })
    }

    async fn drop(self) {
        let dropped = async {
            let mut admin = sqlx::AnyConnection::connect(&self.admin_url).await?;
            sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut admin)
            .await?;
            admin.close().await
        };
        if let Err(e) = dropped.await {
            eprintln!("warning: could not drop the database {}: {e}", self.name);
        }
    }
}
