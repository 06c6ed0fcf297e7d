use std::time::Duration;

use commons_protocol::*;
use futures_util::StreamExt;
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

pub(super) async fn connect(session: &Session) -> Result<Socket, tungstenite::Error> {
    let mut request = stream_url(&session.ctx).into_client_request()?;
    let bearer = format!("Bearer {}", session.token)
        .parse()
        .expect("header value");
    request.headers_mut().insert("authorization", bearer);
    Ok(tokio_tungstenite::connect_async(request).await?.0)
}

pub(super) async fn next_poke(socket: &mut Socket) -> Cursor {
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
