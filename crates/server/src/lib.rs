//! The Commons server: a REST API over SQLite or PostgreSQL, a change log
//! read by clients through `GET /api/v1/sync`, and WebSocket pokes.
//!
//! Layers: [`api`] (HTTP) calls [`ops`] (rules: who may see and do what),
//! which reads and writes through [`db`] (SQL, one code path for both
//! databases). [`hub`] fans commits out to open WebSockets, across nodes
//! through PostgreSQL when several nodes share one database.

pub mod api;
pub mod backup;
pub mod blobs;
pub mod config;
pub mod db;
pub mod demo;
pub mod export;
pub mod hub;
pub mod import;
pub mod observe;
pub mod oidc;
pub mod ops;
mod secrets;
pub mod settings;
pub mod transfer;

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{
    AttachmentLimits, AttachmentStoreConfig, DatabaseConfig, LoginLimits, RetentionTuning,
    ServerConfig, SsoConfig, StreamTuning, SyncTuning, Tuning, WriteLimits,
};
use db::{Backend, Database, DbError};
use hub::Hub;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot listen for pokes on PostgreSQL: {0}")]
    Pokes(sqlx::Error),
    #[error("attachment store: {0}")]
    Attachments(blobs::StoreError),
    #[error("single sign-on: {0}")]
    Sso(oidc::OidcError),
}

/// A server accepting connections; see [`RunningServer::shutdown`].
pub struct RunningServer {
    addr: SocketAddr,
    db: Database,
    hub: Hub,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
    /// PostgreSQL only: relays pokes from all nodes to this one.
    relay: Option<JoinHandle<()>>,
    /// The retention job, unless `retention.interval` is off.
    retention: Option<JoinHandle<()>>,
}

/// Opens (and migrates) the database, binds the address and starts serving
/// in the background.
pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
    let db = Database::open(&config.database).await?;
    let bind_error = |source| StartError::Bind {
        addr: config.listen,
        source,
    };
    let listener = TcpListener::bind(config.listen).await.map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    let (shutdown, shutdown_seen) = watch::channel(false);
    let (hub, relay) = match (db.backend(), config.database.url.as_deref()) {
        (Backend::Postgres, Some(url)) => {
            let (hub, relay) = Hub::relayed(url, db.clone(), shutdown_seen.clone())
                .await
                .map_err(StartError::Pokes)?;
            (hub, Some(relay))
        }
        _ => (Hub::default(), None),
    };
    let blobs = open_attachment_store(&config.database, &config.attachment_store)?;
    let retention = config.tuning.retention.every.map(|every| {
        ops::retention::schedule(
            db.clone(),
            blobs.clone(),
            hub.clone(),
            every,
            shutdown_seen.clone(),
        )
    });
    let state = api::AppState {
        db: db.clone(),
        hub: hub.clone(),
        shutdown: shutdown_seen.clone(),
        stream: config.tuning.stream,
        logins: ops::login_limit::LoginLimiter::new(config.tuning.login),
        writes: ops::write_limit::WriteLimiter::new(config.tuning.writes),
        sync: config.tuning.sync,
        trust_forwarded_for: config.trust_forwarded_for,
        blobs,
        attachments: config.tuning.attachments,
        metrics: observe::Metrics::default(),
        sso: match config.sso.clone() {
            Some(sso) => Some(std::sync::Arc::new(
                oidc::OidcClient::new(sso).map_err(StartError::Sso)?,
            )),
            None => None,
        },
    };
    let mut stop = shutdown_seen;
    let app = api::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = stop.wait_for(|stopping| *stopping).await;
    });
    let task = tokio::spawn(async move { serve.await });
    Ok(RunningServer {
        addr,
        db,
        hub,
        shutdown,
        task,
        relay,
        retention,
    })
}

/// The attachment store of a data directory, as `serve` opens it; also for
/// the commands that read, fill or delete attachments without serving.
pub fn open_attachment_store(
    database: &DatabaseConfig,
    store: &AttachmentStoreConfig,
) -> Result<std::sync::Arc<dyn blobs::AttachmentStore>, StartError> {
    let data_dir = &database.data_dir;
    Ok(match store {
        AttachmentStoreConfig::Local => {
            std::sync::Arc::new(blobs::LocalStore::new(data_dir.join("attachments")))
        }
        AttachmentStoreConfig::S3(s3) => std::sync::Arc::new(
            blobs::S3Store::new(s3, &data_dir.join("attachments-spool"))
                .map_err(StartError::Attachments)?,
        ),
    })
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Stops accepting, closes WebSockets, lets requests in flight finish,
    /// then closes the database.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(true);
        let result = match self.task.await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        };
        if let Some(retention) = self.retention {
            // It stops between rounds, or after the batch in hand.
            let _ = retention.await;
        }
        if let Some(relay) = self.relay {
            // It holds a pool connection now and then; closing waits for those.
            let _ = relay.await;
        }
        self.db.close().await;
        result
    }
}
