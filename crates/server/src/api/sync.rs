//! `GET /sync?since=CURSOR&limit=N`.

use axum::extract::State;
use axum::Json;
use commons_protocol::{ErrorBody, SyncResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::AppState;
use crate::ops;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncParams {
    /// The `cursor` of the previous answer; absent for everything from the beginning.
    since: Option<String>,
    /// Changes per page: 500 by default, at most 1000 (larger values are clamped).
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/sync",
    operation_id = "sync",
    tag = "sync",
    summary = "Changes after a cursor",
    description = "The changes of the change log the caller may see after `since` (from the \
        beginning without it), oldest first, and the cursor to send next time. When \
        `has_more` is true, pull again at once. Joining a group backfills its recent history (the newest posts; older ones through the group page).",
    params(SyncParams),
    responses(
        (status = 200, description = "A page of changes and the next cursor", body = SyncResponse),
        (status = 400, description = "`bad_request`: a cursor this server did not issue, or one ahead of its change log (sync again without one)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn pull(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<SyncParams>,
) -> Result<Json<SyncResponse>, ApiError> {
    let response = ops::sync::pull(
        &state.db,
        &auth.user,
        params.since.as_deref(),
        params.limit,
        state.sync,
    )
    .await?;
    state.metrics.sync_page_served(response.changes.len());
    Ok(Json(response))
}
