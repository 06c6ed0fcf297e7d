//! `GET /search?q=TEXT&kind=post|comment|person|group&limit=N`.

use axum::extract::State;
use axum::Json;
use commons_protocol::{ErrorBody, SearchKind, SearchResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::AppState;
use crate::ops;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to search for (required; at most 200 characters).
    q: Option<String>,
    /// Only hits of this kind.
    kind: Option<SearchKind>,
    /// Hits: 20 by default, at most 50 (larger values are clamped).
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/search",
    operation_id = "search",
    tag = "search",
    summary = "Full-text search over what the caller may see",
    description = "Every word of `q` must match, as a word or the start of one \
        (case-insensitive); punctuation separates words and is never read as search syntax. \
        Best matches first. Snippets are plain text with matches between `[[` and `]]`.",
    params(SearchParams),
    responses(
        (status = 200, description = "The hits", body = SearchResponse),
        (status = 400, description = "`bad_request`: `q` is missing, empty or longer than 200 characters, or `kind` is unknown", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn search(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    let found = ops::search::search(
        &state.db,
        &auth.user,
        params.q.as_deref(),
        params.kind,
        params.limit,
    )
    .await?;
    Ok(Json(found))
}
