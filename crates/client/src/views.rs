//! What the client core hands to its callers (CLI, desktop UI). All of it is
//! plain data that serialises to JSON as-is.

use commons_protocol::{
    Attachment, GroupRole, Id, Millis, NotificationLevel, Privacy, ReactionKind, User,
};
use serde::{Deserialize, Serialize};

/// The account a profile is logged in to.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Account {
    pub server_url: String,
    pub user: User,
}

/// Position after the last post of a feed page: pass it as `before` for the next page.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FeedCursor {
    pub created_at: Millis,
    pub id: Id,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FeedPost {
    pub id: Id,
    pub group_id: Id,
    pub group_name: String,
    pub author_id: Id,
    pub author_name: String,
    /// The Markdown text, as written.
    pub body: String,
    /// `body` rendered by [`commons_protocol::markdown::to_safe_html`]: safe
    /// to insert into a page as is. Screens show this, never render `body`.
    pub body_html: String,
    pub created_at: Millis,
    /// Written, edited or deleted here, not yet confirmed by the server.
    pub pending: bool,
    /// The server rejected writing it (or an edit or deletion of it), with
    /// this reason; it will not be sent again. A failed edit keeps showing
    /// the new text; a failed deletion shows the post again.
    pub failed: Option<String>,
    /// The outbox write on it while it is still there (pending or failed; the
    /// failed one first): what `Client::retry` and `Client::discard` take.
    /// `None` once the server confirmed everything.
    pub mutation_id: Option<String>,
    /// Oldest first. Replies follow their comment's `parent_id`; a deleted
    /// comment stays (as a tombstone) only while it has replies.
    pub comments: Vec<CommentView>,
    /// The text changed after it was written.
    pub edited: bool,
    /// Pinned to the top of its group by an admin or moderator.
    pub pinned: bool,
    /// A tombstone: deleted, its text gone. Feeds skip these;
    /// `Client::post_by_id` returns them so a link can say what happened.
    pub deleted: bool,
    /// Reactions by kind, the most frequent first.
    pub reactions: Vec<ReactionCount>,
    /// My reaction, if any (set here and unsent included).
    pub my_reaction: Option<ReactionKind>,
    /// The post's poll with its counts and my votes (unsent included).
    pub poll: Option<PollView>,
    /// Files attached, in upload order (unsent ones too, from this computer).
    pub attachments: Vec<AttachmentView>,
    /// An announcement until then: on top of my feeds until it ends or I saw it.
    pub announced_until: Option<Millis>,
    /// I marked it seen (here or elsewhere).
    pub seen_by_me: bool,
    /// How many saw it, on my own posts (`Client::seen_by` says who); `None` on others'.
    pub seen_by_count: Option<i64>,
}

/// That someone saw a post.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SeenView {
    pub user_id: Id,
    pub name: String,
    pub seen_at: Millis,
}

/// A post's poll as a screen shows it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PollView {
    /// In the poll's order; votes name them by index.
    pub options: Vec<PollOptionView>,
    /// Several options per person, or exactly one.
    pub multiple: bool,
    /// No more votes.
    pub closed: bool,
    /// How many people voted.
    pub voters: i64,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PollOptionView {
    pub text: String,
    pub count: i64,
    /// I chose it.
    pub mine: bool,
}

/// Someone who reacted to a post or comment, and how.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Reactor {
    pub user_id: Id,
    /// "Unknown user" when the cache does not know them.
    pub name: String,
    pub kind: ReactionKind,
}

/// An earlier text of an edited post (`Client::post_history`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PostVersionView {
    /// The Markdown as it was written.
    pub body: String,
    /// `body` as safe HTML, like [`FeedPost::body_html`].
    pub body_html: String,
    /// When this version was written (the post's creation or an earlier edit).
    pub written_at: Millis,
    /// When the next version replaced it.
    pub replaced_at: Millis,
}

/// How many people reacted to a post or comment with one kind.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReactionCount {
    pub kind: ReactionKind,
    pub count: i64,
}

impl FeedPost {
    /// The cursor to fetch the page after this post.
    pub fn cursor(&self) -> FeedCursor {
        FeedCursor {
            created_at: self.created_at,
            id: self.id.clone(),
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CommentView {
    pub id: Id,
    pub post_id: Id,
    pub author_id: Id,
    pub author_name: String,
    /// The Markdown text, as written.
    pub body: String,
    /// `body` as safe HTML, like [`FeedPost::body_html`].
    pub body_html: String,
    pub created_at: Millis,
    /// Written, edited or deleted here, not yet confirmed by the server.
    pub pending: bool,
    /// The server rejected writing it (or an edit or deletion of it).
    pub failed: Option<String>,
    /// The outbox write on it, while still queued (pending or failed).
    pub mutation_id: Option<String>,
    /// The comment this one replies to (always a top-level comment).
    pub parent_id: Option<Id>,
    pub edited: bool,
    /// A tombstone kept because it has replies: its text is gone.
    pub deleted: bool,
    pub reactions: Vec<ReactionCount>,
    pub my_reaction: Option<ReactionKind>,
    /// Files attached to it (metadata; the bytes come from the server by id).
    pub attachments: Vec<Attachment>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GroupView {
    pub id: Id,
    pub name: String,
    pub description: String,
    pub privacy: Privacy,
    pub is_default: bool,
    /// `None` when I am not a member.
    pub my_role: Option<GroupRole>,
    /// Members this profile knows of (pending joins included).
    pub member_count: i64,
    /// Created here, not yet confirmed by the server.
    pub pending: bool,
    /// The server refused to create it, with this reason.
    pub failed: Option<String>,
    /// The outbox write that creates it, while still queued (pending or failed).
    pub mutation_id: Option<String>,
    /// I asked to join (a closed group) and no admin has answered yet.
    pub requested: bool,
    /// How much of the group's activity notifies me (my own setting).
    pub notification_level: NotificationLevel,
    /// The cover image (an attachment id), if the group has one.
    pub cover_id: Option<Id>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub mutation_id: Id,
    /// "post", "comment", "create_group", "join_group", "add_member",
    /// "edit_post", "edit_comment", "delete_post", "delete_comment",
    /// "react", "unreact", "leave_group", "read_notification",
    /// "read_all_notifications", "group_settings", "approve_request",
    /// "decline_request", "remove_member", "set_role", "set_privacy" or
    /// "update_profile".
    pub kind: String,
    /// One line for people: what this write does.
    pub summary: String,
    pub created_at: Millis,
    pub state: OutboxState,
    /// How many times sending was attempted.
    pub attempts: i64,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// Will be sent by the next sync.
    Pending,
    /// Rejected by the server; kept so the user sees what was lost and why.
    Failed { reason: String },
}

/// What one `Client::push` did.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Writes the server confirmed.
    pub pushed: usize,
    /// Writes the server rejected (now in the outbox as failed).
    pub failed: usize,
}

/// What one `Client::sync` did.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pushed: usize,
    pub failed: usize,
    /// Changes received from the server.
    pub pulled: usize,
    /// To raise now (each item is reported once, ever).
    pub notifications: Vec<Notification>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    /// The post to open when the notification is clicked.
    pub post_id: Id,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    Mention,
    CommentOnYourPost,
    /// A post of one of my groups was announced (the server applied my level).
    Announcement,
}

/// Reported by `Client::run_live`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum LiveEvent {
    /// Connected to the server's stream.
    Online,
    /// Not connected; the next attempt is in `retry_in_ms`.
    Offline { retry_in_ms: u64 },
    /// A sync finished.
    Synced(SyncReport),
    /// A sync failed for a reason other than being offline; live mode goes on.
    Error(String),
}

/// A file attached to a post (see [`crate::Client::attachments`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AttachmentView {
    pub id: Id,
    pub post_id: Id,
    /// Hex SHA-256 of the content: a download is checked against it.
    pub sha256: String,
    pub name: String,
    /// Sniffed by the server from the bytes; images have a thumbnail.
    pub content_type: String,
    pub size: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// True when the full file is in the local cache.
    pub downloaded: bool,
}

/// What [`crate::Client::load_older`] brought from the server.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OlderPosts {
    /// Posts new to the cache (read the feed again to show them).
    pub added: u32,
    /// False once the server has no older page of this feed.
    pub more: bool,
}

/// One result of [`crate::Client::search`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchHit {
    pub kind: SearchHitKind,
    /// The post, comment, person (user id) or group found.
    pub id: Id,
    /// For a comment, the post to open; for a post, the post itself.
    pub post_id: Option<Id>,
    /// The group of a post or comment; a group's own id; `None` for a person.
    pub group_id: Option<Id>,
    /// Author name (post, comment), person name or group name.
    pub title: String,
    /// A short excerpt of the matching text with each matched term wrapped in
    /// `[` and `]`. Plain text: the caller escapes it for its output. For a
    /// post or comment it is an excerpt of the Markdown as written, not
    /// rendered (cut anywhere, it could not be rendered faithfully, and its
    /// brackets would read as links); the post itself carries `body_html`.
    pub snippet: String,
    /// When the post or comment was written; `None` for people and groups.
    pub created_at: Option<Millis>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SearchHitKind {
    Post,
    Comment,
    Person,
    Group,
}

/// One of my notifications, described from the cache.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NotificationView {
    pub id: Id,
    pub kind: commons_protocol::NotificationKind,
    pub actor_id: Option<Id>,
    /// `None` for system events (no actor); "Unknown user" when not cached.
    pub actor_name: Option<String>,
    pub group_id: Option<Id>,
    pub group_name: Option<String>,
    pub post_id: Option<Id>,
    pub comment_id: Option<Id>,
    /// The start of the comment (or else the post) it is about, on one line;
    /// empty when the cache does not have it or it was deleted.
    pub excerpt: String,
    pub created_at: Millis,
    pub read: bool,
    /// Marked read here, not yet confirmed by the server.
    pub pending: bool,
}

/// The notifications screen: newest first, and how many are unread in all.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NotificationList {
    pub notifications: Vec<NotificationView>,
    pub unread_count: i64,
}

/// A person in a list (directory, manager, reports).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PersonSummary {
    pub id: Id,
    pub name: String,
    pub handle: String,
    pub title: String,
    pub department: String,
    pub location: String,
    pub deactivated: bool,
    /// The profile picture (an attachment id; its thumbnail suits lists).
    pub avatar_id: Option<Id>,
}

/// A person's account as organisation admins manage it (deactivated ones too).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PersonAccount {
    pub id: Id,
    pub name: String,
    pub email: String,
    pub handle: String,
    pub title: String,
    pub department: String,
    pub is_admin: bool,
    pub deactivated: bool,
}

/// The parts of my profile I edit myself (name, e-mail and manager are the
/// organisation's).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProfileEdit {
    pub title: String,
    pub department: String,
    pub location: String,
    pub about: String,
}

/// A person's profile page.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Profile {
    pub id: Id,
    pub name: String,
    pub handle: String,
    pub email: String,
    pub title: String,
    pub department: String,
    pub location: String,
    pub about: String,
    /// Organisation administrator.
    pub is_admin: bool,
    pub deactivated: bool,
    pub created_at: Millis,
    /// The profile picture (an attachment id).
    pub avatar_id: Option<Id>,
    pub manager: Option<PersonSummary>,
    /// The people whose manager this person is, by name.
    pub reports: Vec<PersonSummary>,
    /// The groups this profile knows the person is in, by name.
    pub groups: Vec<ProfileGroup>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProfileGroup {
    pub group_id: Id,
    pub name: String,
    pub privacy: Privacy,
    pub role: GroupRole,
}

/// A member of a group, with their role.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MemberView {
    pub user_id: Id,
    pub name: String,
    pub handle: String,
    pub title: String,
    pub role: GroupRole,
    pub joined_at: Millis,
    /// Added or joined here, not yet confirmed by the server.
    pub pending: bool,
}

/// Someone asking to join a group I administer or moderate.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct JoinRequestView {
    pub group_id: Id,
    pub group_name: String,
    pub user_id: Id,
    pub name: String,
    pub handle: String,
    pub title: String,
    pub created_at: Millis,
}

/// One entry of the audit log, as an organisation admin reads it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: Millis,
    /// Absent for the system and for a login with an unknown e-mail.
    pub actor_id: Option<Id>,
    /// Empty when there is no actor.
    pub actor_name: String,
    pub action: commons_protocol::AuditAction,
    /// `user`, `group`, `post`, `comment` or `organisation`.
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    /// The person's or group's name, when this cache knows it.
    pub target_name: Option<String>,
    pub source_addr: Option<String>,
    /// The entry's details, a JSON object as text (`{"reason":"wrong_password",...}`).
    pub details: String,
}

/// A page of the audit log, newest first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditLogPage {
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before` for the next (older) page; absent on the last.
    pub next_before: Option<i64>,
}

/// A retention policy: posts created more than `max_age_days` days ago are
/// deleted for everyone (pinned posts and running announcements kept).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RetentionPolicyView {
    /// The group it applies to (its own policy overrides the organisation's);
    /// absent for the organisation's.
    pub group_id: Option<Id>,
    /// The group's name (empty for the organisation's policy).
    pub group_name: String,
    pub max_age_days: i64,
    pub updated_at: Millis,
}

/// What erasing a person removed, and the person as everyone sees them now
/// ("Former member").
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErasureSummary {
    pub user: User,
    pub posts: u64,
    pub comments: u64,
    pub reactions: u64,
    pub votes: u64,
    pub memberships: u64,
    pub notifications: u64,
    pub attachments: u64,
    pub sessions: u64,
}

/// A downloaded export (`Client::export_organisation`, `Client::export_mine`):
/// where it was saved, its size, and what its `manifest.json` counts.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportSummary {
    pub path: String,
    pub bytes: u64,
    /// `organisation` or `personal`; None when the manifest could not be read.
    pub scope: Option<String>,
    /// Rows of each JSON Lines file (`posts`, `comments`, ...), in archive order.
    pub counts: Vec<ExportCount>,
    /// Attachment files in the archive.
    pub files: u64,
}

/// The rows of one JSON Lines file of an export (`name`: without `.jsonl`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportCount {
    pub name: String,
    pub rows: u64,
}

/// The disk space a profile uses (see [`crate::Client::cache_usage`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CacheUsage {
    /// The cache database with its write-ahead log: posts, people, groups, the outbox.
    pub database_bytes: u64,
    /// Downloaded attachments (and the files of posts not sent yet).
    pub files_bytes: u64,
    /// At most this many bytes of downloaded files are kept.
    pub files_limit: u64,
}
