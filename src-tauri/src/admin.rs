//! Commands of the admin area (organisation admins): the audit log,
//! people's accounts, retention policies and erasure. Online calls into the
//! client core: the server answers at once or says why not; offline they
//! fail and change nothing.

use commons_client::{
    AuditAction, AuditLogPage, AuditQuery, ErasureSummary, PersonAccount, RetentionPolicyView, User,
};
use tauri::AppHandle;

use crate::commands::Shell;
use crate::error::AppError;

/// A page of the audit log, newest first (`before`: the previous page's `next_before`).
#[tauri::command]
#[specta::specta]
pub async fn audit_log(
    shell: Shell,
    action: Option<AuditAction>,
    before: Option<i64>,
    limit: u32,
) -> Result<AuditLogPage, AppError> {
    let query = AuditQuery {
        action: action.map(|a| a.to_string()),
        before,
        limit: Some(i64::from(limit)),
        ..AuditQuery::default()
    };
    Ok(shell.client().audit_log(&query).await?)
}

/// Every account, deactivated ones too, by name, from the cache.
#[tauri::command]
#[specta::specta]
pub async fn accounts(
    shell: Shell,
    query: Option<String>,
    limit: u32,
) -> Result<Vec<PersonAccount>, AppError> {
    Ok(shell
        .client()
        .accounts(query.as_deref(), i64::from(limit))
        .await?)
}

/// Adds a person with a first password for the admin to hand over.
#[tauri::command]
#[specta::specta]
pub async fn invite_person(
    app: AppHandle,
    shell: Shell,
    email: String,
    name: String,
    password: String,
    is_admin: bool,
) -> Result<User, AppError> {
    let person = shell
        .client()
        .invite_person(&email, &name, &password, is_admin)
        .await?;
    // The directory shows them once the change log brings them.
    shell.sync_in_background(&app);
    Ok(person)
}

/// Deactivates (their sessions end at once) or reactivates an account.
#[tauri::command]
#[specta::specta]
pub async fn set_account_active(
    app: AppHandle,
    shell: Shell,
    user_id: String,
    active: bool,
) -> Result<User, AppError> {
    let person = shell.client().set_account_active(&user_id, active).await?;
    shell.sync_in_background(&app);
    Ok(person)
}

/// Gives or takes organisation admin rights.
#[tauri::command]
#[specta::specta]
pub async fn set_org_admin(
    app: AppHandle,
    shell: Shell,
    user_id: String,
    is_admin: bool,
) -> Result<User, AppError> {
    let person = shell.client().set_org_admin(&user_id, is_admin).await?;
    shell.sync_in_background(&app);
    Ok(person)
}

/// Every retention policy, the organisation's first, then each group's.
#[tauri::command]
#[specta::specta]
pub async fn retention_policies(shell: Shell) -> Result<Vec<RetentionPolicyView>, AppError> {
    Ok(shell.client().retention_policies().await?)
}

/// Sets the organisation's policy (`group_id` null) or a group's: posts older
/// than `max_age_days` (1 to 36500) are deleted for everyone.
#[tauri::command]
#[specta::specta]
pub async fn set_retention(
    shell: Shell,
    group_id: Option<String>,
    max_age_days: u32,
) -> Result<Vec<RetentionPolicyView>, AppError> {
    Ok(shell
        .client()
        .set_retention(group_id.as_deref(), i64::from(max_age_days))
        .await?)
}

/// Removes the organisation's policy or a group's.
#[tauri::command]
#[specta::specta]
pub async fn clear_retention(
    shell: Shell,
    group_id: Option<String>,
) -> Result<Vec<RetentionPolicyView>, AppError> {
    Ok(shell.client().clear_retention(group_id.as_deref()).await?)
}

/// Erases a person for good (right to erasure); the cache forgets them with
/// the sync that follows.
#[tauri::command]
#[specta::specta]
pub async fn erase_person(
    app: AppHandle,
    shell: Shell,
    user_id: String,
) -> Result<ErasureSummary, AppError> {
    let report = shell.client().erase_person(&user_id).await?;
    shell.sync_in_background(&app);
    Ok(report)
}
