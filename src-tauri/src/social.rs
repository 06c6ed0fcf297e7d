//! Commands of the social screens (post detail, notifications, people, group
//! management, settings): thin calls into the client core. Writes are applied
//! to the cache at once and sent by a background sync, like a post.

use commons_client::{
    CommentView, FeedCursor, GroupRole, JoinRequestView, MemberView, NotificationLevel,
    NotificationList, PersonSummary, PostVersionView, Privacy, Profile, ProfileEdit, ReactionKind,
    Reactor,
};
use tauri::AppHandle;

use crate::commands::Shell;
use crate::error::AppError;

/// Replies to a comment (a reply to a reply answers its top-level comment).
#[tauri::command]
#[specta::specta]
pub async fn create_reply(
    app: AppHandle,
    shell: Shell,
    comment_id: String,
    body: String,
) -> Result<CommentView, AppError> {
    let reply = shell.client().reply(&comment_id, &body).await?;
    shell.sync_in_background(&app);
    Ok(reply)
}

/// Changes the text of my post or comment (by id).
#[tauri::command]
#[specta::specta]
pub async fn edit_item(
    app: AppHandle,
    shell: Shell,
    id: String,
    body: String,
) -> Result<(), AppError> {
    shell.client().edit(&id, &body).await?;
    shell.sync_in_background(&app);
    Ok(())
}

/// Deletes a post or comment: mine, or any in a group I administer or moderate.
#[tauri::command]
#[specta::specta]
pub async fn delete_item(app: AppHandle, shell: Shell, id: String) -> Result<(), AppError> {
    shell.client().delete(&id).await?;
    shell.sync_in_background(&app);
    Ok(())
}

/// Sets (a kind) or removes (null) my reaction to a post or comment.
#[tauri::command]
#[specta::specta]
pub async fn react(
    app: AppHandle,
    shell: Shell,
    id: String,
    kind: Option<ReactionKind>,
) -> Result<(), AppError> {
    if shell.client().react(&id, kind).await? {
        shell.sync_in_background(&app);
    }
    Ok(())
}

/// Who reacted to a post or comment, from the cache.
#[tauri::command]
#[specta::specta]
pub async fn reactors(shell: Shell, target_id: String) -> Result<Vec<Reactor>, AppError> {
    Ok(shell.client().reactors(&target_id).await?)
}

/// The earlier texts of an edited post, oldest first (asks the server).
#[tauri::command]
#[specta::specta]
pub async fn post_history(shell: Shell, post_id: String) -> Result<Vec<PostVersionView>, AppError> {
    Ok(shell.client().post_history(&post_id).await?)
}

/// My notifications, newest first, with the number unread.
#[tauri::command]
#[specta::specta]
pub async fn notifications(
    shell: Shell,
    unread_only: bool,
    limit: u32,
    before: Option<FeedCursor>,
) -> Result<NotificationList, AppError> {
    Ok(shell
        .client()
        .notifications(unread_only, i64::from(limit), before)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn mark_notification_read(
    app: AppHandle,
    shell: Shell,
    id: String,
) -> Result<(), AppError> {
    if shell.client().mark_notification_read(&id).await? {
        shell.sync_in_background(&app);
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn mark_all_notifications_read(app: AppHandle, shell: Shell) -> Result<(), AppError> {
    if shell.client().mark_all_notifications_read().await? > 0 {
        shell.sync_in_background(&app);
    }
    Ok(())
}

/// The people directory by name; `query` filters by every word as a prefix.
#[tauri::command]
#[specta::specta]
pub async fn people(
    shell: Shell,
    query: Option<String>,
    limit: u32,
) -> Result<Vec<PersonSummary>, AppError> {
    let query = query.filter(|q| !q.trim().is_empty());
    Ok(shell
        .client()
        .people(query.as_deref(), i64::from(limit))
        .await?)
}

/// Changes my title, department, location and about.
#[tauri::command]
#[specta::specta]
pub async fn update_profile(
    app: AppHandle,
    shell: Shell,
    edit: ProfileEdit,
) -> Result<(), AppError> {
    if shell.client().update_profile(&edit).await? {
        shell.sync_in_background(&app);
    }
    Ok(())
}

/// A person's profile by handle or id (`null` when the cache does not know them).
#[tauri::command]
#[specta::specta]
pub async fn profile(shell: Shell, handle_or_id: String) -> Result<Option<Profile>, AppError> {
    Ok(shell.client().profile(&handle_or_id).await?)
}

/// A group's members: admins, moderators, then members.
#[tauri::command]
#[specta::specta]
pub async fn members(shell: Shell, group_id: String) -> Result<Vec<MemberView>, AppError> {
    Ok(shell.client().members(&group_id).await?)
}

/// Requests to join the groups I administer or moderate, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn join_requests(shell: Shell) -> Result<Vec<JoinRequestView>, AppError> {
    Ok(shell.client().join_requests().await?)
}

/// A group admin or moderator approves or declines someone's request to join.
#[tauri::command]
#[specta::specta]
pub async fn answer_join_request(
    app: AppHandle,
    shell: Shell,
    group_id: String,
    user_id: String,
    approve: bool,
) -> Result<(), AppError> {
    shell
        .client()
        .answer_join_request(&group_id, &user_id, approve)
        .await?;
    shell.sync_in_background(&app);
    Ok(())
}

/// A group admin removes a member.
#[tauri::command]
#[specta::specta]
pub async fn remove_member(
    app: AppHandle,
    shell: Shell,
    group_id: String,
    user_id: String,
) -> Result<(), AppError> {
    shell.client().remove_member(&group_id, &user_id).await?;
    shell.sync_in_background(&app);
    Ok(())
}

/// A group admin makes a member an admin, a moderator or a plain member.
#[tauri::command]
#[specta::specta]
pub async fn set_member_role(
    app: AppHandle,
    shell: Shell,
    group_id: String,
    user_id: String,
    role: GroupRole,
) -> Result<(), AppError> {
    if shell
        .client()
        .set_member_role(&group_id, &user_id, role)
        .await?
    {
        shell.sync_in_background(&app);
    }
    Ok(())
}

/// A group admin makes a group open, closed or secret.
#[tauri::command]
#[specta::specta]
pub async fn set_group_privacy(
    app: AppHandle,
    shell: Shell,
    group_id: String,
    privacy: Privacy,
) -> Result<(), AppError> {
    if shell.client().set_group_privacy(&group_id, privacy).await? {
        shell.sync_in_background(&app);
    }
    Ok(())
}

/// Leaves a group (not the default one).
#[tauri::command]
#[specta::specta]
pub async fn leave_group(app: AppHandle, shell: Shell, group_id: String) -> Result<(), AppError> {
    shell.client().leave_group(&group_id).await?;
    shell.sync_in_background(&app);
    Ok(())
}

/// How much of a group's activity notifies me.
#[tauri::command]
#[specta::specta]
pub async fn set_notification_level(
    app: AppHandle,
    shell: Shell,
    group_id: String,
    level: NotificationLevel,
) -> Result<(), AppError> {
    if shell
        .client()
        .set_notification_level(&group_id, level)
        .await?
    {
        shell.sync_in_background(&app);
    }
    Ok(())
}
