//! Live mode and background syncs of one account, and what the shell tells
//! the UI about them: the shown account's changes make the UI re-read, a
//! background account's only update the switcher. All data logic stays in
//! the client core.

use std::sync::{Arc, Mutex, MutexGuard};

use commons_client::{Client, ClientError, LiveEvent, Notifier, SyncReport};
use tauri::async_runtime::{self, JoinHandle};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::oneshot;

use crate::accounts::{self, Accounts};
use crate::events::{CacheChanged, ConnectionChanged, SignedOut};
use crate::status::{Connection, ConnectionTracker};
use crate::tray;

/// One account's client and live mode (held by [`Accounts`]).
pub struct Session {
    /// The account's id in the window's list.
    id: String,
    client: Client,
    notifier: Arc<dyn Notifier>,
    tracker: Mutex<ConnectionTracker>,
    live: tokio::sync::Mutex<Option<LiveTask>>,
}

struct LiveTask {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Session {
    pub fn new(id: String, client: Client, notifier: Arc<dyn Notifier>) -> Arc<Self> {
        Arc::new(Session {
            id,
            client,
            notifier,
            tracker: Mutex::new(ConnectionTracker::default()),
            live: tokio::sync::Mutex::new(None),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn connection(&self) -> Connection {
        self.tracker().current()
    }

    /// Starts (or restarts) live mode: a WebSocket to the server, a sync on
    /// connect and on every poke, reconnecting with backoff when offline.
    pub async fn start_live(self: &Arc<Self>, app: &AppHandle) {
        let mut live = self.live.lock().await;
        if let Some(previous) = live.take() {
            previous.stop_and_wait().await;
        }
        self.update(app, ConnectionTracker::live_started);

        let (stop, stopped) = oneshot::channel::<()>();
        let session = Arc::clone(self);
        let app = app.clone();
        let task = async_runtime::spawn(async move {
            let on_event = {
                let session = Arc::clone(&session);
                let app = app.clone();
                move |event| session.on_live_event(&app, event)
            };
            let shutdown = async {
                // A dropped sender means the session is going away: stop too.
                let _ = stopped.await;
            };
            if let Err(error) = session.client.run_live(on_event, shutdown).await {
                session.on_sync_error(&app, &error);
                if !ends_session(&error) {
                    tracing::error!(%error, "live mode stopped");
                }
            }
        });
        *live = Some(LiveTask { stop, task });
    }

    /// Stops live mode and waits until it has: nothing is emitted afterwards.
    pub async fn stop_live(&self, app: &AppHandle) {
        if let Some(live) = self.live.lock().await.take() {
            live.stop_and_wait().await;
        }
        self.update(app, ConnectionTracker::signed_out);
        tray::refresh(app);
    }

    /// Pushes the outbox and pulls, without making the caller wait: used after
    /// a write so it reaches the server now, not at the next poke.
    pub fn sync_in_background(self: &Arc<Self>, app: &AppHandle) {
        self.update(app, ConnectionTracker::shell_sync_started);
        let session = Arc::clone(self);
        let app = app.clone();
        async_runtime::spawn(async move {
            let result = session.client.sync().await;
            let reached_server = !matches!(&result, Err(error) if error.is_offline());
            session.update(&app, |tracker| tracker.shell_sync_done(reached_server));
            match result {
                Ok(report) => session.after_sync(&app, report),
                Err(error) => session.on_sync_error(&app, &error),
            }
        });
    }

    /// Tells the UI to re-read the cache after a local change that no sync reports
    /// (a write retried or discarded).
    pub fn cache_changed_locally(&self, app: &AppHandle) {
        self.cache_changed(
            app,
            CacheChanged {
                pulled: 0,
                pushed: 0,
                failed: 0,
            },
        );
    }

    fn on_live_event(&self, app: &AppHandle, event: LiveEvent) {
        match event {
            LiveEvent::Online => self.update(app, ConnectionTracker::live_online),
            LiveEvent::Offline { retry_in_ms } => {
                self.update(app, |tracker| tracker.live_offline(retry_in_ms))
            }
            LiveEvent::Synced(report) => {
                self.update(app, ConnectionTracker::live_sync_done);
                self.after_sync(app, report);
            }
            LiveEvent::Error(message) => {
                tracing::warn!(%message, "live sync failed");
                self.update(app, ConnectionTracker::live_sync_done);
            }
        }
    }

    /// Tells the UI to re-read the cache and raises the report's notifications.
    fn after_sync(&self, app: &AppHandle, report: SyncReport) {
        let changed = CacheChanged {
            pulled: saturating_u32(report.pulled),
            pushed: saturating_u32(report.pushed),
            failed: saturating_u32(report.failed),
        };
        self.cache_changed(app, changed);
        if report.notifications.is_empty() {
            return;
        }
        let notifier = Arc::clone(&self.notifier);
        // Showing a notification is a blocking D-Bus call.
        async_runtime::spawn_blocking(move || {
            for notification in &report.notifications {
                notifier.notify(notification);
            }
        });
    }

    fn on_sync_error(&self, app: &AppHandle, error: &ClientError) {
        if ends_session(error) {
            self.update(app, ConnectionTracker::signed_out);
            if !self.shown(app) {
                // The switcher marks it signed out; the login form waits until it is shown.
                accounts::changed(app);
                return;
            }
            let reason = error.to_string();
            if let Err(error) = (SignedOut { reason }).emit(app) {
                tracing::warn!(%error, "could not tell the UI the session ended");
            }
        } else if !error.is_offline() {
            tracing::warn!(%error, "sync failed");
        }
    }

    /// Applies a transition and tells the UI when the indicator changed.
    fn update(&self, app: &AppHandle, transition: impl FnOnce(&mut ConnectionTracker)) {
        let (before, after) = {
            let mut tracker = self.tracker();
            let before = tracker.current();
            transition(&mut tracker);
            (before, tracker.current())
        };
        if before != after && self.shown(app) {
            if let Err(error) = (ConnectionChanged { connection: after }).emit(app) {
                tracing::warn!(%error, "could not tell the UI the connection changed");
            }
        }
    }

    /// Tells the UI to re-read the cache when this account is shown, else
    /// the switcher to re-read its counts; and the tray its unread count.
    fn cache_changed(&self, app: &AppHandle, changed: CacheChanged) {
        if self.shown(app) {
            if let Err(error) = changed.emit(app) {
                tracing::warn!(%error, "could not tell the UI about the change");
            }
        } else {
            accounts::changed(app);
        }
        tray::refresh(app);
    }

    /// Whether the window shows this account.
    fn shown(&self, app: &AppHandle) -> bool {
        app.try_state::<Arc<Accounts>>()
            .is_none_or(|accounts| accounts.is_active(&self.id))
    }

    fn tracker(&self) -> MutexGuard<'_, ConnectionTracker> {
        // The tracker holds no invariant a panicking holder could break halfway.
        self.tracker
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl LiveTask {
    async fn stop_and_wait(self) {
        let _ = self.stop.send(());
        if let Err(error) = self.task.await {
            tracing::warn!(%error, "live mode task ended abnormally");
        }
    }
}

/// Errors after which the session cannot go on: the user must log in again
/// (or first make the keychain usable, which the login form then explains).
fn ends_session(error: &ClientError) -> bool {
    matches!(
        error,
        ClientError::SessionExpired | ClientError::NotLoggedIn | ClientError::Keychain(_)
    )
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
