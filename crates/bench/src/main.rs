//! `commons-bench`: seeds an organisation into a fresh database, starts the
//! server on it in this process, and measures the server over HTTP and the
//! client core against it. Prints a Markdown table for BENCHMARKS.md.

mod client;
mod export;
mod procfs;
mod report;
mod seed;
mod server;
mod text;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use commons_server::{DatabaseConfig, ServerConfig, Tuning, WriteLimits};

#[derive(Parser)]
#[command(about = "Seed a large organisation and measure Commons")]
struct Args {
    /// A PostgreSQL URL of an EMPTY database; default: SQLite in a temporary folder.
    #[arg(long)]
    database: Option<String>,
    #[command(flatten)]
    size: seed::Size,
    /// Seconds each throughput measure runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent HTTP clients for throughput measures.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Skip the client-core part (it needs a keychain).
    #[arg(long)]
    server_only: bool,
    /// Keep the data (and, with `--database`, reuse that database) in this
    /// folder: the first run seeds it, later runs with the same size measure
    /// the same organisation again without seeding (posts created by earlier
    /// runs stay).
    #[arg(long)]
    keep: Option<std::path::PathBuf>,
    /// Measure only the export and the import (no HTTP, no client).
    #[arg(long)]
    export_only: bool,
    /// An EMPTY PostgreSQL database to import the export into; default:
    /// SQLite in a temporary folder.
    #[arg(long)]
    import_into: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let temporary = tempfile::tempdir()?;
    let data = args.keep.clone().unwrap_or_else(|| temporary.path().into());
    let database = DatabaseConfig::new(data.join("server"), args.database.clone());
    seed::seed_once(&database, &data, args.size).await?;

    // Each bench client writes far faster than a person may: writes are
    // still counted (that cost is measured) but never refused.
    let tuning = Tuning {
        writes: WriteLimits {
            per_user: i64::MAX,
            ..WriteLimits::default()
        },
        ..Tuning::default()
    };
    let server = commons_server::start(ServerConfig {
        tuning,
        ..ServerConfig::new(database.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
    })
    .await?;
    let target = Arc::new(server::Target {
        base: server.url(),
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()?,
    });
    let emails: Vec<String> = (0..args.size.users).map(seed::email).collect();
    let backend = if args.database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let title = format!("{backend}: {}", args.size);

    let mut report = report::Report::default();
    if !args.export_only {
        server::run(
            target.clone(),
            &emails,
            Duration::from_secs(args.seconds),
            args.concurrency,
            &mut report,
        )
        .await?;
        if !args.server_only {
            let profile = data.join("client");
            if profile.exists() {
                std::fs::remove_dir_all(&profile)?;
            }
            client::run(&server.url(), &emails[0], &profile, &mut report).await?;
        }
    }
    let scratch = tempfile::tempdir()?;
    let import_into =
        DatabaseConfig::new(scratch.path().join("imported"), args.import_into.clone());
    export::run(
        server.database(),
        &database,
        &import_into,
        scratch.path(),
        &mut report,
    )
    .await?;
    server.shutdown().await?;
    println!("{}", report.markdown(&title));
    Ok(())
}
