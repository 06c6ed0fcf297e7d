//! `commons-bench-desktop`: the desktop app's cold start and memory (issue 5).
//!
//! Seeds an organisation (or reuses it with `--keep`), starts the server in
//! this process, logs a client-core profile in and syncs it fully, then
//! launches the release `commons-desktop` on that profile with
//! `COMMONS_BENCH_STARTUP` (see `src-tauri/src/bench.rs`): `feed` several
//! times (process start to the first feed page painted), then `scroll:N`
//! once (memory of the app and all its processes after N posts rendered).
//! Needs a display, D-Bus and a keychain: run it inside
//! `scripts/desktop-session.sh`. Prints a Markdown table for BENCHMARKS.md.

#[allow(dead_code)] // shared with commons-bench, which uses more of it
mod report;
mod seed;
#[allow(dead_code)]
mod text;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _};
use clap::Parser;
use commons_client::{Client, FeedCursor, MAX_FEED_PAGE};
use commons_server::{DatabaseConfig, ServerConfig};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, BufReader};

#[derive(Parser)]
#[command(about = "Measure the desktop app's cold start and memory on a large cache")]
struct Args {
    #[command(flatten)]
    size: seed::Size,
    /// Keep the server's data, its port and the synced profile in this
    /// folder: later runs with the same size skip seeding and most of the sync.
    #[arg(long)]
    keep: Option<PathBuf>,
    /// The desktop binary (a release build, which embeds `ui/dist`).
    #[arg(long, default_value = "target/release/commons-desktop")]
    desktop: PathBuf,
    /// Measured cold starts, after one warm-up start.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Posts rendered before the memory is measured (0: no memory run).
    #[arg(long, default_value_t = 1_000)]
    scroll: u32,
    /// Also one start after `echo 3 > /proc/sys/vm/drop_caches` (needs root
    /// and a writable /proc/sys; slows everyone else on the machine a little).
    #[arg(long)]
    drop_caches: bool,
    /// Seconds one app run may take before it is killed.
    #[arg(long, default_value_t = 180)]
    timeout: u64,
}

/// The JSON line of one app run, with the launch moment of this process.
struct Launch {
    line: Value,
    spawned_unix_ms: f64,
    /// Spawn to the line read from the app's stdout, by this process's clock.
    seen_after: Duration,
}

impl Launch {
    fn mark(&self, name: &str) -> Option<f64> {
        self.line["marks_ms"]
            .as_array()?
            .iter()
            .find(|m| m["name"] == name)?["ms"]
            .as_f64()
    }

    fn failure(&self) -> Option<String> {
        self.line["marks_ms"]
            .as_array()?
            .iter()
            .filter_map(|m| m["name"].as_str())
            .find(|n| n.starts_with("failed"))
            .map(str::to_owned)
    }

    /// Milliseconds from the spawn (before `exec`, the dynamic loader and
    /// `main`) to the mark: the app's start moment is in Unix time.
    fn since_spawn(&self, name: &str) -> Option<f64> {
        let started = self.line["started_unix_ms"].as_f64()?;
        Some(started - self.spawned_unix_ms + self.mark(name)?)
    }

    fn memory_kb(&self, what: &str) -> Option<u64> {
        self.line["memory"][what].as_u64()
    }
}

fn unix_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Launches the app once with `COMMONS_BENCH_STARTUP=plan` and waits for its
/// JSON line and its exit (killed after `timeout`).
async fn launch(
    desktop: &Path,
    profile: &Path,
    plan: &str,
    log: &Path,
    timeout: Duration,
) -> anyhow::Result<Launch> {
    let log_file = std::fs::File::create(log)?;
    let mut command = tokio::process::Command::new(desktop);
    command
        .env("COMMONS_PROFILE", profile)
        .env("COMMONS_BENCH_STARTUP", plan)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .kill_on_drop(true);
    let spawned_unix_ms = unix_ms();
    let spawned = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {}", desktop.display()))?;
    let stdout = child.stdout.take().context("the app's stdout")?;
    let run = async {
        let mut lines = BufReader::new(stdout).lines();
        let mut found = None;
        let mut other = Vec::new();
        while let Some(line) = lines.next_line().await? {
            if found.is_none() && line.starts_with("{\"commons_bench_startup\"") {
                let mut value: Value = serde_json::from_str(&line)?;
                found = Some((value["commons_bench_startup"].take(), spawned.elapsed()));
            } else {
                other.push(line);
            }
        }
        let status = child.wait().await?;
        std::fs::write(log.with_extension("stdout.log"), other.join("\n"))?;
        match found {
            Some((line, seen_after)) => Ok(Launch {
                line,
                spawned_unix_ms,
                seen_after,
            }),
            None => bail!(
                "the app exited ({status}) without its bench line; see {}",
                log.display()
            ),
        }
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(result) => result,
        Err(_) => bail!(
            "the app did not finish within {timeout:?} (killed); see {}",
            log.display()
        ),
    }
}

/// Posts in the profile's home feed, counted page by page.
async fn count_feed(client: &Client) -> anyhow::Result<usize> {
    let mut count = 0;
    let mut before: Option<FeedCursor> = None;
    loop {
        let page = client.feed(None, MAX_FEED_PAGE, before.take()).await?;
        count += page.len();
        match page.last() {
            Some(last) if page.len() as i64 == MAX_FEED_PAGE => {
                before = Some(FeedCursor {
                    created_at: last.created_at,
                    id: last.id.clone(),
                })
            }
            _ => return Ok(count),
        }
    }
}

/// `echo 3 > /proc/sys/vm/drop_caches`, after writing dirty pages back.
fn drop_page_cache() -> std::io::Result<()> {
    std::process::Command::new("sync").status()?;
    std::fs::write("/proc/sys/vm/drop_caches", b"3")
}

/// Minimum, median and maximum.
fn spread(samples: &[f64]) -> (f64, f64, f64) {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    (sorted[0], median, sorted[n - 1])
}

fn mb(kb: u64) -> String {
    format!("{:.0} MB", kb as f64 * 1024.0 / 1e6)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let desktop = std::fs::canonicalize(&args.desktop)
        .with_context(|| format!("the desktop binary {}", args.desktop.display()))?;
    let temporary = tempfile::tempdir()?;
    let data = args.keep.clone().unwrap_or_else(|| temporary.path().into());
    std::fs::create_dir_all(&data)?;
    let data = std::fs::canonicalize(&data)?;
    let database = DatabaseConfig::new(data.join("server"), None);
    seed::seed_once(&database, &data, args.size).await?;

    // The profile records the server's address: a kept one needs the same port.
    let port_file = data.join("desktop-port");
    let port: u16 = std::fs::read_to_string(&port_file)
        .ok()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(0);
    let server = commons_server::start(ServerConfig::new(
        database,
        SocketAddr::from(([127, 0, 0, 1], port)),
    ))
    .await?;
    std::fs::write(&port_file, server.addr().port().to_string())?;

    // The first seeded person is in every group: their home feed has every post.
    let profile = data.join("desktop-profile");
    let client = Client::open(&profile).await?;
    client
        .login(&server.url(), &seed::email(0), seed::PASSWORD)
        .await?;
    let started = Instant::now();
    let synced = client.sync().await?;
    let sync_time = started.elapsed();
    eprintln!(
        "synced {} entities in {:.1?} ({:.0}/s)",
        synced.pulled,
        sync_time,
        synced.pulled as f64 / sync_time.as_secs_f64().max(1e-9)
    );
    let cached = count_feed(&client).await?;
    eprintln!("the profile's home feed holds {cached} posts");
    client.close().await;
    drop(client);

    let logs = data.join("desktop-logs");
    std::fs::create_dir_all(&logs)?;
    let timeout = Duration::from_secs(args.timeout);
    let mut report = report::Report::default();
    report.add(
        "profile synced before the runs",
        format!(
            "{cached} posts in the home feed; this run's sync pulled {} entities in {:.1} s",
            synced.pulled,
            sync_time.as_secs_f64()
        ),
        "100,000 posts",
    );

    let warm_up = launch(
        &desktop,
        &profile,
        "feed",
        &logs.join("warm-up.log"),
        timeout,
    )
    .await?;
    if let Some(failure) = warm_up.failure() {
        bail!("warm-up run: {failure}");
    }
    let mut since_spawn = Vec::new();
    let mut since_main = Vec::new();
    let mut seen = Vec::new();
    for i in 0..args.runs {
        let run = launch(
            &desktop,
            &profile,
            "feed",
            &logs.join(format!("feed-{i}.log")),
            timeout,
        )
        .await?;
        if let Some(failure) = run.failure() {
            bail!("run {i}: {failure}");
        }
        let (Some(spawn), Some(main)) = (run.since_spawn("feed"), run.mark("feed")) else {
            bail!("run {i}: no feed mark in {}", run.line);
        };
        eprintln!(
            "run {i}: feed painted {spawn:.0} ms after the spawn ({main:.0} ms after main); PSS then {:?} kB",
            run.memory_kb("pss_kb")
        );
        since_spawn.push(spawn);
        since_main.push(main);
        seen.push(run.seen_after.as_secs_f64() * 1000.0);
    }
    if !since_spawn.is_empty() {
        let (lo, mid, hi) = spread(&since_spawn);
        let (main_lo, main_mid, main_hi) = spread(&since_main);
        report.add(
            "cold start to the feed painted (new process, warm page cache): spawn to the first \
             page of posts in the DOM after two animation frames",
            format!(
                "{} runs: min {lo:.0} ms, median {mid:.0} ms, max {hi:.0} ms (from `main`: \
                 {main_lo:.0} / {main_mid:.0} / {main_hi:.0} ms)",
                since_spawn.len()
            ),
            "under 1 s",
        );
        let (lo, mid, hi) = spread(&seen);
        report.add(
            "the same, up to the app's report read by the bench",
            format!("min {lo:.0} ms, median {mid:.0} ms, max {hi:.0} ms"),
            "(a check of the above)",
        );
    }

    if args.drop_caches {
        match drop_page_cache() {
            Ok(()) => {
                let run = launch(
                    &desktop,
                    &profile,
                    "feed",
                    &logs.join("cold-cache.log"),
                    timeout,
                )
                .await?;
                let spawn = run.since_spawn("feed").context("no feed mark")?;
                report.add(
                    "cold start after `echo 3 > /proc/sys/vm/drop_caches` (page cache dropped)",
                    format!("{spawn:.0} ms (one run)"),
                    "under 1 s",
                );
            }
            Err(error) => report.add(
                "cold start with the page cache dropped",
                format!("not measured: writing /proc/sys/vm/drop_caches failed ({error})"),
                "under 1 s",
            ),
        }
    }

    if args.scroll > 0 {
        let run = launch(
            &desktop,
            &profile,
            &format!("scroll:{}", args.scroll),
            &logs.join("scroll.log"),
            timeout,
        )
        .await?;
        if let Some(failure) = run.failure() {
            bail!("scroll run: {failure}");
        }
        let scrolled = run.since_spawn("scrolled").context("no scrolled mark")?;
        let processes: Vec<String> = run.line["memory"]["processes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                format!(
                    "{} {} (RSS {})",
                    p["name"].as_str().unwrap_or("?"),
                    p["pss_kb"]
                        .as_u64()
                        .map(mb)
                        .unwrap_or_else(|| "PSS ?".into()),
                    p["rss_kb"].as_u64().map(mb).unwrap_or_else(|| "?".into()),
                )
            })
            .collect();
        eprintln!("scroll run: {}", run.line);
        report.add(
            &format!(
                "memory of all the app's processes after scrolling {} posts (PSS summed)",
                args.scroll
            ),
            format!(
                "PSS {}, RSS {} ({} processes: {}); {} posts rendered {:.1} s after the spawn",
                run.memory_kb("pss_kb")
                    .map(mb)
                    .unwrap_or_else(|| "not readable".into()),
                run.memory_kb("rss_kb")
                    .map(mb)
                    .unwrap_or_else(|| "?".into()),
                processes.len(),
                processes.join(", "),
                args.scroll,
                scrolled / 1000.0
            ),
            "under 200 MB",
        );
    }

    // Leave no live token behind in the session's keychain.
    let client = Client::open(&profile).await?;
    let _ = client.logout().await;
    client.close().await;
    server.shutdown().await?;
    println!(
        "{}",
        report.markdown(&format!("desktop, SQLite server: {}", args.size))
    );
    Ok(())
}
