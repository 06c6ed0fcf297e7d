//! The HTTP API: routes, shared state and middleware. Handlers are thin:
//! they extract, call `ops`, and answer.

mod attachments;
mod audit;
mod auth;
mod comments;
mod error;
mod export;
mod extract;
mod feed;
mod groups;
mod images;
mod membership;
mod mutation;
mod notifications;
mod openapi;
mod people;
mod polls;
mod posts;
mod retention;
mod search;
mod sso;
mod stream;
mod sync;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::http::Request;
use axum::middleware;
use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use commons_protocol::API_PREFIX;
use tokio::sync::watch;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use error::ApiError;
pub use openapi::ApiDoc;

use crate::config::StreamTuning;
use crate::db::Database;
use crate::hub::Hub;
use crate::observe::{self, Metrics};
use crate::ops::login_limit::LoginLimiter;
use crate::ops::write_limit::WriteLimiter;

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
    /// Counts each person's writes (see [`auth::AuthUser`]).
    pub writes: WriteLimiter,
    pub sync: crate::config::SyncTuning,
    /// See [`crate::ServerConfig::trust_forwarded_for`].
    pub trust_forwarded_for: bool,
    /// Where attachment files are stored.
    pub blobs: std::sync::Arc<dyn crate::blobs::AttachmentStore>,
    pub attachments: crate::config::AttachmentLimits,
    pub metrics: Metrics,
    /// The identity provider's client, when single sign-on is set up.
    pub sso: Option<std::sync::Arc<crate::oidc::OidcClient>>,
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/sso", get(sso::info))
        .route("/auth/sso/start", get(sso::start))
        .route("/auth/sso/callback", get(sso::callback))
        .route("/auth/sso/token", post(sso::token))
        .route("/me", get(auth::me).patch(people::update_me))
        .route(
            "/me/avatar",
            put(images::set_my_avatar).delete(images::remove_my_avatar),
        )
        .route("/users", get(people::directory))
        .route("/users/{id}", get(people::get))
        .route("/users/by-handle/{handle}", get(people::by_handle))
        .route("/me/export", get(export::mine))
        .route("/admin/audit", get(audit::list))
        .route("/admin/users", post(people::invite))
        .route(
            "/admin/retention",
            get(retention::list)
                .put(retention::set)
                .delete(retention::clear),
        )
        .route("/admin/users/{id}/erase", post(retention::erase))
        .route("/admin/export", get(export::organisation))
        .route("/admin/users/{id}/deactivate", post(people::deactivate))
        .route("/admin/users/{id}/reactivate", post(people::reactivate))
        .route("/admin/users/{id}/role", post(people::set_role))
        .route(
            "/admin/users/{id}/avatar",
            delete(images::remove_user_avatar),
        )
        .route("/search", get(search::search))
        .route("/sync", get(sync::pull))
        .route("/stream", get(stream::connect))
        .route("/groups", get(groups::list).post(groups::create))
        .route("/groups/{id}", get(groups::get))
        .route("/groups/{id}/join", post(groups::join))
        .route("/groups/{id}/members", post(groups::add_member))
        .route("/groups/{id}", patch(groups::update))
        .route("/groups/{id}/settings", put(groups::settings))
        .route(
            "/groups/{id}/cover",
            put(images::set_cover).delete(images::remove_cover),
        )
        .route("/groups/{id}/members", get(membership::members))
        .route("/groups/{id}/leave", post(membership::leave))
        .route(
            "/groups/{id}/members/{user_id}/remove",
            post(membership::remove),
        )
        .route(
            "/groups/{id}/members/{user_id}/role",
            post(membership::set_role),
        )
        .route("/groups/{id}/requests", get(membership::requests))
        .route(
            "/groups/{id}/requests/{user_id}/approve",
            post(membership::approve),
        )
        .route(
            "/groups/{id}/requests/{user_id}/decline",
            post(membership::decline),
        )
        .route("/groups/{id}/posts", get(feed::group_posts))
        .route("/feed", get(feed::home))
        // The upload enforces its own, larger limit while streaming.
        .route(
            "/attachments",
            post(attachments::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/attachments/{id}", get(attachments::download))
        .route("/attachments/{id}/thumbnail", get(attachments::thumbnail))
        .route("/posts", post(posts::create))
        .route(
            "/posts/{id}",
            get(posts::get).patch(posts::edit).delete(posts::delete),
        )
        .route("/posts/{id}/comments", post(posts::comment))
        .route("/posts/{id}/history", get(posts::history))
        .route("/posts/{id}/pin", post(posts::pin))
        .route(
            "/posts/{id}/reaction",
            put(posts::react).delete(posts::unreact),
        )
        .route("/posts/{id}/reactions", get(posts::reactions))
        .route("/posts/{id}/vote", put(polls::vote).delete(polls::unvote))
        .route("/posts/{id}/poll", get(polls::results))
        .route("/posts/{id}/poll/close", post(polls::close))
        .route("/posts/{id}/announce", post(polls::announce))
        .route(
            "/posts/{id}/seen",
            get(polls::seen_by).post(polls::mark_seen),
        )
        .route(
            "/comments/{id}",
            patch(comments::edit).delete(comments::delete),
        )
        .route(
            "/comments/{id}/reaction",
            put(comments::react).delete(comments::unreact),
        )
        .route("/notifications", get(notifications::list))
        .route(
            "/notifications/read-all",
            post(notifications::mark_all_read),
        )
        .route("/notifications/{id}/read", post(notifications::mark_read))
        .route("/openapi.json", get(openapi::openapi_json));
    let request_id = HeaderName::from_static(observe::REQUEST_ID_HEADER);
    Router::new()
        .route("/healthz", get(observe::healthz))
        .route("/readyz", get(observe::readyz))
        .route("/metrics", get(observe::metrics_text))
        .nest(API_PREFIX, api)
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), audit_source))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            observe::track_requests,
        ))
        .layer(
            // Log the path only: the query may carry an access token.
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let id = request
                        .headers()
                        .get(observe::REQUEST_ID_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // Outside the trace layer, so the span sees the id; a proxy's id is kept.
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Makes the client's address the source of the audit events the request records.
async fn audit_source(
    extract::ClientAddr(source): extract::ClientAddr,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    crate::ops::audit::with_source(source, next.run(request)).await
}
