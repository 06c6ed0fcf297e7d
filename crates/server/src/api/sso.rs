//! Single sign-on with OpenID Connect (`ops::sso` has the rules, `docs/sso.md`
//! the flow). None of these routes needs a session.

use axum::extract::State;
use axum::response::Redirect;
use axum::Json;
use commons_protocol::{ErrorBody, LoginResponse, SsoInfo, SsoStartQuery, SsoTokenRequest};
use serde::Deserialize;

use super::error::ApiError;
use super::extract::{ApiJson, ApiQuery};
use super::AppState;
use crate::oidc::OidcClient;
use crate::ops;
use crate::ops::sso::ProviderAnswer;

/// What the identity provider adds to the callback URL.
#[derive(Deserialize, Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    /// The flow this answer belongs to.
    pub state: Option<String>,
    /// The provider's authorization code.
    pub code: Option<String>,
    /// Set instead of `code` when the provider refused (`access_denied`, ...).
    pub error: Option<String>,
    pub error_description: Option<String>,
}

fn configured(state: &AppState) -> Result<&OidcClient, ApiError> {
    state.sso.as_deref().ok_or_else(|| {
        ApiError::NotFound(
            "single sign-on is not set up on this server ([sso] in commons.toml)".into(),
        )
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/sso",
    operation_id = "sso_info",
    tag = "auth",
    summary = "Whether single sign-on is offered, and required",
    description = "Apps ask before showing the login screen: a button when `enabled`, no \
        password form (but a way for organisation admins) when `required`.",
    responses((status = 200, description = "Single sign-on on this server", body = SsoInfo))
)]
pub async fn info(State(state): State<AppState>) -> Json<SsoInfo> {
    Json(ops::sso::info(state.sso.as_deref()))
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/sso/start",
    operation_id = "sso_start",
    tag = "auth",
    summary = "Begin a single sign-on (opened in the system browser)",
    description = "The app makes a PKCE verifier and a state, listens on its redirect URI \
        and opens this URL in the browser. The server remembers the flow for 10 minutes and \
        sends the browser to the identity provider; after the sign-in the browser comes back \
        to `redirect_uri` with `code` and `state` (or `error`, `error_description` and \
        `state`), and the app trades the code at `POST /api/v1/auth/sso/token`.",
    params(SsoStartQuery),
    responses(
        (status = 303, description = "To the identity provider's sign-in page (`Location`)"),
        (status = 400, description = "`bad_request`: the redirect URI is not a loopback address or a `commons://` link, or the challenge or state is missing or malformed", body = ErrorBody),
        (status = 404, description = "`not_found`: single sign-on is not set up", body = ErrorBody),
        (status = 503, description = "`unavailable`: the identity provider cannot be reached", body = ErrorBody),
    )
)]
pub async fn start(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SsoStartQuery>,
) -> Result<Redirect, ApiError> {
    let sso = configured(&state)?;
    let url = ops::sso::start(&state.db, sso, &query).await?;
    Ok(Redirect::to(&url))
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/sso/callback",
    operation_id = "sso_callback",
    tag = "auth",
    summary = "Where the identity provider sends the browser back",
    description = "Register this URL with the provider. Each flow is used once. The browser \
        goes on to the app's redirect URI with a one-time `code` (valid 2 minutes) and the \
        app's `state`, or with `error` (`access_denied`, `temporarily_unavailable`, \
        `server_error`), `error_description` and `state`.",
    params(CallbackQuery),
    responses(
        (status = 303, description = "Back to the app's redirect URI (`Location`)"),
        (status = 400, description = "`bad_request`: the flow is unknown, expired or already finished", body = ErrorBody),
        (status = 404, description = "`not_found`: single sign-on is not set up", body = ErrorBody),
    )
)]
pub async fn callback(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<CallbackQuery>,
) -> Result<Redirect, ApiError> {
    let sso = configured(&state)?;
    let answer = ProviderAnswer {
        state: query.state,
        code: query.code,
        error: query.error,
        error_description: query.error_description,
    };
    let url = ops::sso::callback(&state.db, sso, &answer).await?;
    Ok(Redirect::to(&url))
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/sso/token",
    operation_id = "sso_token",
    tag = "auth",
    summary = "Trade a single sign-on code for a session",
    description = "The one-time code from the redirect and the PKCE verifier whose challenge \
        started the flow. Answers like `POST /api/v1/auth/login`. The code is used up by the \
        first try, right or wrong.",
    request_body = SsoTokenRequest,
    responses(
        (status = 200, description = "A new session and the person it belongs to", body = LoginResponse),
        (status = 400, description = "`bad_request`: the code is unknown, expired or used, or the verifier does not match", body = ErrorBody),
        (status = 403, description = "`forbidden`: the account is deactivated", body = ErrorBody),
        (status = 404, description = "`not_found`: single sign-on is not set up", body = ErrorBody),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SsoTokenRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    configured(&state)?;
    Ok(Json(ops::sso::token(&state.db, &request).await?))
}
