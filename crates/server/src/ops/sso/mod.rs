//! Single sign-on: the rules of a sign-in through the organisation's
//! OpenID Connect provider (the protocol itself is in `crate::oidc`).
//!
//! 1. `start`: the app sends its redirect URI (loopback or `commons://`),
//!    its PKCE challenge and its state; a flow row is stored (any node may
//!    get the browser back) and the browser is sent to the provider with the
//!    server's own PKCE challenge, state and nonce.
//! 2. `callback`: the flow is taken (once), the provider's code exchanged,
//!    the ID token checked; the person is found by e-mail or created from
//!    the claims; the browser goes back to the app with a one-time code.
//! 3. `token`: the app trades the code and its PKCE verifier for a session.
//!
//! Flows and codes expire and work once. Refusals after step 1 go back to the
//! app as `error` and `error_description` (as OAuth does) and are audited.

use commons_protocol::{LoginResponse, SsoInfo, SsoStartQuery, SsoTokenRequest, User};
use sqlx::Connection;

use super::users;
use super::{validate, OpError, OpResult};
use crate::db::sso::{Code, Flow};
use crate::db::{self, now_millis, Database};
use crate::oidc::{Identity, OidcClient, OidcError};
use crate::secrets;
use app::{app_redirect_uri, challenge_of, is_s256_challenge};

mod app;

/// How long the person has to sign in at the provider.
const FLOW_LIFETIME_MS: i64 = 10 * 60 * 1000;
/// How long the app has to trade the one-time code.
const CODE_LIFETIME_MS: i64 = 2 * 60 * 1000;
/// Longest `state` accepted from the app.
const MAX_STATE_CHARS: usize = 512;

pub fn info(sso: Option<&OidcClient>) -> SsoInfo {
    SsoInfo {
        enabled: sso.is_some(),
        required: sso.is_some_and(|s| s.config().required),
        label: sso.map(|s| s.config().button_label.clone()),
    }
}

/// Stores the flow and answers the provider's authorization URL.
pub async fn start(db: &Database, sso: &OidcClient, query: &SsoStartQuery) -> OpResult<String> {
    let redirect_uri = app_redirect_uri(query.redirect_uri.as_deref().unwrap_or_default())?;
    let challenge = query.code_challenge.as_deref().unwrap_or_default();
    if !is_s256_challenge(challenge) {
        return Err(OpError::Invalid(
            "code_challenge must be BASE64URL(SHA-256(code_verifier)) without padding (43 characters)"
                .into(),
        ));
    }
    if query
        .code_challenge_method
        .as_deref()
        .is_some_and(|m| m != "S256")
    {
        return Err(OpError::Invalid(
            "code_challenge_method must be S256".into(),
        ));
    }
    let state = query.state.as_deref().unwrap_or_default();
    if state.is_empty() || state.chars().count() > MAX_STATE_CHARS {
        return Err(OpError::Invalid(format!(
            "state is required, at most {MAX_STATE_CHARS} characters"
        )));
    }
    let discovery = sso.discover().await.map_err(unavailable)?;
    let now = now_millis();
    let flow = Flow {
        id: secrets::new_token(),
        app_redirect_uri: redirect_uri,
        app_code_challenge: challenge.to_string(),
        app_state: state.to_string(),
        verifier: secrets::new_token(),
        nonce: secrets::new_token(),
        expires_at: now + FLOW_LIFETIME_MS,
    };
    let url = sso
        .authorization_url(
            &discovery,
            &flow.id,
            &flow.nonce,
            &challenge_of(&flow.verifier),
        )
        .map_err(unavailable)?;
    let mut conn = db.pool().acquire().await?;
    db::sso::delete_expired(&mut conn, now).await?;
    db::sso::insert_flow(&mut conn, &flow).await?;
    Ok(url)
}

/// What the provider sent the browser back with.
#[derive(Clone, Debug, Default)]
pub struct ProviderAnswer {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Where the browser goes next: the app's redirect URI with `code` and
/// `state`, or with `error`, `error_description` and `state`. An unknown,
/// used or expired flow is an error: there is no app to send it to.
pub async fn callback(
    db: &Database,
    sso: &OidcClient,
    answer: &ProviderAnswer,
) -> OpResult<String> {
    let unknown = || {
        OpError::Invalid(
            "this sign-in is unknown, expired or already finished: start again from the app".into(),
        )
    };
    let state = answer.state.as_deref().ok_or_else(unknown)?;
    let mut conn = db.pool().acquire().await?;
    let flow = db::sso::take_flow(&mut conn, state)
        .await?
        .filter(|flow| flow.expires_at >= now_millis())
        .ok_or_else(unknown)?;
    drop(conn);
    let mut back = url::Url::parse(&flow.app_redirect_uri)
        .map_err(|e| OpError::Internal(format!("a stored redirect URI does not parse: {e}")))?;
    match finish(db, sso, &flow, answer).await {
        Ok(code) => {
            back.query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &flow.app_state);
        }
        Err(refusal) => {
            let mut conn = db.pool().acquire().await?;
            let email = refusal.email.as_deref().unwrap_or_default();
            users::login_failed(&mut conn, refusal.person.as_ref(), email, refusal.reason).await?;
            back.query_pairs_mut()
                .append_pair("error", refusal.oauth_error())
                .append_pair("error_description", &refusal.message)
                .append_pair("state", &flow.app_state);
        }
    }
    Ok(back.into())
}

/// Trades a one-time code and its PKCE verifier for a session.
pub async fn token(db: &Database, request: &SsoTokenRequest) -> OpResult<LoginResponse> {
    let mut conn = db.pool().acquire().await?;
    let mut tx = conn.begin().await?;
    let code = db::sso::take_code(&mut tx, &secrets::token_hash(&request.code))
        .await?
        .filter(|code: &Code| code.expires_at >= now_millis());
    let Some(code) = code else {
        return Err(OpError::Invalid(
            "this sign-in code is unknown, expired or already used: sign in again".into(),
        ));
    };
    let user = db::users::find(&mut tx, &code.user_id)
        .await?
        .ok_or_else(|| OpError::Invalid("the account of this sign-in no longer exists".into()))?;
    // The code is used up either way: a wrong verifier gets no second try.
    if challenge_of(&request.code_verifier) != code.app_code_challenge {
        users::login_failed(&mut tx, Some(&user), &user.email, "wrong_code_verifier").await?;
        tx.commit().await?;
        return Err(OpError::Invalid(
            "code_verifier does not match the code_challenge this sign-in started with".into(),
        ));
    }
    if user.deactivated {
        let email = user.email.clone();
        users::login_failed(&mut tx, Some(&user), &email, "deactivated").await?;
        tx.commit().await?;
        return Err(OpError::Forbidden(
            "this account has been deactivated: an organisation admin can reactivate it".into(),
        ));
    }
    let response =
        users::open_session(&mut tx, user, request.device_name.as_deref(), "sso").await?;
    tx.commit().await?;
    Ok(response)
}

/// Why a sign-in was refused after the flow was found.
struct Refusal {
    /// `LoginFailed`'s `details.reason`.
    reason: &'static str,
    /// For the person, shown by the app.
    message: String,
    email: Option<String>,
    person: Option<User>,
}

impl Refusal {
    fn new(reason: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            reason,
            message: message.into(),
            email: None,
            person: None,
        }
    }

    /// The OAuth error code the app receives.
    fn oauth_error(&self) -> &'static str {
        match self.reason {
            "provider_unavailable" => "temporarily_unavailable",
            "server_error" => "server_error",
            _ => "access_denied",
        }
    }
}

impl From<OpError> for Refusal {
    fn from(e: OpError) -> Self {
        tracing::error!(error = %e, "single sign-on failed");
        Refusal::new("server_error", "the server failed; see its log")
    }
}

impl From<crate::db::DbError> for Refusal {
    fn from(e: crate::db::DbError) -> Self {
        OpError::from(e).into()
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        OpError::from(e).into()
    }
}

/// Checks the provider's answer and hands out a one-time code.
async fn finish(
    db: &Database,
    sso: &OidcClient,
    flow: &Flow,
    answer: &ProviderAnswer,
) -> Result<String, Refusal> {
    if let Some(error) = &answer.error {
        let description = answer
            .error_description
            .as_deref()
            .unwrap_or("no reason given");
        return Err(Refusal::new(
            "provider_refused",
            format!("the identity provider refused the sign-in ({error}: {description})"),
        ));
    }
    let code = answer
        .code
        .as_deref()
        .ok_or_else(|| Refusal::new("provider_refused", "the identity provider sent no code"))?;
    let discovery = sso.discover().await.map_err(refusal_of)?;
    let identity = sso
        .identify(&discovery, code, &flow.verifier, &flow.nonce)
        .await
        .map_err(refusal_of)?;
    let email = identity
        .email
        .as_deref()
        .and_then(|email| validate::email(email).ok())
        .ok_or_else(|| {
            Refusal::new(
                "no_email",
                "the identity provider gave no e-mail address: ask your administrator to release the `email` claim",
            )
        })?;
    if identity.email_verified == Some(false) {
        let mut refusal = Refusal::new(
            "email_unverified",
            "the identity provider has not verified this e-mail address",
        );
        refusal.email = Some(email);
        return Err(refusal);
    }
    let person = find_or_create(db, &identity, &email).await?;
    if person.deactivated {
        let mut refusal = Refusal::new(
            "deactivated",
            "this account has been deactivated: an organisation admin can reactivate it",
        );
        refusal.email = Some(email);
        refusal.person = Some(person);
        return Err(refusal);
    }
    let code = secrets::new_token();
    let mut conn = db.pool().acquire().await?;
    db::sso::insert_code(
        &mut conn,
        &secrets::token_hash(&code),
        &Code {
            user_id: person.id,
            app_code_challenge: flow.app_code_challenge.clone(),
            expires_at: now_millis() + CODE_LIFETIME_MS,
        },
    )
    .await?;
    Ok(code)
}

/// The account with this e-mail, or a new one made from the claims (its
/// no usable password: it logs in through the provider).
async fn find_or_create(db: &Database, identity: &Identity, email: &str) -> OpResult<User> {
    let mut conn = db.pool().acquire().await?;
    if let Some(user) = db::users::find_by_email(&mut conn, email).await? {
        return Ok(user);
    }
    drop(conn);
    let local_part = email.split('@').next().unwrap_or(email).to_string();
    let name = identity
        .name
        .as_deref()
        .and_then(|name| validate::user_name(name).ok())
        .unwrap_or(local_part);
    let line = |field: &str, value: &Option<String>| {
        value
            .as_deref()
            .and_then(|v| validate::profile_line(field, v).ok())
            .unwrap_or_default()
    };
    let prepared = users::PreparedUser::without_password(email, &name)?.with_profile(
        line("title", &identity.title),
        line("department", &identity.department),
    );
    let mut w = db.write().await?;
    // Two first sign-ins of one person at once: the second finds the first's account.
    if let Some(user) = db::users::find_by_email(w.conn(), email).await? {
        return Ok(user);
    }
    let user = users::insert(&mut w, &prepared).await?;
    w.commit().await?;
    Ok(user)
}

fn refusal_of(e: OidcError) -> Refusal {
    let reason = match &e {
        OidcError::Provider(_) => "provider_unavailable",
        OidcError::Refused(_) => "provider_refused",
        OidcError::InvalidToken(_) => "invalid_id_token",
    };
    tracing::warn!(error = %e, "single sign-on refused");
    Refusal::new(reason, e.to_string())
}

fn unavailable(e: OidcError) -> OpError {
    tracing::warn!(error = %e, "single sign-on cannot start");
    OpError::Unavailable(e.to_string())
}
