//! `commons-server`: serve, administer, back up and restore.

use std::io::{BufRead, IsTerminal, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use commons_server::import::workplace;
use commons_server::ops::users::NewUser;
use commons_server::settings::{LogFormat, Resolved, Settings};
use commons_server::{backup, db::Database, demo, export, ops, DatabaseConfig, ServerConfig};
use tokio::signal::unix::{signal, SignalKind};
use tracing_subscriber::EnvFilter;

mod data_commands;

#[derive(Parser)]
#[command(
    name = "commons-server",
    version,
    about = "The Commons server",
    after_help = "Every setting can come from a commons.toml (--config), from a COMMONS_... \
        environment variable or from a flag; see docs/operations.md."
)]
struct Cli {
    /// The configuration file (commons.toml).
    #[arg(long, global = true, env = "COMMONS_CONFIG")]
    config: Option<PathBuf>,
    /// Log lines as human-readable text or as one JSON object per line (`log.format`).
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Address to listen on (`listen`, 127.0.0.1:8080 by default); port 0 picks a free port.
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Take client addresses (for login rate limits) from the last
        /// X-Forwarded-For entry. Only behind a proxy that appends it to every request.
        #[arg(long)]
        trust_forwarded_for: bool,
    },
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Fill an empty server with a demo organisation and print its logins.
    Demo {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write a consistent archive of an embedded-SQLite server (database and
    /// attachments, with checksums) while it runs.
    Backup {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The archive to write (`.tar.gz`).
        #[arg(long)]
        out: PathBuf,
    },
    /// Write everything the organisation owns to one archive (.tar.gz of JSON
    /// Lines files, attachment files and a manifest of checksums) while the
    /// server runs; see docs/export-format.md.
    Export {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The archive to write (`.tar.gz`).
        #[arg(long)]
        out: PathBuf,
        /// Add the people's Argon2 password hashes, so that logins keep
        /// working on the server that imports the archive.
        #[arg(long)]
        include_password_hashes: bool,
    },
    /// Load data from elsewhere into an empty server.
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Unpack a backup into an empty or new data directory, checking every file.
    Restore {
        /// Directory to restore into; must be missing or empty.
        #[arg(long)]
        data_dir: PathBuf,
        /// The archive written by `backup`.
        archive: PathBuf,
    },
    /// Copy an embedded-SQLite server into an empty PostgreSQL database
    /// (stop the server first); clients keep syncing from their cursors.
    MigrateDb {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The PostgreSQL database to fill (postgres://...); must be empty.
        #[arg(long)]
        to: String,
    },
    /// The configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Retention policies: delete posts older than N days, per organisation or group.
    Retention {
        #[command(subcommand)]
        command: data_commands::RetentionCommand,
    },
}

#[derive(Subcommand)]
enum ImportSource {
    /// An organisation export of a Commons server (`commons-server export`):
    /// every checksum is checked first; ids, times and content are kept.
    Commons {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The archive written by `export`.
        archive: PathBuf,
    },
    /// Import a Workplace export (Graph API JSON; see docs/import-workplace.md):
    /// people, groups, posts, comments, reactions, files and "seen" lists.
    /// Running it again skips what is already imported; an interrupted run
    /// continues where it stopped. Progress on stderr, a summary at the end.
    Workplace {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// The export's folder.
        path: PathBuf,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Check the configuration (file, environment, flags) and print the
    /// effective settings, secrets masked. Exits non-zero on any problem.
    Check {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account; the password is read from the terminal or one line of stdin.
    CreateUser {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Make the account an organisation administrator.
        #[arg(long)]
        admin: bool,
    },
    /// Deactivate an account: its sessions end at once and it cannot log in; its content stays.
    Deactivate {
        #[command(flatten)]
        database: DatabaseArgs,
        /// E-mail of the account.
        email: String,
    },
    /// Let a deactivated account log in again.
    Reactivate {
        #[command(flatten)]
        database: DatabaseArgs,
        /// E-mail of the account.
        email: String,
    },
    /// Erase a person (right to erasure, docs/data-control.md): their content
    /// and profile are deleted for good and the account can never log in.
    Erase {
        #[command(flatten)]
        database: DatabaseArgs,
        /// E-mail of the account.
        email: String,
    },
    /// Set an account's password (for example an imported person's) and end
    /// its sessions; read from the terminal or one line of stdin.
    SetPassword {
        #[command(flatten)]
        database: DatabaseArgs,
        /// E-mail of the account.
        email: String,
    },
}

#[derive(Args)]
struct DatabaseArgs {
    /// Directory for the server's data, created if missing (`data_dir`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// postgres://... to use PostgreSQL instead of the embedded SQLite (`database_url`).
    #[arg(long)]
    database: Option<String>,
}

impl Command {
    /// The flags that override settings of the file and the environment.
    fn override_settings(&self, settings: &mut Settings) {
        let database = match self {
            Command::Serve { database, .. }
            | Command::Demo { database }
            | Command::Backup { database, .. }
            | Command::Export { database, .. }
            | Command::Import {
                source: ImportSource::Commons { database, .. },
            }
            | Command::MigrateDb { database, .. }
            | Command::Config {
                command: ConfigCommand::Check { database },
            }
            | Command::Admin {
                command:
                    AdminCommand::CreateUser { database, .. }
                    | AdminCommand::Deactivate { database, .. }
                    | AdminCommand::Reactivate { database, .. }
                    | AdminCommand::Erase { database, .. }
                    | AdminCommand::SetPassword { database, .. },
            }
            | Command::Import {
                source: ImportSource::Workplace { database, .. },
            }
            | Command::Retention {
                command:
                    data_commands::RetentionCommand::List { database }
                    | data_commands::RetentionCommand::Set { database, .. }
                    | data_commands::RetentionCommand::Clear { database, .. }
                    | data_commands::RetentionCommand::Run { database },
            } => Some(database),
            Command::Restore { data_dir, .. } => {
                settings.data_dir = Some(data_dir.clone());
                None
            }
        };
        if let Some(database) = database {
            if let Some(dir) = &database.data_dir {
                settings.data_dir = Some(dir.clone());
            }
            if let Some(url) = &database.database {
                settings.database_url = Some(url.clone());
            }
        }
        if let Command::Serve {
            listen,
            trust_forwarded_for,
            ..
        } = self
        {
            if let Some(listen) = listen {
                settings.listen = Some(*listen);
            }
            if *trust_forwarded_for {
                settings.trust_forwarded_for = Some(true);
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let resolved = Settings::load(cli.config.as_deref(), |name| std::env::var(name).ok()).and_then(
        |mut settings| {
            cli.command.override_settings(&mut settings);
            if let Some(format) = cli.log_format {
                settings.log.format = Some(format);
            }
            settings.resolve()
        },
    );
    let settings = match resolved {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("commons-server: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    init_logs(&settings);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("commons-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("commons-server: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr; stdout carries only what scripts read. Every line of a
/// request carries its id (the `request` span). `RUST_LOG`, when set, wins
/// over `log.level`.
fn init_logs(settings: &Resolved) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.log_level));
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match settings.log_format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

async fn run(command: Command, settings: Resolved) -> anyhow::Result<()> {
    let database = settings.database.clone();
    match command {
        Command::Serve { .. } => {
            let config = ServerConfig {
                trust_forwarded_for: settings.trust_forwarded_for,
                tuning: settings.tuning,
                attachment_store: settings.attachment_store.clone(),
                sso: settings.sso.clone(),
                ..ServerConfig::new(database, settings.listen)
            };
            serve(config).await
        }
        Command::Admin {
            command: AdminCommand::CreateUser {
                email, name, admin, ..
            },
        } => create_user(database, email, name, admin).await,
        Command::Admin {
            command: AdminCommand::Deactivate { email, .. },
        } => set_active(database, email, false).await,
        Command::Admin {
            command: AdminCommand::Reactivate { email, .. },
        } => set_active(database, email, true).await,
        Command::Admin {
            command: AdminCommand::Erase { email, .. },
        } => data_commands::erase(&settings, email).await,
        Command::Retention { command } => data_commands::retention(&settings, command).await,
        Command::Admin {
            command: AdminCommand::SetPassword { email, .. },
        } => set_password(database, email).await,
        Command::Import {
            source: ImportSource::Workplace { json, path, .. },
        } => import_workplace(&settings, &path, json).await,
        Command::Demo { .. } => fill_demo(database).await,
        Command::Backup { out, .. } => {
            let summary = backup::backup(&database, &out).await?;
            println!(
                "backup written to {}: {}",
                out.display(),
                describe(&summary)
            );
            for sha in &summary.missing_attachments {
                eprintln!("warning: attachment {sha} was deleted while the backup ran");
            }
            Ok(())
        }
        Command::Export {
            out,
            include_password_hashes,
            ..
        } => export(&settings, database, &out, include_password_hashes).await,
        Command::Import {
            source: ImportSource::Commons { archive, .. },
        } => import_commons(&settings, database, &archive).await,
        Command::Restore { data_dir, archive } => {
            let summary = backup::restore(&archive, &data_dir).await?;
            println!(
                "restored {} into {}: {}",
                archive.display(),
                data_dir.display(),
                describe(&summary)
            );
            Ok(())
        }
        Command::MigrateDb { to, .. } => {
            let copied = commons_server::transfer::sqlite_to_postgres(&database, &to).await?;
            let total: i64 = copied.iter().map(|(_, rows)| rows).sum();
            for (table, rows) in &copied {
                println!("{table:<20} {rows:>10} rows");
            }
            println!(
                "copied {total} rows into PostgreSQL. Start the server with --database {} and \
                 the same --data-dir (attachments stay in {}).",
                commons_server::settings::mask_password(&to),
                database.data_dir.join("attachments").display()
            );
            Ok(())
        }
        Command::Config { .. } => {
            print!("{}", settings.to_toml());
            Ok(())
        }
    }
}

async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    // Listen for signals before announcing the address: a supervisor may
    // send SIGTERM as soon as it has read the line.
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let server = commons_server::start(config).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {}", server.url())?;
    stdout.flush()?;
    tracing::info!(addr = %server.addr(), "serving");
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("shutting down");
    server
        .shutdown()
        .await
        .context("server stopped with an error")
}

fn describe(summary: &backup::Summary) -> String {
    format!(
        "database schema {} ({} bytes), {} attachment files ({} bytes)",
        summary.schema_version,
        summary.database_bytes,
        summary.attachment_files,
        summary.attachment_bytes
    )
}

fn store_of(
    settings: &Resolved,
    database: &DatabaseConfig,
) -> anyhow::Result<std::sync::Arc<dyn commons_server::blobs::AttachmentStore>> {
    Ok(commons_server::open_attachment_store(
        database,
        &settings.attachment_store,
    )?)
}

async fn export(
    settings: &Resolved,
    database: DatabaseConfig,
    out: &std::path::Path,
    include_password_hashes: bool,
) -> anyhow::Result<()> {
    let store = store_of(settings, &database)?;
    let db = Database::open(&database).await?;
    let result =
        export::organisation_to_file(&db, store.as_ref(), out, include_password_hashes).await;
    db.close().await;
    let manifest = result?;
    let rows: u64 = manifest.files.iter().filter_map(|f| f.rows).sum();
    let files = manifest.files.iter().filter(|f| f.rows.is_none()).count();
    println!(
        "export written to {}: {rows} rows in {} files, {files} attachment files{}",
        out.display(),
        manifest.files.len() - files,
        if include_password_hashes {
            ", with password hashes"
        } else {
            ""
        }
    );
    for sha in &manifest.missing_files {
        eprintln!("warning: attachment {sha} was deleted while the export ran");
    }
    Ok(())
}

async fn import_commons(
    settings: &Resolved,
    database: DatabaseConfig,
    archive: &std::path::Path,
) -> anyhow::Result<()> {
    let store = store_of(settings, &database)?;
    let db = Database::open(&database).await?;
    let result = export::import_commons(&db, store.as_ref(), archive).await;
    db.close().await;
    let imported = result?;
    for (file, rows) in &imported.rows {
        println!("{file:<24} {rows:>10} rows");
    }
    println!(
        "imported {} with {} attachment files{}",
        archive.display(),
        imported.attachment_files,
        if imported.manifest.password_hashes_included {
            "; everyone logs in with their old password"
        } else {
            "; the archive has no password hashes, so no old password works here \
             (export with --include-password-hashes to keep them)"
        }
    );
    Ok(())
}

async fn create_user(
    database: DatabaseConfig,
    email: String,
    name: String,
    is_admin: bool,
) -> anyhow::Result<()> {
    let password = read_password(&email)?;
    let db = Database::open(&database).await?;
    let result = ops::users::create(
        &db,
        NewUser {
            email,
            name,
            password,
            is_admin,
        },
    )
    .await;
    db.close().await;
    let user = result?;
    println!(
        "created {}user {} <{}> with handle @{}",
        if user.is_admin { "admin " } else { "" },
        user.name,
        user.email,
        user.handle
    );
    Ok(())
}

async fn set_active(database: DatabaseConfig, email: String, active: bool) -> anyhow::Result<()> {
    let db = Database::open(&database).await?;
    let result = ops::people::set_active_by_email(&db, &email, active).await;
    db.close().await;
    let user = result?;
    println!(
        "{} {} <{}>",
        if active { "reactivated" } else { "deactivated" },
        user.name,
        user.email
    );
    Ok(())
}

async fn set_password(database: DatabaseConfig, email: String) -> anyhow::Result<()> {
    let password = read_password(&email)?;
    let db = Database::open(&database).await?;
    let result = ops::users::set_password(&db, &email, password).await;
    db.close().await;
    let user = result?;
    println!("set the password of {} <{}>", user.name, user.email);
    Ok(())
}

async fn import_workplace(settings: &Resolved, path: &Path, json: bool) -> anyhow::Result<()> {
    let store = store_of(settings, &settings.database)?;
    let db = Database::open(&settings.database).await?;
    let into = workplace::Destination {
        db: &db,
        store: store.as_ref(),
        max_attachment_bytes: settings.tuning.attachments.max_bytes,
    };
    let mut progress = |summary: &workplace::Summary| eprintln!("{}", summary.progress_line());
    let result = workplace::import(into, path, &mut progress).await;
    db.close().await;
    let summary = result?;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{summary}");
    }
    Ok(())
}

/// From the terminal (asked twice), else the first line of stdin.
fn read_password(email: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let password = rpassword::prompt_password(format!("Password for {email}: "))?;
        let again = rpassword::prompt_password("Same password again: ")?;
        if password != again {
            bail!("the two passwords differ");
        }
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("no password on stdin: pipe one line holding the password");
    }
    Ok(password)
}

async fn fill_demo(database: DatabaseConfig) -> anyhow::Result<()> {
    let db = Database::open(&database).await?;
    let result = demo::seed(&db).await;
    db.close().await;
    let people = result?;
    println!(
        "Demo organisation created. Every account's password is: {}",
        demo::DEMO_PASSWORD
    );
    for person in people {
        let role = if person.is_admin {
            " (organisation admin)"
        } else {
            ""
        };
        println!(
            "  {:<20} {} @{}{role}",
            person.email, person.name, person.handle
        );
    }
    Ok(())
}
