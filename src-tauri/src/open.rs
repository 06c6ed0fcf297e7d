//! Requests to show a post from outside the window: a `commons://post/ID`
//! link (first launch or a second instance) or a click on a system
//! notification. Each brings the window to the front and pokes the UI, which
//! then takes the request (a poke carries no data, so a request made before
//! the UI listens is not lost).

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use crate::commands::Shell;
use crate::error::AppError;

/// The scheme registered for deep links (`tauri.conf.json`, `plugins.deep-link`).
pub const SCHEME: &str = "commons";

/// Which post to show; its group when the cache knows the post.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, specta::Type)]
pub struct OpenRequest {
    pub post_id: String,
    pub group_id: Option<String>,
}

/// Something asked to show a post: call `take_open_request`.
#[derive(Serialize, Deserialize, Clone, Debug, specta::Type, tauri_specta::Event)]
pub struct OpenRequested {}

/// The latest request not yet taken by the UI (managed state).
#[derive(Default)]
pub struct PendingOpen(Mutex<Option<String>>);

impl PendingOpen {
    fn put(&self, post_id: String) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(post_id);
    }

    fn take(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

/// The post a `commons://post/ID` link names; `None` for anything else.
pub fn post_in_link(link: &str) -> Option<String> {
    let (scheme, rest) = link.trim().split_once("://")?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let id = rest.strip_prefix("post/")?.trim_end_matches('/');
    is_plain_id(id).then(|| id.to_owned())
}

/// Whether `id` can be an entity id: letters, digits, `-` and `_`, at most 64
/// (what links and `attachment:` addresses may name; never a path).
pub fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Shows the window and asks the UI to open `post_id`.
pub fn request(app: &AppHandle, post_id: String) {
    tracing::info!(%post_id, "asked to show a post");
    app.state::<PendingOpen>().put(post_id);
    show_window(app);
    if let Err(error) = (OpenRequested {}).emit(app) {
        tracing::warn!(%error, "could not tell the UI to open a post");
    }
}

/// Brings the main window to the front, restored if it was minimised or hidden.
pub fn show_window(app: &AppHandle) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let shown = window
        .unminimize()
        .and_then(|()| window.show())
        .and_then(|()| window.set_focus());
    if let Err(error) = shown {
        tracing::warn!(%error, "could not bring the window to the front");
    }
}

/// The post something asked to show, once; with its group from the cache.
#[tauri::command]
#[specta::specta]
pub async fn take_open_request(
    shell: Shell,
    pending: State<'_, PendingOpen>,
) -> Result<Option<OpenRequest>, AppError> {
    let Some(post_id) = pending.take() else {
        return Ok(None);
    };
    // Not in the cache (not synced yet, or not mine to see): the UI says so.
    let group_id = shell
        .client()
        .post_by_id(&post_id)
        .await?
        .map(|post| post.group_id);
    Ok(Some(OpenRequest { post_id, group_id }))
}

#[cfg(test)]
mod tests {
    use super::post_in_link;

    #[test]
    fn a_post_link_names_its_post() {
        assert_eq!(post_in_link("commons://post/42").as_deref(), Some("42"));
        assert_eq!(
            post_in_link("COMMONS://post/a1-b_2/").as_deref(),
            Some("a1-b_2")
        );
        assert_eq!(
            post_in_link("commons://post/42?from=mail#top").as_deref(),
            Some("42")
        );
    }

    #[test]
    fn other_links_and_arguments_name_nothing() {
        for link in [
            "https://post/42",
            "commons://group/42",
            "commons://post/",
            "commons://post/../../etc",
            "commons://post/4 2",
            "--profile",
            "",
        ] {
            assert_eq!(post_in_link(link), None, "{link}");
        }
        let long = format!("commons://post/{}", "9".repeat(65));
        assert_eq!(post_in_link(&long), None);
    }
}
