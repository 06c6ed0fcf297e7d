//! `/groups` endpoints.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::openapi::Id;
use commons_protocol::{
    AddMemberRequest, CreateGroupRequest, ErrorBody, Group, GroupListItem, GroupSettings,
    GroupSettingsRequest, JoinGroupRequest, JoinResponse, MembershipResponse, UpdateGroupRequest,
};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::mutation::idempotent;
use super::AppState;
use crate::ops;

#[utoipa::path(
    get,
    path = "/api/v1/groups",
    operation_id = "list_groups",
    tag = "groups",
    summary = "The groups the caller may see",
    description = "Open and closed groups, and the secret groups the caller is a member of, \
        each with the caller's role and the number of members.",
    responses((status = 200, description = "The groups", body = Vec<GroupListItem>)),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<GroupListItem>>, ApiError> {
    Ok(Json(ops::groups::list(&state.db, &auth.user).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/groups/{id}",
    operation_id = "get_group",
    tag = "groups",
    summary = "One group",
    params(("id" = Id, Path, description = "The group's id")),
    responses(
        (status = 200, description = "The group, the caller's role and the number of members", body = GroupListItem),
        (status = 404, description = "`not_found`: no such group, or a secret group of which the caller is not a member", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
) -> Result<Json<GroupListItem>, ApiError> {
    Ok(Json(
        ops::groups::get(&state.db, &auth.user, &group_id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/groups",
    operation_id = "create_group",
    tag = "groups",
    summary = "Create a group",
    description = "The client chooses the id; the creator becomes the group's admin.",
    request_body = CreateGroupRequest,
    responses(
        (status = 201, description = "The new group", body = Group),
        (status = 400, description = "`bad_request`: an invalid id, name or description", body = ErrorBody),
        (status = 409, description = "`conflict`: the id is already used", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/join",
    operation_id = "join_group",
    tag = "membership",
    summary = "Join an open group, or ask to join a closed one",
    description = "Open group: a membership. Closed group: a pending request, and the group's \
        admins and moderators are notified. Both answer 200; the body says which. Joining a \
        group the caller is in, or asking again, changes nothing.",
    params(("id" = Id, Path, description = "The group's id")),
    request_body = JoinGroupRequest,
    responses(
        (status = 200, description = "The membership (open group) or the pending request (closed group)", body = JoinResponse),
        (status = 404, description = "`not_found`: no such group, or a secret group of which the caller is not a member", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/members",
    operation_id = "add_group_member",
    tag = "membership",
    summary = "Add someone to a group by e-mail (group admins)",
    description = "Whatever the group's privacy; the person is notified.",
    params(("id" = Id, Path, description = "The group's id")),
    request_body = AddMemberRequest,
    responses(
        (status = 200, description = "The person's membership", body = MembershipResponse),
        (status = 403, description = "`forbidden`: the caller is not an admin of the group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group (or a secret one the caller is not in), or no one has this e-mail", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    patch,
    path = "/api/v1/groups/{id}",
    operation_id = "update_group",
    tag = "groups",
    summary = "Change a group's name, description or privacy (group admins)",
    description = "Absent fields stay. Made secret: non-members get a `purge` change and \
        pending requests are dropped.",
    params(("id" = Id, Path, description = "The group's id")),
    request_body = UpdateGroupRequest,
    responses(
        (status = 200, description = "The group after the change", body = Group),
        (status = 400, description = "`bad_request`: an invalid name or description", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller is not an admin of the group, or the organisation-wide group would stop being open", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group, or a secret group of which the caller is not a member", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    put,
    path = "/api/v1/groups/{id}/settings",
    operation_id = "update_group_settings",
    tag = "groups",
    summary = "The caller's own settings for a group (members)",
    description = "Only the caller sees them (a `group_settings` change).",
    params(("id" = Id, Path, description = "The group's id")),
    request_body = GroupSettingsRequest,
    responses(
        (status = 200, description = "The caller's settings for the group", body = GroupSettings),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group, or a secret group of which the caller is not a member", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
