//! Single sign-on, the app's side (RFC 8252, "OAuth for native apps"): a
//! loopback listener on `127.0.0.1` with a random port, a PKCE verifier and
//! a state of our own, the server's start URL for the system browser, and
//! the browser's return to the listener. The server is the OpenID Connect
//! client of the identity provider; this side only ever sees a one-time code
//! that is worthless without the verifier. `docs/sso.md` has the whole flow.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::Url;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::api::endpoint;
use crate::ClientError;

/// Where the browser comes back to, on the listener's port.
const CALLBACK_PATH: &str = "/sso/callback";
/// How long a person may take to sign in at their provider.
pub const SIGN_IN_PATIENCE: Duration = Duration::from_secs(5 * 60);
/// A browser's request head is far smaller; more is not a browser.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// One sign-in in progress: the listener and the secrets it must match.
pub(crate) struct LoopbackFlow {
    listener: TcpListener,
    redirect_uri: String,
    pub(crate) verifier: String,
    state: String,
}

/// What the browser brought back.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Code(String),
    Refused(String),
    /// Another sign-in's answer, or a forged one.
    WrongState,
}

impl LoopbackFlow {
    /// Listens on `127.0.0.1`, a port the system picks.
    pub(crate) async fn listen() -> Result<LoopbackFlow, ClientError> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
            ClientError::InvalidInput(format!("cannot listen for the browser's answer: {e}"))
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| ClientError::InvalidInput(format!("no local address: {e}")))?
            .port();
        Ok(LoopbackFlow {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}{CALLBACK_PATH}"),
            verifier: random_text(),
            state: random_text(),
        })
    }

    /// `GET /api/v1/auth/sso/start` with our redirect URI, challenge and state.
    pub(crate) fn start_url(&self, server_url: &str) -> Result<String, ClientError> {
        let mut url = Url::parse(&endpoint(server_url, "/auth/sso/start"))
            .map_err(|e| ClientError::InvalidInput(format!("not a server address: {e}")))?;
        url.query_pairs_mut()
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("code_challenge", &challenge_of(&self.verifier))
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &self.state);
        Ok(url.into())
    }

    /// Waits for the browser (at most `patience`) and answers the one-time code.
    pub(crate) async fn code(&self, patience: Duration) -> Result<String, ClientError> {
        let answer = tokio::time::timeout(patience, self.answer())
            .await
            .map_err(|_| {
                ClientError::InvalidInput(format!(
                    "no answer from the browser within {} minutes: try again",
                    patience.as_secs() / 60
                ))
            })??;
        match answer {
            Answer::Code(code) => Ok(code),
            Answer::Refused(message) => Err(ClientError::Server {
                status: 403,
                code: commons_protocol::ErrorCode::Forbidden,
                message,
            }),
            Answer::WrongState => Err(ClientError::InvalidInput(
                "the browser came back with the answer of another sign-in: try again".into(),
            )),
        }
    }

    /// The first request for our callback path; other requests (a favicon)
    /// get a 404 and the wait goes on.
    async fn answer(&self) -> Result<Answer, ClientError> {
        loop {
            let (mut stream, _) = self.listener.accept().await.map_err(|e| {
                ClientError::InvalidInput(format!("the browser's answer was lost: {e}"))
            })?;
            let Some(target) = request_target(&mut stream).await else {
                continue;
            };
            let Some(answer) = self.read_answer(&target) else {
                respond(&mut stream, "404 Not Found", "Nothing here.").await;
                continue;
            };
            let page = match &answer {
                Answer::Code(_) => "Signed in. You can close this window and go back to Commons.",
                Answer::Refused(_) => "The sign-in was refused; Commons says why.",
                Answer::WrongState => {
                    "This answer belongs to another sign-in: try again from Commons."
                }
            };
            respond(&mut stream, "200 OK", page).await;
            return Ok(answer);
        }
    }

    fn read_answer(&self, target: &str) -> Option<Answer> {
        let url = Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
        if url.path() != CALLBACK_PATH {
            return None;
        }
        let param = |name: &str| {
            url.query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
        };
        if param("state").as_deref() != Some(self.state.as_str()) {
            return Some(Answer::WrongState);
        }
        if let Some(error) = param("error") {
            let description = param("error_description").unwrap_or(error);
            return Some(Answer::Refused(description));
        }
        param("code").map(Answer::Code).or(Some(Answer::WrongState))
    }
}

/// The path and query of an HTTP request (`GET /sso/callback?... HTTP/1.1`).
async fn request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
            .await
            .ok()?
            .ok()?;
        if read == 0 || head.len() > MAX_REQUEST_HEAD {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut parts = text.lines().next()?.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Some(target.to_string()),
        _ => None,
    }
}

async fn respond(stream: &mut TcpStream, status: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Commons</title></head>\
         <body><p>{text}</p></body></html>"
    );
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// 64 hexadecimal characters from the OS's secure random source (uuid's v4
/// draws from getrandom): a valid PKCE verifier (RFC 7636 §4.1) and state.
fn random_text() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// PKCE S256: BASE64URL(SHA-256(verifier)), no padding.
fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_our_state_and_path_are_an_answer() {
        let flow = LoopbackFlow::listen().await.unwrap();
        let state = flow.state.clone();
        let url = flow.start_url("http://server:8080").unwrap();
        assert!(url.starts_with(
            "http://server:8080/api/v1/auth/sso/start?redirect_uri=http%3A%2F%2F127.0.0.1%3A"
        ));
        assert!(url.contains(&challenge_of(&flow.verifier)));
        assert_eq!(
            flow.read_answer(&format!("/sso/callback?code=abc&state={state}")),
            Some(Answer::Code("abc".into()))
        );
        assert_eq!(
            flow.read_answer("/sso/callback?code=abc&state=forged"),
            Some(Answer::WrongState)
        );
        assert_eq!(
            flow.read_answer(&format!(
                "/sso/callback?error=access_denied&error_description=no&state={state}"
            )),
            Some(Answer::Refused("no".into()))
        );
        assert_eq!(flow.read_answer("/favicon.ico"), None);
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
