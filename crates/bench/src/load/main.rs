//! `commons-bench-load`: members on full client cores, live on the stream,
//! posting at a steady rate; measures how long a post takes from its send
//! to every other member's cache, and how the server's memory behaves.
//! `--find-max-clients` instead counts the stream connections one node holds.
//! Prints a Markdown summary for BENCHMARKS.md. See crates/bench/README.md.

mod clients;
mod maxclients;
mod members;
mod nodes;
#[path = "../procfs.rs"]
mod procfs;
#[allow(dead_code)] // shared with commons-bench, which uses more of it
#[path = "../report.rs"]
mod report;
mod run;
mod stats;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

#[derive(Parser)]
#[command(about = "Load: N live client cores, posts at a rate, push latency to every cache")]
pub struct Args {
    /// A server started elsewhere (then also --admin-email and --admin-password);
    /// default: start the nodes here.
    #[arg(long)]
    server: Option<String>,
    #[arg(long, requires = "server")]
    admin_email: Option<String>,
    #[arg(long, requires = "server")]
    admin_password: Option<String>,
    /// Nodes to start (more than one needs --postgres).
    #[arg(long, default_value_t = 1)]
    nodes: usize,
    /// A PostgreSQL server (URL of a database the user may CREATE DATABASE from);
    /// the bench creates a fresh database on it and drops it at the end.
    /// Default: SQLite in a temporary folder.
    #[arg(long)]
    postgres: Option<String>,
    /// The commons-server binary; default: COMMONS_SERVER_BIN, else the one beside this program.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Members, each a full client core live on the stream.
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Groups the members are spread over (member i in group i % groups).
    #[arg(long, default_value_t = 1)]
    groups: usize,
    /// Members who post, in turn.
    #[arg(long, default_value_t = 10)]
    posters: usize,
    /// Posts per second, all posters together.
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// How long to post: 600, 600s, 10m.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    duration: Duration,
    /// After posting stops, how long to wait for the last deliveries.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    drain: Duration,
    /// Count the stream connections one node holds instead (raw WebSockets).
    #[arg(long)]
    find_max_clients: bool,
    /// --find-max-clients: stop at this many connections.
    #[arg(long, default_value_t = 10_000)]
    max_clients_cap: usize,
    /// --find-max-clients: connections added per step.
    #[arg(long, default_value_t = 500)]
    max_clients_step: usize,
    /// Keep the client cores and the server data in this folder (default: a temporary one).
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("not a duration: {text:?} (try 120, 90s, 10m)"))?;
    let seconds = match unit {
        "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown unit {other:?} (s, m or h)")),
    };
    if !(seconds.is_finite() && seconds >= 0.0) {
        return Err(format!("not a duration: {text:?}"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Raises this process's soft limit of open files to the hard limit (each
/// client core holds SQLite files and two sockets; each raw stream one
/// socket). Returns (before, after).
fn raise_open_files_limit() -> (u64, u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return (0, 0);
        }
        let before = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
            return (before, before);
        }
        (before, limit.rlim_cur)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (before, after) = raise_open_files_limit();
    eprintln!("open files limit: {before} -> {after} (the server processes inherit it)");
    let summary = if args.find_max_clients {
        run::find_max_clients(&args, after).await?
    } else {
        run::load(&args, after).await?
    };
    println!("{summary}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_seconds_minutes_and_hours() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }
}
