use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::{Id, Millis};

/// Who may see a group and its content.
///
/// - `open`: everyone sees the group and its posts; anyone may join.
/// - `closed`: everyone sees the group's name, description and members;
///   only members see posts.
/// - `secret`: only members know the group exists.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Privacy {
    Open,
    Closed,
    Secret,
}

impl Privacy {
    pub fn as_str(self) -> &'static str {
        match self {
            Privacy::Open => "open",
            Privacy::Closed => "closed",
            Privacy::Secret => "secret",
        }
    }
}

impl fmt::Display for Privacy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returned when text does not name a privacy level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown privacy {0:?}: expected open, closed or secret")]
pub struct UnknownPrivacy(pub String);

impl FromStr for Privacy {
    type Err = UnknownPrivacy;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(Privacy::Open),
            "closed" => Ok(Privacy::Closed),
            "secret" => Ok(Privacy::Secret),
            other => Err(UnknownPrivacy(other.to_string())),
        }
    }
}

/// A member's role inside one group.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum GroupRole {
    Member,
    /// Removes posts and comments of others, pins posts; cannot change the group.
    Moderator,
    Admin,
}

impl GroupRole {
    /// Admins and moderators keep order in a group: they may pin posts and
    /// remove what others wrote.
    pub fn moderates(self) -> bool {
        matches!(self, GroupRole::Moderator | GroupRole::Admin)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupRole::Member => "member",
            GroupRole::Moderator => "moderator",
            GroupRole::Admin => "admin",
        }
    }
}

/// Returned when text does not name a group role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown group role {0:?}: expected member, moderator or admin")]
pub struct UnknownRole(pub String);

impl FromStr for GroupRole {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "member" => Ok(GroupRole::Member),
            "moderator" => Ok(GroupRole::Moderator),
            "admin" => Ok(GroupRole::Admin),
            other => Err(UnknownRole(other.to_string())),
        }
    }
}

/// A person of the organisation, with the profile everyone sees.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct User {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub id: Id,
    pub email: String,
    pub name: String,
    /// Unique, lowercase; what `@handle` mentions refer to.
    pub handle: String,
    /// Organisation administrator.
    pub is_admin: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub created_at: Millis,
    /// Job title ("Staff engineer"); empty when unknown.
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub manager_id: Option<Id>,
    /// Free text the person writes about themselves.
    #[serde(default)]
    pub about: String,
    /// A deactivated account cannot log in; its content stays.
    #[serde(default)]
    pub deactivated: bool,
    /// The profile picture: an image attachment any signed-in person may
    /// fetch (`GET /api/v1/attachments/{id}/thumbnail` for lists).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub avatar_id: Option<Id>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub id: Id,
    pub name: String,
    pub description: String,
    pub privacy: Privacy,
    /// The organisation-wide group every person belongs to; posts without a
    /// group go there.
    pub is_default: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub created_by: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub created_at: Millis,
    /// The cover image: an image attachment whoever sees the group may fetch.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub cover_id: Option<Id>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub group_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub user_id: Id,
    pub role: GroupRole,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub joined_at: Millis,
}

/// A post in a group. The body is Markdown (CommonMark).
///
/// A deleted post is a tombstone: `deleted_at` is set and the body is empty,
/// so caches that held it forget its text.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Post {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub group_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub author_id: Id,
    pub body: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub created_at: Millis,
    /// When the body last changed; earlier versions are in the edit history.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Millis>))]
    pub edited_at: Option<Millis>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Millis>))]
    pub deleted_at: Option<Millis>,
    /// Pinned by a group admin or moderator: shown at the top of the group.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Millis>))]
    pub pinned_at: Option<Millis>,
    /// Files attached when the post was written (none once it is deleted).
    #[serde(default)]
    pub attachments: Vec<crate::Attachment>,
}

/// A comment on a post, or a reply to a comment (one level: a reply's
/// `parent_id` always names a top-level comment). Deleted ones are tombstones
/// like posts.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub post_id: Id,
    /// The group of the post, so visibility can be decided without a lookup.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub group_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub author_id: Id,
    pub body: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub created_at: Millis,
    /// The comment this one replies to.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub parent_id: Option<Id>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Millis>))]
    pub edited_at: Option<Millis>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Millis>))]
    pub deleted_at: Option<Millis>,
    /// Files attached to the comment, in upload order; none on a tombstone.
    #[serde(default)]
    pub attachments: Vec<crate::Attachment>,
}

/// The lowercase handles mentioned as `@handle` in a text (Markdown), in order, without duplicates.
///
/// A handle is made of ASCII letters, digits, `.`, `_` and `-`, and does not end with `.`
/// (so "thanks @ada." mentions `ada`). An `@` inside a word (an e-mail address) or after `/`
/// (a URL) is not a mention, nor is one in code (`` `@ada` ``), in an autolink or escaped
/// (`\@ada`): the mentions are exactly those [`crate::markdown::to_safe_html`] highlights.
pub fn mentioned_handles(text: &str) -> Vec<String> {
    crate::markdown::mentions(text)
}

/// The lowercase hashtags of a text (Markdown), without their `#`, in order, without duplicates.
///
/// A hashtag is a `#` at the start of a word followed by letters, digits and `_`, with at
/// least one letter (`#1` is a number). Like mentions, hashtags in code, in autolinks or
/// escaped (`\#1`) do not count: they are exactly those [`crate::markdown::to_safe_html`]
/// highlights.
pub fn hashtags(text: &str) -> Vec<String> {
    crate::markdown::tags(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_once_and_lowercased() {
        assert_eq!(
            mentioned_handles("Hi @Ada and @grace.hopper, cc @ada."),
            vec!["ada".to_string(), "grace.hopper".to_string()]
        );
    }

    #[test]
    fn email_addresses_are_not_mentions() {
        assert!(mentioned_handles("write to ada@example.org").is_empty());
        assert!(mentioned_handles("a lone @ sign").is_empty());
    }

    #[test]
    fn privacy_round_trips_through_text_and_json() {
        for p in [Privacy::Open, Privacy::Closed, Privacy::Secret] {
            assert_eq!(p.as_str().parse::<Privacy>().unwrap(), p);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
        }
        assert!("public".parse::<Privacy>().is_err());
    }
}
