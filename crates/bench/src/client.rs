//! Client-core measurements: first sync into an empty cache, then reads of
//! the cache as the screens do them.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use commons_client::{Client, FeedCursor};

use crate::report::{percentile, Report};
use crate::seed::PASSWORD;
use crate::text::{Rng, Vocabulary};

pub async fn run(
    server_url: &str,
    email: &str,
    profile: &Path,
    report: &mut Report,
) -> anyhow::Result<()> {
    let client = Arc::new(Client::open(profile).await?);
    client.login(server_url, email, PASSWORD).await?;

    // First sync; meanwhile, watch for the first feed page the UI could show.
    let started = Instant::now();
    let syncing = {
        let client = client.clone();
        tokio::spawn(async move { client.sync().await })
    };
    let mut first_page = None;
    while !syncing.is_finished() {
        if first_page.is_none() && !client.feed(None, 20, None).await?.is_empty() {
            first_page = Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let synced = syncing.await??;
    let total = started.elapsed();
    let first_page = first_page.unwrap_or(total);
    report.add(
        "client first sync into an empty cache",
        format!(
            "{} entities in {:.1} s = {:.0} entities/s",
            synced.pulled,
            total.as_secs_f64(),
            synced.pulled as f64 / total.as_secs_f64()
        ),
        "50,000 entities/s",
    );
    report.add(
        "client: time to a first feed page during first sync",
        format!(
            "{:.2} s (the newest page, fetched before the log)",
            first_page.as_secs_f64()
        ),
        "under 1 s, newest posts",
    );

    // Home feed pages: the first page and 50 pages deep, as scrolling does.
    let mut latencies = Vec::new();
    for _ in 0..5 {
        let mut before: Option<FeedCursor> = None;
        for _ in 0..50 {
            let started = Instant::now();
            let page = client.feed(None, 20, before.clone()).await?;
            latencies.push(started.elapsed());
            let Some(last) = page.last() else { break };
            before = Some(FeedCursor {
                created_at: last.created_at,
                id: last.id.clone(),
            });
        }
    }
    report.add(
        "client home feed page of 20 from the cache",
        format!(
            "p50 {:.2} ms, p99 {:.2} ms",
            percentile(&mut latencies, 50.0),
            percentile(&mut latencies, 99.0)
        ),
        "p99 under 2 ms",
    );

    let vocabulary = Vocabulary::new();
    let mut rng = Rng::new(11);
    let mut latencies = Vec::new();
    for _ in 0..300 {
        let query = vocabulary.query(&mut rng);
        let started = Instant::now();
        std::hint::black_box(client.search(&query, 20).await?);
        latencies.push(started.elapsed());
    }
    report.add(
        "client offline search, two words, 20 results",
        format!(
            "p50 {:.1} ms, p99 {:.1} ms",
            percentile(&mut latencies, 50.0),
            percentile(&mut latencies, 99.0)
        ),
        "p99 under 20 ms",
    );

    client.close().await;
    let bytes = dir_size(profile)?;
    report.add(
        "client cache size on disk (database, WAL, search index)",
        format!("{:.0} MB", bytes as f64 / 1e6),
        "reported per 100,000 posts",
    );
    client_logout(profile).await
}

async fn client_logout(profile: &Path) -> anyhow::Result<()> {
    // Leave no token behind in the keychain.
    let client = Client::open(profile).await?;
    let _ = client.logout().await;
    client.close().await;
    Ok(())
}

fn dir_size(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}
