//! Pokes between nodes through PostgreSQL LISTEN/NOTIFY; see the hub's module
//! comment for the design.
//!
//! Payload: `HEAD` (everyone may see the change) or `HEAD ID ID ...` (only
//! those users). User ids are UUIDs, so about 190 fit in a payload; a larger
//! audience is sent as everyone.

use std::fmt::Display;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::AnyConnection;
use tokio::sync::{broadcast, watch};

use super::{Audience, Poke};
use crate::db::{changes, Database};

/// The NOTIFY channel of pokes.
pub(crate) const CHANNEL: &str = "commons_pokes";
/// How the listening connection shows in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "commons-pokes";
/// PostgreSQL refuses payloads of 8000 bytes or more.
const MAX_PAYLOAD_BYTES: usize = 7_900;
/// After this long without a notification the connection is checked, so a
/// connection that died silently (no FIN from a vanished host) is replaced.
const CHECK_WHEN_QUIET_FOR: Duration = Duration::from_secs(30);
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);
const FIRST_RETRY: Duration = Duration::from_millis(250);
const LONGEST_RETRY: Duration = Duration::from_secs(30);

/// Sends `poke` to every node when the transaction on `conn` commits.
pub(crate) async fn notify(conn: &mut AnyConnection, poke: &Poke) -> Result<(), sqlx::Error> {
    let Some(payload) = encode(poke) else {
        return Ok(());
    };
    // pg_notify returns void, which the Any driver cannot decode: select a constant.
    sqlx::query("SELECT 1 AS sent FROM pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// `None` when nobody is to be poked.
fn encode(poke: &Poke) -> Option<String> {
    let everyone = poke.head.to_string();
    let Audience::Users(ids) = &poke.audience else {
        return Some(everyone);
    };
    if ids.is_empty() {
        return None;
    }
    let mut payload = everyone.clone();
    for id in ids {
        if id.is_empty() || id.contains(char::is_whitespace) {
            return Some(everyone);
        }
        payload.push(' ');
        payload.push_str(id);
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Some(everyone);
        }
    }
    Some(payload)
}

fn decode(payload: &str) -> Option<Poke> {
    let mut words = payload.split_whitespace();
    let head = words.next()?.parse().ok()?;
    let ids: Vec<String> = words.map(str::to_string).collect();
    let audience = if ids.is_empty() {
        Audience::Everyone
    } else {
        Audience::users(ids)
    };
    Some(Poke { head, audience })
}

/// A dedicated connection (not from the server's pool) listening on [`CHANNEL`].
pub(super) async fn listen(url: &str) -> Result<PgListener, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?.application_name(APPLICATION_NAME);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_with(options)
        .await?;
    let mut listener = PgListener::connect_with(&pool).await?;
    // Reconnection is ours (see `run`): it must be followed by a poke to everyone.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Relays notifications to this node's subscribers until `shutdown`.
pub(super) async fn run(
    mut listener: PgListener,
    url: String,
    db: Database,
    sender: broadcast::Sender<Arc<Poke>>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            why = relay_until_lost(&mut listener, &sender) => {
                tracing::warn!(%why, "lost the PostgreSQL connection that carries pokes; reconnecting");
            }
        }
        drop(listener);
        listener = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            listener = retry("listen for pokes", || listen(&url)) => listener,
        };
        // Pokes sent meanwhile are lost. The head is read after LISTEN, so a
        // commit is either covered by it or notified.
        let head = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            head = retry("read the change-log head", || current_head(&db)) => head,
        };
        tracing::info!(head, "listening for pokes again; poking every connection");
        let _ = sender.send(Arc::new(Poke {
            head,
            audience: Audience::Everyone,
        }));
    }
}

/// Relays notifications; returns why the connection is no longer usable.
async fn relay_until_lost(
    listener: &mut PgListener,
    sender: &broadcast::Sender<Arc<Poke>>,
) -> String {
    loop {
        // try_recv is cancel-safe (sqlx reads whole messages or nothing).
        match tokio::time::timeout(CHECK_WHEN_QUIET_FOR, listener.try_recv()).await {
            Ok(Ok(Some(notification))) => match decode(notification.payload()) {
                Some(poke) => {
                    let _ = sender.send(Arc::new(poke));
                }
                None => tracing::warn!(
                    payload = notification.payload(),
                    "ignoring a malformed poke"
                ),
            },
            Ok(Ok(None)) => return "the connection closed".into(),
            Ok(Err(e)) => return e.to_string(),
            Err(_quiet) => {
                let check = sqlx::query("SELECT 1").execute(&mut *listener);
                match tokio::time::timeout(CHECK_TIMEOUT, check).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return e.to_string(),
                    Err(_) => return "the connection stopped answering".into(),
                }
            }
        }
    }
}

async fn current_head(db: &Database) -> Result<i64, crate::db::DbError> {
    let mut conn = db.pool().acquire().await?;
    changes::head(&mut conn).await
}

/// Runs `attempt` until it succeeds, waiting longer after each failure.
async fn retry<T, E: Display, F: Future<Output = Result<T, E>>>(
    what: &str,
    mut attempt: impl FnMut() -> F,
) -> T {
    let mut wait = FIRST_RETRY;
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?wait, "cannot {what}");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(LONGEST_RETRY);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poke(head: i64, audience: Audience) -> Poke {
        Poke { head, audience }
    }

    #[test]
    fn payloads_round_trip() {
        let everyone = encode(&poke(7, Audience::Everyone)).expect("payload");
        assert_eq!(everyone, "7");
        let decoded = decode(&everyone).expect("decodes");
        assert_eq!((decoded.head, decoded.audience), (7, Audience::Everyone));

        let users = Audience::users(["a".to_string(), "b".to_string()]);
        let decoded = decode(&encode(&poke(9, users.clone())).expect("payload")).expect("decodes");
        assert_eq!((decoded.head, decoded.audience), (9, users));
    }

    #[test]
    fn nobody_sends_nothing_and_oversized_audiences_become_everyone() {
        assert_eq!(encode(&poke(1, Audience::nobody())), None);
        let many = Audience::users((0..1000).map(|_| uuid::Uuid::now_v7().to_string()));
        let payload = encode(&poke(2, many)).expect("payload");
        assert_eq!(payload, "2");
        let fits = Audience::users((0..150).map(|_| uuid::Uuid::now_v7().to_string()));
        let payload = encode(&poke(3, fits.clone())).expect("payload");
        assert!(payload.len() <= MAX_PAYLOAD_BYTES);
        assert_eq!(decode(&payload).expect("decodes").audience, fits);
    }

    #[test]
    fn malformed_payloads_are_refused() {
        assert!(decode("").is_none());
        assert!(decode("not-a-number a b").is_none());
    }
}
