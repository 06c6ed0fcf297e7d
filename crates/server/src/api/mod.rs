//! The HTTP API: routes, shared state and middleware. Handlers are thin:
//! they extract, call `ops`, and answer.

mod auth;
mod error;
mod extract;
mod groups;
mod mutation;
mod posts;
mod stream;
mod sync;

use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::routing::{get, post};
use axum::{Json, Router};
use commons_protocol::API_PREFIX;
use tokio::sync::watch;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use error::ApiError;

use crate::config::StreamTuning;
use crate::db::Database;
use crate::hub::Hub;
use crate::ops::login_limit::LoginLimiter;

/// Largest request body accepted; posts are far smaller (protocol limits).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub hub: Hub,
    /// Turns true when the server shuts down; open WebSockets close on it.
    pub shutdown: watch::Receiver<bool>,
    pub stream: StreamTuning,
    pub logins: LoginLimiter,
    /// See [`crate::ServerConfig::trust_forwarded_for`].
    pub trust_forwarded_for: bool,
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/users", get(auth::users))
        .route("/sync", get(sync::pull))
        .route("/stream", get(stream::connect))
        .route("/groups", get(groups::list).post(groups::create))
        .route("/groups/{id}", get(groups::get))
        .route("/groups/{id}/join", post(groups::join))
        .route("/groups/{id}/members", post(groups::add_member))
        .route("/groups/{id}/posts", get(groups::posts))
        .route("/posts", post(posts::create))
        .route("/posts/{id}", get(posts::get))
        .route("/posts/{id}/comments", post(posts::comment));
    Router::new()
        .route("/healthz", get(healthz))
        .nest(API_PREFIX, api)
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(
            // Log the path only: the query may carry an access token.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}
