//! The argument through which commands reach the account the window shows.

use std::ops::Deref;
use std::sync::Arc;

use tauri::ipc::{CommandArg, CommandItem, InvokeError};
use tauri::{Runtime, State};

use crate::accounts::Accounts;
use crate::session::Session;

/// The shown account's session, as a command argument: resolved once per
/// call, so a switch during a command never mixes two accounts.
pub struct Shell(Arc<Session>);

impl Deref for Shell {
    type Target = Arc<Session>;

    fn deref(&self) -> &Arc<Session> {
        &self.0
    }
}

impl<'de, R: Runtime> CommandArg<'de, R> for Shell {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        let accounts: State<'_, Arc<Accounts>> = CommandArg::from_command(command)?;
        Ok(Shell(accounts.active()))
    }
}

/// Not an argument the UI passes: the bindings leave it out, as for `State`.
impl specta::function::FunctionArg for Shell {
    fn to_datatype(_: &mut specta::Types) -> Option<specta::datatype::DataType> {
        None
    }
}
