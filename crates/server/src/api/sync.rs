//! `GET /sync?since=CURSOR&limit=N`.

use axum::extract::State;
use axum::Json;
use commons_protocol::SyncResponse;
use serde::Deserialize;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::AppState;
use crate::ops;

#[derive(Deserialize)]
pub struct SyncParams {
    since: Option<String>,
    limit: Option<i64>,
}

pub async fn pull(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<SyncParams>,
) -> Result<Json<SyncResponse>, ApiError> {
    let response =
        ops::sync::pull(&state.db, &auth.user, params.since.as_deref(), params.limit).await?;
    Ok(Json(response))
}
