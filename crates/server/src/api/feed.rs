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
use commons_protocol::FeedPage;
use serde::Deserialize;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::AppState;
use crate::ops;

#[derive(Deserialize)]
pub struct PageQuery {
    before: Option<String>,
    limit: Option<i64>,
}

pub async fn home(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<FeedPage>, ApiError> {
    let page = ops::feed::home(&state.db, &auth.user, query.before.as_deref(), query.limit).await?;
    Ok(Json(page))
}

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
