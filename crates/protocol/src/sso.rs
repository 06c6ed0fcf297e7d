//! Single sign-on with OpenID Connect: what clients ask and receive. The
//! flow is described in `docs/sso.md`.

use serde::{Deserialize, Serialize};

/// `GET /api/v1/auth/sso`: whether this server offers single sign-on.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SsoInfo {
    /// An identity provider is configured: `GET /api/v1/auth/sso/start` works.
    pub enabled: bool,
    /// Password logins are refused, except for organisation admins (break-glass).
    pub required: bool,
    /// The text of the login button ("Log in with Okta"); absent when disabled.
    pub label: Option<String>,
}

/// `GET /api/v1/auth/sso/start`, opened in the system browser by the app.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SsoStartQuery {
    /// Where the browser goes back to the app: `http://127.0.0.1:PORT/...`,
    /// `http://[::1]:PORT/...` or `commons://...`.
    pub redirect_uri: Option<String>,
    /// BASE64URL(SHA-256(code_verifier)), without padding (PKCE, S256).
    pub code_challenge: Option<String>,
    /// `S256`, the only method (and the default).
    pub code_challenge_method: Option<String>,
    /// Opaque to the server; given back to `redirect_uri` unchanged.
    pub state: Option<String>,
}

/// `POST /api/v1/auth/sso/token`: the one-time code the app received, and
/// the PKCE verifier only the app knows. Answers a `LoginResponse`.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoTokenRequest {
    pub code: String,
    pub code_verifier: String,
    /// As in `LoginRequest`.
    #[serde(default)]
    pub device_name: Option<String>,
}
