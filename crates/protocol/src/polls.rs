//! Polls and announcements on posts.
//!
//! A poll is fixed when its post is written: 2 to [`MAX_POLL_OPTIONS`]
//! short options, one vote or several per person. Votes are one row per
//! person and poll (the set of options chosen), synced like reactions.
//! An announcement is a post that a group admin or moderator marked
//! important until `Post::announced_until`; each member's "seen" is kept
//! (the first time) and shown to the author and the group's admins only.

use serde::{Deserialize, Serialize};

use crate::{Id, Millis};

/// Fewest and most options of a poll.
pub const MIN_POLL_OPTIONS: usize = 2;
pub const MAX_POLL_OPTIONS: usize = 20;
/// Longest option text, in characters.
pub const MAX_POLL_OPTION_CHARS: usize = 100;
/// How long an announcement may last, in days.
pub const MIN_ANNOUNCE_DAYS: u32 = 1;
pub const MAX_ANNOUNCE_DAYS: u32 = 7;
pub const DAY_MILLIS: Millis = 24 * 60 * 60 * 1000;

/// The poll of a post (none once the post is deleted).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Poll {
    /// The options, in the author's order; votes name them by index.
    pub options: Vec<String>,
    /// Several options per person, or exactly one.
    pub multiple: bool,
    /// Closed by its author or a moderator: no more votes.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Millis>))]
    pub closed_at: Option<Millis>,
}

/// A poll asked for when writing a post.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPoll {
    pub options: Vec<String>,
    #[serde(default)]
    pub multiple: bool,
}

/// One person's vote in one poll: the options chosen (indexes, ascending).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PollVote {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub post_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub group_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub user_id: Id,
    pub options: Vec<u32>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub voted_at: Millis,
}

/// `PUT /api/v1/posts/{id}/vote`: the caller's choice, replacing an earlier one.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoteRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    /// Option indexes: exactly one unless the poll allows several.
    pub options: Vec<u32>,
}

/// One option of [`PollResults`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PollOptionResult {
    pub text: String,
    pub count: u32,
    /// Who chose it, in the order they voted.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::openapi::Id>))]
    pub voter_ids: Vec<Id>,
}

/// `GET /api/v1/posts/{id}/poll`: the poll with counts and voters.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PollResults {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub post_id: Id,
    pub multiple: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Millis>))]
    pub closed_at: Option<Millis>,
    /// The options in the poll's order.
    pub options: Vec<PollOptionResult>,
    /// How many people voted (each once, whatever they chose).
    pub voters: u32,
}

/// `POST /api/v1/posts/{id}/announce`: mark a post important for `days`
/// days from now, or unmark it (`days` null).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnounceRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    /// 1 to 7, or null to unmark.
    #[serde(default)]
    pub days: Option<u32>,
}

/// That a member saw a post (the first time).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostSeen {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub post_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub group_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub user_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub seen_at: Millis,
}

/// `GET /api/v1/posts/{id}/seen`: who saw a post and when, first seen first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeenBy {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub post_id: Id,
    pub count: u32,
    pub seen: Vec<PostSeen>,
}
