//! The sync protocol: a change log read through an opaque cursor, and pokes.
//!
//! `GET /api/v1/sync?since=CURSOR&limit=N` answers with the changes the caller
//! may see after `since` (everything when `since` is absent), oldest first, and
//! a new cursor. The client stores the cursor and sends it back next time; it
//! never looks inside. `GET /api/v1/stream` is a WebSocket on which the server
//! sends [`StreamMessage::Poke`] when something the caller may see changed: a
//! poke carries no data, the client answers it by pulling.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::{
    Comment, Group, GroupSettings, Id, JoinRequest, Membership, Notification, Post, Reaction, User,
};

/// Position in the server's change log. Opaque to clients.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Cursor(String);

/// `c1.<seq>`: cursors of servers before epochs; still accepted.
const LEGACY_PREFIX: &str = "c1.";
/// `c2.<epoch>.<seq>`: the epoch names one life of one server's change log.
const CURSOR_PREFIX: &str = "c2.";

/// Returned for a cursor this server did not issue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid sync cursor {0:?}")]
pub struct InvalidCursor(pub String);

impl Cursor {
    /// Used by the server only: a position in the change log of the server
    /// whose log is named `epoch` (see `docs/sync-protocol.md`).
    pub fn new(epoch: &str, seq: i64) -> Self {
        Cursor(format!("{CURSOR_PREFIX}{epoch}.{seq}"))
    }

    /// Used by the server only: the epoch (`None` for a legacy cursor) and
    /// the sequence number inside.
    pub fn parts(&self) -> Result<(Option<&str>, i64), InvalidCursor> {
        let invalid = || InvalidCursor(self.0.clone());
        let seq = |text: &str| text.parse::<i64>().ok().filter(|n| *n >= 0);
        if let Some(rest) = self.0.strip_prefix(CURSOR_PREFIX) {
            let (epoch, n) = rest.rsplit_once('.').ok_or_else(invalid)?;
            let epoch_ok = !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_alphanumeric());
            return match (epoch_ok, seq(n)) {
                (true, Some(n)) => Ok((Some(epoch), n)),
                _ => Err(invalid()),
            };
        }
        self.0
            .strip_prefix(LEGACY_PREFIX)
            .and_then(seq)
            .map(|n| (None, n))
            .ok_or_else(invalid)
    }

    /// Wraps a cursor read back from storage or a query string.
    pub fn from_opaque(text: impl Into<String>) -> Self {
        Cursor(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One entry of the change log, carrying the entity's current state.
/// Applying changes is an upsert or a delete, so receiving one twice is harmless.
/// Deleted posts and comments come as tombstones (`deleted_at` set).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    User {
        user: User,
    },
    Group {
        group: Group,
    },
    Membership {
        membership: Membership,
    },
    /// Someone else left or was removed from a group the caller is in.
    MembershipRemoved {
        #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
        group_id: Id,
        #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
        user_id: Id,
    },
    /// The caller lost access to a group's content (left, removed, or the
    /// group became secret): delete everything of the group from the cache,
    /// search index and attachments. If the group itself is still visible to
    /// the caller, a `group` change follows in the same page.
    Purge {
        #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
        group_id: Id,
    },
    /// Sent to the requester and to the group's admins and moderators.
    JoinRequest {
        request: JoinRequest,
    },
    /// The request was approved (a membership follows), declined or withdrawn.
    JoinRequestRemoved {
        #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
        group_id: Id,
        #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
        user_id: Id,
    },
    Post {
        post: Post,
    },
    Comment {
        comment: Comment,
    },
    Reaction {
        reaction: Reaction,
    },
    ReactionRemoved {
        #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
        target_id: Id,
        #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
        user_id: Id,
    },
    /// A member's vote in a poll, new or changed.
    PollVote {
        vote: crate::PollVote,
    },
    /// A member withdrew their vote.
    PollVoteRemoved {
        #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
        post_id: Id,
        #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
        user_id: Id,
    },
    /// That someone saw a post: sent to them, to the post's author and to
    /// the group's admins.
    PostSeen {
        seen: crate::PostSeen,
    },
    /// The caller's own notifications, new or with a new read state.
    Notification {
        notification: Notification,
    },
    /// The caller's own settings for a group.
    GroupSettings {
        settings: GroupSettings,
    },
    /// A kind of change this client does not know (sent by a newer server):
    /// skip it.
    #[serde(other)]
    Unknown,
}

/// `GET /api/v1/sync` answer.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    pub changes: Vec<Change>,
    /// Send this as `since` next time.
    pub cursor: Cursor,
    /// More changes are waiting: pull again at once.
    pub has_more: bool,
}

/// Largest page a client may ask of `GET /api/v1/sync`.
pub const MAX_SYNC_LIMIT: i64 = 1000;
pub const DEFAULT_SYNC_LIMIT: i64 = 500;

/// Messages the server sends on `GET /api/v1/stream` (JSON text frames).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamMessage {
    /// Something the caller may see changed; the newest cursor is `cursor`.
    /// Sent once right after connecting too, so a client catches up at once.
    Poke { cursor: Cursor },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_foreign_text() {
        assert_eq!(Cursor::new("e1f2", 42).parts().unwrap(), (Some("e1f2"), 42));
        assert_eq!(Cursor::from_opaque("c1.7").parts().unwrap(), (None, 7));
        for foreign in [
            "42", "c1.-3", "c2.42", "c2..4", "c2.a-b.4", "c2.ab.x", "c3.ab.4",
        ] {
            assert!(Cursor::from_opaque(foreign).parts().is_err(), "{foreign}");
        }
    }

    #[test]
    fn changes_are_tagged_by_type() {
        let change = Change::Membership {
            membership: Membership {
                group_id: "g".into(),
                user_id: "u".into(),
                role: crate::GroupRole::Admin,
                joined_at: 1,
            },
        };
        let json = serde_json::to_value(&change).unwrap();
        assert_eq!(json["type"], "membership");
        assert_eq!(json["membership"]["role"], "admin");
    }

    #[test]
    fn unknown_change_kinds_are_skipped_not_fatal() {
        let change: Change =
            serde_json::from_str(r#"{"type":"hologram","hologram":{"id":"x"}}"#).unwrap();
        assert_eq!(change, Change::Unknown);
    }
}
