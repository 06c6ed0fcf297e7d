//! A node stops (SIGTERM) under a live client core: requests in flight on it
//! complete, the client sees its stream close ("going away"), reconnects
//! through the load balancer to the other node, sends what it wrote in the
//! meantime exactly once, and gets the other node's posts live.
//!
//! The load balancer is `Front`, a TCP forwarder in front of both nodes that
//! sends each new connection to the first node accepting it, as a balancer
//! does once a node stops listening. The client core knows one address, the
//! front's; it has no list of nodes.

use std::net::SocketAddr;

use commons_client::{Client, LiveEvent};
use commons_protocol::{FeedPage, Privacy, API_PREFIX};
use commons_testkit::PATIENCE;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::binary::serve;
use crate::harness::{Ctx, Session, PASSWORD};

/// Forwards every connection to the first of `backends` that accepts it.
struct Front {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Front {
    async fn start(backends: Vec<SocketAddr>) -> Front {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("front binds");
        let addr = listener.local_addr().expect("front address");
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let backends = backends.clone();
                tokio::spawn(async move {
                    for backend in backends {
                        if let Ok(mut outbound) = TcpStream::connect(backend).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                            return;
                        }
                    }
                });
            }
        });
        Front { addr, task }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn socket_addr(url: &str) -> SocketAddr {
    url.trim_start_matches("http://")
        .parse()
        .expect("node address")
}

/// The next live event that `wanted` accepts, within [`PATIENCE`].
async fn next_event(
    events: &mut mpsc::UnboundedReceiver<LiveEvent>,
    what: &str,
    wanted: impl Fn(&LiveEvent) -> bool,
) -> LiveEvent {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let event = events.recv().await.expect("live mode ended early");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no live event: {what}"))
}

/// Waits, event after event, until the client's cache satisfies `done`.
async fn until_cache(
    client: &Client,
    events: &mut mpsc::UnboundedReceiver<LiveEvent>,
    what: &str,
    done: impl AsyncFn(&Client) -> bool,
) {
    let waited = tokio::time::timeout(PATIENCE, async {
        while !done(client).await {
            // Every change of the cache by live mode ends in a report.
            let _ = events.recv().await.expect("live mode ended early");
        }
    })
    .await;
    assert!(waited.is_ok(), "the client's cache never got: {what}");
}

/// The bodies of the group's posts as the server has them (one page holds them all).
async fn bodies_on_server(session: &Session, group_id: &str) -> Vec<String> {
    let page: FeedPage = session
        .get(&format!("/groups/{group_id}/posts?limit=100"))
        .await
        .assert_status(200)
        .json();
    page.posts.into_iter().map(|p| p.post.body).collect()
}

/// Sends a request's headers and the first half of its body, so that it is
/// in flight; [`finish`] sends the rest and returns the status line.
async fn start_request(url: &str, token: &str, path: &str, body: &str) -> (TcpStream, String) {
    let mut socket = TcpStream::connect(socket_addr(url))
        .await
        .expect("connects");
    let head = format!(
        "POST {API_PREFIX}{path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        socket_addr(url),
        body.len()
    );
    let (first, rest) = body.split_at(body.len() / 2);
    socket
        .write_all(head.as_bytes())
        .await
        .expect("headers sent");
    socket
        .write_all(first.as_bytes())
        .await
        .expect("half the body sent");
    (socket, rest.to_owned())
}

async fn finish(mut socket: TcpStream, rest: String) -> String {
    socket
        .write_all(rest.as_bytes())
        .await
        .expect("the rest of the body sent");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = tokio::time::timeout(PATIENCE, async {
        loop {
            let n = socket.read(&mut buffer).await.expect("answer read");
            answer.extend_from_slice(&buffer[..n]);
            if n == 0 || answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer to the request in flight");
    let text = String::from_utf8_lossy(&answer);
    text.lines().next().unwrap_or_default().to_owned()
}

pub async fn a_client_moves_to_another_node_when_its_node_stops_and_loses_nothing(ctx: Ctx) {
    let node_a = serve(&ctx).await;
    let node_b = serve(&ctx).await;
    let front = Front::start(vec![socket_addr(&node_a.url), socket_addr(&node_b.url)]).await;
    let ada = ctx.create_user("ada").await;
    let bob = ctx
        .at(&node_b.url)
        .login(&ctx.create_user("bob").await)
        .await;
    let group = bob.create_group("Failover", Privacy::Open).await;
    bob.add_member(&group.id, &ada.email)
        .await
        .assert_status(200);

    // Ada's desktop: a real client core, live through the front (so on node A).
    let profile = tempfile::tempdir().expect("profile dir");
    let client = Client::open(profile.path()).await.expect("client opens");
    client
        .login(&front.url(), &ada.email, PASSWORD)
        .await
        .expect("ada logs in through the front");
    let (sender, mut events) = mpsc::unbounded_channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let live = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .run_live(
                    move |event| {
                        let _ = sender.send(event);
                    },
                    async {
                        let _ = stopped.await;
                    },
                )
                .await
        })
    };
    next_event(&mut events, "online on node A", |e| *e == LiveEvent::Online).await;
    until_cache(&client, &mut events, "the group", async |c| {
        c.groups()
            .await
            .expect("groups")
            .iter()
            .any(|g| g.id == group.id)
    })
    .await;

    // A write in flight on node A when it is told to stop.
    let in_flight = bob.post_request(&group.id, "in flight on node A");
    let body = serde_json::to_string(&in_flight).expect("request body");
    let (request, rest) = start_request(&node_a.url, &bob.token, "/posts", &body).await;
    node_a.terminate().await;

    // The client sees its stream closed with "going away" and plans a prompt retry.
    let offline = next_event(&mut events, "offline when node A stops", |e| {
        matches!(e, LiveEvent::Offline { .. })
    })
    .await;
    let LiveEvent::Offline { retry_in_ms } = offline else {
        unreachable!()
    };
    assert!(
        retry_in_ms <= 1000,
        "after a connection that was up, the first retry comes within the first backoff step (1 s), not {retry_in_ms} ms"
    );
    // Writes while node A goes down: they wait in the outbox.
    let written: Vec<String> = (1..=3)
        .map(|i| format!("written while A stops #{i}"))
        .collect();
    for text in &written {
        let post = client
            .post(Some(&group.id), text)
            .await
            .expect("local write");
        assert!(
            post.pending,
            "a write is pending until the server confirms it"
        );
    }
    assert!(
        !client.outbox().await.expect("outbox").is_empty(),
        "the writes sit in the outbox while the client is offline"
    );

    // The request in flight completes; then node A exits cleanly.
    let status = finish(request, rest).await;
    assert!(
        status.contains(" 201 "),
        "the write in flight completes: {status}"
    );
    node_a.wait_stopped().await;

    // Through the front, the client reconnects (to node B) and sends its outbox.
    next_event(&mut events, "online again, on node B", |e| {
        *e == LiveEvent::Online
    })
    .await;
    until_cache(&client, &mut events, "an empty outbox", async |c| {
        c.outbox().await.expect("outbox").is_empty()
    })
    .await;

    // Bob, on node B, posts: it reaches Ada's cache live.
    let from_b = bob.write_post(&group, "posted on node B").await;
    until_cache(&client, &mut events, "bob's post from node B", async |c| {
        c.post_by_id(&from_b.id)
            .await
            .expect("cache read")
            .is_some()
    })
    .await;

    // What everyone sees: every write exactly once, nothing pending.
    let on_server = bodies_on_server(&bob, &group.id).await;
    for text in written
        .iter()
        .map(String::as_str)
        .chain(["in flight on node A", "posted on node B"])
    {
        let copies = on_server.iter().filter(|b| b.as_str() == text).count();
        assert_eq!(
            copies, 1,
            "{text:?} is on the server {copies} times: {on_server:?}"
        );
    }
    let cached = client.feed(Some(&group.id), 100, None).await.expect("feed");
    for text in &written {
        let copies: Vec<_> = cached.iter().filter(|p| &p.body == text).collect();
        assert_eq!(copies.len(), 1, "{text:?} in ada's cache: {copies:?}");
        assert!(!copies[0].pending, "{text:?} is confirmed");
    }

    let _ = stop.send(());
    live.await
        .expect("live task")
        .expect("live mode ends cleanly");
    let _ = client.logout().await;
    client.close().await;
    node_b.stop().await;
}
