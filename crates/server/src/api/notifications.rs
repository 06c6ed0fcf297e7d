//! `/notifications` endpoints: the caller's own notifications and their read state.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::openapi::Id;
use commons_protocol::{ErrorBody, MutationRequest, Notification, NotificationPage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::mutation::idempotent;
use super::AppState;
use crate::ops;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next` of the previous page; absent for the first (newest) page.
    before: Option<String>,
    /// Notifications per page: 50 by default, at most 200 (larger values are clamped).
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    operation_id = "list_notifications",
    tag = "notifications",
    summary = "The caller's notifications, newest first",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of notifications and the unread count", body = NotificationPage),
        (status = 400, description = "`bad_request`: an invalid `before` cursor", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/notifications/{id}/read",
    operation_id = "mark_notification_read",
    tag = "notifications",
    summary = "Mark one of the caller's notifications read",
    params(("id" = Id, Path, description = "The notification's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "The notification (`read_at` set)", body = Notification),
        (status = 404, description = "`not_found`: no such notification of the caller", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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

/// Answer of `POST /api/v1/notifications/read-all`.
#[derive(Serialize, ToSchema)]
pub struct MarkedRead {
    /// How many notifications were unread and are now read.
    marked_read: i64,
}

#[utoipa::path(
    post,
    path = "/api/v1/notifications/read-all",
    operation_id = "mark_all_notifications_read",
    tag = "notifications",
    summary = "Mark all the caller's notifications read",
    request_body = MutationRequest,
    responses((status = 200, description = "How many were marked read", body = MarkedRead)),
    security(("bearer" = []))
)]
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
            let marked_read = ops::notifications::mark_all_read(write, user).await?;
            Ok::<_, ApiError>(MarkedRead { marked_read })
        },
    )
    .await
}
