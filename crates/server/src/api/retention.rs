//! `/admin/retention` (retention policies) and `/admin/users/{id}/erase`
//! (the right to erasure), for organisation admins.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::openapi::Id;
use commons_protocol::{
    ClearRetentionRequest, ErasureReport, ErrorBody, MutationRequest, RetentionPolicies,
    SetRetentionRequest,
};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::mutation::idempotent;
use super::AppState;
use crate::ops;

#[utoipa::path(
    get,
    path = "/api/v1/admin/retention",
    operation_id = "list_retention_policies",
    tag = "admin",
    summary = "List the retention policies (organisation admins)",
    description = "The organisation's policy first (no `group_id`), then each group's, which \
        overrides the organisation's for that group.",
    responses(
        (status = 200, description = "Every policy", body = RetentionPolicies),
        (status = 403, description = "`forbidden`: the caller is not an organisation admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<RetentionPolicies>, ApiError> {
    Ok(Json(ops::retention::list(&state.db, &auth.user).await?))
}

#[utoipa::path(
    put,
    path = "/api/v1/admin/retention",
    operation_id = "set_retention_policy",
    tag = "admin",
    summary = "Set the organisation's retention policy, or a group's (organisation admins)",
    description = "Posts created more than `max_age_days` days ago are deleted (as tombstones \
        that sync, with their comments, reactions, votes, history and files) by the server's \
        retention job. Pinned posts and announcements still running are kept. A group's \
        policy (`group_id`) overrides the organisation's. Audited.",
    request_body = SetRetentionRequest,
    responses(
        (status = 200, description = "Every policy, after the change", body = RetentionPolicies),
        (status = 400, description = "`bad_request`: `max_age_days` out of range or a malformed group id", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller is not an organisation admin", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn set(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(request): ApiJson<SetRetentionRequest>,
) -> Result<Response, ApiError> {
    let actor = &auth.user;
    idempotent(
        &state,
        actor,
        &request.mutation_id,
        "set_retention",
        &request,
        StatusCode::OK,
        async |write| {
            let group_id = request.group_id.as_deref();
            ops::retention::set(write, Some(actor), group_id, request.max_age_days).await
        },
    )
    .await
}

#[utoipa::path(
    delete,
    path = "/api/v1/admin/retention",
    operation_id = "clear_retention_policy",
    tag = "admin",
    summary = "Remove the organisation's retention policy, or a group's (organisation admins)",
    description = "Without a policy of its own a group follows the organisation's; without \
        either, nothing is deleted. Removing a policy that is not there changes nothing. Audited.",
    request_body = ClearRetentionRequest,
    responses(
        (status = 200, description = "Every policy, after the change", body = RetentionPolicies),
        (status = 403, description = "`forbidden`: the caller is not an organisation admin", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn clear(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(request): ApiJson<ClearRetentionRequest>,
) -> Result<Response, ApiError> {
    let actor = &auth.user;
    idempotent(
        &state,
        actor,
        &request.mutation_id,
        "clear_retention",
        &request,
        StatusCode::OK,
        async |write| ops::retention::clear(write, Some(actor), request.group_id.as_deref()).await,
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/erase",
    operation_id = "erase_user",
    tag = "admin",
    summary = "Erase a person (right to erasure; organisation admins)",
    description = "Applies docs/data-control.md: the person's posts and comments become \
        tombstones (text, history and files gone), their reactions, votes, memberships, join \
        requests, settings and notifications go, their profile becomes \"Former member\", every \
        session ends and the account can never log in again. Everyone's clients forget it on \
        their next sync. Not oneself; not the last organisation admin. Erasing again changes \
        nothing. Audited with counts.",
    params(("id" = Id, Path, description = "The person's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "What was erased, and the person as everyone sees them now", body = ErasureReport),
        (status = 403, description = "`forbidden`: the caller is not an organisation admin, or names themselves", body = ErrorBody),
        (status = 404, description = "`not_found`: no such person", body = ErrorBody),
        (status = 409, description = "`conflict`: the person is the last active organisation admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn erase(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(user_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let actor = &auth.user;
    let endpoint = format!("erase {user_id}");
    let mut blobs = Vec::new();
    let response = idempotent(
        &state,
        actor,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| {
            let (report, gone): (ErasureReport, _) =
                ops::erasure::erase(write, Some(actor), &user_id).await?;
            blobs = gone;
            Ok::<_, ops::OpError>(report)
        },
    )
    .await?;
    ops::attachments::forget_blobs(&state.db, state.blobs.as_ref(), &blobs).await;
    // Done and answered whatever happens here; a failure leaves bytes to clean.
    if let Err(e) = ops::erasure::compact(&state.db).await {
        tracing::warn!(error = %e, "erasure: cannot compact the database");
    }
    Ok(response)
}
