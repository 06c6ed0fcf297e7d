//! Several accounts side by side: one [`Session`] (client core, live mode)
//! per account, all live at once so a background account still raises its
//! notifications, and the one the window shows. Commands act on the shown
//! account through their `Shell` argument (`shell.rs`); which accounts exist
//! and which is shown is [`AccountList`], saved in the profile.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use commons_client::{Account, Client, ClientError};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use crate::account_list::{AccountList, AccountListError};
use crate::error::{AppError, ErrorKind};
use crate::events::AccountsChanged;
use crate::notifier::DesktopNotifier;
use crate::session::Session;
use crate::{files, tray};

/// Managed state: every open account's session, in the list's order.
pub struct Accounts {
    profile: PathBuf,
    state: Mutex<Listed>,
}

/// The list and its sessions; `sessions` holds exactly the list's ids.
struct Listed {
    list: AccountList,
    sessions: HashMap<String, Arc<Session>>,
}

/// One account as the switcher shows it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, specta::Type)]
pub struct AccountSummary {
    pub id: String,
    /// The person's id on their server (their avatar's colour); empty for an account never logged in.
    pub user_id: String,
    /// The person's name; empty for an account never logged in.
    pub name: String,
    pub email: String,
    /// The server's host (and port), without scheme.
    pub server_host: String,
    pub signed_in: bool,
    pub unread: u32,
    /// The account the window shows.
    pub active: bool,
}

/// Which account a login is for.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum LoginTarget {
    /// The account shown (its session ended, or it is the only one).
    Shown,
    /// A new account beside the others ("Add account"); shown once logged in.
    New,
}

impl Accounts {
    /// Opens the client of every listed account. One that cannot be opened is
    /// left out (and logged), unless it is the only one.
    pub async fn open(app: &AppHandle, profile: &Path) -> Result<Accounts, ClientError> {
        let mut list = AccountList::load(profile);
        let mut sessions = HashMap::new();
        for id in list.ids().to_vec() {
            match open_session(app, profile, &id).await {
                Ok(session) => {
                    sessions.insert(id, session);
                }
                Err(error) if list.ids().len() == 1 => return Err(error),
                Err(error) => {
                    tracing::warn!(%error, account = %id, "cannot open this account; it is left out");
                    let _ = list.remove(&id);
                }
            }
        }
        Ok(Accounts {
            profile: profile.to_path_buf(),
            state: Mutex::new(Listed { list, sessions }),
        })
    }

    /// The session of the account the window shows.
    pub fn active(&self) -> Arc<Session> {
        let listed = self.listed();
        Arc::clone(&listed.sessions[listed.list.active()])
    }

    pub fn is_active(&self, id: &str) -> bool {
        self.listed().list.active() == id
    }

    /// Every account's session, in the switcher's order.
    pub fn sessions(&self) -> Vec<Arc<Session>> {
        let listed = self.listed();
        let ids = listed.list.ids();
        ids.iter()
            .map(|id| Arc::clone(&listed.sessions[id]))
            .collect()
    }

    /// Shows account `id`; true when another one was shown before.
    pub fn activate(&self, id: &str) -> Result<bool, AccountListError> {
        self.listed()
            .commit(&self.profile, |list| list.activate(id))
    }

    /// Logs in with `log_in`, into the shown account or a new one, then
    /// starts its live mode. A new account joins the list (and is shown) only
    /// once logged in, so a failed or cancelled login leaves nothing behind.
    pub async fn log_in<F, Fut>(
        &self,
        app: &AppHandle,
        target: LoginTarget,
        log_in: F,
    ) -> Result<Account, AppError>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<Account, ClientError>>,
    {
        let session = match target {
            LoginTarget::Shown => self.active(),
            LoginTarget::New => self.new_session(app).await?,
        };
        let new = target == LoginTarget::New;
        let kept = match log_in(session.client().clone()).await {
            Ok(account) => self.keep(&session, new, &account).await.map(|()| account),
            Err(error) => Err(error.into()),
        };
        match kept {
            Ok(account) => {
                session.start_live(app).await;
                Ok(account)
            }
            Err(error) => {
                if new {
                    forget(&session).await;
                }
                Err(error)
            }
        }
    }

    /// Keeps a login, listing the account when it is `new`, unless another
    /// account of the window already is that person on that server: then
    /// the session just opened is ended.
    async fn keep(
        &self,
        session: &Arc<Session>,
        new: bool,
        account: &Account,
    ) -> Result<(), AppError> {
        for other in self.sessions() {
            if other.id() != session.id() && holds(other.client(), account).await {
                if let Err(error) = session.client().logout().await {
                    tracing::warn!(%error, "the duplicate session was not ended");
                }
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    format!(
                        "{} on {} is already in this window",
                        account.user.email,
                        server_host(&account.server_url)
                    ),
                ));
            }
        }
        if !new {
            return Ok(());
        }
        let mut listed = self.listed();
        listed.commit(&self.profile, |list| {
            list.add(session.id().to_owned());
            Ok(())
        })?;
        listed
            .sessions
            .insert(session.id().to_owned(), Arc::clone(session));
        Ok(())
    }

    /// An open client in a fresh directory, not listed yet.
    async fn new_session(&self, app: &AppHandle) -> Result<Arc<Session>, AppError> {
        let id = {
            let listed = self.listed();
            let id = listed.list.new_id(&self.profile);
            // Made now, under the lock, so a second "add" at once picks another id.
            AccountList::create_dir(&self.profile, &id).map_err(|e| {
                AppError::new(
                    ErrorKind::Local,
                    format!("cannot create a folder for the account: {e}"),
                )
            })?;
            id
        };
        Ok(open_session(app, &self.profile, &id).await?)
    }

    /// Logs the shown account out. With other accounts in the window it
    /// leaves the list (another is shown); the last one stays, signed out.
    pub async fn log_out_shown(&self, app: &AppHandle) -> Result<(), AppError> {
        let session = self.active();
        session.stop_live(app).await;
        match session.client().logout().await {
            Ok(()) | Err(ClientError::NotLoggedIn) => {}
            Err(error) => return Err(error.into()),
        }
        let removed = {
            let mut listed = self.listed();
            match listed.commit(&self.profile, |list| list.remove(session.id())) {
                Ok(()) => {
                    listed.sessions.remove(session.id());
                    true
                }
                Err(AccountListError::Last) => false,
                Err(error) => return Err(error.into()),
            }
        };
        if removed {
            forget(&session).await;
        }
        tray::refresh(app);
        Ok(())
    }

    /// The switcher's lines, in order.
    pub async fn summaries(&self) -> Vec<AccountSummary> {
        let active = self.listed().list.active().to_owned();
        let mut summaries = Vec::new();
        for session in self.sessions() {
            let client = session.client();
            let (user_id, name, email, server_host) = match client.stored_account().await {
                Ok(Some(stored)) => (
                    stored.user.id,
                    stored.user.name,
                    stored.user.email,
                    server_host(&stored.server_url),
                ),
                _ => Default::default(),
            };
            let signed_in = matches!(client.account().await, Ok(Some(_)));
            summaries.push(AccountSummary {
                id: session.id().to_owned(),
                user_id,
                name,
                email,
                server_host,
                signed_in,
                unread: if signed_in { unread(client).await } else { 0 },
                active: session.id() == active,
            });
        }
        summaries
    }

    /// Unread notifications of all signed-in accounts (the tray's count).
    pub async fn unread_total(&self) -> u32 {
        let mut total = 0u32;
        for session in self.sessions() {
            total = total.saturating_add(unread(session.client()).await);
        }
        total
    }

    fn listed(&self) -> MutexGuard<'_, Listed> {
        // Every change to `Listed` is made whole before the guard drops.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Listed {
    /// Applies `change` to the list and saves it; the list in memory changes
    /// only once the file has, so the two never disagree.
    fn commit<T>(
        &mut self,
        profile: &Path,
        change: impl FnOnce(&mut AccountList) -> Result<T, AccountListError>,
    ) -> Result<T, AccountListError> {
        let mut list = self.list.clone();
        let outcome = change(&mut list)?;
        if list != self.list {
            list.save(profile)?;
            self.list = list;
        }
        Ok(outcome)
    }
}

async fn open_session(
    app: &AppHandle,
    profile: &Path,
    id: &str,
) -> Result<Arc<Session>, ClientError> {
    let dir = AccountList::dir_of(profile, id);
    tracing::info!(account = %id, profile = %dir.display(), "opening an account");
    let client = Client::open(&dir).await?;
    // Files a draft held when the app last closed are not wanted any more.
    files::unstage(&dir, None);
    let notifier = DesktopNotifier::new(app.clone(), id.to_owned());
    Ok(Session::new(id.to_owned(), client, Arc::new(notifier)))
}

/// Deletes what an account that left the window kept in its own directory;
/// its unsent writes, if any, are kept there (the core refuses to drop them).
/// The profile's own account keeps its cache, as a single account always did.
async fn forget(session: &Session) {
    if session.id() == crate::account_list::MAIN {
        return;
    }
    if let Err(error) = session.client().logout_and_delete_cache().await {
        tracing::info!(%error, account = %session.id(), "the account's cache is kept");
    }
}

/// Whether `client` is logged in as `account` (same server, same person).
async fn holds(client: &Client, account: &Account) -> bool {
    match client.account().await {
        Ok(Some(held)) => held.server_url == account.server_url && held.user.id == account.user.id,
        _ => false,
    }
}

async fn unread(client: &Client) -> u32 {
    match client.unread_notification_count().await {
        Ok(count) => u32::try_from(count).unwrap_or(0),
        Err(_) => 0,
    }
}

/// `https://example.org:8443/path` → `example.org:8443`.
pub fn server_host(server_url: &str) -> String {
    let rest = server_url
        .split_once("://")
        .map_or(server_url, |(_, rest)| rest);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Tells the UI the switcher's lines changed (another account's unread
/// count, a background account signed out, or which account is shown).
pub fn changed(app: &AppHandle) {
    if let Err(error) = (AccountsChanged {}).emit(app) {
        tracing::warn!(%error, "could not tell the UI the accounts changed");
    }
}

/// The accounts of the window, for the switcher.
#[tauri::command]
#[specta::specta]
pub async fn my_accounts(
    accounts: State<'_, Arc<Accounts>>,
) -> Result<Vec<AccountSummary>, AppError> {
    Ok(accounts.summaries().await)
}

/// Shows another account; the UI then re-reads everything.
#[tauri::command]
#[specta::specta]
pub async fn switch_account(
    accounts: State<'_, Arc<Accounts>>,
    id: String,
) -> Result<(), AppError> {
    accounts.activate(&id)?;
    Ok(())
}

/// Shows account `id` (a notification of it was clicked), telling the UI when that changed.
pub fn show(app: &AppHandle, id: &str) {
    let Some(accounts) = app.try_state::<Arc<Accounts>>() else {
        return;
    };
    match accounts.activate(id) {
        Ok(true) => changed(app),
        Ok(false) => {}
        Err(error) => tracing::warn!(%error, "could not show the notification's account"),
    }
}

#[cfg(test)]
mod tests {
    use super::{server_host, Listed};
    use crate::account_list::AccountList;
    use std::collections::HashMap;

    #[test]
    fn a_list_that_cannot_be_saved_does_not_change() {
        let profile = tempfile::tempdir().unwrap();
        let mut listed = Listed {
            list: AccountList::default(),
            sessions: HashMap::new(),
        };
        let gone = profile.path().join("gone");
        let added = listed.commit(&gone, |list| {
            list.add("account-2".into());
            Ok(())
        });
        assert!(added.is_err());
        assert_eq!(listed.list, AccountList::default());

        listed
            .commit(profile.path(), |list| {
                list.add("account-2".into());
                Ok(())
            })
            .unwrap();
        assert_eq!(listed.list.active(), "account-2");
        assert_eq!(AccountList::load(profile.path()), listed.list);
    }

    #[test]
    fn the_switcher_names_servers_by_host() {
        assert_eq!(server_host("https://example.org"), "example.org");
        assert_eq!(
            server_host("http://127.0.0.1:8080/commons/"),
            "127.0.0.1:8080"
        );
        assert_eq!(server_host("example.org/x?y"), "example.org");
        assert_eq!(server_host(""), "");
    }
}
