//! The connection indicator: what the link to the server is doing, folded
//! from live-mode events and the syncs the shell starts itself.

use serde::{Deserialize, Serialize};

/// What the UI shows in its status indicator.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Connection {
    /// No account: live mode is not running.
    SignedOut,
    /// Live mode started and has not reached the server yet.
    Connecting,
    Online,
    /// Online and exchanging changes with the server.
    Syncing,
    /// The server cannot be reached; `retry_in_ms` until the next attempt, when known.
    Offline {
        retry_in_ms: Option<u64>,
    },
}

/// The state behind [`Connection`]; transitions are methods so they are testable.
#[derive(Debug)]
pub struct ConnectionTracker {
    link: Link,
    live_sync_running: bool,
    shell_syncs_running: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    SignedOut,
    Connecting,
    Online,
    Offline { retry_in_ms: Option<u64> },
}

impl Default for ConnectionTracker {
    fn default() -> Self {
        ConnectionTracker {
            link: Link::SignedOut,
            live_sync_running: false,
            shell_syncs_running: 0,
        }
    }
}

impl ConnectionTracker {
    pub fn current(&self) -> Connection {
        let syncing = self.live_sync_running || self.shell_syncs_running > 0;
        match self.link {
            Link::SignedOut => Connection::SignedOut,
            Link::Offline { retry_in_ms } => Connection::Offline { retry_in_ms },
            Link::Connecting | Link::Online if syncing => Connection::Syncing,
            Link::Connecting => Connection::Connecting,
            Link::Online => Connection::Online,
        }
    }

    pub fn signed_out(&mut self) {
        *self = ConnectionTracker::default();
    }

    pub fn live_started(&mut self) {
        self.link = Link::Connecting;
        self.live_sync_running = false;
    }

    /// Live mode connected; it syncs at once.
    pub fn live_online(&mut self) {
        self.link = Link::Online;
        self.live_sync_running = true;
    }

    pub fn live_offline(&mut self, retry_in_ms: u64) {
        self.link = Link::Offline {
            retry_in_ms: Some(retry_in_ms),
        };
        self.live_sync_running = false;
    }

    /// A live sync ended, well or not: the link itself is up.
    pub fn live_sync_done(&mut self) {
        self.live_sync_running = false;
        if self.link != Link::SignedOut {
            self.link = Link::Online;
        }
    }

    pub fn shell_sync_started(&mut self) {
        self.shell_syncs_running += 1;
    }

    pub fn shell_sync_done(&mut self, reached_server: bool) {
        self.shell_syncs_running = self.shell_syncs_running.saturating_sub(1);
        if self.link == Link::SignedOut {
            return;
        }
        self.link = if reached_server {
            Link::Online
        } else {
            Link::Offline { retry_in_ms: None }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_mode_goes_connecting_syncing_online_offline() {
        let mut tracker = ConnectionTracker::default();
        assert_eq!(tracker.current(), Connection::SignedOut);
        tracker.live_started();
        assert_eq!(tracker.current(), Connection::Connecting);
        tracker.live_online();
        assert_eq!(tracker.current(), Connection::Syncing);
        tracker.live_sync_done();
        assert_eq!(tracker.current(), Connection::Online);
        tracker.live_offline(2000);
        assert_eq!(
            tracker.current(),
            Connection::Offline {
                retry_in_ms: Some(2000)
            }
        );
    }

    #[test]
    fn shell_syncs_show_as_syncing_until_the_last_one_ends() {
        let mut tracker = ConnectionTracker::default();
        tracker.live_started();
        tracker.live_online();
        tracker.live_sync_done();
        tracker.shell_sync_started();
        tracker.shell_sync_started();
        tracker.shell_sync_done(true);
        assert_eq!(tracker.current(), Connection::Syncing);
        tracker.shell_sync_done(true);
        assert_eq!(tracker.current(), Connection::Online);
        tracker.shell_sync_started();
        tracker.shell_sync_done(false);
        assert_eq!(tracker.current(), Connection::Offline { retry_in_ms: None });
    }

    #[test]
    fn a_sync_ending_after_logout_does_not_bring_the_link_back() {
        let mut tracker = ConnectionTracker::default();
        tracker.live_started();
        tracker.shell_sync_started();
        tracker.signed_out();
        tracker.shell_sync_done(true);
        tracker.live_sync_done();
        assert_eq!(tracker.current(), Connection::SignedOut);
    }

    #[test]
    fn serialises_with_a_state_tag() {
        let json = serde_json::to_value(Connection::Offline {
            retry_in_ms: Some(500),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"state": "offline", "retry_in_ms": 500})
        );
    }
}
