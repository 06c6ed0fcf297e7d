//! What organisation admins set and run: retention policies and erasure.

use serde::{Deserialize, Serialize};

use crate::{Id, Millis};

/// Longest retention a policy may name (about 100 years).
pub const MAX_RETENTION_DAYS: i64 = 36_500;

/// "Delete posts older than `max_age_days`": the organisation's policy
/// (`group_id` absent) or a group's, which overrides the organisation's.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetentionPolicy {
    /// The group the policy applies to; absent for the organisation's.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub group_id: Option<Id>,
    /// The group's name (empty for the organisation's policy).
    pub group_name: String,
    /// Posts created more than this many days ago are deleted.
    pub max_age_days: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub updated_at: Millis,
}

/// `GET /api/v1/admin/retention`: every policy, the organisation's first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetentionPolicies {
    pub policies: Vec<RetentionPolicy>,
}

/// `PUT /api/v1/admin/retention`: sets the organisation's policy, or a
/// group's with `group_id`.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetRetentionRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    #[serde(default)]
    pub group_id: Option<Id>,
    /// 1 to [`MAX_RETENTION_DAYS`].
    pub max_age_days: i64,
}

/// `DELETE /api/v1/admin/retention`: removes the organisation's policy, or a
/// group's with `group_id` (the group then follows the organisation's).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClearRetentionRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    #[serde(default)]
    pub group_id: Option<Id>,
}

/// What one retention run deleted.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct RetentionReport {
    /// Posts deleted, per group id.
    pub posts_by_group: std::collections::BTreeMap<Id, u64>,
    /// Their comments, tombstoned with them.
    pub comments: u64,
}

/// What an erasure removed (`POST /api/v1/admin/users/{id}/erase`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErasureReport {
    /// The person as everyone sees them now ("Former member").
    pub user: crate::User,
    pub posts: u64,
    pub comments: u64,
    pub reactions: u64,
    pub votes: u64,
    pub memberships: u64,
    pub notifications: u64,
    pub attachments: u64,
    pub sessions: u64,
}
