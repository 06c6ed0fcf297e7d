//! Request and response bodies of the REST API (`/api/v1`).
//!
//! Every write carries a client-generated `mutation_id` (a UUID). The server
//! records it with the result, so sending the same write twice (a retry after
//! a lost response, a replay after a crash) applies it once and answers the
//! same way both times.

use serde::{Deserialize, Serialize};

use crate::{
    Comment, Group, GroupRole, Id, JoinRequest, Membership, Millis, Notification,
    NotificationLevel, Post, Privacy, Reaction, ReactionKind, User,
};

/// `POST /api/v1/auth/login`
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Shown to the user in a future session list ("Commons desktop on laptop").
    #[serde(default)]
    pub device_name: Option<String>,
}

/// Answer to a successful login. The token is a bearer token for
/// `Authorization: Bearer TOKEN`; the server stores only its hash.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub token: String,
    pub user: User,
}

/// `POST /api/v1/groups`: create a group; the creator becomes its admin.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateGroupRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub id: Id,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub privacy: Privacy,
}

/// `POST /api/v1/groups/{id}/join`: join an open group, or ask to join a closed one.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinGroupRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
}

/// `POST /api/v1/groups/{id}/members`: a group admin adds someone by e-mail.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddMemberRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    pub email: String,
}

/// `POST /api/v1/posts`
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatePostRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub group_id: Id,
    pub body: String,
    /// The caller's own uploads, not yet linked to a post (`POST /api/v1/attachments`).
    #[serde(default)]
    pub attachment_ids: Vec<Id>,
    /// A poll asked with the post.
    #[serde(default)]
    pub poll: Option<crate::NewPoll>,
    /// Announce the post for this many days (1 to 7; group admins and moderators).
    #[serde(default)]
    pub announce_days: Option<u32>,
}

/// `POST /api/v1/posts/{post_id}/comments`
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCommentRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub id: Id,
    pub body: String,
    /// Reply to this comment (a reply to a reply attaches to its top-level comment).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub parent_id: Option<Id>,
    /// The caller's own uploads, not yet attached to anything, to attach.
    #[serde(default)]
    pub attachment_ids: Vec<Id>,
}

/// `PUT /api/v1/me/avatar` and `PUT /api/v1/groups/{id}/cover`: use an image
/// the caller uploaded (and attached to nothing yet); it replaces the earlier one.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetImageRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub attachment_id: Id,
}

/// A write that needs nothing but its mutation id: `DELETE /api/v1/posts/{id}`,
/// `DELETE /api/v1/comments/{id}`, `POST /api/v1/groups/{id}/leave`,
/// `POST /api/v1/groups/{id}/members/{user_id}/remove`,
/// `POST /api/v1/groups/{id}/requests/{user_id}/approve` and `.../decline`,
/// `DELETE /api/v1/posts/{id}/reaction`, `DELETE /api/v1/comments/{id}/reaction`,
/// `POST /api/v1/notifications/{id}/read`, `POST /api/v1/notifications/read-all`,
/// `POST /api/v1/admin/users/{id}/deactivate` and `.../reactivate`.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
}

/// `PATCH /api/v1/posts/{id}` and `PATCH /api/v1/comments/{id}`: the author edits the text.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditTextRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    pub body: String,
}

/// `POST /api/v1/posts/{id}/pin`: a group admin or moderator pins or unpins.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    pub pinned: bool,
}

/// `GET /api/v1/posts/{id}/history`: earlier versions of an edited post, oldest first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostVersion {
    pub body: String,
    /// When this version was written (the post's creation or an earlier edit).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub written_at: Millis,
    /// When it was replaced by the next version.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub replaced_at: Millis,
}

/// `PUT /api/v1/posts/{id}/reaction` and `PUT /api/v1/comments/{id}/reaction`:
/// sets the caller's reaction (replacing an earlier one).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    pub kind: ReactionKind,
}

/// Answer of the reaction writes: the caller's reaction, `None` after removing it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactionResponse {
    pub reaction: Option<Reaction>,
}

/// `GET /api/v1/feed?before=CURSOR&limit=N`: the home feed, newest activity first.
/// `GET /api/v1/groups/{id}/posts?before=CURSOR&limit=N` answers the same shape:
/// the group's pinned posts first on its first page, then the others newest first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedPage {
    pub posts: Vec<PostWithComments>,
    /// Pass as `before` for the next (older) page; `None` at the end.
    pub next: Option<String>,
}

/// `PATCH /api/v1/groups/{id}`: a group admin changes the group. Absent fields stay.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateGroupRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub privacy: Option<Privacy>,
}

/// `POST /api/v1/groups/{id}/members/{user_id}/role`: a group admin changes a member's role.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetRoleRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    pub role: GroupRole,
}

/// Answer of `POST /api/v1/groups/{id}/join` (status 200 either way): open
/// groups give a membership, closed groups a pending request. The other
/// membership writes answer with the person's relation to the group after
/// them: `.../requests/{user_id}/approve` a membership; `.../leave`,
/// `.../members/{user_id}/remove` and `.../requests/{user_id}/decline` neither.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinResponse {
    pub membership: Option<Membership>,
    pub request: Option<JoinRequest>,
}

/// `PUT /api/v1/groups/{id}/settings`: the caller's own settings for a group.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupSettingsRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    pub notification_level: NotificationLevel,
}

/// One member of a group, with the person's profile.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupMember {
    pub user: User,
    pub role: GroupRole,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub joined_at: Millis,
}

/// `GET /api/v1/groups/{id}/members?after=CURSOR&limit=N`: members by name.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberPage {
    pub members: Vec<GroupMember>,
    /// Pass as `after` for the next page; `None` at the end.
    pub next: Option<String>,
}

/// `PATCH /api/v1/me`: the caller edits their profile. Absent fields stay.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateProfileRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    /// The manager's id; the empty string (`Some("")`) clears the manager.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub manager_id: Option<Id>,
    #[serde(default)]
    pub about: Option<String>,
}

/// `GET /api/v1/users?q=TEXT&after=CURSOR&limit=N`: the directory, by name.
///
/// `q` keeps the people whose name, handle, title or department contains
/// every word of it (case-insensitive). Deactivated people are left out
/// unless `include_deactivated=true`. Pages hold at most
/// [`MAX_DIRECTORY_LIMIT`] people ([`DEFAULT_DIRECTORY_LIMIT`] by default).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPage {
    pub users: Vec<User>,
    /// Pass as `after` for the next page; `None` at the end.
    pub next: Option<String>,
}

pub const DEFAULT_DIRECTORY_LIMIT: i64 = 50;
pub const MAX_DIRECTORY_LIMIT: i64 = 200;

/// Longest job title, department or location, in characters (after trimming).
pub const MAX_PROFILE_FIELD_CHARS: usize = 100;
/// Longest "about" text of a profile, in characters (after trimming).
pub const MAX_ABOUT_CHARS: usize = 2000;

/// `POST /api/v1/admin/users`: an organisation admin adds a person, with a
/// first password to hand over to them (at least 8 characters).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    pub email: String,
    pub name: String,
    pub password: String,
    /// Make them an organisation admin too.
    #[serde(default)]
    pub is_admin: bool,
}

/// `POST /api/v1/admin/users/{id}/role`: an organisation admin makes someone
/// an organisation admin, or not. The last active admin cannot be demoted.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetOrgAdminRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub mutation_id: Id,
    pub is_admin: bool,
}

/// What a search hit is.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    Post,
    Comment,
    Person,
    Group,
}

impl SearchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Post => "post",
            SearchKind::Comment => "comment",
            SearchKind::Person => "person",
            SearchKind::Group => "group",
        }
    }
}

/// Marks the start of a matched word in [`SearchHit::snippet`].
pub const SEARCH_MARK_START: &str = "[[";
/// Marks the end of a matched word in [`SearchHit::snippet`].
pub const SEARCH_MARK_END: &str = "]]";

/// One result of `GET /api/v1/search`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub kind: SearchKind,
    /// The post, comment, person or group.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Id))]
    pub id: Id,
    /// The author's name for posts and comments, the name of a person or group.
    pub title: String,
    /// Plain text (never HTML: render it as text) around the matches, each
    /// match between [`SEARCH_MARK_START`] and [`SEARCH_MARK_END`]. A double
    /// bracket is always a marker: brackets of the text itself never touch
    /// each other or a marker (a space is put between them). Posts and
    /// comments show their text, people "@handle · title · department ·
    /// location · about", groups their description.
    pub snippet: String,
    /// The group of a post or comment, or the group itself.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub group_id: Option<Id>,
    /// The post itself, or the post of a comment.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub post_id: Option<Id>,
    /// Who wrote a post or comment.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::Id>))]
    pub author_id: Option<Id>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::Millis))]
    pub created_at: Millis,
}

/// `GET /api/v1/search?q=TEXT&kind=post|comment|person|group&limit=N`: the
/// best matches first, only among what the caller may see. Every word of `q`
/// must match (as a word or the start of one, case-insensitive);
/// punctuation separates words and is never read as search syntax.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResponse {
    pub hits: Vec<SearchHit>,
}

pub const DEFAULT_SEARCH_LIMIT: i64 = 20;
pub const MAX_SEARCH_LIMIT: i64 = 50;
/// Longest search text accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// `GET /api/v1/notifications?before=CURSOR&limit=N`: newest first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    pub unread_count: i64,
    pub next: Option<String>,
}

/// `GET /api/v1/groups`: the groups the caller may see, with the caller's role.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupListItem {
    pub group: Group,
    /// `None` when the caller is not a member.
    pub my_role: Option<crate::GroupRole>,
    pub member_count: i64,
}

/// A post as the feeds (`GET /api/v1/feed`, `GET /api/v1/groups/{id}/posts`)
/// and `GET /api/v1/posts/{id}` show it: comments oldest first (replies name
/// their top-level comment in `parent_id`; deleted ones are tombstones, kept
/// so replies still have their place).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostWithComments {
    pub post: Post,
    pub comments: Vec<Comment>,
    /// Reactions to the post and to its comments, oldest first: counts and who.
    #[serde(default)]
    pub reactions: Vec<Reaction>,
}

/// Answer of `POST /api/v1/groups/{id}/members` and `.../members/{user_id}/role`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipResponse {
    pub membership: Membership,
}

/// Limits the server enforces on text, in bytes of UTF-8.
pub const MAX_POST_BYTES: usize = 64 * 1024;
pub const MAX_COMMENT_BYTES: usize = 16 * 1024;
pub const MAX_GROUP_NAME_CHARS: usize = 100;
/// Longest group description, in characters (after trimming).
pub const MAX_GROUP_DESCRIPTION_CHARS: usize = 2000;

/// Posts per page of `GET /api/v1/feed` and `GET /api/v1/groups/{id}/posts`
/// when no `limit` is given; larger limits are clamped to [`MAX_FEED_LIMIT`].
pub const DEFAULT_FEED_LIMIT: i64 = 20;
pub const MAX_FEED_LIMIT: i64 = 100;
