//! Commands of polls and announcements: thin calls into the client core.
//! Writes are applied to the cache at once and sent by a background sync.

use commons_client::{FeedPost, PostExtras, SeenView};
use tauri::AppHandle;

use crate::commands::Shell;
use crate::error::AppError;
use crate::files;

/// Posts with files (tokens of `stage_file`), a poll (2 to 20 options, none
/// when empty) and/or as an announcement for `announce_days` days (1 to 7;
/// group admins and moderators).
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)] // One command per composer submit, its fields as arguments.
pub async fn create_post_with(
    app: AppHandle,
    shell: Shell,
    group_id: Option<String>,
    body: String,
    files: Vec<String>,
    poll_options: Vec<String>,
    multiple: bool,
    announce_days: Option<u32>,
) -> Result<FeedPost, AppError> {
    let extras = PostExtras {
        poll_options,
        multiple,
        announce_days,
    };
    let client = shell.client();
    let post = if files.is_empty() {
        client
            .post_with(group_id.as_deref(), &body, &extras)
            .await?
    } else {
        let paths = files::staged_paths(client.profile_dir(), &files)?;
        let post = client
            .post_with_files(group_id.as_deref(), &body, &paths, &extras)
            .await?;
        // The client core keeps its own copies beside the cache.
        files::unstage(client.profile_dir(), Some(&files));
        post
    };
    shell.sync_in_background(&app);
    Ok(post)
}

/// Votes in a post's poll (option indexes), or withdraws my vote (empty).
#[tauri::command]
#[specta::specta]
pub async fn vote(
    app: AppHandle,
    shell: Shell,
    post_id: String,
    options: Vec<u32>,
) -> Result<(), AppError> {
    if shell.client().vote(&post_id, &options).await? {
        shell.sync_in_background(&app);
    }
    Ok(())
}

/// A group admin or moderator announces a post for `days` days (1 to 7), or
/// unmarks it (null).
#[tauri::command]
#[specta::specta]
pub async fn announce(
    app: AppHandle,
    shell: Shell,
    post_id: String,
    days: Option<u32>,
) -> Result<(), AppError> {
    shell.client().announce(&post_id, days).await?;
    shell.sync_in_background(&app);
    Ok(())
}

/// Marks a post seen: an announcement leaves the top of my feeds.
#[tauri::command]
#[specta::specta]
pub async fn mark_seen(app: AppHandle, shell: Shell, post_id: String) -> Result<(), AppError> {
    if shell.client().mark_seen(&post_id).await? {
        shell.sync_in_background(&app);
    }
    Ok(())
}

/// Who saw a post and when, first seen first, as far as the cache knows.
#[tauri::command]
#[specta::specta]
pub async fn seen_by(shell: Shell, post_id: String) -> Result<Vec<SeenView>, AppError> {
    Ok(shell.client().seen_by(&post_id).await?)
}
