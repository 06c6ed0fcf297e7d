//! `/groups` endpoints.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::{
    AddMemberRequest, CreateGroupRequest, GroupListItem, JoinGroupRequest, MembershipResponse,
};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::mutation::idempotent;
use super::AppState;
use crate::ops;

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<GroupListItem>>, ApiError> {
    Ok(Json(ops::groups::list(&state.db, &auth.user).await?))
}

pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
) -> Result<Json<GroupListItem>, ApiError> {
    Ok(Json(
        ops::groups::get(&state.db, &auth.user, &group_id).await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(request): ApiJson<CreateGroupRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    idempotent(
        &state,
        user,
        &request.mutation_id,
        "create_group",
        &request,
        StatusCode::CREATED,
        async |write| ops::groups::create(write, user, &request).await,
    )
    .await
}

pub async fn join(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
    ApiJson(request): ApiJson<JoinGroupRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("join {group_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| {
            let membership = ops::groups::join(write, user, &group_id).await?;
            Ok::<_, ApiError>(MembershipResponse { membership })
        },
    )
    .await
}

pub async fn add_member(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
    ApiJson(request): ApiJson<AddMemberRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("add_member {group_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| {
            let membership =
                ops::groups::add_member(write, user, &group_id, &request.email).await?;
            Ok::<_, ApiError>(MembershipResponse { membership })
        },
    )
    .await
}
