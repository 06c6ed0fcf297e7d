//! `GET /stream`: a WebSocket that pokes the client when something it may
//! see was committed. A poke carries only the newest cursor; the client pulls.
//!
//! Liveness ([`StreamTuning`]): the server pings and closes a connection that
//! stays silent too long; a client that stops reading is closed when a send
//! cannot complete in time. Nothing is buffered per connection beyond one
//! frame in flight: pokes wait in the hub's fixed-size broadcast buffer, and a
//! connection that falls behind it gets one poke with the newest head.

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use commons_protocol::{Cursor, StreamMessage};
use serde::Deserialize;
use tokio::time::{interval_at, timeout, Instant, MissedTickBehavior};

use super::auth::{authenticate, bearer_token};
use super::error::ApiError;
use super::extract::ApiQuery;
use super::AppState;
use crate::config::StreamTuning;
use crate::hub::Wake;
use crate::ops;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// For clients that cannot set headers on a WebSocket (browsers).
    access_token: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/stream",
    operation_id = "stream",
    tag = "sync",
    summary = "WebSocket of pokes",
    description = "A WebSocket upgrade (`Connection: Upgrade`, `Upgrade: websocket`). The server \
        sends JSON text frames, each a `StreamMessage` (schema \
        `#/components/schemas/StreamMessage`); today only the poke, \
        `{\"type\":\"poke\",\"cursor\":\"c2.9f3a1c.42\"}`: something the caller may see changed \
        and `cursor` is the newest position of the change log. A poke carries no data: the \
        client answers it with `GET /api/v1/sync`. One poke is sent right after connecting, \
        so a client catches up at once. Clients send nothing (pings are answered); the server \
        pings now and then, and closes with code 1001 (going away) when it shuts down. \
        Browsers, which cannot set headers on a WebSocket, pass the token as `access_token`.",
    params(
        ("Connection" = String, Header, description = "`Upgrade`"),
        ("Upgrade" = String, Header, description = "`websocket`"),
        ("Sec-WebSocket-Version" = String, Header, description = "`13`"),
        ("Sec-WebSocket-Key" = String, Header, description = "The client's nonce (RFC 6455)"),
        StreamParams
    ),
    responses(
        (status = 101, description = "Switched to the WebSocket protocol; JSON `StreamMessage` text frames follow"),
        (status = 400, description = "`bad_request`: not a WebSocket upgrade request", body = commons_protocol::ErrorBody),
    ),
    security(("bearer" = []), ("access_token" = [])),
    extensions(("x-websocket-message" = json!({"$ref": "#/components/schemas/StreamMessage"})))
)]
pub async fn connect(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<StreamParams>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let token = bearer_token(&headers)
        .or(params.access_token.as_deref())
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "log in first: send Authorization: Bearer TOKEN or ?access_token=TOKEN".into(),
            )
        })?;
    let auth = authenticate(&state, token).await?;
    let upgrade = upgrade.map_err(|r| ApiError::BadRequest(r.body_text()))?;
    Ok(upgrade.on_upgrade(move |socket| serve(socket, state, auth.user.id, auth.token)))
}

async fn serve(mut socket: WebSocket, state: AppState, user_id: String, token: String) {
    let tuning = state.stream;
    let _counted = state.metrics.stream_opened();
    // Subscribe before reading the head, so no commit falls in between.
    let mut pokes = state.hub.subscribe(user_id);
    let mut shutdown = state.shutdown.clone();
    let mut ping = interval_at(Instant::now() + tuning.ping_every, tuning.ping_every);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let Some(mut last_sent) = current_head(&state).await else {
        return;
    };
    if send_poke(&mut socket, &state, last_sent).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                // Pongs, mostly; axum answers the client's pings itself.
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            wake = pokes.next() => {
                let head = match wake {
                    Some(Wake::Changed { head }) => head,
                    // Pokes were dropped for this connection: one poke with the
                    // newest head stands for all of them.
                    Some(Wake::Lagged) => match current_head(&state).await {
                        Some(head) => head,
                        None => return,
                    },
                    None => return,
                };
                // Pokes may arrive out of order or twice (the hub relays its own
                // commits, and pokes everyone after a reconnect): the client
                // already pulls up to `last_sent`, so only a newer head is news.
                if head > last_sent {
                    // The change may be this session's end (deactivation pokes
                    // everyone, on every node): then close instead.
                    if !session_alive(&state, &token).await {
                        let frame = CloseFrame { code: close_code::POLICY, reason: "the session has ended".into() };
                        let _ = send(&mut socket, Message::Close(Some(frame)), &tuning).await;
                        return;
                    }
                    last_sent = head;
                    if send_poke(&mut socket, &state, last_sent).await.is_err() {
                        return;
                    }
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() >= tuning.silence_limit {
                    tracing::debug!("closing a stream whose client stopped answering pings");
                    let frame = CloseFrame { code: close_code::POLICY, reason: "no answer to pings".into() };
                    let _ = send(&mut socket, Message::Close(Some(frame)), &tuning).await;
                    return;
                }
                if send(&mut socket, Message::Ping(Default::default()), &tuning).await.is_err() {
                    return;
                }
            }
            _ = shutdown.changed() => {
                let frame = CloseFrame { code: close_code::AWAY, reason: "server shutting down".into() };
                let _ = send(&mut socket, Message::Close(Some(frame)), &tuning).await;
                return;
            }
        }
    }
}

/// Is the connection's session still valid? A failed check keeps it: the
/// client's next pull is refused anyway if it is not.
async fn session_alive(state: &AppState, token: &str) -> bool {
    match ops::users::session_user(&state.db, token).await {
        Ok(user) => user.is_some(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot check the session of a stream");
            true
        }
    }
}

async fn current_head(state: &AppState) -> Option<i64> {
    match ops::sync::head(&state.db).await {
        Ok(head) => Some(head),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the change-log head for a stream");
            None
        }
    }
}

async fn send_poke(socket: &mut WebSocket, state: &AppState, head: i64) -> Result<(), Gone> {
    state.metrics.poke_sent();
    let poke = StreamMessage::Poke {
        cursor: Cursor::new(state.db.epoch(), head),
    };
    let text = serde_json::to_string(&poke).map_err(|_| Gone)?;
    send(socket, Message::Text(text.into()), &state.stream).await
}

/// The connection is closed or should be.
struct Gone;

/// Sends one frame, giving up on a client that stopped reading: `send` waits
/// for the socket to take the frame, so nothing piles up in memory; the
/// connection is then dropped (and the client reconnects and pulls).
async fn send(socket: &mut WebSocket, message: Message, tuning: &StreamTuning) -> Result<(), Gone> {
    match timeout(tuning.send_timeout, socket.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Gone),
        Err(_) => {
            tracing::debug!("closing a stream whose client stopped reading");
            Err(Gone)
        }
    }
}
