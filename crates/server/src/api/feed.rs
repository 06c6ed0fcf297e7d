//! `GET /feed` and `GET /groups/{id}/posts`: pages of posts.
//!
//! The home feed shows the posts of the caller's groups, newest activity
//! first: a post's activity is its creation or its latest comment, nothing
//! else; no ranking. Pinned posts are not special there. A group's page
//! starts with its pinned posts, then shows the others newest first by
//! creation. Deleted posts appear in neither. Pages are keyset-paginated:
//! pass the answer's `next` as `before` for the following (older) page;
//! `next` is absent on the last page. Details in `ops::feed`.

use axum::extract::{Path, State};
use axum::Json;
use commons_protocol::openapi::Id;
use commons_protocol::{ErrorBody, FeedPage};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::AppState;
use crate::ops;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next` of the previous page; absent for the first (newest) page.
    before: Option<String>,
    /// Posts per page: 20 by default, at most 100 (larger values are clamped).
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/feed",
    operation_id = "home_feed",
    tag = "feed",
    summary = "The home feed",
    description = "The posts of the groups the caller is a member of, newest activity first \
        (a post's creation or its latest comment; no ranking). Deleted posts are left out.",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of posts with their comments and reactions", body = FeedPage),
        (status = 400, description = "`bad_request`: an invalid `before` cursor", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn home(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<FeedPage>, ApiError> {
    let page = ops::feed::home(&state.db, &auth.user, query.before.as_deref(), query.limit).await?;
    Ok(Json(page))
}

#[utoipa::path(
    get,
    path = "/api/v1/groups/{id}/posts",
    operation_id = "list_group_posts",
    tag = "feed",
    summary = "A group's page",
    description = "The group's pinned posts first (most recently pinned first) on the first \
        page, then the other posts newest first by creation. Deleted posts are left out.",
    params(("id" = Id, Path, description = "The group's id"), PageQuery),
    responses(
        (status = 200, description = "A page of posts with their comments and reactions", body = FeedPage),
        (status = 400, description = "`bad_request`: an invalid `before` cursor or group id", body = ErrorBody),
        (status = 403, description = "`forbidden`: a closed group of which the caller is not a member", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group, or a secret group of which the caller is not a member", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn group_posts(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(group_id): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<FeedPage>, ApiError> {
    let page = ops::feed::group(
        &state.db,
        &auth.user,
        &group_id,
        query.before.as_deref(),
        query.limit,
    )
    .await?;
    Ok(Json(page))
}
