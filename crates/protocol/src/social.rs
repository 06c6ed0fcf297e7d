//! What people do around content: reactions, join requests, notifications
//! and per-group notification settings.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::{Id, Millis};

/// Returned when text does not name a value of one of the enums below.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}: expected one of {expected}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// Text forms for the enums stored and sent as lowercase words.
macro_rules! word_enum {
    ($name:ident, $kind:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(UnknownValue {
                        kind: $kind,
                        value: other.to_string(),
                        expected: concat!($($text, " "),+),
                    }),
                }
            }
        }
    };
}

pub(crate) use word_enum;

/// Workplace's seven reactions, so imported content keeps them.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ReactionKind {
    Like,
    Love,
    Care,
    Haha,
    Wow,
    Sad,
    Angry,
}

word_enum!(ReactionKind, "reaction", {
    Like => "like", Love => "love", Care => "care", Haha => "haha",
    Wow => "wow", Sad => "sad", Angry => "angry",
});

/// One person's reaction to a post or a comment (at most one per person and item).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reaction {
    /// The post or comment reacted to.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub target_id: Id,
    /// The post itself, or the post of the comment.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub post_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub group_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub user_id: Id,
    pub kind: ReactionKind,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub created_at: Millis,
}

/// A request to join a closed group, waiting for a group admin.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub group_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub user_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub created_at: Millis,
}

/// Why someone was notified.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum NotificationKind {
    /// `@you` in a post or comment.
    Mention,
    /// A comment on a post you wrote.
    CommentOnPost,
    /// A reply to a comment you wrote.
    ReplyToComment,
    /// A reaction to a post you wrote.
    ReactionToPost,
    /// A new post in a group whose notification level lets it through.
    GroupPost,
    /// Someone asks to join a group you administer.
    JoinRequest,
    /// Your request to join a group was approved.
    RequestApproved,
    /// You were added to a group.
    AddedToGroup,
    /// A post of a group was announced (levels `all` and `highlights`).
    Announcement,
}

word_enum!(NotificationKind, "notification kind", {
    Mention => "mention", CommentOnPost => "comment_on_post",
    ReplyToComment => "reply_to_comment", ReactionToPost => "reaction_to_post",
    GroupPost => "group_post", JoinRequest => "join_request",
    RequestApproved => "request_approved", AddedToGroup => "added_to_group",
    Announcement => "announcement",
});

/// A notification for one person. It names what happened; the content itself
/// comes through sync, so a notification never carries text of a group the
/// recipient may not read.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub user_id: Id,
    pub kind: NotificationKind,
    /// Who caused it (absent for system events).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub actor_id: Option<Id>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub group_id: Option<Id>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub post_id: Option<Id>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub comment_id: Option<Id>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub created_at: Millis,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Millis>))]
    pub read_at: Option<Millis>,
}

/// How much of a group's activity notifies a member.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum NotificationLevel {
    /// Every new post.
    All,
    /// Mentions and announcements only (the default, as in Workplace).
    #[default]
    Highlights,
    Off,
}

word_enum!(NotificationLevel, "notification level", {
    All => "all", Highlights => "highlights", Off => "off",
});

/// One member's own settings for one group; only that member sees them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupSettings {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub group_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub user_id: Id,
    pub notification_level: NotificationLevel,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_through_text_and_json() {
        for kind in ReactionKind::ALL {
            assert_eq!(kind.as_str().parse::<ReactionKind>().unwrap(), *kind);
            assert_eq!(
                serde_json::to_string(kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
        for kind in NotificationKind::ALL {
            assert_eq!(kind.as_str().parse::<NotificationKind>().unwrap(), *kind);
            assert_eq!(
                serde_json::to_string(kind).unwrap(),
                format!("\"{}\"", kind.as_str())
            );
        }
        for level in NotificationLevel::ALL {
            assert_eq!(level.as_str().parse::<NotificationLevel>().unwrap(), *level);
        }
        let err = "thumbs_up".parse::<ReactionKind>().unwrap_err();
        assert!(err.to_string().contains("like love care"), "{err}");
    }
}
