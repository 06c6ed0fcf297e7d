//! `/posts` endpoints: create, read, edit, delete, pin, history, comments
//! and reactions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::{
    CreateCommentRequest, CreatePostRequest, EditTextRequest, MutationRequest, PinRequest,
    PostVersion, PostWithComments, ReactRequest, Reaction,
};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::mutation::idempotent;
use super::AppState;
use crate::ops;
use crate::ops::reactions::Target;

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(request): ApiJson<CreatePostRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    idempotent(
        &state,
        user,
        &request.mutation_id,
        "create_post",
        &request,
        StatusCode::CREATED,
        async |write| ops::posts::create_post(write, user, &request).await,
    )
    .await
}

/// `GET /posts/{id}`: the post with its comments and reactions. A deleted
/// post answers 200 with its tombstone (empty body, `deleted_at` set).
pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
) -> Result<Json<PostWithComments>, ApiError> {
    Ok(Json(
        ops::posts::get(&state.db, &auth.user, &post_id).await?,
    ))
}

/// `PATCH /posts/{id}`: the author edits; answers the post.
pub async fn edit(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<EditTextRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("edit_post {post_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::posts::edit_post(write, user, &post_id, &request).await,
    )
    .await
}

/// `DELETE /posts/{id}`: answers the tombstone.
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("delete_post {post_id}");
    // A post's attachments never change, so reading them first is safe.
    let blobs = ops::attachments::blobs_of_post(&state.db, &post_id).await?;
    let response = idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::posts::delete_post(write, user, &post_id).await,
    )
    .await?;
    ops::attachments::forget_blobs(&state.db, state.blobs.as_ref(), &blobs).await;
    Ok(response)
}

/// `POST /posts/{id}/pin`: answers the post.
pub async fn pin(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<PinRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("pin_post {post_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::posts::pin_post(write, user, &post_id, request.pinned).await,
    )
    .await
}

/// `GET /posts/{id}/history`: earlier versions, oldest first.
pub async fn history(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
) -> Result<Json<Vec<PostVersion>>, ApiError> {
    Ok(Json(
        ops::posts::history(&state.db, &auth.user, &post_id).await?,
    ))
}

pub async fn comment(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<CreateCommentRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("comment {post_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::CREATED,
        async |write| ops::comments::create_comment(write, user, &post_id, &request).await,
    )
    .await
}

/// `PUT /posts/{id}/reaction`: answers `ReactionResponse`.
pub async fn react(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<ReactRequest>,
) -> Result<Response, ApiError> {
    set_reaction(state, auth, Target::Post, post_id, request).await
}

/// `DELETE /posts/{id}/reaction`: answers `ReactionResponse` (no reaction).
pub async fn unreact(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    remove_reaction(state, auth, Target::Post, post_id, request).await
}

/// `GET /posts/{id}/reactions`: who reacted with what to the post and its comments.
pub async fn reactions(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
) -> Result<Json<Vec<Reaction>>, ApiError> {
    Ok(Json(
        ops::reactions::of_post(&state.db, &auth.user, &post_id).await?,
    ))
}

fn target_name(target: Target) -> &'static str {
    match target {
        Target::Post => "post",
        Target::Comment => "comment",
    }
}

/// Shared by the post and comment reaction endpoints.
pub(super) async fn set_reaction(
    state: AppState,
    auth: AuthUser,
    target: Target,
    id: String,
    request: ReactRequest,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("react {} {id}", target_name(target));
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::reactions::react(write, user, target, &id, request.kind).await,
    )
    .await
}

pub(super) async fn remove_reaction(
    state: AppState,
    auth: AuthUser,
    target: Target,
    id: String,
    request: MutationRequest,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("unreact {} {id}", target_name(target));
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::reactions::unreact(write, user, target, &id).await,
    )
    .await
}
