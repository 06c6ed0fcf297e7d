//! What the client core hands to its callers (CLI, desktop UI). All of it is
//! plain data that serialises to JSON as-is.

use commons_protocol::{GroupRole, Id, Millis, Privacy, User};
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
    /// Written here, not yet confirmed by the server.
    pub pending: bool,
    /// The server rejected it, with this reason; it will not be sent again.
    pub failed: Option<String>,
    /// The outbox write that creates it while it is still there (pending or
    /// failed): what `Client::retry` and `Client::discard` take. `None` once
    /// the server confirmed it.
    pub mutation_id: Option<String>,
    /// Oldest first.
    pub comments: Vec<CommentView>,
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
    pub pending: bool,
    pub failed: Option<String>,
    /// The outbox write that creates it, while still queued (pending or failed).
    pub mutation_id: Option<String>,
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
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub mutation_id: Id,
    /// "post", "comment", "create_group", "join_group" or "add_member".
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
