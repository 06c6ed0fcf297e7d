//! `GET /admin/export` and `GET /me/export`: the archives of `crate::export`,
//! streamed as they are written.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use commons_protocol::ErrorBody;
use tokio::sync::mpsc;

use super::auth::AuthUser;
use super::error::ApiError;
use super::AppState;
use crate::export::{self, Output};
use crate::ops;

/// Chunks of compressed archive waiting for the client: the export runs at
/// most this far ahead of the download.
const CHUNKS_AHEAD: usize = 4;

#[utoipa::path(
    get,
    path = "/api/v1/admin/export",
    operation_id = "export_organisation",
    tag = "admin",
    summary = "Download everything the organisation owns (organisation admins)",
    description = "A `.tar.gz` of JSON Lines files (people and profiles, groups, memberships, \
        join requests, group settings, posts with their edit history, comments and replies, \
        reactions, polls and votes, announcements and who saw them, notifications, attachment \
        metadata, the audit log, the change log), the attachment files and `manifest.json` \
        with row counts, sizes and SHA-256 checksums; see docs/export-format.md. Read from one \
        consistent snapshot and streamed as it is written. Passwords and session tokens are \
        not included. Recorded in the audit log.",
    responses(
        (status = 200, description = "The archive", content_type = "application/gzip", body = Vec<u8>),
        (status = 403, description = "`forbidden`: the caller is not an organisation admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn organisation(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Response, ApiError> {
    ops::people::require_org_admin(&auth.user, "export the organisation")?;
    let user = auth.user;
    Ok(stream("commons-export.tar.gz", move |out| async move {
        export::organisation(&state.db, state.blobs.as_ref(), out, Some(&user), false)
            .await
            .map(|_| ())
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/me/export",
    operation_id = "export_my_data",
    tag = "people",
    summary = "Download the caller's own data",
    description = "The caller's profile, memberships, posts (with their edit history and \
        polls), comments and replies, reactions, votes and the files they attached, in the \
        format of the organisation export (`scope: personal` in the manifest). Other people \
        and groups appear only as ids. Recorded in the audit log.",
    responses(
        (status = 200, description = "The archive", content_type = "application/gzip", body = Vec<u8>),
    ),
    security(("bearer" = []))
)]
pub async fn mine(State(state): State<AppState>, auth: AuthUser) -> Response {
    let user = auth.user;
    stream("commons-my-data.tar.gz", move |out| async move {
        export::personal(&state.db, state.blobs.as_ref(), out, &user)
            .await
            .map(|_| ())
    })
}

/// Runs `write` in a task of its own, feeding the response body; a failure
/// half-way cuts the download short (the archive then has no manifest and
/// no import accepts it).
fn stream<F, Fut>(file_name: &str, write: F) -> Response
where
    F: FnOnce(Output) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), export::ExportError>> + Send,
{
    let (sender, receiver) = mpsc::channel::<std::io::Result<Bytes>>(CHUNKS_AHEAD);
    let source = ops::audit::current_source();
    let errors = sender.clone();
    tokio::spawn(ops::audit::with_source(source, async move {
        if let Err(e) = write(Output::Channel(sender)).await {
            tracing::error!(error = %e, "export failed");
            let _ = errors.send(Err(std::io::Error::other(e.to_string()))).await;
        }
    }));
    let chunks = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    (
        [
            (header::CONTENT_TYPE, "application/gzip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}
