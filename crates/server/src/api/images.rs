//! Profile pictures (`/me/avatar`, `/admin/users/{id}/avatar`) and group
//! covers (`/groups/{id}/cover`). The image is uploaded first
//! (`POST /attachments`), then chosen here by id.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use commons_protocol::openapi::Id;
use commons_protocol::{ErrorBody, Group, MutationRequest, SetImageRequest, User};
use serde::Serialize;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::mutation::idempotent;
use super::AppState;
use crate::ops;
use crate::ops::images::Replaced;
use crate::ops::OpResult;

/// Runs an image write idempotently, then forgets the files of the image it
/// replaced.
async fn replace<R: Serialize, T: Serialize>(
    state: &AppState,
    auth: &AuthUser,
    mutation_id: &str,
    endpoint: &str,
    request: &R,
    apply: impl for<'w> AsyncFnOnce(&'w mut crate::db::Write) -> OpResult<Replaced<T>>,
) -> Result<Response, ApiError> {
    let mut forget = Vec::new();
    let response = idempotent(
        state,
        &auth.user,
        mutation_id,
        endpoint,
        request,
        StatusCode::OK,
        async |write| {
            let (value, blobs) = apply(write).await?;
            forget = blobs;
            Ok::<T, ops::OpError>(value)
        },
    )
    .await?;
    ops::attachments::forget_blobs(&state.db, state.blobs.as_ref(), &forget).await;
    Ok(response)
}

#[utoipa::path(
    put,
    path = "/api/v1/me/avatar",
    operation_id = "set_my_avatar",
    tag = "people",
    summary = "Set the caller's profile picture",
    description = "The attachment must be the caller's own upload, used for nothing else, \
        and an image the server decoded (it has a thumbnail, for lists). It replaces the \
        earlier picture, whose file is deleted. Every signed-in person may fetch it; \
        everyone sees the change through sync (`User.avatar_id`).",
    request_body = SetImageRequest,
    responses(
        (status = 200, description = "The caller with the new picture", body = User),
        (status = 400, description = "`bad_request`: not the caller's unused upload, or not an image", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn set_my_avatar(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(request): ApiJson<SetImageRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    replace(
        &state,
        &auth,
        &request.mutation_id,
        "set_avatar",
        &request,
        async |w| ops::images::set_avatar(w, user, &request.attachment_id).await,
    )
    .await
}

#[utoipa::path(
    delete,
    path = "/api/v1/me/avatar",
    operation_id = "remove_my_avatar",
    tag = "people",
    summary = "Remove the caller's profile picture",
    description = "Its file is deleted. Removing no picture changes nothing.",
    request_body = MutationRequest,
    responses((status = 200, description = "The caller without a picture", body = User)),
    security(("bearer" = []))
)]
pub async fn remove_my_avatar(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    replace(
        &state,
        &auth,
        &request.mutation_id,
        "remove_avatar",
        &request,
        async |w| ops::images::remove_avatar(w, user, &user.id).await,
    )
    .await
}

#[utoipa::path(
    delete,
    path = "/api/v1/admin/users/{id}/avatar",
    operation_id = "remove_user_avatar",
    tag = "admin",
    summary = "Remove someone's profile picture (organisation admins)",
    params(("id" = Id, Path, description = "The person's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "The person without a picture", body = User),
        (status = 403, description = "`forbidden`: the caller is not an organisation admin", body = ErrorBody),
        (status = 404, description = "`not_found`: no such person", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn remove_user_avatar(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(user_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("remove_avatar {user_id}");
    replace(
        &state,
        &auth,
        &request.mutation_id,
        &endpoint,
        &request,
        async |w| ops::images::remove_avatar(w, user, &user_id).await,
    )
    .await
}

#[utoipa::path(
    put,
    path = "/api/v1/groups/{id}/cover",
    operation_id = "set_group_cover",
    tag = "groups",
    summary = "Set a group's cover image (its admins, organisation admins)",
    description = "The attachment must be the caller's own upload, used for nothing else, \
        and an image the server decoded. It replaces the earlier cover, whose file is \
        deleted. Whoever sees the group may fetch it (`Group.cover_id`).",
    params(("id" = Id, Path, description = "The group's id")),
    request_body = SetImageRequest,
    responses(
        (status = 200, description = "The group with its new cover", body = Group),
        (status = 400, description = "`bad_request`: not the caller's unused upload, or not an image", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller is not an admin of the group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group, or a secret one the caller is not in", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn set_cover(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
    ApiJson(request): ApiJson<SetImageRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("set_cover {group_id}");
    replace(
        &state,
        &auth,
        &request.mutation_id,
        &endpoint,
        &request,
        async |w| ops::images::set_cover(w, user, &group_id, Some(&request.attachment_id)).await,
    )
    .await
}

#[utoipa::path(
    delete,
    path = "/api/v1/groups/{id}/cover",
    operation_id = "remove_group_cover",
    tag = "groups",
    summary = "Remove a group's cover image (its admins, organisation admins)",
    params(("id" = Id, Path, description = "The group's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "The group without a cover", body = Group),
        (status = 403, description = "`forbidden`: the caller is not an admin of the group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group, or a secret one the caller is not in", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn remove_cover(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("remove_cover {group_id}");
    replace(
        &state,
        &auth,
        &request.mutation_id,
        &endpoint,
        &request,
        async |w| ops::images::set_cover(w, user, &group_id, None).await,
    )
    .await
}
