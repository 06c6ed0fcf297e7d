//! `/comments` endpoints: edit, delete, reactions. Comments are created
//! under their post (`POST /posts/{id}/comments`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use commons_protocol::openapi::Id;
use commons_protocol::{
    Comment, EditTextRequest, ErrorBody, MutationRequest, ReactRequest, ReactionResponse,
};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::mutation::idempotent;
use super::posts::{remove_reaction, set_reaction};
use super::AppState;
use crate::db::attachments::Owner;
use crate::ops;
use crate::ops::reactions::Target;

/// `PATCH /comments/{id}`: the author edits; answers the comment.
#[utoipa::path(
    patch,
    path = "/api/v1/comments/{id}",
    operation_id = "edit_comment",
    tag = "comments",
    summary = "Edit a comment (its author)",
    params(("id" = Id, Path, description = "The comment's id")),
    request_body = EditTextRequest,
    responses(
        (status = 200, description = "The comment after the edit", body = Comment),
        (status = 400, description = "`bad_request`: an empty or too long body", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller is not the author", body = ErrorBody),
        (status = 404, description = "`not_found`: no such comment, or one in a group whose posts the caller may not read", body = ErrorBody),
        (status = 409, description = "`conflict`: the comment was deleted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn edit(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(comment_id): Path<String>,
    ApiJson(request): ApiJson<EditTextRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("edit_comment {comment_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::comments::edit_comment(write, user, &comment_id, &request).await,
    )
    .await
}

/// `DELETE /comments/{id}`: answers the tombstone.
#[utoipa::path(
    delete,
    path = "/api/v1/comments/{id}",
    operation_id = "delete_comment",
    tag = "comments",
    summary = "Delete a comment (its author, the group's admins and moderators, organisation admins)",
    description = "The comment becomes a tombstone, kept so replies keep their place; its \
        reactions are deleted. Deleting again answers the tombstone.",
    params(("id" = Id, Path, description = "The comment's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "The tombstone", body = Comment),
        (status = 403, description = "`forbidden`: the caller may not delete this comment", body = ErrorBody),
        (status = 404, description = "`not_found`: no such comment, or one in a group whose posts the caller may not read", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(comment_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("delete_comment {comment_id}");
    let mut blobs = Vec::new();
    let response = idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| {
            blobs = ops::attachments::blobs_of(write.conn(), Owner::Comment(&comment_id)).await?;
            ops::comments::delete_comment(write, user, &comment_id).await
        },
    )
    .await?;
    ops::attachments::forget_blobs(&state.db, state.blobs.as_ref(), &blobs).await;
    Ok(response)
}

/// `PUT /comments/{id}/reaction`
#[utoipa::path(
    put,
    path = "/api/v1/comments/{id}/reaction",
    operation_id = "react_to_comment",
    tag = "reactions",
    summary = "Set the caller's reaction to a comment (members)",
    description = "One reaction per person and comment: this replaces the caller's earlier one.",
    params(("id" = Id, Path, description = "The comment's id")),
    request_body = ReactRequest,
    responses(
        (status = 200, description = "The caller's reaction", body = ReactionResponse),
        (status = 403, description = "`forbidden`: the caller is not a member of the (open) group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such comment, or one in a group whose posts the caller may not read", body = ErrorBody),
        (status = 409, description = "`conflict`: the comment or its post was deleted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn react(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(comment_id): Path<String>,
    ApiJson(request): ApiJson<ReactRequest>,
) -> Result<Response, ApiError> {
    set_reaction(state, auth, Target::Comment, comment_id, request).await
}

/// `DELETE /comments/{id}/reaction`
#[utoipa::path(
    delete,
    path = "/api/v1/comments/{id}/reaction",
    operation_id = "unreact_to_comment",
    tag = "reactions",
    summary = "Remove the caller's reaction to a comment",
    params(("id" = Id, Path, description = "The comment's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "No reaction (`reaction` is null)", body = ReactionResponse),
        (status = 404, description = "`not_found`: no such comment, or one in a group whose posts the caller may not read", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn unreact(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(comment_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    remove_reaction(state, auth, Target::Comment, comment_id, request).await
}
