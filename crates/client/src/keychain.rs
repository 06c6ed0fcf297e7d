//! The session token lives in the OS keychain (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows) and nowhere else: not in
//! the cache, not in a file. If the keychain is unreachable, login fails with
//! `ClientError::Keychain`; there is deliberately no plaintext fallback.
//!
//! Entries are named service `commons`, user `{server_url}#{user_id}#{profile_id}`:
//! one person can have accounts on several servers, and two profiles of the
//! same account hold separate sessions (logging out of one leaves the other).

use crate::ClientError;

const SERVICE: &str = "commons";

/// Where one account's token is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenKey {
    pub server_url: String,
    pub user_id: String,
    pub profile_id: String,
}

impl TokenKey {
    fn entry_user(&self) -> String {
        format!("{}#{}#{}", self.server_url, self.user_id, self.profile_id)
    }
}

// The keyring calls block on D-Bus, so they run on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ClientError> + Send + 'static,
) -> Result<T, ClientError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ClientError::keychain(format!("keychain task failed: {e}")))?
}

fn entry(key: &TokenKey) -> Result<keyring::Entry, ClientError> {
    keyring::Entry::new(SERVICE, &key.entry_user()).map_err(ClientError::keychain)
}

/// Checks that the keychain can be used at all, before anything depends on it.
pub async fn check_available() -> Result<(), ClientError> {
    blocking(|| match keyring::Entry::store_status() {
        Ok(()) => Ok(()),
        Err(e) => Err(ClientError::keychain(e)),
    })
    .await
}

pub async fn store_token(key: &TokenKey, token: &str) -> Result<(), ClientError> {
    let key = key.clone();
    let token = token.to_owned();
    blocking(move || {
        entry(&key)?
            .set_password(&token)
            .map_err(ClientError::keychain)
    })
    .await
}

/// The stored token, or `None` when there is none (logged out).
pub async fn load_token(key: &TokenKey) -> Result<Option<String>, ClientError> {
    let key = key.clone();
    blocking(move || match entry(&key)?.get_password() {
        Ok(token) => Ok(Some(token)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(ClientError::keychain(e)),
    })
    .await
}

/// Removes the token; succeeds when there was none.
pub async fn delete_token(key: &TokenKey) -> Result<(), ClientError> {
    let key = key.clone();
    blocking(move || match entry(&key)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(ClientError::keychain(e)),
    })
    .await
}
