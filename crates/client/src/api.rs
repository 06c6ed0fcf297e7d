//! The REST API of the server, as typed calls. Transport failures become
//! `ClientError::Offline`, error answers `ClientError::Server` (or
//! `SessionExpired` for a 401 on an authenticated call).

use std::time::Duration;

use commons_protocol::{
    Cursor, ErrorBody, ErrorCode, LoginRequest, LoginResponse, SsoInfo, SsoTokenRequest,
    SyncResponse, API_PREFIX,
};
pub(crate) use reqwest::Method;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::ClientError;

/// How long to wait for a TCP connection: long enough for a slow network,
/// short enough that "offline" is reported before the user gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Whole-request limit; a sync page is at most a few MB.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// A download to a file (an export) may take long as a whole, but not
/// between two pieces of it: that is a broken connection.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);
const DOWNLOAD_IDLE: Duration = Duration::from_secs(60);

/// A server's API, without any session state.
#[derive(Clone, Debug)]
pub(crate) struct Api {
    http: reqwest::Client,
}

impl Api {
    pub(crate) fn new() -> Result<Api, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("commons-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::InvalidInput(format!("cannot set up HTTP: {e}")))?;
        Ok(Api { http })
    }

    pub(crate) async fn login(
        &self,
        server_url: &str,
        request: &LoginRequest,
    ) -> Result<LoginResponse, ClientError> {
        let builder = self
            .http
            .post(endpoint(server_url, "/auth/login"))
            .json(request);
        let response = send(server_url, builder).await?;
        decode(server_url, response, false).await
    }

    /// `GET /auth/sso`: whether the server offers single sign-on.
    pub(crate) async fn sso_info(&self, server_url: &str) -> Result<SsoInfo, ClientError> {
        let builder = self.http.get(endpoint(server_url, "/auth/sso"));
        let response = send(server_url, builder).await?;
        decode(server_url, response, false).await
    }

    /// `POST /auth/sso/token`: the one-time code and its verifier for a session.
    pub(crate) async fn sso_token(
        &self,
        server_url: &str,
        request: &SsoTokenRequest,
    ) -> Result<LoginResponse, ClientError> {
        let builder = self
            .http
            .post(endpoint(server_url, "/auth/sso/token"))
            .json(request);
        let response = send(server_url, builder).await?;
        decode(server_url, response, false).await
    }

    pub(crate) async fn logout(&self, server_url: &str, token: &str) -> Result<(), ClientError> {
        let builder = self
            .http
            .post(endpoint(server_url, "/auth/logout"))
            .bearer_auth(token);
        let response = send(server_url, builder).await?;
        check_status(server_url, response, true).await.map(drop)
    }

    pub(crate) async fn sync(
        &self,
        server_url: &str,
        token: &str,
        since: Option<&Cursor>,
        limit: i64,
    ) -> Result<SyncResponse, ClientError> {
        let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(since) = since {
            query.push(("since", since.as_str().to_owned()));
        }
        let builder = self
            .http
            .get(endpoint(server_url, "/sync"))
            .bearer_auth(token)
            .query(&query);
        let response = send(server_url, builder).await?;
        decode(server_url, response, true).await
    }

    /// An authenticated read: `GET {path}?{query}`.
    pub(crate) async fn get<R: DeserializeOwned>(
        &self,
        server_url: &str,
        token: &str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<R, ClientError> {
        let builder = self
            .http
            .get(endpoint(server_url, path))
            .bearer_auth(token)
            .query(query);
        let response = send(server_url, builder).await?;
        decode(server_url, response, true).await
    }

    /// An authenticated download: the body of `GET {path}` as bytes.
    pub(crate) async fn get_bytes(
        &self,
        server_url: &str,
        token: &str,
        path: &str,
    ) -> Result<Vec<u8>, ClientError> {
        let builder = self.http.get(endpoint(server_url, path)).bearer_auth(token);
        let response = send(server_url, builder).await?;
        let response = check_status(server_url, response, true).await?;
        let bytes = response.bytes().await.map_err(|e| {
            tracing::debug!(error = %e, "download broke off");
            ClientError::Offline(server_url.to_owned())
        })?;
        Ok(bytes.to_vec())
    }

    /// An authenticated download streamed to `dest`: the body of `GET {path}`
    /// is written to `dest.partial` as it comes (never held in memory) and
    /// renamed to `dest` when complete; on any failure the partial file is
    /// removed. Nothing is created before the server answers 2xx. Answers the
    /// number of bytes written.
    pub(crate) async fn download_to(
        &self,
        server_url: &str,
        token: &str,
        path: &str,
        dest: &std::path::Path,
    ) -> Result<u64, ClientError> {
        let builder = self
            .http
            .get(endpoint(server_url, path))
            .bearer_auth(token)
            .timeout(DOWNLOAD_TIMEOUT);
        let response = send(server_url, builder).await?;
        let response = check_status(server_url, response, true).await?;
        let partial = partial_path(dest);
        let result = write_body(server_url, response, &partial, dest).await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&partial).await;
        }
        result
    }

    /// `POST /attachments?name=&mutation_id=` with the file as the body.
    pub(crate) async fn upload(
        &self,
        server_url: &str,
        token: &str,
        name: &str,
        mutation_id: &str,
        bytes: Vec<u8>,
    ) -> Result<commons_protocol::Attachment, ClientError> {
        let builder = self
            .http
            .post(endpoint(server_url, "/attachments"))
            .bearer_auth(token)
            .query(&[("name", name), ("mutation_id", mutation_id)])
            .body(bytes);
        let response = send(server_url, builder).await?;
        decode(server_url, response, true).await
    }

    /// An authenticated write: `POST {path}` with a JSON body.
    pub(crate) async fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        server_url: &str,
        token: &str,
        path: &str,
        body: &B,
    ) -> Result<R, ClientError> {
        let builder = self
            .http
            .request(Method::POST, endpoint(server_url, path))
            .bearer_auth(token)
            .json(body);
        let response = send(server_url, builder).await?;
        decode(server_url, response, true).await
    }

    /// An authenticated write with any method and a JSON body. The answer is
    /// returned as JSON for the caller to read what it understands; an empty
    /// body (204) is `null`.
    pub(crate) async fn write<B: Serialize>(
        &self,
        method: Method,
        server_url: &str,
        token: &str,
        path: &str,
        body: &B,
    ) -> Result<serde_json::Value, ClientError> {
        let builder = self
            .http
            .request(method, endpoint(server_url, path))
            .bearer_auth(token)
            .json(body);
        let response = send(server_url, builder).await?;
        let response = check_status(server_url, response, true).await?;
        let bytes = response.bytes().await.map_err(|e| {
            tracing::debug!(error = %e, "response body unreadable");
            ClientError::Offline(server_url.to_owned())
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| ClientError::UnexpectedResponse(e.to_string()))
    }
}

/// `FILE.partial` beside `FILE`: where a download goes until it is complete.
pub(crate) fn partial_path(dest: &std::path::Path) -> std::path::PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    dest.with_file_name(name)
}

async fn write_body(
    server_url: &str,
    mut response: Response,
    partial: &std::path::Path,
    dest: &std::path::Path,
) -> Result<u64, ClientError> {
    use tokio::io::AsyncWriteExt;
    let local = |e: std::io::Error, at: &std::path::Path| ClientError::Profile {
        path: at.display().to_string(),
        source: e,
    };
    let mut file = tokio::fs::File::create(partial)
        .await
        .map_err(|e| local(e, partial))?;
    let mut bytes = 0u64;
    loop {
        let chunk = match tokio::time::timeout(DOWNLOAD_IDLE, response.chunk()).await {
            Ok(Ok(Some(chunk))) => chunk,
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "download broke off");
                return Err(ClientError::Offline(server_url.to_owned()));
            }
            Err(_) => {
                tracing::debug!("download stalled");
                return Err(ClientError::Offline(server_url.to_owned()));
            }
        };
        file.write_all(&chunk)
            .await
            .map_err(|e| local(e, partial))?;
        bytes += chunk.len() as u64;
    }
    file.flush().await.map_err(|e| local(e, partial))?;
    file.sync_all().await.map_err(|e| local(e, partial))?;
    drop(file);
    tokio::fs::rename(partial, dest)
        .await
        .map_err(|e| local(e, dest))?;
    Ok(bytes)
}

/// `{server_url}/api/v1{path}`.
pub(crate) fn endpoint(server_url: &str, path: &str) -> String {
    format!("{server_url}{API_PREFIX}{path}")
}

async fn send(server_url: &str, builder: RequestBuilder) -> Result<Response, ClientError> {
    builder.send().await.map_err(|e| {
        if e.is_builder() {
            ClientError::InvalidInput(format!("invalid server address {server_url}: {e}"))
        } else {
            // Connection refused, DNS failure, timeout, connection reset: all
            // mean the same to the user: the server cannot be reached now.
            tracing::debug!(error = %e, "request failed");
            ClientError::Offline(server_url.to_owned())
        }
    })
}

async fn check_status(
    server_url: &str,
    response: Response,
    authenticated: bool,
) -> Result<Response, ClientError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    if authenticated && status == StatusCode::UNAUTHORIZED {
        return Err(ClientError::SessionExpired);
    }
    let text = response.text().await.map_err(|e| {
        tracing::debug!(error = %e, "error body unreadable");
        ClientError::Offline(server_url.to_owned())
    })?;
    Err(server_error(status, &text))
}

async fn decode<R: DeserializeOwned>(
    server_url: &str,
    response: Response,
    authenticated: bool,
) -> Result<R, ClientError> {
    let response = check_status(server_url, response, authenticated).await?;
    let bytes = response.bytes().await.map_err(|e| {
        tracing::debug!(error = %e, "response body unreadable");
        ClientError::Offline(server_url.to_owned())
    })?;
    serde_json::from_slice(&bytes).map_err(|e| ClientError::UnexpectedResponse(e.to_string()))
}

/// The server's `{"error":{...}}`, or a description of whatever a proxy sent instead.
pub(crate) fn server_error(status: StatusCode, body: &str) -> ClientError {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(body) => ClientError::Server {
            status: status.as_u16(),
            code: body.error.code,
            message: body.error.message,
        },
        Err(_) => ClientError::Server {
            status: status.as_u16(),
            code: code_for_status(status),
            message: format!(
                "HTTP {status}: {}",
                body.chars().take(200).collect::<String>().trim()
            ),
        },
    }
}

fn code_for_status(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        400 | 422 => ErrorCode::BadRequest,
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::Conflict,
        413 => ErrorCode::PayloadTooLarge,
        429 => ErrorCode::RateLimited,
        _ => ErrorCode::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_become_server_errors() {
        let body = r#"{"error":{"code":"forbidden","message":"not a member of this group"}}"#;
        match server_error(StatusCode::FORBIDDEN, body) {
            ClientError::Server {
                status,
                code,
                message,
            } => {
                assert_eq!(status, 403);
                assert_eq!(code, ErrorCode::Forbidden);
                assert_eq!(message, "not a member of this group");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn foreign_error_pages_keep_their_status() {
        match server_error(StatusCode::BAD_GATEWAY, "<html>Bad Gateway</html>") {
            ClientError::Server { status, code, .. } => {
                assert_eq!(status, 502);
                assert_eq!(code, ErrorCode::Internal);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
