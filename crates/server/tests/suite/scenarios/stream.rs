use std::time::Duration;

use commons_protocol::*;
use commons_server::hub::{Audience, Poke, Wake};
use commons_server::{StreamTuning, Tuning};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::harness::{ids_in, Ctx, Session};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Only a guard against a hang: the pokes themselves are awaited, not timed.
const NO_HANG: Duration = Duration::from_secs(30);

fn stream_url(ctx: &Ctx) -> String {
    ctx.api("/stream").replacen("http://", "ws://", 1)
}

pub(crate) async fn connect(session: &Session) -> Result<Socket, tungstenite::Error> {
    let mut request = stream_url(&session.ctx).into_client_request()?;
    let bearer = format!("Bearer {}", session.token)
        .parse()
        .expect("header value");
    request.headers_mut().insert("authorization", bearer);
    Ok(tokio_tungstenite::connect_async(request).await?.0)
}

pub(crate) async fn next_poke(socket: &mut Socket) -> Cursor {
    loop {
        let message = tokio::time::timeout(NO_HANG, socket.next())
            .await
            .expect("a poke arrives")
            .expect("stream open")
            .expect("valid frame");
        match message {
            Message::Text(text) => match serde_json::from_str(text.as_str()).expect("poke JSON") {
                StreamMessage::Poke { cursor } => return cursor,
            },
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

fn assert_refused(result: Result<Socket, tungstenite::Error>) {
    match result {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status().as_u16(), 401),
        Err(e) => panic!("expected HTTP 401, got {e}"),
        Ok(_) => panic!("expected HTTP 401, got a WebSocket"),
    }
}

pub async fn members_get_a_poke_when_a_group_they_are_in_changes(ctx: Ctx) {
    let ada = ctx.person("ada").await;
    let bob = ctx.person("bob").await;
    let shared = ada.create_group("Engineering", Privacy::Open).await;
    bob.join(&shared.id).await.assert_status(200);

    let mut socket = connect(&bob).await.expect("bob connects");
    let hello = next_poke(&mut socket).await;
    let bobs_view = bob.sync(None).await;
    assert_eq!(
        hello, bobs_view.cursor,
        "the first poke carries the current cursor"
    );

    let secret = ada.create_group("Project Falcon", Privacy::Secret).await;
    let hidden = ada.write_post(&secret, "bob must not hear of this").await;
    let visible = ada.write_post(&shared, "bob should hear of this").await;
    let head_after_visible = ada.sync(None).await.cursor;
    // Had bob been poked for the secret group or post, this poke would carry an older cursor.
    assert_eq!(next_poke(&mut socket).await, head_after_visible);

    let news = ids_in(&bob.sync(Some(&bobs_view.cursor)).await.changes);
    assert_eq!(news, vec![visible.id.clone()]);
    assert!(!news.contains(&hidden.id));

    // A comment by bob pokes bob too (every member, the author included).
    bob.write_comment(&visible, "heard").await;
    assert_eq!(next_poke(&mut socket).await, bob.sync(None).await.cursor);
    socket.close(None).await.expect("clean close");

    let stranger = Session {
        token: "not-a-token".into(),
        ..ctx.person("carol").await
    };
    assert_refused(connect(&stranger).await);
}

pub async fn the_stream_takes_the_token_from_the_query_too(ctx: Ctx) {
    let bob = ctx.person("bob").await;
    let url = format!("{}?access_token={}", stream_url(&ctx), bob.token);
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .expect("connects");
    assert_eq!(next_poke(&mut socket).await, bob.sync(None).await.cursor);
    drop(socket);

    bob.post("/auth/logout", &serde_json::json!({}))
        .await
        .assert_status(204);
    assert_refused(
        tokio_tungstenite::connect_async(url.as_str())
            .await
            .map(|(s, _)| s),
    );
    assert_refused(
        tokio_tungstenite::connect_async(stream_url(&ctx).as_str())
            .await
            .map(|(s, _)| s),
    );
}

/// A WebSocket client that does the handshake and then only what the test
/// does by hand: it never answers pings. `receive_buffer` shrinks the socket's
/// receive buffer, so that a client that stops reading blocks the server soon.
async fn raw_stream(session: &Session, receive_buffer: Option<u32>) -> TcpStream {
    let host = session.ctx.url.strip_prefix("http://").expect("http URL");
    let socket = TcpSocket::new_v4().expect("socket");
    if let Some(size) = receive_buffer {
        socket.set_recv_buffer_size(size).expect("buffer size");
    }
    let mut stream = socket
        .connect(host.parse().expect("address"))
        .await
        .expect("connects");
    let request = format!(
        "GET {API_PREFIX}/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        session.token
    );
    stream.write_all(request.as_bytes()).await.expect("request");
    // Byte by byte, so no frame after the response is consumed.
    let mut response = Vec::new();
    while !response.ends_with(b"\r\n\r\n") {
        response.push(stream.read_u8().await.expect("response"));
    }
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 101"), "{response}");
    stream
}

const OPCODE_TEXT: u8 = 0x1;
const OPCODE_CLOSE: u8 = 0x8;
const OPCODE_PING: u8 = 0x9;

/// The next frame from the server (unmasked): opcode and payload; `None` at
/// the end of the connection.
async fn raw_frame(stream: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let read = async {
        let mut header = [0u8; 2];
        stream.read_exact(&mut header).await.ok()?;
        let length = match header[1] & 0x7f {
            126 => u64::from(stream.read_u16().await.ok()?),
            127 => stream.read_u64().await.ok()?,
            n => u64::from(n),
        };
        let mut payload = vec![0u8; usize::try_from(length).ok()?];
        stream.read_exact(&mut payload).await.ok()?;
        Some((header[0] & 0x0f, payload))
    };
    tokio::time::timeout(NO_HANG, read)
        .await
        .expect("a frame or the end of the connection")
}

fn short_stream_timings(
    ping_every: Duration,
    silence_limit: Duration,
    send_timeout: Duration,
) -> Tuning {
    Tuning {
        stream: StreamTuning {
            ping_every,
            silence_limit,
            send_timeout,
        },
        ..Tuning::default()
    }
}

/// The server pings; a client that answers stays connected, one that stays
/// silent is closed.
pub async fn silent_streams_are_closed_and_answering_ones_kept(ctx: Ctx) {
    let ping_every = Duration::from_millis(50);
    let silence_limit = Duration::from_millis(300);
    let tuning = short_stream_timings(ping_every, silence_limit, Duration::from_secs(5));
    let node = ctx.start_node(tuning).await;
    let bob = ctx.at(&node.url).person("bob").await;

    // tungstenite answers each ping while reading.
    let mut answering = connect(&bob).await.expect("connects");
    let mut pings = 0;
    // 20 pings span 1 s, more than three silence limits.
    while pings < 20 {
        let frame = tokio::time::timeout(NO_HANG, answering.next())
            .await
            .expect("a frame")
            .expect("stream open")
            .expect("valid frame");
        match frame {
            Message::Ping(_) => pings += 1,
            Message::Text(_) => {}
            other => panic!("an answering client got {other:?}"),
        }
    }

    let mut silent = raw_stream(&bob, None).await;
    let mut opcodes = Vec::new();
    let mut close_payload = None;
    while let Some((opcode, payload)) = raw_frame(&mut silent).await {
        opcodes.push(opcode);
        if opcode == OPCODE_CLOSE {
            close_payload = Some(payload);
        }
    }
    assert_eq!(opcodes.first(), Some(&OPCODE_TEXT), "the hello poke first");
    assert!(
        opcodes.contains(&OPCODE_PING),
        "pinged before closing: {opcodes:?}"
    );
    let close = close_payload.expect("a close frame before the end");
    assert_eq!(
        u16::from_be_bytes([close[0], close[1]]),
        1008,
        "policy violation"
    );
    answering.close(None).await.expect("clean close");
}

/// A client that stops reading is dropped once a send blocks, instead of the
/// server buffering pokes for it.
pub async fn a_stream_that_stops_reading_is_dropped(ctx: Ctx) {
    let long = Duration::from_secs(600);
    let tuning = short_stream_timings(long, long, Duration::from_millis(200));
    let node = ctx.start_node(tuning).await;
    let bob = ctx.at(&node.url).person("bob").await;
    let mut lazy = raw_stream(&bob, Some(4096)).await;
    let (opcode, _) = raw_frame(&mut lazy).await.expect("hello poke");
    assert_eq!(opcode, OPCODE_TEXT);
    assert_eq!(node.hub.subscribers(), 1);

    // Pokes for everyone, far more than the socket buffers hold; the client reads none.
    let deadline = tokio::time::Instant::now() + NO_HANG;
    let mut head = 1_000_000;
    while node.hub.subscribers() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "a client that stopped reading is still connected"
        );
        for _ in 0..200 {
            head += 1;
            node.hub.publish(Poke {
                head,
                audience: Audience::Everyone,
            });
        }
        // Pace the publisher so the connection's task keeps sending.
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Killing a node's listening connection to PostgreSQL: it reconnects, pokes
/// everyone with the current head (pokes may have been missed), and pokes
/// flow again.
pub async fn pokes_survive_a_lost_listening_connection(ctx: Ctx) {
    let node = ctx.start_node(Tuning::default()).await;
    let ada = ctx.at(&node.url).person("ada").await;
    let group = ada.create_group("Engineering", Privacy::Open).await;
    let mut socket = connect(&ada).await.expect("connects");
    next_poke(&mut socket).await;
    // Once this poke arrives, every earlier notification was relayed too.
    ada.write_post(&group, "before").await;
    assert_eq!(next_poke(&mut socket).await, ada.sync(None).await.cursor);
    let mut everyone = node.hub.subscribe("someone-without-an-account".into());

    let terminated = sqlx::query(
        "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = $1",
    )
    .bind(commons_server::hub::APPLICATION_NAME)
    .fetch_all(ctx.db.pool())
    .await
    .expect("terminates the listening connections");
    assert!(!terminated.is_empty(), "no listening connection found");

    let head = ada.sync(None).await.cursor;
    let wake = tokio::time::timeout(NO_HANG, everyone.next())
        .await
        .expect("a poke for everyone after reconnecting");
    assert_eq!(
        wake,
        Some(Wake::Changed {
            head: head.parts().expect("cursor").1
        })
    );
    ada.write_post(&group, "after").await;
    assert_eq!(next_poke(&mut socket).await, ada.sync(None).await.cursor);
}

/// Waits until the server closes the stream: a close frame, or the end.
/// Pokes that come first are skipped.
async fn closed_by_the_server(socket: &mut Socket) -> Option<String> {
    loop {
        let message = tokio::time::timeout(NO_HANG, socket.next())
            .await
            .expect("the server closes the stream");
        match message {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| f.reason.to_string()),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

/// Deactivating someone closes their open streams at once, on every node
/// (on PostgreSQL, a second node hears of it through the database); other
/// people's streams stay open.
pub async fn deactivation_closes_the_persons_streams_on_every_node(ctx: Ctx) {
    let root = super::content_support::org_admin(&ctx, "root").await;
    let grace = ctx.person("grace").await;
    let bob = ctx.person("bob").await;
    let mut nodes = vec![ctx.clone()];
    if ctx.database_url.is_some() {
        let other = ctx.start_node(Tuning::default()).await;
        nodes.push(ctx.at(&other.url));
    }
    let mut graces = Vec::new();
    for node in &nodes {
        let session = node.login(&grace.user).await;
        let mut socket = connect(&session).await.expect("grace connects");
        next_poke(&mut socket).await;
        graces.push(socket);
    }
    let mut bobs = connect(&bob).await.expect("bob connects");
    next_poke(&mut bobs).await;

    root.post(
        &format!("/admin/users/{}/deactivate", grace.user.id),
        &super::content_support::mutation(),
    )
    .await
    .assert_status(200);
    for socket in &mut graces {
        let reason = closed_by_the_server(socket).await;
        assert_eq!(reason.as_deref(), Some("the session has ended"));
    }
    // Bob heard of the change and stays connected.
    next_poke(&mut bobs).await;
    let group = bob.create_group("Still here", Privacy::Open).await;
    next_poke(&mut bobs).await;
    assert!(ids_in(&bob.sync(None).await.changes).contains(&group.id));
}
