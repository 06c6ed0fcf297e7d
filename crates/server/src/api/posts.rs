//! `/posts` endpoints.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::{CreateCommentRequest, CreatePostRequest, PostWithComments};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::mutation::idempotent;
use super::AppState;
use crate::ops;

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

pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
) -> Result<Json<PostWithComments>, ApiError> {
    Ok(Json(
        ops::posts::get(&state.db, &auth.user, &post_id).await?,
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
        async |write| ops::posts::create_comment(write, user, &post_id, &request).await,
    )
    .await
}
