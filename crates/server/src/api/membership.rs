//! Membership endpoints under `/groups/{id}`: members, leaving, removal,
//! roles and join requests. Every write answers with the person's relation
//! to the group after it: `leave`, `remove` and `decline` give a
//! `JoinResponse` with neither a membership nor a request, `approve` one
//! with the new membership, `role` a `MembershipResponse`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::{
    JoinRequest, MemberPage, MembershipResponse, MutationRequest, SetRoleRequest,
};
use serde::Deserialize;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::mutation::idempotent;
use super::AppState;
use crate::ops;

#[derive(Deserialize)]
pub struct MemberQuery {
    after: Option<String>,
    limit: Option<i64>,
}

/// `GET /groups/{id}/members?after=&limit=`: by name, to whoever may see the group.
pub async fn members(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
    ApiQuery(query): ApiQuery<MemberQuery>,
) -> Result<Json<MemberPage>, ApiError> {
    let page = ops::groups::members(
        &state.db,
        &auth.user,
        &group_id,
        query.after.as_deref(),
        query.limit,
    )
    .await?;
    Ok(Json(page))
}

/// `POST /groups/{id}/leave`
pub async fn leave(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("leave {group_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::membership::leave(write, user, &group_id).await,
    )
    .await
}

/// `POST /groups/{id}/members/{user_id}/remove`
pub async fn remove(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((group_id, user_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("remove_member {group_id} {user_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::membership::remove(write, user, &group_id, &user_id).await,
    )
    .await
}

/// `POST /groups/{id}/members/{user_id}/role`
pub async fn set_role(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((group_id, user_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<SetRoleRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("set_role {group_id} {user_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| {
            let membership =
                ops::membership::set_role(write, user, &group_id, &user_id, request.role).await?;
            Ok::<_, ApiError>(MembershipResponse { membership })
        },
    )
    .await
}

/// `GET /groups/{id}/requests`: pending requests, for admins and moderators.
pub async fn requests(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
) -> Result<Json<Vec<JoinRequest>>, ApiError> {
    Ok(Json(
        ops::requests::list(&state.db, &auth.user, &group_id).await?,
    ))
}

/// `POST /groups/{id}/requests/{user_id}/approve`
pub async fn approve(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((group_id, user_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("approve_request {group_id} {user_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::requests::approve(write, user, &group_id, &user_id).await,
    )
    .await
}

/// `POST /groups/{id}/requests/{user_id}/decline`: also how a requester withdraws.
pub async fn decline(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((group_id, user_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("decline_request {group_id} {user_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::requests::decline(write, user, &group_id, &user_id).await,
    )
    .await
}
