//! `commons`: the command-line client of Commons. A thin layer over the
//! client core (`commons_client`): it parses arguments, calls the core and
//! prints. Exit codes: 0 ok, 1 error, 2 usage, 3 server unreachable.

mod admin;
mod args;
mod browser;
mod commands;
mod polls;
mod render;

use std::process::ExitCode;

use clap::Parser;
use commons_client::ClientError;

use crate::args::Cli;

/// A request the command refuses as given (exit 2, like clap's usage errors),
/// with a message saying what to do.
#[derive(Debug)]
pub(crate) struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

const EXIT_USAGE: u8 = 2;

/// The server could not be reached (see `ClientError::Offline`).
const EXIT_OFFLINE: u8 = 3;

fn main() -> ExitCode {
    // Usage errors exit with 2 here, with clap's message.
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COMMONS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let offline = matches!(
                error.downcast_ref::<ClientError>(),
                Some(ClientError::Offline(_))
            );
            if error.downcast_ref::<UsageError>().is_some() {
                eprintln!("error: {error}");
                ExitCode::from(EXIT_USAGE)
            } else if offline {
                eprintln!("{error}");
                ExitCode::from(EXIT_OFFLINE)
            } else {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        }
    }
}
