//! The Commons client core: everything a Commons client does except drawing.
//!
//! Layers, bottom up (see README.md):
//! - `cache`: the SQLite cache of one profile (`cache.db`).
//! - `outbox` and `sync`: the sync engine. Writes are applied locally and
//!   queued; `sync` pushes the queue in order, then pulls the change log.
//! - `api`, `keychain`, `live`: the server's REST API, the OS keychain holding
//!   the session token, the WebSocket that says when to sync.
//! - [`Client`]: the API the CLI and the desktop app call.

mod accounts;
mod api;
mod attachments;
mod cache;
mod client;
mod error;
mod keychain;
mod live;
mod local_effects;
mod notifications;
mod outbox;
mod outbox_actions;
mod pages;
mod poll_effects;
mod poll_writes;
mod sso;
mod sync;
mod uploads;
mod views;
mod writes;

pub use accounts::{list_accounts, AccountEntry};
pub use attachments::{ATTACHMENTS_DIR, DEFAULT_ATTACHMENT_CACHE_LIMIT};
pub use cache::CACHE_FILE;
pub use client::{normalize_server_url, Client, MAX_FEED_PAGE, MAX_LIST_PAGE, MAX_SEARCH_RESULTS};
pub use error::ClientError;
pub use keychain::{
    check_available as keychain_available, delete_token, load_token, store_token, TokenKey,
};
pub use notifications::Notifier;
pub use poll_writes::PostExtras;
pub use sso::SIGN_IN_PATIENCE;
pub use views::*;

// The wire types callers need alongside the views.
pub use commons_protocol::{
    AuditAction, AuditQuery, ErrorCode, GroupRole, NotificationLevel, Privacy, ReactionKind,
    SsoInfo, User,
};
// What a file is, from its first bytes, as the server decides it.
pub use commons_protocol::sniff;
// Markdown as the views render it: for previews, and for the links a screen may open.
pub use commons_protocol::markdown;
