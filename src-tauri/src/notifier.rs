//! System notifications through the desktop's notification service
//! (`org.freedesktop.Notifications` on Linux), via notify-rust.

use commons_client::{Notification, Notifier};

/// Shown as the sending application by the notification daemon.
const APP_NAME: &str = "Commons";

pub struct DesktopNotifier;

impl Notifier for DesktopNotifier {
    /// Blocks on D-Bus: call it off the async runtime (`spawn_blocking`).
    fn notify(&self, notification: &Notification) {
        let shown = notify_rust::Notification::new()
            .appname(APP_NAME)
            .summary(&notification.title)
            // Daemons may render the body as markup; the text is the user's, not markup.
            .body(&escape_markup(&notification.body))
            .show();
        if let Err(error) = shown {
            // A missing notification daemon must not break the app: the feed still updates.
            tracing::warn!(%error, "could not show a system notification");
        }
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
    use super::escape_markup;

    #[test]
    fn markup_in_user_text_is_shown_literally() {
        assert_eq!(
            escape_markup("<b>hi</b> & bye"),
            "&lt;b&gt;hi&lt;/b&gt; &amp; bye"
        );
        assert_eq!(escape_markup("plain text"), "plain text");
    }
}
