//! Bearer-token authentication and the account endpoints.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use commons_protocol::{LoginRequest, LoginResponse, User};

use super::error::ApiError;
use super::extract::{ApiJson, ClientAddr};
use super::AppState;
use crate::ops;

/// The caller, authenticated by `Authorization: Bearer TOKEN`; rejects with
/// 401. A request that may write (any method but GET, HEAD, OPTIONS) also
/// counts against the caller's write limit here, once for every route, and
/// is refused with 429 over it.
pub struct AuthUser {
    pub user: User,
    pub token: String,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            ApiError::Unauthorized("log in first: send Authorization: Bearer TOKEN".into())
        })?;
        let auth = authenticate(state, token).await?;
        if !parts.method.is_safe() {
            state.writes.admit(&state.db, &auth.user.id).await?;
        }
        Ok(auth)
    }
}

/// The token of an `Authorization: Bearer TOKEN` header.
pub(super) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

pub(super) async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    match ops::users::session_user(&state.db, token).await? {
        Some(user) => Ok(AuthUser {
            user,
            token: token.to_string(),
        }),
        None => Err(ApiError::Unauthorized(
            "this session has ended or never existed: log in again".into(),
        )),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    operation_id = "login",
    tag = "auth",
    summary = "Log in with e-mail and password",
    description = "Opens a session. The answer's token goes in `Authorization: Bearer TOKEN` \
        on every other request; the server keeps only its hash.",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A new session and the person it belongs to", body = LoginResponse),
        (status = 401, description = "`invalid_credentials`: wrong e-mail or password", body = commons_protocol::ErrorBody),
        (status = 403, description = "`forbidden`: the account is deactivated, or single sign-on is required and the caller is not an organisation admin (both said only after the right password)", body = commons_protocol::ErrorBody),
        (status = 429, description = "`rate_limited`: too many failed logins for this e-mail or from this address; `Retry-After` says when to try again", body = commons_protocol::ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(source): ClientAddr,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let sso_required = state.sso.as_ref().is_some_and(|sso| sso.config().required);
    let response =
        ops::users::login(&state.db, &state.logins, &request, source, sso_required).await?;
    Ok(Json(response))
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    operation_id = "logout",
    tag = "auth",
    summary = "End the caller's session",
    description = "The token stops working at once. No body.",
    responses((status = 204, description = "The session is over")),
    security(("bearer" = []))
)]
pub async fn logout(State(state): State<AppState>, auth: AuthUser) -> Result<StatusCode, ApiError> {
    ops::users::logout(&state.db, &auth.user, &auth.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "get_me",
    tag = "people",
    summary = "The caller's own account",
    responses((status = 200, description = "The caller", body = User)),
    security(("bearer" = []))
)]
pub async fn me(auth: AuthUser) -> Json<User> {
    Json(auth.user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "bearer  abc ".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }
}
