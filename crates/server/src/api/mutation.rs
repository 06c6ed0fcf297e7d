//! Idempotent writes: each write runs once per (user, mutation id), and a
//! replay gets the stored answer, status included.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use commons_protocol::User;
use serde::Serialize;

use super::error::ApiError;
use super::AppState;
use crate::db::mutations::{self, StoredResponse};
use crate::db::{Database, Write};
use crate::hub::Hub;
use crate::ops::validate;
use crate::secrets;

/// Runs one write idempotently: `apply` runs inside the write transaction the
/// first time `(actor, mutation_id)` is seen; a replay gets the stored answer
/// and applies nothing. `endpoint` names the operation and its path ids.
pub async fn idempotent<R, T, E>(
    state: &AppState,
    actor: &User,
    mutation_id: &str,
    endpoint: &str,
    request: &R,
    status: StatusCode,
    apply: impl for<'w> AsyncFnOnce(&'w mut Write) -> Result<T, E>,
) -> Result<Response, ApiError>
where
    R: Serialize,
    T: Serialize,
    ApiError: From<E>,
{
    let mut mutation =
        match Mutation::begin(&state.db, actor, mutation_id, endpoint, request).await? {
            Begun::Replay(response) => {
                state.metrics.mutation_replayed();
                return Ok(response);
            }
            Begun::Fresh(mutation) => mutation,
        };
    let result = apply(mutation.write()).await.map_err(ApiError::from)?;
    mutation.finish(&state.hub, status, &result).await
}

/// How a write starts: either it was already applied, or it runs now.
pub enum Begun {
    Replay(Response),
    Fresh(Mutation),
}

/// A write in progress, inside its transaction.
pub struct Mutation {
    write: Write,
    user_id: String,
    mutation_id: String,
    request_hash: String,
}

impl Mutation {
    /// Opens the write transaction and looks the mutation up. `endpoint`
    /// names the operation (and its path ids) so one mutation id cannot be
    /// reused for a different request.
    pub async fn begin<R: Serialize>(
        db: &Database,
        actor: &User,
        mutation_id: &str,
        endpoint: &str,
        request: &R,
    ) -> Result<Begun, ApiError> {
        let mutation_id = validate::id("mutation_id", mutation_id)?;
        let body = serde_json::to_string(request).map_err(|e| ApiError::Internal(e.to_string()))?;
        let request_hash = secrets::fingerprint(&format!("{endpoint}\n{body}"));
        let mut write = db.write().await?;
        if let Some(recorded) = mutations::find(write.conn(), &actor.id, &mutation_id).await? {
            if recorded.request_hash != request_hash {
                return Err(ApiError::Conflict(format!(
                    "mutation_id {mutation_id} was already used for a different request"
                )));
            }
            return Ok(Begun::Replay(respond(recorded.response)));
        }
        Ok(Begun::Fresh(Mutation {
            write,
            user_id: actor.id.clone(),
            mutation_id,
            request_hash,
        }))
    }

    pub fn write(&mut self) -> &mut Write {
        &mut self.write
    }

    /// Stores the answer with the write, commits, pokes, and answers.
    pub async fn finish<T: Serialize>(
        mut self,
        hub: &Hub,
        status: StatusCode,
        body: &T,
    ) -> Result<Response, ApiError> {
        let stored = StoredResponse {
            status: status.as_u16(),
            body: serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?,
        };
        mutations::record(
            self.write.conn(),
            &self.user_id,
            &self.mutation_id,
            &self.request_hash,
            &stored,
        )
        .await?;
        if let Some(poke) = self.write.commit().await? {
            hub.publish(poke);
        }
        Ok(respond(stored))
    }
}

fn respond(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        stored.body,
    )
        .into_response()
}
