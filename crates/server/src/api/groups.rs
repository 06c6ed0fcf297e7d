//! `/groups` endpoints.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::{
    AddMemberRequest, CreateGroupRequest, Group, GroupListItem, GroupSettingsRequest,
    JoinGroupRequest, MembershipResponse, UpdateGroupRequest,
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

/// Open group: a membership; closed group: a pending request (both 200, the
/// body says which); secret group of which the caller is not a member: 404.
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
        async |write| ops::membership::join(write, user, &group_id).await,
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
                ops::membership::add_member(write, user, &group_id, &request.email).await?;
            Ok::<_, ApiError>(MembershipResponse { membership })
        },
    )
    .await
}

/// `PATCH /groups/{id}`: group admins and organisation admins change the group.
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
    ApiJson(request): ApiJson<UpdateGroupRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("update_group {group_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| -> Result<Group, ApiError> {
            Ok(ops::groups::update(write, user, &group_id, &request).await?)
        },
    )
    .await
}

/// `PUT /groups/{id}/settings`: the caller's own settings for a group they are in.
pub async fn settings(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
    ApiJson(request): ApiJson<GroupSettingsRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("group_settings {group_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| {
            ops::groups::set_settings(write, user, &group_id, request.notification_level).await
        },
    )
    .await
}
