//! `commons-bench`: seeds an organisation into a fresh database, starts the
//! server on it in this process, and measures the server over HTTP and the
//! client core against it. Prints a Markdown table for BENCHMARKS.md.

mod client;
mod report;
mod seed;
mod server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use commons_server::db::Database;
use commons_server::{DatabaseConfig, ServerConfig, Tuning, WriteLimits};

#[derive(Parser)]
#[command(about = "Seed a large organisation and measure Commons")]
struct Args {
    /// A PostgreSQL URL of an EMPTY database; default: SQLite in a temporary folder.
    #[arg(long)]
    database: Option<String>,
    #[arg(long, default_value_t = 200)]
    users: usize,
    #[arg(long, default_value_t = 30)]
    groups: usize,
    #[arg(long, default_value_t = 100_000)]
    posts: usize,
    #[arg(long, default_value_t = 400_000)]
    comments: usize,
    /// Seconds each throughput measure runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent HTTP clients for throughput measures.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Skip the client-core part (it needs a keychain).
    #[arg(long)]
    server_only: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let data = tempfile::tempdir()?;
    let database = DatabaseConfig::new(data.path().join("server"), args.database.clone());
    let size = seed::Size {
        users: args.users,
        groups: args.groups,
        posts: args.posts,
        comments: args.comments,
    };
    let started = Instant::now();
    let org = {
        let db = Database::open(&database).await?;
        let org = seed::seed(&db, size).await?;
        db.close().await;
        org
    };
    eprintln!(
        "seeded {} entities in {:.1?}",
        org.entities,
        started.elapsed()
    );

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
        ..ServerConfig::new(database, SocketAddr::from(([127, 0, 0, 1], 0)))
    })
    .await?;
    let target = Arc::new(server::Target {
        base: server.url(),
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()?,
    });
    let emails: Vec<String> = org.users.iter().map(|u| u.email.clone()).collect();
    let backend = if args.database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let title = format!(
        "{backend}: {} people, {} groups, {} posts, {} comments",
        args.users, args.groups, args.posts, args.comments
    );

    let mut report = report::Report::default();
    server::run(
        target.clone(),
        &emails,
        Duration::from_secs(args.seconds),
        args.concurrency,
        &mut report,
    )
    .await?;
    if !args.server_only {
        let profile = data.path().join("client");
        client::run(&server.url(), &emails[0], &profile, &mut report).await?;
    }
    server.shutdown().await?;
    println!("{}", report.markdown(&title));
    Ok(())
}
