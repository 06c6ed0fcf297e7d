//! The commands the UI calls. Each one is a thin call into the client core;
//! the types they return are the core's view structs.

use std::sync::Arc;

use commons_client::{
    markdown, Account, CommentView, FeedCursor, FeedPost, GroupView, Privacy, SearchHit, SsoInfo,
    MAX_SEARCH_RESULTS, SIGN_IN_PATIENCE,
};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::accounts::{Accounts, LoginTarget};
use crate::error::AppError;
use crate::links;
use crate::status::Connection;

pub(crate) use crate::shell::Shell;

/// Environment variable that pre-fills the server address on the login form.
pub const SERVER_URL_ENV: &str = "COMMONS_SERVER_URL";

#[derive(Serialize, Clone, Debug, specta::Type)]
pub struct LoginDefaults {
    /// From `COMMONS_SERVER_URL`, when set.
    pub server_url: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub fn login_defaults() -> LoginDefaults {
    LoginDefaults {
        server_url: std::env::var(SERVER_URL_ENV)
            .ok()
            .filter(|url| !url.trim().is_empty()),
    }
}

/// The logged-in account of this profile, if any.
#[tauri::command]
#[specta::specta]
pub async fn account(shell: Shell) -> Result<Option<Account>, AppError> {
    Ok(shell.client().account().await?)
}

/// Logs in, into the shown account or a new one (which is then shown), and
/// starts its live mode (which syncs at once).
#[tauri::command]
#[specta::specta]
pub async fn login(
    app: AppHandle,
    accounts: State<'_, Arc<Accounts>>,
    server_url: String,
    email: String,
    password: String,
    target: LoginTarget,
) -> Result<Account, AppError> {
    accounts
        .log_in(&app, target, |client| async move {
            client
                .login(server_url.trim(), email.trim(), &password)
                .await
        })
        .await
}

/// Whether the server offers single sign-on, and requires it (the login
/// screen's button, and whether the password form is for admins only).
#[tauri::command]
#[specta::specta]
pub async fn sso_info(shell: Shell, server_url: String) -> Result<SsoInfo, AppError> {
    Ok(shell.client().sso_info(server_url.trim()).await?)
}

/// Logs in through the organisation's identity provider in the system
/// browser (the app waits on a loopback port), into the shown account or a
/// new one, then starts its live mode.
#[tauri::command]
#[specta::specta]
pub async fn login_sso(
    app: AppHandle,
    accounts: State<'_, Arc<Accounts>>,
    server_url: String,
    target: LoginTarget,
) -> Result<Account, AppError> {
    accounts
        .log_in(&app, target, |client| async move {
            client
                .login_sso(server_url.trim(), SIGN_IN_PATIENCE, |url| {
                    if let Err(error) = open::that_detached(url) {
                        tracing::warn!(%error, "the browser could not be opened for single sign-on");
                    }
                })
                .await
        })
        .await
}

/// Stops the shown account's live mode and ends its session. With other
/// accounts in the window it leaves the switcher and another one is shown;
/// the last one stays, signed out. The profile's own account keeps its cache
/// and unsent writes, as a single account always did; an added account's
/// cache is deleted, unless unsent writes wait in it.
#[tauri::command]
#[specta::specta]
pub async fn logout(app: AppHandle, accounts: State<'_, Arc<Accounts>>) -> Result<(), AppError> {
    accounts.log_out_shown(&app).await
}

/// The status indicator's current state (later changes arrive as events).
#[tauri::command]
#[specta::specta]
pub fn connection(shell: Shell) -> Connection {
    shell.connection()
}

/// Home feed (`group_id` null) or one group's feed, newest first, from the cache.
#[tauri::command]
#[specta::specta]
pub async fn feed(
    shell: Shell,
    group_id: Option<String>,
    limit: u32,
    before: Option<FeedCursor>,
) -> Result<Vec<FeedPost>, AppError> {
    Ok(shell
        .client()
        .feed(group_id.as_deref(), i64::from(limit), before)
        .await?)
}

/// One post with its comments, from the cache (`null` when it is not there).
#[tauri::command]
#[specta::specta]
pub async fn post(shell: Shell, post_id: String) -> Result<Option<FeedPost>, AppError> {
    Ok(shell.client().post_by_id(&post_id).await?)
}

/// Searches the cache (works offline): posts, comments, people and groups,
/// best first. Snippets mark each match with `[` and `]`.
#[tauri::command]
#[specta::specta]
pub async fn search(shell: Shell, query: String, limit: u32) -> Result<Vec<SearchHit>, AppError> {
    let limit = i64::from(limit).min(MAX_SEARCH_RESULTS);
    Ok(shell.client().search(&query, limit).await?)
}

/// Groups I can see, mine first.
#[tauri::command]
#[specta::specta]
pub async fn groups(shell: Shell) -> Result<Vec<GroupView>, AppError> {
    Ok(shell.client().groups().await?)
}

/// Posts (to the default group when `group_id` is null). Shown at once as
/// pending; sent now when online, else when the connection comes back.
#[tauri::command]
#[specta::specta]
pub async fn create_post(
    app: AppHandle,
    shell: Shell,
    group_id: Option<String>,
    body: String,
) -> Result<FeedPost, AppError> {
    let post = shell.client().post(group_id.as_deref(), &body).await?;
    shell.sync_in_background(&app);
    Ok(post)
}

/// Comments on a post; queued and sent like a post.
#[tauri::command]
#[specta::specta]
pub async fn create_comment(
    app: AppHandle,
    shell: Shell,
    post_id: String,
    body: String,
) -> Result<CommentView, AppError> {
    let comment = shell.client().comment(&post_id, &body).await?;
    shell.sync_in_background(&app);
    Ok(comment)
}

/// Creates a group with me as its admin, with an optional description (empty for none).
/// Shown at once as pending; sent like a post.
#[tauri::command]
#[specta::specta]
pub async fn create_group(
    app: AppHandle,
    shell: Shell,
    name: String,
    description: String,
    privacy: Privacy,
) -> Result<GroupView, AppError> {
    let group = shell
        .client()
        .create_group(&name, &description, privacy)
        .await?;
    shell.sync_in_background(&app);
    Ok(group)
}

/// Joins an open group; I am a (pending) member at once.
#[tauri::command]
#[specta::specta]
pub async fn join_group(app: AppHandle, shell: Shell, group_id: String) -> Result<(), AppError> {
    shell.client().join_group(&group_id).await?;
    shell.sync_in_background(&app);
    Ok(())
}

/// A group admin adds someone by e-mail; queued and sent like a post.
#[tauri::command]
#[specta::specta]
pub async fn add_member(
    app: AppHandle,
    shell: Shell,
    group_id: String,
    email: String,
) -> Result<(), AppError> {
    shell.client().add_member(&group_id, &email).await?;
    shell.sync_in_background(&app);
    Ok(())
}

/// Sends a write the server rejected again (with the failed writes that
/// depend on it): it is pending at once, and sent now when online.
#[tauri::command]
#[specta::specta]
pub async fn retry_write(
    app: AppHandle,
    shell: Shell,
    mutation_id: String,
) -> Result<(), AppError> {
    shell.client().retry(&mutation_id).await?;
    shell.cache_changed_locally(&app);
    shell.sync_in_background(&app);
    Ok(())
}

/// Drops a write the server rejected, with what it showed locally (a
/// discarded post leaves the feed) and the writes that depend on it.
#[tauri::command]
#[specta::specta]
pub async fn discard_write(
    app: AppHandle,
    shell: Shell,
    mutation_id: String,
) -> Result<(), AppError> {
    shell.client().discard(&mutation_id).await?;
    shell.cache_changed_locally(&app);
    Ok(())
}

/// Syncs now ("Retry" in the UI); the outcome arrives as events.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(app: AppHandle, shell: Shell) -> Result<(), AppError> {
    shell.sync_in_background(&app);
    Ok(())
}

/// Markdown as posts and comments show it (their `body_html`): safe HTML,
/// for the composer's preview. The UI never renders Markdown itself.
#[tauri::command]
#[specta::specta]
pub async fn render_markdown(text: String) -> String {
    markdown::to_safe_html(&text)
}

/// Opens a link of a post in the system browser or mail client; the app's
/// window never navigates. Only `http(s):` and `mailto:` links are opened.
#[tauri::command]
#[specta::specta]
pub async fn open_link(url: String) -> Result<(), AppError> {
    links::open_outside(url).await
}

/// Quits the app (Ctrl+Q): the window state is saved and live mode ends with the process.
#[tauri::command]
#[specta::specta]
pub fn quit(app: AppHandle) {
    app.exit(0);
}
