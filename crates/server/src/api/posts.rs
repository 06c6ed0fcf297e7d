//! `/posts` endpoints: create, read, edit, delete, pin, history, comments
//! and reactions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use commons_protocol::openapi::Id;
use commons_protocol::{
    Comment, CreateCommentRequest, CreatePostRequest, EditTextRequest, ErrorBody, MutationRequest,
    PinRequest, Post, PostVersion, PostWithComments, ReactRequest, Reaction, ReactionResponse,
};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiJson;
use super::mutation::idempotent;
use super::AppState;
use crate::db::attachments::Owner;
use crate::ops;
use crate::ops::reactions::Target;

#[utoipa::path(
    post,
    path = "/api/v1/posts",
    operation_id = "create_post",
    tag = "posts",
    summary = "Post in a group (members)",
    description = "The client chooses the id. The body is Markdown (CommonMark), at most 64 KiB; \
        `@handle` mentions notify the members they name.",
    request_body = CreatePostRequest,
    responses(
        (status = 201, description = "The new post", body = Post),
        (status = 400, description = "`bad_request`: an invalid id or group id, or an empty or too long body", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller is not a member of the group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group, or a secret group of which the caller is not a member", body = ErrorBody),
        (status = 409, description = "`conflict`: the id is already used", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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

/// `GET /posts/{id}`: the post with its comments and reactions. A deleted
/// post answers 200 with its tombstone (empty body, `deleted_at` set).
#[utoipa::path(
    get,
    path = "/api/v1/posts/{id}",
    operation_id = "get_post",
    tag = "posts",
    summary = "A post with its comments and reactions",
    description = "A deleted post answers 200 with its tombstone (empty body, `deleted_at` \
        set, tombstoned comments, no reactions).",
    params(("id" = Id, Path, description = "The post's id")),
    responses(
        (status = 200, description = "The post, comments oldest first, and reactions", body = PostWithComments),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
) -> Result<Json<PostWithComments>, ApiError> {
    Ok(Json(
        ops::posts::get(&state.db, &auth.user, &post_id).await?,
    ))
}

/// `PATCH /posts/{id}`: the author edits; answers the post.
#[utoipa::path(
    patch,
    path = "/api/v1/posts/{id}",
    operation_id = "edit_post",
    tag = "posts",
    summary = "Edit a post (its author)",
    description = "The old text goes to the post's history and `edited_at` is set.",
    params(("id" = Id, Path, description = "The post's id")),
    request_body = EditTextRequest,
    responses(
        (status = 200, description = "The post after the edit", body = Post),
        (status = 400, description = "`bad_request`: an empty or too long body", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller is not the author", body = ErrorBody),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
        (status = 409, description = "`conflict`: the post was deleted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn edit(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<EditTextRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("edit_post {post_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::posts::edit_post(write, user, &post_id, &request).await,
    )
    .await
}

/// `DELETE /posts/{id}`: answers the tombstone.
#[utoipa::path(
    delete,
    path = "/api/v1/posts/{id}",
    operation_id = "delete_post",
    tag = "posts",
    summary = "Delete a post (its author, the group's admins and moderators, organisation admins)",
    description = "The post becomes a tombstone (body emptied, `deleted_at` set); its history \
        and reactions are deleted and its comments become tombstones. Deleting again answers \
        the tombstone.",
    params(("id" = Id, Path, description = "The post's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "The tombstone", body = Post),
        (status = 403, description = "`forbidden`: the caller may not delete this post", body = ErrorBody),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("delete_post {post_id}");
    // Read in the deleting transaction: a comment may bring files until then.
    let mut blobs = Vec::new();
    let response = idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| {
            blobs = ops::attachments::blobs_of(write.conn(), Owner::Post(&post_id)).await?;
            ops::posts::delete_post(write, user, &post_id).await
        },
    )
    .await?;
    ops::attachments::forget_blobs(&state.db, state.blobs.as_ref(), &blobs).await;
    Ok(response)
}

/// `POST /posts/{id}/pin`: answers the post.
#[utoipa::path(
    post,
    path = "/api/v1/posts/{id}/pin",
    operation_id = "pin_post",
    tag = "posts",
    summary = "Pin or unpin a post (the group's admins and moderators)",
    description = "Pinned posts come first on the group's page.",
    params(("id" = Id, Path, description = "The post's id")),
    request_body = PinRequest,
    responses(
        (status = 200, description = "The post (`pinned_at` set or cleared)", body = Post),
        (status = 403, description = "`forbidden`: the caller is not an admin or moderator of the group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
        (status = 409, description = "`conflict`: the post was deleted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn pin(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<PinRequest>,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("pin_post {post_id}");
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::posts::pin_post(write, user, &post_id, request.pinned).await,
    )
    .await
}

/// `GET /posts/{id}/history`: earlier versions, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/posts/{id}/history",
    operation_id = "get_post_history",
    tag = "posts",
    summary = "Earlier versions of an edited post, oldest first",
    params(("id" = Id, Path, description = "The post's id")),
    responses(
        (status = 200, description = "The earlier versions", body = Vec<PostVersion>),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn history(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
) -> Result<Json<Vec<PostVersion>>, ApiError> {
    Ok(Json(
        ops::posts::history(&state.db, &auth.user, &post_id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/posts/{id}/comments",
    operation_id = "create_comment",
    tag = "comments",
    summary = "Comment on a post, or reply to a comment (members)",
    description = "The client chooses the id. Replies go one level deep: a reply to a reply \
        attaches to its top-level comment. At most 16 KiB.",
    params(("id" = Id, Path, description = "The post's id")),
    request_body = CreateCommentRequest,
    responses(
        (status = 201, description = "The new comment", body = Comment),
        (status = 400, description = "`bad_request`: an invalid id, an empty or too long body, or a `parent_id` that is not a comment of this post", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller is not a member of the group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
        (status = 409, description = "`conflict`: the id is already used, or the post or the parent comment was deleted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
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
        async |write| ops::comments::create_comment(write, user, &post_id, &request).await,
    )
    .await
}

/// `PUT /posts/{id}/reaction`: answers `ReactionResponse`.
#[utoipa::path(
    put,
    path = "/api/v1/posts/{id}/reaction",
    operation_id = "react_to_post",
    tag = "reactions",
    summary = "Set the caller's reaction to a post (members)",
    description = "One reaction per person and post: this replaces the caller's earlier one.",
    params(("id" = Id, Path, description = "The post's id")),
    request_body = ReactRequest,
    responses(
        (status = 200, description = "The caller's reaction", body = ReactionResponse),
        (status = 403, description = "`forbidden`: the caller is not a member of the (open) group", body = ErrorBody),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
        (status = 409, description = "`conflict`: the post was deleted", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn react(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<ReactRequest>,
) -> Result<Response, ApiError> {
    set_reaction(state, auth, Target::Post, post_id, request).await
}

/// `DELETE /posts/{id}/reaction`: answers `ReactionResponse` (no reaction).
#[utoipa::path(
    delete,
    path = "/api/v1/posts/{id}/reaction",
    operation_id = "unreact_to_post",
    tag = "reactions",
    summary = "Remove the caller's reaction to a post",
    params(("id" = Id, Path, description = "The post's id")),
    request_body = MutationRequest,
    responses(
        (status = 200, description = "No reaction (`reaction` is null)", body = ReactionResponse),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn unreact(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
    ApiJson(request): ApiJson<MutationRequest>,
) -> Result<Response, ApiError> {
    remove_reaction(state, auth, Target::Post, post_id, request).await
}

/// `GET /posts/{id}/reactions`: who reacted with what to the post and its comments.
#[utoipa::path(
    get,
    path = "/api/v1/posts/{id}/reactions",
    operation_id = "list_post_reactions",
    tag = "reactions",
    summary = "Who reacted with what to a post and its comments, oldest first",
    params(("id" = Id, Path, description = "The post's id")),
    responses(
        (status = 200, description = "The reactions", body = Vec<Reaction>),
        (status = 404, description = "`not_found`: no such post, or one in a group whose posts the caller may not read", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn reactions(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(post_id): Path<String>,
) -> Result<Json<Vec<Reaction>>, ApiError> {
    Ok(Json(
        ops::reactions::of_post(&state.db, &auth.user, &post_id).await?,
    ))
}

fn target_name(target: Target) -> &'static str {
    match target {
        Target::Post => "post",
        Target::Comment => "comment",
    }
}

/// Shared by the post and comment reaction endpoints.
pub(super) async fn set_reaction(
    state: AppState,
    auth: AuthUser,
    target: Target,
    id: String,
    request: ReactRequest,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("react {} {id}", target_name(target));
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::reactions::react(write, user, target, &id, request.kind).await,
    )
    .await
}

pub(super) async fn remove_reaction(
    state: AppState,
    auth: AuthUser,
    target: Target,
    id: String,
    request: MutationRequest,
) -> Result<Response, ApiError> {
    let user = &auth.user;
    let endpoint = format!("unreact {} {id}", target_name(target));
    idempotent(
        &state,
        user,
        &request.mutation_id,
        &endpoint,
        &request,
        StatusCode::OK,
        async |write| ops::reactions::unreact(write, user, target, &id).await,
    )
    .await
}
