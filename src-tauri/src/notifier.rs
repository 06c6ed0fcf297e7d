//! System notifications through the desktop's notification service
//! (`org.freedesktop.Notifications` on Linux), via notify-rust. A click on
//! one shows its account and post: on Linux through the notification's default action
//! (tauri-plugin-notification has no click callback on desktop). notify-rust
//! has no click callback on macOS and Windows: there a click only raises the app.
//! With several accounts in the window, the title says which one it is for.

use std::sync::Arc;

use commons_client::{Notification, Notifier};
use tauri::{AppHandle, Manager};

use crate::accounts::{server_host, Accounts};

/// Shown as the sending application by the notification daemon.
const APP_NAME: &str = "Commons";

/// One per account: a click shows the account the notification is for.
pub struct DesktopNotifier {
    app: AppHandle,
    account_id: String,
}

impl DesktopNotifier {
    pub fn new(app: AppHandle, account_id: String) -> Self {
        DesktopNotifier { app, account_id }
    }

    /// "ada@example.org on commons.example.org" when the window holds several
    /// accounts; None with one (nothing to tell apart).
    fn account_label(&self) -> Option<String> {
        let accounts = self.app.try_state::<Arc<Accounts>>()?;
        let sessions = accounts.sessions();
        if sessions.len() < 2 {
            return None;
        }
        let session = sessions.into_iter().find(|s| s.id() == self.account_id)?;
        // `notify` runs on a blocking thread, where waiting on the runtime is allowed.
        let stored = tauri::async_runtime::block_on(session.client().stored_account()).ok()??;
        Some(format!(
            "{} on {}",
            stored.user.email,
            server_host(&stored.server_url)
        ))
    }
}

/// The notification's title, followed by its account when there are several.
fn summary(title: &str, account: Option<&str>) -> String {
    match account {
        Some(account) => format!("{title} ({account})"),
        None => title.to_owned(),
    }
}

impl Notifier for DesktopNotifier {
    /// Blocks on D-Bus: call it off the async runtime (`spawn_blocking`).
    fn notify(&self, notification: &Notification) {
        let account = self.account_label();
        let mut shown = notify_rust::Notification::new();
        shown
            .appname(APP_NAME)
            .summary(&summary(&notification.title, account.as_deref()))
            // Daemons may render the body as markup; the text is the user's, not markup.
            .body(&escape_markup(&notification.body));
        #[cfg(all(unix, not(target_os = "macos")))]
        shown.action(DEFAULT_ACTION, "Open");
        match shown.show() {
            #[cfg(all(unix, not(target_os = "macos")))]
            Ok(handle) => open_on_click(
                handle,
                self.app.clone(),
                self.account_id.clone(),
                notification.post_id.clone(),
            ),
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            Ok(_) => {}
            // A missing notification daemon must not break the app: the feed still updates.
            Err(error) => tracing::warn!(%error, "could not show a system notification"),
        }
    }
}

/// The action a click on the notification's body invokes (freedesktop spec).
#[cfg(all(unix, not(target_os = "macos")))]
const DEFAULT_ACTION: &str = "default";

/// Waits, on a thread of its own, until the notification is clicked (then shows
/// its account and post) or closed; the daemon's timeout bounds the wait.
#[cfg(all(unix, not(target_os = "macos")))]
fn open_on_click(
    handle: notify_rust::NotificationHandle,
    app: AppHandle,
    account_id: String,
    post_id: String,
) {
    let waiting = std::thread::Builder::new()
        .name("notification-click".into())
        .spawn(move || {
            handle.wait_for_action(|action| {
                if action == DEFAULT_ACTION {
                    crate::accounts::show(&app, &account_id);
                    crate::open::request(&app, post_id);
                }
            })
        });
    if let Err(error) = waiting {
        tracing::warn!(%error, "a click on this notification will not open its post");
    }
}

/// Escapes the characters the notification body markup (a small HTML subset) gives meaning to.
fn escape_markup(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::{escape_markup, summary};

    #[test]
    fn the_title_names_the_account_only_when_there_are_several() {
        assert_eq!(summary("Grace mentioned you", None), "Grace mentioned you");
        assert_eq!(
            summary(
                "Grace mentioned you",
                Some("ada@example.org on commons.example.org")
            ),
            "Grace mentioned you (ada@example.org on commons.example.org)"
        );
    }

    #[test]
    fn markup_in_user_text_is_shown_literally() {
        assert_eq!(
            escape_markup("<b>hi</b> & bye"),
            "&lt;b&gt;hi&lt;/b&gt; &amp; bye"
        );
        assert_eq!(escape_markup("plain text"), "plain text");
    }
}
