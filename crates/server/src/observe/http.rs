//! The HTTP side of observability: a middleware that times and counts every
//! request by route, and the `/metrics`, `/healthz` and `/readyz` handlers.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::api::{ApiError, AppState};
use crate::db::migrate;

/// Set on every request that lacks it, echoed on the answer, and logged on
/// every line the request writes.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Counts and times each request under its route's pattern.
pub async fn track_requests(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    // Unmatched paths share one label, so probing random URLs cannot grow the series.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |path| path.as_str())
        .to_string();
    let response = next.run(request).await;
    state.metrics.request_answered(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "meta",
    summary = "Prometheus metrics",
    description = "This node's metrics in the OpenMetrics text format: requests and latency by \
        route, open stream connections, pokes sent, sync pages served, writes replayed, \
        database pool. No session needed: expose it to the monitoring network only.",
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text", body = String))
)]
pub async fn metrics_text(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(&state.db),
    )
        .into_response()
}

#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "meta",
    summary = "Liveness",
    description = "Answers while the server runs. Outside `/api/v1`; no session needed.",
    responses((status = 200, description = "`{\"status\":\"ok\"}`", body = Object))
)]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "meta",
    summary = "Readiness",
    description = "200 when this node can serve: its database answers and has every migration \
        this binary knows. 503 `unavailable` otherwise, with the reason, so a load balancer sends no traffic \
        to it. Outside `/api/v1`; no session needed.",
    responses(
        (status = 200, description = "`{\"status\":\"ready\",\"schema\":N}`", body = Object),
        (status = 503, description = "`unavailable`: the database does not answer or lacks migrations", body = commons_protocol::ErrorBody),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    match migrate::pending(&state.db).await {
        Ok(pending) if pending.is_empty() => Ok(Json(json!({
            "status": "ready",
            "schema": migrate::newest_known(),
        }))),
        Ok(pending) => Err(ApiError::Unavailable(format!(
            "database migrations not applied yet: {pending:?}"
        ))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: the database does not answer");
            Err(ApiError::Unavailable("the database does not answer".into()))
        }
    }
}
