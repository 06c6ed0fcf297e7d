//! Fan-out of pokes to WebSocket connections, on one node or across nodes.
//!
//! A commit yields the new change-log head and who may see the change; each
//! connection keeps the pokes meant for its user (`api/stream.rs`).
//!
//! - SQLite (one node): [`Hub::publish`] broadcasts in process after the commit.
//! - PostgreSQL (any number of nodes): the write transaction itself sends the
//!   poke with `pg_notify` ([`relay::notify`]), so PostgreSQL delivers it if
//!   and only if the commit succeeds, in commit order, to every node. Each
//!   node LISTENs on one dedicated connection and broadcasts what arrives to
//!   its own connections, its own commits included; `publish` does nothing.
//!
//! A poke carries no data, so a poke too many costs one pull, while a missed
//! poke is a bug (a client would not learn of a change). Hence an audience too
//! large for a NOTIFY payload travels as "everyone", and once a lost listening
//! connection is re-established, everyone is poked with the current head.

mod relay;

use std::collections::HashSet;
use std::sync::Arc;

use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::db::Database;
pub(crate) use relay::notify;
pub use relay::APPLICATION_NAME;

/// Who may see a committed change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    Users(HashSet<String>),
}

impl Audience {
    pub fn nobody() -> Self {
        Audience::Users(HashSet::new())
    }

    pub fn users(ids: impl IntoIterator<Item = String>) -> Self {
        Audience::Users(ids.into_iter().collect())
    }

    pub fn merge(&mut self, other: Audience) {
        match (&mut *self, other) {
            (Audience::Everyone, _) => {}
            (this, Audience::Everyone) => *this = Audience::Everyone,
            (Audience::Users(mine), Audience::Users(theirs)) => mine.extend(theirs),
        }
    }

    pub fn includes(&self, user_id: &str) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::Users(ids) => ids.contains(user_id),
        }
    }
}

/// A committed change: the change-log head after it, and who may see it.
#[derive(Clone, Debug)]
pub struct Poke {
    pub head: i64,
    pub audience: Audience,
}

/// Pokes kept while a slow connection catches up; past that it is told it lagged.
const BUFFERED_POKES: usize = 256;

#[derive(Clone, Debug)]
pub struct Hub {
    sender: broadcast::Sender<Arc<Poke>>,
    /// Pokes arrive through PostgreSQL, not through [`Hub::publish`].
    relayed: bool,
}

/// The in-process hub (SQLite).
impl Default for Hub {
    fn default() -> Self {
        Hub {
            sender: broadcast::channel(BUFFERED_POKES).0,
            relayed: false,
        }
    }
}

impl Hub {
    /// The hub of a node on PostgreSQL at `url`: listens before returning, so
    /// no poke committed after this is missed. The returned task relays pokes
    /// (reconnecting as needed) until `shutdown` turns true.
    pub async fn relayed(
        url: &str,
        db: Database,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(Hub, JoinHandle<()>), sqlx::Error> {
        let listener = relay::listen(url).await?;
        let hub = Hub {
            relayed: true,
            ..Hub::default()
        };
        let task = tokio::spawn(relay::run(
            listener,
            url.to_string(),
            db,
            hub.sender.clone(),
            shutdown,
        ));
        Ok((hub, task))
    }

    /// Called after a commit. Having no listener is normal. On PostgreSQL the
    /// commit already sent the poke, so this does nothing.
    pub fn publish(&self, poke: Poke) {
        if !self.relayed {
            let _ = self.sender.send(Arc::new(poke));
        }
    }

    /// Open subscriptions (WebSocket connections) on this node.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }

    pub fn subscribe(&self, user_id: String) -> Subscription {
        Subscription {
            receiver: self.sender.subscribe(),
            user_id,
        }
    }
}

/// What a connection should tell its client next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// A change this user may see committed; the head after it.
    Changed { head: i64 },
    /// Pokes were dropped because the connection fell behind: tell the
    /// client to pull, with a head read afresh.
    Lagged,
}

/// One connection's view of the hub.
pub struct Subscription {
    receiver: broadcast::Receiver<Arc<Poke>>,
    user_id: String,
}

impl Subscription {
    /// The next poke for this user; `None` once the hub is gone.
    pub async fn next(&mut self) -> Option<Wake> {
        loop {
            match self.receiver.recv().await {
                Ok(poke) if poke.audience.includes(&self.user_id) => {
                    return Some(Wake::Changed { head: poke.head })
                }
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => return Some(Wake::Lagged),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_only_wake_for_pokes_meant_for_them() {
        let hub = Hub::default();
        let mut bob = hub.subscribe("bob".into());
        hub.publish(Poke {
            head: 1,
            audience: Audience::users(["alice".to_string()]),
        });
        hub.publish(Poke {
            head: 2,
            audience: Audience::users(["bob".to_string()]),
        });
        hub.publish(Poke {
            head: 3,
            audience: Audience::Everyone,
        });
        assert_eq!(bob.next().await, Some(Wake::Changed { head: 2 }));
        assert_eq!(bob.next().await, Some(Wake::Changed { head: 3 }));
    }

    #[test]
    fn everyone_absorbs_any_user_set() {
        let mut a = Audience::users(["x".to_string()]);
        a.merge(Audience::Everyone);
        assert_eq!(a, Audience::Everyone);
        let mut b = Audience::nobody();
        b.merge(Audience::users(["y".to_string()]));
        assert!(b.includes("y") && !b.includes("x"));
    }
}
