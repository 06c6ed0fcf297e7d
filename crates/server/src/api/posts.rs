//! `/posts` endpoints.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::{CreateCommentRequest, CreatePostRequest, PostWithComments};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::mutation::{Begun, Mutation};
use super::AppState;
use crate::ops;

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(request): ApiJson<CreatePostRequest>,
) -> Result<Response, ApiError> {
    let begun = Mutation::begin(
        &state.db,
        &auth.user,
        &request.mutation_id,
        "create_post",
        &request,
    );
    let mut m = match begun.await? {
        Begun::Replay(response) => return Ok(response),
        Begun::Fresh(m) => m,
    };
    let post = ops::posts::create_post(m.write(), &auth.user, &request).await?;
    m.finish(&state.hub, StatusCode::CREATED, &post).await
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
    let endpoint = format!("comment {post_id}");
    let begun = Mutation::begin(
        &state.db,
        &auth.user,
        &request.mutation_id,
        &endpoint,
        &request,
    );
    let mut m = match begun.await? {
        Begun::Replay(response) => return Ok(response),
        Begun::Fresh(m) => m,
    };
    let comment = ops::posts::create_comment(m.write(), &auth.user, &post_id, &request).await?;
    m.finish(&state.hub, StatusCode::CREATED, &comment).await
}
