//! `/notifications` endpoints: the caller's own notifications and their read state.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::{MutationRequest, NotificationPage};
use serde::{Deserialize, Serialize};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::mutation::idempotent;
use super::AppState;
use crate::ops;

#[derive(Deserialize)]
pub struct PageQuery {
    before: Option<String>,
    limit: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<NotificationPage>, ApiError> {
    let page =
        ops::notifications::list(&state.db, &auth.user, query.before.as_deref(), query.limit)
            .await?;
    Ok(Json(page))
}

pub async fn mark_read(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("read_notification {id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::notifications::mark_read(write, user, &id).await,
    )
    .await
}

#[derive(Serialize)]
struct MarkedRead {
    marked_read: i64,
}

pub async fn mark_all_read(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    idempotent(
        &state,
        user,
        &request.mutation_id,
        "read_all_notifications",
        &request,
        StatusCode::OK,
        async |write| {
            let marked_read = ops::notifications::mark_all_read(write, user, &request).await?;
            Ok::<_, ApiError>(MarkedRead { marked_read })
        },
    )
    .await
}
