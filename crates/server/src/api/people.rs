//! People: `PATCH /me`, the directory (`GET /users`), profiles by id or
//! handle, and the organisation admin's `/admin/users/{id}/...` writes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::openapi::Id;
use commons_protocol::{
    ErrorBody, InviteRequest, MutationRequest, SetOrgAdminRequest, UpdateProfileRequest, User,
    UserPage,
};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::mutation::idempotent;
use super::AppState;
use crate::ops;
use crate::ops::people::DirectoryParams;
use crate::ops::users::NewUser;

#[utoipa::path(
    patch,
    path = "/api/v1/me",
    operation_id = "update_me",
    tag = "people",
    summary = "Edit the caller's profile",
    description = "Absent fields stay as they are. A manager must exist, be active, not be the \
        caller and not report to the caller. Everyone sees the change through sync.",
    request_body = UpdateProfileRequest,
    responses(
        (status = 200, description = "The caller's profile after the edit", body = User),
        (status = 400, description = "`bad_request`: a field is too long or empty, or the manager is not acceptable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Keeps the people whose name, handle, title or department contains every word of it
    /// (case-insensitive).
    q: Option<String>,
    /// The `next` of the previous page; absent for the first page.
    after: Option<String>,
    /// People per page: 50 by default, at most 200 (larger values are clamped).
    limit: Option<i64>,
    /// Include deactivated people (left out by default).
    #[serde(default)]
    include_deactivated: bool,
}

#[utoipa::path(
    get,
    path = "/api/v1/users",
    operation_id = "list_users",
    tag = "people",
    summary = "The directory",
    description = "Everyone in the organisation by name, in pages.",
    params(DirectoryQuery),
    responses(
        (status = 200, description = "A page of people, by name", body = UserPage),
        (status = 400, description = "`bad_request`: an invalid `after` cursor or query string", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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

#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    operation_id = "get_user",
    tag = "people",
    summary = "One person's profile",
    params(("id" = Id, Path, description = "The person's id")),
    responses(
        (status = 200, description = "The person (deactivated people too, flagged)", body = User),
        (status = 404, description = "`not_found`: no such person", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    _auth: AuthUser,
    Path(user_id): Path<String>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(ops::people::get(&state.db, &user_id).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/users/by-handle/{handle}",
    operation_id = "get_user_by_handle",
    tag = "people",
    summary = "One person's profile, by `@handle`",
    params(("handle" = String, Path, description = "The handle, without `@` (case-insensitive)")),
    responses(
        (status = 200, description = "The person", body = User),
        (status = 404, description = "`not_found`: no one has this handle", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn by_handle(
    State(state): State<AppState>,
    _auth: AuthUser,
    Path(handle): Path<String>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(ops::people::by_handle(&state.db, &handle).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/users",
    operation_id = "invite_user",
    tag = "admin",
    summary = "Add a person (organisation admins)",
    description = "Creates the account with a first password for the admin to hand over \
        (at least 8 characters), a handle from the e-mail, and a membership of the \
        organisation-wide group. Everyone sees the new person through sync. Audited.",
    request_body = InviteRequest,
    responses(
        (status = 201, description = "The new person", body = User),
        (status = 400, description = "`bad_request`: a malformed e-mail, an empty name or a short password", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller is not an organisation admin", body = ErrorBody),
        (status = 409, description = "`conflict`: someone already has this e-mail", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn invite(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(request): ApiJson<InviteRequest>,
) -> Result<Response, ApiError> {
    let actor = &auth.user;
    // Checked before the slow password hashing, which runs outside the transaction.
    ops::people::require_org_admin(actor, "add people")?;
    let prepared = ops::users::prepare(NewUser {
        email: request.email.clone(),
        name: request.name.clone(),
        password: request.password.clone(),
        is_admin: request.is_admin,
    })
    .await?;
    // What makes a replay the same request; the password stays out of the stored hash.
    let fingerprint =
        json!({"email": request.email, "name": request.name, "is_admin": request.is_admin});
    idempotent(
        &state,
        actor,
        &request.mutation_id,
        "invite_user",
        &fingerprint,
        StatusCode::CREATED,
        async |write| ops::users::invite(write, actor, &prepared).await,
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/deactivate",
    operation_id = "deactivate_user",
    tag = "admin",
    summary = "Deactivate an account (organisation admins)",
    description = "Ends every session of the person at once and refuses their logins; their \
        content stays. Deactivating someone already deactivated changes nothing.",
    params(("id" = Id, Path, description = "The person's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "The person, now deactivated", body = User),
        (status = 403, description = "`forbidden`: the caller is not an organisation admin", body = ErrorBody),
        (status = 404, description = "`not_found`: no such person", body = ErrorBody),
        (status = 409, description = "`conflict`: the person is the last active organisation admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/reactivate",
    operation_id = "reactivate_user",
    tag = "admin",
    summary = "Reactivate an account (organisation admins)",
    description = "The person may log in again.",
    params(("id" = Id, Path, description = "The person's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "The person, active again", body = User),
        (status = 403, description = "`forbidden`: the caller is not an organisation admin", body = ErrorBody),
        (status = 404, description = "`not_found`: no such person", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/role",
    operation_id = "set_org_admin",
    tag = "admin",
    summary = "Make someone an organisation admin, or not (organisation admins)",
    params(("id" = Id, Path, description = "The person's id")),
    request_body = SetOrgAdminRequest,
    responses(
        (status = 200, description = "The person after the change", body = User),
        (status = 403, description = "`forbidden`: the caller is not an organisation admin", body = ErrorBody),
        (status = 404, description = "`not_found`: no such person", body = ErrorBody),
        (status = 409, description = "`conflict`: the last active organisation admin cannot be demoted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
