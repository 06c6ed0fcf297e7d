//! People: `PATCH /me`, the directory (`GET /users`), profiles by id or
//! handle, and the organisation admin's `/admin/users/{id}/...` writes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::{MutationRequest, SetOrgAdminRequest, UpdateProfileRequest, User, UserPage};
use serde::Deserialize;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::mutation::idempotent;
use super::AppState;
use crate::ops;
use crate::ops::people::DirectoryParams;

pub async fn update_me(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(request): ApiJson<UpdateProfileRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    idempotent(
        &state,
        user,
        &request.mutation_id,
        "update_profile",
        &request,
        StatusCode::OK,
        async |write| ops::people::update_profile(write, user, &request).await,
    )
    .await
}

#[derive(Deserialize)]
pub struct DirectoryQuery {
    q: Option<String>,
    after: Option<String>,
    limit: Option<i64>,
    #[serde(default)]
    include_deactivated: bool,
}

pub async fn directory(
    State(state): State<AppState>,
    _auth: AuthUser,
    ApiQuery(query): ApiQuery<DirectoryQuery>,
) -> Result<Json<UserPage>, ApiError> {
    let params = DirectoryParams {
        q: query.q,
        after: query.after,
        limit: query.limit,
        include_deactivated: query.include_deactivated,
    };
    Ok(Json(ops::people::directory(&state.db, &params).await?))
}

pub async fn get(
    State(state): State<AppState>,
    _auth: AuthUser,
    Path(user_id): Path<String>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(ops::people::get(&state.db, &user_id).await?))
}

pub async fn by_handle(
    State(state): State<AppState>,
    _auth: AuthUser,
    Path(handle): Path<String>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(ops::people::by_handle(&state.db, &handle).await?))
}

pub async fn deactivate(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(user_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let actor = &auth.user;
    let endpoint = format!("deactivate {user_id}");
    idempotent(
        &state,
        actor,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::people::deactivate(write, actor, &user_id).await,
    )
    .await
}

pub async fn reactivate(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(user_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let actor = &auth.user;
    let endpoint = format!("reactivate {user_id}");
    idempotent(
        &state,
        actor,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::people::reactivate(write, actor, &user_id).await,
    )
    .await
}

pub async fn set_role(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(user_id): Path<String>,
    ApiJson(request): ApiJson<SetOrgAdminRequest>,
) -> Result<Response, ApiError> {
    let actor = &auth.user;
    let endpoint = format!("org_role {user_id}");
    idempotent(
        &state,
        actor,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::people::set_org_admin(write, actor, &user_id, request.is_admin).await,
    )
    .await
}
