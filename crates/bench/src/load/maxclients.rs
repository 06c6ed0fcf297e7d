//! `--find-max-clients`: how many stream connections one node holds.
//!
//! These are raw WebSocket connections to `GET /api/v1/stream` (tokio-
//! tungstenite, as the client core opens them), not full client cores: a
//! client core is a SQLite cache with its own threads, and a thousand of
//! them in one process already cost more than the server's side of the
//! connections. Each connection waits for its first poke (the server has
//! registered it), then keeps reading (answering pings) until the end.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use crate::clients::wait_for;

pub struct Outcome {
    pub held: usize,
    pub stopped_because: String,
    /// (connections, node VmRSS MiB) after each step.
    pub steps: Vec<(usize, Option<f64>)>,
    /// Connections that got the poke of a post made at the end, of `held`.
    pub poked: usize,
}

#[derive(Default)]
struct Counters {
    connected: AtomicUsize,
    failed: AtomicUsize,
    dropped: AtomicUsize,
    probing: AtomicBool,
    poked: AtomicUsize,
}

/// Adds connections `step` at a time to `url` until one fails or drops, or
/// `cap` is reached; then makes a post through `probe` and counts the
/// connections poked for it.
pub async fn run(
    url: &str,
    tokens: &[String],
    cap: usize,
    step: usize,
    rss: impl Fn() -> Option<f64>,
    probe: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<Outcome> {
    anyhow::ensure!(!tokens.is_empty(), "no tokens to connect with");
    let stream = format!("{}/api/v1/stream", url.replacen("http", "ws", 1));
    let counters = Arc::new(Counters::default());
    let mut connections = JoinSet::new();
    let mut steps = Vec::new();
    let mut opened = 0;
    let stopped_because = loop {
        let target = (opened + step).min(cap);
        let started = Instant::now();
        while opened < target {
            let address = format!("{stream}?access_token={}", tokens[opened % tokens.len()]);
            connections.spawn(connection(address, counters.clone()));
            opened += 1;
            // Do not open thousands of TCP handshakes in the same instant.
            if opened % 100 == 0 {
                tokio::task::yield_now().await;
            }
        }
        let settled = wait_for(Duration::from_secs(60), || {
            let c = &counters;
            c.connected.load(Ordering::Relaxed) + c.failed.load(Ordering::Relaxed) >= opened
        })
        .await;
        let connected = counters.connected.load(Ordering::Relaxed);
        let failed = counters.failed.load(Ordering::Relaxed);
        let dropped = counters.dropped.load(Ordering::Relaxed);
        steps.push((connected - dropped, rss()));
        eprintln!(
            "  {connected} stream connections up ({failed} failed, {dropped} dropped) in {:.1?}, node {:?} MiB",
            started.elapsed(),
            rss().map(|m| m.round())
        );
        if failed > 0 || dropped > 0 {
            break format!("{failed} connection(s) failed, {dropped} dropped");
        }
        if !settled {
            break "connections did not complete within 60 s".to_owned();
        }
        if opened >= cap {
            break format!("the cap of {cap} was reached");
        }
    };
    let held =
        counters.connected.load(Ordering::Relaxed) - counters.dropped.load(Ordering::Relaxed);
    counters.probing.store(true, Ordering::Relaxed);
    probe.await?;
    wait_for(Duration::from_secs(60), || {
        counters.poked.load(Ordering::Relaxed) >= held
    })
    .await;
    let poked = counters.poked.load(Ordering::Relaxed);
    connections.shutdown().await;
    Ok(Outcome {
        held,
        stopped_because,
        steps,
        poked,
    })
}

async fn connection(address: String, counters: Arc<Counters>) {
    let connect = tokio_tungstenite::connect_async(address.as_str());
    let mut socket = match tokio::time::timeout(Duration::from_secs(30), connect).await {
        Ok(Ok((socket, _))) => socket,
        Ok(Err(e)) => {
            if counters.failed.fetch_add(1, Ordering::Relaxed) == 0 {
                eprintln!("  first failed connection: {e}");
            }
            return;
        }
        Err(_) => {
            counters.failed.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    let mut registered = false;
    let mut poked = false;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(_))) => {
                if !registered {
                    registered = true;
                    counters.connected.fetch_add(1, Ordering::Relaxed);
                } else if !poked && counters.probing.load(Ordering::Relaxed) {
                    poked = true;
                    counters.poked.fetch_add(1, Ordering::Relaxed);
                }
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                if registered {
                    counters.dropped.fetch_add(1, Ordering::Relaxed);
                } else {
                    counters.failed.fetch_add(1, Ordering::Relaxed);
                }
                return;
            }
            Some(Ok(_)) => {}
        }
    }
}
