//! `GET /admin/audit`: the audit log, for organisation admins.

use axum::extract::State;
use axum::Json;
use commons_protocol::{AuditPage, AuditQuery, ErrorBody};

use super::auth::AuthUser;
use super::error::ApiError;
use super::extract::ApiQuery;
use super::AppState;
use crate::ops;

#[utoipa::path(
    get,
    path = "/api/v1/admin/audit",
    operation_id = "list_audit_log",
    tag = "admin",
    summary = "Read the audit log (organisation admins)",
    description = "Administrative and security events, newest first: logins and failed \
        logins, sessions ended, accounts created, deactivated and erased, role and privacy \
        changes, members removed, content removed by moderators, exports, imports and \
        retention runs. Each entry names who did it, when, to what, and from which address. \
        The log is append-only. Filters combine with AND; page with `before`.",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 400, description = "`bad_request`: an unknown action, a malformed id or a limit out of range", body = ErrorBody),
        (status = 403, description = "`forbidden`: the caller is not an organisation admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    Ok(Json(ops::audit::list(&state.db, &auth.user, &query).await?))
}
