//! The server as an OpenID Connect client of the organisation's identity
//! provider: discovery, the authorization URL, the code exchange (with the
//! client secret and PKCE), the ID token's checks and the userinfo claims.
//! The rules of a sign-in (who gets in, sessions, audit) are in `ops::sso`.
//!
//! Discovery and the provider's keys are fetched for every sign-in, never
//! cached: a rotated key works at once, and sign-ins are rare.

use std::time::Duration;

use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

use crate::config::SsoConfig;

/// How long the server waits for any one answer of the provider.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(15);
/// Clock difference tolerated between the provider and this server.
const CLOCK_LEEWAY_SECS: u64 = 60;
/// Signature algorithms accepted for ID tokens: public-key ones only (a
/// token signed with the shared secret, or not at all, is refused).
const ACCEPTED_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be reached or answered something unreadable.
    #[error("the identity provider could not be used: {0}")]
    Provider(String),
    /// The provider refused the code (`invalid_grant`, ...).
    #[error("the identity provider refused the sign-in: {0}")]
    Refused(String),
    /// The ID token failed a check (signature, issuer, audience, expiry, nonce).
    #[error("the identity provider's ID token is not valid: {0}")]
    InvalidToken(String),
}

/// The parts of the provider's `.well-known/openid-configuration` used here.
#[derive(Deserialize, Clone, Debug)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub userinfo_endpoint: Option<String>,
}

/// Who the provider says signed in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    /// `None` when the provider does not say (Entra ID, for one).
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
}

#[derive(Clone, Debug)]
pub struct OidcClient {
    config: SsoConfig,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
    access_token: Option<String>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct IdTokenClaims {
    sub: String,
    nonce: Option<String>,
    azp: Option<String>,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

impl OidcClient {
    pub fn new(config: SsoConfig) -> Result<Self, OidcError> {
        let http = reqwest::Client::builder()
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .map_err(|e| OidcError::Provider(format!("cannot make an HTTP client: {e}")))?;
        Ok(OidcClient { config, http })
    }

    pub fn config(&self) -> &SsoConfig {
        &self.config
    }

    /// The provider's endpoints; its `issuer` must be the configured one.
    pub async fn discover(&self) -> Result<Discovery, OidcError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer_url.trim_end_matches('/')
        );
        let discovery: Discovery = self.get_json(&url, None).await?;
        if discovery.issuer.trim_end_matches('/') != self.config.issuer_url.trim_end_matches('/') {
            return Err(OidcError::Provider(format!(
                "its discovery document names the issuer {:?}, not the configured {:?}",
                discovery.issuer, self.config.issuer_url
            )));
        }
        Ok(discovery)
    }

    /// Where the browser signs in: the code flow with PKCE (S256) and a nonce.
    pub fn authorization_url(
        &self,
        discovery: &Discovery,
        state: &str,
        nonce: &str,
        code_challenge: &str,
    ) -> Result<String, OidcError> {
        let mut url = url::Url::parse(&discovery.authorization_endpoint).map_err(|e| {
            OidcError::Provider(format!("its authorization endpoint is not a URL: {e}"))
        })?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", &self.config.redirect_url)
            .append_pair("scope", &self.config.scopes.join(" "))
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// Trades the provider's code for tokens, checks the ID token and adds
    /// what the userinfo endpoint says (claims many providers keep out of
    /// the ID token).
    pub async fn identify(
        &self,
        discovery: &Discovery,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<Identity, OidcError> {
        let tokens = self.exchange(discovery, code, verifier).await?;
        let id_token = tokens
            .id_token
            .ok_or_else(|| OidcError::Provider("its token answer has no id_token".into()))?;
        let claims = self.verify(discovery, &id_token, nonce).await?;
        let mut identity = identity_of(claims.sub.clone(), &claims.rest);
        if let (Some(endpoint), Some(access_token)) =
            (&discovery.userinfo_endpoint, &tokens.access_token)
        {
            let info: serde_json::Map<String, Value> =
                self.get_json(endpoint, Some(access_token)).await?;
            // The userinfo answer must be about the person of the ID token.
            if info.get("sub").and_then(Value::as_str) != Some(claims.sub.as_str()) {
                return Err(OidcError::InvalidToken(
                    "the userinfo answer is about someone else".into(),
                ));
            }
            identity.fill_from(identity_of(claims.sub, &info));
        }
        Ok(identity)
    }

    async fn exchange(
        &self,
        discovery: &Discovery,
        code: &str,
        verifier: &str,
    ) -> Result<TokenAnswer, OidcError> {
        // RFC 6749 §2.3.1: the id and secret are form-encoded inside Basic.
        let encode =
            |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        let answer = self
            .http
            .post(&discovery.token_endpoint)
            .basic_auth(
                encode(&self.config.client_id),
                Some(encode(&self.config.client_secret)),
            )
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &self.config.redirect_url),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .map_err(|e| OidcError::Provider(format!("its token endpoint: {e}")))?;
        let status = answer.status();
        let body = answer
            .bytes()
            .await
            .map_err(|e| OidcError::Provider(format!("its token endpoint: {e}")))?;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<ErrorAnswer>(&body) {
                Ok(refusal) => OidcError::Refused(match refusal.error_description {
                    Some(description) => format!("{}: {description}", refusal.error),
                    None => refusal.error,
                }),
                Err(_) => OidcError::Provider(format!("its token endpoint answered {status}")),
            });
        }
        serde_json::from_slice(&body)
            .map_err(|e| OidcError::Provider(format!("its token answer: {e}")))
    }

    /// Signature (a key of the provider's JWKS), issuer, audience, expiry, nonce.
    async fn verify(
        &self,
        discovery: &Discovery,
        id_token: &str,
        nonce: &str,
    ) -> Result<IdTokenClaims, OidcError> {
        let invalid = |e: jsonwebtoken::errors::Error| OidcError::InvalidToken(e.to_string());
        let header = jsonwebtoken::decode_header(id_token).map_err(invalid)?;
        if !ACCEPTED_ALGORITHMS.contains(&header.alg) {
            return Err(OidcError::InvalidToken(format!(
                "it is signed with {:?}; only public-key signatures are accepted",
                header.alg
            )));
        }
        let keys: JwkSet = self.get_json(&discovery.jwks_uri, None).await?;
        let jwk = signing_key(&keys, header.kid.as_deref()).ok_or_else(|| {
            OidcError::InvalidToken("no key of the provider's JWKS matches its `kid`".into())
        })?;
        let key = DecodingKey::from_jwk(jwk).map_err(invalid)?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&discovery.issuer]);
        validation.set_audience(&[&self.config.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = CLOCK_LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<IdTokenClaims>(id_token, &key, &validation)
            .map_err(invalid)?
            .claims;
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(OidcError::InvalidToken(
                "its nonce is not the one of this sign-in".into(),
            ));
        }
        if claims
            .azp
            .as_deref()
            .is_some_and(|azp| azp != self.config.client_id)
        {
            return Err(OidcError::InvalidToken(
                "it was issued to another client (azp)".into(),
            ));
        }
        Ok(claims)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        bearer: Option<&str>,
    ) -> Result<T, OidcError> {
        let mut request = self.http.get(url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let failed = |e: reqwest::Error| OidcError::Provider(format!("{url}: {e}"));
        request
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(failed)?
            .json()
            .await
            .map_err(failed)
    }
}

/// The key named `kid`, or the only signing key when the token names none.
fn signing_key<'a>(keys: &'a JwkSet, kid: Option<&str>) -> Option<&'a Jwk> {
    let signing = keys.keys.iter().filter(
        |k| !matches!(k.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature),
    );
    match kid {
        Some(kid) => signing
            .into_iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid)),
        None => {
            let all: Vec<&Jwk> = signing.collect();
            (all.len() == 1).then(|| all[0])
        }
    }
}

fn identity_of(subject: String, claims: &serde_json::Map<String, Value>) -> Identity {
    let text = |names: &[&str]| {
        names.iter().find_map(|name| {
            claims
                .get(*name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        })
    };
    // Some providers (AWS Cognito) send the flag as a string.
    let email_verified = match claims.get("email_verified") {
        Some(Value::Bool(flag)) => Some(*flag),
        Some(Value::String(text)) => Some(text.eq_ignore_ascii_case("true")),
        _ => None,
    };
    Identity {
        subject,
        email: text(&["email"]),
        email_verified,
        name: text(&["name"]),
        title: text(&["title", "job_title", "jobTitle"]),
        department: text(&["department"]),
    }
}

impl Identity {
    /// Takes from `other` what this identity lacks.
    fn fill_from(&mut self, other: Identity) {
        self.email = self.email.take().or(other.email);
        self.email_verified = self.email_verified.or(other.email_verified);
        self.name = self.name.take().or(other.name);
        self.title = self.title.take().or(other.title);
        self.department = self.department.take().or(other.department);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_read_with_their_usual_spellings() {
        let claims = serde_json::json!({
            "email": " ada@example.org ", "email_verified": "true",
            "name": "Ada", "jobTitle": "Engineer", "department": ""
        });
        let identity = identity_of("s1".into(), claims.as_object().unwrap());
        assert_eq!(identity.email.as_deref(), Some("ada@example.org"));
        assert_eq!(identity.email_verified, Some(true));
        assert_eq!(identity.title.as_deref(), Some("Engineer"));
        assert_eq!(identity.department, None);
    }
}
