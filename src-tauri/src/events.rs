//! Events the shell sends to the UI (typed in the generated bindings).

use serde::{Deserialize, Serialize};

use crate::status::Connection;

/// The connection indicator changed.
#[derive(Serialize, Deserialize, Clone, Debug, specta::Type, tauri_specta::Event)]
pub struct ConnectionChanged {
    pub connection: Connection,
}

/// The cache changed (a sync pulled or pushed something): re-query what is shown.
#[derive(Serialize, Deserialize, Clone, Debug, specta::Type, tauri_specta::Event)]
pub struct CacheChanged {
    pub pulled: u32,
    pub pushed: u32,
    pub failed: u32,
}

/// The server ended this profile's session (or the token left the keychain):
/// the UI goes back to the login form and shows why.
#[derive(Serialize, Deserialize, Clone, Debug, specta::Type, tauri_specta::Event)]
pub struct SignedOut {
    pub reason: String,
}

/// The switcher's lines changed: a background account's unread count or
/// sign-in, or which account is shown (then everything is re-read).
#[derive(Serialize, Deserialize, Clone, Debug, specta::Type, tauri_specta::Event)]
pub struct AccountsChanged {}
