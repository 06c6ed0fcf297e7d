//! Which accounts the window holds, in the switcher's order, and which one is
//! shown: `accounts.json` in the profile, read at start and written on every
//! change. The profile directory itself is the first account (`main`), so a
//! profile from before several accounts opens as it always did; the others
//! live in `<profile>/accounts/<id>/`, one client-core profile each.
//! Pure logic over the file system: no Tauri.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorKind};
use crate::open::is_plain_id;

/// The account whose profile is the profile directory itself.
pub const MAIN: &str = "main";

/// Where the profiles of the other accounts live, inside the profile directory.
pub const ACCOUNTS_DIR: &str = "accounts";

const FILE: &str = "accounts.json";

/// Prefix of the ids given to added accounts (`account-2`, `account-3`...).
const ADDED_PREFIX: &str = "account-";

#[derive(Debug, thiserror::Error)]
pub enum AccountListError {
    #[error("there is no account {0} in this window")]
    Unknown(String),
    #[error("the last account cannot be removed")]
    Last,
    #[error("cannot save the list of accounts in {path}: {source}")]
    Save {
        path: String,
        source: std::io::Error,
    },
}

impl From<AccountListError> for AppError {
    fn from(error: AccountListError) -> Self {
        let kind = match error {
            AccountListError::Unknown(_) => ErrorKind::NotFound,
            AccountListError::Last => ErrorKind::InvalidInput,
            AccountListError::Save { .. } => ErrorKind::Local,
        };
        AppError::new(kind, error.to_string())
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AccountList {
    /// In the switcher's order; never empty.
    ids: Vec<String>,
    /// One of `ids`.
    active: String,
}

impl Default for AccountList {
    fn default() -> Self {
        AccountList {
            ids: vec![MAIN.to_owned()],
            active: MAIN.to_owned(),
        }
    }
}

impl AccountList {
    /// The list saved in `profile`; a missing or damaged file gives the
    /// profile's own account alone (what a profile without the file always was).
    pub fn load(profile: &Path) -> AccountList {
        let path = profile.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return AccountList::default(),
            Err(error) => {
                tracing::warn!(%error, path = %path.display(), "cannot read the list of accounts");
                return AccountList::default();
            }
        };
        match serde_json::from_str::<AccountList>(&text) {
            Ok(list) => list.cleaned(),
            Err(error) => {
                tracing::warn!(%error, path = %path.display(), "the list of accounts is damaged");
                AccountList::default()
            }
        }
    }

    /// Writes the list (to a temporary file first, so a crash leaves the old one).
    pub fn save(&self, profile: &Path) -> Result<(), AccountListError> {
        let path = profile.join(FILE);
        let error = |source| AccountListError::Save {
            path: path.display().to_string(),
            source,
        };
        let partial = profile.join(format!("{FILE}.partial"));
        let text = serde_json::to_string_pretty(self).map_err(|e| error(e.into()))?;
        std::fs::write(&partial, text).map_err(error)?;
        std::fs::rename(&partial, &path).map_err(error)
    }

    /// Only ids that can name a directory, each once; the active one among them.
    fn cleaned(self) -> AccountList {
        let mut ids: Vec<String> = Vec::new();
        for id in self.ids {
            if is_plain_id(&id) && !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.is_empty() {
            return AccountList::default();
        }
        let active = if ids.contains(&self.active) {
            self.active
        } else {
            ids[0].clone()
        };
        AccountList { ids, active }
    }

    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    pub fn active(&self) -> &str {
        &self.active
    }

    /// The client-core profile directory of account `id`.
    pub fn dir_of(profile: &Path, id: &str) -> PathBuf {
        if id == MAIN {
            profile.to_path_buf()
        } else {
            profile.join(ACCOUNTS_DIR).join(id)
        }
    }

    /// An id for a new account whose directory does not exist yet: the cache
    /// of an account logged out earlier is never taken over by another.
    pub fn new_id(&self, profile: &Path) -> String {
        (2u32..)
            .map(|n| format!("{ADDED_PREFIX}{n}"))
            .find(|id| !self.ids.contains(id) && !Self::dir_of(profile, id).exists())
            .unwrap_or_else(|| format!("{ADDED_PREFIX}{}", uuid::Uuid::new_v4().simple()))
    }

    /// Makes the directory of a new account (readable by its owner only, as
    /// the client core makes profiles), so [`new_id`](Self::new_id) picks another id next.
    pub fn create_dir(profile: &Path, id: &str) -> std::io::Result<PathBuf> {
        let dir = Self::dir_of(profile, id);
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&dir)?;
        Ok(dir)
    }

    /// Appends an account and shows it.
    pub fn add(&mut self, id: String) {
        if !self.ids.contains(&id) {
            self.ids.push(id.clone());
        }
        self.active = id;
    }

    /// Shows account `id`; true when that changed what is shown.
    pub fn activate(&mut self, id: &str) -> Result<bool, AccountListError> {
        if !self.ids.iter().any(|known| known == id) {
            return Err(AccountListError::Unknown(id.to_owned()));
        }
        let changed = self.active != id;
        self.active = id.to_owned();
        Ok(changed)
    }

    /// Takes account `id` out of the list. When it was shown, the one after
    /// it (or before, if it was last) is shown instead. The last account stays.
    pub fn remove(&mut self, id: &str) -> Result<(), AccountListError> {
        let at = self
            .ids
            .iter()
            .position(|known| known == id)
            .ok_or_else(|| AccountListError::Unknown(id.to_owned()))?;
        if self.ids.len() == 1 {
            return Err(AccountListError::Last);
        }
        self.ids.remove(at);
        if self.active == id {
            self.active = self.ids[at.min(self.ids.len() - 1)].clone();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(ids: &[&str], active: &str) -> AccountList {
        AccountList {
            ids: ids.iter().map(|id| id.to_string()).collect(),
            active: active.to_owned(),
        }
    }

    #[test]
    fn a_profile_without_the_file_is_its_own_single_account() {
        let profile = tempfile::tempdir().unwrap();
        let loaded = AccountList::load(profile.path());
        assert_eq!(loaded, list(&[MAIN], MAIN));
        assert_eq!(AccountList::dir_of(profile.path(), MAIN), profile.path());
    }

    #[test]
    fn the_list_and_the_shown_account_survive_a_restart() {
        let profile = tempfile::tempdir().unwrap();
        let mut accounts = AccountList::default();
        let id = accounts.new_id(profile.path());
        assert_eq!(id, "account-2");
        accounts.add(id.clone());
        accounts.save(profile.path()).unwrap();
        let loaded = AccountList::load(profile.path());
        assert_eq!(loaded, list(&[MAIN, "account-2"], "account-2"));
        assert_eq!(
            AccountList::dir_of(profile.path(), &id),
            profile.path().join("accounts/account-2")
        );
    }

    #[test]
    fn a_damaged_file_or_bad_ids_fall_back_to_what_is_safe() {
        let profile = tempfile::tempdir().unwrap();
        std::fs::write(profile.path().join(FILE), "{not json").unwrap();
        assert_eq!(AccountList::load(profile.path()), AccountList::default());

        let text = r#"{"ids":["../etc","main","account-3","main",""],"active":"../etc"}"#;
        std::fs::write(profile.path().join(FILE), text).unwrap();
        assert_eq!(
            AccountList::load(profile.path()),
            list(&[MAIN, "account-3"], MAIN)
        );

        std::fs::write(profile.path().join(FILE), r#"{"ids":[],"active":"x"}"#).unwrap();
        assert_eq!(AccountList::load(profile.path()), AccountList::default());
    }

    #[test]
    fn new_ids_never_reuse_a_directory_left_behind() {
        let profile = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(profile.path().join("accounts/account-2")).unwrap();
        let accounts = list(&[MAIN, "account-3"], MAIN);
        let id = accounts.new_id(profile.path());
        assert_eq!(id, "account-4");
        let dir = AccountList::create_dir(profile.path(), &id).unwrap();
        assert_eq!(accounts.new_id(profile.path()), "account-5");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "nobody else reads an account's directory");
        }
    }

    #[test]
    fn switching_shows_a_known_account_only() {
        let mut accounts = list(&[MAIN, "account-2"], MAIN);
        assert!(accounts.activate("account-2").unwrap());
        assert!(!accounts.activate("account-2").unwrap());
        assert_eq!(accounts.active(), "account-2");
        assert!(matches!(
            accounts.activate("account-9"),
            Err(AccountListError::Unknown(_))
        ));
        assert_eq!(accounts.active(), "account-2");
    }

    #[test]
    fn removing_the_shown_account_shows_a_neighbour_and_the_last_stays() {
        let mut accounts = list(&[MAIN, "account-2", "account-3"], "account-2");
        accounts.remove("account-2").unwrap();
        assert_eq!(accounts, list(&[MAIN, "account-3"], "account-3"));
        accounts.remove("account-3").unwrap();
        assert_eq!(accounts, list(&[MAIN], MAIN));
        assert!(matches!(accounts.remove(MAIN), Err(AccountListError::Last)));
        assert!(matches!(
            accounts.remove("account-3"),
            Err(AccountListError::Unknown(_))
        ));

        let mut accounts = list(&[MAIN, "account-2"], MAIN);
        accounts.remove("account-2").unwrap();
        assert_eq!(
            accounts,
            list(&[MAIN], MAIN),
            "a hidden account leaves quietly"
        );
        let mut accounts = list(&[MAIN, "account-2"], MAIN);
        accounts.remove(MAIN).unwrap();
        assert_eq!(accounts, list(&["account-2"], "account-2"));
    }
}
