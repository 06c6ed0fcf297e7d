//! Live mode: a WebSocket to `GET /api/v1/stream` that says when to sync.
//!
//! The server sends a `poke` (no data) when something visible to this account
//! changed; the client answers by syncing. A local write also triggers a sync,
//! so it is delivered at once while online. Pokes that arrive while a sync runs
//! are coalesced into at most one more sync. When the connection drops, the
//! client retries with exponential backoff and jitter (1 s doubling to 30 s),
//! so a restarting server is not hit by every client at the same instant.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use commons_protocol::{Cursor, StreamMessage};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header::AUTHORIZATION, HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::Connector;

use crate::api::endpoint;
use crate::{Client, ClientError, LiveEvent, SyncReport};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often to ping an idle connection, and how long silence may last before
/// the connection is considered dead (a dropped network sends no close frame).
const PING_EVERY: Duration = Duration::from_secs(20);
const SILENCE_LIMIT: Duration = Duration::from_secs(50);

impl Client {
    /// Runs until `shutdown` resolves: keeps a WebSocket to GET /api/v1/stream, syncs on connect and on each poke,
    /// reconnects with exponential backoff + jitter, and reports through `on_event`.
    ///
    /// Returns an error only when going on is pointless: not logged in, session
    /// ended by the server, keychain unusable.
    pub async fn run_live(
        &self,
        on_event: impl Fn(LiveEvent) + Send + Sync + 'static,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), ClientError> {
        tokio::pin!(shutdown);
        let mut backoff = Backoff::default();
        loop {
            let outcome = tokio::select! {
                () = &mut shutdown => return Ok(()),
                outcome = self.live_connection(&on_event, &mut backoff) => outcome,
            };
            match outcome {
                Err(
                    e @ (ClientError::NotLoggedIn
                    | ClientError::SessionExpired
                    | ClientError::Keychain(_)),
                ) => return Err(e),
                Err(e) => tracing::debug!(error = %e, "live connection lost"),
                Ok(()) => tracing::debug!("live connection closed by the server"),
            }
            let delay = backoff.next_delay();
            on_event(LiveEvent::Offline {
                retry_in_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            });
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One connection, from connecting to its end. `Ok` when the server closed it.
    async fn live_connection(
        &self,
        on_event: &(impl Fn(LiveEvent) + Send + Sync),
        backoff: &mut Backoff,
    ) -> Result<(), ClientError> {
        let (account, token) = self.live_session().await?;
        let offline = || ClientError::Offline(account.server_url.clone());
        let mut request = stream_url(&account.server_url)?
            .into_client_request()
            .map_err(|e| ClientError::InvalidInput(format!("stream address: {e}")))?;
        let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| ClientError::CorruptCache("stored token is not valid text".to_owned()))?;
        request.headers_mut().insert(AUTHORIZATION, bearer);

        let connect = tokio_tungstenite::connect_async_tls_with_config(
            request,
            None,
            false,
            Some(Connector::Rustls(tls_config()?)),
        );
        let mut ws = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok((ws, _response))) => ws,
            Ok(Err(WsError::Http(response))) if response.status() == StatusCode::UNAUTHORIZED => {
                self.live_session_ended(&account).await;
                return Err(ClientError::SessionExpired);
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "stream connection failed");
                return Err(offline());
            }
            Err(_elapsed) => return Err(offline()),
        };
        backoff.reset();
        on_event(LiveEvent::Online);
        // A new login shows the first page before the first pull, which may be long.
        match self.first_page().await {
            Ok(0) => {}
            Ok(added) => on_event(LiveEvent::Synced(SyncReport {
                pulled: added,
                ..SyncReport::default()
            })),
            Err(e @ (ClientError::Offline(_) | ClientError::SessionExpired)) => return Err(e),
            Err(e) => on_event(LiveEvent::Error(e.to_string())),
        }

        let mut last_heard = Instant::now();
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await; // the first tick is immediate
                           // Sync at once on connect, whatever the server's first poke says.
        let mut poked: Option<Option<Cursor>> = Some(None);
        loop {
            if let Some(poke_cursor) = poked.take() {
                if self.is_up_to(poke_cursor.as_ref()).await? {
                    continue;
                }
                let sync = self.sync();
                tokio::pin!(sync);
                let result = loop {
                    tokio::select! {
                        result = &mut sync => break result,
                        frame = ws.next() => match read_frame(frame, &mut last_heard) {
                            Frame::Poke(cursor) => poked = Some(Some(cursor)),
                            Frame::Nothing => {}
                            Frame::Closed => return Ok(()),
                            Frame::Broken => return Err(offline()),
                        },
                    }
                };
                match result {
                    Ok(report) => on_event(LiveEvent::Synced(report)),
                    Err(e @ ClientError::Offline(_)) => return Err(e),
                    Err(e @ (ClientError::SessionExpired | ClientError::NotLoggedIn)) => {
                        return Err(e)
                    }
                    Err(e) => on_event(LiveEvent::Error(e.to_string())),
                }
                continue;
            }
            tokio::select! {
                frame = ws.next() => match read_frame(frame, &mut last_heard) {
                    Frame::Poke(cursor) => poked = Some(Some(cursor)),
                    Frame::Nothing => {}
                    Frame::Closed => return Ok(()),
                    Frame::Broken => return Err(offline()),
                },
                () = self.local_write() => poked = Some(None),
                _ = ping.tick() => {
                    if last_heard.elapsed() > SILENCE_LIMIT {
                        return Err(offline());
                    }
                    ws.send(Message::Ping(Vec::new().into())).await.map_err(|_| offline())?;
                }
            }
        }
    }

    /// True when a poke announces nothing newer than what the cache already has.
    async fn is_up_to(&self, poke_cursor: Option<&Cursor>) -> Result<bool, ClientError> {
        let Some(poke_cursor) = poke_cursor else {
            return Ok(false);
        };
        Ok(self.sync_cursor().await?.as_ref() == Some(poke_cursor)
            && self.outbox_is_empty().await?)
    }
}

enum Frame {
    Poke(Cursor),
    Nothing,
    Closed,
    Broken,
}

fn read_frame(frame: Option<Result<Message, WsError>>, last_heard: &mut Instant) -> Frame {
    match frame {
        None | Some(Ok(Message::Close(_))) => Frame::Closed,
        Some(Err(e)) => {
            tracing::debug!(error = %e, "stream read failed");
            Frame::Broken
        }
        Some(Ok(message)) => {
            *last_heard = Instant::now();
            match message {
                Message::Text(text) => match serde_json::from_str::<StreamMessage>(text.as_str()) {
                    Ok(StreamMessage::Poke { cursor }) => Frame::Poke(cursor),
                    Err(e) => {
                        tracing::debug!(error = %e, "unknown stream message ignored");
                        Frame::Nothing
                    }
                },
                // Pings are answered by tungstenite itself; pongs only prove liveness.
                _ => Frame::Nothing,
            }
        }
    }
}

/// `ws(s)://host/api/v1/stream` for `http(s)://host`.
fn stream_url(server_url: &str) -> Result<String, ClientError> {
    let http = endpoint(server_url, "/stream");
    if let Some(rest) = http.strip_prefix("https://") {
        Ok(format!("wss://{rest}"))
    } else if let Some(rest) = http.strip_prefix("http://") {
        Ok(format!("ws://{rest}"))
    } else {
        Err(ClientError::InvalidInput(format!(
            "not a server address: {server_url}"
        )))
    }
}

/// TLS settings for `wss://`: the Mozilla root certificates, the ring provider.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, ClientError> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::InvalidInput(format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Delays between reconnection attempts: doubling from 1 s to 30 s, each
/// randomised into its upper half ("equal jitter").
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    attempt: u32,
}

const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_CAP: Duration = Duration::from_secs(30);

impl Backoff {
    pub(crate) fn next_delay(&mut self) -> Duration {
        let ceiling = BACKOFF_FIRST
            .saturating_mul(2u32.saturating_pow(self.attempt))
            .min(BACKOFF_CAP);
        self.attempt = self.attempt.saturating_add(1);
        let half = ceiling / 2;
        let jitter_ms = fastrand::u64(0..=u64::try_from(half.as_millis()).unwrap_or(0));
        half + Duration::from_millis(jitter_ms)
    }

    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let mut backoff = Backoff::default();
        let ceilings = [1, 2, 4, 8, 16, 30, 30, 30];
        for ceiling in ceilings {
            let ceiling = Duration::from_secs(ceiling);
            let delay = backoff.next_delay();
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{delay:?} vs {ceiling:?}"
            );
        }
        backoff.reset();
        assert!(backoff.next_delay() <= BACKOFF_FIRST);
    }

    #[test]
    fn stream_urls_follow_the_server_scheme() {
        assert_eq!(
            stream_url("http://127.0.0.1:8080").unwrap(),
            "ws://127.0.0.1:8080/api/v1/stream"
        );
        assert_eq!(
            stream_url("https://commons.example.org").unwrap(),
            "wss://commons.example.org/api/v1/stream"
        );
    }
}
