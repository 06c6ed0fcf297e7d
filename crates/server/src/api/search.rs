//! `GET /search?q=TEXT&kind=post|comment|person|group&limit=N`.

use axum::extract::State;
use axum::Json;
use commons_protocol::{SearchKind, SearchResponse};
use serde::Deserialize;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::AppState;
use crate::ops;

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    kind: Option<SearchKind>,
    limit: Option<i64>,
}

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
