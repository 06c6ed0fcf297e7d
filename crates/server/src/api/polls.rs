//! Poll and announcement endpoints under `/posts/{id}`: vote, results,
//! close, announce, seen.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::openapi::Id;
use commons_protocol::{
    AnnounceRequest, ErrorBody, MutationRequest, PollResults, Post, PostSeen, SeenBy, VoteRequest,
};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::mutation::idempotent;
use super::AppState;
use crate::ops;

/// `PUT /posts/{id}/vote`: answers the results.
#[utoipa::path(
    put,
    path = "/api/v1/posts/{id}/vote",
    operation_id = "vote",
    tag = "polls",
    summary = "Set the caller's vote in a post's poll (members)",
    description = "Replaces the caller's earlier vote. `options` are option indexes: exactly \
        one unless the poll allows several.",
    params(("id" = Id, Path, description = "The post's id")),
    request_body = VoteRequest,
    responses(
        (status = 200, description = "The poll's results after the vote", body = PollResults),
        (status = 400, description = "`bad_request`: no option, several in a single-choice poll, one twice, or one that does not exist", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller is not a member of the (open) group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such post, one the caller may not read, or a post without a poll", body = ErrorBody),
        (status = 409, description = "`conflict`: the post was deleted or the poll is closed", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn vote(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<VoteRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("vote {post_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::polls::vote(write, user, &post_id, &request.options).await,
    )
    .await
}

/// `DELETE /posts/{id}/vote`: answers the results.
#[utoipa::path(
    delete,
    path = "/api/v1/posts/{id}/vote",
    operation_id = "unvote",
    tag = "polls",
    summary = "Withdraw the caller's vote in a post's poll",
    description = "Withdrawing when there is no vote changes nothing.",
    params(("id" = Id, Path, description = "The post's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "The poll's results without the caller's vote", body = PollResults),
        (status = 403, description = "`forbidden`: the caller is not a member of the (open) group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such post, one the caller may not read, or a post without a poll", body = ErrorBody),
        (status = 409, description = "`conflict`: the post was deleted or the poll is closed", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn unvote(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("unvote {post_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::polls::unvote(write, user, &post_id).await,
    )
    .await
}

/// `GET /posts/{id}/poll`: counts and voters.
#[utoipa::path(
    get,
    path = "/api/v1/posts/{id}/poll",
    operation_id = "get_poll",
    tag = "polls",
    summary = "A post's poll with counts and voters (whoever may read the post)",
    params(("id" = Id, Path, description = "The post's id")),
    responses(
        (status = 200, description = "The results", body = PollResults),
        (status = 404, description = "`not_found`: no such post, one the caller may not read, or a post without a poll", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn results(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
) -> Result<Json<PollResults>, ApiError> {
    Ok(Json(
        ops::polls::results(&state.db, &auth.user, &post_id).await?,
    ))
}

/// `POST /posts/{id}/poll/close`: answers the results.
#[utoipa::path(
    post,
    path = "/api/v1/posts/{id}/poll/close",
    operation_id = "close_poll",
    tag = "polls",
    summary = "Close a post's poll (its author, the group's admins and moderators)",
    description = "No vote is taken after; closing a closed poll changes nothing.",
    params(("id" = Id, Path, description = "The post's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "The final results (`closed_at` set)", body = PollResults),
        (status = 403, description = "`forbidden`: the caller may not close this poll", body = ErrorBody),
        (status = 404, description = "`not_found`: no such post, one the caller may not read, or a post without a poll", body = ErrorBody),
        (status = 409, description = "`conflict`: the post was deleted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn close(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("close_poll {post_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::polls::close(write, user, &post_id).await,
    )
    .await
}

/// `POST /posts/{id}/announce`: answers the post.
#[utoipa::path(
    post,
    path = "/api/v1/posts/{id}/announce",
    operation_id = "announce_post",
    tag = "polls",
    summary = "Announce a post for 1 to 7 days, or unmark it (the group's admins and moderators)",
    description = "Until `announced_until`, the post comes first in the home feed and on the \
        group's page of each member who has not seen it. A new announcement notifies the \
        members whose level is `all` or `highlights`.",
    params(("id" = Id, Path, description = "The post's id")),
    request_body = AnnounceRequest,
    responses(
        (status = 200, description = "The post (`announced_until` set or cleared)", body = Post),
        (status = 400, description = "`bad_request`: `days` is not 1 to 7", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller is not an admin or moderator of the group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
        (status = 409, description = "`conflict`: the post was deleted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn announce(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<AnnounceRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("announce {post_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::polls::announce(write, user, &post_id, request.days).await,
    )
    .await
}

/// `POST /posts/{id}/seen`: answers the record kept.
#[utoipa::path(
    post,
    path = "/api/v1/posts/{id}/seen",
    operation_id = "mark_post_seen",
    tag = "polls",
    summary = "Record that the caller saw a post (members)",
    description = "The first time is kept: marking again answers the first record. A seen \
        announcement leaves the top of the caller's feeds.",
    params(("id" = Id, Path, description = "The post's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "When the caller first saw the post", body = PostSeen),
        (status = 403, description = "`forbidden`: the caller is not a member of the (open) group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
        (status = 409, description = "`conflict`: the post was deleted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn mark_seen(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("seen {post_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::polls::mark_seen(write, user, &post_id).await,
    )
    .await
}

/// `GET /posts/{id}/seen`: who saw the post.
#[utoipa::path(
    get,
    path = "/api/v1/posts/{id}/seen",
    operation_id = "post_seen_by",
    tag = "polls",
    summary = "Who saw a post and when (its author and the group's admins)",
    params(("id" = Id, Path, description = "The post's id")),
    responses(
        (status = 200, description = "The count and who saw it, first seen first", body = SeenBy),
        (status = 403, description = "`forbidden`: the caller is neither the author nor an admin of the group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn seen_by(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
) -> Result<Json<SeenBy>, ApiError> {
    Ok(Json(
        ops::polls::seen_by(&state.db, &auth.user, &post_id).await?,
    ))
}
