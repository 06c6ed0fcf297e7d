//! Links in posts open in the system browser (or mail client), never in the
//! app's window.
//!
//! The UI intercepts clicks on links and calls the `open_link` command. As a
//! second line, a navigation guard refuses any navigation of a webview away
//! from the app (a click the UI missed, a middle click, a form...), and hands
//! web and mail links to the system instead. Only the links a rendered post
//! may hold are ever opened: `commons_client::markdown::is_allowed_link`.

use commons_client::markdown::is_allowed_link;
use tauri::plugin::TauriPlugin;
use tauri::{Manager, Runtime, Url};

use crate::error::{AppError, ErrorKind};

/// Opens `url` with the system's handler, off the calling thread (the
/// launcher is waited for briefly to report its failure).
pub async fn open_outside(url: String) -> Result<(), AppError> {
    if !is_allowed_link(&url) {
        return Err(AppError::new(
            ErrorKind::InvalidInput,
            "Only web (http, https) and e-mail (mailto) links can be opened.",
        ));
    }
    tauri::async_runtime::spawn_blocking(move || open::that_detached(&url))
        .await
        .map_err(|error| AppError::new(ErrorKind::Local, error.to_string()))?
        .map_err(|error| {
            AppError::new(
                ErrorKind::Local,
                format!("Could not open the link in the browser: {error}"),
            )
        })
}

/// The navigation guard, as a plugin (so it covers every webview).
pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("link-guard")
        .on_navigation(|webview, url| {
            let dev_url = tauri::is_dev()
                .then(|| webview.app_handle().config().build.dev_url.clone())
                .flatten();
            if !leaves_the_app(url, dev_url.as_ref()) {
                return true;
            }
            let url = url.to_string();
            if is_allowed_link(&url) {
                tracing::info!(%url, "opening a link in the system browser instead of the window");
                tauri::async_runtime::spawn(async move {
                    if let Err(error) = open_outside(url).await {
                        tracing::warn!(%error, "could not open a link");
                    }
                });
            } else {
                tracing::warn!(%url, "refused a navigation away from the app");
            }
            false
        })
        .build()
}

/// Whether navigating to `url` would take the window away from the app: a
/// web page that is neither the app's own (`tauri.localhost`, or the Vite
/// dev server in a dev build) nor the IPC, or a `mailto:` address. The app's
/// own scheme (`tauri:`) and inert ones (`about:`) stay in the window.
pub fn leaves_the_app(url: &Url, dev_url: Option<&Url>) -> bool {
    match url.scheme() {
        "mailto" => true,
        "http" | "https" => {
            let own = matches!(url.host_str(), Some("tauri.localhost" | "ipc.localhost"))
                || dev_url.is_some_and(|dev| dev.origin() == url.origin());
            !own
        }
        "tauri" | "ipc" | "asset" | "about" => false,
        // Anything else (javascript:, data:, file:, custom handlers) is never the app.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        text.parse().unwrap()
    }

    #[test]
    fn the_app_stays_and_everything_else_leaves() {
        let dev = url("http://localhost:5173");
        for own in [
            "tauri://localhost/",
            "tauri://localhost/index.html#post",
            "http://tauri.localhost/",
            "https://tauri.localhost/assets/x.js",
            "http://ipc.localhost/plugin:x",
            "about:blank",
            "http://localhost:5173/src/main.ts",
        ] {
            assert!(!leaves_the_app(&url(own), Some(&dev)), "{own}");
        }
        for away in [
            "https://example.org/",
            "http://localhost:8080/",
            "http://localhost:5173/",
            "mailto:ada@example.org",
            "javascript:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
        ] {
            let dev_url = if away.contains(":5173") {
                None
            } else {
                Some(&dev)
            };
            assert!(leaves_the_app(&url(away), dev_url), "{away}");
        }
    }

    #[test]
    fn only_web_and_mail_links_are_opened() {
        let refused = tauri::async_runtime::block_on(open_outside("javascript:alert(1)".into()));
        assert_eq!(refused.unwrap_err().kind, ErrorKind::InvalidInput);
        let refused = tauri::async_runtime::block_on(open_outside("file:///etc/passwd".into()));
        assert_eq!(refused.unwrap_err().kind, ErrorKind::InvalidInput);
    }
}
