//! `/comments` endpoints: edit, delete, reactions. Comments are created
//! under their post (`POST /posts/{id}/comments`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use commons_protocol::{EditTextRequest, MutationRequest, ReactRequest};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::mutation::idempotent;
use super::posts::{remove_reaction, set_reaction};
use super::AppState;
use crate::ops;
use crate::ops::reactions::Target;

/// `PATCH /comments/{id}`: the author edits; answers the comment.
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
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(comment_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("delete_comment {comment_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::comments::delete_comment(write, user, &comment_id).await,
    )
    .await
}

/// `PUT /comments/{id}/reaction`
pub async fn react(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(comment_id): Path<String>,
    ApiJson(request): ApiJson<ReactRequest>,
) -> Result<Response, ApiError> {
    set_reaction(state, auth, Target::Comment, comment_id, request).await
}

/// `DELETE /comments/{id}/reaction`
pub async fn unreact(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(comment_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    remove_reaction(state, auth, Target::Comment, comment_id, request).await
}
