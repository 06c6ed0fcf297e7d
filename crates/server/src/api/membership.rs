//! Membership endpoints under `/groups/{id}`: members, leaving, removal,
//! roles and join requests. Every write answers with the person's relation
//! to the group after it: `leave`, `remove` and `decline` give a
//! `JoinResponse` with neither a membership nor a request, `approve` one
//! with the new membership, `role` a `MembershipResponse`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::openapi::Id;
use commons_protocol::{
    ErrorBody, JoinRequest, JoinResponse, MemberPage, MembershipResponse, MutationRequest,
    SetRoleRequest,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::mutation::idempotent;
use super::AppState;
use crate::ops;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// The `next` of the previous page; absent for the first page.
    after: Option<String>,
    /// Members per page: 50 by default, at most 200 (larger values are clamped).
    limit: Option<i64>,
}

/// `GET /groups/{id}/members?after=&limit=`: by name, to whoever may see the group.
#[utoipa::path(
    get,
    path = "/api/v1/groups/{id}/members",
    operation_id = "list_group_members",
    tag = "membership",
    summary = "A group's members, by name",
    description = "To whoever may see the group (closed groups included).",
    params(("id" = Id, Path, description = "The group's id"), MemberQuery),
    responses(
        (status = 200, description = "A page of members", body = MemberPage),
        (status = 400, description = "`bad_request`: an invalid `after` cursor", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group, or a secret group of which the caller is not a member", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/leave",
    operation_id = "leave_group",
    tag = "membership",
    summary = "Leave a group",
    description = "Deletes the membership, the caller's join request and settings. The others' \
        sync gets `membership_removed`, the caller's a `purge`.",
    params(("id" = Id, Path, description = "The group's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "Neither a membership nor a request", body = JoinResponse),
        (status = 403, description = "`forbidden`: the organisation-wide group cannot be left", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group, a secret group the caller is not in, or the caller is not a member", body = ErrorBody),
        (status = 409, description = "`conflict`: the caller is the group's last admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/members/{user_id}/remove",
    operation_id = "remove_group_member",
    tag = "membership",
    summary = "Remove a member (group admins)",
    params(("id" = Id, Path, description = "The group's id"), ("user_id" = Id, Path, description = "The person's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "Neither a membership nor a request", body = JoinResponse),
        (status = 403, description = "`forbidden`: the caller is not an admin of the group, or it is the organisation-wide group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group (or a secret one the caller is not in), or the person is not a member", body = ErrorBody),
        (status = 409, description = "`conflict`: the person is the group's last admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/members/{user_id}/role",
    operation_id = "set_group_member_role",
    tag = "membership",
    summary = "Change a member's role (group admins)",
    params(("id" = Id, Path, description = "The group's id"), ("user_id" = Id, Path, description = "The person's id")),
    request_body = SetRoleRequest,
    responses(
        (status = 200, description = "The membership with its new role", body = MembershipResponse),
        (status = 403, description = "`forbidden`: the caller is not an admin of the group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group (or a secret one the caller is not in), or the person is not a member", body = ErrorBody),
        (status = 409, description = "`conflict`: the group's last admin cannot be demoted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    get,
    path = "/api/v1/groups/{id}/requests",
    operation_id = "list_join_requests",
    tag = "membership",
    summary = "Pending join requests, oldest first (admins and moderators)",
    params(("id" = Id, Path, description = "The group's id")),
    responses(
        (status = 200, description = "The pending requests", body = Vec<JoinRequest>),
        (status = 403, description = "`forbidden`: the caller is not an admin or moderator of the group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group, or a secret group of which the caller is not a member", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/requests/{user_id}/approve",
    operation_id = "approve_join_request",
    tag = "membership",
    summary = "Approve a join request (admins and moderators)",
    description = "The requester becomes a member (with the group's history in their next \
        sync) and is notified. Approving someone who is already a member changes nothing.",
    params(("id" = Id, Path, description = "The group's id"), ("user_id" = Id, Path, description = "The person's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "The new membership", body = JoinResponse),
        (status = 403, description = "`forbidden`: the caller is not an admin or moderator of the group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group (or a secret one the caller is not in), or nothing is pending from this person", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    post,
    path = "/api/v1/groups/{id}/requests/{user_id}/decline",
    operation_id = "decline_join_request",
    tag = "membership",
    summary = "Decline a join request, or withdraw one's own",
    description = "Admins and moderators decline; the requester withdraws.",
    params(("id" = Id, Path, description = "The group's id"), ("user_id" = Id, Path, description = "The person's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "Neither a membership nor a request", body = JoinResponse),
        (status = 403, description = "`forbidden`: the caller is neither an admin or moderator of the group nor the requester", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group (or a secret one the caller is not in), or nothing is pending from this person", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
