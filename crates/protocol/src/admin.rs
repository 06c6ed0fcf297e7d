//! What organisation admins read: the audit log.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::social::{word_enum, UnknownValue};
use crate::{Id, Millis};

/// Administrative and security events, recorded append-only.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// Someone logged in (password or single sign-on; `details.method`).
    Login,
    /// A login was refused (`details.email`, `details.reason`).
    LoginFailed,
    /// Someone ended their own session.
    Logout,
    /// Sessions ended by someone else or by the system (`details.sessions`).
    SessionsRevoked,
    /// An account was created (by an admin, an import or a first SSO login).
    UserCreated,
    UserDeactivated,
    UserReactivated,
    /// Organisation admin rights given or taken (`details.is_admin`).
    UserRoleChanged,
    /// A person's content was erased or anonymised (right to erasure).
    UserErased,
    /// A group's privacy changed (`details.from`, `details.to`).
    GroupPrivacyChanged,
    /// A member's role in a group changed (`details.role`).
    GroupRoleChanged,
    /// A group admin removed a member (`details.group_id`).
    MemberRemoved,
    /// A moderator or admin deleted someone else's post.
    PostRemoved,
    /// A moderator or admin deleted someone else's comment.
    CommentRemoved,
    /// An export was made (`details.scope`: organisation, personal, audit).
    Export,
    /// An import ran (`details`: its summary).
    Import,
    /// Retention policies were applied (`details`: what was deleted).
    RetentionRun,
    /// A retention policy was set or removed.
    RetentionPolicyChanged,
    /// Organisation settings changed (for example: single sign-on required).
    SettingsChanged,
    /// An admin set a person's password (`admin set-password`; `details.sessions`: sessions ended).
    PasswordSet,
}

word_enum!(AuditAction, "audit action", {
    Login => "login", LoginFailed => "login_failed", Logout => "logout",
    SessionsRevoked => "sessions_revoked", UserCreated => "user_created",
    UserDeactivated => "user_deactivated", UserReactivated => "user_reactivated",
    UserRoleChanged => "user_role_changed", UserErased => "user_erased",
    GroupPrivacyChanged => "group_privacy_changed", GroupRoleChanged => "group_role_changed",
    MemberRemoved => "member_removed", PostRemoved => "post_removed",
    CommentRemoved => "comment_removed", Export => "export", Import => "import",
    RetentionRun => "retention_run", RetentionPolicyChanged => "retention_policy_changed",
    SettingsChanged => "settings_changed", PasswordSet => "password_set",
});

/// One entry of the audit log.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Position in the log: entries are numbered in the order they were written.
    pub seq: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub at: Millis,
    /// Who did it; absent for the system (a scheduled job, a command run on
    /// the server) and for a login attempt with an unknown e-mail.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub actor_id: Option<Id>,
    /// The actor's name now (empty when there is no actor).
    pub actor_name: String,
    pub action: AuditAction,
    /// What was acted on: `user`, `group`, `post`, `comment`, `organisation`.
    pub target_kind: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub target_id: Option<String>,
    /// The client's IP address, when the event came through the API.
    pub source_addr: Option<String>,
    /// Facts particular to the action (see [`AuditAction`]).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// A page of the audit log, newest first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// Filters of `GET /api/v1/admin/audit`; all optional, combined with AND.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditQuery {
    /// Only this action (`login_failed`, `member_removed`, ...).
    pub action: Option<String>,
    /// Only what this person did.
    pub actor_id: Option<String>,
    /// Only what was done to this user, group, post or comment.
    pub target_id: Option<String>,
    /// Only entries written at or after this time (Unix ms).
    pub since: Option<i64>,
    /// Only entries written before this time (Unix ms).
    pub until: Option<i64>,
    /// Only entries older than this `seq` (paging).
    pub before: Option<i64>,
    /// Page size, 1 to 500 (100 by default).
    pub limit: Option<i64>,
}

pub const DEFAULT_AUDIT_LIMIT: i64 = 100;
pub const MAX_AUDIT_LIMIT: i64 = 500;
