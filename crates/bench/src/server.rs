//! Server measurements over real HTTP on loopback.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use commons_protocol::{CreatePostRequest, LoginRequest, LoginResponse, SyncResponse};
use serde_json::Value;
use uuid::Uuid;

use crate::procfs::cpu_seconds;
use crate::report::{percentile, Report};
use crate::seed::PASSWORD;
use crate::text::{Rng, Vocabulary};

pub struct Target {
    pub base: String,
    pub http: reqwest::Client,
}

impl Target {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub async fn login(&self, email: &str) -> anyhow::Result<String> {
        let request = LoginRequest {
            email: email.into(),
            password: PASSWORD.into(),
            device_name: Some("commons-bench".into()),
        };
        let answer: LoginResponse = self
            .http
            .post(self.url("/auth/login"))
            .json(&request)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(answer.token)
    }
}

/// Successful calls per second, and the CPU time this process (server and
/// load generator) spent per call: the machine is shared, so the rate moves
/// with other people's load, the CPU time much less.
struct Rate {
    per_second: f64,
    cpu_ms_per_call: f64,
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.0}/s ({:.2} ms of CPU per call)",
            self.per_second, self.cpu_ms_per_call
        )
    }
}

/// Runs `concurrency` tasks calling `step` in a loop for `duration`.
async fn throughput<F, Fut>(concurrency: usize, duration: Duration, step: F) -> anyhow::Result<Rate>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let step = Arc::new(step);
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let cpu_before = cpu_seconds("self");
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (step, done, stop) = (step.clone(), done.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                step(worker, i).await?;
                done.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            anyhow::Ok(())
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await??;
    }
    let calls = done.load(Ordering::Relaxed) as f64;
    Ok(Rate {
        per_second: calls / started.elapsed().as_secs_f64(),
        cpu_ms_per_call: (cpu_seconds("self") - cpu_before) * 1000.0 / calls,
    })
}

pub async fn run(
    target: Arc<Target>,
    emails: &[String],
    duration: Duration,
    concurrency: usize,
    report: &mut Report,
) -> anyhow::Result<()> {
    let mut tokens = Vec::new();
    for email in emails.iter().take(concurrency) {
        tokens.push(target.login(email).await?);
    }
    let tokens = Arc::new(tokens);

    // Home feed page reads.
    let probe = target
        .http
        .get(target.url("/feed?limit=20"))
        .bearer_auth(&tokens[0])
        .send()
        .await?;
    if probe.status().is_success() {
        let (t, k) = (target.clone(), tokens.clone());
        let rate = throughput(concurrency, duration, move |worker, _| {
            let (t, k) = (t.clone(), k.clone());
            async move {
                t.http
                    .get(t.url("/feed?limit=20"))
                    .bearer_auth(&k[worker])
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
                Ok(())
            }
        })
        .await?;
        report.add(
            "home feed page (20 posts) reads",
            rate.to_string(),
            "10,000/s on SQLite",
        );
    } else {
        report.add(
            "home feed page reads",
            format!("not measured: GET /feed answered {}", probe.status()),
            "10,000/s on SQLite",
        );
    }

    // Sync of a fresh client: the first account is a member of every group.
    let started = Instant::now();
    let mut since: Option<String> = None;
    let mut entities = 0usize;
    loop {
        let mut url = target.url("/sync?limit=1000");
        if let Some(cursor) = &since {
            url.push_str(&format!("&since={cursor}"));
        }
        let page: SyncResponse = target
            .http
            .get(url)
            .bearer_auth(&tokens[0])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        entities += page.changes.len();
        since = Some(page.cursor.as_str().to_owned());
        if !page.has_more {
            break;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    report.add(
        "sync of a fresh client (all pages of 1,000)",
        format!(
            "{entities} entities in {seconds:.1} s = {:.0} entities/s",
            entities as f64 / seconds
        ),
        "50,000 entities/s",
    );

    // Search latency, one query at a time.
    let probe = target
        .http
        .get(target.url("/search?q=budget"))
        .bearer_auth(&tokens[0])
        .send()
        .await?;
    if probe.status().is_success() {
        let vocabulary = Vocabulary::new();
        let mut rng = Rng::new(7);
        let mut latencies = Vec::new();
        for _ in 0..300 {
            let query = vocabulary.query(&mut rng).replace(' ', "%20");
            let started = Instant::now();
            let answer: Value = target
                .http
                .get(target.url(&format!("/search?q={query}&limit=20")))
                .bearer_auth(&tokens[0])
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            latencies.push(started.elapsed());
            std::hint::black_box(answer);
        }
        report.add(
            "server search, two words, 20 results",
            format!(
                "p50 {:.1} ms, p99 {:.1} ms",
                percentile(&mut latencies, 50.0),
                percentile(&mut latencies, 99.0)
            ),
            "p99 under 50 ms",
        );
    } else {
        report.add(
            "server search",
            format!("not measured: GET /search answered {}", probe.status()),
            "p99 under 50 ms",
        );
    }

    // Posts created (last: it changes the data).
    let groups: Vec<Value> = target
        .http
        .get(target.url("/groups"))
        .bearer_auth(&tokens[0])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let group_ids: Arc<Vec<String>> = Arc::new(
        groups
            .iter()
            .filter_map(|g| g["group"]["id"].as_str().map(str::to_owned))
            .collect(),
    );
    let (t, k) = (target.clone(), tokens.clone());
    let rate = throughput(concurrency, duration, move |worker, i| {
        let (t, k, g) = (t.clone(), k.clone(), group_ids.clone());
        async move {
            let request = CreatePostRequest {
                mutation_id: Uuid::now_v7().to_string(),
                id: Uuid::now_v7().to_string(),
                group_id: g[(worker + i as usize) % g.len()].clone(),
                body: format!("bench post {worker}-{i} about the quarterly roadmap"),
                attachment_ids: Vec::new(),
                poll: None,
                announce_days: None,
            };
            t.http
                .post(t.url("/posts"))
                .bearer_auth(&k[worker])
                .json(&request)
                .send()
                .await?
                .error_for_status()?;
            Ok(())
        }
    })
    .await?;
    report.add("posts created", rate.to_string(), "2,000/s");
    Ok(())
}
