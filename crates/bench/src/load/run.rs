//! The two runs: the load (client cores, posts, latencies) and the search
//! for the most stream connections; each returns its Markdown summary.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::watch;

use crate::clients::{self, wait_for};
use crate::members::{self, Api};
use crate::nodes::{self, Nodes, ADMIN_EMAIL, PASSWORD};
use crate::procfs::cpu_seconds;
use crate::stats::{body, Stats};
use crate::{maxclients, report, Args};

async fn start_nodes(args: &Args, dir: &std::path::Path) -> anyhow::Result<(Nodes, Api)> {
    let nodes = match &args.server {
        Some(url) => Nodes::external(url),
        None => {
            let bin = nodes::server_bin(args.server_bin.clone())?;
            Nodes::start(
                &bin,
                &dir.join("server"),
                args.nodes,
                args.postgres.as_deref(),
            )
            .await?
        }
    };
    let (email, password) = match (&args.admin_email, &args.admin_password) {
        (Some(e), Some(p)) => (e.as_str(), p.as_str()),
        _ => (ADMIN_EMAIL, PASSWORD),
    };
    let admin = Api::admin(&nodes.urls[0], email, password)
        .await
        .context("the admin logs in (with --server: --admin-email and --admin-password)")?;
    Ok((nodes, admin))
}

fn folder(args: &Args) -> anyhow::Result<(Option<tempfile::TempDir>, std::path::PathBuf)> {
    Ok(match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            (None, dir.clone())
        }
        None => {
            let temp = tempfile::tempdir()?;
            let path = temp.path().to_path_buf();
            (Some(temp), path)
        }
    })
}

fn mib(values: &[Option<f64>]) -> String {
    let shown: Vec<String> = values
        .iter()
        .map(|v| v.map_or("?".into(), |m| format!("{m:.0}")))
        .collect();
    if shown.is_empty() {
        "not measured (external server)".into()
    } else {
        format!("{} MiB", shown.join(" / "))
    }
}

/// `VmRSS` (MiB) and thread count of this process.
fn own_process() -> (f64, usize) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (field("VmRSS:") / 1024.0, field("Threads:") as usize)
}

fn now_utc() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

pub async fn load(args: &Args, open_files: u64) -> anyhow::Result<String> {
    let (_temp, dir) = folder(args)?;
    let began = now_utc();
    let (nodes, admin) = start_nodes(args, &dir).await?;
    let rss_idle = nodes.rss_mib();
    let started = Instant::now();
    let organisation = members::seed(admin, args.clients, args.groups).await?;
    let seeded = started.elapsed();
    eprintln!("seeded {} members in {seeded:.1?}", args.clients);

    let capacity = (args.rate * args.duration.as_secs_f64() * 1.2) as usize + 1000;
    let started = Instant::now();
    let members = clients::open(
        &nodes,
        &organisation,
        args.clients,
        capacity,
        &dir.join("clients"),
    )
    .await?;
    let logged_in = started.elapsed();
    let stats = Arc::new(Stats::new(capacity));
    let (stop, stopping) = watch::channel(false);
    let started = Instant::now();
    let (mut tasks, ready) = clients::go_live(&members, &organisation, stats.clone(), stopping);
    let all_ready = wait_for(Duration::from_secs(1800), || {
        *ready.borrow() >= members.len()
    })
    .await;
    let connected_in = started.elapsed();
    let online_at_start = stats.online.load(Ordering::Relaxed);
    let count = *ready.borrow();
    eprintln!(
        "{count} of {} clients live and synced in {connected_in:.1?} ({online_at_start} online)",
        members.len()
    );
    anyhow::ensure!(all_ready, "not every client got live within 30 minutes");
    let rss_connected = nodes.rss_mib();
    let (bench_rss_connected, threads) = own_process();

    // Posting: each poster posts in turn at rate / posters, one post after
    // the other as a person does (a post that takes longer than its turn
    // delays the next: the rate reached is reported).
    let posters: Vec<_> = members.iter().take(args.posters.max(1)).cloned().collect();
    let posting = Instant::now();
    let (cpu_nodes_before, cpu_self_before) = (nodes.cpu_seconds(), cpu_seconds("self"));
    let syncs_before = stats.syncs.load(Ordering::Relaxed);
    let every = Duration::from_secs_f64(posters.len() as f64 / args.rate.max(0.001));
    let mut posting_tasks = tokio::task::JoinSet::new();
    for (k, poster) in posters.iter().enumerate() {
        let (poster, stats) = (poster.clone(), stats.clone());
        let expected = organisation.group_size(poster.index, members.len()) - 1;
        let (deadline, offset) = (
            posting + args.duration,
            every.mul_f64(k as f64 / posters.len() as f64),
        );
        posting_tasks.spawn(async move {
            let mut tick =
                tokio::time::interval_at(tokio::time::Instant::from_std(posting + offset), every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if Instant::now() >= deadline {
                    return;
                }
                let Some(n) = stats.reserve() else { return };
                post_one(&stats, &poster, n, expected).await;
            }
        });
    }
    let mut rss_max = rss_connected.clone();
    while !posting_tasks.is_empty() {
        let ten_seconds = tokio::time::sleep(Duration::from_secs(10));
        tokio::pin!(ten_seconds);
        loop {
            tokio::select! {
                _ = &mut ten_seconds => break,
                done = posting_tasks.join_next() => match done {
                    Some(done) => done?,
                    None => break,
                },
            }
        }
        for (max, now) in rss_max.iter_mut().zip(nodes.rss_mib()) {
            *max = match (*max, now) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
        progress(&stats, posting, &nodes);
    }
    let posted_for = posting.elapsed();
    let syncs = stats.syncs.load(Ordering::Relaxed) - syncs_before;
    let cpu_nodes: Vec<String> = nodes
        .cpu_seconds()
        .iter()
        .zip(&cpu_nodes_before)
        .map(|(after, before)| format!("{:.0}", after - before))
        .collect();
    let cpu_self = cpu_seconds("self") - cpu_self_before;
    let rss_end_of_posting = nodes.rss_mib();
    let online_at_end = stats.online.load(Ordering::Relaxed);
    let drain_end = Instant::now() + args.drain;
    let mut drained = false;
    while !drained && Instant::now() < drain_end {
        let slice = drain_end
            .saturating_duration_since(Instant::now())
            .min(Duration::from_secs(10));
        drained = wait_for(slice, || stats.complete_latencies().2 == 0).await;
        progress(&stats, posting, &nodes);
    }
    let _ = stop.send(true);
    let joined = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(done) = tasks.join_next().await {
            if let Err(e) = done? {
                eprintln!("a client task ended with an error: {e:#}");
            }
        }
        anyhow::Ok(())
    })
    .await;
    if joined.is_err() {
        eprintln!("client tasks still running 120 s after the stop: aborted");
        tasks.shutdown().await;
    }
    let (outbox_failed, outbox_unsent, looked_up) =
        clients::final_check(&members, &organisation, &stats).await?;
    let rss_end = nodes.rss_mib();
    let backend = nodes.backend.clone();
    nodes.stop().await?;

    let sent = stats.sent.load(Ordering::Relaxed).min(capacity)
        - stats.failed_sends.load(Ordering::Relaxed);
    let (mut latencies, missing, incomplete) = stats.complete_latencies();
    let d = &stats.deliveries;
    let mut out = String::new();
    writeln!(
        out,
        "### Load: {backend}, {} client cores, {} posts/s for {:.0} s ({began})\n",
        members.len(),
        args.rate,
        args.duration.as_secs_f64()
    )?;
    writeln!(out, "| measure | result | goal |\n|---|---|---|")?;
    let mut row = |what: &str, result: String, goal: &str| {
        let _ = writeln!(out, "| {what} | {result} | {goal} |");
    };
    row(
        "clients connected (full client cores, live mode, one SQLite cache each)",
        format!(
            "{online_at_start} of {} at the start, {online_at_end} at the end of posting; {} disconnects",
            members.len(),
            stats.disconnects.load(Ordering::Relaxed)
        ),
        "all",
    );
    row(
        "setup",
        format!(
            "seeding {:.1} s, client logins {:.1} s, live and first sync of all {:.1} s",
            seeded.as_secs_f64(),
            logged_in.as_secs_f64(),
            connected_in.as_secs_f64()
        ),
        "",
    );
    row(
        "posts sent",
        format!(
            "{sent} in {:.1} s = {:.1}/s by {} posters",
            posted_for.as_secs_f64(),
            sent as f64 / posted_for.as_secs_f64(),
            posters.len()
        ),
        &format!("{}/s", args.rate),
    );
    row(
        "push latency: post sent until every other member's cache has it",
        format!(
            "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} posts)",
            report::percentile(&mut latencies, 50.0),
            report::percentile(&mut latencies, 95.0),
            report::percentile(&mut latencies, 99.0),
            report::percentile(&mut latencies, 100.0),
            latencies.len()
        ),
        "p50 < 10 ms, p99 < 50 ms",
    );
    row(
        "per delivery (one post into one member's cache)",
        format!(
            "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms ({} deliveries, 2% buckets)",
            d.percentile_ms(50.0),
            d.percentile_ms(95.0),
            d.percentile_ms(99.0),
            d.count()
        ),
        "",
    );
    row(
        "errors",
        format!(
            "{} failed sends, {outbox_failed} writes refused and {outbox_unsent} unsent in outboxes, {} sync errors; {missing} deliveries missing at the end ({incomplete} posts){}; {} found only by the final cache check{}",
            stats.failed_sends.load(Ordering::Relaxed),
            stats.sync_errors.load(Ordering::Relaxed),
            if drained { "" } else { ", drain timed out" },
            stats.late_detected.load(Ordering::Relaxed),
            if looked_up { "" } else { " (not made: too many missing to look up)" },
        ),
        "none",
    );
    row(
        "work while posting",
        format!(
            "{syncs} syncs by the clients' live modes ({:.0}/s); CPU seconds: nodes {}, load generator with its client cores {cpu_self:.0}, in {:.0} s on {} cores",
            syncs as f64 / posted_for.as_secs_f64(),
            cpu_nodes.join(" / "),
            posted_for.as_secs_f64(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        ),
        "",
    );
    row(
        "server memory (VmRSS per node)",
        format!(
            "idle {}, after the logins and with all connected {}, end of posting {} (max seen {}), after the drain {}",
            mib(&rss_idle),
            mib(&rss_connected),
            mib(&rss_end_of_posting),
            mib(&rss_max),
            mib(&rss_end)
        ),
        "flat",
    );
    row(
        "load generator process",
        format!(
            "VmRSS {bench_rss_connected:.0} MiB and {threads} threads with all clients connected; open files limit {open_files}"
        ),
        "",
    );
    Ok(out)
}

/// Post number `n` by `poster`, timed from the call.
async fn post_one(stats: &Stats, poster: &clients::Member, n: usize, expected: usize) {
    let record = &stats.posts[n];
    record.poster.store(poster.index, Ordering::Relaxed);
    record.expected.store(expected as u32, Ordering::Relaxed);
    record
        .sent_us
        .store(stats.micros(Instant::now()), Ordering::Release);
    match poster
        .client
        .post(Some(&poster.group_id), &body(n, poster.index))
        .await
    {
        Ok(post) => {
            let _ = record.id.set(post.id);
        }
        Err(e) => {
            record.sent_us.store(0, Ordering::Release);
            if stats.failed_sends.fetch_add(1, Ordering::Relaxed) < 5 {
                eprintln!("a post failed: {e}");
            }
        }
    }
}

fn progress(stats: &Stats, posting: Instant, nodes: &Nodes) {
    let (mut done, _, incomplete) = stats.complete_latencies();
    eprintln!(
        "  {:.0} s: {} posts, {} everywhere (p50 {:.0} ms, p99 {:.0} ms), {incomplete} not everywhere yet, {} online, node {}",
        posting.elapsed().as_secs_f64(),
        stats.sent.load(Ordering::Relaxed),
        done.len(),
        report::percentile(&mut done, 50.0),
        report::percentile(&mut done, 99.0),
        stats.online.load(Ordering::Relaxed),
        mib(&nodes.rss_mib()),
    );
}

pub async fn find_max_clients(args: &Args, open_files: u64) -> anyhow::Result<String> {
    let (_temp, dir) = folder(args)?;
    let began = now_utc();
    let (nodes, admin) = start_nodes(args, &dir).await?;
    let accounts = args.clients.min(200);
    let organisation = members::seed(admin, accounts, 1).await?;
    let tokens = members::tokens(&nodes.urls[0], accounts).await?;
    let rss_idle = nodes.rss_mib();
    let (email, password) = match (&args.admin_email, &args.admin_password) {
        (Some(e), Some(p)) => (e.clone(), p.clone()),
        _ => (ADMIN_EMAIL.to_owned(), PASSWORD.to_owned()),
    };
    let prober = Api::admin(&nodes.urls[0], &email, &password).await?;
    let group = organisation.groups[0].id.clone();
    let outcome = maxclients::run(
        &nodes.urls[0],
        &tokens,
        args.max_clients_cap,
        args.max_clients_step.max(1),
        || nodes.rss_mib().first().copied().flatten(),
        async move {
            prober
                .write_post(&group, "probe after the last connection")
                .await
        },
    )
    .await?;
    let backend = nodes.backend.clone();
    nodes.stop().await?;
    let mut out = String::new();
    writeln!(
        out,
        "### Stream connections on one node: {backend} ({began})\n"
    )?;
    writeln!(out, "| measure | result | goal |\n|---|---|---|")?;
    writeln!(
        out,
        "| stream connections one node held (raw WebSockets, {accounts} accounts, not client cores) | {} ({}) | 10,000 |",
        outcome.held, outcome.stopped_because
    )?;
    writeln!(
        out,
        "| connections poked for a post made after the last one connected | {} of {} | all |",
        outcome.poked, outcome.held
    )?;
    let steps: Vec<String> = outcome
        .steps
        .iter()
        .map(|(n, m)| format!("{n}: {}", m.map_or("?".into(), |m| format!("{m:.0}"))))
        .collect();
    writeln!(
        out,
        "| node VmRSS (MiB) by connections | idle {}; {} | |",
        mib(&rss_idle),
        steps.join(", ")
    )?;
    writeln!(
        out,
        "| open files limit of the bench and its node | {open_files} | |"
    )?;
    Ok(out)
}
